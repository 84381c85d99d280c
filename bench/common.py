"""Shared pieces of the benchmarks: where the offline data and weights are, a child process's
thread count, and a generator's FID as the workflow scores a checkpoint."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CIFAR = SHARED / "data" / "cifar10-jpeg"
WEIGHTS = SHARED / "weights" / "pt_inception-2015-12-05-6726825d.pth"


def thread_env(threads: int) -> dict[str, str]:
    """The same thread count for a child process as for ours."""
    return {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}


def fid_of_generator(G, n: int, results: Path, seed: int = 2026, threads: int = 2) -> float:
    """FID of n samples of G against the workflow's statistics of all CIFAR-10 test images
    (results/fid_ref), through the workflow's ONNX graph: a checkpoint's score, without files."""
    from ganrepro.data import to_uint8
    from ganrepro.evaluation.metrics.frechet import frechet_distance_to_features, load_statistics
    from ganrepro.evaluation.metrics.inception_onnx import OnnxInception
    from ganrepro.training.generate import generate

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
