"""FID feature extraction: ours (uint8 arrays in memory) vs `python -m pytorch_fid` (PNG files).

Both run as fresh processes on the same images, with the same device and thread count, and each
computes the statistics of one image set (pytorch-fid: `--save-stats`, its default batch size).
Prints images/s for both, the ratio, and how far apart the two statistics are.

    python bench/fid_features.py --n 500 --threads 2
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import CIFAR, REPO, WEIGHTS, hardware, thread_env
from ganrepro.data import prepare_split, save_arrays
from ganrepro.metrics.fid import FID_WEIGHTS_FILENAME, frechet_distance, load_statistics
from PIL import Image

OURS = """
import sys, numpy as np, torch
sys.path.insert(0, {lib!r})
from ganrepro.data import load_arrays
from ganrepro.metrics.fid import load_inception, inception_features, statistics, save_statistics
torch.set_num_threads({threads})
dev = torch.device("cpu")
images = load_arrays({arrays!r}).images
feats = inception_features(load_inception({weights!r}, dev), images, batch_size={batch}, device=dev)
save_statistics({out!r}, *statistics(feats))
"""


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=50)
    args = ap.parse_args()
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
        code = OURS.format(
            lib=str(REPO / "lib"),
            threads=args.threads,
            arrays=str(tmp / "arrays.npz"),
            weights=str(WEIGHTS),
            batch=args.batch_size,
            out=str(tmp / "ours.npz"),
        )
        ours_s = timed([sys.executable, "-c", code], env)

        mu_a, sig_a = load_statistics(tmp / "ours.npz")
        mu_b, sig_b = load_statistics(tmp / "theirs.npz")
    print(f"hardware: {hardware(args.threads)}")
    print(f"images: {args.n} CIFAR-10 test images (JPEG copy), 32x32; ours batch {args.batch_size}")
    print(f"pytorch-fid CLI: {theirs_s:7.1f} s  {args.n / theirs_s:6.2f} images/s")
    print(f"ganrepro       : {ours_s:7.1f} s  {args.n / ours_s:6.2f} images/s")
    print(f"ratio ours/theirs (images/s): {theirs_s / ours_s:.2f}x")
    print(
        f"max |mu diff| {np.abs(mu_a - mu_b).max():.2e}, "
        f"max |sigma diff| {np.abs(sig_a - sig_b).max():.2e}, "
        f"FID(ours stats, theirs stats) {frechet_distance(mu_a, sig_a, mu_b, sig_b):.2e}"
    )


if __name__ == "__main__":
    main()
