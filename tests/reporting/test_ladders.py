"""The ladders' rules against hand-computed cases: the quality ladder's row rule and changes,
the samples' contrast, and the laptop tier's learning check with its budget matching."""

from __future__ import annotations

import math

import numpy as np
import pytest
from ganrepro.reporting.ladders import (
    base_label,
    changes,
    contrast,
    g_steps_per_epoch,
    interpolate,
    learns,
    row_label,
    same_budget,
)


@pytest.mark.parametrize(
    "name, row, base",
    [
        ("1_defaults", "1", "0"),
        ("2_lr003", "2", "1"),
        ("3_lr003_ema", "3", "2"),
        ("3a_lr003_ema_joint", "3a", "3"),
        ("10_more", "10", "9"),
        ("12b_side", "12b", "12"),
    ],
)
def test_row_rule(name, row, base):
    assert row_label(name) == row
    assert base_label(name) == base


@pytest.mark.parametrize("name", ["defaults", "a3_x", "3ab_x", "_3", "3-lr"])
def test_a_variant_without_a_row_label_is_an_error_that_names_it(name):
    with pytest.raises(ValueError, match=name):
        row_label(name)


def test_each_change_is_against_the_base_row_only():
    variants = ["1_defaults", "2_lr003", "3_lr003_ema", "3a_lr003_ema_joint", "5_gap"]
    fids = [75.0, 48.5, 47.5, 159.5, 60.0]
    got = changes(variants, fids)
    assert math.isnan(got[0])  # row 1 has no base
    assert got[1:4] == [-26.5, -1.0, 112.0]  # 3a against row 3 (47.5), not row 2
    assert math.isnan(got[4])  # row 4 absent: no change against row 3


def test_contrast_is_the_mean_of_each_images_population_std():
    flat = np.zeros((1, 3, 2, 2))  # std 0
    half = np.array([-1.0, 1.0] * 6).reshape(1, 3, 2, 2)  # std 1
    quarter = np.array([0.5, -0.5, 0.5, -0.5] * 3).reshape(1, 3, 2, 2)  # std 0.5
    assert contrast(np.concatenate([flat, half])) == pytest.approx(0.5)
    assert contrast(np.concatenate([half, quarter])) == pytest.approx(0.75)
    # a population std: [0, 1] alone has std 0.5 (the sample std would be 0.707)
    assert contrast([[0.0, 1.0]]) == pytest.approx(0.5)


def test_interpolate_is_linear_between_points_and_nan_outside():
    curve = {2: 100.0, 4: 60.0, 8: 40.0}
    assert interpolate(curve, 3) == pytest.approx(80.0)
    assert interpolate(curve, 6) == pytest.approx(50.0)
    assert interpolate(curve, 8) == 40.0
    assert math.isnan(interpolate(curve, 1)) and math.isnan(interpolate(curve, 9))
    assert math.isnan(interpolate({}, 1))


def test_g_steps_count_one_g_step_per_n_critic_batches():
    assert g_steps_per_epoch(128, 1, 50_000) == 390  # 50,000 // 128
    assert g_steps_per_epoch(64, 5, 50_000) == pytest.approx(781 / 5)


def test_same_budget_matches_images_or_for_many_critic_steps_g_steps():
    dcgan = {"batch_size": 128, "n_critic": 1}
    curve = {2: 100.0, 4: 60.0, 8: 40.0}  # DCGAN's FID per epoch
    fid, on = same_budget(curve, dcgan, {"batch_size": 64}, 6, 50_000)
    assert (fid, on) == (pytest.approx(50.0), "300k images")
    # WGAN-GP, batch 64, 5 critic steps: 10 epochs are 10 * 781 / 5 = 1562 G steps; DCGAN makes
    # 390 a epoch, so that is DCGAN's epoch 1562 / 390 = 4.005: 60 - 0.005 / 4 * 20 = 59.97
    fid, on = same_budget(curve, dcgan, {"batch_size": 64, "n_critic": 5}, 10, 50_000)
    assert on == "1562 G steps"
    assert fid == pytest.approx(60.0 - (1562 / 390 - 4) / 4 * 20.0)
    # outside DCGAN's curve: nothing to compare with
    assert math.isnan(same_budget(curve, dcgan, {"batch_size": 64}, 12, 50_000)[0])


@pytest.mark.parametrize(
    "fid, baseline, untrained, verdict",
    [
        (60.0, 40.0, None, True),  # exactly 1.5x
        (60.1, 40.0, None, False),
        (60.0, 40.0, 120.0, True),  # exactly half the untrained G's
        (60.0, 40.0, 119.0, False),
        (30.0, 40.0, 50.0, False),  # beats DCGAN but not the untrained G by half
        (math.nan, 40.0, None, False),  # no finished run fails
        (50.0, math.nan, None, None),  # no DCGAN point at that budget: not comparable
    ],
)
def test_learning_check(fid, baseline, untrained, verdict):
    assert learns(fid, baseline, untrained) is verdict


def test_learning_check_limits_are_arguments():
    assert learns(70.0, 40.0, ratio=2.0) is True
    assert learns(70.0, 40.0, 200.0, untrained_fraction=0.3) is False
