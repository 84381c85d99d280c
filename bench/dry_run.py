"""Pipeline overhead: `snakemake -n` on a finished workflow with a 50-run ablation grid.

The workflow is made "finished" without running it (every output created empty, then
`snakemake --touch` orders their times), then `snakemake -n` is timed (best of --repeats); it
must answer "Nothing to be done". One row.

    python -m bench run dry_run --runs 50
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml
from ganrepro.config_files import load

from .common import REPO

DESCRIPTION = "`snakemake -n` on a finished workflow with an N-run grid: seconds, best of --repeats"


def config(results: Path, runs: int) -> dict:
    cfg = load(REPO / "configs" / "mirror.yaml")
    cfg["results"] = str(results)
    lrs = [round(1e-4 * (1 + i), 6) for i in range(runs // 5)]
    cfg["experiments"] = {"grid50": {"grid": {"lr": lrs, "batch_size": [16, 32, 50, 64, 100]}}}
    cfg.pop("analysis", None)
    return cfg


def snakemake(work: Path, *args: str) -> tuple[float, str]:
    """Seconds and output of the workflow's snakemake in ``work``, as a user runs it."""
    cmd = [
        sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--directory", str(work),
        "--configfile", str(work / "config.yaml"), "--cores", "1", *args,
    ]  # fmt: skip
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, proc.stdout + proc.stderr


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--runs", type=int, default=50, help="runs of the grid (a multiple of 5)")
    parser.add_argument("--repeats", type=int, default=3, help="timed `snakemake -n` calls")


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "config.yaml").write_text(yaml.safe_dump(config(work / "results", args.runs)))
        # Make it finished without running it: create every output, then let --touch order mtimes.
        _, plan = snakemake(work, "-n")
        outputs = set()
        for line in plan.splitlines():
            if line.strip().startswith("output:"):
                for path in line.split(":", 1)[1].split(","):
                    outputs.add(path.strip())
                    Path(path.strip()).parent.mkdir(parents=True, exist_ok=True)
                    Path(path.strip()).touch()
        snakemake(work, "--touch")
        times = []
        for _ in range(args.repeats):
            seconds, out = snakemake(work, "-n")
            if "Nothing to be done" not in out:
                raise RuntimeError(
                    f"snakemake -n planned jobs on a finished workflow:\n{out[-2000:]}"
                )
            times.append(seconds)
    return [
        {
            "runs": args.runs,
            "outputs": len(outputs),
            "repeats": len(times),
            "best_s": min(times),
            "median_s": statistics.median(times),
            "worst_s": max(times),
        }
    ]
