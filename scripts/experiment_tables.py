"""Rule experiment_tables: one experiment's FID rows (per run and epoch), its table (a row per
run, then mean ± std over seeds per grid point) and its loss curves, from the run summaries."""

import json
import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path[:0] = [str(Path(snakemake.scriptdir).parent / "lib"), snakemake.scriptdir]  # noqa: F821

from ganrepro import tables  # noqa: E402
from ganrepro.io import open_log, write_csv  # noqa: E402
from ganrepro.plots import loss_curves  # noqa: E402


def main(*, manifest, summaries, table, by_epoch, loss_plot, experiment, log=None):
    """``manifest``: this experiment's runs (rule manifest); ``summaries``: the summaries of the
    runs they were trained as (an identical run of another experiment is trained once and
    listed in both)."""
    with open_log(log) as logf:
        runs = json.loads(Path(manifest).read_text())["runs"]
        scores, losses = tables.load_summaries(summaries)
        trained_as = {name: r["trained_as"] for name, r in runs.items()}
        rows = tables.fid_by_epoch(scores, runs, trained_as)
        write_csv(rows, by_epoch)
        write_csv(tables.experiment_table(tables.run_summary(rows), experiment), table)
        loss_curves({name: losses[trained_as[name]] for name in runs}, loss_plot, experiment)
        print(f"{experiment}: {len(rows)} scores of {len(runs)} runs", file=logf)


if "snakemake" in globals():
    from _rule import run_rule  # noqa: E402

    run_rule(main, snakemake)  # noqa: F821
