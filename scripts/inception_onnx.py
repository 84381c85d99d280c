"""Rule inception_onnx: pytorch-fid's InceptionV3, from the configured weights, as an ONNX graph."""

import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path.insert(0, str(Path(snakemake.scriptdir).parent / "lib"))  # noqa: F821

from ganrepro.io import open_log, sha256_file  # noqa: E402
from ganrepro.metrics.inception_onnx import export_inception_onnx  # noqa: E402


def main(weights, onnx, log=None):
    with open_log(log) as logf:
        export_inception_onnx(weights, onnx)
        print(f"exported {weights} (sha256 {sha256_file(weights)}) -> {onnx}", file=logf)


if "snakemake" in globals():
    main(snakemake.input.weights, snakemake.output.onnx, snakemake.log[0])  # noqa: F821
