"""Rule data_grid: what a dataset's runs train on, as one grid of its training images (the
first of each class in turn), so a report reader sees the data beside the samples."""

import torch
from ganrepro.data import load_arrays, stratified_indices, to_float
from ganrepro.io import open_log
from ganrepro.reporting.images import save_grid
from ganrepro.rule import run_rule


def main(*, data, grid, n=64, log=None):
    with open_log(log) as logf:
        arrays = load_arrays(data)
        chosen = stratified_indices(arrays.labels, min(n, len(arrays.labels)))
        save_grid(to_float(torch.from_numpy(arrays.images[chosen])), grid)
        print(
            f"{len(chosen)} of {len(arrays.labels)} images, {len(arrays.classes)} classes "
            f"-> {grid}",
            file=logf,
        )


if "snakemake" in globals():
    run_rule(main, snakemake)  # noqa: F821
