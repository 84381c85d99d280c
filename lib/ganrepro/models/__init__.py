"""Model registry: one module per GAN family, one entry here.

Adding a family means writing a module with ``build_generator`` and ``build_discriminator``
and registering it below; the training loop never looks at the family's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch.nn as nn

from ganrepro.models.layers import DOutput

__all__ = ["DOutput", "FAMILIES", "build_discriminator", "build_generator", "register_family"]

FAMILIES: dict[str, tuple[Callable[..., nn.Module], Callable[..., nn.Module]]] = {}


def register_family(
    name: str, build_generator: Callable[..., nn.Module], build_discriminator: Callable[..., nn.Module]
) -> None:
    FAMILIES[name] = (build_generator, build_discriminator)


def _lookup(model: str) -> tuple[Callable[..., nn.Module], Callable[..., nn.Module]]:
    if model not in FAMILIES:
        raise ValueError(f"unknown model {model!r}; known models: {', '.join(sorted(FAMILIES))}")
    return FAMILIES[model]


def build_generator(model: str, **kwargs: Any) -> nn.Module:
    """Build family ``model``'s generator: G(z, y=None) -> images in [-1, 1], NCHW.

    Common keyword arguments: latent_dim, image_size, channels, n_classes, width, plus the
    family's own options.
    """
    return _lookup(model)[0](**kwargs)


def build_discriminator(model: str, **kwargs: Any) -> nn.Module:
    """Build family ``model``'s discriminator: D(x, y=None) -> DOutput(logits, features, ...)."""
    return _lookup(model)[1](**kwargs)


def _register_builtin() -> None:
    from ganrepro.models import dcgan

    register_family("dcgan", dcgan.build_generator, dcgan.build_discriminator)


_register_builtin()
