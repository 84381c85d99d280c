"""Diversity of one checkpoint's samples: mean MS-SSIM of random pairs of generated images, and
of real images of the reference split beside it (ganrepro.evaluation.metrics.diversity). Two rows of
the analysis table."""

from __future__ import annotations

from typing import Any

from ganrepro.data import load_arrays
from ganrepro.evaluation.analyses import protocol, row
from ganrepro.evaluation.metrics.diversity import mean_pairwise_msssim, msssim_protocol
from ganrepro.io import load_npz, open_log, write_json
from ganrepro.provenance import code_version


def compute(*, samples, real, score, run, epoch, reference, diversity_pairs, seed, log=None):
    pairs = diversity_pairs
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


def rows(result: dict[str, Any], base: dict[str, Any]) -> list[dict[str, Any]]:
    ms = result["protocol"]["ms_ssim"]
    out = []
    for who in ("generated", "real"):
        d = result.get(who) or {}
        p = {
            "n_generated": d.get("n_images") if who == "generated" else None,
            "reference": result["protocol"]["reference"] if who == "real" else None,
        }
        out.append(
            row(
                base,
                f"MS-SSIM ({who} pairs)",
                d.get("ms_ssim"),
                d.get("ms_ssim_std"),
                result["status"] if who == "generated" else "ok",
                p,
                f"{d.get('pairs')} random pairs; window {ms['window']} px, "
                f"{len(ms['weights'])} scales {ms['weights']}",
            )
        )
    return out
