"""Walking the latent space: interpolation paths, inversion of real images, morphing.

Linear paths between two Gaussian latents pass through points of unusually small norm (the
midpoint of two independent N(0, I) vectors has about 0.71x their norm), where the generator
was never trained; spherical interpolation (slerp, White 2016, dcgan.torch issue 14) follows
the great circle instead and keeps the norm when the endpoints have equal norms.

Inversion finds z* = argmin_z ||x − G(z)||² by gradient descent. The objective is not convex,
so it is run from several random starts at once (one batch) and the start with the smallest
final reconstruction error is kept. Morphing interpolates between two inverted codes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn as nn


def lerp(z1: torch.Tensor, z2: torch.Tensor, t: float | torch.Tensor) -> torch.Tensor:
    """(1 − t) z1 + t z2: t = 0 gives z1, t = 1 gives z2."""
    return (1 - t) * z1 + t * z2


def slerp(z1: torch.Tensor, z2: torch.Tensor, t: float | torch.Tensor) -> torch.Tensor:
    """Spherical interpolation along the last dimension: t = 0 gives z1, t = 1 gives z2.

    sin((1 − t) ω) / sin ω · z1 + sin(t ω) / sin ω · z2, ω the angle between z1 and z2; falls
    back to lerp for (anti)parallel endpoints, where the great circle is undefined.
    """
    z1, z2 = torch.as_tensor(z1), torch.as_tensor(z2)
    t = torch.as_tensor(t, dtype=z1.dtype)
    while t.ndim < z1.ndim:
        t = t.unsqueeze(-1)
    u1 = z1 / z1.norm(dim=-1, keepdim=True)
    u2 = z2 / z2.norm(dim=-1, keepdim=True)
    omega = torch.arccos((u1 * u2).sum(dim=-1, keepdim=True).clamp(-1.0, 1.0))
    so = torch.sin(omega)
    degenerate = so.abs() < 1e-6
    safe = torch.where(degenerate, torch.ones_like(so), so)
    spherical = torch.sin((1 - t) * omega) / safe * z1 + torch.sin(t * omega) / safe * z2
    return torch.where(degenerate, lerp(z1, z2, t), spherical)


INTERPOLATIONS = {"linear": lerp, "slerp": slerp}


def interpolation_path(
    z1: torch.Tensor, z2: torch.Tensor, steps: int, method: str = "slerp"
) -> torch.Tensor:
    """``steps`` latents (steps, dim) from z1 to z2 inclusive."""
    if method not in INTERPOLATIONS:
        raise ValueError(f"unknown interpolation {method!r}; use one of {sorted(INTERPOLATIONS)}")
    if steps < 2:
        raise ValueError(f"an interpolation path needs at least 2 steps, got {steps}")
    t = torch.linspace(0, 1, steps, dtype=z1.dtype).unsqueeze(-1)  # (steps, 1)
    return INTERPOLATIONS[method](z1.unsqueeze(0), z2.unsqueeze(0), t)


@torch.no_grad()
def render(G: nn.Module, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
    """G(z) (NCHW in [−1, 1], on the CPU) for a batch of latents; y: class labels or None."""
    device = next(G.parameters()).device
    return G(z.to(device), None if y is None else y.to(device)).float().cpu()


@dataclass
class Inversion:
    z: torch.Tensor  # (N, dim): the best start's optimised latent of each target
    reconstruction: torch.Tensor  # (N, C, H, W): G(z)
    mse: torch.Tensor  # (N,): per-pixel mean squared error of the best start, images in [-1, 1]
    best_start: torch.Tensor  # (N,): index of the start that was kept
    initial_mse: torch.Tensor  # (N, starts): error of each random start before optimisation
    final_mse: torch.Tensor  # (N, starts): error of each start after optimisation


def invert(
    G: nn.Module,
    targets: torch.Tensor,
    *,
    labels: torch.Tensor | None = None,
    starts: int = 4,
    steps: int = 200,
    lr: float = 0.05,
    seed: int = 0,
) -> Inversion:
    """z* = argmin_z ||x − G(z)||² for each target x (NCHW in [−1, 1]), by Adam from ``starts``
    random N(0, I) starts per target, all optimised together as one batch; the start with the
    smallest final error is kept. G must be in eval mode (BatchNorm then treats each image
    alone, so the starts do not interact)."""
    if G.training:
        raise ValueError("invert needs G in eval mode (call G.eval()) so images do not interact")
    if starts < 1 or steps < 0:
        raise ValueError(f"need starts >= 1 and steps >= 0, got {starts} and {steps}")
    device = next(G.parameters()).device
    n = targets.shape[0]
    g = torch.Generator().manual_seed(seed)
    z0 = torch.randn(n, starts, G.latent_dim, generator=g)
    x = targets.to(device).float().repeat_interleave(starts, dim=0)
    y = None if labels is None else labels.to(device).repeat_interleave(starts, dim=0)
    z = z0.reshape(n * starts, -1).to(device).requires_grad_(True)
    requires = [p.requires_grad for p in G.parameters()]
    G.requires_grad_(False)
    try:

        def errors(latent: torch.Tensor) -> torch.Tensor:
            return (G(latent, y) - x).pow(2).flatten(1).mean(dim=1)

        with torch.no_grad():
            initial = errors(z).cpu()
        opt = torch.optim.Adam([z], lr=lr)
        for _ in range(steps):
            opt.zero_grad(set_to_none=True)
            # the sum, so each latent's gradient is that of its own error
            errors(z).sum().backward()
            opt.step()
        with torch.no_grad():
            recon = G(z, y).float()
            final = (recon - x).pow(2).flatten(1).mean(dim=1).cpu()
    finally:
        for p, r in zip(G.parameters(), requires, strict=True):
            p.requires_grad_(r)
    final = final.reshape(n, starts)
    best = final.argmin(dim=1)
    rows = torch.arange(n) * starts + best
    return Inversion(
        z=z.detach().cpu()[rows],
        reconstruction=recon.cpu()[rows],
        mse=final[torch.arange(n), best],
        best_start=best,
        initial_mse=initial.reshape(n, starts),
        final_mse=final,
    )


def psnr(mse_pm1: torch.Tensor | np.ndarray) -> np.ndarray:
    """PSNR in dB of a mean squared error measured on images in [−1, 1] (a range of 2)."""
    mse = np.asarray(mse_pm1, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(4.0 / mse)


def morph(
    G: nn.Module,
    z1: torch.Tensor,
    z2: torch.Tensor,
    steps: int,
    *,
    method: str = "slerp",
    y1: int | None = None,
    y2: int | None = None,
) -> torch.Tensor:
    """G along the path from z1 to z2: (steps, C, H, W). For a conditional G the class switches
    from y1 to y2 half-way (labels are discrete; the latent carries the morph)."""
    path = interpolation_path(z1, z2, steps, method)
    y = None
    if y1 is not None:
        y = torch.tensor([y1 if i < steps / 2 else y2 for i in range(steps)])
    return render(G, path, y)
