"""Precision and recall (Kynkäänniemi et al. 2019, "Improved Precision and Recall Metric for
Assessing Generative Models") and density and coverage (Naeem et al. 2020, "Reliable Fidelity
and Diversity Metrics for Generative Models") of generated against real Inception pool3 features.

FID folds fidelity and diversity into one number; these four separate them. Each sample's ball
reaches its k-th nearest other sample of the same set, and the union of a set's balls stands for
its manifold:

- precision: the fraction of generated samples inside some real ball (fidelity);
- recall: the fraction of real samples inside some generated ball (diversity);
- density: the number of real balls holding a generated sample, averaged and divided by k
  (fidelity that a few real outliers' large balls do not inflate; 1 on average for samples of
  the real distribution, and it can exceed 1);
- coverage: the fraction of real balls holding some generated sample (diversity that generated
  outliers do not inflate).

The definitions, strict "<" included, are those of Naeem et al.'s ``prdc`` package;
tests/evaluation/test_prdc.py holds this module to it. Unlike that package, distances are computed
in blocks of rows, never as a whole matrix: 10,000 x 10,000 float64 distances would be 800 MB per
matrix, and a scoring job must stay well under 2 GB. Numpy only: the job reads cached features.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

DEFAULT_K = 3
# One block of distances at most this size; peak memory is a few blocks plus the two feature sets.
BLOCK_BYTES = 128 * 2**20


def precision_recall_density_coverage(
    real: np.ndarray,
    generated: np.ndarray,
    *,
    k: int = DEFAULT_K,
    max_samples: int | None = None,
    seed: int = 0,
    block_rows: int | None = None,
) -> dict:
    """Precision, recall, density and coverage of ``generated`` against ``real`` (N x d each).

    ``max_samples``: when a set holds more features, a random subset of that many is scored
    (drawn without replacement by ``np.random.default_rng(seed)``, the real set first), since
    the cost grows with the product of the set sizes. ``block_rows``: rows per block of
    distances; by default as many as fit in ``BLOCK_BYTES``.
    """
    if not isinstance(k, int | np.integer) or k < 1:
        raise ValueError(f"PRDC's k (nearest neighbours) must be a positive integer, got {k!r}")
    if block_rows is not None and block_rows < 1:
        raise ValueError(f"block_rows must be >= 1 (or None for the default), got {block_rows}")
    real = _checked(real, "real", k)
    generated = _checked(generated, "generated", k)
    if real.shape[1] != generated.shape[1]:
        raise ValueError(
            f"real features have {real.shape[1]} dimensions but generated ones "
            f"{generated.shape[1]}; compute both with the same Inception layer"
        )
    if max_samples is not None:
        if max_samples < k + 1:
            raise ValueError(
                f"max_samples={max_samples} leaves too few samples for k={k}: use at least {k + 1}"
            )
        rng = np.random.default_rng(seed)
        real, generated = (
            _subsample(real, max_samples, rng),
            _subsample(generated, max_samples, rng),
        )
    # Distances do not change under a shift; centring makes the norms in ||x||² - 2 x·y + ||y||²
    # smaller, so their difference loses less precision (pool3 features are all >= 0).
    centre = real.mean(axis=0)
    real, generated = real - centre, generated - centre

    real_radii = nearest_neighbour_radii(real, k, block_rows=block_rows)
    generated_radii = nearest_neighbour_radii(generated, k, block_rows=block_rows)
    balls_holding = np.zeros(len(generated), dtype=np.int64)  # real balls around each generated
    recalled = np.empty(len(real), dtype=bool)
    covered = np.empty(len(real), dtype=bool)
    for rows, dist in _distance_blocks(real, generated, block_rows):
        inside = dist < real_radii[rows, None]  # generated j inside real ball i
        balls_holding += inside.sum(axis=0)
        covered[rows] = inside.any(axis=1)
        recalled[rows] = (dist < generated_radii[None, :]).any(axis=1)
    return {
        "precision": float((balls_holding > 0).mean()),
        "recall": float(recalled.mean()),
        "density": float(balls_holding.mean() / k),
        "coverage": float(covered.mean()),
        "k": int(k),
        "n_real": len(real),
        "n_generated": len(generated),
    }


def nearest_neighbour_radii(
    features: np.ndarray, k: int = DEFAULT_K, *, block_rows: int | None = None
) -> np.ndarray:
    """Each sample's distance to its k-th nearest other sample of the same set."""
    radii = np.empty(len(features))
    for rows, dist in _distance_blocks(features, features, block_rows):
        dist[np.arange(dist.shape[0]), np.arange(rows.start, rows.stop)] = np.inf  # not itself
        radii[rows] = np.partition(dist, k - 1, axis=1)[:, k - 1]
    return radii


def _distance_blocks(
    x: np.ndarray, y: np.ndarray, block_rows: int | None
) -> Iterator[tuple[slice, np.ndarray]]:
    """Euclidean distances of x's rows to y's rows, a block of x's rows at a time."""
    if block_rows is None:
        block_rows = max(1, BLOCK_BYTES // (8 * max(len(y), 1)))
    x_sq, y_sq = np.einsum("ij,ij->i", x, x), np.einsum("ij,ij->i", y, y)
    for start in range(0, len(x), block_rows):
        rows = slice(start, min(start + block_rows, len(x)))
        sq = x[rows] @ y.T
        sq *= -2.0
        sq += x_sq[rows, None]
        sq += y_sq[None, :]
        np.maximum(sq, 0.0, out=sq)  # rounding can make a tiny distance negative
        yield rows, np.sqrt(sq, out=sq)


def _checked(features: np.ndarray, name: str, k: int) -> np.ndarray:
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise ValueError(
            f"{name} features must be a 2-d array (samples, dims), got shape {features.shape}"
        )
    if len(features) < k + 1:
        raise ValueError(
            f"PRDC with k={k} needs at least k + 1 = {k + 1} {name} features (each needs k other "
            f"samples), got {len(features)}; score more samples or lower k"
        )
    bad = ~np.isfinite(features)
    if bad.any():
        row = int(np.argwhere(bad)[0, 0])
        raise ValueError(
            f"{name} features hold {int(bad.sum())} non-finite values (NaN or inf), the first in "
            f"row {row}; recompute them from the images (is the network or the generator's "
            "output NaN?)"
        )
    return features


def _subsample(features: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    if len(features) <= n:
        return features
    return features[np.sort(rng.choice(len(features), n, replace=False))]
