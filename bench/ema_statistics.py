"""What the EMA generator's standing BatchNorm statistics give: one checkpoint's FID three ways,
same samples' noise, same n, against all CIFAR-10 test images (results/fid_ref):

- the EMA weights with their own statistics, as the checkpoint saves them
  (train.EMA.standing_statistics);
- the EMA weights with the live G's running statistics (what checkpoints held before);
- the live G.

    python -m bench run ema_statistics \
        results/runs/dcgan_recipe-3_lr003_ema-s0-c2b7b813/checkpoints/epoch0012.pt

One row per way; each also gives the samples' contrast (mean per-image pixel std in [-1, 1]).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import torch
from ganrepro.io import load_torch
from ganrepro.reporting.ladders import contrast
from ganrepro.training.generate import generate, load_generator

from .common import REPO, fid_of_generator

DESCRIPTION = (
    "one EMA checkpoint's FID with its own BatchNorm statistics, the live G's, and of the live G"
)


def contrast_of_generator(G, n: int, seed: int) -> float:
    images, _ = generate(G.eval(), n, seed=seed)
    return contrast(images.numpy())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", type=Path)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--results", type=Path, default=REPO / "results")
    parser.add_argument("--threads", type=int, default=2)


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    torch.set_num_threads(args.threads)
    ckpt = load_torch(args.checkpoint, map_location="cpu")
    if ckpt.get("generator_ema") is None:
        raise SystemExit(f"{args.checkpoint} has no EMA generator (settings: ema null)")

    standing = load_generator(ckpt)
    copied = load_generator(ckpt)
    live_buffers = {k: v for k, v in ckpt["generator"].items() if "running_" in k}
    copied.load_state_dict({**ckpt["generator_ema"], **live_buffers})
    live = load_generator(ckpt, use_ema=False)

    rows = []
    for name, G in [
        ("EMA, standing statistics", standing),
        ("EMA, live G's statistics", copied),
        ("live G", live),
    ]:
        start = time.perf_counter()
        fid = fid_of_generator(G, args.n, args.results, threads=args.threads)
        rows.append(
            {
                "generator": name,
                "checkpoint": str(args.checkpoint),
                "n": args.n,
                "fid": fid,
                "contrast": contrast_of_generator(G, 256, 2026),
                "seconds": time.perf_counter() - start,
            }
        )
    return rows
