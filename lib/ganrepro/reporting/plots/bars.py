"""An ablation over one grid key or over variants as bars: a bar per value (mean over seeds),
every seed as a dot, divergences written out, the paper's numbers as stars or dashed lines.
The figure for every grid a heatmap would misrepresent (see
ganrepro.reporting.plots.grid.plan_figures)."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from ganrepro.reporting.labels import describe_setting, format_value
from ganrepro.reporting.plots.common import (
    FIGSIZE,
    check_one_experiment,
    distinct_colours,
    legend_below,
    protocol,
    save_figure,
    value_name,
)
from ganrepro.reporting.plots.grid import (
    matches,
    order_keys,
    ordered,
    ordered_settings,
    with_coords,
)


def ablation_bars(
    summary: pd.DataFrame,
    path: str | Path,
    *,
    by: str,
    title: str,
    value: str = "final_fid",
    references: Sequence[Mapping[str, Any]] | None = None,
    key_order: Sequence[str] | None = None,
) -> plt.Figure:
    """``value`` per value of ``by`` (a grid key, or "variant"): a bar at the mean over seeds,
    an error bar of ± std (≥ 2 seeds), a dot per seed, and a note where seeds diverged.

    The other grid keys, if any (variants crossed with a loss), are side-by-side bars within
    each group, coloured and named in the legend. Numbers are sorted; names (variants) keep
    their order in ``summary``, so the caller chooses it. ``references``: dicts {"setting":
    {...}, "value": float, "label": str}: a star on the one bar the setting matches, or a
    dashed line across the bars it matches ({} = all). Returns the figure.
    """
    check_one_experiment(summary)
    df, keys = with_coords(summary)
    if by not in keys:
        raise ValueError(
            f"ablation_bars: by={by!r} is not a grid key of this experiment (its keys: {keys})"
        )
    keys = order_keys([dict.fromkeys(keys)], key_order)
    others = [k for k in keys if k != by and df[k].nunique(dropna=False) > 1]
    groups = ordered(df[by], sort_strings=False)
    sub_coords_of = {
        t: dict(zip(others, t, strict=True))
        for t in dict.fromkeys(tuple(r) for r in df[others].itertuples(index=False))
    }
    subs = ordered_settings(list(sub_coords_of), sub_coords_of, others) if others else [()]
    width = 0.8 / len(subs)
    colours = distinct_colours(len(subs))
    rng = np.random.default_rng(0)  # a fixed jitter: the same figure from the same numbers

    fig, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
    handles: list[Any] = []
    positions: list[tuple[float, dict[str, Any]]] = []
    tops: list[float] = []
    notes: list[tuple[float, float | None, str]] = []
    for j, sub in enumerate(subs):
        colour = colours[j]
        sub_coords = dict(zip(others, sub, strict=True))
        xs_, means, stds = [], [], []
        for i, gv in enumerate(groups):
            mask = df[by] == gv
            for k, v in sub_coords.items():
                mask &= df[k] == v
            g = df[mask]
            if not len(g):
                continue
            xpos = i + (j - (len(subs) - 1) / 2) * width
            positions.append((xpos, {by: gv, **sub_coords}))
            ok = g[value].dropna().to_numpy(dtype=float)
            n_div = len(g) - len(ok)
            if len(ok):
                xs_.append(xpos)
                means.append(ok.mean())
                stds.append(ok.std(ddof=1) if len(ok) > 1 else np.nan)
                ax.scatter(
                    xpos + rng.uniform(-0.2, 0.2, len(ok)) * width,
                    ok,
                    s=14,
                    color="black",
                    zorder=3,
                    gid="seed",
                )
                tops.append(max(ok.max(), ok.mean() + (np.nan_to_num(stds[-1]))))
            if n_div:
                top = tops[-1] if len(ok) else None
                notes.append((xpos, top, "diverged" if not len(ok) else f"{n_div} diverged"))
        bars = ax.bar(
            xs_,
            means,
            width=width * 0.92,
            color=colour,
            alpha=0.75,
            label=describe_setting(sub_coords, others) or None,
            gid="bar",
        )
        ax.errorbar(
            xs_, means, yerr=np.array(stds), fmt="none", ecolor="0.15", capsize=3, lw=1, zorder=4
        )
        if len(subs) > 1:
            handles.append(bars)
    handles.append(Line2D([], [], ls="", marker="o", ms=4, color="black", label="one seed"))

    for ref in references or []:
        matched = [x for x, c in positions if matches(ref.get("setting") or {}, c)]
        value_ = float(ref["value"])
        if not matched:
            warnings.warn(
                f"ablation_bars: reference {ref.get('label')!r} matches no bar "
                f"(setting {ref.get('setting')}); not drawn",
                stacklevel=2,
            )
            continue
        tops.append(value_)
        if len(matched) == 1:
            h = ax.scatter(
                matched,
                [value_],
                marker="*",
                s=200,
                color="gold",
                edgecolors="black",
                linewidths=0.8,
                zorder=5,
                label=ref.get("label") or "reference",
                gid="reference",
            )
        else:
            (h,) = ax.plot(
                [min(matched) - width / 2, max(matched) + width / 2],
                [value_, value_],
                color="black",
                ls="--",
                lw=1.2,
                label=ref.get("label") or "reference",
                gid="reference",
            )
        handles.append(h)

    ymax = max(tops) if tops else 1.0
    ax.set_ylim(0, ymax * 1.15)
    for xpos, top, text in notes:  # no bar at all: the note stands where the bar would start
        ax.annotate(
            text,
            xy=(xpos, 0 if top is None else top),
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            rotation=90 if top is None or len(subs) > 1 else 0,
            fontsize=8,
            color="firebrick",
            gid="diverged",
        )
    labels = [format_value(v) for v in groups]
    long = max((len(s) for s in labels), default=0) * len(groups) > 60
    ax.set_xticks(
        range(len(groups)), labels, rotation=30 if long else 0, ha="right" if long else "center"
    )
    ax.set_xlabel(by)
    ax.set_ylabel(f"{value_name(value)} (lower is better)")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    fig.suptitle(title, fontsize=12)
    ax.set_title(
        f"{protocol(df)}; bar: mean over seeds, error bar: ± std (≥ 2 seeds)",
        fontsize=9,
        color="0.3",
    )
    legend_below(fig, ax, handles)
    save_figure(fig, path)
    return fig
