"""Figures drawn from benchmark records (bench/records/*.csv), not from a results folder: the
quality ladder's and the laptop tier's FID curves. A record stores each row's curve as
" / "-joined cells (``curve_epochs``, ``curve`` and, where a row has seeds, ``curve_std`` and
``curve_g_steps``), so docs/ can redraw a figure from the record alone, byte for byte.

The PNGs carry no software or date metadata: a regenerated figure can be compared with the
committed one (``python -m ganrepro.reporting.docs --check``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ganrepro.io import atomic_path

# The laptop tier's x axes: a family with k D steps per G step has seen as many images as
# DCGAN after 1/k of its G steps, so its curve sits elsewhere on each axis.
AXES = {
    "images": "training images seen by D (thousands)",
    "g_steps": "generator steps (thousands)",
}


def cells(value: object) -> list[float]:
    """A record's " / "-joined curve cell as numbers ("nan" where a point has no value)."""
    return [float(v) for v in str(value).split("/")]


def images_axis(row) -> list[float]:
    """Images seen by D (thousands) at each curve epoch: epochs of equal size."""
    return [e * float(row.images_seen) / float(row.epochs) / 1000 for e in cells(row.curve_epochs)]


def draw_curve(ax, x, fids, colour, label, *, std=None, final=None) -> None:
    """One row's curve FIDs (± std where given and finite), and its final FID (of more samples)
    as a diamond at the curve's last point."""
    ax.plot(x, fids, marker="o", ms=4, color=colour, label=label)
    if std is not None and any(math.isfinite(s) for s in std):
        spread = [s if math.isfinite(s) else 0.0 for s in std]
        lo = [f - s for f, s in zip(fids, spread, strict=True)]
        hi = [f + s for f, s in zip(fids, spread, strict=True)]
        ax.fill_between(x, lo, hi, color=colour, alpha=0.18, lw=0)
    if final is not None:
        ax.scatter(
            [x[-1]], [final], marker="D", s=40, color=colour, edgecolors="black",
            linewidths=0.6, zorder=4,
        )  # fmt: skip


def ladder_figure(rows: pd.DataFrame, path: Path):
    """Curve FID of each ladder row (``docs.ladder_rows``) against images seen; returns the
    (saved, closed) figure."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4.0))
    for i, r in enumerate(rows.itertuples()):
        draw_curve(
            ax, images_axis(r), cells(r.curve), plt.cm.tab10(i), r.variant, final=r.fid_final
        )
    ax.set_xlabel("images seen by D (thousands)")
    n_curve, n_final = int(rows.n_curve.max()), int(rows.n_final.max())
    ax.set_ylabel(f"FID ({n_curve:,} samples; diamonds {n_final:,})")
    ax.set_title("The quality ladder (records: bench/records/*-recipe.csv)", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    save_png(fig, path)
    return fig


def laptop_figure(rows: pd.DataFrame, path: Path, axes: Sequence[str] = tuple(AXES)):
    """Each family of a laptop_results record: curve FID (mean ± std over seeds) against each
    of ``axes`` (a panel each), final FID as diamonds; returns the (saved, closed) figure."""
    unknown = sorted(set(axes) - set(AXES))
    if unknown or not axes:
        raise ValueError(f"axes {list(axes)}: choose from {list(AXES)}")
    plt = _pyplot()
    fig, panels = plt.subplots(
        1, len(axes), figsize=(5.2 * len(axes) + 1.0, 4.6), squeeze=False, sharey=True
    )
    for panel, axis in zip(panels[0], axes, strict=True):
        for i, r in enumerate(rows.itertuples()):
            x = images_axis(r) if axis == "images" else [g / 1000 for g in cells(r.curve_g_steps)]
            std = cells(r.curve_std) if int(r.seeds) > 1 else None
            draw_curve(
                panel, x, cells(r.curve), plt.cm.tab10(i % 10), r.experiment,
                std=std, final=r.fid_final,
            )  # fmt: skip
        panel.set_xlabel(AXES[axis])
        panel.grid(alpha=0.3)
    n_curve, n_final = int(rows.n_curve.min()), int(rows.n_final.max())
    panels[0][0].set_ylabel(f"FID ({n_curve:,} samples, mean ± std over seeds)")
    panels[0][0].scatter(
        [], [], marker="D", color="0.6", edgecolors="black", label=f"final, {n_final:,} samples"
    )
    panels[0][0].legend(fontsize=8)
    fig.suptitle(
        "The laptop tier: every family on CIFAR-10 at 32 px on a CPU, FID against the 10,000 "
        "test images",
        fontsize=10,
    )
    fig.tight_layout()
    save_png(fig, path)
    return fig


def save_png(fig, path: Path) -> None:
    """A PNG whose bytes depend only on the figure (no software or date metadata)."""
    plt = _pyplot()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
