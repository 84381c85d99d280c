"""Figures drawn from records: each family's curve lands where its record says, on both axes."""

from __future__ import annotations

import pandas as pd
import pytest
from ganrepro.reporting.record_figures import laptop_figure
from matplotlib.collections import PathCollection, PolyCollection
from table_rows import laptop_record_rows


def curves(panel) -> dict[str, tuple[list[float], list[float]]]:
    return {
        line.get_label(): (list(line.get_xdata()), list(line.get_ydata()))
        for line in panel.get_lines()
    }


def test_the_laptop_figure_draws_each_family_against_images_and_g_steps(tmp_path):
    rows = pd.DataFrame(laptop_record_rows())
    fig = laptop_figure(rows, tmp_path / "laptop.png")
    assert (tmp_path / "laptop.png").read_bytes()[:4] == b"\x89PNG"
    images, steps = fig.axes
    assert "images seen" in images.get_xlabel() and "generator steps" in steps.get_xlabel()
    # 200,000 images in 4 epochs: epochs 2 and 4 at 100k and 200k, whatever the G steps
    assert curves(images) == {"dcgan": ([100.0, 200.0], [110.0, 70.0]),
                              "sngan": ([100.0, 200.0], [200.0, 160.0])}  # fmt: skip
    # the same curves against G steps: SN-GAN's 5 D steps put it at a fifth of DCGAN's
    assert curves(steps) == {"dcgan": ([0.78, 1.56], [110.0, 70.0]),
                             "sngan": ([0.156, 0.312], [200.0, 160.0])}  # fmt: skip
    finals = {images: {(200.0, 60.0), (200.0, 150.0)}, steps: {(1.56, 60.0), (0.312, 150.0)}}
    for panel, diamonds in finals.items():
        # a band only for the family with two seeds: 110 ± 14.1, 70 ± 4
        (band,) = [c for c in panel.collections if isinstance(c, PolyCollection)]
        ys = band.get_paths()[0].vertices[:, 1]
        assert min(ys) == pytest.approx(66.0) and max(ys) == pytest.approx(124.1)
        # the final FIDs (5,000 samples) as diamonds at each curve's last point
        drawn = {
            tuple(xy) for c in panel.collections if isinstance(c, PathCollection)
            for xy in c.get_offsets()
        }  # fmt: skip
        assert drawn == diamonds


def test_the_laptop_figure_draws_one_axis_and_refuses_an_unknown_one(tmp_path):
    rows = pd.DataFrame(laptop_record_rows())
    (panel,) = laptop_figure(rows, tmp_path / "steps.png", axes=("g_steps",)).axes
    assert "generator steps" in panel.get_xlabel()
    with pytest.raises(ValueError, match="choose from"):
        laptop_figure(rows, tmp_path / "x.png", axes=("epochs",))
