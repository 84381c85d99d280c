"""FID∞ (Chong & Forsyth 2020, "Effectively Unbiased FID and Inception Score and where to find
them"): the FID of infinitely many generated samples, by extrapolation.

FID from N samples is biased upward by a term that is, to first order, proportional to 1/N and
whose size depends on the generator, so two models compared at one N can rank in the wrong
order. FID∞ computes FID at several N, fits FID_N = a + b/N by least squares and reports the
intercept a. As in the paper's code, the sizes are 15 evenly spaced from 5,000 to all N generated
features, each a fresh random draw without replacement; with fewer than 10,000 features they
start at N/2 instead. The line is straight only for sizes well above the feature dimension:
from sizes near or below it the fit over-corrects (a check on Gaussian features:
docs/findings.md), so a smaller ``min_size`` trades this bias for less noise. The reference
statistics are used as given: their own bias (from a finite reference set) is not extrapolated
away, as in the paper.

Torch-free, like the FID job that calls it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ganrepro.evaluation.metrics.frechet import frechet_distance_to_features

DEFAULT_POINTS = 15
PAPER_MIN_SIZE = 5000


def fid_infinity(
    features: np.ndarray,
    mu: np.ndarray,
    sigma: np.ndarray,
    *,
    sizes: Sequence[int] | None = None,
    min_size: int | None = None,
    seed: int = 0,
    method: str = "eigh",
) -> dict:
    """FID∞ of generated ``features`` (N x d) against reference statistics (mu, sigma).

    ``sizes``: the sample sizes to compute FID at; by default ``default_sizes(N, min_size)``.
    Each size draws its own subset without replacement from ``np.random.default_rng(seed)``.
    """
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2:
        raise ValueError(f"features must be a (N, dims) array, got shape {features.shape}")
    n = len(features)
    if sizes is None:
        sizes = default_sizes(n, min_size=min_size)
    elif min_size is not None:
        raise ValueError("give FID∞ either sizes or min_size, not both")
    sizes = [int(s) for s in sizes]
    if not all(2 <= s <= n for s in sizes):
        raise ValueError(
            f"FID∞ sample sizes must lie in [2, {n}] (the generated features), got {sizes}"
        )
    rng = np.random.default_rng(seed)
    fids = [
        frechet_distance_to_features(
            features[rng.choice(n, size, replace=False)], mu, sigma, method=method
        )
        for size in sizes
    ]
    a, b = fit_line(sizes, fids)
    return {"fid_infinity": a, "slope": b, "sizes": sizes, "fids": fids, "seed": int(seed)}


def default_sizes(
    n: int, *, min_size: int | None = None, points: int = DEFAULT_POINTS
) -> list[int]:
    """``points`` sizes evenly spaced from ``min_size`` (default: the paper's 5,000, or n/2 if
    smaller) to n, rounded down as the paper's code does, without repeats."""
    if min_size is None:
        min_size = max(2, min(PAPER_MIN_SIZE, n // 2))
    if not 2 <= min_size < n:
        raise ValueError(
            f"FID∞'s smallest sample size must lie in [2, {n - 1}] for {n} generated features, "
            f"got {min_size}; lower min_size or generate more images"
        )
    return sorted({int(s) for s in np.linspace(min_size, n, points)})


def fit_line(sizes: Sequence[int], fids: Sequence[float]) -> tuple[float, float]:
    """Least-squares (a, b) of fid = a + b / size."""
    inverse = 1.0 / np.asarray(sizes, dtype=np.float64)
    if len(set(inverse)) < 2:
        raise ValueError(f"fitting FID = a + b/N needs at least 2 different sizes, got {sizes}")
    design = np.stack([np.ones_like(inverse), inverse], axis=1)
    (a, b), *_ = np.linalg.lstsq(design, np.asarray(fids, dtype=np.float64), rcond=None)
    return float(a), float(b)
