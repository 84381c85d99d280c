"""Rule diversity: mean MS-SSIM of random pairs of generated images and of real images."""

import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path.insert(0, str(Path(snakemake.scriptdir).parent / "lib"))  # noqa: F821

import numpy as np  # noqa: E402
from ganrepro.analysis import protocol  # noqa: E402
from ganrepro.data import load_arrays  # noqa: E402
from ganrepro.io import open_log, write_json  # noqa: E402
from ganrepro.metrics.diversity import mean_pairwise_msssim, msssim_protocol  # noqa: E402


def main(samples, real, score, run, epoch, reference, pairs, seed=0, log=None):
    with open_log(log) as logf:
        real_images = load_arrays(real).images
        with np.load(samples) as f:
            status, images = str(f["status"]), f["images"][:]
        result = {"run": run, "epoch": epoch, "status": status, "generated": None}
        # the same pairs of indices for both sets when they are the same size
        result["real"] = mean_pairwise_msssim(real_images, pairs=pairs, seed=seed)
        if status == "ok":
            result["generated"] = mean_pairwise_msssim(images, pairs=pairs, seed=seed)
        result["protocol"] = protocol(
            "MS-SSIM",
            n_generated=len(images),
            reference={**reference, "n_images": len(real_images)},
            weights_sha256=None,
            pairs=pairs,
            seed=seed,
            ms_ssim=msssim_protocol(min(real_images.shape[1:3])),
        )
        write_json(score, result)
        gen = result["generated"]["ms_ssim"] if result["generated"] else None
        print(
            f"{run} epoch {epoch}: MS-SSIM generated {gen}, real "
            f"{result['real']['ms_ssim']} ({pairs} pairs each)",
            file=logf,
        )


if "snakemake" in globals():
    sm = snakemake  # noqa: F821
    main(
        sm.input.samples,
        sm.input.real,
        sm.output.score,
        sm.params.run,
        sm.params.epoch,
        sm.params.reference,
        sm.params.pairs,
        sm.params.seed,
        sm.log[0],
    )
