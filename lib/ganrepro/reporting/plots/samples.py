"""An experiment's sample grids on one sheet: the images behind the numbers, every run of the
experiment side by side, so a reader can see what an FID difference looks like."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from ganrepro.reporting.plots.common import save_figure


def sample_sheet(
    grids: Sequence[tuple[str, str | Path]], path: str | Path, *, title: str, columns: int = 4
) -> plt.Figure:
    """An experiment's sample grids side by side (one per run, its final checkpoint), each
    titled with its setting and seed, so the report shows every run's images in one place
    (also those of runs trained once for two experiments)."""
    from PIL import Image

    n = max(len(grids), 1)
    cols = min(columns, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.5 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (label, grid) in zip(axes.flat, grids, strict=False):
        with Image.open(grid) as image:
            ax.imshow(np.asarray(image.convert("RGB")))
        ax.set_title(label, fontsize=8)
    fig.suptitle(title)
    save_figure(fig, path)
    return fig
