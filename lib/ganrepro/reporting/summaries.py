"""One small file per trained run: its FID at every scored epoch (with each score's protocol and
code version) and its loss curves, binned. The experiment tables and plots are made from these,
not from every score file, so each table job reads a handful of inputs (and `snakemake -n` lists
a handful). Plain Python: no torch, no pandas.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ganrepro.provenance import chain_version

LOSS_POINTS = 400  # points per loss curve in a summary: plenty for a plot, small for a file


def score_row(score: dict[str, Any]) -> dict[str, Any]:
    """A FID score file's number with its protocol, flat (one table row)."""
    p = score["protocol"]
    ref = p["reference"]
    code = score.get("code", [])
    # the curve's score: of the fewest samples scored (fid.intermediate_images), so every epoch
    # of a run has one of the same n
    curve = min(score.get("fid_subsets", []), key=lambda s: s["n"], default=None)
    return {
        "run": score["run"],
        "epoch": score["epoch"],
        "status": score["status"],
        "fid": score["fid"],
        "n_generated": p["n_generated"],
        "fid_curve": curve["fid"] if curve else score["fid"],
        "n_curve": curve["n"] if curve else p["n_generated"],
        "reference": f"{ref['dataset']}:{ref['split']}[{ref['n_images']}]",
        "n_reference": ref["n_images"],
        "weights_sha256": p["weights"]["sha256"][:12],
        "features_backend": p.get("features_backend", {}).get("generated", "unknown"),
        "fid_warnings": "; ".join(p.get("warnings", [])),
        # one hash over the code of every stage that led to this number
        "code_version": chain_version(code) if code else "unrecorded",
        "git": "; ".join(sorted({str(c.get("git")) for c in code})),
    }


def binned_losses(rows: Iterable[dict[str, str]], points: int = LOSS_POINTS) -> dict[str, list]:
    """Mean D and G loss per bin of consecutive steps (G's over the steps where G stepped)."""
    rows = list(rows)
    size = max(1, math.ceil(len(rows) / points))
    out: dict[str, list] = {"step": [], "epoch": [], "d_loss": [], "g_loss": []}
    for i in range(0, len(rows), size):
        chunk = rows[i : i + size]
        d = [float(r["d_loss"]) for r in chunk]
        g = [float(r["g_loss"]) for r in chunk if not math.isnan(float(r["g_loss"]))]
        out["step"].append(int(chunk[-1]["step"]))
        out["epoch"].append(int(chunk[-1]["epoch"]))
        out["d_loss"].append(sum(d) / len(d))
        out["g_loss"].append(sum(g) / len(g) if g else None)
    return out


def run_summary(run: str, scores: Iterable[str | Path], losses: str | Path) -> dict[str, Any]:
    """``scores``: the run's FID JSON files; ``losses``: its last segment's loss CSV (which
    holds the whole history)."""
    rows = [score_row(json.loads(Path(p).read_text())) for p in scores]
    with open(losses, newline="") as f:
        curve = binned_losses(csv.DictReader(f))
    return {"run": run, "scores": sorted(rows, key=lambda r: r["epoch"]), "losses": curve}
