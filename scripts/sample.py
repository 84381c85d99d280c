"""Rule sample: N images from a checkpoint's generator (EMA weights when trained with EMA)."""

import json
import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path[:0] = [str(Path(snakemake.scriptdir).parent / "lib"), snakemake.scriptdir]  # noqa: F821

import numpy as np  # noqa: E402
from ganrepro.data import to_uint8  # noqa: E402
from ganrepro.device import configure_threads, resolve_device  # noqa: E402
from ganrepro.generate import generate, load_generator  # noqa: E402
from ganrepro.images import save_grid, save_message_image  # noqa: E402
from ganrepro.io import load_torch, open_log, write_npz  # noqa: E402
from ganrepro.provenance import code_version  # noqa: E402


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
    from _rule import run_rule  # noqa: E402

    run_rule(main, snakemake)  # noqa: F821
