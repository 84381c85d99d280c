"""Training setting `init`: the weights it draws, and what it leaves alone."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn as nn
from ganrepro.models import build_discriminator, build_generator
from ganrepro.models.layers import reinitialise, spectral_norm_layers
from ganrepro.training.health import raw_weight_matrix


def _sngan_d():
    torch.manual_seed(0)
    return build_discriminator("sngan", image_size=32, channels=3, width=8)


def test_normal_keeps_the_familys_own_weights():
    d = _sngan_d()
    before = {k: v.clone() for k, v in d.state_dict().items()}
    reinitialise(d, "normal")
    assert all(torch.equal(before[k], v) for k, v in d.state_dict().items())


def test_orthogonal_draws_orthonormal_raw_weights_and_resets_sigma():
    d = _sngan_d().to(memory_format=torch.channels_last)  # as the trainer holds it
    reinitialise(d, "orthogonal")
    for layer in spectral_norm_layers(d):
        w = layer.parametrizations.weight.original.flatten(1)
        rows, cols = w.shape
        gram = w @ w.T if rows <= cols else w.T @ w
        torch.testing.assert_close(gram, torch.eye(min(rows, cols)), atol=1e-4, rtol=0)
        # the power iteration restarted on the new weight: the normalised weight's largest
        # singular value is about 1 (an orthogonal matrix's are all 1)
        layer.eval()
        effective = layer.weight.detach().flatten(1)
        assert torch.linalg.matrix_norm(effective, ord=2).item() == pytest.approx(1.0, abs=0.02)
        assert torch.linalg.matrix_norm(raw_weight_matrix(layer), ord=2).item() == pytest.approx(
            1.0, abs=1e-4
        )


def test_xavier_bounds_and_biases():
    g = build_generator("dcgan", latent_dim=16, image_size=32, channels=3, width=8)
    reinitialise(g, "xavier")
    layers = [m for m in g.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))]
    assert layers
    for layer in layers:
        fan_in, fan_out = nn.init._calculate_fan_in_and_fan_out(layer.weight)
        bound = math.sqrt(6 / (fan_in + fan_out))
        assert layer.weight.abs().max().item() <= bound
        assert layer.weight.std().item() == pytest.approx(bound / math.sqrt(3), rel=0.2)
        assert layer.bias is None or not layer.bias.any()
