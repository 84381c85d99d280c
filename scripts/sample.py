"""Rule sample: N images from a checkpoint's generator (EMA weights when trained with EMA)."""

import json

import numpy as np
from ganrepro.data import to_uint8
from ganrepro.device import configure_threads, resolve_device
from ganrepro.io import load_torch, open_log, write_npz
from ganrepro.provenance import code_version
from ganrepro.reporting.images import save_grid, save_message_image
from ganrepro.rule import run_rule
from ganrepro.training.generate import generate, load_generator


def main(
    *, checkpoint, samples, grid, n, seed, grid_images=64, device="auto", threads=None, log=None
):
    with open_log(log) as logf:
        configure_threads(threads)
        device = resolve_device(device)
        ckpt = load_torch(checkpoint, map_location=device)
        if ckpt["status"] != "ok":
            write_npz(
                samples,
                images=np.zeros((0, 1, 1, 1), np.uint8),
                labels=np.zeros(0, np.int64),
                status=np.array(ckpt["status"]),
                message=np.array(ckpt.get("message", "")),
                code=_code(ckpt),
            )
            save_message_image(f"no samples: run {ckpt['status']}", grid)
            print(f"no samples: {ckpt.get('message')}", file=logf)
            return
        G = load_generator(ckpt, device)
        images, labels = generate(G, n, seed=seed, device=device)
        labels = (
            labels.numpy() if labels is not None else np.full(n, -1, np.int64)
        )  # -1: unconditional
        write_npz(
            samples,
            images=to_uint8(images).numpy(),
            labels=labels,
            status=np.array("ok"),
            message=np.array(""),
            code=_code(ckpt),
        )
        save_grid(images[:grid_images], grid)
        print(
            f"{n} samples from {checkpoint} (epoch {ckpt['epoch']}, seed {seed}) on {device}",
            file=logf,
        )


def _code(ckpt):
    """The checkpoint's code (every training segment) and this job's, as one JSON string."""
    return np.array(json.dumps([*ckpt.get("code", []), code_version("sample")]))


if "snakemake" in globals():
    run_rule(main, snakemake)  # noqa: F821
