"""The discriminator's health, measured while training: how far apart it scores real and fake,
how often it is right (or inside the hinge margin), how large each player's gradient is, and for
spectrally normalised layers the raw weight's largest singular value and norm.

Everything here reads and never writes: no parameter, buffer, gradient or random stream moves,
so a run with these measurements trains bitwise the same weights as one without
(tests/training/test_health.py). The per-step values are tensors left on the device (no host
sync per step); the spectral ones are computed at each logging interval, not per step.
"""

from __future__ import annotations

import torch
import torch.nn as nn
from torch.nn.utils import parametrize

from ganrepro.training.losses import Loss

# per-step columns of the losses CSV after the losses (ganrepro.training.train.LOSS_COLUMNS)
STEP_COLUMNS = ("d_accuracy", "d_violations", "grad_norm_d", "grad_norm_g")
STEP_TAGS = ("D/accuracy", "D/margin_violations", "grad_norm/D", "grad_norm/G")


@torch.no_grad()
def separation(loss: Loss, real: torch.Tensor, fake: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """(accuracy, violations) of D's raw outputs on a real and a fake batch.

    accuracy: the share of real outputs above the loss's decision boundary and fake ones below
    it (`Loss.boundary`; the batch's midpoint between mean real and mean fake for a critic).
    violations: the share inside the hinge margin (real < margin, fake > -margin), NaN for a
    loss without one.
    """
    real, fake = real.detach().float().flatten(), fake.detach().float().flatten()
    boundary = (
        (real.mean() + fake.mean()) / 2 if loss.boundary is None else real.new_tensor(loss.boundary)
    )
    right = torch.cat([real > boundary, fake < boundary]).float().mean()
    if loss.margin is None:
        return right, real.new_tensor(float("nan"))
    inside = torch.cat([real < loss.margin, fake > -loss.margin]).float().mean()
    return right, inside


@torch.no_grad()
def gradient_norm(module: nn.Module) -> torch.Tensor:
    """The L2 norm of all of ``module``'s gradients together (0 if none has one)."""
    grads = [p.grad for p in module.parameters() if p.grad is not None]
    if not grads:
        return torch.zeros(())
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))


def spectral_layers(module: nn.Module, prefix: str) -> dict[str, nn.Module]:
    """The spectrally normalised layers of ``module`` by name (``prefix.<module path>``)."""
    return {
        f"{prefix}.{name}" if name else prefix: layer
        for name, layer in module.named_modules()
        if parametrize.is_parametrized(layer, "weight")
    }


@torch.no_grad()
def raw_weight_matrix(layer: nn.Module) -> torch.Tensor:
    """A spectrally normalised layer's weight before normalisation, as the matrix whose largest
    singular value spectral norm divides by: output units by rows (ConvTranspose2d keeps its
    outputs in dim 1, as torch's spectral_norm does)."""
    weight = layer.parametrizations.weight.original
    dim = 1 if isinstance(layer, nn.ConvTranspose2d) else 0
    return weight.movedim(dim, 0).flatten(1).float()


@torch.no_grad()
def spectral_statistics(layers: dict[str, nn.Module]) -> dict[str, float]:
    """For each layer: ``sigma/<name>``, the raw weight's largest singular value (exact, not the
    power iteration's estimate), and ``weight_norm/<name>``, its Frobenius norm."""
    out: dict[str, float] = {}
    for name, layer in layers.items():
        matrix = raw_weight_matrix(layer)
        out[f"sigma/{name}"] = float(torch.linalg.matrix_norm(matrix, ord=2))
        out[f"weight_norm/{name}"] = float(torch.linalg.matrix_norm(matrix))
    return out
