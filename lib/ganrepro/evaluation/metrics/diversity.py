"""Sample diversity: mean MS-SSIM between random pairs of images (Odena et al. 2017, AC-GAN).

Two different images of a varied set are structurally unlike each other, so a varied set has a
low mean pairwise MS-SSIM; a collapsed generator, which draws near-copies, scores high. The
number is only meaningful next to the same figure for real images of the dataset under the same
protocol, so both are computed together.

MS-SSIM at 32x32. The standard protocol (Wang et al. 2003: 5 scales, an 11-px Gaussian window
with sigma 1.5) needs images larger than 160 px, and pytorch-msssim 1.0.0's ``ms_ssim`` asserts
that size whatever the number of scales (its check assumes 4 downsamplings even when fewer
weights are given), so at 32x32 no choice of weights gets past it. The per-scale SSIM and
contrast-structure terms here are pytorch-msssim's own (``_ssim``, pinned version), combined
exactly as its ``ms_ssim`` combines them (relu, 2x2 average pooling with odd-size padding,
product of powers); the test suite checks that, with the standard protocol on a 176-px image,
this function equals ``pytorch_msssim.ms_ssim``. For images too small for that protocol, the
window is shortened to 7 px (sigma 1.5 kept: ±2 sigma) and only the scales at which the
window still fits are used (32 → 16 → 8: 3 scales at 32x32), with the first weights of the
standard 5 renormalised to sum to 1. ``msssim_protocol`` records the choice beside the number:
MS-SSIMs computed with different windows or scales are not comparable.
"""

from __future__ import annotations

import importlib

import numpy as np
import torch
import torch.nn.functional as F

# The module, not the function of the same name that pytorch_msssim/__init__ re-exports.
_ssim_module = importlib.import_module("pytorch_msssim.ssim")

STANDARD_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
STANDARD_WINDOW = 11
SMALL_WINDOW = 7
SIGMA = 1.5


def msssim_protocol(size: int) -> dict:
    """Window and scale weights for square images of side ``size``."""
    if size > (STANDARD_WINDOW - 1) * 2 ** (len(STANDARD_WEIGHTS) - 1):
        return {"window": STANDARD_WINDOW, "sigma": SIGMA, "weights": list(STANDARD_WEIGHTS)}
    levels = 1
    while levels < len(STANDARD_WEIGHTS) and size // 2**levels >= SMALL_WINDOW:
        levels += 1
    if size < SMALL_WINDOW:
        raise ValueError(f"images of {size} px are smaller than the {SMALL_WINDOW}-px window")
    w = np.array(STANDARD_WEIGHTS[:levels])
    return {"window": SMALL_WINDOW, "sigma": SIGMA, "weights": (w / w.sum()).round(6).tolist()}


def ms_ssim(
    x: torch.Tensor,
    y: torch.Tensor,
    *,
    data_range: float = 255.0,
    window: int = STANDARD_WINDOW,
    sigma: float = SIGMA,
    weights: list[float] | tuple[float, ...] = STANDARD_WEIGHTS,
) -> torch.Tensor:
    """MS-SSIM of each pair (x[i], y[i]) of NCHW images, shape (N,), averaged over channels."""
    if x.shape != y.shape or x.ndim != 4:
        raise ValueError(f"need two NCHW batches of one shape, got {x.shape} and {y.shape}")
    coarsest = min(x.shape[-2:]) // 2 ** (len(weights) - 1)
    if coarsest < window:
        raise ValueError(
            f"{len(weights)} scales of {tuple(x.shape[-2:])} images leave {coarsest} px at the "
            f"coarsest scale, less than the {window}-px window; use fewer scales (msssim_protocol)"
        )
    x, y = x.double(), y.double()
    win = _ssim_module._fspecial_gauss_1d(window, sigma).repeat([x.shape[1], 1, 1, 1])
    w = torch.tensor(weights, dtype=x.dtype)
    mcs = []
    for level in range(len(weights)):
        ssim_per_channel, cs = _ssim_module._ssim(x, y, data_range=data_range, win=win)
        if level < len(weights) - 1:
            mcs.append(torch.relu(cs))
            padding = [s % 2 for s in x.shape[2:]]
            x = F.avg_pool2d(x, kernel_size=2, padding=padding)
            y = F.avg_pool2d(y, kernel_size=2, padding=padding)
    stacked = torch.stack([*mcs, torch.relu(ssim_per_channel)], dim=0)  # (level, N, C)
    return torch.prod(stacked ** w.view(-1, 1, 1), dim=0).mean(dim=1)


def random_pairs(n: int, pairs: int, seed: int) -> np.ndarray:
    """``pairs`` index pairs (i, j), i != j, drawn uniformly with replacement over pairs."""
    if n < 2:
        raise ValueError(f"need at least 2 images to form pairs, got {n}")
    rng = np.random.default_rng(seed)
    i = rng.integers(0, n, pairs)
    j = (i + rng.integers(1, n, pairs)) % n  # any index but i, uniformly
    return np.stack([i, j], axis=1)


def mean_pairwise_msssim(
    images: np.ndarray, *, pairs: int, seed: int = 0, batch_size: int = 256
) -> dict:
    """Mean MS-SSIM over random pairs of uint8 images (N, H, W, C), with its protocol."""
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4:
        raise ValueError(f"need uint8 images (N, H, W, C), got {images.dtype} {images.shape}")
    protocol = msssim_protocol(min(images.shape[1:3]))
    idx = random_pairs(len(images), pairs, seed)
    values = []
    for start in range(0, len(idx), batch_size):
        chunk = idx[start : start + batch_size]
        a = torch.from_numpy(images[chunk[:, 0]]).permute(0, 3, 1, 2)
        b = torch.from_numpy(images[chunk[:, 1]]).permute(0, 3, 1, 2)
        values.append(ms_ssim(a, b, data_range=255.0, **protocol))
    v = torch.cat(values).numpy()
    return {
        "ms_ssim": float(v.mean()),
        "ms_ssim_std": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
        "ms_ssim_sem": float(v.std(ddof=1) / np.sqrt(len(v))) if len(v) > 1 else 0.0,
        "pairs": int(pairs),
        "n_images": len(images),
        "seed": int(seed),
        "protocol": {**protocol, "data_range": 255, "implementation": "pytorch-msssim _ssim"},
    }
