"""Shared pieces of the benchmarks: where the offline data and weights are, what machine this is."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

import torch

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "lib"), str(REPO / "tests")]  # the package; the workflow_cli helper
SHARED = REPO.parent / "shared"
CIFAR = SHARED / "data" / "cifar10-jpeg"
WEIGHTS = SHARED / "weights" / "pt_inception-2015-12-05-6726825d.pth"


def hardware(threads: int) -> str:
    cpu = platform.processor() or platform.machine()
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (
        f"{cpu}, {os.cpu_count()} cores, {gpu}; torch {torch.__version__}, "
        f"{threads} threads, Python {platform.python_version()}"
    )


def thread_env(threads: int) -> dict[str, str]:
    """The same thread count for a child process as for ours."""
    return {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
