"""WGAN-GP (Gulrajani et al. 2017) and its conditional version (reference 002).

The architecture is DCGAN's; what makes it WGAN-GP is the critic: no sigmoid (the losses take
raw scores anyway) and no BatchNorm. The gradient penalty is a per-sample gradient, and
BatchNorm makes each sample's score depend on the rest of the batch, so the critic uses layer
normalisation (default) or instance normalisation instead. The rest is training settings:
``loss: wasserstein``, ``gp_weight: 10``, ``n_critic: 5``, Adam with ``beta1: 0``, ``beta2: 0.9``.

``cwgan_gp``: G gets a class embedding concatenated to z, the critic the class as an extra
input channel (as ``cgan``). Options: ``d_norm`` (layer | instance | none) and, conditional,
``embed_dim``.
"""

from __future__ import annotations

from typing import Any

from ganrepro.models import conditional, dcgan
from ganrepro.training.families import ConditionalCriticOptions, CriticOptions


def _critic_options(options: CriticOptions) -> dict[str, Any]:
    """DCGAN's D as a critic: the chosen normalisation, never BatchNorm (an options object made
    by hand is not checked against the declaration), no dropout and no spectral norm (the
    gradient penalty is what bounds its gradient)."""
    if options.d_norm == "batch":
        raise ValueError(
            "a WGAN-GP critic must not use BatchNorm (the gradient penalty is per sample); set "
            "model_options.d_norm to layer, instance or none, or use model dcgan"
        )
    return dict(dropout=0.0, d_norm=options.d_norm, spectral_norm=False)


build_generator = dcgan.build_generator


def build_discriminator(
    *, image_size: int, channels: int, width: int, options: CriticOptions
) -> dcgan.Discriminator:
    return dcgan.Discriminator(image_size, channels, width, **_critic_options(options))


def build_conditional_generator(
    *,
    latent_dim: int,
    image_size: int,
    channels: int,
    width: int,
    n_classes: int,
    options: ConditionalCriticOptions,
) -> conditional.ConditionalGenerator:
    return conditional.ConditionalGenerator(
        latent_dim, image_size, channels, width, n_classes, options.embed_dim
    )


def build_conditional_discriminator(
    *, image_size: int, channels: int, width: int, n_classes: int, options: CriticOptions
) -> conditional.LabelChannelDiscriminator:
    return conditional.LabelChannelDiscriminator(
        image_size, channels, width, n_classes, **_critic_options(options)
    )
