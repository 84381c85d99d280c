"""The Fréchet distance between feature statistics, and the record that goes with every FID.

Only numpy (and scipy through pytorch-fid's own function, on request): the FID rule scores cached
features, so its jobs start without importing torch. ``ganrepro.evaluation.metrics.fid`` re-exports
all of this next to the Inception network.
"""

from __future__ import annotations

import os
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np

from ganrepro.io import sha256_file, write_npz

FID_DIMS = 2048

_sha256_cache: dict[tuple[str, int, int], str] = {}


def statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of features, exactly as pytorch-fid computes them (unbiased, N-1)."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError(
            f"need a (N, dims) feature array with N >= 2 to estimate a covariance, "
            f"got shape {features.shape}"
        )
    mu = np.mean(features, axis=0)
    sigma = np.cov(features, rowvar=False)
    return mu, sigma


def inception_input(images: np.ndarray, batch_size: int) -> np.ndarray:
    """Check what every features backend takes: uint8 images (N, H, W, C), C in {1, 3}.

    (N, H, W) grey arrays gain their channel axis; anything else is a clear error.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(
            f"inception_features expects uint8 images (as saved to PNG), got dtype {images.dtype}; "
            "convert generator output with the same quantisation used for saving samples."
        )
    if images.ndim == 3:  # (N, H, W) grey
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            f"inception_features expects images shaped (N, H, W, C) with C in {{1, 3}}, "
            f"got {images.shape}"
        )
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    return images


FRECHET_METHODS = ("eigh", "pytorch_fid")


def frechet_distance(
    mu1: np.ndarray,
    sigma1: np.ndarray,
    mu2: np.ndarray,
    sigma2: np.ndarray,
    method: str = "eigh",
) -> float:
    """||mu1 - mu2||^2 + Tr(S1) + Tr(S2) - 2 Tr((S1 S2)^(1/2)), as a float.

    ``method="pytorch_fid"`` calls pytorch-fid's ``calculate_frechet_distance`` (scipy ``sqrtm``
    of the non-symmetric product, with its eps fall-back), slow for 2048-d whatever the number
    of images. ``method="eigh"`` (the default) computes the same trace from symmetric
    eigendecompositions in float64: S1 S2 has the eigenvalues of the symmetric PSD matrix
    S1^(1/2) S2 S1^(1/2), so Tr((S1 S2)^(1/2)) is the sum of their square roots. It is much
    faster and agrees with pytorch-fid to ~1e-5 on real features (``tests/evaluation/test_fid.py``
    holds it to 1e-3 against pytorch-fid's own function); tiny negative eigenvalues from rounding
    are clipped to 0, where sqrtm would return small imaginary parts that pytorch-fid drops.
    """
    if method == "pytorch_fid":
        from pytorch_fid.fid_score import calculate_frechet_distance  # imports torch: only here

        with warnings.catch_warnings():
            # pytorch-fid 0.3.0 passes sqrtm(disp=False), deprecated in SciPy 1.17 and removed in
            # 1.18: keep scipy < 1.18 until pytorch-fid follows. Silenced so logs show ours.
            warnings.filterwarnings(
                "ignore", message=".*`disp` argument", category=DeprecationWarning
            )
            return float(calculate_frechet_distance(mu1, sigma1, mu2, sigma2))
    if method != "eigh":
        raise ValueError(f"unknown Fréchet method {method!r}; use one of {FRECHET_METHODS}")
    mu1, mu2 = np.atleast_1d(mu1).astype(np.float64), np.atleast_1d(mu2).astype(np.float64)
    sigma1 = np.atleast_2d(sigma1).astype(np.float64)
    sigma2 = np.atleast_2d(sigma2).astype(np.float64)
    if mu1.shape != mu2.shape or sigma1.shape != sigma2.shape:
        raise ValueError(
            f"statistics of different sizes: mu {mu1.shape} vs {mu2.shape}, "
            f"sigma {sigma1.shape} vs {sigma2.shape}; were both made with the same feature layer?"
        )
    w, v = np.linalg.eigh((sigma1 + sigma1.T) / 2)
    root1 = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
    inner = root1 @ sigma2 @ root1
    eig = np.linalg.eigvalsh((inner + inner.T) / 2)
    trace_sqrt = float(np.sqrt(np.clip(eig, 0.0, None)).sum())
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt)


def frechet_distance_to_features(
    features: np.ndarray, mu: np.ndarray, sigma: np.ndarray, method: str = "eigh"
) -> float:
    """FID of a feature set against statistics (mu, sigma), the same number as
    ``frechet_distance(*statistics(features), mu, sigma, method)``.

    With fewer images than dimensions (every small-budget run), ``eigh`` needs no d x d
    decomposition: with A the centred features over sqrt(N - 1), S1 = A^T A, and the non-zero
    eigenvalues of S1 S2 are those of the N x N symmetric PSD matrix A S2 A^T.
    """
    features = np.asarray(features, dtype=np.float64)
    n = features.shape[0] if features.ndim == 2 else 0
    if method != "eigh" or n < 2 or n - 1 >= features.shape[1]:
        return frechet_distance(*statistics(features), mu, sigma, method=method)
    mu, sigma = np.asarray(mu, dtype=np.float64), np.asarray(sigma, dtype=np.float64)
    if mu.shape != (features.shape[1],) or sigma.shape != (features.shape[1],) * 2:
        raise ValueError(
            f"features of {features.shape[1]} dims against statistics of mu {mu.shape}, sigma "
            f"{sigma.shape}; were both made with the same feature layer?"
        )
    mean = features.mean(axis=0)
    a = (features - mean) / np.sqrt(n - 1)
    inner = a @ sigma @ a.T
    eig = np.linalg.eigvalsh((inner + inner.T) / 2)
    trace_sqrt = float(np.sqrt(np.clip(eig, 0.0, None)).sum())
    diff = mean - mu
    return float(diff @ diff + (a * a).sum() + np.trace(sigma) - 2.0 * trace_sqrt)


def save_statistics(
    path: str | os.PathLike, mu: np.ndarray, sigma: np.ndarray, **extra_arrays: Any
) -> None:
    """Write ``mu``/``sigma`` in pytorch-fid's .npz format, atomically.

    The file is usable directly as ``python -m pytorch_fid stats.npz images/``; extra arrays (for
    example the number of images) ride along under their own keys, which pytorch-fid ignores.
    """
    arrays = {key: np.asarray(value) for key, value in extra_arrays.items()}
    write_npz(path, mu=np.asarray(mu), sigma=np.asarray(sigma), **arrays)


def load_statistics(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read ``mu``/``sigma`` from a pytorch-fid style .npz (ours or one made by pytorch-fid)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"FID statistics file not found: {path}")
    with np.load(path) as f:
        missing = [key for key in ("mu", "sigma") if key not in f.files]
        if missing:
            raise KeyError(
                f"{path} is not an FID statistics file: missing {missing} (has {f.files}); "
                "regenerate it with the workflow's reference-statistics rule."
            )
        return f["mu"][:], f["sigma"][:]


def covariance_warning(n_images: int, dims: int = FID_DIMS) -> str | None:
    """Explain, when ``n_images <= dims``, why the FID is not comparable to published values.

    With no more images than feature dimensions the sample covariance is singular (rank <= N - 1),
    and FID's bias grows as N shrinks: numbers are inflated and only comparable at equal N.
    """
    if n_images > dims:
        return None
    return (
        f"FID from {n_images} images with {dims}-d features: the covariance estimate is singular "
        f"(rank at most {max(n_images - 1, 0)} < {dims}), so FID is biased upward and only "
        "comparable with FIDs computed from the same number of images; published FIDs use "
        "10,000-50,000."
    )


def _sha256_cached(path: Path) -> str:
    resolved = path.resolve()
    stat = resolved.stat()
    key = (str(resolved), stat.st_size, stat.st_mtime_ns)
    if key not in _sha256_cache:
        _sha256_cache[key] = sha256_file(resolved)
    return _sha256_cache[key]


def fid_protocol(
    *,
    n_generated: int,
    reference: dict,
    weights_path: str | os.PathLike,
    device: str,
    frechet_method: str = "eigh",
    features_backend: dict[str, str] | None = None,
) -> dict:
    """The facts needed to compare one FID with another, stored beside every score.

    Two FIDs differ for reasons other than the model (weights, implementation, sample counts,
    reference split), so each number is written together with these: every table row carries
    them, and a seeds' mean row says "mixed" where its seeds' protocols differ.
    """
    weights_path = Path(weights_path)
    warnings = []
    for label, n in (("generated", n_generated), ("reference", reference.get("n_images"))):
        if n is None:
            continue
        text = covariance_warning(int(n))
        if text is not None:
            warnings.append(f"{label}: {text}")
    backends = dict(features_backend or {})
    if len(set(backends.values())) > 1:
        warnings.append(
            "generated and reference features come from different backends "
            f"({backends}); they agree to ~1e-5, but compare FIDs from one backend"
        )
    return {
        "metric": "FID",
        "implementation": (
            f"pytorch-fid {version('pytorch-fid')} InceptionV3 pool3 ({FID_DIMS}-d)"
        ),
        "frechet": frechet_method,
        "features_backend": backends,
        "n_generated": int(n_generated),
        "reference": dict(reference),
        "weights": {"file": weights_path.name, "sha256": _sha256_cached(weights_path)},
        "warnings": warnings,
        "torch": version("torch"),
        "device": str(device),
    }
