"""The laptop tier's results, read from the files of a finished (or partial) run of
configs/laptop.yaml: the README's table, each family's learning check, and the families'
FID-against-images-seen figure. Reads only: results/tables/fid_by_epoch.csv and
results/tables/costs/{runs,experiments}.csv (the workflow's own tables). Those are the tables
of the config run last in that results folder: after a run of another config there (the recipe,
the grid), run the laptop config once more first, which only remakes its tables.

    python bench/laptop_results.py --figure report/readme/laptop_fid.png --cli 6.2

The learning check (README "The laptop tier", written down before the run):
- every family's FID at its last epoch, on the curve's sample size (1,000), is at most 1.5x the
  DCGAN defaults' (mean over seeds) after as much training: the same training images seen, or,
  for a family that steps G once per k critic steps, the same generator steps (DCGAN's curve
  interpolated linearly between its scored epochs);
- and at most half the untrained generator's FID (--untrained: a number measured by
  `--measure-untrained`, the DCGAN G at initialisation scored as every checkpoint is).
A family that misses either is a bug to look for, not a number to accept.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "lib"))
BASELINE = "dcgan"  # the DCGAN defaults: every family is measured against them
RATIO = 1.5
UNTRAINED_FRACTION = 0.5


def load(results: Path, experiments: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    by_epoch = pd.read_csv(results / "tables" / "fid_by_epoch.csv")
    by_epoch = by_epoch[by_epoch.experiment.isin(experiments)]
    runs = pd.read_csv(results / "tables" / "costs" / "runs.csv")
    exps = pd.read_csv(results / "tables" / "costs" / "experiments.csv")
    return by_epoch, runs, exps


def train_images(config: dict) -> int:
    """Training images per epoch: the config's dataset has no subset, so CIFAR-10's 50,000."""
    ds = config["datasets"][config["defaults"]["dataset"]]
    return int(ds.get("train_images") or 50_000)


def g_steps_per_epoch(settings: dict, n_train: int) -> float:
    return n_train // settings["batch_size"] / settings.get("n_critic", 1)


def experiment_settings(config: dict) -> dict[str, dict]:
    from ganrepro.experiments import expand_runs

    out = {}
    for run in expand_runs(config).values():
        out.setdefault(run.experiment, run.settings)
    return out


def baseline_curve(by_epoch: pd.DataFrame) -> pd.Series:
    """The DCGAN defaults' curve FID (the curve's n) per epoch, mean over seeds."""
    base = by_epoch[(by_epoch.experiment == BASELINE) & (by_epoch.status == "ok")]
    return base.groupby("epoch").fid_curve.mean().sort_index()


def at(curve: pd.Series, x: float) -> float:
    """The curve at x, linear between its points; NaN outside them."""
    if not len(curve) or x < curve.index.min() or x > curve.index.max():
        return math.nan
    return float(np.interp(x, curve.index.to_numpy(float), curve.to_numpy(float)))


def summary(by_epoch, runs, exps, settings, n_train, untrained) -> pd.DataFrame:
    base = baseline_curve(by_epoch)
    base_steps = base.copy()
    base_steps.index = base.index * g_steps_per_epoch(settings[BASELINE], n_train)
    rows = []
    for exp in dict.fromkeys(by_epoch.experiment):
        g = by_epoch[by_epoch.experiment == exp]
        last = g.epoch.max()
        final = g[g.epoch == last]
        ok = final[final.status == "ok"]
        s = settings[exp]
        steps = last * g_steps_per_epoch(s, n_train)
        if s.get("n_critic", 1) > 1:
            matched, versus = at(base_steps, steps), f"{steps:.0f} G steps"
        else:
            matched, versus = at(base, last), f"{last * n_train // 1000}k images"
        curve = ok.fid_curve.mean()
        cost = exps.set_index("experiment").loc[exp] if exp in set(exps.experiment) else None
        run_names = set(final.trained_as)
        rows.append(
            {
                "experiment": exp,
                "seeds": final.seed.nunique(),
                "epochs": int(last),
                "images_seen": int(runs[runs.run.isin(run_names)].images_seen.mean()),
                "fid_final": ok.fid.mean(),
                "fid_final_std": ok.fid.std(ddof=1) if len(ok) > 1 else math.nan,
                "n_final": int(final.n_generated.max()),
                "fid_curve": curve,
                "n_curve": int(final.n_curve.min()),
                "dcgan_same_budget": matched,
                "budget_matched_on": versus,
                "ratio": curve / matched if matched == matched else math.nan,
                "learns": bool(
                    curve <= RATIO * matched
                    and (untrained is None or curve <= UNTRAINED_FRACTION * untrained)
                )
                if matched == matched
                else None,
                "wall_min": cost.wall_h * 60 if cost is not None else math.nan,
                "peak_rss_gb": cost.peak_rss_mb / 1024 if cost is not None else math.nan,
                "train_images_per_s": cost.train_images_per_s if cost is not None else math.nan,
            }
        )
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame, exps: pd.DataFrame, untrained, cli) -> str:
    def fid(r):
        std = f" ± {r.fid_final_std:.1f}" if r.fid_final_std == r.fid_final_std else ""
        return f"{r.fid_final:.1f}{std}"

    lines = [
        "| experiment | seeds | images seen | final FID (5k vs 10k test) | FID on 1k (curve) "
        "| DCGAN defaults, same budget (1k) | ratio | learns | wall time | peak memory |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        learns = {True: "yes", False: "**no**", None: "n/a"}[r.learns]
        base = (
            f"{r.dcgan_same_budget:.1f} ({r.budget_matched_on})"
            if r.experiment != BASELINE
            else "—"
        )
        ratio = f"{r.ratio:.2f}" if r.experiment != BASELINE else "—"
        lines.append(
            f"| {r.experiment} | {r.seeds} | {r.images_seen:,} | {fid(r)} | {r.fid_curve:.1f} "
            f"| {base} | {ratio} | {learns if r.experiment != BASELINE else '—'} "
            f"| {r.wall_min:.0f} min | {r.peak_rss_gb:.2f} GB |"
        )
    total = exps.set_index("experiment")
    shared = [e for e in total.index if e.startswith("(shared")]
    notes = []
    if shared:
        s = total.loc[shared[0]]
        notes.append(
            f"Shared jobs (data, the 10,000 test images' statistics, the graph, tables): "
            f"{s.wall_h * 60:.0f} min, peak {s.peak_rss_mb / 1024:.2f} GB."
        )
    if "total" in total.index:
        t = total.loc["total"]
        notes.append(
            f"Total job time {t.wall_h * 60:.0f} min ({t.wall_h:.2f} h), peak memory of any job "
            f"{t.peak_rss_mb / 1024:.2f} GB"
            + (f"; that day's pytorch-fid CLI: {cli} images/s." if cli else ".")
        )
    if untrained is not None:
        notes.append(f"Untrained DCGAN generator, same protocol (1k): FID {untrained:.1f}.")
    return "\n".join(lines) + "\n\n" + " ".join(notes)


def figure(by_epoch: pd.DataFrame, n_train: int, path: Path) -> None:
    import matplotlib.pyplot as plt
    from ganrepro.plots import save_figure

    fig, ax = plt.subplots(figsize=(7.5, 4.8), layout="constrained")
    for i, exp in enumerate(dict.fromkeys(by_epoch.experiment)):
        g = by_epoch[(by_epoch.experiment == exp) & (by_epoch.status == "ok")]
        colour = plt.cm.tab10(i % 10)
        curve = g.groupby("epoch").fid_curve.agg(["mean", "std", "count"]).sort_index()
        x = curve.index * n_train / 1000
        ax.plot(x, curve["mean"], marker="o", ms=4, color=colour, label=exp)
        if (curve["count"] > 1).any():
            ax.fill_between(
                x,
                curve["mean"] - curve["std"],
                curve["mean"] + curve["std"],
                color=colour,
                alpha=0.18,
                lw=0,
            )
        last = g[(g.epoch == g.epoch.max()) & (g.n_generated > g.n_curve)]
        if len(last):
            ax.scatter(
                [last.epoch.iloc[0] * n_train / 1000],
                [last.fid.mean()],
                marker="D",
                s=40,
                color=colour,
                edgecolors="black",
                linewidths=0.6,
                zorder=4,
            )
    n_curve, n_final = int(by_epoch.n_curve.min()), int(by_epoch.n_generated.max())
    ax.scatter(
        [], [], marker="D", color="0.6", edgecolors="black", label=f"final, {n_final} samples"
    )
    ax.set(xlabel="training images seen (thousands)", ylabel="FID (lower is better)")
    ax.set_title(
        f"FID of {n_curve} samples per scored epoch vs the 10,000 CIFAR-10 test images "
        f"(mean ± std over seeds); diamonds: {n_final} samples",
        fontsize=9,
    )
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.suptitle("The laptop tier: every family on CIFAR-10, 32 px, CPU", fontsize=11)
    save_figure(fig, path)


def measure_untrained(config: dict, results: Path, n: int) -> float:
    """FID of the DCGAN G at initialisation (seed 0), n samples, as the workflow scores one."""
    import torch

    sys.path.insert(0, str(REPO / "bench"))
    from common import fid_of_generator
    from ganrepro.models import build_generator

    s = experiment_settings(config)[BASELINE]
    torch.manual_seed(0)
    G = build_generator(
        s["model"], latent_dim=s["latent_dim"], image_size=32, channels=3, width=s["width"]
    )
    return fid_of_generator(G, n, results, seed=config["fid"]["sample_seed"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", type=Path, default=REPO / "results")
    ap.add_argument("--config", type=Path, default=REPO / "configs" / "laptop.yaml")
    ap.add_argument("--figure", type=Path, help="write the families' FID figure here")
    ap.add_argument("--cli", type=float, help="that day's pytorch-fid CLI images/s")
    ap.add_argument("--untrained", type=float, help="FID of the untrained G (1k samples)")
    ap.add_argument("--measure-untrained", action="store_true")
    args = ap.parse_args()
    config = yaml.safe_load(args.config.read_text())
    n_train = train_images(config)
    untrained = args.untrained
    if args.measure_untrained:
        untrained = measure_untrained(config, args.results, config["fid"]["intermediate_images"])
        print(f"untrained DCGAN G: FID {untrained:.2f}")
    by_epoch, runs, exps = load(args.results, list(config["experiments"]))
    table = summary(by_epoch, runs, exps, experiment_settings(config), n_train, untrained)
    version = subprocess.run(
        ["git", "-C", str(REPO), "describe", "--always", "--dirty"], capture_output=True, text=True
    ).stdout.strip()
    print(f"laptop tier, {date.today()}, code {version}\n")
    print(markdown(table, exps, untrained, args.cli))
    if args.figure:
        figure(by_epoch, n_train, args.figure)
        print(f"\nwrote {args.figure}")
    missed = table[table.learns == False]  # noqa: E712 (None: not comparable)
    if len(missed):
        print(f"\nmissed the learning check: {', '.join(missed.experiment)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
