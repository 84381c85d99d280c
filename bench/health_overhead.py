"""What measuring D's health costs (ganrepro.training.health: separation, gradient norms every
step; each spectral layer's exact sigma every logging interval): training images/s of the same
runs with the measurements on and off, in one process, alternating on/off in each repeat so a
drift of the machine's speed falls on both. The issue's bar: at most 5% slower.

    python -m bench run health_overhead --n 5120 --repeats 3 --threads 2

One row per run of configs/laptop.yaml (its experiments' first members, or --only), with the
median images/s of each and the overhead, 1 - on / off, and the measurements' parts timed one
by one on the trained networks, over an unmeasured step's time (`overhead_of_parts`: steadier
than the ratio of two epochs, which drifts by a few % with the machine).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from typing import Any

import torch
from ganrepro.config_files import load
from ganrepro.data import prepare_split
from ganrepro.experiments import expand_runs
from ganrepro.training import health
from ganrepro.training.train import Trainer, TrainSettings

from .common import CIFAR, REPO

DESCRIPTION = "training images/s with D's health measured and not: the overhead (bar: 5%)"
LAPTOP = REPO / "configs" / "laptop.yaml"


def timed_epoch(settings: dict, data, measure: bool, log_every: int) -> float:
    """Images/s of the second of two epochs (the first warms up allocations and kernels)."""
    s = TrainSettings(**{**settings, "epochs": 2, "eval_epochs": (2,)})
    with tempfile.TemporaryDirectory() as tmp:
        t = Trainer(
            s,
            data,
            seed=0,
            device=torch.device("cpu"),
            state_dir=tmp,
            save_every_seconds=1e9,
            measure_health=measure,
        )
        t.run(until=1, log_every=log_every)
        start = time.perf_counter()
        t.run(until=2, log_every=log_every)
        return t.steps_per_epoch * s.batch_size / (time.perf_counter() - start)


def parts_per_step(settings: dict, data, log_every: int, repeats: int = 50) -> float:
    """Seconds per training step that the measurements take, timed part by part on a trained
    Trainer's own G and D (a ratio of epochs drifts with the machine by a few %; this does
    not): the separation and D's gradient norm every step, G's every n_critic-th, the spectral
    statistics once per logging interval."""
    s = TrainSettings(**{**settings, "epochs": 1, "eval_epochs": (1,)})
    with tempfile.TemporaryDirectory() as tmp:
        t = Trainer(s, data, seed=0, device=torch.device("cpu"), state_dir=tmp)
        t.run(until=1, log_every=log_every)  # gradients and SN vectors as in training
    real = torch.randn(s.batch_size)
    fake = torch.randn(s.batch_size)

    def per_call(fn, n: int) -> float:
        fn()
        start = time.perf_counter()
        for _ in range(n):
            fn()
        return (time.perf_counter() - start) / n

    separation = per_call(lambda: health.separation(t.loss, real, fake), repeats)
    grad_d = per_call(lambda: health.gradient_norm(t.D), repeats)
    grad_g = per_call(lambda: health.gradient_norm(t.G), repeats)
    spectral = per_call(lambda: health.spectral_statistics(t.spectral), 5) if t.spectral else 0.0
    return separation + grad_d + grad_g / s.n_critic + spectral / log_every


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=5120, help="training images per timed epoch")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--log-every", type=int, default=50, help="steps per logging interval (the workflow's)"
    )
    parser.add_argument("--only", nargs="*", default=["dcgan", "sngan", "sagan"])


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    torch.set_num_threads(args.threads)
    runs = expand_runs(load(LAPTOP))
    data = prepare_split("image_folder", "train", root=CIFAR, image_size=32, max_images=args.n)
    rows = []
    for experiment in args.only:
        name, r = next((n, r) for n, r in runs.items() if r.experiment == experiment)
        rates: dict[bool, list[float]] = {True: [], False: []}
        for repeat in range(args.repeats):
            order = (True, False) if repeat % 2 == 0 else (False, True)
            for measure in order:
                rates[measure].append(timed_epoch(r.settings, data, measure, args.log_every))
        on, off = statistics.median(rates[True]), statistics.median(rates[False])
        parts = parts_per_step(r.settings, data, args.log_every)
        step_seconds = r.settings["batch_size"] / off
        print(f"{name}: {on:.1f} vs {off:.1f} images/s", flush=True)
        rows.append(
            {
                "run": name,
                "model": r.settings["model"],
                "width": r.settings["width"],
                "loss": r.settings["loss"],
                "images": args.n,
                "repeats": args.repeats,
                "log_every": args.log_every,
                "images_per_s_measured": on,
                "images_per_s_unmeasured": off,
                "overhead": 1 - on / off,
                # the measurements' own time per step over an unmeasured step's
                "parts_ms_per_step": 1000 * parts,
                "overhead_of_parts": parts / step_seconds,
                "all_measured": " / ".join(f"{v:.1f}" for v in rates[True]),
                "all_unmeasured": " / ".join(f"{v:.1f}" for v in rates[False]),
            }
        )
    return rows
