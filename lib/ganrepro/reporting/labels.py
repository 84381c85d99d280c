"""A setting in words, the same in legends, table rows and report labels (torch- and
matplotlib-free, so the Snakefile labels report items with it)."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from typing import Any


def format_value(v: Any) -> str:
    """0.0002 rather than 0.00020000000000000001; integers and names as they are."""
    if isinstance(v, numbers.Real) and not isinstance(v, numbers.Integral):
        return f"{float(v):g}"
    return str(v)


def describe_setting(grid: Mapping[str, Any], order: Sequence[str] | None = None) -> str:
    """A setting in words for a legend or a tick: "lr 0.0002, batch_size 64", "sngan, loss hinge".

    A variant is a name, so it stands alone and first; every other key reads "key value".
    ``order`` puts keys in the experiment's order (``tables.fid_by_epoch`` stores the grid
    with sorted keys, which would otherwise give "batch_size 64, lr 0.0002"); keys it does not
    name keep their place after those it does. An empty grid gives "".
    """
    keys = list(grid)
    if order is not None:
        rank = {k: i for i, k in enumerate(order)}
        keys.sort(key=lambda k: rank.get(k, len(rank)))
    keys.sort(key=lambda k: k != "variant")  # stable: only moves the variant to the front
    return ", ".join(
        str(grid[k]) if k == "variant" else f"{k} {format_value(grid[k])}" for k in keys
    )
