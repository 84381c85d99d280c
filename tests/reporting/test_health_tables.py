"""D's health from a losses CSV: the per-epoch table, the binned series of the summary, the
figure; against sums done by hand on a small CSV written by the training loop's writer."""

from __future__ import annotations

import csv
import math

import pandas as pd
import pytest
from ganrepro.reporting import plots
from ganrepro.reporting.summaries import binned_losses, epoch_health, spectral_series
from ganrepro.training.train import write_losses_csv

NAMES = ["sigma/D.head", "weight_norm/D.head"]
NAN = float("nan")
# epoch, step, d_loss, g_loss, d_real, d_fake, gp, accuracy, violations, grad D, grad G
ROWS = [
    (1, 0, 1.0, NAN, 0.5, -0.5, 0.0, 0.50, 0.9, 2.0, NAN),
    (1, 1, 0.8, 2.0, 0.7, -0.3, 0.0, 0.75, 0.7, 4.0, 1.0),
    (2, 2, 0.6, NAN, 1.1, -0.9, 0.0, 1.00, 0.5, 6.0, NAN),
    (2, 3, 0.4, 3.0, 1.3, -1.1, 0.0, 0.75, 0.3, 8.0, 3.0),
]
SPECTRAL = {1: [1.5, 3.0], 3: [2.5, 5.0]}


@pytest.fixture
def steps(tmp_path):
    path = tmp_path / "losses.csv"
    write_losses_csv(path, ROWS, NAMES, SPECTRAL)
    return list(csv.DictReader(path.read_text().splitlines()))


def test_epoch_table_by_hand(steps):
    first, second = epoch_health(steps, batch_size=64)
    assert (first["images_seen"], first["g_steps"]) == (128, 1)
    assert (second["images_seen"], second["g_steps"]) == (256, 2)
    assert first["d_real"] == pytest.approx(0.6) and first["d_fake"] == pytest.approx(-0.4)
    assert first["d_gap"] == pytest.approx(1.0) and second["d_gap"] == pytest.approx(2.2)
    assert second["d_accuracy"] == pytest.approx(0.875) and second["d_violations"] == 0.4
    assert first["grad_norm_d"] == 3.0 and first["grad_norm_g"] == 1.0  # G: its one step
    assert (first["sigma/D.head"], second["weight_norm/D.head"]) == (1.5, 5.0)


def test_binned_series_and_spectral_points(steps):
    binned = binned_losses(steps, points=2)
    assert binned["step"] == [1, 3] and binned["grad_norm_g"] == [1.0, 3.0]
    assert binned["d_accuracy"] == [pytest.approx(0.625), pytest.approx(0.875)]
    assert spectral_series(steps) == {
        "step": [1, 3], "sigma/D.head": [1.5, 2.5], "weight_norm/D.head": [3.0, 5.0]
    }  # fmt: skip


def test_a_losses_csv_from_before_health_has_none(tmp_path):
    path = tmp_path / "old.csv"
    path.write_text("epoch,step,d_loss,g_loss,d_real,d_fake,gp\n1,0,1.0,nan,0.1,-0.1,0.0\n")
    rows = list(csv.DictReader(path.read_text().splitlines()))
    (row,) = epoch_health(rows, batch_size=8)
    assert row["grad_norm_d"] is None and row["d_real"] == 0.1
    assert "grad_norm_d" not in binned_losses(rows) and spectral_series(rows) == {"step": []}


def test_figure_has_a_row_per_run_and_says_what_was_not_measured(steps, tmp_path):
    new = pd.DataFrame(binned_losses(steps, points=4))
    old = pd.DataFrame({"step": [0], "epoch": [1], "d_loss": [1.0], "g_loss": [None]})
    spectral = {"new": pd.DataFrame(spectral_series(steps)), "old": pd.DataFrame()}
    fig = plots.health_panels({"new": new, "old": old}, spectral, tmp_path / "h.png", "exp")
    axes = fig.axes
    assert len(axes) == 2 * 4
    assert [line.get_label() for line in axes[0].lines[:2]] == ["real", "fake"]
    assert axes[2].get_yscale() == "log" and axes[3].get_yscale() == "log"
    assert len(axes[3].lines) == 1  # one spectral layer
    assert "not measured" in axes[4].texts[0].get_text() and not axes[5].axison
    assert not any(math.isnan(v) for v in axes[1].lines[0].get_ydata())
    assert (tmp_path / "h.png").read_bytes()[:4] == b"\x89PNG"
