"""Kernel Inception Distance (Bińkowski et al. 2018, "Demystifying MMD GANs").

KID is the squared maximum mean discrepancy between generated and real Inception pool3 features
under the cubic polynomial kernel k(x, y) = (x·y / d + 1)^3. Unlike FID its estimator is
unbiased, so at the small sample sizes of a CPU run its expected value does not depend on the
number of images (FID's does), and two models can be compared at a few hundred images. As in the
paper (and torch-fidelity, clean-fid), the estimate is averaged over random subsets of both
sets, and the spread over subsets is reported with it.

It reads the cached pool3 features that FID uses: no Inception pass of its own.
"""

from __future__ import annotations

import numpy as np

DEGREE = 3
COEF0 = 1.0


def polynomial_kernel(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """k(x, y) = (x·y / d + 1)^3 for all rows of x against all rows of y."""
    d = x.shape[1]
    return (x @ y.T / d + COEF0) ** DEGREE


def mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    """Unbiased MMD² (a U-statistic): the kernel of a sample with itself is left out.

    (1/(m(m-1))) Σ_{i≠j} k(x_i, x_j) + (1/(n(n-1))) Σ_{i≠j} k(y_i, y_j) - (2/(mn)) Σ k(x_i, y_j).
    It can be negative when the two sets come from the same distribution; that is what makes its
    expectation exactly MMD², not MMD² plus a term that shrinks with the sample size.
    """
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    m, n = len(x), len(y)
    if m < 2 or n < 2:
        raise ValueError(f"unbiased MMD² needs at least 2 samples per set, got {m} and {n}")
    if x.shape[1] != y.shape[1]:
        raise ValueError(f"feature dimensions differ: {x.shape[1]} and {y.shape[1]}")
    k_xx = polynomial_kernel(x, x)
    k_yy = polynomial_kernel(y, y)
    k_xy = polynomial_kernel(x, y)
    xx = (k_xx.sum() - np.trace(k_xx)) / (m * (m - 1))
    yy = (k_yy.sum() - np.trace(k_yy)) / (n * (n - 1))
    return float(xx + yy - 2.0 * k_xy.mean())


def kernel_inception_distance(
    generated: np.ndarray,
    reference: np.ndarray,
    *,
    subsets: int = 100,
    subset_size: int = 1000,
    seed: int = 0,
) -> dict:
    """KID as mean ± std of the unbiased MMD² over ``subsets`` random subsets of each set.

    Each subset draws ``subset_size`` features of each set without replacement (independently
    per subset), as in Bińkowski et al.'s reference code. A subset size larger than either set
    is an error rather than silently smaller, because it changes the spread that is reported.
    """
    generated = np.asarray(generated, dtype=np.float64)
    reference = np.asarray(reference, dtype=np.float64)
    if subsets < 1:
        raise ValueError(f"subsets must be >= 1, got {subsets}")
    available = min(len(generated), len(reference))
    if not 2 <= subset_size <= available:
        raise ValueError(
            f"KID subset size {subset_size} needs 2 <= size <= the smaller of the two sets "
            f"({len(generated)} generated, {len(reference)} reference features); lower "
            "analysis.kid_subset_size or raise fid.generated_images / fid.reference_images"
        )
    rng = np.random.default_rng(seed)
    values = np.empty(subsets)
    for s in range(subsets):
        g = generated[rng.choice(len(generated), subset_size, replace=False)]
        r = reference[rng.choice(len(reference), subset_size, replace=False)]
        values[s] = mmd2_unbiased(g, r)
    return {
        "kid": float(values.mean()),
        "kid_std": float(values.std(ddof=1)) if subsets > 1 else 0.0,
        "subsets": int(subsets),
        "subset_size": int(subset_size),
        "seed": int(seed),
        "n_generated": len(generated),
        "n_reference": len(reference),
        "kernel": f"(x·y/d + {COEF0:g})^{DEGREE}",
    }
