"""Adversarial losses as plain functions chosen by name, and the gradient penalty.

Every function takes raw discriminator outputs (logits or critic values), never probabilities,
so BCE losses use the numerically stable ``binary_cross_entropy_with_logits``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

LOSSES = ("bce", "bce_saturating", "lsgan", "hinge", "wasserstein")


def _check(loss: str) -> None:
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; known losses: {', '.join(LOSSES)}")


def d_loss(
    loss: str,
    real: torch.Tensor,
    fake: torch.Tensor,
    real_target: torch.Tensor | float = 1.0,
    fake_target: torch.Tensor | float = 0.0,
) -> torch.Tensor:
    """Discriminator (critic) loss. Targets matter only for BCE and least squares, where label
    smoothing and flipping change them; hinge and Wasserstein losses have no targets."""
    _check(loss)
    if loss in ("bce", "bce_saturating"):
        rt = torch.as_tensor(real_target, dtype=real.dtype, device=real.device).expand_as(real)
        ft = torch.as_tensor(fake_target, dtype=fake.dtype, device=fake.device).expand_as(fake)
        return F.binary_cross_entropy_with_logits(real, rt) + F.binary_cross_entropy_with_logits(
            fake, ft
        )
    if loss == "lsgan":
        return 0.5 * (((real - real_target) ** 2).mean() + ((fake - fake_target) ** 2).mean())
    if loss == "hinge":
        return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()
    return fake.mean() - real.mean()  # wasserstein


def g_loss(loss: str, fake: torch.Tensor) -> torch.Tensor:
    """Generator loss on D's output for generated images.

    ``bce`` is the non-saturating loss -log D(G(z)) (Goodfellow et al.'s practical choice);
    ``bce_saturating`` is the minimax log(1 - D(G(z))), kept for comparison.
    """
    _check(loss)
    if loss == "bce":
        return F.binary_cross_entropy_with_logits(fake, torch.ones_like(fake))
    if loss == "bce_saturating":
        return -F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))
    if loss == "lsgan":
        return 0.5 * ((fake - 1.0) ** 2).mean()
    return -fake.mean()  # hinge and wasserstein: the generator raises the critic's score


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """WGAN-GP (Gulrajani et al.): E[(||grad_x D(x_hat)||_2 - 1)^2] on random interpolates.

    ``critic`` maps images to per-sample scores (N,); the graph is kept so the penalty trains D.
    """
    eps = torch.rand(
        real.shape[0], 1, 1, 1, device=real.device, dtype=real.dtype, generator=generator
    )
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    scores = critic(x_hat)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1.0) ** 2).mean()
