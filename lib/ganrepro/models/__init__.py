"""Build a family's networks by name; the families and their options are declared in
ganrepro.families (torch-free, read by the Snakefile), the networks live in one module each.

The training loop never looks at the family's name: it asks for ``build_generator(model, ...)``.
"""

from __future__ import annotations

import importlib
from typing import Any

import torch.nn as nn

from ganrepro.families import FAMILIES, check_model_options, family
from ganrepro.models.layers import DOutput, check_classes

__all__ = [
    "COMMON_ARGS",
    "CONDITIONAL",
    "DOutput",
    "FAMILIES",
    "build_discriminator",
    "build_generator",
]

# Arguments every builder receives; everything else is a family option (model_options).
COMMON_ARGS = ("latent_dim", "image_size", "channels", "width", "n_classes")
# Family name -> whether it needs class labels.
CONDITIONAL = {name: f.conditional for name, f in FAMILIES.items()}


def _builder(model: str, kwargs: dict[str, Any], which: str) -> Any:
    fam = family(model)
    check_model_options(model, {k: v for k, v in kwargs.items() if k not in COMMON_ARGS})
    check_classes(model, kwargs.get("n_classes", 0), fam.conditional)
    module = importlib.import_module(f"ganrepro.models.{fam.module}")
    return getattr(module, fam.generator if which == "G" else fam.discriminator)


def build_generator(model: str, **kwargs: Any) -> nn.Module:
    """Build family ``model``'s generator: G(z, y=None) -> images in [-1, 1], NCHW.

    Common keyword arguments: latent_dim, image_size, channels, n_classes, width, plus the
    family's own options (checked against its declaration).
    """
    return _builder(model, kwargs, "G")(**kwargs)


def build_discriminator(model: str, **kwargs: Any) -> nn.Module:
    """Build family ``model``'s discriminator: D(x, y=None) -> DOutput(logits, features, ...)."""
    return _builder(model, kwargs, "D")(**kwargs)
