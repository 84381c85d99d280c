"""Conditional DCGANs (Mirza & Osindero 2014), two ways of telling D the class.

G (both): DCGAN's generator fed [z, embed(y)]: a learned class embedding concatenated to z.
``cgan`` D: the class as an extra input channel, a learned H x W map per class concatenated to
the image (the "label embedding channel" of the conditional WGAN-GP in reference 002).
``cgan_projection`` D: the projection discriminator (Miyato & Koyama 2018): DCGAN's trunk,
phi(x) its 4x4 map summed over positions, and D(x, y) = head(trunk(x)) + <embed(y), phi(x)>.

Options: ``embed_dim`` (size of G's class embedding) and DCGAN's D options (``dropout``,
``d_norm``, ``spectral_norm``).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn

from ganrepro.models import dcgan
from ganrepro.models.layers import DOutput, Projection, require_labels
from ganrepro.training.families import ConditionalDCGANOptions, DCGANOptions


class ConditionalGenerator(nn.Module):
    """DCGAN's generator on [z, embed(y)]."""

    def __init__(
        self,
        latent_dim: int,
        image_size: int,
        channels: int,
        width: int,
        n_classes: int,
        embed_dim: int,
    ):
        super().__init__()
        self.latent_dim, self.n_classes = latent_dim, n_classes
        self.embed = nn.Embedding(n_classes, embed_dim)
        self.body = dcgan.Generator(latent_dim + embed_dim, image_size, channels, width)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        y = require_labels(y, "this generator")
        return self.body(torch.cat([z.flatten(1), self.embed(y)], 1))


class LabelChannelDiscriminator(nn.Module):
    """DCGAN's discriminator on [x, embed(y) as one extra H x W channel]."""

    def __init__(
        self, image_size: int, channels: int, width: int, n_classes: int, **d_options: Any
    ):
        super().__init__()
        self.n_classes, self.image_size = n_classes, image_size
        self.embed = nn.Embedding(n_classes, image_size * image_size)
        self.body = dcgan.Discriminator(image_size, channels + 1, width, **d_options)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> DOutput:
        y = require_labels(y, "this discriminator")
        label = self.embed(y).view(-1, 1, self.image_size, self.image_size)
        return self.body(torch.cat([x, label], 1))


class ProjectionDiscriminator(nn.Module):
    """DCGAN's discriminator plus the projection of the class embedding on phi(x)."""

    def __init__(
        self, image_size: int, channels: int, width: int, n_classes: int, **d_options: Any
    ):
        super().__init__()
        self.n_classes = n_classes
        self.body = dcgan.Discriminator(image_size, channels, width, **d_options)
        self.projection = Projection(
            self.body.out_channels, n_classes, spectral=d_options["spectral_norm"]
        )

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> DOutput:
        y = require_labels(y, "the projection discriminator")
        h = self.body.trunk(x)
        logits = self.body.head(h).flatten() + self.projection(h.sum((2, 3)), y)
        return DOutput(logits=logits, features=h.flatten(1))


def build_generator(
    *,
    latent_dim: int,
    image_size: int,
    channels: int,
    width: int,
    n_classes: int,
    options: ConditionalDCGANOptions,
) -> ConditionalGenerator:
    return ConditionalGenerator(
        latent_dim, image_size, channels, width, n_classes, options.embed_dim
    )


def build_discriminator(
    *, image_size: int, channels: int, width: int, n_classes: int, options: DCGANOptions
) -> LabelChannelDiscriminator:
    return LabelChannelDiscriminator(
        image_size, channels, width, n_classes, **dcgan.discriminator_options(options)
    )


def build_projection_discriminator(
    *, image_size: int, channels: int, width: int, n_classes: int, options: DCGANOptions
) -> ProjectionDiscriminator:
    return ProjectionDiscriminator(
        image_size, channels, width, n_classes, **dcgan.discriminator_options(options)
    )
