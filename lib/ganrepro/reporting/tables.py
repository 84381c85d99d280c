"""Tables of FID results: per run × epoch, per run, and per experiment with seeds aggregated.

Every row carries its protocol (images generated, reference statistics, weights hash, what ran the
Inception network), so a number copied out of a table still says how it was produced.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ganrepro.reporting.summaries import score_row

PROTOCOL_COLUMNS = [
    "n_generated",
    "reference",
    "weights_sha256",
    "features_backend",
    "fid_warnings",
    "code_version",
]


def load_scores(paths: Iterable[str | Path]) -> pd.DataFrame:
    """One row per FID JSON file written by the fid rule."""
    rows = [score_row(json.loads(Path(p).read_text())) for p in paths]
    return _with_nan(pd.DataFrame(rows))


def load_summaries(
    paths: Iterable[str | Path],
) -> tuple[pd.DataFrame, dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
    """The scores (one row per run and epoch), binned loss and health curves (per run) and
    spectral series (per run: each spectrally normalised layer's sigma and weight norm at each
    logging step; empty without such layers or for a run trained before they were measured)
    of run summary files (ganrepro.reporting.summaries), each file read once."""
    rows, losses, spectral = [], {}, {}
    for path in paths:
        s = json.loads(Path(path).read_text())
        rows += s["scores"]
        losses[s["run"]] = pd.DataFrame(s["losses"]).astype({"g_loss": float})
        spectral[s["run"]] = pd.DataFrame(s.get("spectral", {}), dtype=float)
    return _with_nan(pd.DataFrame(rows)), losses, spectral


def _with_nan(df: pd.DataFrame) -> pd.DataFrame:
    for col in ("fid", "fid_curve"):
        if col in df:
            df[col] = df[col].astype(float)  # None (diverged) -> NaN
    return df


def code_versions(by_epoch: pd.DataFrame) -> pd.DataFrame:
    """Per experiment: how many distinct code versions made its FID rows (``mixed`` when more
    than one: its rows were made by different code), which ones and at which git commits."""
    rows = []
    for exp, g in by_epoch.groupby("experiment", sort=False):
        versions = sorted(set(g.code_version))
        rows.append(
            {
                "experiment": exp,
                "mixed": len(versions) > 1,
                "code_versions": len(versions),
                "versions": "; ".join(
                    f"{v} ({(g.code_version == v).sum()} rows)" for v in versions
                ),
                "git": "; ".join(sorted({c for gits in g.git for c in gits.split("; ") if c})),
            }
        )
    return pd.DataFrame(rows, columns=["experiment", "mixed", "code_versions", "versions", "git"])


def fid_by_epoch(
    scores: pd.DataFrame,
    runs: Mapping[str, Mapping[str, Any]],
    trained_as: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Scores joined with each run's experiment, seed, grid coordinates and main settings.

    ``trained_as`` maps a member to the run folder whose scores it reads (shared by members of
    several experiments that train the same weights); the ``trained_as`` column names it. Each
    member keeps the epochs it scores (its settings' eval_epochs).
    """
    trained_as = trained_as or {}
    meta = []
    for name, r in runs.items():
        s = r["settings"]
        meta.append(
            {
                "run": name,
                "trained_as": trained_as.get(name, name),
                "experiment": r["experiment"],
                "dataset": r["dataset"],
                "seed": r["seed"],
                "model": s["model"],
                "loss": s["loss"],
                "lr_g": s["lr_g"] or s["lr"],
                "lr_d": s["lr_d"] or s["lr"],
                "batch_size": s["batch_size"],
                "grid": json.dumps(r["grid"], sort_keys=True),
            }
        )
    scores = scores.rename(columns={"run": "trained_as"})
    df = pd.DataFrame(meta).merge(scores, on="trained_as", how="inner")
    # a run folder shared with a longer member holds more epochs: each member keeps its own
    own = {name: set(r["settings"].get("eval_epochs") or []) for name, r in runs.items()}
    mine = [
        not own[run] or int(epoch) in own[run] for run, epoch in zip(df.run, df.epoch, strict=True)
    ]
    df = df[mine]
    first = ["experiment", "run", "seed", "epoch", "fid", "status"]
    return df[first + [c for c in df.columns if c not in first]].sort_values(
        ["experiment", "run", "epoch"]
    )


def run_summary(by_epoch: pd.DataFrame) -> pd.DataFrame:
    """Per run: final, best (and its epoch), mean and std of FID over the scored epochs."""
    rows = []
    for run, g in by_epoch.groupby("run", sort=False):
        g = g.sort_values("epoch")
        diverged = (g.status != "ok").any()
        last = g.iloc[-1]
        # best, mean and std compare only scores of the final's n (fid.intermediate_images)
        ok = g[(g.status == "ok") & (g.n_generated == last.n_generated)]
        rows.append(
            {
                "experiment": last.experiment,
                "run": run,
                "seed": last.seed,
                "grid": last.grid,
                "model": last.model,
                "loss": last.loss,
                "lr_g": last.lr_g,
                "lr_d": last.lr_d,
                "batch_size": last.batch_size,
                "status": "diverged" if diverged else "ok",
                "final_epoch": int(last.epoch),
                "final_fid": float(last.fid) if last.status == "ok" else np.nan,
                "best_fid": float(ok.fid.min()) if len(ok) else np.nan,
                "best_epoch": int(ok.loc[ok.fid.idxmin(), "epoch"]) if len(ok) else np.nan,
                "mean_fid": float(ok.fid.mean()) if len(ok) else np.nan,
                "std_fid": float(ok.fid.std(ddof=1)) if len(ok) > 1 else np.nan,
                "epochs_scored": len(g),
                **{c: last[c] for c in PROTOCOL_COLUMNS},
            }
        )
    return pd.DataFrame(rows)


def _mean_std(values: pd.Series) -> str:
    v = values.dropna()
    if len(v) == 0:
        return "n/a"
    if len(v) == 1:
        return f"{v.iloc[0]:.2f}"
    return f"{v.mean():.2f} ± {v.std(ddof=1):.2f}"


def experiment_table(summary: pd.DataFrame, experiment: str) -> pd.DataFrame:
    """One experiment's runs: each seed's row, then a 'mean ± std' row per grid point across seeds
    (diverged seeds are counted, not averaged)."""
    sub = summary[summary.experiment == experiment]
    grid_cols = sorted({k for g in sub.grid for k in json.loads(g)})
    out = []
    for grid, g in sub.groupby("grid", sort=False):
        coords = json.loads(grid)
        for _, r in g.iterrows():
            out.append(
                {
                    **coords,
                    "seed": str(r.seed),
                    "status": r.status,
                    "final_fid": _fmt(r.final_fid),
                    "best_fid": _fmt(r.best_fid),
                    "best_epoch": r.best_epoch,
                    "run": r.run,
                    **{c: r[c] for c in PROTOCOL_COLUMNS},
                }
            )
        if len(g) > 1:
            n_div = int((g.status != "ok").sum())
            out.append(
                {
                    **coords,
                    "seed": f"mean ± std ({len(g) - n_div} seeds"
                    + (f", {n_div} diverged)" if n_div else ")"),
                    "status": "",
                    "final_fid": _mean_std(g.final_fid),
                    "best_fid": _mean_std(g.best_fid),
                    "best_epoch": "",
                    "run": "",
                    **{c: _common(g[c]) for c in PROTOCOL_COLUMNS},
                }
            )
    df = pd.DataFrame(out)
    return df[[*grid_cols, *[c for c in df.columns if c not in grid_cols]]] if len(df) else df


def _common(values: pd.Series) -> str:
    """The one value of a column across seeds, or all of them, flagged, when they differ (e.g.
    seeds scored by different code versions or on different numbers of images)."""
    distinct = list(dict.fromkeys(str(v) for v in values))
    return distinct[0] if len(distinct) == 1 else "mixed: " + " | ".join(distinct)


def _fmt(x: float) -> str:
    return "n/a" if pd.isna(x) else f"{x:.2f}"
