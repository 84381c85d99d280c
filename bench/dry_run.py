"""Pipeline overhead: `snakemake -n` on a finished workflow with a 50-run ablation grid.

The workflow is made "finished" without running it (every output created empty, then
`snakemake --touch` orders their times), then `snakemake -n` is timed; it must answer
"Nothing to be done".

    python bench/dry_run.py --runs 50
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
import time
from pathlib import Path

import yaml
from common import REPO
from workflow_cli import snakemake_command


def config(results: Path, runs: int) -> dict:
    cfg = yaml.safe_load((REPO / "configs" / "mirror.yaml").read_text())
    cfg["results"] = str(results)
    lrs = [round(1e-4 * (1 + i), 6) for i in range(runs // 5)]
    cfg["experiments"] = {"grid50": {"grid": {"lr": lrs, "batch_size": [16, 32, 50, 64, 100]}}}
    cfg.pop("analysis", None)
    return cfg


def snakemake(work: Path, *args: str) -> tuple[float, str]:
    cmd = snakemake_command(work, work / "config.yaml", "--cores", "1", *args)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return time.perf_counter() - t0, proc.stdout + proc.stderr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=50)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "config.yaml").write_text(yaml.safe_dump(config(work / "results", args.runs)))
        # Make it finished without running it: create every output, then let --touch order mtimes.
        _, plan = snakemake(work, "-n")
        for line in plan.splitlines():
            if line.strip().startswith("output:"):
                for path in line.split(":", 1)[1].split(","):
                    Path(path.strip()).parent.mkdir(parents=True, exist_ok=True)
                    Path(path.strip()).touch()
        snakemake(work, "--touch")
        times = []
        for _ in range(3):
            seconds, out = snakemake(work, "-n")
            assert "Nothing to be done" in out, out[-2000:]
            times.append(seconds)
    print(
        f"{args.runs} runs, finished workflow: snakemake -n took "
        f"{min(times):.2f} s (best of 3; all: {', '.join(f'{t:.2f}' for t in times)})"
    )


if __name__ == "__main__":
    main()
