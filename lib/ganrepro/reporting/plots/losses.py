"""Discriminator and generator losses against step, one line per run of an experiment: where
FID says how good the samples are, these show how training got there (a collapse, an
oscillation, a divergence)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from ganrepro.reporting.plots.common import save_figure


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
