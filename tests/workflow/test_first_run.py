"""The README's quick start, verbatim, on a copy of the repository with ../shared beside it (as
a fresh clone here): its commands run and make every kind of output once. The install line is
left out (this test runs in the environment it would make). Its wall time is measured by
`python -m bench run workflow_cost`, not here: this machine's speed varies."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from ganrepro.reporting.docs import quick_start_commands

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    if not (SHARED / "data" / "cifar10-jpeg").is_dir():
        pytest.skip(f"offline CIFAR-10 copy not found at {SHARED / 'data' / 'cifar10-jpeg'}")
    base = tmp_path_factory.mktemp("fresh")
    clone = base / "ganrepro"
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    for name in files:
        if (REPO / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, clone / name)
    (base / "shared").symlink_to(SHARED)
    commands, install = quick_start_commands(clone / "README.md")
    assert install and "pip install -e ." in install[0]
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    for command in commands:
        done = subprocess.run(
            ["bash", "-c", command], cwd=clone, env=env, capture_output=True, text=True
        )
        assert done.returncode == 0, f"`{command}` failed:\n{done.stderr[-4000:]}"
    return clone / "results"


@pytest.mark.slow
def test_the_quick_start_trains_scores_and_compares_with_a_reference(first_run):
    by_epoch = pd.read_csv(first_run / "tables" / "fid_by_epoch.csv")
    dcgan = by_epoch[by_epoch.experiment == "dcgan"].sort_values("epoch")
    assert list(dcgan.epoch) == [1, 2] and dcgan.fid.between(1, 1000).all()  # an FID curve
    grid = by_epoch[by_epoch.experiment == "lr_batch"]
    assert grid.run.nunique() == 4 and set(grid.epoch) == {1}  # the 2 x 2 grid, one epoch each
    comparison = pd.read_csv(first_run / "tables" / "comparisons" / "dcgan.csv")
    row = comparison.iloc[0]
    assert row.reference == pytest.approx(49.03) and "jpeg" in row["protocol differs"]
    assert float(row.difference) == pytest.approx(float(row.ours) - 49.03, abs=0.01)


@pytest.mark.slow
def test_the_quick_start_makes_a_heatmap_analyses_costs_and_the_report(first_run):
    plots = first_run / "plots" / "experiments"
    for name in ("lr_batch.ablation.png", "dcgan.fid_vs_epoch.png", "dcgan.samples.png"):
        assert (plots / name).stat().st_size > 10_000, name
    analysis = pd.read_csv(first_run / "tables" / "analysis.csv")
    assert {"KID", "Precision", "Recall"} <= set(analysis.metric)
    runs = pd.read_csv(first_run / "tables" / "costs" / "runs.csv")
    # five settings, four runs: the grid's lr 2e-4, batch 50 point is dcgan's first epoch
    assert len(runs) == 4 and (runs.wall_s > 0).all()
    assert (first_run / "analysis").is_dir() and any(
        (first_run / "analysis").glob("*/evolution.gif")
    )
    report = (first_run / "report.html").read_text(errors="replace")
    assert "lr_batch" in report and "dcgan" in report
