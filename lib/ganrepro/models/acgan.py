"""AC-GAN (Odena et al. 2017), on DCGAN (reference 003).

G: the conditional DCGAN generator (class embedding concatenated to z). D does not see the
label: it scores real/fake and predicts the class from the same trunk, a second 4x4
convolution giving ``class_logits``. The loop adds the cross-entropy of those logits to both
players' losses (D on real and fake images, G on its own), weighted by ``aux_weight``.

Options: ``embed_dim`` and DCGAN's D options (``dropout``, ``d_norm``, ``spectral_norm``).
"""

from __future__ import annotations

import torch
import torch.nn as nn

from ganrepro.models import conditional, dcgan
from ganrepro.models.layers import DOutput, apply_spectral_norm, dcgan_init
from ganrepro.training.families import DCGANOptions

build_generator = conditional.build_generator


class Discriminator(nn.Module):
    def __init__(
        self,
        image_size: int,
        channels: int,
        width: int,
        n_classes: int,
        *,
        dropout: float,
        d_norm: str,
        spectral_norm: bool,
    ):
        super().__init__()
        self.n_classes = n_classes
        self.body = dcgan.Discriminator(
            image_size, channels, width, dropout=dropout, d_norm=d_norm, spectral_norm=spectral_norm
        )
        self.classifier = nn.Conv2d(self.body.out_channels, n_classes, 4, 1, 0)
        dcgan_init(self.classifier)
        if spectral_norm:
            apply_spectral_norm(self.classifier)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> DOutput:
        h = self.body.trunk(x)
        return DOutput(
            logits=self.body.head(h).flatten(),
            features=h.flatten(1),
            class_logits=self.classifier(h).flatten(1),
        )


def build_discriminator(
    *, image_size: int, channels: int, width: int, n_classes: int, options: DCGANOptions
) -> Discriminator:
    return Discriminator(
        image_size, channels, width, n_classes, **dcgan.discriminator_options(options)
    )
