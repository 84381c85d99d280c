"""A tiny trainer on random images, shared by test_train.py and test_techniques.py."""

from __future__ import annotations

import math

import numpy as np
import torch
from ganrepro.data import ImageArrays
from ganrepro.training.train import Trainer, TrainSettings

TINY = dict(latent_dim=8, width=8, batch_size=16, epochs=2, eval_epochs=(1, 2))


def random_images(size: int, n: int = 64) -> ImageArrays:
    """n random RGB images of size x size, two classes alternating."""
    images = np.random.default_rng(0).integers(0, 256, size=(n, size, size, 3), dtype=np.uint8)
    return ImageArrays(images=images, labels=np.arange(n) % 2, classes=["a", "b"])


def trainer(data, tmp_path, **settings) -> Trainer:
    return Trainer(
        TrainSettings(**{**TINY, **settings}),
        data,
        seed=3,
        device=torch.device("cpu"),
        state_dir=tmp_path,
    )


def weights(t: Trainer) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in [*t.G.parameters(), *t.D.parameters()]])


def same_rows(a: list[tuple], b: list[tuple]) -> bool:
    """Loss rows equal value for value, NaN equal to NaN (G's loss where G did not step, the
    margin violations of a loss without a margin)."""

    def same(x, y):
        return x == y or (math.isnan(x) and math.isnan(y))

    return len(a) == len(b) and all(
        len(r) == len(s) and all(map(same, r, s)) for r, s in zip(a, b, strict=True)
    )
