"""Random streams of a run: one seeded generator per purpose, and the fixed latents of the
training grids. Shared by training and sampling, so neither imports the other (each output
records the modules that made it: ganrepro.provenance).
"""

from __future__ import annotations

import numpy as np
import torch


def seeded(seed: int, *salt: int, device: torch.device | str = "cpu") -> torch.Generator:
    g = torch.Generator(device=device)
    g.manual_seed(int(np.random.SeedSequence([seed, *salt]).generate_state(1)[0]))
    return g


def fixed_noise(
    latent_dim: int, n: int, seed: int, n_classes: int = 0
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The same z (and labels, cycling through classes) at every checkpoint of a run."""
    g = seeded(seed, 1)
    z = torch.randn(n, latent_dim, generator=g)
    y = torch.arange(n) % n_classes if n_classes else None
    return z, y
