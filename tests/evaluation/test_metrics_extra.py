"""KID, Inception Score, MS-SSIM diversity, memorisation distances and latent-space tools, each
checked against an independent reference: a direct computation of the formula (loops, scipy),
the maintained implementation they build on, or a property that the method must have.

Only one test runs Inception (on 2 images): the check that IS logits computed from the cached
pool3 features equal the full network's classifier output.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.spatial.distance import cdist
from scipy.stats import entropy

REPO = Path(__file__).resolve().parents[2]
try:
    import ganrepro  # noqa: F401
except ImportError:  # a checkout without `pip install -e .`
    sys.path.insert(0, str(REPO / "lib"))

from ganrepro.evaluation.metrics import diversity, kid, memorisation  # noqa: E402
from ganrepro.evaluation.metrics import inception_score as isc  # noqa: E402
from ganrepro.models import build_generator  # noqa: E402
from ganrepro.training import latent  # noqa: E402

WEIGHTS = REPO.parent / "shared" / "weights" / "pt_inception-2015-12-05-6726825d.pth"
needs_weights = pytest.mark.skipif(not WEIGHTS.is_file(), reason=f"no FID weights at {WEIGHTS}")


# --------------------------------------------------------------------------------------- KID


def _mmd2_loops(x, y):
    """The unbiased MMD² of Bińkowski et al. written out term by term."""

    def k(a, b):
        return (np.dot(a, b) / len(a) + 1.0) ** 3

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_kid_matches_direct_unbiased_mmd2():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(7, 5)), rng.normal(0.3, 1.2, size=(9, 5))
    assert kid.mmd2_unbiased(x, y) == pytest.approx(_mmd2_loops(x, y), rel=1e-12)
    # whole sets as the "subsets": every subset is a permutation, so KID is that same number
    x, y = rng.normal(size=(12, 6)), rng.normal(0.5, 1.0, size=(12, 6))
    result = kid.kernel_inception_distance(x, y, subsets=5, subset_size=12, seed=3)
    assert result["kid"] == pytest.approx(_mmd2_loops(x, y), rel=1e-10)
    assert result["kid_std"] == pytest.approx(0.0, abs=1e-10)
    assert result["subsets"] == 5 and result["n_generated"] == 12


def test_kid_is_unbiased_at_small_sizes_where_the_biased_estimate_is_not():
    rng = np.random.default_rng(1)
    d = 8
    same_a, same_b = rng.normal(size=(400, d)), rng.normal(size=(400, d))
    r = kid.kernel_inception_distance(same_a, same_b, subsets=400, subset_size=10, seed=0)
    se = r["kid_std"] / np.sqrt(r["subsets"])
    assert abs(r["kid"]) < 3 * se  # expectation 0 for one distribution, even from 10 samples

    def biased(x, y):  # the V-statistic: diagonal included
        return (
            kid.polynomial_kernel(x, x).mean()
            + kid.polynomial_kernel(y, y).mean()
            - 2 * kid.polynomial_kernel(x, y).mean()
        )

    v = [biased(same_a[i : i + 10], same_b[i : i + 10]) for i in range(0, 400, 10)]
    assert np.mean(v) > 10 * se  # clearly positive at n = 10: the bias KID removes

    shifted = rng.normal(0.7, 1.0, size=(400, d))
    far = kid.kernel_inception_distance(shifted, same_b, subsets=50, subset_size=10, seed=0)
    assert far["kid"] > 5 * far["kid_std"] / np.sqrt(50)


def test_kid_rejects_a_subset_larger_than_the_sets():
    x = np.zeros((20, 4))
    with pytest.raises(ValueError, match="kid_subset_size"):
        kid.kernel_inception_distance(x, x, subsets=2, subset_size=21)


# ------------------------------------------------------------------------------ Inception Score


def _is_formula(logits):
    """exp(E_x KL(p(y|x) || p(y))) with p(y) the mean of p(y|x) over the images (scipy)."""
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    marginal = p.mean(axis=0)
    return float(np.exp(np.mean([entropy(p[i], marginal) for i in range(len(p))])))


def test_inception_score_matches_the_formula_on_synthetic_logits():
    rng = np.random.default_rng(2)
    logits = rng.normal(0, 3, size=(200, 12))
    one = isc.inception_score(logits, splits=1)
    assert one["inception_score"] == pytest.approx(_is_formula(logits), rel=1e-10)
    # ten splits of the shuffled images, each with its own marginal; mean and std over splits
    ten = isc.inception_score(logits, splits=10, seed=7)
    order = np.random.default_rng(7).permutation(200)
    per_split = [_is_formula(part) for part in np.array_split(logits[order], 10)]
    assert ten["inception_score"] == pytest.approx(np.mean(per_split), rel=1e-10)
    assert ten["inception_score_std"] == pytest.approx(np.std(per_split), rel=1e-10)


def test_inception_score_extremes_and_refusal_of_constant_logits():
    confident = np.full((100, 10), -50.0)
    confident[np.arange(100), np.arange(100) % 10] = 50.0  # sure of one class, classes balanced
    assert isc.inception_score(confident, splits=1)["inception_score"] == pytest.approx(
        10, rel=1e-6
    )
    with pytest.raises(ValueError, match="refusing"):
        isc.inception_score(np.zeros((100, 1008)))  # a zero classifier's logits
    with pytest.raises(ValueError, match="refusing"):
        isc.inception_score(np.tile(np.arange(10.0), (100, 1)))  # identical for every image


def test_classifier_check_reads_the_state_dict(tmp_path):
    good = tmp_path / "good.pth"
    torch.save({"fc.weight": torch.randn(1008, 16), "fc.bias": torch.zeros(1008)}, good)
    fc, reason = isc.load_classifier(good)
    assert reason is None and fc.shape == (1008, 16)
    zero = tmp_path / "zero.pth"
    torch.save({"fc.weight": torch.zeros(1008, 16), "fc.bias": torch.zeros(1008)}, zero)
    assert "all-zero" in isc.classifier_status(zero)
    none = tmp_path / "none.pth"
    torch.save({"conv.weight": torch.ones(1)}, none)
    assert "no classifier" in isc.classifier_status(none)


@needs_weights
def test_offline_weights_have_no_classifier_so_is_is_refused():
    reason = isc.classifier_status(WEIGHTS)
    assert reason is not None and "all-zero" in reason


@needs_weights
def test_is_logits_from_pool3_equal_the_full_networks_classifier(monkeypatch):
    """The one Inception test: IS reads pool3 features instead of running the network again,
    which is right only if fc(pool3) is what the network's classifier computes."""
    import pytorch_fid.inception as pfi
    import torch.nn.functional as F
    from ganrepro.evaluation.metrics import fid

    state = torch.load(WEIGHTS, map_location="cpu", weights_only=True)
    g = torch.Generator().manual_seed(0)
    state["fc.weight"] = torch.randn(1008, 2048, generator=g) * 0.05
    state["fc.bias"] = torch.randn(1008, generator=g)
    monkeypatch.setattr(pfi, "load_state_dict_from_url", lambda *a, **k: state)
    full = pfi.fid_inception_v3().eval()  # pytorch-fid's own network, with our classifier

    images = np.random.default_rng(0).integers(0, 256, size=(2, 32, 32, 3), dtype=np.uint8)
    cpu = torch.device("cpu")
    pool3 = fid.inception_features(fid.load_inception(WEIGHTS, cpu), images, device=cpu)
    x = torch.from_numpy(images).permute(0, 3, 1, 2).float() / 255
    x = 2 * F.interpolate(x, size=(299, 299), mode="bilinear", align_corners=False) - 1
    with torch.inference_mode():
        expected = full(x).double().numpy()  # pytorch-fid's InceptionV3 input pipeline
    ours = isc.logits_from_pool3(pool3, state["fc.weight"].double().numpy())
    np.testing.assert_allclose(ours + state["fc.bias"].double().numpy(), expected, atol=1e-4)
    assert np.abs(expected).max() > 1  # a meaningful comparison, not zeros against zeros


# ---------------------------------------------------------------------------------- MS-SSIM


def test_ms_ssim_of_an_image_with_itself_is_one():
    rng = np.random.default_rng(3)
    imgs = rng.integers(0, 256, size=(4, 3, 32, 32)).astype(np.float64)
    x = torch.from_numpy(imgs)
    prot = diversity.msssim_protocol(32)
    assert diversity.ms_ssim(x, x, **prot).numpy() == pytest.approx(np.ones(4), abs=1e-12)
    other = torch.from_numpy(rng.integers(0, 256, size=(4, 3, 32, 32)).astype(np.float64))
    assert (diversity.ms_ssim(x, other, **prot) < 0.5).all()


def test_ms_ssim_equals_pytorch_msssim_where_its_standard_protocol_runs():
    from pytorch_msssim import ms_ssim as reference

    rng = np.random.default_rng(4)
    x = torch.from_numpy(rng.integers(0, 256, size=(3, 3, 176, 176)).astype(np.float64))
    y = (x + torch.from_numpy(rng.normal(0, 25, size=x.shape))).clamp(0, 255)
    assert diversity.msssim_protocol(176)["window"] == 11
    ours = diversity.ms_ssim(x, y, **diversity.msssim_protocol(176))
    torch.testing.assert_close(ours, reference(x, y, data_range=255, size_average=False))


def test_ms_ssim_protocol_at_32px_and_collapse_scores_high():
    prot = diversity.msssim_protocol(32)
    assert prot["window"] == 7 and len(prot["weights"]) == 3
    assert sum(prot["weights"]) == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(AssertionError):  # why: the package refuses 32 px with any weights
        from pytorch_msssim import ms_ssim

        x = torch.rand(1, 3, 32, 32)
        ms_ssim(x, x, data_range=1, win_size=3, weights=prot["weights"])
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:32, 0:32]
    varied = np.stack(
        [
            (
                127
                + 120 * np.sin(xx / rng.uniform(2, 8) + rng.uniform(0, 6))[..., None] * np.ones(3)
            ).astype(np.uint8)
            for _ in range(30)
        ]
    )
    noise = rng.integers(-6, 7, size=(30, 32, 32, 3))
    collapsed = np.clip(varied[:1].astype(int) + noise, 0, 255).astype(np.uint8)
    high = diversity.mean_pairwise_msssim(collapsed, pairs=60)["ms_ssim"]
    low = diversity.mean_pairwise_msssim(varied, pairs=60)["ms_ssim"]
    assert high > 0.8 and low < high - 0.3


def test_random_pairs_are_distinct_and_cover_all_images():
    idx = diversity.random_pairs(5, 2000, seed=0)
    assert (idx[:, 0] != idx[:, 1]).all()
    assert set(np.unique(idx)) == set(range(5))


# ----------------------------------------------------------------------------- memorisation


def test_nearest_neighbours_match_brute_force():
    rng = np.random.default_rng(6)
    q, r = rng.normal(size=(30, 16)), rng.normal(size=(50, 16))
    d, i = memorisation.nearest_neighbours(q, r, k=3, chunk=7)
    full = cdist(q, r)
    np.testing.assert_array_equal(i, np.argsort(full, axis=1)[:, :3])
    np.testing.assert_allclose(d, np.sort(full, axis=1)[:, :3], rtol=1e-9)


def test_memorisation_summary_flags_copies():
    rng = np.random.default_rng(7)
    train, test = rng.normal(size=(100, 8)), rng.normal(size=(100, 8))
    copies = train[:40] + rng.normal(0, 1e-3, size=(40, 8))
    test_d = memorisation.nearest_neighbours(test, train)[0][:, 0]
    copy_d = memorisation.nearest_neighbours(copies, train)[0][:, 0]
    s = memorisation.memorisation_summary(copy_d, test_d)
    assert s["ratio"] < 0.01 and s["close_fraction"] == 1.0
    fresh = memorisation.nearest_neighbours(rng.normal(size=(100, 8)), train)[0][:, 0]
    s = memorisation.memorisation_summary(fresh, test_d)
    assert 0.8 < s["ratio"] < 1.25 and s["close_fraction"] < 0.1


# ----------------------------------------------------------------------------- latent space


def test_slerp_hits_both_endpoints_and_keeps_the_norm():
    g = torch.Generator().manual_seed(0)
    z1, z2 = (
        torch.randn(64, generator=g, dtype=torch.float64),
        torch.randn(64, generator=g, dtype=torch.float64),
    )
    z2 = z2 * z1.norm() / z2.norm()  # equal norms
    path = latent.interpolation_path(z1, z2, 11, "slerp")
    torch.testing.assert_close(path[0], z1)
    torch.testing.assert_close(path[-1], z2)
    torch.testing.assert_close(path.norm(dim=1), z1.norm().expand(11))
    lin = latent.interpolation_path(z1, z2, 11, "linear")
    assert lin[5].norm() < 0.95 * z1.norm()  # the linear midpoint falls inside the sphere


def test_slerp_of_orthogonal_unit_vectors_at_half_is_their_bisector():
    e1, e2 = torch.tensor([1.0, 0.0, 0.0]), torch.tensor([0.0, 1.0, 0.0])
    torch.testing.assert_close(latent.slerp(e1, e2, 0.5), (e1 + e2) / 2**0.5)
    torch.testing.assert_close(latent.slerp(e1, e1, 0.3), e1)  # parallel: falls back to lerp


def test_inversion_reconstructs_better_than_every_random_start():
    torch.manual_seed(0)
    G = build_generator(
        "dcgan", latent_dim=8, image_size=16, channels=3, width=8, n_classes=0
    ).eval()
    z_true = torch.randn(3, 8, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        target = G(z_true)
    inv = latent.invert(G, target, starts=4, steps=150, lr=0.05, seed=2)
    assert inv.initial_mse.shape == (3, 4) and inv.z.shape == (3, 8)
    # the kept start is the best one after optimisation, and beats every start before it
    torch.testing.assert_close(inv.mse, inv.final_mse.min(dim=1).values)
    assert (inv.mse[:, None] < inv.initial_mse).all()
    assert (inv.mse < 0.25 * inv.initial_mse.min(dim=1).values).all()
    with torch.no_grad():
        torch.testing.assert_close(G(inv.z), inv.reconstruction)
    assert all(p.requires_grad for p in G.parameters())  # G left as it was found
    assert (latent.psnr(inv.mse) > latent.psnr(inv.initial_mse.min(dim=1).values)).all()


def test_psnr_of_known_errors():
    # images in [-1, 1]: an error of 0.1 everywhere is 0.05 on a [0, 1] scale, 26.02 dB
    assert latent.psnr(np.array([0.01]))[0] == pytest.approx(10 * np.log10(1 / 0.0025))
