"""fid.intermediate_images: fewer samples at a run's intermediate epochs, the last epoch scored at
both n, and every table and curve comparing scores of one n only."""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))

import fid as fid_script  # noqa: E402
from ganrepro.config_files import load  # noqa: E402
from ganrepro.config_schema import config_schema, validate_config  # noqa: E402
from ganrepro.evaluation.metrics.frechet import save_statistics  # noqa: E402
from ganrepro.io import write_npz  # noqa: E402
from ganrepro.reporting.plots import fid_vs_epoch_by_setting  # noqa: E402
from ganrepro.reporting.summaries import score_row  # noqa: E402
from ganrepro.reporting.tables import fid_by_epoch, run_summary  # noqa: E402
from pytorch_fid.fid_score import calculate_frechet_distance  # noqa: E402
from table_rows import run_record, score_table_row  # noqa: E402

DIMS = 16


def _score_args(tmp_path, feats, mu, sigma):
    save_statistics(tmp_path / "ref.npz", mu, sigma, n=np.array(5000))
    write_npz(tmp_path / "gen.npz", features=feats, status=np.array("ok"))
    weights = tmp_path / "weights.pth"
    weights.write_bytes(b"hashed only")
    return dict(
        features=tmp_path / "gen.npz",
        reference=tmp_path / "ref.npz",
        weights=weights,
        run="r",
        epoch=6,
        dataset={"name": "toy", "source": "random"},
        reference_split="test",
    )


def test_last_epoch_is_also_scored_on_its_first_samples(tmp_path):
    rng = np.random.default_rng(0)
    real = rng.normal(size=(5000, DIMS))
    mu, sigma = real.mean(0), np.cov(real, rowvar=False)
    # a generator that drifts: its first 300 samples are not its mean, so n matters
    feats = rng.normal(0.3, 1.2, size=(500, DIMS)) + np.linspace(0, 1, 500)[:, None]
    args = _score_args(tmp_path, feats, mu, sigma)
    log = tmp_path / "fid.log"
    fid_script.main(**args, score=tmp_path / "s.json", subset_sizes=[300, 500, 800], log=log)
    out = json.loads((tmp_path / "s.json").read_text())

    first = feats[:300]  # pytorch-fid's own distance on numpy's statistics: the reference
    expected = calculate_frechet_distance(first.mean(0), np.cov(first, rowvar=False), mu, sigma)
    whole = calculate_frechet_distance(feats.mean(0), np.cov(feats, rowvar=False), mu, sigma)
    # sizes at or above the sample count are not subsets: none is recorded for them
    assert [s["n"] for s in out["fid_subsets"]] == [300]
    assert out["fid_subsets"][0]["fid"] == pytest.approx(expected, rel=1e-6)
    assert out["fid"] == pytest.approx(whole, rel=1e-6) and abs(expected - whole) > 0.05
    assert "FID of the first 300 samples" in log.read_text()

    row = score_row(out)
    assert (row["n_generated"], row["n_curve"]) == (500, 300)
    assert row["fid_curve"] == out["fid_subsets"][0]["fid"] and row["fid"] == out["fid"]

    fid_script.main(**args, score=tmp_path / "plain.json")  # not asked: nothing added
    plain = json.loads((tmp_path / "plain.json").read_text())
    assert "fid_subsets" not in plain
    assert (score_row(plain)["n_curve"], score_row(plain)["fid_curve"]) == (500, plain["fid"])


def _rows(curve_fids, final_fid, n_curve=1000, n_final=5000):
    """One run scored at epochs 2, 4 at n_curve and at 6 at n_final (its curve point at n_curve)."""
    scores = [
        score_table_row(
            "exp-s0",
            epoch,
            final_fid if epoch == 6 else value,
            fid_curve=value,
            n_generated=n_final if epoch == 6 else n_curve,
            n_curve=n_curve,
            reference="toy:test[10000]",
            features_backend="onnxruntime",
        )
        for epoch, value in zip([2, 4, 6], curve_fids, strict=True)
    ]
    runs = {"exp-s0": run_record("exp", 0)}
    return fid_by_epoch(pd.DataFrame(scores), runs)


def test_best_and_mean_compare_only_scores_of_the_final_n():
    # the 1,000-sample FIDs are higher (bias) but one of them would still be the "best"
    # if compared with the 5,000-sample final: 40 < 45
    summary = run_summary(_rows([90.0, 40.0, 50.0], final_fid=45.0)).iloc[0]
    assert summary.final_fid == 45.0 and summary.best_fid == 45.0 and summary.best_epoch == 6
    assert summary.mean_fid == 45.0 and np.isnan(summary.std_fid)
    assert summary.epochs_scored == 3


def test_curve_is_of_one_n_and_the_final_is_a_diamond(tmp_path):
    fig = fid_vs_epoch_by_setting(
        _rows([90.0, 70.0, 60.0], final_fid=52.0), tmp_path / "f.png", title="t"
    )
    ax = fig.axes[0]
    (line,) = [x for x in ax.get_lines() if x.get_gid() == "setting"]
    assert list(line.get_xdata()) == [2, 4, 6] and list(line.get_ydata()) == [90.0, 70.0, 60.0]
    (final,) = [c for c in ax.collections if c.get_gid() == "final"]
    assert final.get_offsets().tolist() == [[6.0, 52.0]]
    assert ax.get_title() == "FID of 1000 generated per epoch, 5000 at the last, vs toy:test[10000]"
    texts = (
        [t.get_text() for t in fig.legends[0].get_texts()]
        if fig.legends
        else [t.get_text() for t in ax.get_legend().get_texts()]
    )
    assert "final FID of 5000 samples (lines: 1000)" in texts


def test_intermediate_images_must_be_fewer_than_the_final(tmp_path):
    base = load(REPO / "configs" / "laptop.yaml")
    schema = config_schema(REPO / "schemas" / "config.schema.yaml")
    validate_config(copy.deepcopy(base), schema)
    bad = copy.deepcopy(base)
    bad["fid"]["intermediate_images"] = 5000
    with pytest.raises(ValueError, match=r"fid\.intermediate_images: 5000 is not below"):
        validate_config(bad, schema)
    bad["fid"]["intermediate_images"] = 1
    with pytest.raises(ValueError, match=r"fid\.intermediate_images: 1 is less than"):
        validate_config(bad, schema)


def test_reference_statistics_over_epochs_use_the_final_n_only():
    from ganrepro.reporting.references import _of_final_n

    rows = _rows([90.0, 40.0, 50.0], final_fid=45.0)
    kept = _of_final_n(rows)
    assert kept.epoch.tolist() == [6] and kept.fid.tolist() == [45.0]
    same_n = rows.assign(n_generated=1000)  # one n throughout: every epoch counts
    assert _of_final_n(same_n).epoch.tolist() == [2, 4, 6]
