"""Image grids for people to look at (PNG), written atomically."""

from __future__ import annotations

from pathlib import Path

import torch
from torchvision.utils import make_grid, save_image

from ganrepro.io import atomic_path


def save_grid(images: torch.Tensor, path: str | Path, nrow: int = 8) -> None:
    """Save NCHW images in [-1, 1] as one PNG grid."""
    with atomic_path(path) as tmp:
        save_image(
            images.float().cpu(), tmp, nrow=nrow, normalize=True, value_range=(-1, 1), padding=2
        )


def grid_tensor(images: torch.Tensor, nrow: int = 8) -> torch.Tensor:
    """The grid ``save_grid`` writes, as a 3 x H x W tensor in [0, 1] (for TensorBoard)."""
    return make_grid(
        images.float().cpu(), nrow=nrow, normalize=True, value_range=(-1, 1), padding=2
    )


def save_message_image(text: str, path: str | Path) -> None:
    """A PNG that says why there is no picture (e.g. a diverged run), so reports stay whole."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(4, 4))
    fig.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=12)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)
