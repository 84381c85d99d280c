"""Figures: FID against epoch, G and D loss curves, and the per-experiment figures people read:
FID against epoch with one line per setting, an ablation heatmap (two grid keys) and ablation
bars (one grid key or variants).

The per-experiment figures return their Figure after saving it (already closed, so no pyplot
state builds up), so a test or a notebook can inspect what was drawn.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import LogNorm, Normalize  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.ticker import (  # noqa: E402
    FixedLocator,
    FuncFormatter,
    LogLocator,
    MaxNLocator,
    NullFormatter,
)

from ganrepro.io import atomic_path  # noqa: E402
from ganrepro.labels import describe_setting, format_value  # noqa: E402, F401 (re-exported)


def save_figure(fig: plt.Figure, path: str | Path) -> None:
    """Every figure of the package (plots here, ganrepro.figures' analysis figures) as a PNG of
    one resolution, written atomically; the figure is closed (no pyplot state builds up)."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)


def fid_vs_epoch(by_epoch: pd.DataFrame, path: str | Path, title: str = "FID vs epoch") -> None:
    """One line per run, one colour per experiment; diverged points are absent. With
    fid.intermediate_images the lines are the curve's scores (one n throughout)."""
    if _has_curve(by_epoch):
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


# ---- per-experiment figures (one idea each) -------------------------------------------------

FIGSIZE = (7.0, 4.5)
LOG_SPAN = 10.0  # a y axis spanning more than this ratio is log-scaled
VALUE_NAMES = {
    "final_fid": "final FID",
    "best_fid": "best FID",
    "mean_fid": "mean FID over epochs",
}


def plan_figures(grid_keys: Sequence[str]) -> list[str]:
    """Which ablation figure an experiment gets, from its grid keys ("variant" for variants).

    - no key (seeds only): [] (its FID-vs-epoch figure says everything);
    - exactly two grid keys and no variants: ["heatmap"] (x = first key, y = second);
    - anything else (one grid key, variants only, variants crossed with grid keys, three or
      more grid keys): ["bars"], by "variant" when there are variants, else by the first key.
      The other keys become side-by-side bars within each group, labelled in the legend
      ("loss hinge"): one row of bars keeps every setting visible, where a heatmap of
      variant x key would hide the seeds and the spread.
    """
    keys = list(grid_keys)
    if not keys:
        return []
    if "variant" not in keys and len(keys) == 2:
        return ["heatmap"]
    return ["bars"]


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
    _one_experiment(rows)
    coords = {g: _parse_grid(g) for g in dict.fromkeys(rows["grid"])}
    keys = _key_order(coords.values(), key_order)
    settings = _ordered_settings(list(coords), coords, keys)
    styles = _setting_styles(settings, coords, keys)
    single = len(settings) == 1
    most_seeds = rows.groupby("grid").seed.nunique().max() if len(rows) else 0
    # with fid.intermediate_images the lines are the scores of the curve's n (the last epoch's
    # on its first samples) and the final FIDs, of more samples, are diamonds of their own
    two_n = _has_curve(rows)
    col = "fid_curve" if two_n else "fid"
    experiment = str(rows["experiment"].iloc[0]) if "experiment" in rows and len(rows) else title

    fig, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
    handles: list[Any] = []
    colours: dict[str, Any] = {}
    plotted: list[float] = []
    any_partial = False
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

    for ref in references or []:
        matched = [s for s in settings if _matches(ref.get("setting") or {}, coords[s])]
        colour = colours[matched[0]] if len(matched) == 1 else "black"
        label = ref.get("label") or "reference"
        if len(matched) == 1 and sum(c == colour for c in colours.values()) > 1:
            # the colour names a group of lines (e.g. one lr): the label names the setting
            label += f" ({describe_setting(coords[matched[0]], keys)})"
        value = float(ref["value"])
        plotted.append(value)
        if ref.get("epoch") is not None:
            h = ax.scatter(
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
            handles.append(h)
        else:
            ax.axhline(value, color=colour, ls="--", lw=1.1, gid="reference")
            ax.annotate(
                label,
                xy=(1, value),
                xycoords=("axes fraction", "data"),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
                color=colour,
            )
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

    _epoch_ticks(ax, rows["epoch"])
    _maybe_log(ax, plotted)
    ax.set_xlabel("epoch")
    ax.set_ylabel("FID (lower is better)")
    ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=12)
    ax.set_title(_protocol(rows), fontsize=9, color="0.3")
    _legend(fig, ax, handles)
    save_figure(fig, path)
    return fig


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
    _one_experiment(summary)
    df, keys = _with_coords(summary)
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
    xs, ys = _ordered(df[x], sort_strings=True), _ordered(df[y], sort_strings=True)
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
    cbar.set_label(f"{_value_name(value)} (lower is better)")
    if isinstance(norm, LogNorm):
        _plain_log_ticks(cbar.ax.yaxis)
    fig.suptitle(title, fontsize=12)
    ax.set_title(f"{_protocol(df)}; mean ± std over seeds", fontsize=9, color="0.3")
    save_figure(fig, path)
    return fig


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
    _one_experiment(summary)
    df, keys = _with_coords(summary)
    if by not in keys:
        raise ValueError(
            f"ablation_bars: by={by!r} is not a grid key of this experiment (its keys: {keys})"
        )
    keys = _key_order([dict.fromkeys(keys)], key_order)
    others = [k for k in keys if k != by and df[k].nunique(dropna=False) > 1]
    groups = _ordered(df[by], sort_strings=False)
    sub_coords_of = {
        t: dict(zip(others, t, strict=True))
        for t in dict.fromkeys(tuple(r) for r in df[others].itertuples(index=False))
    }
    subs = _ordered_settings(list(sub_coords_of), sub_coords_of, others) if others else [()]
    width = 0.8 / len(subs)
    colours = _bar_colours(len(subs))
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
        matched = [x for x, c in positions if _matches(ref.get("setting") or {}, c)]
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
    ax.set_ylabel(f"{_value_name(value)} (lower is better)")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    fig.suptitle(title, fontsize=12)
    ax.set_title(
        f"{_protocol(df)}; bar: mean over seeds, error bar: ± std (≥ 2 seeds)",
        fontsize=9,
        color="0.3",
    )
    _legend(fig, ax, handles)
    save_figure(fig, path)
    return fig


def _value_name(value: str) -> str:
    return VALUE_NAMES.get(value, value.replace("_", " "))


def _parse_grid(grid: Any) -> dict[str, Any]:
    if isinstance(grid, Mapping):
        return dict(grid)
    if grid is None or (isinstance(grid, float) and math.isnan(grid)) or grid == "":
        return {}
    return json.loads(grid)


def _with_coords(summary: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The summary with one column per grid key (from its ``grid`` JSON), and those keys."""
    coords = [_parse_grid(g) for g in summary["grid"]]
    keys = list(dict.fromkeys(k for c in coords for k in c))
    keys.sort(key=lambda k: k != "variant")
    df = summary.copy()
    for k in keys:
        df[k] = [c.get(k) for c in coords]
    return df, keys


def _one_experiment(df: pd.DataFrame) -> None:
    if "experiment" in df and df["experiment"].nunique() > 1:
        raise ValueError(
            "a figure shows one experiment; got rows of "
            f"{sorted(df['experiment'].unique())}: select one (df[df.experiment == name])"
        )


def _sort_key(v: Any) -> tuple:
    if isinstance(v, bool | np.bool_):
        return (1, str(v))
    if isinstance(v, int | float | np.integer | np.floating):
        return (0, float(v), "")
    return (1, str(v))


def _ordered(values: pd.Series | Sequence[Any], *, sort_strings: bool) -> list[Any]:
    """Distinct values: numbers sorted; names sorted only if ``sort_strings``, else in order of
    first appearance (variants keep the order the caller gave them)."""
    distinct = list(dict.fromkeys(values))
    numeric = all(_sort_key(v)[0] == 0 for v in distinct)
    return sorted(distinct, key=_sort_key) if numeric or sort_strings else distinct


def _key_order(coords: Iterable[Mapping[str, Any]], key_order: Sequence[str] | None) -> list[str]:
    """The grid keys: the variant first, then in ``key_order``, then as they come."""
    keys = list(dict.fromkeys(k for c in coords for k in c))
    rank = {k: i for i, k in enumerate(key_order or [])}
    keys.sort(key=lambda k: rank.get(k, len(rank)))
    keys.sort(key=lambda k: k != "variant")
    return keys


def _ordered_settings(
    settings: list[Any], coords: Mapping[Any, Mapping[str, Any]], keys: Sequence[str]
) -> list[Any]:
    """Settings sorted key by key (each key's values ordered as ``_ordered`` does), so a legend
    reads lr 0.0001, 0.0002, 0.0005 rather than in run-name order."""
    rank = {
        k: {
            v: i
            for i, v in enumerate(
                _ordered([coords[s].get(k) for s in settings if k in coords[s]], sort_strings=False)
            )
        }
        for k in keys
    }
    return sorted(
        settings,
        key=lambda s: tuple(rank[k].get(coords[s].get(k), -1) for k in keys),
    )


def _values_equal(a: Any, b: Any) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=0.0)
    return a == b


def _matches(setting: Mapping[str, Any], coords: Mapping[str, Any]) -> bool:
    """A reference's setting matches a run when every key it names equals the run's value."""
    return all(k in coords and _values_equal(coords[k], v) for k, v in setting.items())


LINE_STYLES = [("-", "o"), ("--", "s"), (":", "^"), ("-.", "D")]


def _setting_styles(
    settings: Sequence[str], coords: Mapping[str, Mapping[str, Any]], keys: Sequence[str]
) -> dict[str, tuple[Any, str, str]]:
    """A colour, line style and marker per setting. With two or more keys the colour follows
    the first key (the variant, or lr) and the style the others, so a 3 x 3 grid reads as three
    colours in three styles instead of nine unrelated colours; otherwise one tab10 colour each
    (then again dashed, then dotted, beyond ten)."""
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
    return {
        s: (plt.cm.tab10(i % 10), *LINE_STYLES[(i // 10) % len(LINE_STYLES)])
        for i, s in enumerate(settings)
    }


def _bar_colours(n: int) -> list[Any]:
    return [plt.cm.tab10(i % 10) for i in range(n)]


def _epoch_ticks(ax: plt.Axes, epochs: pd.Series) -> None:
    """Ticks at the scored epochs when there are few (a reader looks up "epoch 25"), else
    integer ticks chosen by matplotlib; never a fractional epoch."""
    scored = sorted({int(e) for e in epochs.dropna()})
    span = (scored[-1] - scored[0]) if scored else 0
    gaps = np.diff(scored) if len(scored) > 1 else np.array([span or 1])
    if len(scored) == 1:  # one scored epoch: a tick there, not fractions around it
        ax.xaxis.set_major_locator(FixedLocator(scored))
        ax.set_xlim(scored[0] - 1, scored[0] + 1)
    elif len(scored) <= 12 and gaps.min() >= span / 25:
        ax.xaxis.set_major_locator(FixedLocator(scored))
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _seeds_note(n_seeds: int, n_diverged: int, most_seeds: int = 1) -> str:
    """ "3 seeds, 1 diverged"; a lone seed is named only where others have several (so its
    missing band is explained) or when it diverged."""
    if n_seeds <= 1:
        return "diverged" if n_diverged else ("1 seed" if most_seeds > 1 else "")
    return f"{n_seeds} seeds" + (f", {n_diverged} diverged" if n_diverged else "")


def _has_curve(df: pd.DataFrame) -> bool:
    """Scores of two sample sizes (fid.intermediate_images): a curve's n and a final n."""
    return {"fid_curve", "n_curve"} <= set(df.columns) and bool(
        (df.n_curve != df.n_generated).any()
    )


def _protocol(df: pd.DataFrame) -> str:
    """ "FID of N generated vs <reference>", or "mixed protocols" when rows differ."""
    if not {"n_generated", "reference"} <= set(df.columns) or not len(df):
        return "FID, protocol not recorded"
    if _has_curve(df) and df.n_curve.nunique() == 1 and df.reference.nunique() == 1:
        return (
            f"FID of {int(df.n_curve.iloc[0])} generated per epoch, "
            f"{int(df.n_generated.max())} at the last, vs {df.reference.iloc[0]}"
        )
    pairs = df[["n_generated", "reference"]].drop_duplicates()
    if len(pairs) > 1:
        return "FID under mixed protocols (images generated or reference differ; see the table)"
    n, ref = pairs.iloc[0]
    return f"FID of {int(n)} generated vs {ref}"


def _norm(values: np.ndarray) -> Normalize:
    if len(values) and values.min() > 0 and values.max() / values.min() > LOG_SPAN:
        return LogNorm(values.min(), values.max())
    if len(values) == 0:
        return Normalize(0, 1)
    lo, hi = float(values.min()), float(values.max())
    return Normalize(lo, hi if hi > lo else lo + 1)


def _maybe_log(ax: plt.Axes, values: Sequence[float]) -> None:
    v = np.asarray([x for x in values if np.isfinite(x) and x > 0], dtype=float)
    if len(v) and v.max() / v.min() > LOG_SPAN:
        ax.set_yscale("log")
        _plain_log_ticks(ax.yaxis)


def _plain_log_ticks(axis: Any) -> None:
    """Plain numbers at 1, 2, 5 x 10^k: "50, 100, 200" reads as FID, "10^2" does not."""
    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    axis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    axis.set_minor_formatter(NullFormatter())


def _legend(fig: plt.Figure, ax: plt.Axes, handles: list[Any]) -> None:
    """Below the axes, the figure made taller by the legend's rows so the axes keep their
    height: inside, even matplotlib's "best" place covers a reference line or a band."""
    if not handles:
        return
    longest = max(len(h.get_label()) for h in handles)
    ncols = 2 if longest > 28 else 3 if longest > 16 else 4
    rows = -(-len(handles) // ncols)
    fig.legend(handles=handles, fontsize=8, loc="outside lower center", ncols=ncols, frameon=False)
    w, h = fig.get_size_inches()
    fig.set_size_inches(w, h + 0.2 * rows + 0.1)


def sample_sheet(
    grids: Sequence[tuple[str, str | Path]], path: str | Path, *, title: str, columns: int = 4
) -> plt.Figure:
    """An experiment's sample grids side by side (one per run, its final checkpoint), each
    titled with its setting and seed, so the report shows every run's images in one place
    (also those of runs trained once for two experiments)."""
    from PIL import Image

    n = max(len(grids), 1)
    cols = min(columns, n)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.5 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (label, grid) in zip(axes.flat, grids, strict=False):
        with Image.open(grid) as image:
            ax.imshow(np.asarray(image.convert("RGB")))
        ax.set_title(label, fontsize=8)
    fig.suptitle(title)
    save_figure(fig, path)
    return fig
