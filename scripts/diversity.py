"""Rule diversity: mean MS-SSIM of random pairs of generated images and of real images."""

import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path[:0] = [str(Path(snakemake.scriptdir).parent / "lib"), snakemake.scriptdir]  # noqa: F821

from ganrepro.analyses import protocol  # noqa: E402
from ganrepro.data import load_arrays  # noqa: E402
from ganrepro.io import load_npz, open_log, write_json  # noqa: E402
from ganrepro.metrics.diversity import mean_pairwise_msssim, msssim_protocol  # noqa: E402
from ganrepro.provenance import code_version  # noqa: E402


def main(*, samples, real, score, run, epoch, reference, pairs, seed=0, log=None):
    with open_log(log) as logf:
        real_images = load_arrays(real).images
        f = load_npz(samples, ["status", "images"], required=["status", "images"])
        status, images = str(f["status"]), f["images"]
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
        result["code"] = [code_version("diversity")]
        write_json(score, result)
        gen = result["generated"]["ms_ssim"] if result["generated"] else None
        print(
            f"{run} epoch {epoch}: MS-SSIM generated {gen}, real "
            f"{result['real']['ms_ssim']} ({pairs} pairs each)",
            file=logf,
        )


if "snakemake" in globals():
    from _rule import run_rule  # noqa: E402

    run_rule(main, snakemake)  # noqa: F821
