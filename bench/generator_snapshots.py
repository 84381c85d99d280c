"""What keeping G's weights at every epoch would cost, against the full checkpoints kept today:
for each run folder of a config, the size of one generator (with its EMA copy where the run has
one) and of one full checkpoint (G, D, both optimisers' state, random state; the loss rows,
which grow with training, left out), the time to save a generator, and the totals over the run
(a generator every epoch; a checkpoint per scored epoch), and a last row with the config's
sums. Models take one training step on one batch of blank images (so that the optimisers hold
their moments, as in any real checkpoint): sizes do not depend on the weights' values.

    python -m bench run generator_snapshots --config config.yaml
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from typing import Any

import numpy as np
import torch
from ganrepro.config_files import load
from ganrepro.data import ImageArrays
from ganrepro.experiments import expand_runs, run_folders
from ganrepro.training.train import Trainer, TrainSettings

from .common import REPO

DESCRIPTION = "cost of keeping G's weights every epoch vs the full checkpoints, per run folder"


def saved_bytes(obj: Any) -> tuple[int, float]:
    """Bytes of ``torch.save(obj)`` and the seconds it took (to memory: no disk noise)."""
    buffer = io.BytesIO()
    t0 = time.perf_counter()
    torch.save(obj, buffer)
    return buffer.tell(), time.perf_counter() - t0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", default="config.yaml", help="a config of this repository")


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    config = load(REPO / args.config)
    runs = expand_runs(config)
    rows: list[dict[str, Any]] = []
    seen: dict[tuple, dict[str, Any]] = {}
    for name, folder in run_folders(runs).items():
        member = runs[folder.members[0]]
        settings = TrainSettings.from_dict({**member.settings, "epochs": folder.epochs})
        dataset = config["datasets"][member.dataset]
        shape = (settings.batch_size, dataset["image_size"], dataset["image_size"], 3)
        key = (settings.model, settings.width, settings.latent_dim, shape, settings.ema is None)
        if key in seen:
            rows.append({**seen[key], "run": name, "epochs": folder.epochs})  # the same sizes
            rows[-1]["checkpoints"] = len(folder.checkpoint_epochs)
            _totals(rows[-1])
            continue
        data = ImageArrays(
            images=np.zeros(shape, dtype=np.uint8),
            labels=np.arange(shape[0]) % 10,
            classes=[str(i) for i in range(10)],
        )
        with tempfile.TemporaryDirectory() as tmp:
            trainer = Trainer(settings, data, seed=0, device=torch.device("cpu"), state_dir=tmp)
            trainer.run(until=1)  # one step: Adam's moments exist from the first step on
            generator = {"generator": trainer.G.state_dict()}
            if trainer.ema:
                generator["generator_ema"] = trainer.ema.model.state_dict()
            g_bytes, g_seconds = saved_bytes(generator)
            full = {k: v for k, v in trainer.checkpoint().items() if k != "rows"}
            c_bytes, _ = saved_bytes(full)
        seen[key] = {
            "run": name,
            "model": settings.model,
            "width": settings.width,
            "image_size": dataset["image_size"],
            "epochs": folder.epochs,
            "checkpoints": len(folder.checkpoint_epochs),
            "generator_mb": g_bytes / MB,
            "checkpoint_mb": c_bytes / MB,
            "generator_save_s": g_seconds,
        }
        rows.append(_totals(dict(seen[key])))
    rows.append(
        {
            "run": f"all {len(rows)} runs of {args.config}",
            "epochs": sum(r["epochs"] for r in rows),
            "checkpoints": sum(r["checkpoints"] for r in rows),
            "every_epoch_mb": sum(r["every_epoch_mb"] for r in rows),
            "checkpoints_mb": sum(r["checkpoints_mb"] for r in rows),
        }
    )
    return rows


MB = 1024**2


def _totals(row: dict[str, Any]) -> dict[str, Any]:
    """A run's disk: a generator every epoch, against a full checkpoint per scored epoch."""
    row["every_epoch_mb"] = row["generator_mb"] * row["epochs"]
    row["checkpoints_mb"] = row["checkpoint_mb"] * row["checkpoints"]
    return row
