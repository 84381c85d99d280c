"""FID feature extraction: ours (uint8 arrays in memory) vs `python -m pytorch_fid` (PNG files).

All run as fresh processes on the same images, with the same device and thread count, and each
computes the statistics of one image set (pytorch-fid: `--save-stats`, its default batch size).
Ours runs with both feature backends: onnxruntime (the CPU default, `fid.backend: auto`) and
torch. One row per side: images/s, the ratio to the CLI, how far its statistics are from the
CLI's, and its arithmetic rate beside this machine's float32 matrix-product rate on the same
threads (how much faster any float32 implementation could be here).

    python -m bench run fid_features --n 500 --threads 2
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from ganrepro.data import prepare_split, save_arrays
from ganrepro.evaluation.metrics.fid import FID_WEIGHTS_FILENAME, frechet_distance, load_statistics
from PIL import Image

from .common import CIFAR, REPO, WEIGHTS, thread_env

DESCRIPTION = (
    "FID statistics of N test images: ours (onnxruntime, torch) vs the pytorch-fid CLI, "
    "images/s and agreement"
)

# The workflow's own features job (scripts/features.py), then the statistics (not timed apart:
# they take ~0.1 s).
OURS = """
import importlib.util, numpy as np
spec = importlib.util.spec_from_file_location("features", {script!r})
features = importlib.util.module_from_spec(spec)
spec.loader.exec_module(features)
features.main(images={arrays!r}, weights={weights!r}, features={feats!r}, batch_size={batch},
              device="cpu", threads={threads}, backend={backend!r}, onnx={onnx!r})
from ganrepro.evaluation.metrics.frechet import save_statistics, statistics
save_statistics({out!r}, *statistics(np.load({feats!r})["features"]))
"""

EXPORT = """
from ganrepro.evaluation.metrics.inception_onnx import export_inception_onnx
export_inception_onnx({weights!r}, {onnx!r})
"""


# The machine's float32 rate on these threads: one large matrix product (torch's BLAS), the
# kind of kernel convolutions reduce to. Features at this rate cannot get much faster in
# float32 on this CPU; the ratio to the CLI is then how far the CLI falls below it.
MATMUL = """
import time, torch
a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
for _ in range(3):
    a @ b
t0 = time.perf_counter()
for _ in range(20):
    a @ b
print(2 * 2048**3 * 20 / (time.perf_counter() - t0) / 1e9)
"""


def inception_gflops_per_image(size: int = 32) -> float:
    """Multiply-adds x 2 of pytorch-fid's network on one image of size x size (resized to 299
    inside the network): what every backend must compute."""
    import torch
    from ganrepro.evaluation.metrics.fid import load_inception
    from torch.utils.flop_counter import FlopCounterMode

    model = load_inception(WEIGHTS, torch.device("cpu"), fast=False).eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        model(torch.rand(1, 3, size, size))
    return counter.get_total_flops() / 1e9


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, capture_output=True)
    return time.perf_counter() - t0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=500, help="CIFAR-10 test images")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=50, help="our features job's batch")


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    arrays = prepare_split("image_folder", "test", root=CIFAR, image_size=32, max_images=args.n)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "png").mkdir()
        for i, img in enumerate(arrays.images):
            Image.fromarray(img).save(tmp / "png" / f"{i:05d}.png")
        save_arrays(tmp / "arrays.npz", arrays)
        hub = tmp / "torch" / "hub" / "checkpoints"
        hub.mkdir(parents=True)
        (hub / FID_WEIGHTS_FILENAME).symlink_to(WEIGHTS)
        env = {**thread_env(args.threads), "TORCH_HOME": str(tmp / "torch")}

        theirs_s = timed(
            [
                sys.executable,
                "-m",
                "pytorch_fid",
                "--device",
                "cpu",
                "--save-stats",
                str(tmp / "png"),
                str(tmp / "theirs.npz"),
            ],
            env,
        )
        # The ONNX graph is a cached file of the workflow (made once per weights file), so its
        # export is timed apart from the extraction, like pytorch-fid's weights download.
        onnx = tmp / "inception.onnx"
        export_s = timed(
            [sys.executable, "-c", EXPORT.format(weights=str(WEIGHTS), onnx=str(onnx))], env
        )
        ours_s = {}
        for backend in ("onnxruntime", "torch"):
            code = OURS.format(
                script=str(REPO / "scripts" / "features.py"),
                feats=str(tmp / f"features-{backend}.npz"),
                threads=args.threads,
                arrays=str(tmp / "arrays.npz"),
                weights=str(WEIGHTS),
                onnx=str(onnx),
                backend=backend,
                batch=args.batch_size,
                out=str(tmp / f"ours-{backend}.npz"),
            )
            ours_s[backend] = timed([sys.executable, "-c", code], env)
        matmul = subprocess.run(
            [sys.executable, "-c", MATMUL], check=True, env=env, capture_output=True, text=True
        )
        matmul_gflops = float(matmul.stdout.strip())
        theirs = load_statistics(tmp / "theirs.npz")
        ours = {b: load_statistics(tmp / f"ours-{b}.npz") for b in ours_s}

    gflop = inception_gflops_per_image()
    sides = {"pytorch-fid CLI": (theirs_s, theirs)} | {
        f"ganrepro {b}": (seconds, ours[b]) for b, seconds in ours_s.items()
    }
    rows = []
    for side, (seconds, (mu, sigma)) in sides.items():
        rate = args.n / seconds
        rows.append(
            {
                "side": side,
                "images": args.n,
                # the CLI runs at its default batch size
                "batch_size": args.batch_size if side.startswith("ganrepro") else None,
                "seconds": seconds,
                "images_per_s": rate,
                "ratio": theirs_s / seconds,  # ours over theirs; 1 for the CLI itself
                "max_mu_diff": float(np.abs(mu - theirs[0]).max()),
                "max_sigma_diff": float(np.abs(sigma - theirs[1]).max()),
                "fid_to_cli": float(frechet_distance(mu, sigma, *theirs)),
                "gflop_per_image": gflop,
                "gflops": rate * gflop,  # start-up included
                "matmul_gflops": matmul_gflops,
                "of_matmul": rate * gflop / matmul_gflops,
                "onnx_export_s": export_s,  # one-off, cached by the workflow
            }
        )
    return rows
