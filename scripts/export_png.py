"""Rule export_png: a checkpoint's samples as a folder of numbered lossless PNGs, the input every
FID tool reads (for the cross-check with clean-fid and torch-fidelity,
ganrepro.evaluation.crosscheck)."""

import json

from ganrepro.evaluation.crosscheck import PROVENANCE, write_png_folder
from ganrepro.io import load_npz, open_log, sha256_file
from ganrepro.provenance import code_version
from ganrepro.rule import run_rule


def main(*, samples, folder, log=None):
    """``samples``: a samples file of rule sample (a data arrays file of rule prepare_data works
    too); ``folder``: the directory made, whole or not at all. Samples of a failed run give a
    folder with no PNGs, whose provenance.json says why."""
    with open_log(log) as logf:
        f = load_npz(samples, ["images", "status", "message", "code"], required=["images"])
        status = str(f["status"]) if "status" in f else "ok"
        images = f["images"] if status == "ok" else f["images"][:0]
        before = json.loads(str(f["code"])) if "code" in f else []  # data arrays record none
        provenance = {
            "source": str(samples),
            "source_sha256": sha256_file(samples),
            "n_images": len(images),
            "image_shape": list(images.shape[1:]) if len(images) else None,
            "status": status,
            "message": str(f["message"]) if "message" in f else "",
            "code": [*before, code_version("export_png")],
        }
        write_png_folder(images, folder, provenance=provenance)
        print(f"{len(images)} PNGs of {samples} in {folder} ({PROVENANCE}: {status})", file=logf)


if "snakemake" in globals():
    run_rule(main, snakemake)  # noqa: F821
