"""Model registry: one module per GAN family, one entry here.

Adding a family means writing a module with ``build_generator`` and ``build_discriminator``
and registering it below; the training loop never looks at the family's name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch.nn as nn

from ganrepro.models.layers import DOutput, check_classes

__all__ = [
    "COMMON_ARGS",
    "CONDITIONAL",
    "DOutput",
    "FAMILIES",
    "OPTIONS",
    "build_discriminator",
    "build_generator",
    "register_family",
]

FAMILIES: dict[str, tuple[Callable[..., nn.Module], Callable[..., nn.Module]]] = {}
# Family name -> names of its model_options (None: not checked).
OPTIONS: dict[str, tuple[str, ...] | None] = {}
# Family name -> whether it needs class labels (None: not checked).
CONDITIONAL: dict[str, bool | None] = {}
# Arguments every builder receives; everything else is a family option (model_options).
COMMON_ARGS = ("latent_dim", "image_size", "channels", "width", "n_classes")


def register_family(
    name: str,
    build_generator: Callable[..., nn.Module],
    build_discriminator: Callable[..., nn.Module],
    options: tuple[str, ...] | None = None,
    conditional: bool | None = None,
) -> None:
    """Register a family; ``options`` names its model_options, so a misspelt option is an error
    instead of being silently ignored; ``conditional`` says whether it needs n_classes >= 2
    (True) or must get none (False)."""
    FAMILIES[name] = (build_generator, build_discriminator)
    OPTIONS[name] = options
    CONDITIONAL[name] = conditional


def _lookup(
    model: str, kwargs: dict[str, Any]
) -> tuple[Callable[..., nn.Module], Callable[..., nn.Module]]:
    if model not in FAMILIES:
        raise ValueError(f"unknown model {model!r}; known models: {', '.join(sorted(FAMILIES))}")
    allowed = OPTIONS.get(model)
    if allowed is not None:
        unknown = sorted(set(kwargs) - set(COMMON_ARGS) - set(allowed))
        if unknown:
            known = ", ".join(allowed) if allowed else "none"
            raise ValueError(
                f"model_options {unknown} are not options of model {model!r}; its options: {known}"
            )
    if CONDITIONAL.get(model) is not None:
        check_classes(model, kwargs.get("n_classes", 0), CONDITIONAL[model])
    return FAMILIES[model]


def build_generator(model: str, **kwargs: Any) -> nn.Module:
    """Build family ``model``'s generator: G(z, y=None) -> images in [-1, 1], NCHW.

    Common keyword arguments: latent_dim, image_size, channels, n_classes, width, plus the
    family's own options.
    """
    return _lookup(model, kwargs)[0](**kwargs)


def build_discriminator(model: str, **kwargs: Any) -> nn.Module:
    """Build family ``model``'s discriminator: D(x, y=None) -> DOutput(logits, features, ...)."""
    return _lookup(model, kwargs)[1](**kwargs)


def _register_builtin() -> None:
    from ganrepro.models import acgan, conditional, dcgan, mlp, sagan, sngan, wgan_gp

    for name, g, d, options, cond in [
        ("mlp", mlp.build_generator, mlp.build_discriminator, mlp.OPTIONS, False),
        ("dcgan", dcgan.build_generator, dcgan.build_discriminator, dcgan.OPTIONS, False),
        ("wgan_gp", wgan_gp.build_generator, wgan_gp.build_discriminator, wgan_gp.OPTIONS, False),
        (
            "cwgan_gp",
            wgan_gp.build_conditional_generator,
            wgan_gp.build_conditional_discriminator,
            wgan_gp.CONDITIONAL_OPTIONS,
            True,
        ),
        (
            "cgan",
            conditional.build_generator,
            conditional.build_discriminator,
            conditional.OPTIONS,
            True,
        ),
        (
            "cgan_projection",
            conditional.build_generator,
            conditional.build_projection_discriminator,
            conditional.OPTIONS,
            True,
        ),
        ("acgan", acgan.build_generator, acgan.build_discriminator, acgan.OPTIONS, True),
        ("sngan", sngan.build_generator, sngan.build_discriminator, sngan.OPTIONS, False),
        ("sagan", sagan.build_generator, sagan.build_discriminator, sagan.OPTIONS, False),
        (
            "sagan_conditional",
            sagan.build_conditional_generator,
            sagan.build_conditional_discriminator,
            sagan.OPTIONS,
            True,
        ),
    ]:
        register_family(name, g, d, options, cond)


_register_builtin()
