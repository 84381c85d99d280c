"""Per-experiment figures, inspected as drawn: lines per setting, bands, ticks, annotations and
reference markers checked against numpy on the same made-up numbers."""

import itertools
import re

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from ganrepro.reporting import plots
from ganrepro.reporting.plots import (
    ablation_bars,
    ablation_heatmap,
    describe_setting,
    fid_vs_epoch_by_setting,
    plan_figures,
)
from ganrepro.reporting.tables import fid_by_epoch, run_summary
from table_rows import run_record, score_table_row

PNG = b"\x89PNG\r\n\x1a\n"
EPOCHS = [1, 2, 3]
# setting -> seed -> FID per epoch (None: diverged)
FIDS = {
    (0.0001, 64): {0: [90.0, 70.0, 60.0], 1: [94.0, 76.0, 58.0]},
    (0.0002, 64): {0: [80.0, 60.0, 50.0], 1: [86.0, 62.0, 47.0]},
    (0.0002, 128): {0: [100.0, 85.0, 75.0], 1: [104.0, 81.0, None]},  # seed 1 diverges
}


def make_rows(fids=FIDS, grid=lambda s: {"lr": s[0], "batch_size": s[1]}, epochs=EPOCHS):
    """The by-epoch table as tables.fid_by_epoch builds it from score rows and run records."""
    scores, runs = [], {}
    for i, (setting, seeds) in enumerate(fids.items()):
        for seed, values in seeds.items():
            name = f"exp-{i}-s{seed}"
            runs[name] = run_record("exp", seed, grid(setting))
            scores += [
                score_table_row(name, epoch, fid) for epoch, fid in zip(epochs, values, strict=True)
            ]
    return fid_by_epoch(pd.DataFrame(scores), runs)


def setting_lines(ax):
    return [line for line in ax.get_lines() if line.get_gid() == "setting"]


def by_gid(ax, gid):
    return [c for c in ax.collections if c.get_gid() == gid]


def legend_texts(fig, ax):
    """The legend's entries; it stands outside the axes, so it covers no line."""
    assert ax.get_legend() is None
    (legend,) = fig.legends
    return [t.get_text() for t in legend.get_texts()]


def assert_png(path):
    assert path.read_bytes()[:8] == PNG


# ---- words and plans ------------------------------------------------------------------------


def test_describe_setting_reads_as_words():
    assert describe_setting({"lr": 0.0002, "batch_size": 64}) == "lr 0.0002, batch_size 64"
    # a variant is a name: alone and first, whatever the (sorted) JSON order
    assert describe_setting({"loss": "hinge", "variant": "sngan"}) == "sngan, loss hinge"
    # tables.fid_by_epoch sorts the keys; the experiment's order is restored on request
    assert (
        describe_setting({"batch_size": 64, "lr": 0.0002}, order=["lr", "batch_size"])
        == "lr 0.0002, batch_size 64"
    )
    assert describe_setting({"lr": 1e-05}) == "lr 1e-05"
    assert describe_setting({}) == ""


@pytest.mark.parametrize(
    "keys, plan",
    [
        ([], []),
        (["lr", "batch_size"], ["heatmap"]),
        (["lr_schedule"], ["bars"]),
        (["variant"], ["bars"]),
        (["variant", "loss"], ["bars"]),
        (["latent_dim", "width", "lr"], ["bars"]),
    ],
)
def test_plan_figures(keys, plan):
    assert plan_figures(keys) == plan


# ---- FID against epoch ----------------------------------------------------------------------


def test_fid_vs_epoch_one_line_per_setting_mean_over_seeds(tmp_path):
    path = tmp_path / "fid.png"
    fig = fid_vs_epoch_by_setting(
        make_rows(), path, title="exp: lr x batch size", key_order=["lr", "batch_size"]
    )
    assert_png(path)
    ax = fig.axes[0]
    lines = setting_lines(ax)
    assert len(lines) == len(FIDS)
    labels = [line.get_label() for line in lines]
    assert labels == [
        "lr 0.0001, batch_size 64 (2 seeds)",
        "lr 0.0002, batch_size 64 (2 seeds)",
        "lr 0.0002, batch_size 128 (2 seeds, 1 diverged)",
    ]
    assert set(labels) <= set(legend_texts(fig, ax))
    # each line is the mean over seeds; the diverged point is left out, not counted as 0 or NaN
    for line, seeds in zip(lines, FIDS.values(), strict=True):
        values = np.array([[np.nan if v is None else v for v in s] for s in seeds.values()])
        np.testing.assert_allclose(line.get_xdata(), EPOCHS)
        np.testing.assert_allclose(line.get_ydata(), np.nanmean(values, axis=0))
    # the epoch averaged over fewer seeds is flagged with an open marker
    (partial,) = by_gid(ax, "partial")
    np.testing.assert_allclose(partial.get_offsets(), [[3, 75.0]])
    assert "FID of 100 generated vs toy:test[200]" in ax.get_title()
    assert fig._suptitle.get_text() == "exp: lr x batch size"
    assert ax.get_yscale() == "linear"


def test_band_only_for_settings_with_several_seeds(tmp_path):
    fids = {**FIDS, (0.0001, 64): {0: FIDS[(0.0001, 64)][0]}}  # one seed only
    fig = fid_vs_epoch_by_setting(make_rows(fids), tmp_path / "f.png", title="t")
    ax = fig.axes[0]
    assert len(setting_lines(ax)) == 3
    single = next(line for line in setting_lines(ax) if "0.0001" in line.get_label())
    assert "(1 seed)" in single.get_label()

    def band_edges(band):
        """epoch -> (low, high) of a band's polygon."""
        v = band.get_paths()[0].vertices
        return {int(x): (v[v[:, 0] == x, 1].min(), v[v[:, 0] == x, 1].max()) for x in set(v[:, 0])}

    # each band spans mean ± std (ddof=1) over the seeds, at the epochs where ≥ 2 seeds scored
    expected = {}
    for setting, seeds in fids.items():
        values = np.array([[np.nan if v is None else v for v in s] for s in seeds.values()])
        n = (~np.isnan(values)).sum(0)
        if len(seeds) < 2:
            continue
        mean = np.nanmean(values, 0)
        std = [
            np.std(c[~np.isnan(c)], ddof=1) if (~np.isnan(c)).sum() >= 2 else 0 for c in values.T
        ]
        expected[setting] = {
            e: (mean[i] - std[i], mean[i] + std[i]) for i, e in enumerate(EPOCHS) if n[i] >= 2
        }
    bands = by_gid(ax, "band")
    assert len(bands) == len(expected) == 2
    found = set()
    for band in bands:
        edges = band_edges(band)
        match = [
            s
            for s, e in expected.items()
            if e.keys() == edges.keys() and np.allclose([e[k] for k in e], [edges[k] for k in e])
        ]
        assert len(match) == 1
        found.add(match[0])
    assert found == set(expected)  # and none around the single-seed line


@pytest.mark.parametrize("epochs", [EPOCHS, list(range(1, 41))])
def test_epoch_ticks_are_integers(tmp_path, epochs):
    fids = {(0.0002, 64): {0: list(np.linspace(100, 30, len(epochs)))}}
    fig = fid_vs_epoch_by_setting(make_rows(fids, epochs=epochs), tmp_path / "f.png", title="t")
    ax = fig.axes[0]
    fig.canvas.draw()
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert len(ticks) >= 3
    assert all(float(t).is_integer() for t in ticks)
    # a single setting is labelled by its experiment
    assert [line.get_label() for line in setting_lines(ax)] == ["exp"]


def test_references_drawn_at_epoch_and_value_in_their_setting_colour(tmp_path):
    refs = [
        {"setting": {"lr": 0.0002, "batch_size": 64}, "epoch": 3, "value": 42.0, "label": "paper"},
        {"setting": {}, "epoch": None, "value": 30.0, "label": "paper best"},
        {"setting": {"lr": 0.0002}, "epoch": 2, "value": 55.0, "label": "two settings"},
    ]
    fig = fid_vs_epoch_by_setting(
        make_rows(), tmp_path / "f.png", title="t", references=refs, key_order=["lr", "batch_size"]
    )
    ax = fig.axes[0]
    stars = by_gid(ax, "reference")
    assert len(stars) == 2
    np.testing.assert_allclose(stars[0].get_offsets(), [[3, 42.0]])
    np.testing.assert_allclose(stars[1].get_offsets(), [[2, 55.0]])
    line = next(
        line
        for line in setting_lines(ax)
        if line.get_label().startswith("lr 0.0002, batch_size 64")
    )
    np.testing.assert_allclose(stars[0].get_facecolor()[0][:3], mcolors.to_rgb(line.get_color()))
    np.testing.assert_allclose(stars[1].get_facecolor()[0][:3], [0, 0, 0])  # matches two: black
    (hline,) = [line for line in ax.get_lines() if line.get_gid() == "reference"]
    assert list(hline.get_ydata()) == [30.0, 30.0] and hline.get_linestyle() == "--"
    # named in the legend, not by words at the line's end (they collide with the frame)
    assert "paper best" in legend_texts(fig, ax) and not ax.texts
    # its colour is lr 0.0002's, shared by two lines: the legend names the setting
    assert "paper (lr 0.0002, batch_size 64)" in legend_texts(fig, ax)


def test_references_beyond_our_epochs_go_to_a_side_panel(tmp_path):
    """001's values at epochs 970-976 beside a 2-epoch run: our curve keeps the main axis (its
    x-range is our epochs), the stars stand in a marked panel of their own, and the legend
    names each source once however many values it has."""
    fids = {("dcgan",): {0: [300.0, 250.0]}, ("sagan",): {0: [320.0, 260.0]}}
    rows = make_rows(fids, grid=lambda s: {"variant": s[0]}, epochs=[1, 2])
    refs = [
        {"setting": {"variant": v}, "epoch": e, "value": 30.0 + e - 970, "label": "001"}
        for v in ("dcgan", "sagan")
        for e in range(970, 977)
    ]
    refs += [
        {"setting": {"variant": v}, "epoch": None, "value": 29.0, "label": "001 (final)"}
        for v in ("dcgan", "sagan")
    ]
    fig = fid_vs_epoch_by_setting(rows, tmp_path / "f.png", title="t", references=refs)
    fig.canvas.draw()
    ax, side = fig.axes[:2]
    lo, hi = ax.get_xlim()
    assert 0 < lo < 1 and 2 < hi < 3  # within our epochs (plus a margin), not up to 976
    assert not by_gid(ax, "reference") and len(by_gid(side, "reference")) == 14
    assert side.get_xlim()[0] > 900 and "beyond" in side.get_title()
    assert [line.get_gid() for line in ax.get_lines()].count("axis_break") == 1
    texts = legend_texts(fig, ax)
    assert len(texts) == len(set(texts))
    assert texts.count("001") == 1 and texts.count("001 (final)") == 1
    visible = [t for t in ax.get_xticklabels() if lo <= t.get_position()[0] <= hi]
    assert [t.get_text() for t in visible] == ["1", "2"]
    # a reference our runs reach stays on the main axis, which then holds it
    near = [{"setting": {}, "epoch": 3, "value": 200.0, "label": "near"}]
    fig = fid_vs_epoch_by_setting(rows, tmp_path / "g.png", title="t", references=near)
    assert len(fig.axes) == 1 and len(by_gid(fig.axes[0], "reference")) == 1


def test_one_legend_entry_per_source_of_final_values(tmp_path):
    """003's final FID per setting of a 2 x 2 grid: four dashed lines, one legend entry; each
    line ends in its setting's marker, which says whose it is."""
    refs = [
        {"setting": {"lr": lr, "batch_size": bs}, "epoch": None, "value": v, "label": "003"}
        for (lr, bs), v in zip(FIDS, [40.0, 41.0, 42.0], strict=True)
    ]
    fig = fid_vs_epoch_by_setting(
        make_rows(), tmp_path / "f.png", title="t", references=refs, key_order=["lr", "batch_size"]
    )
    ax = fig.axes[0]
    texts = legend_texts(fig, ax)
    assert texts.count("003") == 1 and len(texts) == len(set(texts))
    ends = [line for line in ax.get_lines() if line.get_gid() == "reference_end"]
    markers = {line.get_label(): line.get_marker() for line in setting_lines(ax)}
    assert sorted(e.get_marker() for e in ends) == sorted(markers.values())


def test_twelve_settings_twelve_colours(tmp_path):
    fids = {(lr,): {0: [90.0 + i, 70.0, 60.0]} for i, lr in enumerate(np.arange(1, 13) * 1e-4)}
    fig = fid_vs_epoch_by_setting(
        make_rows(fids, grid=lambda s: {"lr": s[0]}), tmp_path / "f.png", title="t"
    )
    colours = [mcolors.to_hex(line.get_color()) for line in setting_lines(fig.axes[0])]
    assert len(colours) == 12 == len(set(colours))


def test_mixed_protocols_and_log_scale_named(tmp_path):
    rows = make_rows()
    rows.loc[rows.run == "exp-0-s1", "n_generated"] = 50
    rows.loc[rows.epoch == 1, "fid"] = 2000.0
    fig = fid_vs_epoch_by_setting(rows, tmp_path / "f.png", title="t")
    assert "mixed protocols" in fig.axes[0].get_title()
    assert fig.axes[0].get_yscale() == "log"


def test_nine_settings_nine_lines_in_three_colours(tmp_path):
    """A 3 x 3 grid: colour follows lr, line style batch size, so each line is told apart."""
    fids = {
        (lr, bs): {0: [90.0, 70.0, 60.0]}
        for lr, bs in itertools.product([1e-4, 2e-4, 5e-4], [32, 64, 128])
    }
    fig = fid_vs_epoch_by_setting(
        make_rows(fids), tmp_path / "f.png", title="t", key_order=["lr", "batch_size"]
    )
    lines = setting_lines(fig.axes[0])
    assert len(lines) == 9 and len(legend_texts(fig, fig.axes[0])) == 9
    assert len({mcolors.to_hex(line.get_color()) for line in lines}) == 3
    assert len({(mcolors.to_hex(line.get_color()), line.get_linestyle()) for line in lines}) == 9
    assert len({line.get_linestyle() for line in lines}) == 3


def test_one_experiment_per_figure(tmp_path):
    rows = make_rows()
    rows.loc[rows.run == "exp-0-s0", "experiment"] = "other"
    with pytest.raises(ValueError, match="one experiment"):
        fid_vs_epoch_by_setting(rows, tmp_path / "f.png", title="t")


# ---- ablation heatmap -----------------------------------------------------------------------


def final_values(fids):
    """Final FID per setting over seeds, NaN for a diverged seed: computed from FIDS directly."""
    return {
        s: np.array([np.nan if v[-1] is None else v[-1] for v in seeds.values()])
        for s, seeds in fids.items()
    }


def cell_texts(ax):
    """(x tick label, y tick label) -> annotation text."""
    xs = [t.get_text() for t in ax.get_xticklabels()]
    ys = [t.get_text() for t in ax.get_yticklabels()]
    return {
        (xs[round(t.get_position()[0])], ys[round(t.get_position()[1])]): t.get_text()
        for t in ax.texts
        if t.get_gid() == "cell"
    }


def test_heatmap_cells_are_mean_and_std_over_seeds(tmp_path):
    path = tmp_path / "heat.png"
    fig = ablation_heatmap(run_summary(make_rows()), path, x="lr", y="batch_size", title="t")
    assert_png(path)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.0001", "0.0002"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["64", "128"]
    texts = cell_texts(ax)
    assert ("0.0001", "128") not in texts  # no runs: blank
    for (lr, bs), v in final_values(FIDS).items():
        ok = v[~np.isnan(v)]
        text = texts[(f"{lr:g}", str(bs))]
        if len(ok) > 1:
            assert text.startswith(f"{ok.mean():.1f} ± {ok.std(ddof=1):.1f}\n2 seeds")
        else:
            assert text == f"{ok[0]:.1f}\n1 seed, 1 diverged"
    # the colour of a cell is its mean
    image = ax.images[0]
    np.testing.assert_allclose(
        image.get_array().filled(np.nan)[0],
        [final_values(FIDS)[(0.0001, 64)].mean(), np.mean(final_values(FIDS)[(0.0002, 64)])],
    )
    assert "FID (lower is better)" in fig.axes[1].get_ylabel()


def test_heatmap_all_seeds_diverged_reads_diverged(tmp_path):
    fids = {**FIDS, (0.0002, 128): {0: [100.0, None, None], 1: [104.0, 81.0, None]}}
    fig = ablation_heatmap(
        run_summary(make_rows(fids)), tmp_path / "h.png", x="lr", y="batch_size", title="t"
    )
    assert cell_texts(fig.axes[0])[("0.0002", "128")].startswith("diverged")


def test_heatmap_refuses_a_third_varying_key(tmp_path):
    fids = {
        (lr, bs, w): {0: [90.0, 70.0, 60.0]}
        for lr, bs, w in itertools.product([1e-4], [64], [32, 64])
    }
    rows = make_rows(fids, grid=lambda s: {"lr": s[0], "batch_size": s[1], "width": s[2]})
    with pytest.raises(ValueError, match="width"):
        ablation_heatmap(run_summary(rows), tmp_path / "h.png", x="lr", y="batch_size", title="t")
    with pytest.raises(ValueError, match="not a grid key"):
        ablation_heatmap(run_summary(rows), tmp_path / "h.png", x="lr", y="beta1", title="t")


# ---- ablation bars --------------------------------------------------------------------------

VARIANT_FIDS = {
    ("dcgan", "bce"): {0: [90.0, 70.0, 60.0], 1: [94.0, 76.0, 58.0]},
    ("dcgan", "hinge"): {0: [80.0, 60.0, 50.0], 1: [86.0, 62.0, 47.0]},
    ("sngan", "bce"): {0: [100.0, 85.0, 75.0], 1: [104.0, 81.0, None]},
    ("sngan", "hinge"): {0: [70.0, 50.0, 40.0], 1: [72.0, 52.0, 44.0]},
}


def test_bars_mean_std_seeds_and_references(tmp_path):
    rows = make_rows(VARIANT_FIDS, grid=lambda s: {"variant": s[0], "loss": s[1]})
    refs = [
        {"setting": {"variant": "sngan", "loss": "hinge"}, "value": 35.0, "label": "SN-GAN paper"},
        {"setting": {"variant": "dcgan"}, "value": 55.0, "label": "DCGAN paper"},
    ]
    path = tmp_path / "bars.png"
    fig = ablation_bars(run_summary(rows), path, by="variant", title="t", references=refs)
    assert_png(path)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["dcgan", "sngan"]
    bars = {}
    for container in ax.containers:
        if hasattr(container, "patches"):
            for rect in container.patches:
                bars[round(rect.get_x() + rect.get_width() / 2, 6)] = (
                    container.get_label(),
                    rect.get_height(),
                )
    assert sorted(label for label, _ in bars.values()) == [
        "loss bce",
        "loss bce",
        "loss hinge",
        "loss hinge",
    ]
    assert ["loss bce", "loss hinge"] == [t for t in legend_texts(fig, ax) if t.startswith("loss")]
    finals = final_values(VARIANT_FIDS)
    heights = sorted(h for _, h in bars.values())
    assert heights == pytest.approx(sorted(np.nanmean(v) for v in finals.values()))
    # one dot per seed that did not diverge, and the divergence is said
    assert sum(len(c.get_offsets()) for c in by_gid(ax, "seed")) == 7
    assert [t.get_text() for t in ax.texts if t.get_gid() == "diverged"] == ["1 diverged"]
    # error bars of ± std (ddof=1) where two seeds scored
    segments = [
        s
        for c in ax.containers
        if type(c).__name__ == "ErrorbarContainer"
        for lc in c[2]
        for s in lc.get_segments()
    ]
    half = sorted(round((s[1][1] - s[0][1]) / 2, 6) for s in segments if len(s) == 2)
    expected = sorted(round(np.std(v, ddof=1), 6) for v in finals.values() if not np.isnan(v).any())
    assert half == pytest.approx(expected)
    # a reference on one bar is a star on it; on a group, a dashed line across its bars
    sngan_hinge_x = next(x for x, (label, h) in bars.items() if label == "loss hinge" and x > 0.5)
    (star,) = [c for c in by_gid(ax, "reference")]
    np.testing.assert_allclose(star.get_offsets(), [[sngan_hinge_x, 35.0]])
    (dash,) = [line for line in ax.get_lines() if line.get_gid() == "reference"]
    assert list(dash.get_ydata()) == [55.0, 55.0]
    assert dash.get_xdata()[0] < 0 < dash.get_xdata()[1] < 0.5


def test_bars_one_grid_key_sorted_and_unknown_reference_warns(tmp_path):
    fids = {
        (lr,): {0: [90.0, 70.0, v], 1: [94.0, 76.0, v + 2]}
        for lr, v in [(5e-4, 60.0), (1e-4, 50.0)]
    }
    rows = make_rows(fids, grid=lambda s: {"lr": s[0]})
    with pytest.warns(UserWarning, match="matches no bar"):
        fig = ablation_bars(
            run_summary(rows),
            tmp_path / "b.png",
            by="lr",
            title="t",
            references=[{"setting": {"lr": 0.1}, "value": 1.0, "label": "x"}],
        )
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.0001", "0.0005"]
    heights = [r.get_height() for c in ax.containers if hasattr(c, "patches") for r in c.patches]
    assert heights == pytest.approx([51.0, 61.0])
    assert re.search(r"final FID \(lower is better\)", ax.get_ylabel())


def test_bars_name_a_source_once(tmp_path):
    fids = {(lr,): {0: [90.0, 60.0 + i]} for i, lr in enumerate([5e-5, 1e-4, 2e-4, 5e-4])}
    rows = make_rows(fids, grid=lambda s: {"lr": s[0]}, epochs=[1, 2])
    refs = [{"setting": {"lr": lr}, "value": 40.0, "label": "003 (final)"} for (lr,) in fids]
    fig = ablation_bars(run_summary(rows), tmp_path / "b.png", by="lr", title="t", references=refs)
    assert len(by_gid(fig.axes[0], "reference")) == 4
    assert legend_texts(fig, fig.axes[0]).count("003 (final)") == 1


def all_runs(n_experiments=13, split_at=8):
    """``n_experiments`` experiments of two runs each, the last ones scored against another
    reference set (cifar10_64)."""
    parts = []
    for k in range(n_experiments):
        fids = {(k,): {0: [200.0 - 10 * k, 150.0 - 8 * k], 1: [205.0 - 10 * k, 148.0 - 8 * k]}}
        rows = make_rows(fids, grid=lambda s: {}, epochs=[1, 2]).assign(experiment=f"e{k:02d}")
        rows["run"] = rows["run"] + f"-{k}"
        rows["reference"] = "cifar10_64:test[200]" if k >= split_at else "cifar10:test[200]"
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)


def test_all_runs_a_panel_per_protocol_and_colours_not_repeated(tmp_path):
    fig = plots.fid_vs_epoch(all_runs(), tmp_path / "all.png")
    assert_png(tmp_path / "all.png")
    axes = fig.axes
    assert [ax.get_title() for ax in axes] == [
        "FID of 100 generated vs cifar10:test[200]",
        "FID of 100 generated vs cifar10_64:test[200]",
    ]
    # a colour per experiment, never shared by two experiments, in every panel
    colour_of: dict[str, set] = {}
    for ax in axes:
        for line in ax.get_lines():
            colour_of.setdefault(line.get_label(), set()).add(mcolors.to_hex(line.get_color()))
    assert all(len(c) == 1 for c in colour_of.values())
    assert len({c for cs in colour_of.values() for c in cs}) == len(colour_of) == 13
    # the legend is below the panels (covers no data), an entry per experiment
    assert all(ax.get_legend() is None for ax in axes)
    (legend,) = fig.legends
    texts = [t.get_text() for t in legend.get_texts()]
    assert len(texts) == 13 == len(set(texts)) and texts[0] == "e00 (2 runs)"
    for ax in axes:
        fig.canvas.draw()
        lo, hi = ax.get_xlim()
        assert all(float(t).is_integer() for t in ax.get_xticks() if lo <= t <= hi)


# ---- the package's layout -------------------------------------------------------------------


@pytest.mark.parametrize(
    "module, draw",
    [
        ("fid_all_runs", lambda p: plots.fid_vs_epoch(make_rows(), p)),
        ("fid_by_setting", lambda p: plots.fid_vs_epoch_by_setting(make_rows(), p, title="t")),
        (
            "heatmap",
            lambda p: plots.ablation_heatmap(
                run_summary(make_rows()), p, x="lr", y="batch_size", title="t"
            ),
        ),
        ("bars", lambda p: plots.ablation_bars(run_summary(make_rows()), p, by="lr", title="t")),
        ("samples", lambda p: plots.sample_sheet([], p, title="t")),
        (
            "losses",
            lambda p: plots.loss_curves(
                {"r": pd.DataFrame({"step": [0, 1], "d_loss": [1.0, 0.9], "g_loss": [2.0, 1.8]})},
                p,
                "t",
            ),
        ),
    ],
)
def test_figures_are_patched_where_they_live(tmp_path, monkeypatch, module, draw):
    """Callers use the package's names; a monkeypatch string names the figure's own module (no
    module is shadowed by a function of its name), and patching it changes what is called."""
    saved = []
    monkeypatch.setattr(
        f"ganrepro.reporting.plots.{module}.save_figure", lambda fig, path: saved.append(path)
    )
    draw(tmp_path / "f.png")
    assert saved == [tmp_path / "f.png"] and not (tmp_path / "f.png").exists()
