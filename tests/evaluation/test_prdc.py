"""Precision, recall, density and coverage: the same numbers as Naeem et al.'s ``prdc`` package
(whose definitions they take) on random and on real Inception features, whatever the block size
of the distances; the properties the definitions imply; errors for people; and the prdc rule's
analysis (ganrepro.evaluation.analyses.prdc).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageFilter

REPO = Path(__file__).resolve().parents[2]
try:
    import ganrepro  # noqa: F401
except ImportError:  # a checkout without `pip install -e .`
    sys.path.insert(0, str(REPO / "lib"))

from ganrepro.evaluation.metrics import inception_onnx  # noqa: E402
from ganrepro.evaluation.metrics import prdc as prdc_module  # noqa: E402
from ganrepro.evaluation.metrics.prdc import precision_recall_density_coverage as prdc  # noqa: E402
from ganrepro.io import write_npz  # noqa: E402

SHARED = REPO.parent / "shared"
WEIGHTS = SHARED / "weights" / "pt_inception-2015-12-05-6726825d.pth"
CIFAR = SHARED / "data" / "cifar10-jpeg"
METRICS = ("precision", "recall", "density", "coverage")
TOLERANCE = 1e-6


try:  # Naeem et al.'s package, the independent implementation (a test dependency)
    from prdc import compute_prdc
except ImportError:
    compute_prdc = None
needs_prdc = pytest.mark.skipif(
    compute_prdc is None, reason="the prdc package is not installed (pip install prdc==0.2)"
)
from ganrepro.evaluation.analyses import prdc as analysis  # noqa: E402
from ganrepro.evaluation.analysis import ANALYSES  # noqa: E402


def _reference(real, generated, k):
    out = compute_prdc(np.asarray(real, np.float64), np.asarray(generated, np.float64), k)
    return {m: float(out[m]) for m in METRICS}


def _assert_agrees(ours, real, generated, k):
    expected = _reference(real, generated, k)
    for m in METRICS:
        assert ours[m] == pytest.approx(expected[m], abs=TOLERANCE), m


# ---------------------------------------------------------------- agreement with the prdc package


@needs_prdc
@pytest.mark.parametrize(
    ("n_real", "n_generated", "dims", "k", "block_rows"),
    [
        (300, 250, 64, 3, None),  # one block
        (300, 250, 64, 3, 37),  # blocks that do not divide the rows
        (250, 300, 64, 5, 1),
        (200, 400, 16, 1, 50),
        (120, 150, 256, 10, 7),
    ],
)
def test_agrees_with_the_prdc_package(n_real, n_generated, dims, k, block_rows):
    rng = np.random.default_rng(dims + k)
    real = rng.normal(size=(n_real, dims))
    # a shifted, wider distribution, so that no number sits at 0 or 1
    generated = rng.normal(0.05, 1.05, size=(n_generated, dims)).astype(np.float32)
    ours = prdc(real, generated, k=k, block_rows=block_rows)
    _assert_agrees(ours, real, generated, k)
    assert all(0 < ours[m] < 1 for m in METRICS)
    assert (ours["k"], ours["n_real"], ours["n_generated"]) == (k, n_real, n_generated)


@needs_prdc
def test_default_blocks_stay_under_the_memory_budget_and_change_nothing(monkeypatch):
    rng = np.random.default_rng(1)
    real, generated = rng.normal(size=(300, 32)), rng.normal(0.3, 1, size=(200, 32))
    whole = prdc(real, generated)
    budget = 8 * 300 * 16  # 16 rows of distances to 300 samples
    monkeypatch.setattr(prdc_module, "BLOCK_BYTES", budget)
    sizes = []
    blocks = prdc_module._distance_blocks

    def recording(x, y, block_rows):
        for rows, dist in blocks(x, y, block_rows):
            sizes.append(dist.nbytes)
            yield rows, dist

    monkeypatch.setattr(prdc_module, "_distance_blocks", recording)
    assert prdc(real, generated) == whole
    assert len(sizes) > 300 // 16 and max(sizes) <= budget
    _assert_agrees(whole, real, generated, 3)


@needs_prdc
def test_max_samples_scores_a_seeded_subset_of_each_set():
    rng = np.random.default_rng(2)
    real, generated = rng.normal(size=(200, 16)), rng.normal(0.2, 1, size=(150, 16))
    ours = prdc(real, generated, max_samples=100, seed=7)
    assert (ours["n_real"], ours["n_generated"]) == (100, 100)
    draw = np.random.default_rng(7)  # as documented: the real set is drawn first
    r = real[np.sort(draw.choice(200, 100, replace=False))]
    g = generated[np.sort(draw.choice(150, 100, replace=False))]
    _assert_agrees(ours, r, g, 3)
    assert prdc(real, generated, max_samples=100, seed=7) == ours
    assert prdc(real, generated, max_samples=100, seed=8) != ours
    assert prdc(real, generated, max_samples=500) == prdc(real, generated)  # nothing to drop


# ------------------------------------------------------------------- on real Inception features


def _cifar(split: str, start: int, per_class: int) -> np.ndarray:
    """``per_class`` images of each CIFAR-10 class from index ``start`` of the offline copy."""
    images = []
    for cls in sorted(p for p in (CIFAR / split).iterdir() if p.is_dir()):
        for i in range(start, start + per_class):
            with Image.open(cls / f"{i:04d}.jpg") as img:
                images.append(np.array(img.convert("RGB")))
    return np.stack(images)


def _blurred(images: np.ndarray) -> np.ndarray:
    blur = ImageFilter.GaussianBlur(radius=2.0)
    return np.stack([np.array(Image.fromarray(img).filter(blur)) for img in images])


@pytest.fixture(scope="module")
def cifar_features(onnx_inception_graph):
    """pool3 features (ONNX path, as the workflow computes them on a CPU) of 80 CIFAR-10 test
    images (the real set), 40 other test images, and those 40 blurred: 160 images in all, as
    Inception is slow on a CPU."""
    if not WEIGHTS.is_file() or not (CIFAR / "test").is_dir():
        pytest.skip(f"needs the offline FID weights ({WEIGHTS}) and CIFAR-10 copy ({CIFAR})")
    net = inception_onnx.OnnxInception(onnx_inception_graph, threads=min(2, os.cpu_count() or 1))
    real, other = _cifar("test", 0, 8), _cifar("test", 8, 4)
    return {
        "real": net.features(real),
        "other": net.features(other),
        "blurred": net.features(_blurred(other)),
    }


@needs_prdc
def test_real_features_agree_with_prdc_and_blur_lowers_fidelity_and_coverage(cifar_features):
    real = cifar_features["real"]
    same = prdc(real, cifar_features["other"], block_rows=16)
    blurred = prdc(real, cifar_features["blurred"], block_rows=16)
    _assert_agrees(same, real, cifar_features["other"], 3)
    _assert_agrees(blurred, real, cifar_features["blurred"], 3)
    print(f"\nother test images: {same}\nthe same blurred: {blurred}")
    # bounds with a margin around what these images give (printed above; docs/findings.md)
    assert same["precision"] > 0.5 and same["recall"] > 0.5
    for m in METRICS:
        assert blurred[m] < same[m] - 0.2, m


# --------------------------------------------------------------------- properties, no package


def test_identical_sets_score_one_and_distant_sets_zero():
    real = np.random.default_rng(3).normal(size=(100, 8))
    same = prdc(real, real.copy(), k=4, block_rows=30)
    assert (same["precision"], same["recall"], same["coverage"]) == (1.0, 1.0, 1.0)
    # each sample lies in its own ball and, without ties, in k - 1 others: density exactly 1
    assert same["density"] == pytest.approx(1.0)
    far = prdc(real, real + 100.0, k=4)
    assert all(far[m] == 0.0 for m in METRICS)


def test_a_collapsed_generator_has_fidelity_but_no_diversity():
    real = np.random.default_rng(4).normal(size=(200, 8))
    modes = real[:5] + 1e-3 * np.random.default_rng(5).normal(size=(5, 8))
    out = prdc(real, np.repeat(modes, 20, axis=0))  # 5 images, 20 times each
    assert out["precision"] == 1.0 and out["density"] > 0.5
    # a generated ball of radius 0 holds no real sample; 5 points cover a few real balls
    assert out["recall"] == 0.0 and out["coverage"] < 0.1


# ----------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("real", "generated", "kwargs", "message"),
    [
        (np.zeros((3, 4)), np.ones((10, 4)), {}, r"at least k \+ 1 = 4 real features.*got 3"),
        (np.ones((10, 4)), np.zeros((2, 4)), {"k": 2}, r"3 generated features.*got 2"),
        (np.ones((10, 4)), np.ones((10, 5)), {}, "4 dimensions but generated ones 5"),
        (np.ones(10), np.ones((10, 4)), {}, r"2-d array \(samples, dims\), got shape \(10,\)"),
        (np.ones((10, 4)), np.ones((10, 4)), {"k": 0}, "positive integer"),
        (np.ones((10, 4)), np.ones((10, 4)), {"max_samples": 3}, "use at least 4"),
    ],
)
def test_bad_input_is_named(real, generated, kwargs, message):
    with pytest.raises(ValueError, match=message):
        prdc(real, generated, **kwargs)


def test_non_finite_features_are_named_with_their_row():
    generated = np.ones((10, 4))
    generated[6, 2] = np.nan
    with pytest.raises(ValueError, match="generated features hold 1 non-finite .* row 6"):
        prdc(np.zeros((10, 4)), generated)


# ---------------------------------------------------------------------------- the analysis

SHA = "ab" * 32
REF = {"dataset": "toy", "split": "test"}


def _features(path, feats, status="ok", sha=SHA):
    arrays = {"features": feats, "status": np.array(status)}
    if status == "ok":
        arrays["weights_sha256"] = np.array(sha)
    write_npz(path, **arrays)
    return path


def _args(features, reference_features, score, **options):
    """The prdc rule's entries, by name: its options at their declared defaults but ``options``."""
    defaults = {key: decl.default for key, decl in ANALYSES["prdc"].options.items()}
    return dict(
        features=features,
        reference_features=reference_features,
        score=score,
        run="r",
        epoch=2,
        reference=REF,
        **{**defaults, **options},
    )


def test_the_analysis_writes_the_four_numbers_with_their_protocol(tmp_path):
    rng = np.random.default_rng(6)
    gen_feats, ref_feats = rng.normal(0.3, 1, size=(40, 16)), rng.normal(size=(60, 16))
    gen = _features(tmp_path / "gen.npz", gen_feats)
    ref = _features(tmp_path / "ref.npz", ref_feats)
    log = tmp_path / "prdc.log"
    args = _args(gen, ref, tmp_path / "p.json", prdc_k=4, prdc_max_samples=50, seed=1)
    analysis.compute(**args, log=log)
    out = json.loads((tmp_path / "p.json").read_text())
    expected = prdc(ref_feats, gen_feats, k=4, max_samples=50, seed=1)
    assert out["status"] == "ok" and {m: out[m] for m in METRICS} == {
        m: expected[m] for m in METRICS
    }
    p = out["protocol"]
    assert p["metric"] == "PRDC" and (p["k"], p["max_samples"], p["seed"]) == (4, 50, 1)
    assert (p["n_generated"], p["n_real"], p["weights_sha256"]) == (40, 50, SHA)
    assert p["reference"] == {**REF, "n_images": 60}
    assert [c["stage"] for c in out["code"]] == ["prdc"]
    assert "ganrepro.metrics.prdc" in out["code"][0]["modules"]
    assert f"precision {out['precision']}" in log.read_text()

    diverged = _features(tmp_path / "div.npz", np.zeros((0, 16)), status="diverged")
    analysis.compute(**_args(diverged, ref, tmp_path / "d.json"))
    out = json.loads((tmp_path / "d.json").read_text())
    assert out["status"] == "diverged" and all(out[m] is None for m in METRICS)
    assert out["protocol"]["n_generated"] == 0 and out["protocol"]["weights_sha256"] is None

    other = _features(tmp_path / "other.npz", gen_feats, sha="cd" * 32)
    with pytest.raises(ValueError, match="different Inception weights"):
        analysis.compute(**_args(other, ref, tmp_path / "o.json"))
