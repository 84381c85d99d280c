"""The settings of a training run, importable without torch.

The Snakefile expands experiments into runs at every invocation (``snakemake -n`` included);
keeping this module free of torch keeps that start-up fast.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

D_BATCHES = ("separate", "joint")


@dataclass(frozen=True)
class TrainSettings:
    """Everything that defines a training run (the run's identity is a hash of these + data)."""

    model: str = "dcgan"
    loss: str = "bce"
    latent_dim: int = 100
    width: int = 64
    model_options: dict = field(default_factory=dict)  # family-specific, e.g. {"dropout": 0.3}
    conditional: bool = False  # feed class labels to G and D (conditional families)
    optimizer: str = "adam"  # adam | rmsprop
    lr: float = 2e-4
    lr_g: float | None = None  # TTUR: separate rates override lr
    lr_d: float | None = None
    beta1: float = 0.5
    beta2: float = 0.999
    batch_size: int = 128
    epochs: int = 25
    eval_epochs: tuple[int, ...] = ()  # epochs whose checkpoints are kept and scored
    n_critic: int = 1  # D updates per G update
    clip: float | None = None  # WGAN weight clipping
    gp_weight: float = 0.0  # WGAN-GP gradient penalty weight
    aux_weight: float = 1.0  # AC-GAN classification loss weight
    feature_matching: bool = False  # G matches mean D features (Salimans et al.)
    lr_schedule: str = "constant"  # constant | linear | cosine
    lr_floor: float = 0.0  # final lr as a fraction of the initial one
    ema: float | None = None  # decay of an exponential moving average of G (used for sampling)
    label_smoothing: float = 0.0  # one-sided: real target 1 - s
    soft_labels: float = 0.0  # random soft labels: real target - U(0, s), fake target U(0, s)
    label_flip: float = 0.0  # probability of swapping a D target
    instance_noise: float = 0.0  # std of Gaussian noise on D inputs, annealed linearly to 0
    replay_size: int = 0  # older fakes kept for D (0: no replay buffer)
    replay_fraction: float = 0.5  # probability that a fake shown to D is swapped for an older one
    d_batches: str = "separate"  # separate: D sees a real batch and a fake batch; joint: one batch
    amp: bool = False  # bf16 autocast of G and D forward passes (GPUs with bf16; off: float32)

    def __post_init__(self) -> None:
        if self.d_batches not in D_BATCHES:
            raise ValueError(
                f"d_batches must be one of {', '.join(D_BATCHES)}, got {self.d_batches!r}"
            )
        if self.replay_size < 0 or not 0.0 <= self.replay_fraction <= 1.0:
            raise ValueError("replay_size must be >= 0 and replay_fraction in [0, 1]")
        if self.replay_size and self.replay_size < self.batch_size:
            raise ValueError(
                f"replay_size {self.replay_size} is smaller than batch_size {self.batch_size}; "
                "the replay buffer must hold at least one batch (ganhacks: a few batches' worth)"
            )
        if not 0.0 <= self.soft_labels <= 0.5:
            raise ValueError(f"soft_labels must be in [0, 0.5], got {self.soft_labels}")

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainSettings:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"unknown training settings {unknown}; known: {sorted(known)}")
        d = dict(d)
        if "eval_epochs" in d:
            d["eval_epochs"] = tuple(d["eval_epochs"])
        return cls(**d)

    def checkpoint_epochs(self) -> tuple[int, ...]:
        """Eval epochs, sorted, always including the last one."""
        return tuple(sorted({*self.eval_epochs, self.epochs}))
