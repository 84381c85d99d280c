"""The quality ladder's results (configs/recipe.yaml), read from the files of a finished or
partial run: one row per ingredient with its final FID, the change from the row it adds its
ingredient to (ganrepro.reporting.ladders' row rule), its curve, images seen, time, peak memory and
the contrast of its samples. Reads the workflow's own tables (results/tables/fid_by_epoch.csv and
results/tables/costs/runs.csv: the tables of the config run last there) and, for the
contrast, the final sample sets and the test images.

    python -m bench run recipe_results [--results results]

Contrast is the mean over images of each image's pixel standard deviation (pixels in [-1, 1]),
beside the real test images' own (`real_contrast`): a discriminator that normalises real and
fake batches apart (BatchNorm, `d_batches: separate`) cannot see a global change of the fakes'
contrast, so nothing stops G's from drifting; FID, computed on Inception features, weighs that
drift little. Each row's `code_version` is the code its run was made with.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from ganrepro.reporting.ladders import changes, contrast

from .common import REPO

DESCRIPTION = "reads a quality-ladder run (configs/recipe.yaml): each row's FID, change, contrast"
RECORD = "recipe"  # the ladder's records were filed under this name before bench was a package
EXPERIMENT = "dcgan_recipe"


def contrast_of_file(path: Path) -> float:
    """Contrast of a sample set stored as uint8 (scaled back to [-1, 1])."""
    with np.load(path) as f:
        return contrast(f["images"].astype(np.float64) / 127.5 - 1.0)


def variant(grid: str, run: str) -> str:
    coords = json.loads(grid) if isinstance(grid, str) and grid else {}
    return str(coords.get("variant", run.split("-")[1]))


def ladder(results: Path) -> list[dict[str, Any]]:
    by_epoch = pd.read_csv(results / "tables" / "fid_by_epoch.csv")
    by_epoch = by_epoch[by_epoch.experiment == EXPERIMENT]
    if by_epoch.empty:
        raise SystemExit(
            f"no {EXPERIMENT} run in {results}/tables/fid_by_epoch.csv: run configs/recipe.yaml "
            "there (the tables are the config's run last in that results folder)"
        )
    costs = pd.read_csv(results / "tables" / "costs" / "runs.csv").set_index("run")
    tests = sorted((results / "data").glob("*/test-*.npz"))
    real = contrast_of_file(tests[0]) if tests else math.nan
    rows = []
    for run, g in by_epoch.groupby("run", sort=False):
        g = g.sort_values("epoch")
        last = g.iloc[-1]
        where = results / "runs" / last.trained_as
        cost = costs.loc[last.trained_as] if last.trained_as in costs.index else None
        rows.append(
            {
                "variant": variant(last.grid, run),
                "run": run,
                "status": last.status,
                "epochs": int(last.epoch),
                "images_seen": int(cost.images_seen) if cost is not None else math.nan,
                "fid_final": float(last.fid),
                "n_final": int(last.n_generated),
                "curve": " / ".join(f"{v:.1f}" for v in g.fid_curve),
                "curve_epochs": " / ".join(str(int(e)) for e in g.epoch),
                "n_curve": int(last.n_curve),
                "contrast": contrast_of_file(where / "samples" / f"epoch{int(last.epoch):04d}.npz"),
                "train_min": float(cost.train_wall_s) / 60 if cost is not None else math.nan,
                "wall_min": float(cost.wall_s) / 60 if cost is not None else math.nan,
                "peak_rss_gb": float(cost.peak_rss_mb) / 1024 if cost is not None else math.nan,
                "code_version": last.code_version,
            }
        )
    rows.sort(key=lambda r: r["variant"])
    # each row adds one ingredient to its base row: compare with that one only
    change = changes([r["variant"] for r in rows], [r["fid_final"] for r in rows])
    return [{**r, "change": c, "real_contrast": real} for r, c in zip(rows, change, strict=True)]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results", type=Path, default=REPO / "results")


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    return ladder(args.results)
