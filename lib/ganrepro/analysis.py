"""Shared plumbing of the analysis rules: reading cached features, the protocol record written
beside every number, and the table that collects KID, precision/recall/density/coverage, IS,
diversity and memorisation per run."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ganrepro.io import load_npz

KINDS = ("kid", "prdc", "inception_score", "diversity", "memorisation", "inversion")
# the prdc record's keys, their rows' names and whose definitions they are
PRDC_ROWS = {
    "precision": ("Precision", "Kynkäänniemi et al. 2019"),
    "recall": ("Recall", "Kynkäänniemi et al. 2019"),
    "density": ("Density", "Naeem et al. 2020"),
    "coverage": ("Coverage", "Naeem et al. 2020"),
}
TABLE_COLUMNS = [
    "experiment",
    "run",
    "epoch",
    "metric",
    "value",
    "std",
    "status",
    "n_generated",
    "reference",
    "weights_sha256",
    "protocol",
]


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


def _row(base: dict, metric: str, value, std, status: str, prot: dict, text: str) -> dict:
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


def analysis_rows(record: dict[str, dict]) -> list[dict]:
    """Table rows of one run's analysis outputs (the JSON files, already parsed), keyed by
    kid, prdc, inception_score, diversity, memorisation, inversion."""
    kid, prdc, is_ = record["kid"], record["prdc"], record["inception_score"]
    div = record["diversity"]
    mem, inv = record["memorisation"], record["inversion"]
    base = {"experiment": record["experiment"], "run": record["run"], "epoch": record["epoch"]}
    rows = []
    p = kid["protocol"]
    rows.append(
        _row(
            base,
            "KID",
            kid.get("kid"),
            kid.get("kid_std"),
            kid["status"],
            p,
            f"unbiased MMD² {p.get('kernel', '')}, mean ± std over {p.get('subsets')} "
            f"subsets of {p.get('subset_size')}",
        )
    )
    p = prdc["protocol"]
    counts = (
        f"; {p['n_generated']} generated vs {p['n_real']} real features" if p.get("n_real") else ""
    )
    for key, (metric, source) in PRDC_ROWS.items():
        text = f"{source}, k={p.get('k')} nearest neighbours{counts}"
        rows.append(_row(base, metric, prdc.get(key), None, prdc["status"], p, text))
    p = is_["protocol"]
    rows.append(
        _row(
            base,
            "Inception Score",
            is_.get("inception_score"),
            is_.get("inception_score_std"),
            is_["status"],
            p,
            is_.get("reason") or f"{p.get('splits')} shuffled splits, {p.get('logits')}",
        )
    )
    ms = div["protocol"]["ms_ssim"]
    for who in ("generated", "real"):
        d = div.get(who) or {}
        p = {
            "n_generated": d.get("n_images") if who == "generated" else None,
            "reference": div["protocol"]["reference"] if who == "real" else None,
        }
        rows.append(
            _row(
                base,
                f"MS-SSIM ({who} pairs)",
                d.get("ms_ssim"),
                d.get("ms_ssim_std"),
                div["status"] if who == "generated" else "ok",
                p,
                f"{d.get('pairs')} random pairs; window {ms['window']} px, "
                f"{len(ms['weights'])} scales {ms['weights']}",
            )
        )
    p = mem["protocol"]
    summ = mem.get("summary") or {}
    rows.append(
        _row(
            base,
            "NN distance ratio (generated/test → train)",
            summ.get("ratio"),
            None,
            mem["status"],
            p,
            f"median pool3 distance to the nearest of {p.get('n_train')} train images; "
            f"{summ.get('close_fraction', float('nan')):.3f} of samples closer than the "
            "closest 1% of test images",
        )
    )
    p = inv["protocol"]
    psnrs = [im["psnr_db"] for im in inv.get("images", [])]
    rows.append(
        _row(
            base,
            "Inversion PSNR (dB)",
            float(np.mean(psnrs)) if psnrs else None,
            float(np.std(psnrs)) if len(psnrs) > 1 else None,
            inv["status"],
            p,
            f"mean over test images {p.get('indices')}; best of {p.get('starts')} starts "
            f"x {p.get('steps')} Adam steps",
        )
    )
    return rows


def analysis_table(records: Iterable[dict[str, dict]]) -> pd.DataFrame:
    rows = [row for record in records for row in analysis_rows(record)]
    df = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    return df.astype({"epoch": "Int64", "n_generated": "Int64"})  # counts stay integers


def load_record(paths: dict[str, str | Path], **meta: Any) -> dict[str, Any]:
    """One run's analysis JSON files, parsed, plus its experiment/run/epoch."""
    return {**meta, **{key: json.loads(Path(p).read_text()) for key, p in paths.items()}}
