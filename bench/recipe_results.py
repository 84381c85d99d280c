"""The quality ladder's results (configs/recipe.yaml), read from the files of a finished or
partial run: one row per ingredient with its final FID, the change from the row above, its
curve, images seen, time, peak memory and the contrast of its samples. Reads the workflow's own
tables (results/tables/fid_by_epoch.csv and results/tables/costs/runs.csv: the tables of the
config run last there) and, for the contrast, the final sample sets and the test images.

    python bench/recipe_results.py                 # markdown for the README, to stdout
    python bench/recipe_results.py --csv F.csv     # the same rows, every digit, to a file

Contrast is the mean over images of each image's pixel standard deviation (pixels in [-1, 1]),
beside the real test images' own: a discriminator that normalises real and fake batches apart
(BatchNorm, `d_batches: separate`) cannot see a global change of the fakes' contrast, so nothing
stops G's from drifting; FID, computed on Inception features, weighs that drift little.
"""

from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
from common import REPO, contrast

EXPERIMENT = "dcgan_recipe"


def contrast_of_file(path: Path) -> float:
    """Contrast of a sample set stored as uint8 (scaled back to [-1, 1])."""
    with np.load(path) as f:
        return contrast(f["images"].astype(np.float64) / 127.5 - 1.0)


def variant(grid: str, run: str) -> str:
    coords = json.loads(grid) if isinstance(grid, str) and grid else {}
    return str(coords.get("variant", run.split("-")[1]))


def row_label(name: str) -> str:
    """The ladder position a variant's name starts with (`3_lr003_ema`: "3"; a side branch
    `3a_lr003_ema_joint`: "3a")."""
    label = name.split("_", 1)[0]
    if not re.fullmatch(r"\d+[a-z]?", label):
        raise ValueError(f"variant {name!r} does not start with a row label such as 3_ or 3a_")
    return label


def base_label(name: str) -> str:
    """The row a variant adds its one ingredient to: row 3 to row 2; side branch 3a to row 3."""
    label = row_label(name)
    return label[:-1] if label[-1].isalpha() else str(int(label) - 1)


def ladder(results: Path) -> pd.DataFrame:
    by_epoch = pd.read_csv(results / "tables" / "fid_by_epoch.csv")
    by_epoch = by_epoch[by_epoch.experiment == EXPERIMENT]
    costs = pd.read_csv(results / "tables" / "costs" / "runs.csv").set_index("run")
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
                "fid_final": last.fid,
                "n_final": int(last.n_generated),
                "curve": " / ".join(f"{v:.1f}" for v in g.fid_curve),
                "curve_epochs": " / ".join(str(int(e)) for e in g.epoch),
                "n_curve": int(last.n_curve),
                "contrast": contrast_of_file(where / "samples" / f"epoch{int(last.epoch):04d}.npz"),
                "train_min": cost.train_wall_s / 60 if cost is not None else math.nan,
                "wall_min": cost.wall_s / 60 if cost is not None else math.nan,
                "peak_rss_gb": cost.peak_rss_mb / 1024 if cost is not None else math.nan,
                "code_version": last.code_version,
            }
        )
    table = pd.DataFrame(rows).sort_values("variant").reset_index(drop=True)
    # each row adds one ingredient to its base row: compare with that one only
    final = dict(zip(table.variant.map(row_label), table.fid_final, strict=True))
    table["change"] = [
        table.fid_final[i] - final.get(base_label(v), math.nan) for i, v in enumerate(table.variant)
    ]
    tests = sorted((results / "data").glob("*/test-*.npz"))
    table.attrs["real_contrast"] = contrast_of_file(tests[0]) if tests else math.nan
    return table


def markdown(table: pd.DataFrame) -> str:
    real = table.attrs.get("real_contrast", math.nan)
    lines = [
        f"| row | images seen | final FID ({table.n_final.max() // 1000}k vs 10k test) "
        f"| change | curve FID (1k) at epochs {table.curve_epochs.iloc[0]} "
        f"| contrast (real {real:.2f}) | training | wall time | peak memory |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        change = "—" if r.change != r.change else f"{r.change:+.1f}"
        lines.append(
            f"| `{r.variant}` | {r.images_seen:,} | {r.fid_final:.1f} | {change} | {r.curve} "
            f"| {r.contrast:.2f} | {r.train_min:.0f} min | {r.wall_min:.0f} min "
            f"| {r.peak_rss_gb:.2f} GB |"
        )
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--results", type=Path, default=REPO / "results")
    ap.add_argument("--csv", type=Path, help="write the rows, every digit, here")
    args = ap.parse_args()
    table = ladder(args.results)
    if args.csv:
        table.to_csv(args.csv, index=False)
    print(markdown(table))


if __name__ == "__main__":
    main()
