"""Shared pieces of the benchmarks: where the offline data and weights are, what machine this is."""

from __future__ import annotations

import os
import platform
import sys
from pathlib import Path

import numpy as np
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


def contrast(images) -> float:
    """Mean over images of each image's pixel standard deviation (population std), pixels in
    [-1, 1]: how far samples have drifted from real images' contrast (issue 13's grey grids)."""
    x = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
    return float(x.std(axis=1).mean())


def thread_env(threads: int) -> dict[str, str]:
    """The same thread count for a child process as for ours."""
    return {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}


def fid_of_generator(G, n: int, results: Path, seed: int = 2026, threads: int = 2) -> float:
    """FID of n samples of G against the workflow's statistics of all CIFAR-10 test images
    (results/fid_ref), through the workflow's ONNX graph: a checkpoint's score, without files."""
    from ganrepro.data import to_uint8
    from ganrepro.generate import generate
    from ganrepro.metrics.frechet import frechet_distance_to_features, load_statistics
    from ganrepro.metrics.inception_onnx import OnnxInception

    refs = sorted((results / "fid_ref").glob("cifar10-test-*-nall.npz"))
    if not refs:
        raise FileNotFoundError(
            f"no statistics of the whole CIFAR-10 test split under {results}/fid_ref: run the "
            "laptop config first (snakemake --cores 2 --configfile configs/laptop.yaml ...)"
        )
    images, _ = generate(G.eval(), n, seed=seed)
    feats = OnnxInception(results / "weights" / "fid_inception.onnx", threads=threads).features(
        to_uint8(images).numpy()
    )
    mu, sigma = load_statistics(refs[0])
    return frechet_distance_to_features(feats, mu, sigma)
