"""Figures of the analysis rules: labelled image rows, distance histograms, an animated GIF.

Images are NCHW tensors in [−1, 1] (generator output); every file is written atomically.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402
from torchvision.utils import make_grid  # noqa: E402

from ganrepro.io import atomic_path  # noqa: E402
from ganrepro.reporting.plots import save_figure  # noqa: E402

PAD = 2


def to_rgb_uint8(images: torch.Tensor) -> np.ndarray:
    """NCHW in [−1, 1] → NHWC uint8 RGB (grey repeated)."""
    x = ((images.float().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    return x.permute(0, 2, 3, 1).numpy()


def image_rows(
    rows: Sequence[torch.Tensor],
    path: str | Path,
    *,
    row_labels: Sequence[str] | None = None,
    col_labels: Sequence[str] | None = None,
    title: str | None = None,
    cell_inches: float = 0.75,
) -> None:
    """Rows of images (each (k, C, H, W) in [−1, 1]) as one labelled PNG; short rows are padded
    with blank cells."""
    if not rows:
        raise ValueError("image_rows needs at least one row")
    width = max(r.shape[0] for r in rows)
    c, h, w = rows[0].shape[1:]
    blank = torch.ones(1, c, h, w)  # white in [-1, 1]
    cells = [
        torch.cat([r.float().cpu(), blank.expand(width - r.shape[0], -1, -1, -1)]) for r in rows
    ]
    grid = make_grid(torch.cat(cells), nrow=width, padding=PAD, pad_value=1.0)
    grid = to_rgb_uint8(grid.unsqueeze(0))[0]
    fig_w = cell_inches * width + (1.6 if row_labels else 0.2)
    fig_h = cell_inches * len(rows) + (0.5 if title else 0.1) + (0.3 if col_labels else 0)
    fig, ax = plt.subplots(figsize=(fig_w, fig_h))
    ax.imshow(grid, interpolation="nearest")
    centres_y = [PAD + i * (h + PAD) + h / 2 for i in range(len(rows))]
    centres_x = [PAD + j * (w + PAD) + w / 2 for j in range(width)]
    ax.set_yticks(centres_y if row_labels else [], list(row_labels or []), fontsize=7)
    ax.set_xticks(centres_x if col_labels else [], list(col_labels or []), fontsize=7)
    if col_labels:
        ax.xaxis.tick_top()
    ax.tick_params(length=0)
    for spine in ax.spines.values():
        spine.set_visible(False)
    if title:
        ax.set_title(title, fontsize=9)
    save_figure(fig, path)


def distance_histograms(
    generated: np.ndarray, test: np.ndarray, path: str | Path, *, title: str = ""
) -> None:
    """Nearest-neighbour distances to the training images: generated vs unseen real images."""
    fig, ax = plt.subplots(figsize=(7, 4))
    bins = np.histogram_bin_edges(np.concatenate([generated, test]), bins=30)
    ax.hist(test, bins=bins, alpha=0.6, density=True, label=f"test → train ({len(test)})")
    ax.hist(
        generated, bins=bins, alpha=0.6, density=True, label=f"generated → train ({len(generated)})"
    )
    for values, style in ((test, "-"), (generated, "--")):
        ax.axvline(np.median(values), color="k", ls=style, lw=1)
    ax.set(xlabel="distance to the nearest training image (Inception pool3)", ylabel="density")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=8)
    save_figure(fig, path)


def gif(
    frames: Sequence[torch.Tensor],
    labels: Sequence[str],
    path: str | Path,
    *,
    nrow: int = 8,
    ms_per_frame: int = 700,
    scale: int = 2,
) -> None:
    """An animated GIF: frame i is the grid of ``frames[i]`` (k, C, H, W) captioned labels[i];
    loops forever and holds the last frame twice as long."""
    pictures = []
    for images, label in zip(frames, labels, strict=True):
        grid = make_grid(images.float().cpu(), nrow=nrow, padding=PAD, pad_value=1.0)
        arr = to_rgb_uint8(grid.unsqueeze(0))[0]
        img = Image.fromarray(arr).resize(
            (arr.shape[1] * scale, arr.shape[0] * scale), Image.NEAREST
        )
        canvas = Image.new("RGB", (img.width, img.height + 16), "white")
        canvas.paste(img, (0, 16))
        ImageDraw.Draw(canvas).text((4, 2), label, fill="black")
        pictures.append(canvas)
    durations = [ms_per_frame] * (len(pictures) - 1) + [2 * ms_per_frame]
    with atomic_path(path) as tmp:
        pictures[0].save(
            tmp, format="GIF", save_all=True, append_images=pictures[1:], duration=durations, loop=0
        )


def embed_gif_html(gif_path: str | Path, html_path: str | Path, title: str) -> None:
    """A small HTML page that shows the GIF animated (the Snakemake report shows PNG, SVG and
    JPEG inline but offers other images only as downloads; it shows HTML pages)."""
    data = base64.b64encode(Path(gif_path).read_bytes()).decode()
    page = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"</head><body><p>{html.escape(title)}</p>"
        f"<img alt='{html.escape(title)}' src='data:image/gif;base64,{data}'></body></html>\n"
    )
    with atomic_path(html_path) as tmp:
        tmp.write_text(page)
