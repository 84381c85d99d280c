"""A shipped config's whole run on a fresh clone: its wall time and what its jobs cost. By
default the README's quick start, verbatim (the first run a new user makes).

The commands are read from README.md's quick-start block (between ``<!-- begin quick-start
-->`` and ``<!-- end quick-start -->``), so the record measures what a new user types. The
install lines are left out (this interpreter's environment stands in for them) and named in
the record. The clone is of the committed HEAD, with ../shared linked beside it as on a
fresh machine here; its results folder starts empty. With ``--config``, the command run is
``snakemake --cores 2 --configfile <config> configs/offline.yaml`` instead.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from ganrepro.reporting.docs import quick_start_commands

from .common import REPO, SHARED

DESCRIPTION = "a config's run on a fresh clone (default: the README's quick start): wall time, jobs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="run this config (offline) instead of the quick start")
    parser.add_argument("--cores", type=int, default=2, help="snakemake --cores with --config")
    parser.add_argument("--keep", type=Path, help="clone here and keep it (default: a temp dir)")


def run(args: argparse.Namespace) -> list[dict]:
    if args.config:
        config = args.config
        commands = [f"snakemake --cores {args.cores} --configfile {config} configs/offline.yaml"]
        install: list[str] = []
    else:
        commands, install = quick_start_commands(REPO / "README.md")
        config = next(
            c.split("--configfile", 1)[1].split()[0] for c in commands if "--configfile" in c
        )
    with tempfile.TemporaryDirectory(prefix="ganrepro-first-run-") as tmp:
        base = args.keep or Path(tmp)
        clone = base / "ganrepro"
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
        if not (base / "shared").exists():
            (base / "shared").symlink_to(SHARED)
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
        rows, start = [], time.perf_counter()
        for command in commands:
            t0 = time.perf_counter()
            done = subprocess.run(
                ["bash", "-c", command], cwd=clone, env=env, text=True, capture_output=True
            )
            if done.returncode:
                raise SystemExit(f"`{command}` failed:\n{done.stderr[-3000:]}")
            rows.append({"config": config, "step": command, "wall_s": time.perf_counter() - t0})
        total = time.perf_counter() - start
        costs = clone / "results" / "tables" / "costs"
        jobs = pd.read_csv(costs / "jobs.csv")
        rows.append(
            {
                "config": config,
                "step": "all" + (" (without the install)" if install else ""),
                "wall_s": total,
                "jobs": len(jobs),
                "job_wall_s": float(jobs.wall_s.sum()),
                "job_cpu_s": float(jobs.cpu_s.sum()),
                "peak_rss_mb": float(jobs.max_rss_mb.max()),
                "runs": int(pd.read_csv(costs / "runs.csv").shape[0]),
                "report_built": (clone / "results" / "report.html").exists(),
                "install_left_out": " && ".join(install),
            }
        )
    return rows
