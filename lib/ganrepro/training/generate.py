"""Generators from checkpoints, and images from generators: what sampling needs, apart from the
training loop, so that sampling and the analyses do not depend on train.py (an edit there
changes no sample set's code version).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
import torch.nn as nn

from ganrepro.io import load_torch
from ganrepro.models import build_generator
from ganrepro.training.noise import seeded


def load_generator(
    checkpoint: dict[str, Any] | str | Path,
    device: torch.device | str = "cpu",
    use_ema: bool = True,
) -> nn.Module:
    """Rebuild G from a checkpoint (path or loaded dict) in eval mode; EMA weights when present."""
    ckpt = (
        load_torch(checkpoint, map_location=device)
        if isinstance(checkpoint, (str, Path))
        else checkpoint
    )
    if ckpt.get("status") != "ok":
        raise ValueError(f"checkpoint has status {ckpt.get('status')!r}: {ckpt.get('message', '')}")
    G = build_generator(**ckpt["model_config"]).to(device)
    weights = (
        ckpt["generator_ema"]
        if use_ema and ckpt.get("generator_ema") is not None
        else ckpt["generator"]
    )
    G.load_state_dict(weights)
    return G.eval()


@torch.no_grad()
def generate(
    G: nn.Module, n: int, *, seed: int, batch_size: int = 500, device: torch.device | str = "cpu"
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """n images as NCHW floats in [-1, 1] on the CPU, labels balanced over classes when G is
    conditional; the same seed gives the same images whatever the batch size."""
    g = seeded(seed, 4)
    latent = G.latent_dim
    z = torch.randn(n, latent, generator=g)
    n_classes = getattr(G, "n_classes", 0)
    y = torch.arange(n) % n_classes if n_classes else None
    out = []
    for i in range(0, n, batch_size):
        yb = y[i : i + batch_size].to(device) if y is not None else None
        out.append(G(z[i : i + batch_size].to(device), yb).float().cpu())
    return torch.cat(out), y
