"""An experiment's grid as the figures read it: each run's coordinates (its ``grid`` JSON),
the keys and values in reading order, whether a reference names a run's setting, and which
ablation figure the grid gets.

Shared by the per-setting FID curves, the heatmap and the bars, so a setting is named, ordered
and matched the same way in all three.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd


def plan_figures(grid_keys: Sequence[str]) -> list[str]:
    """Which ablation figure an experiment gets, from its grid keys ("variant" for variants).

    - no key (seeds only): [] (its FID-vs-epoch figure says everything);
    - exactly two grid keys and no variants: ["heatmap"] (x = first key, y = second);
    - anything else (one grid key, variants only, variants crossed with grid keys, three or
      more grid keys): ["bars"], by "variant" when there are variants, else by the first key.
      The other keys become side-by-side bars within each group, labelled in the legend
      ("loss hinge"): one row of bars keeps every setting visible, where a heatmap of
      variant x key would hide the seeds and the spread.
    """
    keys = list(grid_keys)
    if not keys:
        return []
    if "variant" not in keys and len(keys) == 2:
        return ["heatmap"]
    return ["bars"]


def parse_grid(grid: Any) -> dict[str, Any]:
    if isinstance(grid, Mapping):
        return dict(grid)
    if grid is None or (isinstance(grid, float) and math.isnan(grid)) or grid == "":
        return {}
    return json.loads(grid)


def with_coords(summary: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The summary with one column per grid key (from its ``grid`` JSON), and those keys."""
    coords = [parse_grid(g) for g in summary["grid"]]
    keys = list(dict.fromkeys(k for c in coords for k in c))
    keys.sort(key=lambda k: k != "variant")
    df = summary.copy()
    for k in keys:
        df[k] = [c.get(k) for c in coords]
    return df, keys


def _sort_key(v: Any) -> tuple:
    if isinstance(v, bool | np.bool_):
        return (1, str(v))
    if isinstance(v, int | float | np.integer | np.floating):
        return (0, float(v), "")
    return (1, str(v))


def ordered(values: pd.Series | Sequence[Any], *, sort_strings: bool) -> list[Any]:
    """Distinct values: numbers sorted; names sorted only if ``sort_strings``, else in order of
    first appearance (variants keep the order the caller gave them)."""
    distinct = list(dict.fromkeys(values))
    numeric = all(_sort_key(v)[0] == 0 for v in distinct)
    return sorted(distinct, key=_sort_key) if numeric or sort_strings else distinct


def order_keys(coords: Iterable[Mapping[str, Any]], key_order: Sequence[str] | None) -> list[str]:
    """The grid keys: the variant first, then in ``key_order``, then as they come."""
    keys = list(dict.fromkeys(k for c in coords for k in c))
    rank = {k: i for i, k in enumerate(key_order or [])}
    keys.sort(key=lambda k: rank.get(k, len(rank)))
    keys.sort(key=lambda k: k != "variant")
    return keys


def ordered_settings(
    settings: list[Any], coords: Mapping[Any, Mapping[str, Any]], keys: Sequence[str]
) -> list[Any]:
    """Settings sorted key by key (each key's values ordered as ``ordered`` does), so a legend
    reads lr 0.0001, 0.0002, 0.0005 rather than in run-name order."""
    rank = {
        k: {
            v: i
            for i, v in enumerate(
                ordered([coords[s].get(k) for s in settings if k in coords[s]], sort_strings=False)
            )
        }
        for k in keys
    }
    return sorted(
        settings,
        key=lambda s: tuple(rank[k].get(coords[s].get(k), -1) for k in keys),
    )


def _values_equal(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=0.0)
    return a == b


def matches(setting: Mapping[str, Any], coords: Mapping[str, Any]) -> bool:
    """A reference's setting matches a run when every key it names equals the run's value."""
    return all(k in coords and _values_equal(coords[k], v) for k, v in setting.items())
