"""Rule analysis_table: KID, precision/recall/density/coverage, IS, MS-SSIM, memorisation and
inversion of the analysed runs in one CSV, each number with its protocol."""

import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path[:0] = [str(Path(snakemake.scriptdir).parent / "lib"), snakemake.scriptdir]  # noqa: F821

from ganrepro.analysis import KINDS, analysis_table, load_record  # noqa: E402
from ganrepro.io import open_log, write_csv  # noqa: E402


def main(
    *,
    kid,
    prdc,
    inception_score,
    diversity,
    memorisation,
    inversion,
    runs,
    table,
    figures=(),
    log=None,
):
    """Each of kid ... inversion: that metric's JSON per run; runs: [{"run", "experiment",
    "epoch"}] in the same order. ``figures`` (the figure-only analyses) are not read."""
    inputs = dict(
        kid=kid,
        prdc=prdc,
        inception_score=inception_score,
        diversity=diversity,
        memorisation=memorisation,
        inversion=inversion,
    )
    with open_log(log) as logf:
        records = [
            load_record({kind: inputs[kind][i] for kind in KINDS}, **meta)
            for i, meta in enumerate(runs)
        ]
        df = analysis_table(records)
        write_csv(df, table)
        print(f"{len(df)} rows for {len(runs)} runs -> {table}", file=logf)


if "snakemake" in globals():
    from _rule import run_rule  # noqa: E402

    run_rule(main, snakemake)  # noqa: F821
