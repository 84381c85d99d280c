"""The fully connected GAN of Goodfellow et al. (2014): the simplest baseline.

G: z -> 4w -> 8w -> 16w -> C*H*W, LeakyReLU(0.2), tanh output (w = width; 256/512/1024 units at
the default width 64). D: the mirror image, C*H*W -> 16w -> 8w -> 4w -> 1, LeakyReLU(0.2) and
optional dropout (Goodfellow et al. trained D with dropout). No convolution and no
normalisation, so it works at any image size; ``features`` is D's last hidden layer (4w units).
"""

from __future__ import annotations

import torch
import torch.nn as nn

from ganrepro.models.layers import DOutput
from ganrepro.training.families import MLPOptions


class Generator(nn.Module):
    def __init__(self, latent_dim: int, image_size: int, channels: int, width: int):
        super().__init__()
        self.latent_dim, self.n_classes = latent_dim, 0
        self.shape = (channels, image_size, image_size)
        dims = [latent_dim, 4 * width, 8 * width, 16 * width]
        layers: list[nn.Module] = []
        for units_in, units_out in zip(dims[:-1], dims[1:], strict=True):
            layers += [nn.Linear(units_in, units_out), nn.LeakyReLU(0.2, True)]
        layers += [nn.Linear(dims[-1], channels * image_size * image_size), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(z.flatten(1)).view(z.shape[0], *self.shape)


class Discriminator(nn.Module):
    def __init__(self, image_size: int, channels: int, width: int, dropout: float):
        super().__init__()
        self.n_classes = 0
        dims = [channels * image_size * image_size, 16 * width, 8 * width, 4 * width]
        layers: list[nn.Module] = []
        for units_in, units_out in zip(dims[:-1], dims[1:], strict=True):
            layers += [nn.Linear(units_in, units_out), nn.LeakyReLU(0.2, True)]
            if dropout > 0:
                layers.append(nn.Dropout(dropout))
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(dims[-1], 1)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> DOutput:
        h = self.body(x.flatten(1))
        return DOutput(logits=self.head(h).flatten(), features=h)


def build_generator(*, latent_dim: int, image_size: int, channels: int, width: int) -> Generator:
    return Generator(latent_dim, image_size, channels, width)


def build_discriminator(
    *, image_size: int, channels: int, width: int, options: MLPOptions
) -> Discriminator:
    return Discriminator(image_size, channels, width, options.dropout)
