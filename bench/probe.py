"""Short probes of one family's settings: train each variant for a few epochs on CIFAR-10 (the
workflow's Trainer, in one process, one after another), then report its FID of 1,000 samples
(--fid-samples) against all 10,000 test images, its losses at the end, its images/s, and a
sample grid. For finding why a family learns slowly (issue 13's SAGAN), or which ingredient of
a recipe helps, before a config runs it in full.

    python -m bench run probe --experiment sagan --epochs 1 \
        --variant as_configured='{}' \
        --variant no_ttur='{lr_g: 0.0002, lr_d: 0.0002, beta1: 0.5, beta2: 0.999}'

Settings start from a member of a config (--config, default configs/laptop.yaml; --member,
default the experiment's first) and each variant overrides them (YAML). Needs a laptop-tier
results folder for the reference statistics and the ONNX graph (fid_of_generator in
common.py). One row per variant: its FID at the last epoch, the curve of the scored epochs, the
losses, D's mean outputs and health (ganrepro.training.health) over the last tenth of the
steps, images seen and G steps, images/s and its grid's file.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import torch
import yaml
from ganrepro.config_files import load
from ganrepro.data import prepare_split
from ganrepro.experiments import expand_runs
from ganrepro.reporting.images import save_grid
from ganrepro.training.train import LOSS_COLUMNS, Trainer, TrainSettings

from .common import CIFAR, REPO, fid_of_generator

DESCRIPTION = (
    "exploratory: train variants of a laptop experiment's settings a few epochs; FID, losses"
)


def probe(
    settings: dict,
    data,
    epochs: int,
    out: Path,
    name: str,
    results: Path,
    scored: list[int],
    n_fid: int = 1000,
    threads: int = 2,
    seed: int = 0,
) -> dict:
    """Train one variant for ``epochs``, scoring FID of ``n_fid`` samples after each epoch in
    ``scored`` (always the last): one training run gives the curve, as the workflow's
    eval_epochs would."""
    s = TrainSettings(**{**settings, "epochs": epochs, "eval_epochs": (epochs,)})
    t0 = time.perf_counter()
    t = Trainer(
        s, data, seed=seed, device=torch.device("cpu"), state_dir=out / name, save_every_seconds=1e9
    )
    fids, scoring = {}, 0.0
    for epoch in sorted({*scored, epochs}):
        t.run(until=epoch)  # sets G and D back to training mode at each epoch's start
        s0 = time.perf_counter()
        fids[epoch] = fid_of_generator(
            t.sampling_generator().eval(), n_fid, results, threads=threads
        )
        scoring += time.perf_counter() - s0
    seconds = time.perf_counter() - t0 - scoring
    tail = t.rows[-max(1, len(t.rows) // 10) :]  # the last tenth of the steps
    end = {column: _mean(r[i] for r in tail) for i, column in enumerate(LOSS_COLUMNS) if i >= 2}
    spectral = t.spectral_rows[max(t.spectral_rows)] if t.spectral_rows else []
    sigmas = [v for n, v in zip(t.spectral_names, spectral, strict=True) if n.startswith("sigma/D")]
    G = t.sampling_generator().eval()
    with torch.no_grad():
        from ganrepro.training.generate import generate

        grid, _ = generate(G, 64, seed=1)
    save_grid(grid, out / f"{name}.png")
    return {
        "variant": name,
        "seed": seed,
        "fid": fids[epochs],
        "n_fid": n_fid,
        "curve": fids,  # epoch -> FID
        **{f"{column}_end": value for column, value in end.items() if column != "gp"},
        "d_sigma_max_end": max(sigmas, default=float("nan")),  # raw weight, of D's SN layers
        "images_seen": len(t.rows) * s.batch_size,
        "g_steps": sum(r[3] == r[3] for r in t.rows),
        "images_per_s": epochs * t.steps_per_epoch * s.batch_size / seconds,
    }


def _mean(values) -> float:
    """Mean of the finite values (G's loss is NaN where G did not step)."""
    finite = [v for v in values if v == v]
    return sum(finite) / len(finite) if finite else float("nan")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--experiment", required=True)
    parser.add_argument("--config", type=Path, default=REPO / "configs" / "laptop.yaml")
    parser.add_argument("--member", default=None, help="the run to start from (default: first)")
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
    parser.add_argument("--seed", type=int, default=0, help="the training seed of every variant")
    parser.add_argument("--results", type=Path, default=REPO / "results")
    parser.add_argument("--out", type=Path, default=Path("/tmp/ganrepro-probe"))


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    torch.set_num_threads(args.threads)
    runs = expand_runs(load(args.config))
    base = (
        runs[args.member].settings
        if args.member
        else next(r.settings for r in runs.values() if r.experiment == args.experiment)
    )
    data = prepare_split("image_folder", "train", root=CIFAR, image_size=32, max_images=args.images)
    args.out.mkdir(parents=True, exist_ok=True)
    scored = [int(e) for e in args.score_epochs.split(",") if e]
    rows = []
    for spec in args.variant:
        name, _, overrides = spec.partition("=")
        settings = {**base, **(yaml.safe_load(overrides) or {})}
        r = probe(
            settings,
            data,
            args.epochs,
            args.out,
            name,
            args.results,
            scored,
            args.fid_samples,
            args.threads,
            args.seed,
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
