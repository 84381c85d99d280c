"""DCGAN (Radford et al. 2016) for 32x32 and 64x64 images.

G: transposed convolutions from a 4x4 map, BatchNorm and ReLU, tanh output.
D: strided convolutions, LeakyReLU(0.2), BatchNorm after the first layer, optional dropout.

Options: ``dropout`` (D, after each normalised block), ``d_norm`` (D's normalisation: batch as
in the paper, or instance / layer / none) and ``spectral_norm`` (D's convolutions). The other
convolutional families reuse these two networks (conditional inputs, extra heads, critics).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn as nn

from ganrepro.models.layers import DOutput, apply_spectral_norm, dcgan_init, n_upsamplings, norm2d
from ganrepro.training.families import DCGANOptions


class Generator(nn.Module):
    def __init__(self, latent_dim: int, image_size: int, channels: int, width: int):
        super().__init__()
        self.latent_dim = latent_dim
        self.n_classes = 0
        upsamplings = n_upsamplings(image_size)
        ch = width * 2 ** (upsamplings - 1)
        layers: list[nn.Module] = [
            nn.ConvTranspose2d(latent_dim, ch, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ch),
            nn.ReLU(True),
        ]
        for _ in range(upsamplings - 1):
            layers += [
                nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1, bias=False),
                nn.BatchNorm2d(ch // 2),
                nn.ReLU(True),
            ]
            ch //= 2
        layers += [nn.ConvTranspose2d(ch, channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z.view(z.shape[0], -1, 1, 1))


class Discriminator(nn.Module):
    """Strided convolutions down to a 4x4 map (``trunk``), then a 4x4 convolution to one score.

    ``features`` of the output is the flattened 4x4 map: the last hidden layer, which feature
    matching compares between real and generated batches.
    """

    def __init__(
        self,
        image_size: int,
        channels: int,
        width: int,
        *,
        dropout: float,
        d_norm: str,
        spectral_norm: bool,
    ):
        super().__init__()
        self.n_classes = 0
        downsamplings = n_upsamplings(image_size)
        ch = width
        bias = d_norm == "none"  # a normalisation layer's shift makes a conv bias redundant
        layers: list[nn.Module] = [
            nn.Conv2d(channels, ch, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, True),
        ]
        for _ in range(downsamplings - 1):
            layers += [
                nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=bias),
                norm2d(d_norm, ch * 2),
                nn.LeakyReLU(0.2, True),
            ]
            if dropout > 0:
                layers.append(nn.Dropout2d(dropout))
            ch *= 2
        self.body = nn.Sequential(*layers)
        self.head = nn.Conv2d(ch, 1, 4, 1, 0, bias=False)
        self.out_channels = ch  # of the 4x4 trunk output
        self.apply(dcgan_init)
        if spectral_norm:
            apply_spectral_norm(self)

    def trunk(self, x: torch.Tensor) -> torch.Tensor:
        """The (N, out_channels, 4, 4) map every head reads."""
        return self.body(x)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> DOutput:
        h = self.body(x)
        return DOutput(logits=self.head(h).flatten(), features=h.flatten(1))


def discriminator_options(options: DCGANOptions) -> dict[str, Any]:
    """D's options as `Discriminator`'s keywords (the families built on DCGAN's D share them)."""
    return dict(dropout=options.dropout, d_norm=options.d_norm, spectral_norm=options.spectral_norm)


def build_generator(*, latent_dim: int, image_size: int, channels: int, width: int) -> Generator:
    return Generator(latent_dim, image_size, channels, width)


def build_discriminator(
    *, image_size: int, channels: int, width: int, options: DCGANOptions
) -> Discriminator:
    return Discriminator(image_size, channels, width, **discriminator_options(options))
