"""The cost tables from benchmark files: which job is whose, sums that count each file once,
and what is not measured said as such."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pandas as pd
import pytest
from ganrepro.reporting import costs

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import costs as costs_script  # noqa: E402

HEADER = "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"


def bench(root: Path, name: str, seconds: float, rss="100.0", cpu=None) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    cpu = seconds * 2 if cpu is None else cpu
    path.write_text(HEADER + f"{seconds}\t0:00:01\t{rss}\t1\t1\t1\t0\t0\t50\t{cpu}\n")


@pytest.fixture
def folder(tmp_path):
    b = tmp_path / "benchmarks"
    bench(b, "train/a/epoch0001.tsv", 10.0, rss="500")
    bench(b, "train/a/epoch0002.tsv", 30.0, rss="700")
    bench(b, "fid/a/epoch0002.tsv", 1.0)
    bench(b, "train/b/epoch0001.tsv", 20.0)
    bench(b, "evolution/b.tsv", 2.0, rss="NA")  # too short for a memory sample
    bench(b, "train/old/epoch0001.tsv", 99.0)  # a run of an earlier config
    bench(b, "reference_statistics/cifar10-test-0123abcd-n200.tsv", 4.0, rss="900")
    bench(b, "experiment_tables/e1.tsv", 0.5)
    return b


def test_jobs_are_attributed_to_their_run_or_shared(folder):
    jobs = costs.benchmark_jobs(folder, ["a", "b"])
    assert "old" not in set(jobs.run)
    assert len(jobs) == 7
    by_job = jobs.set_index("job")
    assert by_job.loc["train/a/epoch0002.tsv", "epoch"] == 2
    assert by_job.loc["evolution/b.tsv", "run"] == "b"
    assert math.isnan(by_job.loc["evolution/b.tsv", "max_rss_mb"])
    assert by_job.loc["reference_statistics/cifar10-test-0123abcd-n200.tsv", "run"] == ""
    assert by_job.loc["train/a/epoch0001.tsv", "cpu_s"] == 20.0


def test_run_and_experiment_tables_sum_each_file_once(folder):
    runs = {
        "a": {"experiments": ["e1", "e2"], "epochs": [1, 2], "images_seen": 8000, "device": "cpu"},
        "b": {"experiments": ["e2"], "epochs": [1], "images_seen": 1000, "device": "cuda"},
    }
    jobs = costs.benchmark_jobs(folder, runs)
    per_run = costs.run_costs(jobs, runs).set_index("run")
    assert per_run.loc["a", "wall_s"] == 41.0 and per_run.loc["a", "peak_rss_mb"] == 700
    assert per_run.loc["a", "train_images_per_s"] == pytest.approx(8000 / 40.0)
    assert per_run.loc["a", "scoring_wall_s"] == 1.0
    per_exp = costs.experiment_costs(jobs, per_run.reset_index(), {"e1": ["a"], "e2": ["a", "b"]})
    rows = per_exp.set_index("experiment")
    assert rows.loc["e1", "wall_h"] * 3600 == pytest.approx(41.5)  # its runs + its table job
    assert rows.loc["e2", "wall_h"] * 3600 == pytest.approx(63.0)  # run a counted here too
    shared = rows.filter(like="shared", axis=0).iloc[0]
    assert shared.wall_h * 3600 == pytest.approx(4.0) and shared.peak_rss_mb == 900
    total = rows.loc["total"]
    assert total.wall_h * 3600 == pytest.approx(41 + 22 + 4 + 0.5)  # each file once
    assert total.jobs == 7 and total.devices == "cpu, cuda"
    assert total.train_images_per_s == pytest.approx(9000 / 60.0)
    # a run on two machines and a run on one of them: each device named once
    per_run["device"] = ["cpu (AVX2), cpu (AVX512)", "cpu (AVX512)"]
    total = costs.experiment_costs(jobs, per_run.reset_index(), {}).iloc[-1]
    assert total.devices == "cpu (AVX2), cpu (AVX512)"


def test_a_run_trained_before_benchmarks_says_so(folder):
    runs = {"a": {"experiments": ["e"], "epochs": [1, 2, 3], "images_seen": 10, "device": "cpu"}}
    row = costs.run_costs(costs.benchmark_jobs(folder, runs), runs).iloc[0]
    assert row.train_jobs_unmeasured == 1 and math.isnan(row.train_images_per_s)


def test_the_training_device_is_read_from_the_jobs_log(tmp_path):
    log = tmp_path / "epoch0001.log"
    log.write_text("resumed from x\ntraining dcgan on cuda from epoch 0 to 1\nepoch 1/1 ...\n")
    assert costs.train_device(log) == "cuda"
    assert costs.train_device(tmp_path / "missing.log") == "unknown"
    log.write_text("training dcgan on cpu (AVX512) from epoch 0 to 1\n")
    assert costs.train_device(log) == "cpu (AVX512)"
    log.write_text("training sagan on cuda:0 (NVIDIA A100-SXM4-40GB) from epoch 2 to 4\n")
    assert costs.train_device(log) == "cuda:0 (NVIDIA A100-SXM4-40GB)"
    # a run's segments on two machines: both are named, a log without the line adds nothing
    (tmp_path / "epoch0002.log").write_text("training dcgan on cpu (AVX2) from epoch 1 to 2\n")
    (tmp_path / "epoch0003.log").write_text("killed before the line\n")
    assert costs.run_devices(sorted(tmp_path.glob("epoch*.log"))) == (
        "cpu (AVX2), cuda:0 (NVIDIA A100-SXM4-40GB)"
    )
    assert costs.run_devices([tmp_path / "epoch0003.log"]) == "unknown"


def test_the_script_writes_tables_and_a_page(folder, tmp_path):
    """As the rule calls it: everything read from the results folder."""
    results = folder.parent  # holds benchmarks/
    (results / "manifests").mkdir()
    settings = {"eval_epochs": [1, 2], "batch_size": 4}
    run = {"trained_as": "a", "settings": settings}
    (results / "manifests" / "e1.json").write_text(
        json.dumps({"experiment": "e1", "runs": {"a": run}})
    )
    losses = results / "runs" / "a" / "losses" / "epoch0002.csv"
    losses.parent.mkdir(parents=True)
    losses.write_text("epoch,step,d_loss\n" + "".join(f"1,{i},0.5\n" for i in range(6)))
    out = {k: str(tmp_path / f"{k}.csv") for k in ("runs_table", "experiments_table", "jobs_table")}
    costs_script.main(
        experiments=["e1"], results=str(results), page=str(tmp_path / "costs.html"), **out
    )
    runs = pd.read_csv(out["runs_table"])
    assert runs.run.tolist() == ["a"] and runs.images_seen.tolist() == [24]
    assert runs.device.tolist() == ["unknown"]  # no training log
    assert "<table" in (tmp_path / "costs.html").read_text()
