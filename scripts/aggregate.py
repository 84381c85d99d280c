"""Rule aggregate: FID tables (per epoch, per run, per experiment) and the plots."""

import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path.insert(0, str(Path(snakemake.scriptdir).parent / "lib"))  # noqa: F821

import pandas as pd  # noqa: E402
from ganrepro.io import atomic_path, open_log  # noqa: E402
from ganrepro.plots import fid_vs_epoch, loss_curves  # noqa: E402
from ganrepro.tables import experiment_table, fid_by_epoch, load_scores, run_summary  # noqa: E402


def write_csv(df, path):
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)


def main(scores, losses, runs, experiments, out, log=None, trained_as=None):
    trained_as = trained_as or {}
    with open_log(log) as logf:
        by_epoch = fid_by_epoch(load_scores(scores), runs, trained_as)
        summary = run_summary(by_epoch)
        write_csv(by_epoch, out["by_epoch"])
        write_csv(summary, out["summary"])
        fid_vs_epoch(by_epoch, out["fid_plot"])
        # losses/epochNNNN.csv of a run's last segment holds its whole history
        trained_losses = {Path(p).parents[1].name: pd.read_csv(p) for p in losses}
        run_losses = {r: trained_losses[trained_as.get(r, r)] for r in runs}
        for exp, table_path, plot_path in zip(
            experiments, out["experiments"], out["loss_plots"], strict=True
        ):
            write_csv(experiment_table(summary, exp), table_path)
            loss_curves(
                {r: df for r, df in run_losses.items() if runs[r]["experiment"] == exp},
                plot_path,
                exp,
            )
        print(
            f"{len(by_epoch)} scores of {len(summary)} runs in {len(experiments)} experiments",
            file=logf,
        )


if "snakemake" in globals():
    sm = snakemake  # noqa: F821
    out = {k: sm.output[k] for k in ("by_epoch", "summary", "fid_plot")}
    out["experiments"], out["loss_plots"] = list(sm.output.experiments), list(sm.output.loss_plots)
    main(
        list(sm.input.scores),
        list(sm.input.losses),
        sm.params.runs,
        sm.params.experiments,
        out,
        sm.log[0],
        sm.params.trained_as,
    )
