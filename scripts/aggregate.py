"""Rule aggregate: FID tables (per epoch, per run, per experiment, code versions) and the plots."""

import json
import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path[:0] = [str(Path(snakemake.scriptdir).parent / "lib"), snakemake.scriptdir]  # noqa: F821

import pandas as pd  # noqa: E402
from ganrepro import tables  # noqa: E402 (tables.code_versions: code_versions names an output)
from ganrepro.io import atomic_path, open_log  # noqa: E402
from ganrepro.plots import fid_vs_epoch, loss_curves  # noqa: E402


def write_csv(df, path):
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)


def main(
    *,
    manifest,
    scores,
    losses,
    by_epoch,
    summary,
    code_versions,
    experiments,
    fid_plot,
    loss_plots,
    log=None,
):
    """``manifest``: every run (experiment, seed, grid, settings, the run it was trained as) and
    the experiments in order, written by rule manifest; ``scores`` and ``losses``: the files of
    the trained runs; ``experiments`` and ``loss_plots``: one output each per experiment."""
    with open_log(log) as logf:
        m = json.loads(Path(manifest).read_text())
        runs, names = m["runs"], m["experiments"]
        trained_as = {name: r["trained_as"] for name, r in runs.items()}
        table = tables.fid_by_epoch(tables.load_scores(scores), runs, trained_as)
        per_run = tables.run_summary(table)
        write_csv(table, by_epoch)
        write_csv(per_run, summary)
        write_csv(tables.code_versions(table), code_versions)
        fid_vs_epoch(table, fid_plot)
        # losses/epochNNNN.csv of a run's last segment holds its whole history
        trained_losses = {Path(p).parents[1].name: pd.read_csv(p) for p in losses}
        run_losses = {r: trained_losses[trained_as[r]] for r in runs}
        for exp, table_path, plot_path in zip(names, experiments, loss_plots, strict=True):
            write_csv(tables.experiment_table(per_run, exp), table_path)
            loss_curves(
                {r: df for r, df in run_losses.items() if runs[r]["experiment"] == exp},
                plot_path,
                exp,
            )
        print(
            f"{len(table)} scores of {len(per_run)} runs in {len(names)} experiments",
            file=logf,
        )


if "snakemake" in globals():
    from _rule import run_rule  # noqa: E402

    run_rule(main, snakemake)  # noqa: F821
