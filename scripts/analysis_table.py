"""Rule analysis_table: KID, IS, MS-SSIM, memorisation and inversion of the analysed runs in one
CSV, each number with its protocol."""

import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path.insert(0, str(Path(snakemake.scriptdir).parent / "lib"))  # noqa: F821

from ganrepro.analysis import KINDS, analysis_table, load_record  # noqa: E402
from ganrepro.io import atomic_path, open_log  # noqa: E402


def main(inputs, runs, table, log=None):
    """inputs: {kind: [path per run]}; runs: [{"run", "experiment", "epoch"}] in the same order."""
    with open_log(log) as logf:
        records = [
            load_record({kind: inputs[kind][i] for kind in KINDS}, **meta)
            for i, meta in enumerate(runs)
        ]
        df = analysis_table(records)
        with atomic_path(table) as tmp:
            df.to_csv(tmp, index=False)
        print(f"{len(df)} rows for {len(runs)} runs -> {table}", file=logf)


if "snakemake" in globals():
    sm = snakemake  # noqa: F821
    main({k: list(sm.input[k]) for k in KINDS}, sm.params.runs, sm.output.table, sm.log[0])
