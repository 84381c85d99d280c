"""Memorisation check: how close generated images are to training images, against how close
unseen real images (the test split) are to them.

A generator that copies its training set puts its samples nearer to training images than fresh
real images are: the distribution of nearest-neighbour distances generated → train then lies to
the left of test → train. Distances are Euclidean in Inception pool3 space (the cached FID
features), where near-duplicates are close even if shifted or recoloured slightly; pixel space
would mostly measure colour. The nearest training images of a few samples are shown beside
them, because a number cannot tell a copy from a plausible neighbour.
"""

from __future__ import annotations

import numpy as np


def nearest_neighbours(
    query: np.ndarray, reference: np.ndarray, k: int = 1, *, chunk: int = 256
) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean distances (Q, k) and indices (Q, k) of the ``k`` nearest reference rows of
    each query row, nearest first. Queries go in chunks, so memory stays at chunk x R floats
    (256 x 50,000 float64: 100 MB, for the whole CIFAR-10 training set)."""
    query = np.asarray(query, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if not 1 <= k <= len(reference):
        raise ValueError(f"k must be in [1, {len(reference)}] (reference size), got {k}")
    ref_sq = (reference**2).sum(axis=1)
    dists, idxs = [], []
    for start in range(0, len(query), chunk):
        q = query[start : start + chunk]
        # |q - r|² = |q|² + |r|² - 2 q·r, clipped at 0 against rounding
        d2 = np.maximum((q**2).sum(axis=1)[:, None] + ref_sq[None, :] - 2.0 * q @ reference.T, 0)
        part = np.argpartition(d2, k - 1, axis=1)[:, :k]
        order = np.take_along_axis(d2, part, axis=1).argsort(axis=1, kind="stable")
        idx = np.take_along_axis(part, order, axis=1)
        dists.append(np.sqrt(np.take_along_axis(d2, idx, axis=1)))
        idxs.append(idx)
    return np.concatenate(dists), np.concatenate(idxs)


def memorisation_summary(gen_to_train: np.ndarray, test_to_train: np.ndarray) -> dict:
    """Compare nearest-neighbour distances generated → train with test → train.

    ``ratio`` is median(gen) / median(test): about 1 when samples are as far from the training
    images as unseen real images are, well below 1 when they sit on top of training images.
    ``close_fraction`` is the share of samples nearer to a training image than the closest 1%
    of test images are (expected ~0.01 without copying).
    """
    gen = np.asarray(gen_to_train, dtype=np.float64)
    test = np.asarray(test_to_train, dtype=np.float64)
    threshold = float(np.quantile(test, 0.01))
    return {
        "median_generated_to_train": float(np.median(gen)),
        "median_test_to_train": float(np.median(test)),
        "ratio": float(np.median(gen) / np.median(test)),
        "close_threshold": threshold,
        "close_fraction": float(np.mean(gen < threshold)),
        "n_generated": len(gen),
        "n_test": len(test),
    }
