"""The GAN families: one entry each, with its builders and its declared `model_options`.

Torch-free, so the Snakefile checks every run's model and options at start-up, before any job:
an unknown or ill-typed option stops `snakemake -n` naming the experiment and the key. The
networks live in lib/ganrepro/models/<module>.py and are imported only when built.

Adding a family: write its module (``build_generator``/``build_discriminator`` taking, as
keywords, the common arguments they use and ``options``, an instance of the family's options
class), then add one `Family` to `FAMILIES` below, with an options class (a frozen dataclass of
`technique` fields) if it has options. Its defaults are written there only: the builders read
them from the object that ganrepro.models makes from the declaration.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ganrepro.training.declare import Option, check_value, declared, object_schema, technique

D_NORMS = ("batch", "instance", "layer", "none")


@dataclass(frozen=True)
class NoOptions:
    pass


@dataclass(frozen=True)
class MLPOptions:
    dropout: float = technique(
        0.0, "dropout after each hidden layer of D", minimum=0, exclusive_maximum=1
    )


@dataclass(frozen=True)
class DCGANOptions(MLPOptions):
    d_norm: str = technique("batch", "D's normalisation layer", choices=D_NORMS)
    spectral_norm: bool = technique(False, "spectral normalisation of D's layers")


@dataclass(frozen=True)
class ConditionalDCGANOptions(DCGANOptions):
    embed_dim: int = technique(32, "size of G's learned class embedding", minimum=1)


@dataclass(frozen=True)
class CriticOptions:
    d_norm: str = technique(
        "layer",
        "the critic's normalisation (BatchNorm would break the per-sample gradient penalty)",
        choices=("instance", "layer", "none"),
    )


@dataclass(frozen=True)
class ConditionalCriticOptions(CriticOptions):
    embed_dim: int = technique(32, "size of G's learned class embedding", minimum=1)


@dataclass(frozen=True)
class SAGANOptions:
    attention_resolution: int | None = technique(
        None,
        "width of the feature map that gets self-attention (null: 16, or image_size / 2)",
        choices=(4, 8, 16, 32, 64),
    )
    spectral_norm: bool = technique(True, "spectral normalisation of every layer of G and D")


@dataclass(frozen=True)
class Family:
    name: str
    help: str
    module: str  # ganrepro.models.<module>
    conditional: bool  # needs class labels (conditional: true and a labelled dataset)
    options: type = NoOptions
    generator: str = "build_generator"  # builder functions of the module
    discriminator: str = "build_discriminator"

    def declared_options(self) -> dict[str, Option]:
        return declared(self.options)

    def options_schema(self) -> dict[str, Any]:
        return object_schema(self.declared_options(), f"model_options of {self.name}")


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in [
        Family("mlp", "fully connected G and D (Goodfellow et al.)", "mlp", False, MLPOptions),
        Family("dcgan", "DCGAN, 32x32 or 64x64", "dcgan", False, DCGANOptions),
        Family("wgan_gp", "DCGAN with a critic without BatchNorm", "wgan_gp", False, CriticOptions),
        Family(
            "cwgan_gp",
            "conditional WGAN-GP: class embedding with z, label channel in the critic",
            "wgan_gp",
            True,
            ConditionalCriticOptions,
            "build_conditional_generator",
            "build_conditional_discriminator",
        ),
        Family(
            "cgan",
            "conditional DCGAN: class embedding with z, label channel in D",
            "conditional",
            True,
            ConditionalDCGANOptions,
        ),
        Family(
            "cgan_projection",
            "conditional DCGAN with a projection discriminator",
            "conditional",
            True,
            ConditionalDCGANOptions,
            discriminator="build_projection_discriminator",
        ),
        Family(
            "acgan", "AC-GAN: D also predicts the class", "acgan", True, ConditionalDCGANOptions
        ),
        Family("sngan", "SN-GAN's standard CNN, spectral norm in D", "sngan", False),
        Family(
            "sagan",
            "self-attention in G and D, spectral norm in both",
            "sagan",
            False,
            SAGANOptions,
        ),
        Family(
            "sagan_conditional",
            "SAGAN with class-conditional BatchNorm in G and a projection D",
            "sagan",
            True,
            SAGANOptions,
            "build_conditional_generator",
            "build_conditional_discriminator",
        ),
    ]
}


def register_family(family: Family) -> None:
    """Add a family (e.g. from a notebook); the config schema accepts it from then on."""
    FAMILIES[family.name] = family


def family(model: str) -> Family:
    if model not in FAMILIES:
        raise ValueError(f"unknown model {model!r}; known models: {', '.join(FAMILIES)}")
    return FAMILIES[model]


def check_model_options(model: str, options: dict[str, Any]) -> dict[str, Any]:
    """The options as given, each checked against the family's declaration (names, types,
    ranges); raises ValueError naming the key and the family's options."""
    fam = family(model)
    declared_options = fam.declared_options()
    unknown = sorted(set(options) - set(declared_options))
    if unknown:
        known = ", ".join(declared_options) or "none"
        raise ValueError(
            f"model_options {unknown} are not options of model {model!r}; its options: {known}"
        )
    return {
        key: check_value(f"model_options.{key}", declared_options[key], value)
        for key, value in options.items()
    }


def family_options(model: str, options: dict[str, Any]) -> Any:
    """The family's options object, what its builders take: an instance of its declared options
    class, the given options (checked) over the declared defaults."""
    return family(model).options(**check_model_options(model, options))


def resolved_options(model: str, options: dict[str, Any]) -> dict[str, Any]:
    """Every option of the family: the given ones over the declared defaults."""
    defaults = {f.name: f.default for f in dataclasses.fields(family(model).options)}
    return {**defaults, **check_model_options(model, options)}
