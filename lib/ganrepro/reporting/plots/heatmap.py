"""An ablation over two grid keys (e.g. lr x batch size) as an annotated heatmap of a run
summary value: the whole grid at a glance, each cell saying its mean, spread and seeds.
ganrepro.reporting.plots.grid.plan_figures decides when an experiment gets this rather than bars."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm, Normalize
from matplotlib.patches import Rectangle

from ganrepro.reporting.labels import format_value
from ganrepro.reporting.plots.common import (
    FIGSIZE,
    LOG_SPAN,
    check_one_experiment,
    plain_log_ticks,
    protocol,
    save_figure,
    value_name,
)
from ganrepro.reporting.plots.grid import ordered, with_coords


def ablation_heatmap(
    summary: pd.DataFrame,
    path: str | Path,
    *,
    x: str,
    y: str,
    title: str,
    value: str = "final_fid",
) -> plt.Figure:
    """A two-key grid (e.g. x="lr", y="batch_size") as an annotated heatmap of ``value``.

    ``summary``: ``tables.run_summary`` for one experiment; the coordinates are read from its
    ``grid`` JSON column (they override same-named columns such as ``batch_size``). A cell is
    the mean over the seeds that did not diverge, written "mean ± std" (or the single value)
    with its number of seeds; a cell whose seeds all diverged reads "diverged" (hatched); a
    cell without runs is blank. Ticks are the grid values sorted. Returns the figure.
    """
    check_one_experiment(summary)
    df, keys = with_coords(summary)
    for k in (x, y):
        if k not in keys:
            raise ValueError(
                f"ablation_heatmap: {k!r} is not a grid key of this experiment "
                f"(its keys: {keys}); pass x and y among them"
            )
    extra = [k for k in keys if k not in (x, y) and df[k].nunique(dropna=False) > 1]
    if extra:
        raise ValueError(
            f"ablation_heatmap: the grid also varies {extra}, so a cell would "
            "average different settings; use ablation_bars, or one heatmap per "
            "value of those keys"
        )
    xs, ys = ordered(df[x], sort_strings=True), ordered(df[y], sort_strings=True)
    mean = np.full((len(ys), len(xs)), np.nan)
    cells: dict[tuple[int, int], str] = {}
    diverged: list[tuple[int, int]] = []
    for (xv, yv), g in df.groupby([x, y], sort=False):
        i, j = ys.index(yv), xs.index(xv)
        ok = g[value].dropna().to_numpy(dtype=float)
        n_div = len(g) - len(ok)
        if len(ok) == 0:
            cells[i, j] = "diverged" + (f"\n({len(g)} seeds)" if len(g) > 1 else "")
            diverged.append((i, j))
            continue
        mean[i, j] = ok.mean()
        text = f"{ok.mean():.1f} ± {ok.std(ddof=1):.1f}" if len(ok) > 1 else f"{ok[0]:.1f}"
        note = f"{len(ok)} seed" + ("s" if len(ok) > 1 else "")
        cells[i, j] = f"{text}\n{note}" + (f", {n_div} diverged" if n_div else "")

    fig, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
    finite = mean[np.isfinite(mean)]
    norm = _norm(finite)
    cmap = plt.get_cmap("viridis_r").with_extremes(bad="white")
    im = ax.imshow(np.ma.masked_invalid(mean), cmap=cmap, norm=norm, origin="lower", aspect="auto")
    for i, j in diverged:
        ax.add_patch(
            Rectangle(
                (j - 0.5, i - 0.5),
                1,
                1,
                facecolor="0.85",
                edgecolor="0.5",
                hatch="//",
                lw=0,
                zorder=1,
            )
        )
    for (i, j), text in cells.items():
        rgba = cmap(norm(mean[i, j])) if np.isfinite(mean[i, j]) else (0.85, 0.85, 0.85, 1)
        light = 0.299 * rgba[0] + 0.587 * rgba[1] + 0.114 * rgba[2] > 0.5
        ax.text(
            j,
            i,
            text,
            ha="center",
            va="center",
            fontsize=9,
            zorder=2,
            color="black" if light else "white",
            gid="cell",
            # the hatching of a diverged cell must not run through its words
            bbox=None if np.isfinite(mean[i, j]) else {"facecolor": "0.85", "lw": 0, "pad": 2},
        )
    ax.set_xticks(range(len(xs)), [format_value(v) for v in xs])
    ax.set_yticks(range(len(ys)), [format_value(v) for v in ys])
    ax.set_xticks(np.arange(len(xs) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(ys) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", lw=2)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    cbar = fig.colorbar(im, ax=ax)
    cbar.set_label(f"{value_name(value)} (lower is better)")
    if isinstance(norm, LogNorm):
        plain_log_ticks(cbar.ax.yaxis)
    fig.suptitle(title, fontsize=12)
    ax.set_title(f"{protocol(df)}; mean ± std over seeds", fontsize=9, color="0.3")
    save_figure(fig, path)
    return fig


def _norm(values: np.ndarray) -> Normalize:
    if len(values) and values.min() > 0 and values.max() / values.min() > LOG_SPAN:
        return LogNorm(values.min(), values.max())
    if len(values) == 0:
        return Normalize(0, 1)
    lo, hi = float(values.min()), float(values.max())
    return Normalize(lo, hi if hi > lo else lo + 1)
