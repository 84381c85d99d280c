"""Figures: FID against epoch, G and D loss curves."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ganrepro.io import atomic_path  # noqa: E402


def save_figure(fig: plt.Figure, path: str | Path) -> None:
    """Every figure of the package (plots here, ganrepro.figures' analysis figures) as a PNG of
    one resolution, written atomically; the figure is closed (no pyplot state builds up)."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)


def fid_vs_epoch(by_epoch: pd.DataFrame, path: str | Path, title: str = "FID vs epoch") -> None:
    """One line per run, one colour per experiment; diverged points are absent."""
    fig, ax = plt.subplots(figsize=(8, 5))
    experiments = list(dict.fromkeys(by_epoch.experiment))
    colours = {e: plt.cm.tab10(i % 10) for i, e in enumerate(experiments)}
    for run, g in by_epoch.groupby("run", sort=False):
        g = g.sort_values("epoch")
        ax.plot(
            g.epoch,
            g.fid,
            marker="o",
            color=colours[g.experiment.iloc[0]],
            alpha=0.8,
            label=run if len(by_epoch.run.unique()) <= 12 else None,
        )
    for e in experiments:
        ax.plot([], [], color=colours[e], label=f"[{e}]")
    first = by_epoch.iloc[0] if len(by_epoch) else None
    if first is not None:
        title += (
            f"\n{first.n_generated} generated vs {first.reference}, "
            f"Inception {first.weights_sha256}"
        )
    ax.set(xlabel="epoch", ylabel="FID (lower is better)", title=title)
    ax.legend(fontsize=7, loc="upper right")
    ax.grid(alpha=0.3)
    save_figure(fig, path)


def loss_curves(
    losses: Mapping[str, pd.DataFrame], path: str | Path, title: str, smooth: int = 25
) -> None:
    """D and G losses per step for each run, smoothed with a running mean of ``smooth`` steps."""
    fig, (ax_d, ax_g) = plt.subplots(1, 2, figsize=(11, 4), sharex=True)
    for run, df in losses.items():
        ax_d.plot(df.step, df.d_loss.rolling(smooth, min_periods=1).mean(), label=run)
        g = df.dropna(subset=["g_loss"])
        ax_g.plot(g.step, g.g_loss.rolling(smooth, min_periods=1).mean(), label=run)
    ax_d.set(title=f"{title}: discriminator loss", xlabel="step", ylabel="loss")
    ax_g.set(title=f"{title}: generator loss", xlabel="step")
    for ax in (ax_d, ax_g):
        ax.grid(alpha=0.3)
    ax_g.legend(fontsize=7)
    save_figure(fig, path)
