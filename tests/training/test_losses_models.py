"""Losses against their formulas; DCGAN's architecture as Radford et al. describe it."""

import math

import pytest
import torch
import torch.nn as nn
from ganrepro.models import FAMILIES, build_discriminator, build_generator
from ganrepro.training import losses as L


def test_bce_losses_match_their_formulas():
    real, fake = torch.tensor([2.0, -1.0]), torch.tensor([0.5, -3.0])
    sig = torch.sigmoid
    expected_d = -(torch.log(sig(real)).mean() + torch.log(1 - sig(fake)).mean())
    assert torch.allclose(L.d_loss("bce", real, fake), expected_d)
    # non-saturating: -log D(G(z)); saturating: log(1 - D(G(z)))
    assert torch.allclose(L.g_loss("bce", fake), -torch.log(sig(fake)).mean())
    assert torch.allclose(L.g_loss("bce_saturating", fake), torch.log(1 - sig(fake)).mean())
    # one-sided label smoothing changes the real target only
    smoothed = L.d_loss("bce", real, fake, real_target=0.9)
    t = 0.9
    expected = (
        -(t * torch.log(sig(real)) + (1 - t) * torch.log(1 - sig(real))).mean()
        - torch.log(1 - sig(fake)).mean()
    )
    assert torch.allclose(smoothed, expected)


def test_hinge_wasserstein_lsgan():
    real, fake = torch.tensor([0.5, 2.0]), torch.tensor([-2.0, 0.3])
    assert L.d_loss("hinge", real, fake).item() == pytest.approx((0.5 + 0) / 2 + (0 + 1.3) / 2)
    assert L.d_loss("wasserstein", real, fake).item() == pytest.approx(fake.mean() - real.mean())
    assert L.g_loss("hinge", fake).item() == pytest.approx(-fake.mean().item())
    assert L.d_loss("lsgan", real, fake).item() == pytest.approx(
        0.5 * (((real - 1) ** 2).mean() + (fake**2).mean()).item()
    )
    with pytest.raises(ValueError, match="unknown loss 'hindge'"):
        L.d_loss("hindge", real, fake)


def test_gradient_penalty_equals_closed_form_on_linear_critic():
    # D(x) = <w, x> has gradient w everywhere, so the penalty is (||w|| - 1)^2 exactly.
    torch.manual_seed(0)
    w = torch.randn(3, 4, 4, requires_grad=True)
    critic = lambda x: (x * w).flatten(1).sum(1)  # noqa: E731
    real, fake = torch.randn(5, 3, 4, 4), torch.randn(5, 3, 4, 4)
    gp = L.gradient_penalty(critic, real, fake)
    assert gp.item() == pytest.approx((w.norm().item() - 1) ** 2, rel=1e-5)
    gp.backward()  # the penalty trains the critic: it has a gradient w.r.t. w
    assert w.grad is not None and w.grad.abs().sum() > 0


def test_gradient_penalty_equals_autograd_reference_on_nonlinear_critic():
    torch.manual_seed(1)
    net = nn.Sequential(nn.Flatten(), nn.Linear(12, 8), nn.Tanh(), nn.Linear(8, 1))
    critic = lambda x: net(x).flatten()  # noqa: E731
    real, fake = torch.randn(6, 3, 2, 2), torch.randn(6, 3, 2, 2)
    g = torch.Generator().manual_seed(5)
    gp = L.gradient_penalty(critic, real, fake, generator=g)
    eps = torch.rand(6, 1, 1, 1, generator=torch.Generator().manual_seed(5))
    norms = []
    for i in range(6):  # per-sample reference, one autograd call per interpolate
        x = (eps[i] * real[i] + (1 - eps[i]) * fake[i]).unsqueeze(0).requires_grad_(True)
        (grad,) = torch.autograd.grad(critic(x).sum(), x)
        norms.append(grad.norm().item())
    assert gp.item() == pytest.approx(sum((n - 1) ** 2 for n in norms) / 6, rel=1e-5)


@pytest.mark.parametrize("size", [32, 64])
def test_dcgan_shapes_and_init(size):
    G = build_generator("dcgan", latent_dim=100, image_size=size, channels=3, width=64)
    D = build_discriminator("dcgan", image_size=size, channels=3, width=64)
    x = G(torch.randn(4, 100))
    assert x.shape == (4, 3, size, size) and x.min() >= -1 and x.max() <= 1
    out = D(x)
    assert out.logits.shape == (4,) and out.features.shape[0] == 4
    convs = [m for m in G.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert len(convs) == int(math.log2(size // 4)) + 1
    assert all(abs(m.weight.std().item() - 0.02) < 0.005 for m in convs)
    assert any(isinstance(m, nn.Tanh) for m in G.modules())
    assert any(isinstance(m, nn.LeakyReLU) and m.negative_slope == 0.2 for m in D.modules())
    assert not any(isinstance(m, nn.Sigmoid) for m in D.modules())  # losses take logits


def test_registry_names_the_known_models():
    assert "dcgan" in FAMILIES
    with pytest.raises(ValueError, match="unknown model 'dcgann'.*dcgan"):
        build_generator("dcgann", latent_dim=8, image_size=32, channels=3)
