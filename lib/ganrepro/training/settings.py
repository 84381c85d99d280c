"""The settings of a training run: each declared once, here, importable without torch.

Each field of `TrainSettings` is a declaration (`option` or `technique`): type, default, allowed
values or range, neutral value, one line of help. From it come the config schema's settings part
(`settings_schema`), the checks of every run (`TrainSettings.__post_init__`), the defaults and
the run identity (`identity_settings`). `python -m ganrepro.training.settings` prints them all;
`--markdown docs/configuration.md` writes the configuration reference from them.

Adding a setting: one field below (a `technique` whose default is "off" renames no run), plus
the code that uses it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ganrepro.training.declare import ALWAYS, Option, check_value, declared, option, technique
from ganrepro.training.families import FAMILIES, check_model_options, family
from ganrepro.training.losses import LOSSES

D_BATCHES = ("separate", "joint")
INITS = ("normal", "orthogonal", "xavier")


@dataclass(frozen=True)
class TrainSettings:
    """Everything that defines a training run (with the seed and the training data)."""

    model: str = option(
        "dcgan", "GAN family (lib/ganrepro/training/families.py)", choices=lambda: tuple(FAMILIES)
    )
    loss: str = option(
        "bce", "adversarial loss (lib/ganrepro/training/losses.py)", choices=lambda: tuple(LOSSES)
    )
    latent_dim: int = option(100, "size of z", minimum=1)
    width: int = option(64, "channels (units) of the first/last layer of G and D", minimum=1)
    model_options: dict = technique({}, "the family's own options (families.py declares them)")
    conditional: bool = option(False, "feed class labels to G and D (conditional families)")
    optimizer: str = option("adam", "optimiser of both players", choices=("adam", "rmsprop"))
    lr: float = option(2e-4, "learning rate of both players", exclusive_minimum=0)
    beta1: float = option(0.5, "Adam's beta1", minimum=0, exclusive_maximum=1)
    beta2: float = option(0.999, "Adam's beta2", minimum=0, exclusive_maximum=1)
    batch_size: int = option(128, "images per step", minimum=1)
    epochs: int = option(
        25,
        "passes over the training set (part of a run's identity only with a setting that "
        "depends on the length, such as a learning-rate schedule: otherwise a longer run "
        "continues the shorter one)",
        minimum=1,
        identity="length",
    )
    eval_epochs: tuple[int, ...] = option(
        (),
        "epochs whose checkpoints are kept and scored (the last epoch always is; not part of "
        "a run's identity)",
        minimum=1,
        identity="never",
    )
    init: str = technique(
        "normal",
        "initial weights of every convolution and linear layer of G and D: the family's own "
        "(N(0, 0.02), DCGAN's), orthogonal (BigGAN; StudioGAN's SN-GAN and SAGAN) or Xavier "
        "uniform (mimicry; the SN-GAN authors' ResNets); biases 0, spectral norm re-estimated",
        choices=INITS,
    )
    lr_g: float | None = technique(None, "TTUR: G's learning rate (null: lr)", exclusive_minimum=0)
    lr_d: float | None = technique(None, "TTUR: D's learning rate (null: lr)", exclusive_minimum=0)
    n_critic: int = technique(1, "D updates per G update", minimum=1)
    clip: float | None = technique(
        None, "WGAN weight clipping of D's parameters", exclusive_minimum=0
    )
    gp_weight: float = technique(0.0, "WGAN-GP gradient penalty weight", minimum=0)
    aux_weight: float = technique(1.0, "AC-GAN classification loss weight", minimum=0)
    feature_matching: bool = technique(False, "G matches D's mean features (Salimans et al.)")
    lr_schedule: str = technique(
        "constant",
        "learning-rate schedule over training (linear and cosine decay over the whole run: "
        "the run's length becomes part of its identity)",
        choices=("constant", "linear", "cosine"),
        uses_length=True,
    )
    lr_floor: float = technique(
        0.0, "final lr of a schedule, as a fraction of the initial one", minimum=0, maximum=1
    )
    lr_floor_g: float | None = technique(
        None, "G's final lr as a fraction of its initial one (null: lr_floor)", minimum=0, maximum=1
    )
    lr_floor_d: float | None = technique(
        None, "D's final lr as a fraction of its initial one (null: lr_floor)", minimum=0, maximum=1
    )
    ema: float | None = technique(
        None,
        "decay of an exponential moving average of G, used for sampling (null: none)",
        exclusive_minimum=0,
        exclusive_maximum=1,
    )
    label_smoothing: float = technique(
        0.0, "one-sided: real target 1 - s", minimum=0, exclusive_maximum=1
    )
    soft_labels: float = technique(
        0.0, "random soft labels: real 1 - U(0, s), fake U(0, s)", minimum=0, maximum=0.5
    )
    label_flip: float = technique(0.0, "probability of swapping a D target", minimum=0, maximum=1)
    instance_noise: float = technique(
        0.0,
        "std of Gaussian noise on D's inputs, annealed linearly to 0 at the end of the run",
        minimum=0,
        uses_length=True,
    )
    replay_size: int = technique(
        0, "older fakes kept for D (0: no replay buffer; else at least batch_size)", minimum=0
    )
    replay_fraction: float = technique(
        0.5,
        "probability that a fake shown to D is swapped for a stored older one",
        minimum=0,
        maximum=1,
    )
    d_batches: str = technique(
        "separate",
        "D sees real and fake in two forward passes (BatchNorm per batch) or one",
        choices=D_BATCHES,
    )
    amp: bool = technique(
        False,
        "bf16 autocast of the forward passes (GPUs with bf16; weights, "
        "optimiser state and losses stay float32)",
    )

    def __post_init__(self) -> None:
        # Every value against its declaration (type, range, allowed values), then the rules
        # that involve two settings.
        for name, decl in declared(type(self)).items():
            object.__setattr__(self, name, check_value(name, decl, getattr(self, name)))
        fam = family(self.model)
        object.__setattr__(
            self, "model_options", check_model_options(self.model, dict(self.model_options))
        )
        if fam.conditional != self.conditional:
            raise ValueError(
                f"conditional: model {self.model!r} is "
                + (
                    "conditional: set conditional: true (and use a labelled dataset)"
                    if fam.conditional
                    else "unconditional: set conditional: false, or use a "
                    "conditional model ("
                    + ", ".join(n for n, f in FAMILIES.items() if f.conditional)
                    + ")"
                )
            )
        beyond = sorted(e for e in self.eval_epochs if e > self.epochs)
        if beyond:
            raise ValueError(
                f"eval_epochs {beyond} beyond epochs {self.epochs}: a run is scored at epochs it "
                f"trains; raise epochs to {max(beyond)} or drop those eval epochs"
            )
        if self.replay_size and self.replay_size < self.batch_size:
            raise ValueError(
                f"replay_size {self.replay_size} is smaller than batch_size {self.batch_size}; "
                "the replay buffer must hold at least one batch (ganhacks: a few batches' worth)"
            )

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainSettings:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown training settings {unknown}; known: {sorted(known)}")
        return cls(**d)

    def checkpoint_epochs(self) -> tuple[int, ...]:
        """Eval epochs, sorted, always including the last one."""
        return tuple(sorted({*self.eval_epochs, self.epochs}))


def declarations() -> dict[str, Option]:
    """The declarations of the current `TrainSettings` (a subclass may add settings)."""
    return declared(TrainSettings)


def settings_schema() -> dict[str, Any]:
    """JSON schema of one set of training settings, derived from the declarations; the config
    schema (schemas/config.schema.yaml) takes its `settings` and `setting_names` from here."""
    props = {name: decl.schema() for name, decl in declarations().items()}
    props["model_options"] = {
        "type": "object",
        "description": "the family's own options: "
        + "; ".join(
            f"{name} {{{', '.join(f.declared_options()) or ''}}}" for name, f in FAMILIES.items()
        ),
    }
    return {"type": "object", "properties": props}


def identity_settings(settings: TrainSettings, *, every_option: bool = False) -> dict[str, Any]:
    """The settings that make a run's weights what they are: every setting without a neutral
    value, and each technique (and model option) whose value is not its neutral one. A new
    setting that is off by default is absent here, so it renames no run. The scored epochs are
    never here, and the length only while a setting that depends on it is on
    (`length_matters`): a run with a constant schedule is the first epochs of a longer one.
    ``every_option`` keeps them all, as run names did before 2026-12-07 (ganrepro.migrate)."""
    out: dict[str, Any] = {}
    with_length = every_option or length_matters(settings)
    for name, decl in declared(type(settings)).items():
        value = getattr(settings, name)
        never = decl.identity == "never" and not every_option
        if never or (decl.identity == "length" and not with_length):
            continue
        if name == "model_options":
            options = family(settings.model).declared_options()
            value = {k: v for k, v in value.items() if v != options[k].neutral}
            if value:
                out[name] = value
        elif decl.neutral is ALWAYS or value != decl.neutral:
            out[name] = list(value) if isinstance(value, tuple) else value
    return out


def length_matters(settings: TrainSettings) -> list[str]:
    """The settings that are on and depend on the run's length (its horizon), by name."""
    return [
        name
        for name, decl in declared(type(settings)).items()
        if decl.uses_length and getattr(settings, name) != decl.neutral
    ]


def _describe() -> str:
    lines = []
    for name, decl in declarations().items():
        rule = decl.schema()
        rule.pop("description")
        lines.append(
            f"{name}: {decl.help}\n    default {decl.default!r}, off "
            f"{'-' if decl.neutral is ALWAYS else repr(decl.neutral)}, {rule}"
        )
    for name, fam in FAMILIES.items():
        for key, decl in fam.declared_options().items():
            lines.append(f"model_options.{key} ({name}): {decl.help}, default {decl.default!r}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m ganrepro.training.settings",
        description="Print every training setting and model option with its declaration.",
    )
    parser.add_argument(
        "--markdown",
        metavar="PATH",
        help="instead, write the configuration reference (docs/configuration.md) to PATH",
    )
    args = parser.parse_args(argv)
    if args.markdown:
        from ganrepro.io import write_text
        from ganrepro.reporting.config_reference import markdown

        write_text(args.markdown, markdown())
    else:
        print(_describe())


if __name__ == "__main__":
    main()
