"""Rule costs: what every result cost, from the benchmark files of the jobs of this config."""

import csv
import json
from pathlib import Path

from ganrepro.io import open_log, write_csv, write_text
from ganrepro.reporting.costs import (
    benchmark_jobs,
    experiment_costs,
    run_costs,
    run_devices,
)
from ganrepro.reporting.labels import describe_setting
from ganrepro.reporting.pages import cost_views, table_page
from ganrepro.rule import run_rule

NOTE = (
    "From Snakemake's benchmark file of every job (results/benchmarks/<rule>/...): wall and CPU "
    "time of the job's processes, peak resident memory (the largest of any one job). A job run "
    "again is counted for its last attempt; jobs made before benchmarks existed have no file "
    "(train_jobs_unmeasured). Training images/s: images D saw (steps x batch size) over the "
    "training jobs' wall time. This table's own job is not in it."
)


def main(
    *,
    experiments,
    runs_table,
    experiments_table,
    jobs_table,
    page,
    tables=(),
    pages=(),
    results=None,
    log=None,
):
    """``experiments``: this config's experiment names; ``results``: the results folder, where
    the job reads the experiments' manifests, each trained run's last loss CSV and training
    logs, and the benchmark files. ``tables`` and ``pages`` are not read: they order this job
    last."""
    # the results folder: given, or from the output's path (R/tables/costs/runs.csv); not a
    # param of the rule, which the report would show as a machine path
    results = Path(results) if results else Path(runs_table).parents[2]
    with open_log(log) as logf:
        runs, members = _runs_of(results, experiments)
        jobs = benchmark_jobs(results / "benchmarks", runs)
        per_run = run_costs(jobs, runs)
        per_exp = experiment_costs(jobs, per_run, members)
        write_csv(jobs, jobs_table)
        write_csv(per_run, runs_table)
        write_csv(per_exp, experiments_table)
        # the page names a run by its first member's setting and seed, not its folder's hash
        named = per_run.assign(
            setting=[runs[r]["setting"] for r in per_run["run"]],
            seed=[runs[r]["seed"] for r in per_run["run"]],
        )
        exp_view, run_view = cost_views(per_exp, named)
        write_text(
            page,
            table_page(
                "What every result cost",
                [("Per experiment, and the config's total", exp_view), ("Per run", run_view)],
                description=f"{len(jobs)} jobs measured, {len(runs)} trained runs. The CSVs "
                "beside this page (costs: experiments, runs, jobs) hold every number in "
                "seconds and MB.",
                note=NOTE,
            ),
        )
        total = per_exp.iloc[-1]
        print(
            f"{len(jobs)} benchmark files; total {total['wall_h']:.3f} h wall, "
            f"{total['cpu_h']:.3f} h CPU, peak {total['peak_rss_mb']:.0f} MB",
            file=logf,
        )


def _runs_of(results, experiments):
    """Per run folder: its experiments, checkpoint epochs (over all its members), images seen
    and device; per experiment: the run folders that hold its members."""
    runs, members = {}, {}
    for exp in experiments:
        manifest = json.loads((results / "manifests" / f"{exp}.json").read_text())
        members[exp] = []
        for info in manifest["runs"].values():
            trained, settings = info["trained_as"], info["settings"]
            members[exp].append(trained)
            run = runs.setdefault(
                trained,
                {
                    "experiments": [],
                    "epochs": [],
                    "batch_size": 0,
                    "setting": describe_setting(info.get("grid", {})) or "(one setting)",
                    "seed": info.get("seed", ""),
                },
            )
            run["epochs"] = sorted({*run["epochs"], *settings["eval_epochs"]})
            run["batch_size"] = settings["batch_size"]
            if exp not in run["experiments"]:
                run["experiments"].append(exp)
    for trained, run in runs.items():
        losses = results / "runs" / trained / "losses" / f"epoch{max(run['epochs']):04d}.csv"
        run["images_seen"] = _rows(losses) * run.pop("batch_size")
        run["device"] = run_devices(Path(results, "logs", "train", trained).glob("epoch*.log"))
    return runs, members


def _rows(losses_csv):
    with open(losses_csv, newline="") as f:
        return sum(1 for _ in csv.DictReader(f))


if "snakemake" in globals():
    run_rule(main, snakemake)  # noqa: F821
