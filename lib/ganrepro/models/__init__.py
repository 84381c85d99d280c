"""Build a family's networks by name; the families and their options are declared in
ganrepro.training.families (torch-free, read by the Snakefile), the networks live in one module
each.

The training loop never looks at the family's name: it asks for ``build_generator(model, ...)``.
These two functions are the one door to the builders: they check the options against the
family's declaration, make its options object (declared defaults filled in), check the classes,
and hand each builder the common arguments it names, so no builder repeats a check or a default.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

import torch.nn as nn

from ganrepro.models.layers import DOutput, check_classes
from ganrepro.training.families import FAMILIES, family, family_options
from ganrepro.training.settings import declarations

__all__ = [
    "COMMON_ARGS",
    "CONDITIONAL",
    "DOutput",
    "FAMILIES",
    "build_discriminator",
    "build_generator",
]

# Arguments a builder may name (each names those it uses); everything else is a family option
# (model_options), handed to the builder as one object, ``options``.
COMMON_ARGS = ("latent_dim", "image_size", "channels", "width", "n_classes")
# What a notebook may leave out: no classes, and the width a training run has by default.
COMMON_DEFAULTS = {"width": declarations()["width"].default, "n_classes": 0}
# Family name -> whether it needs class labels.
CONDITIONAL = {name: f.conditional for name, f in FAMILIES.items()}


def _build(model: str, builder_name: str, kwargs: dict[str, Any]) -> nn.Module:
    fam = family(model)
    given = {**COMMON_DEFAULTS, **kwargs}
    options = family_options(model, {k: v for k, v in given.items() if k not in COMMON_ARGS})
    check_classes(model, given["n_classes"], fam.conditional)
    builder = getattr(importlib.import_module(f"ganrepro.models.{fam.module}"), builder_name)
    arguments = {**{k: v for k, v in given.items() if k in COMMON_ARGS}, "options": options}
    named = inspect.signature(builder).parameters
    return builder(**{k: v for k, v in arguments.items() if k in named})


def build_generator(model: str, **kwargs: Any) -> nn.Module:
    """Build family ``model``'s generator: G(z, y=None) -> images in [-1, 1], NCHW.

    Keyword arguments: latent_dim, image_size, channels, width and n_classes (both may be left
    out: `COMMON_DEFAULTS`), plus the family's own options (checked against its declaration). A
    checkpoint's ``model_config`` is such a set, so ``build_generator(**ckpt["model_config"])``
    rebuilds its G.
    """
    return _build(model, family(model).generator, kwargs)


def build_discriminator(model: str, **kwargs: Any) -> nn.Module:
    """Build family ``model``'s discriminator: D(x, y=None) -> DOutput(logits, features, ...).

    The same keyword arguments as `build_generator` (latent_dim, if given, is not used)."""
    return _build(model, family(model).discriminator, kwargs)
