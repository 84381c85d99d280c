"""One experiment's FID against epoch, a line per setting (the mean over its seeds, a band of
± std), with the paper's numbers as stars or dashed lines: the figure that says whether a
setting trains better, and whether our run reaches the published score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator

from ganrepro.reporting.labels import describe_setting
from ganrepro.reporting.plots.common import (
    FIGSIZE,
    check_one_experiment,
    distinct_colours,
    epoch_ticks,
    has_curve,
    legend_below,
    maybe_log,
    protocol,
    save_figure,
)
from ganrepro.reporting.plots.grid import matches, order_keys, ordered_settings, parse_grid

LINE_STYLES = [("-", "o"), ("--", "s"), (":", "^"), ("-.", "D")]


def fid_vs_epoch_by_setting(
    rows: pd.DataFrame,
    path: str | Path,
    *,
    title: str,
    references: Sequence[Mapping[str, Any]] | None = None,
    key_order: Sequence[str] | None = None,
) -> plt.Figure:
    """One experiment's FID against epoch: a line per setting (distinct ``grid``), the mean
    over its seeds with a ± std band where ≥ 2 seeds scored that epoch.

    ``rows``: ``tables.fid_by_epoch`` for one experiment. Diverged or NaN scores are left out
    of the mean; an epoch whose mean is over fewer seeds than the setting has is drawn with an
    open marker, so a jump caused by a seed dropping out is not read as training progress.
    ``references``: dicts {"setting": {...} ({} = whole experiment), "epoch": int | None,
    "value": float, "label": str}: a star at (epoch, value), or without an epoch a dashed
    horizontal line labelled at the right end; coloured as the one setting it matches, black
    when it matches none or several. ``key_order``: the experiment's grid keys in the order
    labels should name them. Returns the (saved, closed) figure.
    """
    check_one_experiment(rows)
    coords = {g: parse_grid(g) for g in dict.fromkeys(rows["grid"])}
    keys = order_keys(coords.values(), key_order)
    settings = ordered_settings(list(coords), coords, keys)
    styles = _setting_styles(settings, coords, keys)
    single = len(settings) == 1
    most_seeds = rows.groupby("grid").seed.nunique().max() if len(rows) else 0
    # with fid.intermediate_images the lines are the scores of the curve's n (the last epoch's
    # on its first samples) and the final FIDs, of more samples, are diamonds of their own
    two_n = has_curve(rows)
    col = "fid_curve" if two_n else "fid"
    experiment = str(rows["experiment"].iloc[0]) if "experiment" in rows and len(rows) else title

    fig, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
    handles: list[Any] = []
    colours: dict[str, Any] = {}
    plotted: list[float] = []
    any_partial = False
    star_labels: dict[str, set[str]] = {}
    line_labels: dict[str, set[str]] = {}
    for grid in settings:
        g = rows[rows.grid == grid]
        colour, ls, marker = styles[grid]
        colours[grid] = colour
        ok = g[(g.status == "ok") & g[col].notna()]
        seeds = list(dict.fromkeys(g.seed))
        n_diverged = sum(
            1 for s in seeds if ((g.seed == s) & ((g.status != "ok") | g[col].isna())).any()
        )
        stats = ok.groupby("epoch")[col].agg(["mean", "std", "count"]).sort_index()
        name = experiment if single else describe_setting(coords[grid], keys) or experiment
        note = _seeds_note(len(seeds), n_diverged, most_seeds)
        label = f"{name} ({note})" if note else name
        (line,) = ax.plot(
            stats.index,
            stats["mean"],
            color=colour,
            ls=ls,
            lw=1.6,
            marker=marker,
            ms=4.5,
            label=label,
            gid="setting",
        )
        handles.append(line)
        plotted += list(stats["mean"])
        if len(seeds) >= 2 and (stats["count"] >= 2).any():
            lo, hi = stats["mean"] - stats["std"], stats["mean"] + stats["std"]
            ax.fill_between(
                stats.index,
                lo,
                hi,
                where=(stats["count"] >= 2).to_numpy(),
                color=colour,
                alpha=0.18,
                lw=0,
                gid="band",
                interpolate=False,
            )
        if two_n:
            final = ok[ok.n_generated > ok.n_curve].groupby("epoch").fid.mean()
            ax.scatter(
                final.index,
                final,
                marker="D",
                s=36,
                color=colour,
                edgecolors="black",
                linewidths=0.6,
                zorder=4,
                gid="final",
            )
            plotted += list(final)
        partial = stats[stats["count"] < len(seeds)]
        if len(seeds) >= 2 and len(partial):
            any_partial = True
            ax.scatter(
                partial.index,
                partial["mean"],
                s=30,
                marker=marker,
                facecolors="white",
                edgecolors=colour,
                linewidths=1.4,
                zorder=3,
                gid="partial",
            )

    max_epoch = float(rows["epoch"].max()) if len(rows) else 0.0
    far = [r for r in references or [] if _beyond(r.get("epoch"), rows["epoch"])]
    side = _side_panel(fig, ax, far) if far else None
    for ref in references or []:
        matched = [s for s in settings if matches(ref.get("setting") or {}, coords[s])]
        colour = colours[matched[0]] if len(matched) == 1 else "black"
        label = ref.get("label") or "reference"
        shared = sum(c == colour for c in colours.values()) > 1
        if len(matched) == 1 and shared and ref.get("epoch") is not None:
            # the colour names a group of lines (e.g. one lr): the label names the setting
            label += f" ({describe_setting(coords[matched[0]], keys)})"
        value = float(ref["value"])
        plotted.append(value)
        if ref.get("epoch") is not None:
            target = side if any(r is ref for r in far) else ax
            h = target.scatter(
                [ref["epoch"]],
                [value],
                marker="*",
                s=180,
                color=colour,
                edgecolors="black",
                linewidths=0.7,
                zorder=5,
                label=label,
                gid="reference",
            )
            star_labels.setdefault(label, set()).add(mcolors.to_hex(colour))
            handles.append(h)
        else:
            # no words at the line's end (they collide with each other and the frame): the
            # legend names the source, the setting's marker at the right end names the setting
            for target in (ax, side) if side is not None else (ax,):
                target.axhline(value, color=colour, ls="--", lw=1.1, gid="reference")
            end = side if side is not None else ax
            marker = styles[matched[0]][2] if len(matched) == 1 else "_"
            end.plot(
                [0.985],
                [value],
                marker=marker,
                ms=5,
                color=colour,
                transform=end.get_yaxis_transform(),
                clip_on=False,
                gid="reference_end",
            )
            line_labels.setdefault(label, set()).add(mcolors.to_hex(colour))
    handles = [h for h in handles if h.get_label() not in star_labels]
    handles += [_reference_handle(lab, cs, "star") for lab, cs in star_labels.items()]
    handles += [_reference_handle(lab, cs, "line") for lab, cs in line_labels.items()]
    if two_n:
        n_final = int(rows.n_generated.max())
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker="D",
                ms=5,
                mfc="0.6",
                mec="black",
                label=f"final FID of {n_final} samples (lines: {int(rows.n_curve.min())})",
            )
        )
    if any_partial:
        handles.append(
            Line2D(
                [],
                [],
                ls="",
                marker="o",
                ms=5,
                mfc="white",
                mec="0.3",
                label="open marker: mean of fewer seeds (others diverged)",
            )
        )

    epoch_ticks(ax, rows["epoch"])
    if far and len(rows):  # our epochs set the range, whatever the references beyond them
        lo, hi = float(rows["epoch"].min()), max_epoch
        pad = max((hi - lo) * 0.05, 0.25)
        ax.set_xlim(lo - pad, hi + pad)
    maybe_log(ax, plotted)
    ax.set_xlabel("epoch")
    ax.set_ylabel("FID (lower is better)")
    ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=12)
    ax.set_title(protocol(rows), fontsize=9, color="0.3")
    legend_below(fig, ax, handles)
    save_figure(fig, path)
    return fig


def _setting_styles(
    settings: Sequence[str], coords: Mapping[str, Mapping[str, Any]], keys: Sequence[str]
) -> dict[str, tuple[Any, str, str]]:
    """A colour, line style and marker per setting. With two or more keys the colour follows
    the first key (the variant, or lr) and the style the others, so a 3 x 3 grid reads as three
    colours in three styles instead of nine unrelated colours; otherwise a colour each, none
    repeated (common.distinct_colours)."""
    if len(keys) >= 2:
        first = list(dict.fromkeys(coords[s].get(keys[0]) for s in settings))
        rest = list(dict.fromkeys(tuple(coords[s].get(k) for k in keys[1:]) for s in settings))
        if len(first) <= 10 and len(rest) <= len(LINE_STYLES):
            return {
                s: (
                    plt.cm.tab10(first.index(coords[s].get(keys[0]))),
                    *LINE_STYLES[rest.index(tuple(coords[s].get(k) for k in keys[1:]))],
                )
                for s in settings
            }
    palette = distinct_colours(len(settings))
    return {s: (palette[i], *LINE_STYLES[0]) for i, s in enumerate(settings)}


def _beyond(epoch: Any, ours: pd.Series) -> bool:
    """A reference epoch that would stretch our x-range by more than half of it (e.g. 001's
    epoch 970 beside our 2): drawn in the side panel, not on our axis."""
    if epoch is None or not len(ours):
        return False
    lo, hi = float(ours.min()), float(ours.max())
    return float(epoch) > hi + max(1.0, 0.5 * (hi - lo))


def _side_panel(fig: plt.Figure, ax: plt.Axes, far: Sequence[Mapping[str, Any]]) -> plt.Axes:
    """A narrow panel right of ``ax`` sharing its y axis, for the references at epochs our runs
    did not reach, separated by an axis break so no one reads the two as one scale."""
    gs = ax.get_subplotspec().subgridspec(1, 2, width_ratios=[5, 1], wspace=0.04)
    ax.set_subplotspec(gs[0])
    side = fig.add_subplot(gs[1], sharey=ax)
    epochs = [int(r["epoch"]) for r in far]
    lo, hi = min(epochs), max(epochs)
    pad = max(1.0, (hi - lo) * 0.15)
    side.set_xlim(lo - pad, hi + pad)
    side.xaxis.set_major_locator(
        FixedLocator(sorted({lo, hi})) if hi - lo > 0 else FixedLocator([lo])
    )
    side.tick_params(axis="y", which="both", left=False, labelleft=False)
    side.tick_params(axis="x", labelsize=8)
    side.spines["left"].set_visible(False)
    ax.spines["right"].set_visible(False)
    side.set_facecolor("0.96")
    side.grid(alpha=0.3)
    side.set_title("references beyond\nour epochs", fontsize=8, color="0.3")
    side.set_xlabel("epoch", fontsize=8)
    kw = {"marker": [(-1, -1.5), (1, 1.5)], "markersize": 9, "ls": "none", "color": "0.3"}
    kw.update(mec="0.3", mew=1, clip_on=False)
    ax.plot([1, 1], [0, 1], transform=ax.transAxes, gid="axis_break", **kw)
    side.plot([0, 0], [0, 1], transform=side.transAxes, gid="axis_break", **kw)
    return side


def _reference_handle(label: str, colours: set[str], kind: str) -> Line2D:
    """A source's one legend entry: in its colour when all its marks share one, else grey
    (each mark is in its setting's colour)."""
    colour = next(iter(colours)) if len(colours) == 1 else "0.55"
    if kind == "star":
        return Line2D(
            [], [], ls="", marker="*", ms=12, mfc=colour, mec="black", mew=0.7, label=label
        )
    return Line2D([], [], ls="--", lw=1.1, color=colour, label=label)


def _seeds_note(n_seeds: int, n_diverged: int, most_seeds: int = 1) -> str:
    """ "3 seeds, 1 diverged"; a lone seed is named only where others have several (so its
    missing band is explained) or when it diverged."""
    if n_seeds <= 1:
        return "diverged" if n_diverged else ("1 seed" if most_seeds > 1 else "")
    return f"{n_seeds} seeds" + (f", {n_diverged} diverged" if n_diverged else "")
