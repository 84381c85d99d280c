"""Moving a results folder of the earlier layout (run folders named by experiment, hashes over
the length and scored epochs) to today's names, recomputing nothing (ganrepro.migrate)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml
from ganrepro import config_files
from ganrepro.experiments import expand_runs
from ganrepro.migrate import apply, legacy_member_name, legacy_names, plan
from test_run_names import CONFIGS
from workflow_cli import CIFAR10_JPEG, planned_jobs, snakemake, tiny_config, write_config

REPO = Path(__file__).resolve().parents[1]
LEGACY_GOLDEN = REPO / "tests" / "golden" / "run_names_until_2026-12-07.yaml"
# The last commit of the earlier layout: its code makes a results folder to migrate.
LEGACY_COMMIT = "98c1fae8c71942ac3a663f27b36bdeb54b315905"


# The configs the legacy golden file was checked against (the last commit before configs
# changed settings again): legacy names are of those configs, not of today's.
GOLDEN_CONFIGS_COMMIT = "e4a94cba810b53c6b6e65e9281590192e9634e2c"


@pytest.fixture(scope="module")
def golden_configs(tmp_path_factory) -> Path:
    """config.yaml and configs/ as they were at GOLDEN_CONFIGS_COMMIT."""
    folder = tmp_path_factory.mktemp("golden_configs")
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", GOLDEN_CONFIGS_COMMIT,
         "config.yaml", "configs"],
        capture_output=True,
    )  # fmt: skip
    if archive.returncode != 0:
        pytest.skip(f"commit {GOLDEN_CONFIGS_COMMIT[:10]} is not in this clone")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return folder


@pytest.mark.parametrize("config", CONFIGS)
def test_legacy_names_are_the_names_the_earlier_layout_gave(config, golden_configs):
    """Checked against the names the earlier code pinned (its golden file, kept verbatim), on
    the configs of then."""
    cfg = config_files.load([golden_configs / path for path in config.split(" + ")])
    runs = expand_runs(cfg)
    names = [legacy_member_name(m, r, cfg["datasets"]) for m, r in runs.items()]
    assert names == yaml.safe_load(LEGACY_GOLDEN.read_text())[config]


def make_run(results: Path, name: str, epochs: list[int], mtime: float) -> None:
    folder = results / "runs" / name
    for e in epochs:
        for rel in (f"checkpoints/epoch{e:04d}.pt", f"samples/epoch{e:04d}.npz"):
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_text(f"{name} {e}")
        (folder / "fid").mkdir(exist_ok=True)
        (folder / "fid" / f"epoch{e:04d}.json").write_text(f'{{"run": "{name}", "epoch": {e}}}')
    (folder / "summary.json").write_text(f'{{"run": "{name}", "scores": [{{"run": "{name}"}}]}}')
    (results / "benchmarks" / "train" / name).mkdir(parents=True)
    (results / "benchmarks" / "evolution").mkdir(parents=True, exist_ok=True)
    (results / "benchmarks" / "evolution" / f"{name}.tsv").write_text("s\n1\n")
    for path in [*folder.rglob("*"), *(results / "benchmarks").rglob("*")]:
        os.utime(path, (mtime, mtime))


def test_a_plan_moves_each_earlier_folder_and_merges_runs_that_are_now_one(tmp_path):
    """Two earlier folders of one run today (1 and 2 epochs of the same weights): the longer is
    moved whole, the shorter gives only what the longer lacks, dated before it; names inside
    score files follow; modification times are kept."""
    cfg = {
        "datasets": {"d": {"source": "image_folder", "root": "x", "image_size": 32}},
        "defaults": {"dataset": "d"},
        "experiments": {"short": {"epochs": 1}, "long": {"epochs": 2, "eval_epochs": [2]}},
    }
    runs = expand_runs(cfg)
    assert runs["short-s0"].folder == runs["long-s0"].folder
    new = runs["long-s0"].folder
    old = legacy_names(runs, cfg["datasets"])
    assert old["short-s0"] != old["long-s0"]
    results = tmp_path / "results"
    make_run(results, old["short-s0"], [1], mtime=1_000_000)
    make_run(results, old["long-s0"], [2], mtime=2_000_000)
    todo = plan(results, cfg)
    moves = {(str(a.relative_to(results)), str(b.relative_to(results))) for a, b in todo.moves}
    assert moves == {
        (f"runs/{old['long-s0']}", f"runs/{new}"),
        (f"benchmarks/train/{old['long-s0']}", f"benchmarks/train/{new}"),
        (f"benchmarks/evolution/{old['long-s0']}.tsv", f"benchmarks/evolution/{new}.tsv"),
    }
    assert (results / "runs" / new).exists() is False  # a plan changes nothing
    leftovers = apply(todo)
    folder = results / "runs" / new
    assert (folder / "checkpoints" / "epoch0002.pt").read_text() == f"{old['long-s0']} 2"
    assert (folder / "checkpoints" / "epoch0001.pt").read_text() == f"{old['short-s0']} 1"
    assert (folder / "checkpoints" / "epoch0002.pt").stat().st_mtime == 2_000_000
    assert (folder / "checkpoints" / "epoch0001.pt").stat().st_mtime < 2_000_000
    assert '"run": "' + new in (folder / "fid" / "epoch0001.json").read_text()
    assert (folder / "fid" / "epoch0002.json").stat().st_mtime == 2_000_000
    assert (results / "benchmarks" / "evolution" / f"{new}.tsv").exists()
    # what the shorter folder had beyond the longer's stays, reported, never deleted
    assert results / "runs" / old["short-s0"] in leftovers
    assert (results / "runs" / old["short-s0"] / "summary.json").exists()
    assert plan(results, cfg).moves == []  # done: a second migration moves nothing


def legacy_code(tmp_path: Path) -> Path:
    """The earlier layout's code, from git history (skips where the history is missing)."""
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", LEGACY_COMMIT],
        capture_output=True,
    )
    if archive.returncode != 0:
        pytest.skip(f"commit {LEGACY_COMMIT[:10]} of the earlier layout is not in this clone")
    code = tmp_path / "legacy"
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(code, filter="data")
    return code


@pytest.mark.slow
def test_a_results_folder_made_by_the_earlier_code_is_migrated_then_nothing_is_recomputed(
    tmp_path,
):
    if not CIFAR10_JPEG.is_dir():
        pytest.skip(f"offline CIFAR-10 copy not found at {CIFAR10_JPEG}")
    code = legacy_code(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    cfg = tiny_config(
        "results",
        {
            "base": {"epochs": 2, "eval_epochs": [1, 2]},
            "short": {"description": "base's first epoch", "epochs": 1},
        },
    )
    config = write_config(work / "config.yaml", cfg)
    snakemake(work, config, "--cores", "2", snakefile=code / "Snakefile")
    earlier = sorted(p.name for p in (work / "results" / "runs").iterdir())
    assert len(earlier) == 2 and all(n.startswith(("base-s0-", "short-s0-")) for n in earlier)

    env = {**os.environ, "PYTHONPATH": str(REPO / "lib")}
    migrate = [sys.executable, "-m", "ganrepro.migrate", "--configfile", str(config)]
    done = subprocess.run(migrate, cwd=work, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    now = sorted(p.name for p in (work / "results" / "runs").iterdir())
    run = expand_runs(cfg)["base-s0"].folder
    assert run in now and "left" in done.stdout  # the short run's folder, reported

    # the next run re-makes manifests and tables only: nothing is trained, sampled or scored
    jobs = planned_jobs(snakemake(work, config, "-n", "--cores", "2").stdout)
    assert {rule for rule, _ in jobs} <= {
        "manifest", "experiment_tables", "aggregate", "costs", "run_summary", "all",
    }, jobs  # fmt: skip
    snakemake(work, config, "--cores", "2")
    assert "Nothing to be done" in snakemake(work, config, "-n").stdout
