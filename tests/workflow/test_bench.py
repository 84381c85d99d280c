"""The benchmarks' one entry point, run as a user runs it: `python -m bench list` names every
benchmark, and `python -m bench run` writes a record (ganrepro.reporting.records) with its
provenance and the benchmark's own numbers. Subprocesses only: tests do not import bench, nor bench
tests.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from ganrepro.config_files import load
from ganrepro.reporting.records import PROVENANCE, read_record
from table_rows import score_table_row

REPO = Path(__file__).resolve().parents[2]
CIFAR = REPO.parent / "shared" / "data" / "cifar10-jpeg"


def bench(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"python -m bench {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return proc


def the_record(directory: Path, benchmark: str):
    """The one record in ``directory``, after checking its name and that it was printed."""
    paths = sorted(directory.glob("*.csv"))
    assert [p.name for p in paths] == [
        f"{pd.Timestamp.today().date().isoformat()}-{benchmark}.csv"
    ], paths
    return read_record(paths[0])


def assert_provenance(record, command: str, threads: int | None) -> pd.Series:
    first = record.first
    assert list(record.rows.columns[: len(PROVENANCE)]) == list(PROVENANCE)
    commit = str(first.commit).removesuffix("-dirty")
    known = subprocess.run(["git", "-C", str(REPO), "cat-file", "-e", f"{commit}^{{commit}}"])
    assert known.returncode == 0, f"{first.commit!r} is no commit of this repository"
    assert str(first.cpu).strip() and int(first.cores) >= 1
    assert first.torch == importlib.metadata.version("torch")
    assert first.onnxruntime == importlib.metadata.version("onnxruntime")
    assert first.command == command
    if threads is None:
        assert math.isnan(first.threads)
    else:
        assert (record.rows.threads == threads).all()
    return first


def assert_rows(rows: pd.DataFrame, expected: list[dict[str, Any]]) -> None:
    assert len(rows) == len(expected)
    for (_, got), want in zip(rows.iterrows(), expected, strict=True):
        for key, value in want.items():
            if isinstance(value, float):
                assert got[key] == pytest.approx(value, nan_ok=True), (want, key, got[key])
            else:
                assert got[key] == value, (want, key, got[key])


def benchmark_modules() -> set[str]:
    return {
        p.stem
        for p in (REPO / "bench").glob("*.py")
        if not p.stem.startswith("_") and p.stem != "common"
    }


def test_list_names_every_benchmark_module_with_a_one_line_description():
    out = bench("list").stdout
    listed = dict(line.split(None, 1) for line in out.splitlines())
    assert set(listed) == benchmark_modules()
    assert {"fid_features", "recipe_results", "laptop_results", "probe"} <= set(listed)
    assert all(len(description.strip()) > 10 for description in listed.values())


def test_bench_and_tests_do_not_import_each_other():
    for path in (REPO / "bench").glob("*.py"):
        text = path.read_text()
        assert "sys.path" not in text, f"{path}: bench is a package; no sys.path edits"
        assert not re.search(r"^\s*(from|import) (workflow_cli|table_rows|tests)\b", text, re.M)
    for path in (REPO / "tests").rglob("*.py"):
        assert not re.search(r"^\s*(from|import) bench\b", path.read_text(), re.M), path


def test_an_unknown_benchmark_is_an_error_naming_the_known_ones():
    proc = bench("run", "no_such_bench", check=False)
    assert proc.returncode == 2 and "recipe_results" in proc.stderr


def test_dry_run_writes_its_record(tmp_path):
    args = ["run", "dry_run", "--runs", "5", "--repeats", "2", "--records-dir", str(tmp_path)]
    out = bench(*args).stdout
    record = the_record(tmp_path, "dry_run")
    assert out.startswith(f"record: {record.path}") and "best_s" in out
    assert_provenance(record, "python -m bench " + " ".join(args), threads=None)
    row = record.rows.iloc[0]
    assert len(record.rows) == 1 and row.runs == 5 and row.repeats == 2
    assert row.outputs > 5 * 3  # each run's checkpoints, samples and scores, and the tables
    assert 0 < row.best_s <= row.median_s <= row.worst_s < 60


@pytest.mark.skipif(not CIFAR.is_dir(), reason=f"offline CIFAR-10 copy not at {CIFAR}")
def test_family_throughput_records_its_thread_count_and_rates(tmp_path):
    args = ["run", "family_throughput", "--n", "256", "--only", "dcgan", "--threads", "1"]
    args += ["--records-dir", str(tmp_path)]
    bench(*args)
    record = the_record(tmp_path, "family_throughput")
    assert_provenance(record, "python -m bench " + " ".join(args), threads=1)
    rows = record.rows
    assert list(rows.experiment) == ["dcgan"]  # one row per setting: the second seed is skipped
    assert rows.model[0] == "dcgan" and rows.batch_size[0] == 128 and rows.n_critic[0] == 1
    assert rows.images[0] == 256 and 1 < rows.images_per_s[0] < 100_000


def test_frozen_g_trains_d_alone_and_records_its_health_by_step(tmp_path):
    args = ["run", "frozen_g", "--member", "dcgan_recipe-4_lr003_ema_hinge_sn-s0"]
    args += ["--variant", "sn={ema: null, width: 8}", "--images", "256", "--d-steps", "6"]
    args += ["--every", "3", "--threads", "1", "--out", str(tmp_path / "out")]
    args += ["--records-dir", str(tmp_path)]
    bench(*args)
    rows = the_record(tmp_path, "frozen_g").rows
    assert list(rows.d_only_step) == [3, 6] and set(rows.variant) == {"sn"}
    assert (rows.joint_steps == 256 // 64).all() and (rows.lr_d == 0.001).all()
    assert rows.d_accuracy.between(0, 1).all() and rows.d_violations.between(0, 1).all()
    assert (rows.grad_norm_d > 0).all()


def test_health_overhead_records_both_rates_and_their_ratio(tmp_path):
    args = ["run", "health_overhead", "--n", "256", "--repeats", "2", "--only", "sngan"]
    args += ["--threads", "1", "--records-dir", str(tmp_path)]
    bench(*args)
    record = the_record(tmp_path, "health_overhead")
    assert_provenance(record, "python -m bench " + " ".join(args), threads=1)
    (row,) = record.rows.itertuples()
    assert (row.model, row.width, row.loss, row.repeats) == ("sngan", 32, "hinge", 2)
    assert len(row.all_measured.split(" / ")) == 2
    on, off = row.images_per_s_measured, row.images_per_s_unmeasured
    assert 1 < on < 100_000 and 1 < off < 100_000
    assert math.isclose(row.overhead, 1 - on / off, rel_tol=1e-6)
    assert 0 < row.parts_ms_per_step and 0 < row.overhead_of_parts < 1


# --- the results readers, on made-up results folders ---------------------------------------


def write_csv(path: Path, rows: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(path, index=False)


def images_of_contrast(kinds: str) -> np.ndarray:
    """uint8 images, each flat (``f``: contrast 0) or half black, half white (``h``: 1)."""
    flat = np.zeros((3, 4, 4), np.uint8)
    half = np.concatenate([flat[:, :2], flat[:, 2:] + 255], axis=1)
    return np.stack([half if k == "h" else flat for k in kinds])


def recipe_folder(results: Path) -> None:
    def row(run, variant, epoch, fid, curve, last):
        return score_table_row(
            run,
            epoch,
            fid,
            experiment="dcgan_recipe",
            trained_as=run,
            grid=json.dumps({"variant": variant}) if variant else "",
            fid_curve=curve,
            n_curve=100,
            n_generated=500 if last else 100,
        )

    one, two, side = "dcgan_recipe-1_defaults-s0-a1", "dcgan_recipe-2_lr003-s0-b2", "side-s0-c3"
    write_csv(
        results / "tables" / "fid_by_epoch.csv",
        [
            row(side, "2a_lr003_joint", 2, 250.0, 250.0, False),
            row(side, "2a_lr003_joint", 4, 150.5, 160.0, True),
            row(one, None, 4, 80.0, 90.0, True),  # no grid: the variant is in the run's name
            row(one, None, 2, 300.0, 300.0, False),
            row(two, "2_lr003", 2, 200.0, 200.0, False),
            row(two, "2_lr003", 4, 50.0, 60.0, True),
            {**row("dcgan-s0-d4", "", 4, 10.0, 10.0, True), "experiment": "dcgan"},  # not ours
        ],
    )
    cost = {"train_wall_s": 600.0, "wall_s": 900.0, "peak_rss_mb": 2048.0}
    write_csv(
        results / "tables" / "costs" / "runs.csv",  # the side row has no costs yet
        [{"run": one, "images_seen": 12800, **cost}, {"run": two, "images_seen": 25600, **cost}],
    )
    for run, kinds in ((one, "fh"), (two, "hh"), (side, "ff")):
        (results / "runs" / run / "samples").mkdir(parents=True)
        np.savez(
            results / "runs" / run / "samples" / "epoch0004.npz", images=images_of_contrast(kinds)
        )
    (results / "data" / "cifar10").mkdir(parents=True)
    np.savez(results / "data" / "cifar10" / "test-abc.npz", images=images_of_contrast("hhff"))


def test_recipe_results_writes_the_ladder_rows_to_a_recipe_record(tmp_path):
    recipe_folder(tmp_path / "results")
    args = ["run", "recipe_results", "--results", str(tmp_path / "results")]
    bench(*args, "--records-dir", str(tmp_path / "records"))
    record = the_record(tmp_path / "records", "recipe")
    assert record.benchmark == "recipe"
    # the columns of the records made before bench was a package are all still there
    before = pd.read_csv(REPO / "bench" / "records" / "2026-12-04-recipe.csv", nrows=1)
    assert set(before.columns) <= set(record.rows.columns)
    costs = {"train_min": 10.0, "wall_min": 15.0, "peak_rss_gb": 2.0}
    same = {"status": "ok", "epochs": 4, "n_final": 500, "n_curve": 100, "curve_epochs": "2 / 4"}
    assert_rows(
        record.rows,
        [
            {
                "variant": "1_defaults",
                "run": "dcgan_recipe-1_defaults-s0-a1",
                "images_seen": 12800,
                "fid_final": 80.0,
                "curve": "300.0 / 90.0",
                "contrast": 0.5,
                "change": math.nan,  # row 1 has no base
                **costs,
                **same,
            },
            {
                "variant": "2_lr003",
                "images_seen": 25600,
                "fid_final": 50.0,
                "curve": "200.0 / 60.0",
                "contrast": 1.0,
                "change": -30.0,  # against row 1
                **costs,
                **same,
            },
            {
                "variant": "2a_lr003_joint",
                "run": "side-s0-c3",
                "images_seen": math.nan,
                "fid_final": 150.5,
                "curve": "250.0 / 160.0",
                "contrast": 0.0,
                "change": 100.5,  # a side branch: against row 2, not row 1
                "train_min": math.nan,
                **same,
            },
        ],
    )
    assert (record.rows.real_contrast == 0.5).all()
    assert (record.rows.code_version == "v1").all()  # each run's code, not the reader's


def laptop_folder(tmp_path: Path) -> Path:
    """A laptop-tier run of a made-up config (10,000 training images): DCGAN defaults on two
    seeds; a family that learns; one that misses 1.5x DCGAN's FID; one with 5 critic steps
    (matched on G steps) that misses half the untrained G's FID (250, given); one trained longer
    than DCGAN (nothing to compare with)."""
    config = load(REPO / "configs" / "laptop.yaml")
    config["datasets"][config["defaults"]["dataset"]]["train_images"] = 10_000
    config["experiments"] = {
        "dcgan": {"seeds": [0, 1], "batch_size": 128},
        "good": {
            "batch_size": 64,
            "recipe": {"source": "A paper,\n  sec. 4", "deviations": ["width 64", "fewer images"]},
        },
        "too_slow": {"batch_size": 64},
        "critic5": {"model": "wgan_gp", "loss": "wasserstein", "n_critic": 5, "batch_size": 64},
        "long": {"batch_size": 128},
    }
    (tmp_path / "laptop.yaml").write_text(yaml.safe_dump(config))

    def row(exp, seed, epoch, curve, fid=None):
        run = f"{exp}-s{seed}"
        last = fid is not None
        return score_table_row(
            run,
            epoch,
            fid if last else curve,
            experiment=exp,
            seed=seed,
            trained_as=run,
            fid_curve=curve,
            n_curve=100,
            n_generated=500 if last else 100,
        )

    results = tmp_path / "results"
    write_csv(
        results / "tables" / "fid_by_epoch.csv",
        [
            row("dcgan", 0, 2, 100.0),
            row("dcgan", 0, 4, 60.0, fid=50.0),
            row("dcgan", 1, 2, 120.0),
            row("dcgan", 1, 4, 80.0, fid=54.0),
            row("good", 0, 3, 100.0, fid=95.0),
            row("too_slow", 0, 4, 110.0, fid=100.0),
            row("critic5", 0, 4, 300.0),
            row("critic5", 0, 8, 127.0, fid=120.0),
            row("long", 0, 6, 65.0, fid=55.0),
        ],
    )
    manifest = {
        "runs": {
            f"dcgan-s{seed}": {"protocol": {"dataset": "CIFAR-10", "resolution": 32, "jpeg": True}}
            for seed in (0, 1)
        }
    }
    (results / "manifests").mkdir(parents=True)
    (results / "manifests" / "dcgan.json").write_text(json.dumps(manifest))
    # the workflow's comparison of DCGAN with its published FID (ganrepro.reporting.references)
    write_csv(
        results / "tables" / "comparisons" / "dcgan.csv",
        [
            {"metric": "IS", "reference": 6.0, "source": "A paper: Table 2", "at": "best",
             "protocol differs": "", "reference note": ""},
            {"metric": "FID", "reference": 49.03, "source": "A paper: Table 1", "at": "best",
             "protocol differs": "jpeg (False vs ours True)", "reference note": "longer"},
        ],
    )  # fmt: skip
    write_csv(
        results / "tables" / "costs" / "runs.csv",
        [
            {"run": r, "images_seen": n}
            for r, n in [("dcgan-s0", 40_000), ("dcgan-s1", 40_000), ("good-s0", 30_000)]
            + [("too_slow-s0", 40_000), ("critic5-s0", 80_000), ("long-s0", 60_000)]
        ],
    )
    write_csv(
        results / "tables" / "costs" / "experiments.csv",
        [
            {"experiment": e, "wall_h": h, "peak_rss_mb": 1024.0, "train_images_per_s": 300.0}
            for e, h in [("dcgan", 1.0), ("good", 0.5), ("too_slow", 0.5), ("critic5", 2.0)]
            + [("long", 1.5), ("(shared jobs)", 0.25), ("total", 5.75)]
        ],
    )
    return tmp_path


def test_laptop_results_records_the_learning_check_and_fails_on_a_miss(tmp_path):
    folder = laptop_folder(tmp_path)
    args = ["run", "laptop_results", "--results", str(folder / "results")]
    args += ["--config", str(folder / "laptop.yaml"), "--untrained", "250", "--cli", "6.5"]
    args += ["--figure", str(tmp_path / "families.png"), "--axis", "g_steps"]
    proc = bench(*args, "--records-dir", str(tmp_path / "records"), check=False)
    assert (tmp_path / "families.png").read_bytes()[:4] == b"\x89PNG"
    assert proc.returncode == 1, proc.stderr
    assert "missed the learning check: too_slow, critic5" in proc.stderr
    record = the_record(tmp_path / "records", "laptop_results")
    every = {"untrained_fid": 250.0, "cli_images_per_s": 6.5, "shared_wall_min": 15.0}
    every |= {"total_wall_min": 345.0, "total_peak_rss_gb": 1.0}
    assert_rows(
        record.rows,
        [
            {
                "experiment": "dcgan",
                "seeds": 2,
                "epochs": 4,
                "images_seen": 40_000,
                "g_steps": 4 * (10_000 // 128),
                "fid_final": 52.0,
                "fid_final_std": math.sqrt(8.0),
                "fid_curve": 70.0,  # mean of the seeds' 60 and 80
                "curve_epochs": "2 / 4",
                "curve": "110.0 / 70.0",
                "curve_std": "14.1 / 14.1",  # sqrt(200) each
                "curve_g_steps": "156 / 312",  # 78 a epoch
                "published_fid": 49.03,  # its first FID, not its IS
                "published": "A paper: Table 1 (best)",
                "protocol_differs": "jpeg (False vs ours True)",
                "published_note": "longer",
                "fid_reference": "toy:test[200]",
                "runs_code_version": "v1",
                "data": "CIFAR-10 at 32 px, JPEG copy",  # from its manifest
                "dcgan_same_budget": 70.0,
                "budget_matched_on": "40k images",
                "ratio": 1.0,
                "wall_min": 60.0,
                **every,
            },
            {
                "experiment": "good",
                "g_steps": 3 * (10_000 // 64),
                "fid_final_std": math.nan,
                "fid_curve": 100.0,
                "recipe": "A paper, sec. 4",
                "deviations": "width 64; fewer images",
                "dcgan_same_budget": 90.0,  # DCGAN's epoch 3: between 110 (2) and 70 (4)
                "budget_matched_on": "30k images",
                "ratio": 100.0 / 90.0,
                **every,
            },
            {
                "experiment": "too_slow",
                "dcgan_same_budget": 70.0,
                "budget_matched_on": "40k images",
                "ratio": 110.0 / 70.0,
                **every,
            },
            {
                # 8 epochs of 10,000 // 64 / 5 = 31.2 G steps: 249.6, DCGAN's epoch 3.2 (78 a
                # epoch): 110 - 1.2 / 2 * 40 = 86
                "experiment": "critic5",
                "g_steps": 8 * (10_000 // 64) // 5,  # 249: one per 5 critic steps
                "curve_epochs": "4 / 8",
                "curve": "300.0 / 127.0",
                "curve_std": "nan / nan",  # one seed
                "curve_g_steps": "124 / 249",
                "published_fid": math.nan,  # no comparison table
                "data": math.nan,  # no manifest: an empty cell
                "dcgan_same_budget": 86.0,
                "budget_matched_on": "250 G steps",
                "ratio": 127.0 / 86.0,
                **every,
            },
            {
                "experiment": "long",  # beyond DCGAN's last scored epoch: not comparable
                "dcgan_same_budget": math.nan,
                "ratio": math.nan,
                **every,
            },
        ],
    )
    # the check: within 1.5x DCGAN's and half the untrained G's 250; n/a beyond DCGAN's curve
    learns = [None if v != v else str(v) for v in record.rows.learns]
    assert learns == ["True", "True", "False", "False", None]
