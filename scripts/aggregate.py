"""Rule aggregate: the FID tables across experiments (per run and epoch, per run, code versions)
and the FID plot, from the per-experiment rows of rule experiment_tables."""

import pandas as pd
from ganrepro.io import open_log, write_csv
from ganrepro.reporting import tables  # tables.code_versions: code_versions names an output
from ganrepro.reporting.plots import fid_vs_epoch
from ganrepro.rule import run_rule

# columns of text that may be empty (read back as "", not NaN)
TEXT = ["git", "fid_warnings", "code_version", "grid"]


def main(*, experiments, by_epoch, summary, code_versions, fid_plot, log=None):
    """``experiments``: each experiment's FID rows (its ``.by_epoch.csv``), in config order."""
    with open_log(log) as logf:
        parts = [pd.read_csv(p, dtype={c: str for c in TEXT}) for p in experiments]
        rows = pd.concat(parts, ignore_index=True).sort_values(["experiment", "run", "epoch"])
        rows[TEXT] = rows[TEXT].fillna("")
        per_run = tables.run_summary(rows)
        write_csv(rows, by_epoch)
        write_csv(per_run, summary)
        write_csv(tables.code_versions(rows), code_versions)
        fid_vs_epoch(rows, fid_plot)
        print(f"{len(rows)} scores of {len(per_run)} runs in {len(parts)} experiments", file=logf)


if "snakemake" in globals():
    run_rule(main, snakemake)  # noqa: F821
