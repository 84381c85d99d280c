"""SAGAN (Zhang et al. 2019) at DCGAN scale, and its class-conditional version (reference 000).

A DCGAN-shaped G and D with a self-attention block (layers.SelfAttention) after the stage whose
feature map is ``attention_resolution`` pixels wide (default: 16, or image_size / 2 if smaller),
spectral normalisation on every layer of G and D (``spectral_norm: true``, the default), and
LeakyReLU(0.1) in D. Use it with ``loss: hinge`` and TTUR (``lr_g: 1e-4``, ``lr_d: 4e-4``, Adam
``beta1: 0``, ``beta2: 0.9``).

``sagan_conditional``: class-conditional BatchNorm in G (a per-class gain and shift, no label
concatenated to z) and a projection discriminator.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from ganrepro.models.layers import (
    ConditionalBatchNorm2d,
    DOutput,
    Projection,
    SelfAttention,
    apply_spectral_norm,
    dcgan_init,
    n_upsamplings,
    require_labels,
)
from ganrepro.training.families import SAGANOptions


def attention_resolutions(image_size: int) -> list[int]:
    """Feature-map sizes that both G and D have: 4, 8, ..., image_size / 2."""
    return [4 * 2**k for k in range(n_upsamplings(image_size))]


def _resolution(image_size: int, attention_resolution: int | None) -> int:
    allowed = attention_resolutions(image_size)
    resolution = min(16, image_size // 2) if attention_resolution is None else attention_resolution
    if resolution not in allowed:
        raise ValueError(
            f"attention_resolution {resolution} is not a feature-map size of the "
            f"{image_size}x{image_size} SAGAN; choose one of {allowed}"
        )
    return resolution


class _GBlock(nn.Module):
    """Convolution, (conditional) BatchNorm, ReLU."""

    def __init__(self, conv: nn.Module, channels: int, n_classes: int):
        super().__init__()
        self.conv = conv
        self.bn = (
            ConditionalBatchNorm2d(channels, n_classes) if n_classes else nn.BatchNorm2d(channels)
        )

    def forward(self, h: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:
        h = self.conv(h)
        h = self.bn(h, y) if isinstance(self.bn, ConditionalBatchNorm2d) else self.bn(h)
        return F.relu(h)


class Generator(nn.Module):
    def __init__(
        self,
        latent_dim: int,
        image_size: int,
        channels: int,
        width: int,
        n_classes: int,
        options: SAGANOptions,
    ):
        super().__init__()
        self.latent_dim, self.n_classes = latent_dim, n_classes
        self.attention_resolution = _resolution(image_size, options.attention_resolution)
        upsamplings = n_upsamplings(image_size)
        ch = width * 2 ** (upsamplings - 1)
        stages: list[nn.Module] = [
            _GBlock(nn.ConvTranspose2d(latent_dim, ch, 4, 1, 0), ch, n_classes)
        ]
        res = 4
        for _ in range(upsamplings - 1):
            if res == self.attention_resolution:
                stages.append(SelfAttention(ch))
            stages.append(_GBlock(nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1), ch // 2, n_classes))
            ch, res = ch // 2, res * 2
        if res == self.attention_resolution:
            stages.append(SelfAttention(ch))
        self.stages = nn.ModuleList(stages)
        self.to_image = nn.ConvTranspose2d(ch, channels, 4, 2, 1)
        self.apply(dcgan_init)
        if options.spectral_norm:
            apply_spectral_norm(self)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        if self.n_classes:
            y = require_labels(y, "the conditional SAGAN generator")
        h = z.view(z.shape[0], -1, 1, 1)
        for stage in self.stages:
            h = stage(h) if isinstance(stage, SelfAttention) else stage(h, y)
        return torch.tanh(self.to_image(h))


class Discriminator(nn.Module):
    def __init__(
        self,
        image_size: int,
        channels: int,
        width: int,
        n_classes: int,
        options: SAGANOptions,
    ):
        super().__init__()
        self.n_classes = n_classes
        self.attention_resolution = _resolution(image_size, options.attention_resolution)
        ch, res = width, image_size // 2
        layers: list[nn.Module] = [nn.Conv2d(channels, ch, 4, 2, 1), nn.LeakyReLU(0.1, True)]
        if res == self.attention_resolution:
            layers.append(SelfAttention(ch))
        for _ in range(n_upsamplings(image_size) - 1):
            layers += [nn.Conv2d(ch, ch * 2, 4, 2, 1), nn.LeakyReLU(0.1, True)]
            ch, res = ch * 2, res // 2
            if res == self.attention_resolution:
                layers.append(SelfAttention(ch))
        self.body = nn.Sequential(*layers)
        self.head = nn.Conv2d(ch, 1, 4, 1, 0)
        self.apply(dcgan_init)
        if options.spectral_norm:
            apply_spectral_norm(self)
        self.projection = (
            Projection(ch, n_classes, spectral=options.spectral_norm) if n_classes else None
        )

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> DOutput:
        h = self.body(x)
        logits = self.head(h).flatten()
        if self.projection is not None:
            logits = logits + self.projection(
                h.sum((2, 3)), require_labels(y, "the projection discriminator")
            )
        return DOutput(logits=logits, features=h.flatten(1))


# SAGAN, and its class-conditional version (conditional BatchNorm in G, projection D).


def build_generator(
    *, latent_dim: int, image_size: int, channels: int, width: int, options: SAGANOptions
) -> Generator:
    return Generator(latent_dim, image_size, channels, width, 0, options)


def build_discriminator(
    *, image_size: int, channels: int, width: int, options: SAGANOptions
) -> Discriminator:
    return Discriminator(image_size, channels, width, 0, options)


def build_conditional_generator(
    *,
    latent_dim: int,
    image_size: int,
    channels: int,
    width: int,
    n_classes: int,
    options: SAGANOptions,
) -> Generator:
    return Generator(latent_dim, image_size, channels, width, n_classes, options)


def build_conditional_discriminator(
    *, image_size: int, channels: int, width: int, n_classes: int, options: SAGANOptions
) -> Discriminator:
    return Discriminator(image_size, channels, width, n_classes, options)
