"""Rule aggregate: the FID tables across experiments (per run and epoch, per run, code versions),
each as CSV and as a page to read in the report, and the FID plot, from the per-experiment rows
of rule experiment_tables."""

import pandas as pd
from ganrepro.io import open_log, write_csv, write_text
from ganrepro.reporting import pages, tables
from ganrepro.reporting.plots import fid_vs_epoch
from ganrepro.rule import run_rule

# columns of text that may be empty (read back as "", not NaN)
TEXT = ["git", "fid_warnings", "code_version", "grid"]


def main(
    *,
    experiments,
    by_epoch,
    summary,
    code_versions,
    fid_plot,
    by_epoch_page,
    summary_page,
    code_versions_page,
    log=None,
):
    """``experiments``: each experiment's FID rows (its ``.by_epoch.csv``), in config order."""
    with open_log(log) as logf:
        parts = [pd.read_csv(p, dtype={c: str for c in TEXT}) for p in experiments]
        rows = pd.concat(parts, ignore_index=True).sort_values(["experiment", "run", "epoch"])
        rows[TEXT] = rows[TEXT].fillna("")
        per_run = tables.run_summary(rows)
        write_csv(rows, by_epoch)
        write_csv(per_run, summary)
        versions = tables.code_versions(rows)
        write_csv(versions, code_versions)
        write_text(by_epoch_page, pages.fid_by_epoch_page(rows))
        write_text(summary_page, pages.fid_summary_page(per_run))
        write_text(code_versions_page, pages.code_versions_page(versions))
        fid_vs_epoch(rows, fid_plot)
        print(f"{len(rows)} scores of {len(per_run)} runs in {len(parts)} experiments", file=logf)


if "snakemake" in globals():
    run_rule(main, snakemake)  # noqa: F821
