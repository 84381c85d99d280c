"""Peak memory and speed of the ONNX Runtime features path per batch size and memory arena.

Each setting runs in a fresh process (as a features job does) on the same N CIFAR-10 test
images; peak resident memory is the child's own ru_maxrss. Chooses fid.batch_size and the arena
setting for a job that must stay under ~2 GB on a laptop. One row per batch size and arena
setting.

    python -m bench run features_memory --n 400 --threads 2 --batches 25 50 100 200
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from ganrepro.data import prepare_split, save_arrays

from .common import CIFAR, WEIGHTS, thread_env

DESCRIPTION = "ONNX Runtime features: peak memory and images/s per batch size, memory arena on/off"

CHILD = """
import resource, time, json
from ganrepro.data import load_arrays
from ganrepro.evaluation.metrics.inception_onnx import OnnxInception
images = load_arrays({arrays!r}).images
net = OnnxInception({onnx!r}, threads={threads}, memory_arena={arena})
t0 = time.perf_counter()
net.features(images, batch_size={batch})
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"seconds": time.perf_counter() - t0, "peak_mb": peak}}))
"""


def child(code: str, threads: int) -> tuple[float, float]:
    """(images' seconds, peak RSS in MB) of a fresh process running ``code``."""
    out = subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        capture_output=True,
        text=True,
        env=thread_env(threads),
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["seconds"], result["peak_mb"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=400, help="CIFAR-10 test images")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batches", type=int, nargs="+", default=[25, 50, 100, 200])


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    arrays = prepare_split("image_folder", "test", root=CIFAR, image_size=32, max_images=args.n)
    from ganrepro.evaluation.metrics.inception_onnx import export_inception_onnx

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        save_arrays(tmp / "arrays.npz", arrays)
        onnx = export_inception_onnx(WEIGHTS, tmp / "inception.onnx")
        for arena in (False, True):
            for batch in sorted(args.batches):
                code = CHILD.format(
                    arrays=str(tmp / "arrays.npz"),
                    onnx=str(onnx),
                    threads=args.threads,
                    arena=arena,
                    batch=batch,
                )
                seconds, peak = child(code, args.threads)
                rows.append(
                    {
                        "batch_size": batch,
                        "arena": arena,
                        "images": args.n,
                        "seconds": seconds,
                        "images_per_s": args.n / seconds,
                        "peak_rss_mb": peak,
                    }
                )
                print(f"batch {batch}, arena {arena}: peak {peak:.0f} MB", flush=True)
    return rows
