"""Rule prepare_data (local): one split of a dataset as a uint8 .npz with its provenance.

Runs on the submitting host (it may download), so compute jobs read only the arrays.
"""

import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path.insert(0, str(Path(snakemake.scriptdir).parent / "lib"))  # noqa: F821

import numpy as np
from ganrepro.data import prepare_split, save_arrays
from ganrepro.io import open_log

PARAMS = [
    "source",
    "split",
    "root",
    "image_size",
    "channels",
    "download",
    "url",
    "md5",
    "max_images",
]
RECORDED = ["source", "split", "root", "image_size", "max_images"]


def main(params: dict, output: str, log: str | None = None) -> None:
    with open_log(log) as logf:
        p = {key: params.get(key) for key in PARAMS}
        arrays = prepare_split(**{**p, "download": bool(p["download"])})
        counts = np.bincount(arrays.labels, minlength=len(arrays.classes)).tolist()
        meta = {
            **{key: p[key] for key in RECORDED},
            "root": str(p["root"]),
            "channels": int(arrays.images.shape[-1]),
            "count": len(arrays.labels),
            "class_counts": dict(zip(arrays.classes, counts, strict=True)),
        }
        save_arrays(output, arrays, meta)
        print(
            f"{output}: {len(arrays.labels)} images {arrays.images.shape[1:]} in "
            f"{len(arrays.classes)} classes from {p['source']} {p['root']} ({p['split']})",
            file=logf,
        )


if "snakemake" in globals():
    main(dict(snakemake.params), snakemake.output.arrays, snakemake.log[0])  # noqa: F821
