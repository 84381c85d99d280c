"""What every result cost: Snakemake's benchmark files, per run, per experiment and in total.

Every compute rule has a ``benchmark:`` file under ``<results>/benchmarks/<rule>/``: one per
job, written by Snakemake when the job ends (wall seconds, CPU seconds, peak resident memory of
the job's processes). A run's jobs are named by the run (``<rule>/<run>/epochNNNN.tsv`` or
``<rule>/<run>.tsv``); the jobs every run shares (data, reference statistics, the Inception
graph, tables) by what they make. The tables here sum those files; nothing is estimated.

What they do not hold: a job killed and run again is measured for its last attempt only (the
file is replaced), and jobs that ran before benchmarks existed have no file (their run says
``jobs_unmeasured``). Training images per second divide the images a run's D saw (steps x batch
size, from its losses) by the training jobs' wall time.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

# Snakemake's benchmark columns we report: wall seconds, CPU seconds, peak RSS (MB)
WALL, CPU, RSS = "s", "cpu_time", "max_rss"
RUN_JOB = re.compile(r"^epoch(\d{4})$")
# "training dcgan on cpu (AVX512) from epoch 0 to 2"; logs before 2026-12-08 name no kernels
DEVICES_SEPARATOR = ", "
TRAIN_DEVICE = re.compile(r"^training \S+ on (\S+(?: \([^)]*\))?) from epoch", re.M)


def read_benchmark(path: str | Path) -> dict[str, float]:
    """A benchmark TSV's wall and CPU seconds and peak memory (the last repeat; NaN where
    Snakemake could not measure, e.g. a job too short for one memory sample)."""
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    if not rows:
        raise ValueError(f"{path}: empty benchmark file")
    row = rows[-1]
    return {
        key: _number(row.get(col))
        for key, col in (("wall_s", WALL), ("cpu_s", CPU), ("max_rss_mb", RSS))
    }


def _number(text: str | None) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):  # "NA" or "-": not measured
        return math.nan


def benchmark_jobs(root: str | Path, runs: Iterable[str]) -> pd.DataFrame:
    """One row per benchmark file under ``root``: rule, run ("" for shared jobs), epoch, job
    name, wall and CPU seconds, peak memory. Files of runs not in ``runs`` (an earlier config's)
    are left out; shared jobs are all kept (data, references and the graph are shared)."""
    runs = set(runs)
    rows = []
    for path in sorted(Path(root).glob("*/**/*.tsv")):
        rel = path.relative_to(root)
        rule, rest = rel.parts[0], rel.parts[1:]
        run, epoch = "", None
        if len(rest) == 2 and RUN_JOB.match(Path(rest[1]).stem):
            run, epoch = rest[0], int(RUN_JOB.match(Path(rest[1]).stem).group(1))
        elif len(rest) == 1 and Path(rest[0]).stem in runs:
            run = Path(rest[0]).stem  # a job per run (e.g. evolution)
        if run and run not in runs:
            continue
        rows.append(
            {"rule": rule, "run": run, "epoch": epoch, "job": str(rel), **read_benchmark(path)}
        )
    columns = ["rule", "run", "epoch", "job", "wall_s", "cpu_s", "max_rss_mb"]
    return pd.DataFrame(rows, columns=columns)


def train_device(log: str | Path) -> str:
    """The device a training job reported in its log, with its kernels where the log names
    them ("cpu (AVX512)"); 'unknown' without the line."""
    try:
        found = TRAIN_DEVICE.findall(Path(log).read_text(errors="replace"))
    except OSError:
        return "unknown"
    return found[-1] if found else "unknown"


def run_devices(logs: Iterable[str | Path]) -> str:
    """Every device (and kernels) a run's training jobs reported, one run's segments possibly
    on several machines: "cpu (AVX2), cpu (AVX512)"; 'unknown' when no log says."""
    found = {train_device(log) for log in logs} - {"unknown"}
    return DEVICES_SEPARATOR.join(sorted(found)) or "unknown"


def run_costs(
    jobs: pd.DataFrame,
    runs: Mapping[str, Mapping[str, Any]],
) -> pd.DataFrame:
    """One row per trained run. ``runs[run]``: experiments (list), epochs (its eval epochs,
    so unmeasured jobs can be counted), images_seen, device."""
    rows = []
    for run, info in runs.items():
        mine = jobs[jobs["run"] == run]
        train = mine[mine["rule"] == "train"]
        train_s = train["wall_s"].sum()
        expected = len(info["epochs"])
        rows.append(
            {
                "run": run,
                "experiments": " ".join(info["experiments"]),
                "device": info["device"],
                "jobs": len(mine),
                "train_jobs_unmeasured": expected - len(train),
                "wall_s": mine["wall_s"].sum(),
                "cpu_s": mine["cpu_s"].sum(),
                "peak_rss_mb": mine["max_rss_mb"].max(),
                "train_wall_s": train_s,
                "images_seen": info["images_seen"],
                "train_images_per_s": info["images_seen"] / train_s
                if len(train) == expected and train_s > 0
                else math.nan,
                "scoring_wall_s": mine[mine["rule"] != "train"]["wall_s"].sum(),
            }
        )
    return pd.DataFrame(rows)


def experiment_costs(
    jobs: pd.DataFrame, per_run: pd.DataFrame, experiments: Mapping[str, list[str]]
) -> pd.DataFrame:
    """One row per experiment (its runs' jobs and its own table job), a row for the jobs every
    experiment shares, and the config's total, which counts every file once (a run trained for
    two experiments is in both experiments' rows but once in the total)."""
    rows = []
    for exp, exp_runs in experiments.items():
        mine = jobs[jobs["run"].isin(exp_runs) | (jobs["job"] == f"experiment_tables/{exp}.tsv")]
        runs = per_run[per_run["run"].isin(exp_runs)]
        rows.append(_summary_row(exp, mine, runs))
    shared = jobs[(jobs["run"] == "") & ~jobs["job"].str.startswith("experiment_tables/")]
    rows.append(_summary_row("(shared: data, reference statistics, graph, tables)", shared, None))
    rows.append(_summary_row("total", jobs, per_run))
    return pd.DataFrame(rows)


def _summary_row(name: str, jobs: pd.DataFrame, runs: pd.DataFrame | None) -> dict[str, Any]:
    train_s = jobs[jobs["rule"] == "train"]["wall_s"].sum()
    images = runs["images_seen"].sum() if runs is not None else 0
    return {
        "experiment": name,
        "runs": 0 if runs is None else len(runs),
        "jobs": len(jobs),
        "wall_h": jobs["wall_s"].sum() / 3600,
        "cpu_h": jobs["cpu_s"].sum() / 3600,
        "peak_rss_mb": jobs["max_rss_mb"].max() if len(jobs) else math.nan,
        "images_seen": images,
        "train_images_per_s": images / train_s if train_s > 0 else math.nan,
        "devices": (
            DEVICES_SEPARATOR.join(
                sorted({d for v in runs["device"] for d in str(v).split(DEVICES_SEPARATOR)})
            )
            if runs is not None
            else ""
        ),
    }
