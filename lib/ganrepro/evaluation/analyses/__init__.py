"""One module per analysis of a run beyond its FID (ganrepro.evaluation.analysis holds their
registry), and what they share: reading cached features, the protocol record written beside every
number, and
the form of a row of the analysis table.

A module ``ganrepro.evaluation.analyses.<name>`` has ``compute``, which takes the analysis's
declared
inputs, outputs, options and context by name and writes its outputs, and, when it writes a
``score`` JSON, ``rows``: that JSON's rows of results/tables/analysis.csv. A job imports only its
own analysis's module (and this one), so the code version it records names no other analysis.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import numpy as np

from ganrepro.io import load_npz


def read_features(path: str | os.PathLike) -> dict[str, Any]:
    """A features .npz of the sample_features / reference_features rules as a dict: features,
    labels, status ('ok' or why there are none) and the weights' sha256 (None without
    features)."""
    f = load_npz(path, required=["features"])
    return {
        "features": f["features"],
        "labels": f.get("labels"),
        "status": str(f["status"]) if "status" in f else "ok",
        "weights_sha256": str(f["weights_sha256"]) if "weights_sha256" in f else None,
    }


def same_weights(*features: dict[str, Any], names: Iterable[str]) -> str:
    """The weights hash shared by feature sets; an error naming the files if they differ (their
    distances would mean nothing)."""
    shas = {name: f["weights_sha256"] for name, f in zip(names, features, strict=True)}
    if len(set(shas.values())) != 1:
        raise ValueError(
            f"features computed with different Inception weights: {shas}; make the stale ones "
            "again with the current weights: snakemake --cores N --forcerun <file> (plus your "
            "usual options) for each file made with other weights"
        )
    return next(iter(shas.values()))


def reference_label(reference: dict[str, Any]) -> str:
    """'cifar10:test[200]', the FID tables' notation."""
    return f"{reference['dataset']}:{reference['split']}[{reference['n_images']}]"


def protocol(
    metric: str,
    *,
    n_generated: int | None,
    reference: dict[str, Any] | None,
    weights_sha256: str | None,
    **details: Any,
) -> dict[str, Any]:
    """What is needed to compare one number with another, stored beside it."""
    return {
        "metric": metric,
        "n_generated": n_generated,
        "reference": reference,
        "weights_sha256": weights_sha256,
        **details,
    }


def row(
    base: dict[str, Any],
    metric: str,
    value: float | None,
    std: float | None,
    status: str,
    prot: dict[str, Any],
    text: str,
) -> dict[str, Any]:
    """One row of the analysis table: ``base`` (experiment, run, epoch), the number and its
    spread (None: empty), and from the protocol ``prot`` its sample count, reference and
    weights; ``text`` says in words how the number was computed."""
    ref = prot.get("reference")
    sha = prot.get("weights_sha256")
    return {
        **base,
        "metric": metric,
        "value": np.nan if value is None else value,
        "std": np.nan if std is None else std,
        "status": status,
        "n_generated": prot.get("n_generated"),
        "reference": reference_label(ref) if ref else "",
        "weights_sha256": sha[:12] if sha else "",
        "protocol": text,
    }
