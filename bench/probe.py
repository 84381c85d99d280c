"""Short probes of one family's settings: train each variant for a few epochs on CIFAR-10 (the
workflow's Trainer, in one process, one after another), then report its FID of 1,000 samples
(--fid-samples) against all 10,000 test images, its losses at the end, its images/s, and a
sample grid. For finding why a family learns slowly (issue 13's SAGAN), or which ingredient of
a recipe helps, before a config runs it in full.

    python -m bench run probe --experiment sagan --epochs 1 \
        --variant as_configured='{}' \
        --variant no_ttur='{lr_g: 0.0002, lr_d: 0.0002, beta1: 0.5, beta2: 0.999}'

Settings start from the experiment's in configs/laptop.yaml (its first run) and each variant
overrides them (YAML). Needs a laptop-tier results folder for the reference statistics and the
ONNX graph (fid_of_generator in common.py). A variant may also set `init: xavier` or
`init: orthogonal`: every conv and linear weight drawn anew that way (the families use DCGAN's
N(0, 0.02)). One row per variant: its FID at the last epoch, the curve of the scored epochs,
the losses and D's logits over the last tenth of the steps, images/s and its grid's file.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn as nn
import yaml
from ganrepro.config_files import load
from ganrepro.data import prepare_split
from ganrepro.experiments import expand_runs
from ganrepro.reporting.images import save_grid
from ganrepro.training.train import Trainer, TrainSettings
from torch.nn.utils import parametrize

from .common import CIFAR, REPO, fid_of_generator

DESCRIPTION = (
    "exploratory: train variants of a laptop experiment's settings a few epochs; FID, losses"
)

INITS = {
    "xavier": lambda w: nn.init.xavier_uniform_(w),
    # drawn into a contiguous tensor: orthogonal_ cannot view a channels-last weight
    "orthogonal": lambda w: w.copy_(nn.init.orthogonal_(torch.empty(w.shape))),
}


@torch.no_grad()
def reinitialise(t: Trainer, kind: str) -> None:
    """Every conv and linear weight of G and D drawn anew (``kind``), biases zero; spectrally
    normalised layers get their power iteration's u, v warmed up on the new weights (15
    training-mode forwards, as torch does at registration), BatchNorm statistics reset."""
    for net in (t.G, t.D):
        for m in net.modules():
            if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
                sn = parametrize.is_parametrized(m, "weight")
                INITS[kind](m.parametrizations.weight.original if sn else m.weight)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
    # the warm-up's own noise: the trainer's stream stays as a run without the override has it
    g = torch.Generator().manual_seed(0)
    z = torch.randn(64, t.settings.latent_dim, generator=g)
    n_classes = t.config["n_classes"]
    y = torch.randint(n_classes, (64,), generator=g) if n_classes else None
    for _ in range(15):
        t.D(t.G(z, y), y)
    for m in t.G.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.reset_running_stats()


def probe(
    settings: dict,
    data,
    epochs: int,
    out: Path,
    name: str,
    results: Path,
    scored: list[int],
    n_fid: int = 1000,
) -> dict:
    """Train one variant for ``epochs``, scoring FID of ``n_fid`` samples after each epoch in
    ``scored`` (always the last): one training run gives the curve, as the workflow's
    eval_epochs would."""
    init = settings.pop("init", None)  # not a training setting: the probe's own override
    s = TrainSettings(**{**settings, "epochs": epochs, "eval_epochs": (epochs,)})
    t0 = time.perf_counter()
    t = Trainer(
        s, data, seed=0, device=torch.device("cpu"), state_dir=out / name, save_every_seconds=1e9
    )
    if init:
        reinitialise(t, init)
    fids, scoring = {}, 0.0
    for epoch in sorted({*scored, epochs}):
        t.run(until=epoch)  # sets G and D back to training mode at each epoch's start
        s0 = time.perf_counter()
        fids[epoch] = fid_of_generator(t.sampling_generator().eval(), n_fid, results)
        scoring += time.perf_counter() - s0
    seconds = time.perf_counter() - t0 - scoring
    tail = t.rows[-max(1, len(t.rows) // 10) :]  # the last tenth of the steps
    d = sum(r[2] for r in tail) / len(tail)
    g_rows = [r[3] for r in tail if r[3] == r[3]]
    G = t.sampling_generator().eval()
    with torch.no_grad():
        from ganrepro.training.generate import generate

        grid, _ = generate(G, 64, seed=1)
    save_grid(grid, out / f"{name}.png")
    return {
        "variant": name,
        "fid": fids[epochs],
        "n_fid": n_fid,
        "curve": fids,  # epoch -> FID
        "d_loss_end": d,
        "g_loss_end": sum(g_rows) / len(g_rows) if g_rows else float("nan"),
        "d_real_end": sum(r[4] for r in tail) / len(tail),  # D's mean logit on real images
        "d_fake_end": sum(r[5] for r in tail) / len(tail),
        "images_per_s": epochs * t.steps_per_epoch * s.batch_size / seconds,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--variant", action="append", required=True, help="name='{yaml overrides}'")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument(
        "--score-epochs", default="", help="comma-separated epochs also scored (the last always)"
    )
    parser.add_argument("--images", type=int, default=None, help="training images (default: all)")
    parser.add_argument(
        "--fid-samples", type=int, default=1000, help="samples per FID (the curve's n: 1,000)"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--results", type=Path, default=REPO / "results")
    parser.add_argument("--out", type=Path, default=Path("/tmp/ganrepro-probe"))


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    torch.set_num_threads(args.threads)
    config = load(REPO / "configs" / "laptop.yaml")
    base = next(r.settings for r in expand_runs(config).values() if r.experiment == args.experiment)
    data = prepare_split("image_folder", "train", root=CIFAR, image_size=32, max_images=args.images)
    args.out.mkdir(parents=True, exist_ok=True)
    scored = [int(e) for e in args.score_epochs.split(",") if e]
    rows = []
    for spec in args.variant:
        name, _, overrides = spec.partition("=")
        settings = {**base, **(yaml.safe_load(overrides) or {})}
        r = probe(
            settings, data, args.epochs, args.out, name, args.results, scored, args.fid_samples
        )
        curve = r.pop("curve")
        print(f"{name}: FID {r['fid']:.1f}", flush=True)  # progress: a variant takes minutes
        rows.append(
            {
                "experiment": args.experiment,
                **r,
                "overrides": overrides,
                "epochs": args.epochs,
                "images": len(data.images),
                "curve": " / ".join(f"{f:.1f}" for f in curve.values()),
                "curve_epochs": " / ".join(str(e) for e in curve),
                "grid": str(args.out / f"{name}.png"),
            }
        )
    return rows
