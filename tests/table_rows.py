"""Made-up rows in the shapes the table code reads: a run's record (runs.json) and one row of
the score table (ganrepro.reporting.summaries.score_row's columns), with plain DCGAN settings, for
tests of tables, plots and curves."""

from __future__ import annotations

import math
from typing import Any


def run_record(experiment: str, seed: int, grid: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "experiment": experiment,
        "seed": seed,
        "grid": dict(grid or {}),
        "dataset": "toy",
        "settings": {
            "model": "dcgan",
            "loss": "bce",
            "lr": 2e-4,
            "lr_g": None,
            "lr_d": None,
            "batch_size": 64,
        },
    }


def score_table_row(run: str, epoch: int, fid: float | None, **columns: Any) -> dict[str, Any]:
    """A score of 100 samples against 200 toy test images (None: the run diverged); ``columns``
    replace or add columns (n_generated, fid_curve, n_curve, reference, ...)."""
    return {
        "run": run,
        "epoch": epoch,
        "status": "ok" if fid is not None else "diverged",
        "fid": math.nan if fid is None else fid,
        "n_generated": 100,
        "reference": "toy:test[200]",
        "weights_sha256": "f" * 12,
        "features_backend": "cpu",
        "fid_warnings": "",
        "code_version": "v1",
        "git": "abc",
        **columns,
    }
