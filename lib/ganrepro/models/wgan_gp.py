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

from ganrepro.models import conditional, dcgan
from ganrepro.models.layers import check_classes


def _critic_norm(d_norm: str) -> str:
    if d_norm == "batch":
        raise ValueError(
            "a WGAN-GP critic must not use BatchNorm (the gradient penalty is per sample); set "
            "model_options.d_norm to layer, instance or none, or use model dcgan"
        )
    return d_norm


def build_generator(
    *,
    latent_dim: int,
    image_size: int,
    channels: int,
    width: int = 64,
    n_classes: int = 0,
    **_: object,
) -> dcgan.Generator:
    check_classes("wgan_gp", n_classes, conditional=False)
    return dcgan.Generator(latent_dim, image_size, channels, width)


def build_discriminator(
    *,
    image_size: int,
    channels: int,
    width: int = 64,
    n_classes: int = 0,
    d_norm: str = "layer",
    **_: object,
) -> dcgan.Discriminator:
    check_classes("wgan_gp", n_classes, conditional=False)
    return dcgan.Discriminator(image_size, channels, width, d_norm=_critic_norm(d_norm))


def build_conditional_generator(
    *,
    latent_dim: int,
    image_size: int,
    channels: int,
    width: int = 64,
    n_classes: int = 0,
    embed_dim: int = 32,
    **_: object,
) -> conditional.ConditionalGenerator:
    check_classes("cwgan_gp", n_classes, conditional=True)
    return conditional.ConditionalGenerator(
        latent_dim, image_size, channels, width, n_classes, embed_dim
    )


def build_conditional_discriminator(
    *,
    image_size: int,
    channels: int,
    width: int = 64,
    n_classes: int = 0,
    d_norm: str = "layer",
    **_: object,
) -> conditional.LabelChannelDiscriminator:
    check_classes("cwgan_gp", n_classes, conditional=True)
    return conditional.LabelChannelDiscriminator(
        image_size, channels, width, n_classes, d_norm=_critic_norm(d_norm)
    )
