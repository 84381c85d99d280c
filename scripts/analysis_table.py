"""Rule analysis_table: the numbers of every analysis with a table part
(ganrepro.evaluation.analysis) for the analysed runs, in one CSV, each number with its protocol, and
as a page to read, with the analyses' own per-item tables (inversion's per image)."""

from pathlib import Path

import pandas as pd
from ganrepro.evaluation.analysis import analysis_table
from ganrepro.io import open_log, write_csv, write_text
from ganrepro.reporting.pages import analysis_page
from ganrepro.rule import run_rule


def main(*, scores, runs, table, page=None, details=(), figures=(), log=None):
    """``scores``: for each of ``runs`` ([{"run", "experiment", "epoch"}]) in turn, the JSON of
    each analysis with table rows, in the registry's order. ``figures`` (the outputs of the
    analyses without) are not read; ``details``: the analyses' per-item CSVs, shown on the
    page under the run folder and file they come from."""
    with open_log(log) as logf:
        df = analysis_table(runs, scores)
        write_csv(df, table)
        if page:
            per_item = [(f"{Path(p).parts[-3]}: {Path(p).name}", pd.read_csv(p)) for p in details]
            write_text(page, analysis_page(df, per_item))
        print(f"{len(df)} rows for {len(runs)} runs -> {table}", file=logf)


if "snakemake" in globals():
    run_rule(main, snakemake)  # noqa: F821
