"""Running the workflow as a user does, from tests and bench scripts: one command line builder.

Every call names the repository's Snakefile and a working directory, so the workflow runs from
any folder (a test's temporary one) with the repository's profiles/default applied.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml
from ganrepro.config_files import load, merge

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CIFAR10_JPEG = SHARED / "data" / "cifar10-jpeg"
FID_WEIGHTS = SHARED / "weights" / "pt_inception-2015-12-05-6726825d.pth"
MIRROR = REPO / "configs" / "mirror.yaml"
OFFLINE = REPO / "configs" / "offline.yaml"
QUICK = load(MIRROR)  # with what it extends, as the Snakefile reads it


def snakemake_command(
    workdir: Path, configfile: Path | None, *args: str, snakefile: Path = REPO / "Snakefile"
) -> list[str]:
    config = ["--configfile", str(configfile)] if configfile is not None else []
    return [
        sys.executable, "-m", "snakemake", "-s", str(snakefile),
        "--directory", str(workdir), *config, *args,
    ]  # fmt: skip


def snakemake(
    workdir: Path,
    configfile: Path | None,
    *args: str,
    check: bool = True,
    snakefile: Path = REPO / "Snakefile",
) -> subprocess.CompletedProcess:
    """Run snakemake to the end; with ``check``, a failure raises with the tail of its output."""
    cmd = snakemake_command(workdir, configfile, *args, snakefile=snakefile)
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"{' '.join(cmd)} failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        )
    return proc


def overlaid(config: dict, overlay: dict) -> dict:
    """``config`` with ``overlay`` laid over it, as Snakemake merges two --configfile."""
    return merge(config, overlay)


def local_config(results: Path) -> dict:
    """The quick config with the offline overlay (configs/offline.yaml), in absolute paths, so
    it runs from any working directory."""
    cfg = load([MIRROR, OFFLINE])
    cfg["results"] = str(results)
    for dataset in cfg["datasets"].values():
        if dataset.get("source") == "image_folder":
            dataset["root"] = str(CIFAR10_JPEG)
    cfg["fid"]["weights"] = str(FID_WEIGHTS)
    return cfg


def write_config(path: Path, cfg: dict) -> Path:
    path.write_text(yaml.safe_dump(cfg, sort_keys=False))
    return path


def planned_jobs(out: str) -> list[tuple[str, dict[str, str]]]:
    """(rule, wildcards) of each job that `snakemake -n` prints, block by block."""
    jobs = []
    for block in re.split(r"\n\s*\n", out):
        rule = re.search(r"^(?:local)?rule (\w+):$", block, re.M)
        if rule:
            found = re.search(r"^\s+wildcards: (.*)$", block, re.M)
            pairs = found.group(1).split(", ") if found else []
            jobs.append((rule.group(1), dict(p.split("=", 1) for p in pairs)))
    return jobs


def tiny_config(results: str | Path, experiments: dict) -> dict:
    """A workflow of seconds (200 training images at 32 px, width 8, FID of 20 samples against
    60 test images), offline, with these experiments."""
    return {
        "results": str(results),
        "device": "cpu",
        "threads": 1,
        "datasets": {
            "cifar10": {
                "source": "image_folder",
                "root": str(CIFAR10_JPEG),
                "download": False,
                "image_size": 32,
                "channels": 3,
                "describes": "CIFAR-10",
                "jpeg": True,
                "train_images": 200,
                "test_images": 60,
            },
        },  # fmt: skip
        "fid": {"weights": str(FID_WEIGHTS), "reference_images": 60, "generated_images": 20},
        "sampling": {"grid_images": 16},
        "defaults": {"dataset": "cifar10", "latent_dim": 16, "width": 8, "batch_size": 50},
        "experiments": experiments,
    }
