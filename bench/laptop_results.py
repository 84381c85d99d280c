"""The laptop tier's results, read from the files of a finished (or partial) run of
configs/laptop.yaml: one row per experiment with the results table's columns and its learning
check (`learns`; the run exits 1 if a family misses), each family's curve and published FID, and
with --figure the families' FID against images seen by D and against G steps (a panel each;
docs/results.md draws the same figure from the record). Reads only the workflow's own files:
results/tables/fid_by_epoch.csv, results/tables/costs/{runs,experiments}.csv,
results/tables/comparisons/<experiment>.csv (the published FIDs and how their protocols differ)
and results/manifests/<experiment>.json (the data each run trained on). Those tables are the
config's run last in that results folder: after a run of another config there (the recipe, the
grid), run the laptop config once more first, which only remakes its tables.

    python -m bench run laptop_results --measure-untrained --figure /tmp/laptop_fid.png

The learning check (written down before the first run, 2026-12-03; the rule is
ganrepro.reporting.ladders.learns):
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
import json
import math
from pathlib import Path
from typing import Any

import pandas as pd
from ganrepro import config_files
from ganrepro.reporting.ladders import BASELINE, learns, same_budget
from ganrepro.reporting.record_figures import AXES, laptop_figure

from .common import REPO, fid_of_generator

DESCRIPTION = "reads a laptop-tier run (configs/laptop.yaml): FIDs, learning check (exit 1), figure"


def load(results: Path, experiments: list[str]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    by_epoch = pd.read_csv(results / "tables" / "fid_by_epoch.csv")
    by_epoch = by_epoch[by_epoch.experiment.isin(experiments)]
    if by_epoch.empty:
        raise SystemExit(
            f"no experiment of the laptop config in {results}/tables/fid_by_epoch.csv: run "
            "configs/laptop.yaml there (its tables are the config's run last in that folder)"
        )
    runs = pd.read_csv(results / "tables" / "costs" / "runs.csv")
    exps = pd.read_csv(results / "tables" / "costs" / "experiments.csv")
    return by_epoch, runs, exps


def train_images(config: dict) -> int:
    """Training images per epoch: the config's dataset has no subset, so CIFAR-10's 50,000."""
    ds = config["datasets"][config["defaults"]["dataset"]]
    return int(ds.get("train_images") or 50_000)


def experiment_settings(config: dict) -> dict[str, dict]:
    from ganrepro.experiments import expand_runs

    out = {}
    for run in expand_runs(config).values():
        out.setdefault(run.experiment, run.settings)
    return out


def g_steps(settings: dict, epochs: int, n_train: int) -> int:
    """G's updates in ``epochs``: one per n_critic updates of D, one of D per batch."""
    return epochs * (n_train // settings["batch_size"]) // settings["n_critic"]


def baseline_curve(by_epoch: pd.DataFrame) -> dict[int, float]:
    """The DCGAN defaults' curve FID (the curve's n) per epoch, mean over seeds."""
    base = by_epoch[(by_epoch.experiment == BASELINE) & (by_epoch.status == "ok")]
    return {int(e): float(f) for e, f in base.groupby("epoch").fid_curve.mean().items()}


def shared_costs(exps: pd.DataFrame) -> dict[str, float]:
    """Wall time and peak memory of the shared jobs (data, the test images' statistics, the
    graph, tables) and of all jobs, from the costs table: the same on every row."""
    by = exps.set_index("experiment")
    shared = [e for e in by.index if str(e).startswith("(shared")]
    out = {}
    for key, name in (("shared", shared[0] if shared else None), ("total", "total")):
        row = by.loc[name] if name in by.index else None
        out[f"{key}_wall_min"] = float(row.wall_h) * 60 if row is not None else math.nan
        out[f"{key}_peak_rss_gb"] = float(row.peak_rss_mb) / 1024 if row is not None else math.nan
    return out


def summary(
    by_epoch: pd.DataFrame,
    runs: pd.DataFrame,
    exps: pd.DataFrame,
    settings: dict[str, dict],
    n_train: int,
    untrained: float | None,
    config_recipes: dict[str, dict] | None = None,
    results: Path | None = None,
) -> list[dict[str, Any]]:
    """One row per experiment, with its curve (mean and std over seeds per scored epoch) in
    the " / "-joined cells that ganrepro.reporting.record_figures draws; ``config_recipes``:
    each experiment's ``recipe`` (source, deviations); ``results``: the results folder, whose
    comparison tables give the published FIDs (none without it)."""
    config_recipes = config_recipes or {}
    base = baseline_curve(by_epoch)
    rows = []
    for exp in dict.fromkeys(by_epoch.experiment):
        g = by_epoch[by_epoch.experiment == exp]
        last = int(g.epoch.max())
        final = g[g.epoch == last]
        ok = final[final.status == "ok"]
        matched, versus = same_budget(base, settings[BASELINE], settings[exp], last, n_train)
        curve = float(ok.fid_curve.mean())
        cost = exps.set_index("experiment").loc[exp] if exp in set(exps.experiment) else None
        run_names = set(final.trained_as)
        recipe = config_recipes.get(exp, {})
        curve_stats = g[g.status == "ok"].groupby("epoch").fid_curve.agg(["mean", "std"])
        rows.append(
            {
                "experiment": exp,
                "seeds": int(final.seed.nunique()),
                "epochs": last,
                "images_seen": int(runs[runs.run.isin(run_names)].images_seen.mean()),
                "g_steps": g_steps(settings[exp], last, n_train),
                "recipe": " ".join(recipe.get("source", "").split()),
                "deviations": "; ".join(" ".join(d.split()) for d in recipe.get("deviations", [])),
                "fid_final": float(ok.fid.mean()),
                "fid_final_std": float(ok.fid.std(ddof=1)) if len(ok) > 1 else math.nan,
                "n_final": int(final.n_generated.max()),
                "fid_curve": curve,
                "n_curve": int(final.n_curve.min()),
                "curve_epochs": joined(int(e) for e in curve_stats.index),
                "curve": joined(f"{m:.1f}" for m in curve_stats["mean"]),
                "curve_std": joined(f"{s:.1f}" for s in curve_stats["std"]),
                "curve_g_steps": joined(
                    g_steps(settings[exp], int(e), n_train) for e in curve_stats.index
                ),
                "published_fid": math.nan,
                "published": "",
                "protocol_differs": "",
                "published_note": "",
                **(published(results, exp) if results else {}),
                # how our numbers were made: the data, FID reference, weights, features, code
                "data": data_protocol(results, exp) if results else "",
                "fid_reference": "; ".join(sorted(set(ok.reference))),
                "weights_sha256": "; ".join(sorted(set(ok.weights_sha256))),
                "features_backend": "; ".join(sorted(set(ok.features_backend))),
                "runs_code_version": "; ".join(sorted(set(g.code_version.astype(str)))),
                "dcgan_same_budget": matched,
                "budget_matched_on": versus,
                "ratio": curve / matched,
                "learns": learns(curve, matched, untrained),
                "wall_min": float(cost.wall_h) * 60 if cost is not None else math.nan,
                "peak_rss_gb": float(cost.peak_rss_mb) / 1024 if cost is not None else math.nan,
                "train_images_per_s": float(cost.train_images_per_s)
                if cost is not None
                else math.nan,
            }
        )
    return rows


def joined(values) -> str:
    return " / ".join(str(v) for v in values)


def data_protocol(results: Path, experiment: str) -> str:
    """What the experiment trained and was scored on, from its manifest (results/manifests):
    the dataset, resolution and whether it was the JPEG copy; "" without a manifest."""
    path = results / "manifests" / f"{experiment}.json"
    if not path.exists():
        return ""
    runs = json.loads(path.read_text())["runs"].values()
    described = {
        f"{p['dataset']} at {p['resolution']} px" + (", JPEG copy" if p.get("jpeg") else "")
        for p in (run["protocol"] for run in runs)
    }
    return "; ".join(sorted(described))


def published(results: Path, experiment: str) -> dict[str, Any]:
    """The experiment's first published FID beside ours, from the workflow's comparison table
    (results/tables/comparisons/<experiment>.csv): its value, source, which of its checkpoints
    it is (best, final), where its protocol differs from ours and its note; {} if none."""
    path = results / "tables" / "comparisons" / f"{experiment}.csv"
    table = pd.read_csv(path) if path.exists() else pd.DataFrame(columns=["metric"])
    fids = table[table.metric == "FID"]
    if fids.empty:
        return {}
    r = fids.iloc[0]
    return {
        "published_fid": float(r["reference"]),
        "published": f"{r['source']} ({r['at']})",
        "protocol_differs": str(r["protocol differs"]),
        "published_note": "" if pd.isna(r["reference note"]) else str(r["reference note"]),
    }


def measure_untrained(config: dict, results: Path, n: int) -> float:
    """FID of the DCGAN G at initialisation (seed 0), n samples, as the workflow scores one."""
    import torch
    from ganrepro.models import build_generator

    s = experiment_settings(config)[BASELINE]
    torch.manual_seed(0)
    G = build_generator(
        s["model"], latent_dim=s["latent_dim"], image_size=32, channels=3, width=s["width"]
    )
    return fid_of_generator(G, n, results, seed=config["fid"]["sample_seed"])


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--results", type=Path, default=REPO / "results")
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "laptop.yaml")
    parser.add_argument("--figure", type=Path, help="write the families' FID figure here")
    parser.add_argument(
        "--axis", choices=(*AXES, "both"), default="both", help="the figure's x axis (a panel each)"
    )
    parser.add_argument("--cli", type=float, help="that day's pytorch-fid CLI images/s")
    parser.add_argument("--untrained", type=float, help="FID of the untrained G (1k samples)")
    parser.add_argument("--measure-untrained", action="store_true")


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    config = config_files.load(args.config)
    n_train = train_images(config)
    untrained = args.untrained
    if args.measure_untrained:
        untrained = measure_untrained(config, args.results, config["fid"]["intermediate_images"])
    by_epoch, runs, exps = load(args.results, list(config["experiments"]))
    settings = experiment_settings(config)
    recipes = {name: exp.get("recipe") or {} for name, exp in config["experiments"].items()}
    rows = summary(by_epoch, runs, exps, settings, n_train, untrained, recipes, args.results)
    if args.figure:
        axes = tuple(AXES) if args.axis == "both" else (args.axis,)
        laptop_figure(pd.DataFrame(rows), args.figure, axes)
        print(f"wrote {args.figure}")
    # the same on every row: what the notes under the results table say
    common = {
        "untrained_fid": untrained if untrained is not None else math.nan,
        "cli_images_per_s": args.cli if args.cli is not None else math.nan,
        **shared_costs(exps),
    }
    return [{**row, **common} for row in rows]


def check(rows: list[dict[str, Any]]) -> str | None:
    """The learning check's verdict: a family that misses fails the run (exit 1)."""
    missed = [r["experiment"] for r in rows if r["learns"] is False]
    return f"missed the learning check: {', '.join(missed)}" if missed else None
