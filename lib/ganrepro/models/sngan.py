"""SN-GAN (Miyato et al. 2018): the "standard CNN" with spectral normalisation in D.

Every layer of D is spectrally normalised, so each has spectral norm ~1 and D is about
1-Lipschitz without a gradient penalty; D has no BatchNorm. Use it with ``loss: hinge``
(the paper's best) and Adam(2e-4, beta1 0.5) or TTUR.

G: z -> dense -> 4x4 map of 8w channels -> (4x4 transposed conv stride 2, BN, ReLU) per doubling
-> 3x3 conv -> tanh. D: per halving a 3x3 conv then a 4x4 stride-2 conv (LeakyReLU 0.1), a last
3x3 conv, a dense layer to one score. ``features`` is the flattened last map.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from ganrepro.models.layers import DOutput, apply_spectral_norm, dcgan_init, n_upsamplings


class Generator(nn.Module):
    def __init__(self, latent_dim: int, image_size: int, channels: int, width: int):
        super().__init__()
        self.latent_dim, self.n_classes = latent_dim, 0
        upsamplings = n_upsamplings(image_size)
        ch = width * 2**upsamplings
        self.start_channels = ch  # of the 4x4 map the dense layer makes
        self.dense = nn.Linear(latent_dim, 4 * 4 * ch)
        layers: list[nn.Module] = [nn.BatchNorm2d(ch), nn.ReLU(True)]
        for _ in range(upsamplings):
            layers += [
                nn.ConvTranspose2d(ch, ch // 2, 4, 2, 1),
                nn.BatchNorm2d(ch // 2),
                nn.ReLU(True),
            ]
            ch //= 2
        layers += [nn.Conv2d(ch, channels, 3, 1, 1), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(dcgan_init)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.net(self.dense(z.flatten(1)).view(z.shape[0], self.start_channels, 4, 4))


class Discriminator(nn.Module):
    def __init__(self, image_size: int, channels: int, width: int):
        super().__init__()
        self.n_classes = 0
        layers: list[nn.Module] = []
        ch_in = channels
        for k in range(n_upsamplings(image_size)):
            ch = width * 2**k
            layers += [
                nn.Conv2d(ch_in, ch, 3, 1, 1),
                nn.LeakyReLU(0.1, True),
                nn.Conv2d(ch, ch, 4, 2, 1),
                nn.LeakyReLU(0.1, True),
            ]
            ch_in = ch
        layers += [nn.Conv2d(ch_in, 2 * ch_in, 3, 1, 1), nn.LeakyReLU(0.1, True)]
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(2 * ch_in * 4 * 4, 1)
        self.apply(dcgan_init)
        apply_spectral_norm(self)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> DOutput:
        h = self.body(x).flatten(1)
        return DOutput(logits=self.head(h).flatten(), features=h)


def build_generator(*, latent_dim: int, image_size: int, channels: int, width: int) -> Generator:
    return Generator(latent_dim, image_size, channels, width)


def build_discriminator(*, image_size: int, channels: int, width: int) -> Discriminator:
    return Discriminator(image_size, channels, width)
