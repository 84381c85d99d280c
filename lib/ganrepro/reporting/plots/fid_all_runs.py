"""FID against epoch for every run of a workflow in one figure: the overview the report opens
with, before the per-experiment figures (ganrepro.reporting.plots.fid_by_setting) break it down."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from ganrepro.reporting.plots.common import has_curve, save_figure


def fid_vs_epoch(by_epoch: pd.DataFrame, path: str | Path, title: str = "FID vs epoch") -> None:
    """One line per run, one colour per experiment; diverged points are absent. With
    fid.intermediate_images the lines are the curve's scores (one n throughout)."""
    if has_curve(by_epoch):
        by_epoch = by_epoch.assign(fid=by_epoch.fid_curve, n_generated=by_epoch.n_curve)
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
