"""Does a discriminator separate a generator that stands still? Train a config member (G and D)
for --epochs, then freeze G and train only D, on the same data stream, for --d-steps, and
record D's health every --every steps: its mean outputs on real and fake, how often it is right,
how much of both batches is inside the hinge margin, its loss and gradient norm. A D that wins
quickly against a fixed G is held back by G's moves during training; one that cannot is held
back by itself (its capacity, its normalisation, its optimiser).

    python -m bench run frozen_g --member dcgan_recipe-4_lr003_ema_hinge_sn-s0 \
        --variant sn='{ema: null}' --variant bn='{ema: null, model_options: {}}'

Settings start from a member of --config (default configs/recipe.yaml) with each variant's YAML
overrides; the D-only phase keeps D's optimiser state (Adam's moments) and trains at D's
initial learning rate, held constant. G samples in training mode, as during training (its BatchNorm
normalises each batch), with fresh noise each step. One row per variant and recorded step.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path
from typing import Any

import torch
import yaml
from ganrepro.config_files import load
from ganrepro.data import prepare_split, to_float
from ganrepro.experiments import expand_runs
from ganrepro.training import health
from ganrepro.training.noise import seeded
from ganrepro.training.train import Trainer, TrainSettings

from .common import CIFAR, REPO

DESCRIPTION = "exploratory: train G and D, then D alone against the fixed G; D's health by step"


def d_only(t: Trainer, steps: int, every: int) -> list[dict[str, Any]]:
    """``steps`` updates of D alone against ``t``'s G as it stands; D's health every ``every``."""
    t.G.train().requires_grad_(False)
    t.D.train()
    # D's own learning rate (its initial one), held: a decay over the joint phase would have
    # brought it to its floor by now
    lr = t.settings.lr_d if t.settings.lr_d is not None else t.settings.lr
    for group in t.opt_d.param_groups:
        group["initial_lr"] = lr
    t.sched_d = torch.optim.lr_scheduler.LambdaLR(t.opt_d, lambda _: 1.0)
    order = torch.randperm(t.n_images, generator=seeded(t.seed, 7))
    batch = t.settings.batch_size
    rows, window = [], []
    for step in range(steps):
        start = (step * batch) % (t.n_images - batch + 1)
        index = order[start : start + batch]
        real = to_float(t.images[index])
        labels = t.labels[index] if t.config["n_classes"] else None
        d_step = t.discriminator_step(real, labels, step, steps)
        right, inside = health.separation(t.loss, d_step.real_out.logits, d_step.fake_out.logits)
        window.append(
            [
                d_step.loss.item(),
                d_step.real_out.logits.mean().item(),
                d_step.fake_out.logits.mean().item(),
                right.item(),
                inside.item(),
                d_step.grad_norm.item(),
            ]
        )
        if (step + 1) % every == 0:
            means = [sum(column) / len(column) for column in zip(*window, strict=True)]
            names = ("d_loss", "d_real", "d_fake", "d_accuracy", "d_violations", "grad_norm_d")
            rows.append({"d_only_step": step + 1, **dict(zip(names, means, strict=True))})
            window.clear()
    return rows


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "recipe.yaml")
    parser.add_argument("--member", required=True, help="the config member to start from")
    parser.add_argument("--variant", action="append", required=True, help="name='{yaml}'")
    parser.add_argument("--epochs", type=int, default=1, help="epochs of G and D first")
    parser.add_argument("--d-steps", type=int, default=1500, help="then this many D updates")
    parser.add_argument("--every", type=int, default=100, help="a row per this many D steps")
    parser.add_argument("--images", type=int, default=None, help="training images (all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("/tmp/ganrepro-frozen-g"))


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    torch.set_num_threads(args.threads)
    base = expand_runs(load(args.config))[args.member].settings
    data = prepare_split("image_folder", "train", root=CIFAR, image_size=32, max_images=args.images)
    rows = []
    for spec in args.variant:
        name, _, overrides = spec.partition("=")
        settings = {**base, **(yaml.safe_load(overrides) or {})}
        s = TrainSettings(**{**settings, "epochs": args.epochs, "eval_epochs": (args.epochs,)})
        t0 = time.perf_counter()
        t = Trainer(
            s, data, seed=0, device=torch.device("cpu"), state_dir=args.out / name,
            save_every_seconds=math.inf,
        )  # fmt: skip
        t.run()
        trained = time.perf_counter() - t0
        before = {column: t.rows[-1][i] for i, column in enumerate(("epoch", "step"))}
        for row in d_only(t, args.d_steps, args.every):
            rows.append(
                {
                    "variant": name,
                    "member": args.member,
                    "overrides": overrides,
                    "joint_epochs": args.epochs,
                    "joint_steps": before["step"] + 1,
                    "lr_d": t.opt_d.param_groups[0]["lr"],
                    **row,
                    "seconds_joint": trained,
                }
            )
        print(f"{name}: {rows[-1]}", flush=True)
    return rows
