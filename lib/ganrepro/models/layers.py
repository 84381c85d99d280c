"""Layers and conventions shared by every family."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn


@dataclass
class DOutput:
    """What a discriminator returns.

    logits: (N,) real/fake score before any sigmoid (a critic value for Wasserstein losses).
    features: (N, F) an intermediate representation, used by feature matching.
    class_logits: (N, n_classes) for an auxiliary classifier (AC-GAN), else None.
    """

    logits: torch.Tensor
    features: torch.Tensor | None = None
    class_logits: torch.Tensor | None = None


def dcgan_init(module: nn.Module) -> None:
    """Radford et al.: conv weights ~ N(0, 0.02), BatchNorm weights ~ N(1, 0.02), biases 0."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.BatchNorm1d)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def n_upsamplings(image_size: int) -> int:
    """Number of stride-2 stages between a 4x4 map and ``image_size`` (a power of two >= 8)."""
    n = (image_size // 4).bit_length() - 1
    if image_size < 8 or 4 * 2**n != image_size:
        raise ValueError(f"image_size must be a power of two >= 8, got {image_size}")
    return n
