"""The rules that turn the ladder-shaped experiments' tables into verdicts: which row of the
quality ladder (configs/recipe.yaml) a variant is and which row it is compared with, how far
samples' contrast has drifted, and whether a family of the laptop tier (configs/laptop.yaml)
learns. They live here, not in the benchmarks that print them, so that the configs' tests, the
benchmarks and the generated documents apply one rule, written and tested once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

# The laptop tier's learning check (README "The laptop tier", written down before the run).
BASELINE = "dcgan"  # the DCGAN defaults: every family is measured against them
RATIO = 1.5  # a family's FID may be at most this multiple of the DCGAN defaults' ...
UNTRAINED_FRACTION = 0.5  # ... and at most this fraction of the untrained generator's

_ROW = re.compile(r"\d+[a-z]?")


def row_label(name: str) -> str:
    """The ladder position a variant's name starts with (`3_lr003_ema`: "3"; a side branch
    `3a_lr003_ema_joint`: "3a"): the name carries the position, so a config cannot list a row
    whose base the table would have to guess."""
    label = name.split("_", 1)[0]
    if not _ROW.fullmatch(label):
        raise ValueError(f"variant {name!r} does not start with a row label such as 3_ or 3a_")
    return label


def base_label(name: str) -> str:
    """The row a variant adds its one ingredient to: row 3 to row 2; side branch 3a to row 3
    (not to row 2): each row's change is then the effect of one ingredient."""
    label = row_label(name)
    return label[:-1] if label[-1].isalpha() else str(int(label) - 1)


def changes(variants: Sequence[str], fids: Sequence[float]) -> list[float]:
    """Each variant's FID minus its base row's (NaN where the base row is not in the table,
    e.g. row 1, or a partial run): a change is only ever read against one ingredient."""
    by_label = {row_label(v): f for v, f in zip(variants, fids, strict=True)}
    return [f - by_label.get(base_label(v), math.nan) for v, f in zip(variants, fids, strict=True)]


def contrast(images: Any) -> float:
    """Mean over images of each image's pixel standard deviation (population std), pixels in
    [-1, 1]: how far samples have drifted from real images' contrast. A discriminator that
    normalises real and fake batches apart cannot see that drift and FID weighs it little
    (issue 13's grey grids), so it is measured on its own."""
    x = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
    return float(x.std(axis=1).mean())


def interpolate(curve: Mapping[float, float], x: float) -> float:
    """The curve (x -> y) at x, linear between its points; NaN outside them: a family is never
    compared with a DCGAN point extrapolated beyond what was trained."""
    points = sorted((float(k), float(v)) for k, v in curve.items())
    if not points or x < points[0][0] or x > points[-1][0]:
        return math.nan
    xs, ys = zip(*points, strict=True)
    return float(np.interp(x, xs, ys))


def g_steps_per_epoch(batch_size: int, n_critic: int, n_train: int) -> float:
    """Generator steps in one epoch of n_train images: a family with k critic steps per G
    step sees its images k times as often per G step."""
    return n_train // batch_size / n_critic


def same_budget(
    baseline_curve: Mapping[float, float],
    baseline_settings: Mapping[str, Any],
    settings: Mapping[str, Any],
    epochs: int,
    n_train: int,
) -> tuple[float, str]:
    """The DCGAN defaults' FID after as much training as a family's ``epochs``, and what was
    matched: the same training images seen, or, for a family that steps G once per k > 1
    critic steps, the same generator steps (else a WGAN-GP would be judged after a fifth of
    DCGAN's G updates). ``baseline_curve``: epoch -> FID, linear between scored epochs."""
    n_critic = settings.get("n_critic", 1)
    if n_critic > 1:
        per_epoch = g_steps_per_epoch(
            baseline_settings["batch_size"], baseline_settings.get("n_critic", 1), n_train
        )
        steps = epochs * g_steps_per_epoch(settings["batch_size"], n_critic, n_train)
        by_steps = {epoch * per_epoch: fid for epoch, fid in baseline_curve.items()}
        return interpolate(by_steps, steps), f"{steps:.0f} G steps"
    return interpolate(baseline_curve, epochs), f"{epochs * n_train // 1000}k images"


def learns(
    fid: float,
    baseline_fid: float,
    untrained_fid: float | None = None,
    *,
    ratio: float = RATIO,
    untrained_fraction: float = UNTRAINED_FRACTION,
) -> bool | None:
    """The laptop tier's learning check: a family's FID is at most ``ratio`` times the DCGAN
    defaults' after as much training, and (if the untrained G's FID is known) at most
    ``untrained_fraction`` of it. None when there is no DCGAN point to compare with; a NaN
    ``fid`` (no finished run) fails. A family that misses is a bug to look for."""
    if math.isnan(baseline_fid):
        return None
    if not fid <= ratio * baseline_fid:
        return False
    return untrained_fid is None or fid <= untrained_fraction * untrained_fid
