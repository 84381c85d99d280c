"""D's health series: each value against an independent computation, and measuring them changes
no weight."""

from __future__ import annotations

import csv
import math

import pytest
import torch
import torch.nn as nn
from ganrepro.models.layers import apply_spectral_norm
from ganrepro.training import health
from ganrepro.training.losses import get_loss
from ganrepro.training.train import LOSS_COLUMNS, write_losses_csv
from tiny_training import random_images, trainer, weights


def test_separation_by_loss_against_hand_counts():
    real = torch.tensor([2.0, 0.5, -0.2, 1.5])
    fake = torch.tensor([-3.0, 0.1, -0.8, 0.4])
    # BCE: boundary 0 -> real right 3 of 4, fake right 2 of 4
    accuracy, violations = health.separation(get_loss("bce"), real, fake)
    assert accuracy.item() == pytest.approx(5 / 8) and math.isnan(violations.item())
    # LSGAN: boundary 0.5 -> real > 0.5: 2; fake < 0.5: 4
    assert health.separation(get_loss("lsgan"), real, fake)[0].item() == pytest.approx(6 / 8)
    # hinge: accuracy at 0 as BCE; inside the margin: real < 1 (0.5, -0.2), fake > -1
    # (0.1, -0.8, 0.4) -> 5 of 8
    accuracy, violations = health.separation(get_loss("hinge"), real, fake)
    assert accuracy.item() == pytest.approx(5 / 8) and violations.item() == pytest.approx(5 / 8)
    # critic: the midpoint of mean real 0.95 and mean fake -0.825 is 0.0625 -> 3 + 2 right
    assert health.separation(get_loss("wasserstein"), real, fake)[0].item() == pytest.approx(5 / 8)


def test_gradient_norm_equals_torchs_total_norm():
    net = nn.Sequential(nn.Linear(5, 7), nn.ReLU(), nn.Linear(7, 1))
    net(torch.randn(4, 5)).sum().backward()
    expected = nn.utils.get_total_norm([p.grad for p in net.parameters()])
    assert health.gradient_norm(net).item() == pytest.approx(expected.item(), rel=1e-6)


@pytest.mark.parametrize(
    "layer", [nn.Conv2d(3, 6, 4, 2, 1), nn.ConvTranspose2d(6, 3, 4, 2, 1), nn.Linear(12, 5)]
)
def test_spectral_statistics_are_the_raw_weights_singular_value_and_norm(layer):
    raw = layer.weight.detach().clone()
    apply_spectral_norm(layer)
    (name,) = health.spectral_layers(nn.Sequential(layer), "D")
    stats = health.spectral_statistics({name: layer})
    # the matrix spectral norm normalises: ConvTranspose2d's outputs are in dim 1
    matrix = (raw.transpose(0, 1) if isinstance(layer, nn.ConvTranspose2d) else raw).flatten(1)
    assert stats[f"sigma/{name}"] == pytest.approx(torch.linalg.svdvals(matrix)[0].item(), 1e-5)
    assert stats[f"weight_norm/{name}"] == pytest.approx(raw.norm().item(), rel=1e-5)
    # and the layer's weight is the raw one divided by the power iteration's estimate of that
    # sigma, which converges to it (one iteration per forward pass in training mode)
    for _ in range(500):
        layer.weight  # noqa: B018
    layer.eval()
    estimate = (raw / layer.weight.detach()).flatten().mean().item()
    assert estimate == pytest.approx(stats[f"sigma/{name}"], rel=1e-3)


@pytest.mark.parametrize(
    "settings",
    [
        {},  # DCGAN, BCE
        {"model": "sngan", "loss": "hinge", "n_critic": 2},
        {"model": "wgan_gp", "loss": "wasserstein", "gp_weight": 10.0},
    ],
)
def test_measuring_health_changes_no_weight(tmp_path, settings):
    data = random_images(32)
    trained = {}
    for on in (True, False):
        t = trainer(data, tmp_path / str(on), **settings)
        t.measure_health = on
        t.run(until=1)
        trained[on] = t
    assert torch.equal(weights(trained[True]), weights(trained[False]))
    on_rows, off_rows = trained[True].rows, trained[False].rows
    losses = [torch.tensor([r[:7] for r in rows]) for rows in (on_rows, off_rows)]
    torch.testing.assert_close(*losses, rtol=0, atol=0, equal_nan=True)  # G's NaN: no G step
    measured = dict(zip(LOSS_COLUMNS, on_rows[-1], strict=True))
    assert 0 <= measured["d_accuracy"] <= 1 and measured["grad_norm_d"] > 0
    assert all(math.isnan(v) for v in off_rows[-1][7:])


def test_spectral_series_fill_the_logging_steps_of_the_csv(tmp_path):
    t = trainer(random_images(32), tmp_path, model="sngan", loss="hinge")
    t.run(until=1, log_every=2)
    path = tmp_path / "losses.csv"
    write_losses_csv(path, t.rows, t.spectral_names, t.spectral_rows)
    rows = list(csv.DictReader(path.read_text().splitlines()))
    layers = [n for n in t.spectral_names if n.startswith("sigma/D.")]
    assert len(layers) == 8  # SN-GAN's standard CNN at 32 px: 7 convolutions and the head
    filled = [int(r["step"]) for r in rows if r[layers[0]]]
    assert filled == [1, 3]  # every second step (log_every=2) of the 4 in the epoch
    assert all(float(rows[s][name]) > 0 for s in filled for name in t.spectral_names)
    # hinge: violations measured; G stepped every step
    assert all(0 <= float(r["d_violations"]) <= 1 and float(r["grad_norm_g"]) > 0 for r in rows)


def test_rows_of_an_older_checkpoint_are_padded(tmp_path):
    path = tmp_path / "losses.csv"
    old_row = (1, 0, 1.3, 0.7, 0.1, -0.1, 0.0)  # written before the health columns existed
    write_losses_csv(path, [old_row])
    (row,) = csv.DictReader(path.read_text().splitlines())
    assert list(row) == list(LOSS_COLUMNS) and row["grad_norm_d"] == ""
