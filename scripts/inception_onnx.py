"""Rule inception_onnx: pytorch-fid's InceptionV3, from the configured weights, as an ONNX graph."""

from ganrepro.evaluation.metrics.inception_onnx import export_inception_onnx
from ganrepro.io import open_log, sha256_file
from ganrepro.rule import run_rule


def main(*, weights, onnx, exporter=None, log=None):
    """``exporter``: the torch version that exports (a param, so a new torch re-exports)."""
    with open_log(log) as logf:
        export_inception_onnx(weights, onnx)
        print(
            f"exported {weights} (sha256 {sha256_file(weights)}) -> {onnx} with {exporter}",
            file=logf,
        )


if "snakemake" in globals():
    run_rule(main, snakemake)  # noqa: F821
