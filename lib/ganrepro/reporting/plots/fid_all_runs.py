"""FID against epoch for every run of a workflow: the overview the report opens with, before
the per-experiment figures (ganrepro.reporting.plots.fid_by_setting) break it down.

FIDs against different reference sets (or of different numbers of generated images) are not
on one scale, so each protocol gets its own panel, titled with it."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from ganrepro.reporting.plots.common import (
    distinct_colours,
    epoch_ticks,
    has_curve,
    legend_below,
    maybe_log,
    save_figure,
)


def fid_vs_epoch(
    by_epoch: pd.DataFrame, path: str | Path, title: str = "FID vs epoch"
) -> plt.Figure:
    """A panel per protocol (generated images, reference split), a line per run, one colour
    per experiment (the same in every panel, none repeated) and one legend entry per
    experiment, below the panels; diverged points are absent. With fid.intermediate_images the
    lines are the curve's scores (one n throughout). Returns the (saved, closed) figure."""
    if has_curve(by_epoch):
        by_epoch = by_epoch.assign(fid=by_epoch.fid_curve, n_generated=by_epoch.n_curve)
    experiments = list(dict.fromkeys(by_epoch.experiment))
    colours = dict(zip(experiments, distinct_colours(len(experiments)), strict=True))
    keys = ["n_generated", "reference"] if {"n_generated", "reference"} <= set(by_epoch) else []
    panels = list(by_epoch.groupby(keys, sort=False)) if keys and len(by_epoch) else []
    panels = panels or [((), by_epoch)]
    fig, axes = plt.subplots(
        len(panels), 1, figsize=(8, 1.0 + 3.6 * len(panels)), layout="constrained", squeeze=False
    )
    handles = []
    for ax, (protocol_key, rows) in zip(axes[:, 0], panels, strict=True):
        for exp, runs in rows.groupby("experiment", sort=False):
            n_runs = runs.run.nunique()
            for _, g in runs.groupby("run", sort=False):
                g = g.sort_values("epoch")
                (line,) = ax.plot(
                    g.epoch,
                    g.fid,
                    marker="o",
                    ms=4,
                    lw=1.4,
                    color=colours[exp],
                    alpha=0.85,
                    label=f"{exp} ({n_runs} run{'s' if n_runs > 1 else ''})",
                    gid="run",
                )
            handles.append(line)
        if protocol_key:
            n, ref = protocol_key
            ax.set_title(f"FID of {int(n)} generated vs {ref}", fontsize=10)
        epoch_ticks(ax, rows.epoch)
        maybe_log(ax, list(rows.fid.dropna()))
        ax.set(xlabel="epoch", ylabel="FID (lower is better)")
        ax.grid(alpha=0.3)
    if "weights_sha256" in by_epoch and by_epoch.weights_sha256.nunique() == 1:
        title += f" (Inception {by_epoch.weights_sha256.iloc[0]})"
    fig.suptitle(title, fontsize=12)
    legend_below(fig, axes[-1, 0], handles)
    save_figure(fig, path)
    return fig
