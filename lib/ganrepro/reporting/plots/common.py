"""What every figure of the package shares: one way to save a figure, one size, and the
axis, title and legend helpers of the per-experiment figures.

Kept in one place so the figures read alike (one resolution, one size, FID ticks as plain
numbers, the protocol in the subtitle, the legend below the axes) and a change of style is
made once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, FuncFormatter, LogLocator, MaxNLocator, NullFormatter

from ganrepro.io import atomic_path

FIGSIZE = (7.0, 4.5)
# the report shows a PNG at its pixel size: 7 in at 125 dpi is ~880 px, most of the content
# width beside the report's sidebar on a 1400 px screen, and still fits a laptop's
DPI = 125
LOG_SPAN = 10.0  # a y axis spanning more than this ratio is log-scaled
VALUE_NAMES = {
    "final_fid": "final FID",
    "best_fid": "best FID",
    "mean_fid": "mean FID over epochs",
}


def save_figure(fig: plt.Figure, path: str | Path) -> None:
    """Every figure of the package (ganrepro.reporting.plots, ganrepro.reporting.figures' analysis
    figures) as a PNG of
    one resolution, written atomically; the figure is closed (no pyplot state builds up)."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI, bbox_inches="tight")
    plt.close(fig)


def value_name(value: str) -> str:
    """An axis label in words ("final FID"), not a column name ("final_fid")."""
    return VALUE_NAMES.get(value, value.replace("_", " "))


def check_one_experiment(df: pd.DataFrame) -> None:
    """A figure has one idea: rows of two experiments would be averaged into one line or bar."""
    if "experiment" in df and df["experiment"].nunique() > 1:
        raise ValueError(
            "a figure shows one experiment; got rows of "
            f"{sorted(df['experiment'].unique())}: select one (df[df.experiment == name])"
        )


def has_curve(df: pd.DataFrame) -> bool:
    """Scores of two sample sizes (fid.intermediate_images): a curve's n and a final n."""
    return {"fid_curve", "n_curve"} <= set(df.columns) and bool(
        (df.n_curve != df.n_generated).any()
    )


def protocol(df: pd.DataFrame) -> str:
    """ "FID of N generated vs <reference>", or "mixed protocols" when rows differ."""
    if not {"n_generated", "reference"} <= set(df.columns) or not len(df):
        return "FID, protocol not recorded"
    if has_curve(df) and df.n_curve.nunique() == 1 and df.reference.nunique() == 1:
        return (
            f"FID of {int(df.n_curve.iloc[0])} generated per epoch, "
            f"{int(df.n_generated.max())} at the last, vs {df.reference.iloc[0]}"
        )
    pairs = df[["n_generated", "reference"]].drop_duplicates()
    if len(pairs) > 1:
        return "FID under mixed protocols (images generated or reference differ; see the table)"
    n, ref = pairs.iloc[0]
    return f"FID of {int(n)} generated vs {ref}"


def maybe_log(ax: plt.Axes, values: Sequence[float]) -> None:
    v = np.asarray([x for x in values if np.isfinite(x) and x > 0], dtype=float)
    if len(v) and v.max() / v.min() > LOG_SPAN:
        ax.set_yscale("log")
        plain_log_ticks(ax.yaxis)


def plain_log_ticks(axis: Any) -> None:
    """Plain numbers at 1, 2, 5 x 10^k: "50, 100, 200" reads as FID, "10^2" does not."""
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    axis.set_minor_formatter(NullFormatter())


def distinct_colours(n: int) -> list[Any]:
    """``n`` colours, none repeated: tab10 up to ten, tab20 up to twenty, beyond that evenly
    spaced along a perceptual colour map (a reader matches a legend entry to one line only)."""
    if n <= 10:
        return [plt.cm.tab10(i) for i in range(n)]
    if n <= 20:
        # dark ones first, then their light partners: neighbours in the legend differ most
        return [plt.cm.tab20(2 * i + j) for j in (0, 1) for i in range(10)][:n]
    return [plt.cm.turbo(x) for x in np.linspace(0.03, 0.97, n)]


def unique_handles(handles: list[Any]) -> list[Any]:
    """One legend entry per label: the first handle drawn under it."""
    seen: dict[str, Any] = {}
    for h in handles:
        seen.setdefault(h.get_label(), h)
    return list(seen.values())


def epoch_ticks(ax: plt.Axes, epochs: Sequence[Any]) -> None:
    """Ticks at the scored epochs when there are few (a reader looks up "epoch 25"), else
    integer ticks chosen by matplotlib; never a fractional epoch."""
    scored = sorted({int(e) for e in pd.Series(list(epochs)).dropna()})
    span = (scored[-1] - scored[0]) if scored else 0
    gaps = np.diff(scored) if len(scored) > 1 else np.array([span or 1])
    if len(scored) == 1:  # one scored epoch: a tick there, not fractions around it
        ax.xaxis.set_major_locator(FixedLocator(scored))
        ax.set_xlim(scored[0] - 1, scored[0] + 1)
    elif len(scored) <= 12 and gaps.min() >= span / 25:
        ax.xaxis.set_major_locator(FixedLocator(scored))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def legend_below(fig: plt.Figure, ax: plt.Axes, handles: list[Any]) -> None:
    """Below the axes, the figure made taller by the legend's rows so the axes keep their
    height: inside, even matplotlib's "best" place covers a reference line or a band. One
    entry per label."""
    handles = unique_handles(handles)
    if not handles:
        return
    longest = max(len(h.get_label()) for h in handles)
    ncols = 2 if longest > 28 else 3 if longest > 16 else 4
    rows = -(-len(handles) // ncols)
    fig.legend(handles=handles, fontsize=8, loc="outside lower center", ncols=ncols, frameon=False)
    w, h = fig.get_size_inches()
    fig.set_size_inches(w, h + 0.2 * rows + 0.1)
