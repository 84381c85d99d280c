"""Training images/s of each family as configs/laptop.yaml trains it: the numbers its budgets
(images seen per run) were chosen from. One process, families one after another, a warm-up epoch
then a timed one on the same CIFAR-10 subset, the workflow's Trainer with every setting as the
laptop config gives it.

    python bench/family_throughput.py --n 2560 --threads 2
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
import yaml
from common import CIFAR, hardware
from ganrepro.data import prepare_split
from ganrepro.experiments import expand_runs
from ganrepro.train import Trainer, TrainSettings

LAPTOP = Path(__file__).resolve().parent.parent / "configs" / "laptop.yaml"


def images_per_second(settings: dict, data, device: torch.device) -> float:
    keep = {k: v for k, v in settings.items() if k in TrainSettings.__dataclass_fields__}
    s = TrainSettings(**{**keep, "epochs": 2, "eval_epochs": (2,)})
    with tempfile.TemporaryDirectory() as tmp:
        t = Trainer(s, data, seed=0, device=device, state_dir=tmp, save_every_seconds=1e9)
        t.run(until=1)  # warm-up (allocations, oneDNN kernel choice)
        t0 = time.perf_counter()
        t.run(until=2)
        elapsed = time.perf_counter() - t0
    return t.steps_per_epoch * s.batch_size / elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=2560, help="training images per timed epoch")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--only", nargs="*", help="experiments of the laptop config to time")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    config = yaml.safe_load(LAPTOP.read_text())
    runs = expand_runs(config)
    data = prepare_split("image_folder", "train", root=CIFAR, image_size=32, max_images=args.n)
    print(f"hardware: {hardware(args.threads)}; device {device}; {args.n} CIFAR-10 images")
    timed = set()
    for name, run in runs.items():
        setting = (run.experiment, repr(run.grid))  # one run per setting: seeds train alike
        if setting in timed or (args.only and run.experiment not in args.only):
            continue
        timed.add(setting)
        s = run.settings
        rate = images_per_second(s, data, device)
        print(
            f"{name:40s} {s['model']:16s} width {s['width']:3d} batch {s['batch_size']:3d} "
            f"n_critic {s['n_critic']}: {rate:7.1f} images/s",
            flush=True,
        )


if __name__ == "__main__":
    main()
