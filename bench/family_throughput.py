"""Training images/s of each family as configs/laptop.yaml trains it: the numbers its budgets
(images seen per run) were chosen from. One process, families one after another, a warm-up epoch
then a timed one on the same CIFAR-10 subset, the workflow's Trainer with every setting as the
laptop config gives it. One row per experiment (its first run: seeds train alike).

    python -m bench run family_throughput --n 2560 --threads 2
"""

from __future__ import annotations

import argparse
import tempfile
import time
from typing import Any

import torch
from ganrepro.config_files import load
from ganrepro.data import prepare_split
from ganrepro.experiments import expand_runs
from ganrepro.training.train import Trainer, TrainSettings

from .common import CIFAR, REPO

DESCRIPTION = "training images/s of each experiment of configs/laptop.yaml, with its settings"
LAPTOP = REPO / "configs" / "laptop.yaml"


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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=2560, help="training images per timed epoch")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--only", nargs="*", help="experiments of the laptop config to time")


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    config = load(LAPTOP)
    runs = expand_runs(config)
    data = prepare_split("image_folder", "train", root=CIFAR, image_size=32, max_images=args.n)
    timed, rows = set(), []
    for name, r in runs.items():
        setting = (r.experiment, repr(r.grid))  # one run per setting: seeds train alike
        if setting in timed or (args.only and r.experiment not in args.only):
            continue
        timed.add(setting)
        s = r.settings
        rate = images_per_second(s, data, device)
        print(f"{name}: {rate:.1f} images/s", flush=True)  # progress: a run takes minutes
        rows.append(
            {
                "run": name,
                "experiment": r.experiment,
                "model": s["model"],
                "width": s["width"],
                "batch_size": s["batch_size"],
                "n_critic": s["n_critic"],
                "images": args.n,
                "device": str(device),
                "images_per_s": rate,
            }
        )
    if not rows:
        raise SystemExit(f"no experiment of {LAPTOP} among --only {' '.join(args.only)}")
    return rows
