"""Adversarial losses: a table from name to loss object, and the gradient penalty.

`LOSSES` is the one list of loss names: the config schema's `loss` values come from it, and an
unknown name is an error (`get_loss`), never a fall-through to another formula. Adding a loss is
one class and one entry here.

Every loss takes raw discriminator outputs (logits or critic values), never probabilities, so
the BCE losses use the numerically stable ``binary_cross_entropy_with_logits``. torch is
imported when a loss is computed, not when this module is imported: the Snakefile reads
`LOSSES` at every start and importing torch would add seconds to each `snakemake -n`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import torch


def _functional() -> Any:
    import torch.nn.functional as F

    return F


class Loss:
    """D's and G's objectives of one adversarial loss. ``uses_targets``: D's loss reads the
    real/fake targets, so label smoothing, soft labels and flipping change it."""

    help = ""
    uses_targets = False
    # Where D's raw output separates real from fake, for the accuracy the training loop logs
    # (a logit of 0 is p = 0.5); None: the batch's own midpoint, as a critic has no fixed one.
    boundary: float | None = 0.0
    # Outputs within +-margin still cost D (hinge): the loop logs the share that violate it.
    margin: float | None = None

    def d(self, real: torch.Tensor, fake: torch.Tensor, real_target: Any, fake_target: Any):
        raise NotImplementedError

    def g(self, fake: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError


class NonSaturatingBCE(Loss):
    help = "binary cross-entropy; G minimises -log D(G(z)) (Goodfellow et al.'s practical choice)"
    uses_targets = True

    def d(self, real, fake, real_target=1.0, fake_target=0.0):
        F = _functional()
        rt = _as_target(real_target, real)
        ft = _as_target(fake_target, fake)
        return F.binary_cross_entropy_with_logits(real, rt) + F.binary_cross_entropy_with_logits(
            fake, ft
        )

    def g(self, fake):
        return _functional().binary_cross_entropy_with_logits(fake, _full(fake, 1.0))


class SaturatingBCE(NonSaturatingBCE):
    help = "binary cross-entropy; G minimises log(1 - D(G(z))), the original minimax game"

    def g(self, fake):
        return -_functional().binary_cross_entropy_with_logits(fake, _full(fake, 0.0))


class LeastSquares(Loss):
    help = "least squares (LSGAN, Mao et al.): D regresses real to 1 and fake to 0"
    uses_targets = True
    boundary = 0.5

    def d(self, real, fake, real_target=1.0, fake_target=0.0):
        return 0.5 * (((real - real_target) ** 2).mean() + ((fake - fake_target) ** 2).mean())

    def g(self, fake):
        return 0.5 * ((fake - 1.0) ** 2).mean()


class Hinge(Loss):
    help = "hinge (Lim & Ye; SN-GAN, SAGAN): D max(0, 1 - D(x)) + max(0, 1 + D(G(z))), G -D(G(z))"
    margin = 1.0

    def d(self, real, fake, real_target=None, fake_target=None):
        F = _functional()
        return F.relu(1.0 - real).mean() + F.relu(1.0 + fake).mean()

    def g(self, fake):
        return -fake.mean()


class Wasserstein(Loss):
    help = "Wasserstein critic (WGAN): D(G(z)) - D(x); needs clipping, a penalty or spectral norm"
    boundary = None

    def d(self, real, fake, real_target=None, fake_target=None):
        return fake.mean() - real.mean()

    def g(self, fake):
        return -fake.mean()


LOSSES: dict[str, Loss] = {
    "bce": NonSaturatingBCE(),
    "bce_saturating": SaturatingBCE(),
    "lsgan": LeastSquares(),
    "hinge": Hinge(),
    "wasserstein": Wasserstein(),
}


def get_loss(name: str) -> Loss:
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}; known losses: {', '.join(LOSSES)}")
    return LOSSES[name]


def d_loss(
    loss: str,
    real: torch.Tensor,
    fake: torch.Tensor,
    real_target: torch.Tensor | float = 1.0,
    fake_target: torch.Tensor | float = 0.0,
) -> torch.Tensor:
    """Discriminator (critic) loss. Targets matter only for losses with ``uses_targets`` (BCE,
    least squares), where label smoothing and flipping change them."""
    return get_loss(loss).d(real, fake, real_target, fake_target)


def g_loss(loss: str, fake: torch.Tensor) -> torch.Tensor:
    """Generator loss on D's output for generated images."""
    return get_loss(loss).g(fake)


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor],
    real: torch.Tensor,
    fake: torch.Tensor,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """WGAN-GP (Gulrajani et al.): E[(||grad_x D(x_hat)||_2 - 1)^2] on random interpolates.

    ``critic`` maps images to per-sample scores (N,); the graph is kept so the penalty trains D.
    """
    import torch

    eps = torch.rand(
        real.shape[0], 1, 1, 1, device=real.device, dtype=real.dtype, generator=generator
    )
    x_hat = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    scores = critic(x_hat)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1.0) ** 2).mean()


def _as_target(target: Any, like: torch.Tensor) -> torch.Tensor:
    import torch

    return torch.as_tensor(target, dtype=like.dtype, device=like.device).expand_as(like)


def _full(like: torch.Tensor, value: float) -> torch.Tensor:
    import torch

    return torch.full_like(like, value)
