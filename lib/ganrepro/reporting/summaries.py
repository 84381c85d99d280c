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


# D's health per step (ganrepro.training.health), binned like the losses; absent from the losses
# of steps trained before 2026-12-07
HEALTH_COLUMNS = (
    "d_real", "d_fake", "d_accuracy", "d_violations", "grad_norm_d", "grad_norm_g"
)  # fmt: skip
SPECTRAL_PREFIXES = ("sigma/", "weight_norm/")


def _number(text: str | None) -> float | None:
    """A CSV cell as a finite number, or None (empty, NaN: not measured at that step)."""
    if text in (None, ""):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _mean(values: Iterable[float | None]) -> float | None:
    finite = [v for v in values if v is not None]
    return sum(finite) / len(finite) if finite else None


def binned_losses(rows: Iterable[dict[str, str]], points: int = LOSS_POINTS) -> dict[str, list]:
    """Mean D and G loss per bin of consecutive steps (G's over the steps where G stepped), and
    the mean of each health column over the steps that measured it."""
    rows = list(rows)
    size = max(1, math.ceil(len(rows) / points))
    health = [c for c in HEALTH_COLUMNS if rows and c in rows[0]]
    out: dict[str, list] = {"step": [], "epoch": [], "d_loss": [], "g_loss": []}
    out.update({c: [] for c in health})
    for i in range(0, len(rows), size):
        chunk = rows[i : i + size]
        out["step"].append(int(chunk[-1]["step"]))
        out["epoch"].append(int(chunk[-1]["epoch"]))
        out["d_loss"].append(_mean(_number(r["d_loss"]) for r in chunk))
        out["g_loss"].append(_mean(_number(r["g_loss"]) for r in chunk))
        for column in health:
            out[column].append(_mean(_number(r[column]) for r in chunk))
    return out


def spectral_series(rows: Iterable[dict[str, str]]) -> dict[str, list]:
    """The spectral columns at the steps that measured them (each logging interval)."""
    rows = list(rows)
    names = [c for c in (rows[0] if rows else {}) if c.startswith(SPECTRAL_PREFIXES)]
    measured = [r for r in rows if names and _number(r[names[0]]) is not None]
    out: dict[str, list] = {"step": [int(r["step"]) for r in measured]}
    out.update({name: [_number(r[name]) for r in measured] for name in names})
    return out


def epoch_health(rows: Iterable[dict[str, str]], batch_size: int) -> list[dict[str, Any]]:
    """D's health per epoch, a table row each: images seen by D and G steps at its end, the
    epoch's mean of each per-step column (G's gradient over the steps G took), D's mean real
    minus mean fake output, and each spectral layer's sigma and raw weight norm at the epoch's
    last measurement."""
    rows = list(rows)
    spectral = [c for c in (rows[0] if rows else {}) if c.startswith(SPECTRAL_PREFIXES)]
    table, d_steps, g_steps = [], 0, 0
    for epoch in sorted({int(r["epoch"]) for r in rows}):
        chunk = [r for r in rows if int(r["epoch"]) == epoch]
        d_steps += len(chunk)
        g_steps += sum(_number(r["g_loss"]) is not None for r in chunk)
        row: dict[str, Any] = {
            "epoch": epoch,
            "images_seen": d_steps * batch_size,
            "g_steps": g_steps,
        }
        for column in HEALTH_COLUMNS:
            row[column] = _mean(_number(r.get(column)) for r in chunk)
        real, fake = row["d_real"], row["d_fake"]
        row["d_gap"] = None if real is None or fake is None else real - fake
        for name in spectral:
            measured = [_number(r[name]) for r in chunk if _number(r[name]) is not None]
            row[name] = measured[-1] if measured else None
        table.append(row)
    return table


def run_summary(
    run: str, scores: Iterable[str | Path], losses: str | Path, batch_size: int
) -> dict[str, Any]:
    """``scores``: the run's FID JSON files; ``losses``: its last segment's loss CSV (which
    holds the whole history), read once for the binned curves, the spectral series and D's
    health per epoch (``batch_size``: for the images seen)."""
    rows = [score_row(json.loads(Path(p).read_text())) for p in scores]
    with open(losses, newline="") as f:
        steps = list(csv.DictReader(f))
    return {
        "run": run,
        "scores": sorted(rows, key=lambda r: r["epoch"]),
        "losses": binned_losses(steps),
        "spectral": spectral_series(steps),
        "health": epoch_health(steps, batch_size),
    }
