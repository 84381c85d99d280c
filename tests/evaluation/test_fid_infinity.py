"""FID∞: the line fit recovers a known a + b/N, the extrapolation from small samples lands nearer
the FID of many samples than the raw FID does (synthetic Gaussian features, seconds), and the fid
rule's script adds it to the score only when asked.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
try:
    import ganrepro  # noqa: F401
except ImportError:  # a checkout without `pip install -e .`
    sys.path.insert(0, str(REPO / "lib"))

import fid as fid_script  # noqa: E402
from ganrepro.evaluation.metrics import fid_infinity as fid_inf_module  # noqa: E402
from ganrepro.evaluation.metrics.fid_infinity import default_sizes, fid_infinity, fit_line  # noqa: E402
from ganrepro.evaluation.metrics.frechet import (  # noqa: E402
    frechet_distance,
    frechet_distance_to_features,
    save_statistics,
    statistics,
)
from ganrepro.io import write_npz  # noqa: E402

DIMS = 128


def _gaussian(rng, n, mean, cov):
    return mean + rng.normal(size=(n, len(mean))) @ np.linalg.cholesky(cov).T


@pytest.fixture(scope="module")
def gaussians():
    """Reference statistics from 50,000 samples of one Gaussian; 10,000 generated features from
    another (other mean and covariance); and the FID between the two distributions."""
    rng = np.random.default_rng(0)
    a = rng.normal(size=(DIMS, DIMS)) / np.sqrt(DIMS)
    b = rng.normal(size=(DIMS, DIMS)) / np.sqrt(DIMS)
    cov_r, cov_g = a @ a.T + 0.5 * np.eye(DIMS), b @ b.T + 0.3 * np.eye(DIMS)
    mean_g = rng.normal(0, 0.1, size=DIMS)
    mu, sigma = statistics(_gaussian(rng, 50_000, np.zeros(DIMS), cov_r))
    generated = _gaussian(rng, 10_000, mean_g, cov_g)
    true = frechet_distance(mean_g, cov_g, np.zeros(DIMS), cov_r)
    return {"mu": mu, "sigma": sigma, "generated": generated, "true": true}


def test_fit_line_recovers_a_known_line():
    sizes = [1000, 1500, 2300, 5000]
    a, b = fit_line(sizes, [7.5 + 3000.0 / n for n in sizes])
    assert (a, b) == (pytest.approx(7.5, rel=1e-10), pytest.approx(3000.0, rel=1e-10))
    with pytest.raises(ValueError, match="at least 2 different sizes"):
        fit_line([100, 100], [1.0, 1.0])


def test_fid_infinity_fits_the_fids_of_its_sizes(monkeypatch):
    """With an FID that is exactly a + b/N, FID∞ is a, whatever the subsets drawn."""
    monkeypatch.setattr(
        fid_inf_module,
        "frechet_distance_to_features",
        lambda feats, mu, sigma, method: 4.0 + 900.0 / len(feats),
    )
    out = fid_infinity(np.zeros((600, 3)), np.zeros(3), np.eye(3), min_size=100, seed=2)
    assert out["sizes"] == default_sizes(600, min_size=100) and len(out["sizes"]) == 15
    assert out["fids"] == pytest.approx([4.0 + 900.0 / n for n in out["sizes"]])
    assert out["fid_infinity"] == pytest.approx(4.0) and out["slope"] == pytest.approx(900.0)
    assert out["seed"] == 2


def test_default_sizes_follow_the_paper():
    # the paper's code: np.linspace(5000, 50000, 15).astype(int)
    assert default_sizes(50_000) == np.linspace(5000, 50_000, 15).astype(int).tolist()
    assert default_sizes(10_000)[0] == 5000 and default_sizes(10_000)[-1] == 10_000
    assert default_sizes(4000)[0] == 2000  # fewer images: from N/2
    assert default_sizes(20) == list(range(10, 21))  # repeats dropped
    with pytest.raises(ValueError, match=r"smallest sample size must lie in \[2, 99\]"):
        default_sizes(100, min_size=100)


def test_fid_infinity_from_few_samples_is_nearer_the_fid_of_many(gaussians):
    mu, sigma, generated = gaussians["mu"], gaussians["sigma"], gaussians["generated"]
    fid_10k = frechet_distance_to_features(generated, mu, sigma)
    fid_1k = frechet_distance_to_features(generated[:1000], mu, sigma)
    out = fid_infinity(generated[:5000], mu, sigma, min_size=1000, seed=0)
    assert out["sizes"][0] == 1000 and out["sizes"][-1] == 5000
    print(
        f"\ntrue FID {gaussians['true']:.3f}, FID 10k {fid_10k:.3f}, FID 1k {fid_1k:.3f}, "
        f"FID∞ (1k-5k) {out['fid_infinity']:.3f}"
    )
    assert abs(out["fid_infinity"] - fid_10k) < abs(fid_1k - fid_10k) / 3
    # and nearer the distributions' FID than 10k samples' raw FID (43.45 vs 43.73; true 43.20)
    assert abs(out["fid_infinity"] - gaussians["true"]) < abs(fid_10k - gaussians["true"])
    # the FIDs fall as N grows, the bias the extrapolation removes
    assert out["slope"] > 0 and out["fid_infinity"] < fid_10k < fid_1k


def test_fid_infinity_rejects_sizes_it_cannot_draw():
    feats = np.zeros((50, 3))
    with pytest.raises(ValueError, match=r"must lie in \[2, 50\]"):
        fid_infinity(feats, np.zeros(3), np.eye(3), sizes=[10, 60])
    with pytest.raises(ValueError, match="either sizes or min_size"):
        fid_infinity(feats, np.zeros(3), np.eye(3), sizes=[10, 20], min_size=10)


# ------------------------------------------------------------------------------- the fid script


def test_fid_script_adds_fid_infinity_only_when_asked(gaussians, tmp_path):
    mu, sigma, feats = gaussians["mu"], gaussians["sigma"], gaussians["generated"][:400]
    save_statistics(tmp_path / "ref.npz", mu, sigma, n=np.array(50_000))
    write_npz(tmp_path / "gen.npz", features=feats, status=np.array("ok"))
    weights = tmp_path / "weights.pth"
    weights.write_bytes(b"not read: only hashed into the protocol")
    args = dict(
        features=tmp_path / "gen.npz",
        reference=tmp_path / "ref.npz",
        weights=weights,
        run="r",
        epoch=2,
        dataset={"name": "toy", "source": "random"},
        reference_split="test",
    )
    fid_script.main(**args, score=tmp_path / "plain.json")
    plain = json.loads((tmp_path / "plain.json").read_text())
    assert "fid_infinity" not in plain
    assert plain["fid"] == pytest.approx(frechet_distance_to_features(feats, mu, sigma))

    asked = {"sizes": None, "min_size": 200, "seed": 3}
    log = tmp_path / "fid.log"
    fid_script.main(**args, score=tmp_path / "inf.json", infinity=asked, log=log)
    out = json.loads((tmp_path / "inf.json").read_text())
    expected = fid_infinity(feats, mu, sigma, min_size=200, seed=3)
    assert out["fid"] == plain["fid"] and out["fid_infinity"] == expected
    assert "ganrepro.metrics.fid_infinity" in out["code"][-1]["modules"]
    assert f"FID∞ {expected['fid_infinity']}" in log.read_text()

    write_npz(tmp_path / "div.npz", features=np.zeros((0, DIMS)), status=np.array("diverged"))
    fid_script.main(
        **{**args, "features": tmp_path / "div.npz"}, score=tmp_path / "d.json", infinity=asked
    )
    out = json.loads((tmp_path / "d.json").read_text())
    assert out["status"] == "diverged" and out["fid"] is None and out["fid_infinity"] is None
