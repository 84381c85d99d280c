"""The discriminator's health, a row of panels per run: how far apart D scores real and fake,
how often it is right (and inside the hinge margin), both players' gradient norms, and each
spectrally normalised layer's largest singular value. Where the losses say that training went
wrong, these say whether D was winning, losing or stuck."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import FuncFormatter, NullFormatter

from ganrepro.reporting.plots.common import save_figure

ROW_HEIGHT = 2.3  # inches per run
PANELS = ("D's mean output", "D right / inside margin", "gradient norm", "spectral norm (raw W)")


def _no_data(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=8)
    # ticks hidden on this axis only: setting them would clear the x ticks its row shares
    ax.tick_params(which="both", bottom=False, left=False, labelbottom=False, labelleft=False)


def _plain_log(ax) -> None:
    """A log y axis (after plotting) with ticks as plain numbers (0.3, 2, 10), not powers of
    ten; the minor ticks labelled only where the axis spans less than a decade."""
    ax.set_yscale("log")
    plain = FuncFormatter(lambda value, _: f"{value:g}")
    ax.yaxis.set_major_formatter(plain)
    low, high = ax.get_ylim()
    ax.yaxis.set_minor_formatter(plain if high < 10 * low else NullFormatter())


def health_panels(
    losses: Mapping[str, pd.DataFrame],
    spectral: Mapping[str, pd.DataFrame],
    path: str | Path,
    title: str,
) -> plt.Figure:
    """``losses``: per run label, the binned per-step series of its summary (step, d_real,
    d_fake, d_accuracy, d_violations, grad_norm_d, grad_norm_g); ``spectral``: per run label,
    sigma/<layer> at each logging step. A run trained before these were measured gets a row
    that says so."""
    fig, axes = plt.subplots(
        len(losses), 4, figsize=(14, ROW_HEIGHT * len(losses) + 0.6), squeeze=False, sharex="row"
    )
    for row, (run, df) in zip(axes, losses.items(), strict=True):
        df = df.astype({c: float for c in df.columns if c not in ("step", "epoch")})
        if "grad_norm_d" not in df or df.grad_norm_d.isna().all():
            _no_data(row[0], "not measured: trained before\nD's health was logged")
            row[0].set_ylabel(run, fontsize=8)
            for ax in row[1:]:
                ax.set_axis_off()
            continue
        logits, right, grads, sigmas = row
        logits.plot(df.step, df.d_real, label="real", color="tab:blue")
        logits.plot(df.step, df.d_fake, label="fake", color="tab:red")
        logits.axhline(0, color="grey", lw=0.6)
        hinge = df.d_violations.notna().any()
        if hinge:  # the margin D's hinge loss asks for
            for margin in (-1, 1):
                logits.axhline(margin, color="grey", lw=0.6, ls="--")
        logits.set_ylabel(run, fontsize=8)
        right.plot(df.step, df.d_accuracy, label="right", color="tab:green")
        if hinge:
            right.plot(df.step, df.d_violations, label="inside margin", color="tab:orange")
        right.set_ylim(-0.03, 1.03)
        grads.plot(df.step, df.grad_norm_d, label="D", color="tab:purple")
        g = df.dropna(subset=["grad_norm_g"])
        grads.plot(g.step, g.grad_norm_g, label="G", color="tab:brown")
        _plain_log(grads)
        layers = spectral.get(run, pd.DataFrame())
        columns = [c for c in layers.columns if c.startswith("sigma/")]
        if not columns:
            _no_data(sigmas, "no spectrally normalised layer")
        else:
            # measured every logging interval: a short run has a handful of points
            marker = "o" if len(layers) < 10 else None
            for column in columns:
                sigmas.plot(
                    layers.step,
                    layers[column],
                    label=column.removeprefix("sigma/"),
                    marker=marker,
                    ms=3,
                )
            _plain_log(sigmas)
            if len(columns) <= 12:
                sigmas.legend(fontsize=5, ncol=2, loc="best")
        for ax in (logits, right, grads):
            ax.legend(fontsize=6, loc="best")
    for ax, name in zip(axes[0], PANELS, strict=True):
        ax.set_title(name, fontsize=9)
    for ax in axes[-1]:
        ax.set_xlabel("step", fontsize=8)
    for ax in axes.flat:
        ax.tick_params(which="both", labelsize=7)
        if ax.lines:  # no grid behind a "not measured" note
            ax.grid(alpha=0.3)
    fig.suptitle(f"{title}: the discriminator's health per run", y=1.0)
    fig.tight_layout()
    save_figure(fig, path)
    return fig
