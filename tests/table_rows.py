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


def laptop_record_rows() -> list[dict[str, Any]]:
    """Two families of a laptop_results record (bench/laptop_results.py's columns): DCGAN on
    two seeds, scored at epochs 2 and 4 of 50,000 images, and a family with 5 D steps per G
    step (a fifth of DCGAN's G steps) on one seed, with a published FID."""
    common = {
        "epochs": 4,
        "images_seen": 200_000,
        "n_final": 5000,
        "n_curve": 1000,
        "untrained_fid": 400.0,
        "cli_images_per_s": math.nan,
        "shared_wall_min": 12.0,
        "shared_peak_rss_gb": 1.5,
        "total_wall_min": 100.0,
        "total_peak_rss_gb": 2.0,
        "peak_rss_gb": 1.2,
        "train_images_per_s": 250.0,
        "curve_epochs": "2 / 4",
        "fid_reference": "cifar10:test[10000]",
        "weights_sha256": "b0f6a8f2b0e1",
        "features_backend": "onnxruntime",
        "runs_code_version": "c0ffee",
        "data": "CIFAR-10 at 32 px, JPEG copy",
    }
    return [
        common
        | {
            "experiment": "dcgan",
            "seeds": 2,
            "g_steps": 1560,
            "recipe": "Radford et al. 2016",
            "fid_final": 60.0,
            "fid_final_std": 2.0,
            "fid_curve": 70.0,
            "dcgan_same_budget": 70.0,
            "budget_matched_on": "200k images",
            "ratio": 1.0,
            "learns": True,
            "wall_min": 40.0,
            "curve": "110.0 / 70.0",
            "curve_std": "14.1 / 4.0",
            "curve_g_steps": "780 / 1560",
            "published_fid": math.nan,
            "published": "",
            "protocol_differs": "",
            "published_note": "",
        },
        common
        | {
            "experiment": "sngan",
            "seeds": 1,
            "g_steps": 312,
            "recipe": "Miyato et al. 2018",
            "deviations": "width 32; 312 G steps",
            "fid_final": 150.0,
            "fid_final_std": math.nan,
            "fid_curve": 160.0,
            "dcgan_same_budget": 110.0,
            "budget_matched_on": "312 G steps",
            "ratio": 160.0 / 110.0,
            "learns": True,
            "wall_min": 48.0,
            "curve": "200.0 / 160.0",
            "curve_std": "nan / nan",
            "curve_g_steps": "156 / 312",
            "published_fid": 13.248,
            "published": "PyTorch-StudioGAN README: CIFAR10 (3x32x32), row SNGAN (best)",
            "protocol_differs": "jpeg (False vs ours True); generated_images (10000 vs ours 5000)",
            "published_note": "a class-conditional ResNet",
        },
    ]
