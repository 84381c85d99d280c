"""FID: our in-memory scoring must give pytorch-fid's number, because FIDs are only comparable when
computed the same way.

The headline test runs the real ``python -m pytorch_fid`` CLI on PNG folders and compares it
with ``frechet_distance(statistics(inception_features(...)))`` on the same uint8 arrays. Inception
is slow on CI's 2 shared cores, so image counts are kept at tens and the Inception model is
loaded once per module.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from scipy import linalg

REPO = Path(__file__).resolve().parents[2]
try:
    import ganrepro  # noqa: F401
except ImportError:  # running from a checkout without `pip install -e .`
    sys.path.insert(0, str(REPO / "lib"))

from ganrepro import device as gdevice  # noqa: E402
from ganrepro.evaluation.metrics import fid, frechet, inception_onnx  # noqa: E402
from ganrepro.io import sha256_file  # noqa: E402

SHARED = REPO.parent / "shared"
WEIGHTS = SHARED / "weights" / fid.FID_WEIGHTS_FILENAME
CIFAR_TEST = SHARED / "data" / "cifar10-jpeg" / "test"
CPU = torch.device("cpu")

# 40 images per set: small enough for CI. The 2048-d covariances are then singular (rank 39),
# but scipy's sqrtm of the singular product is stable on these images, well within the 1e-3
# tolerance (docs/findings.md), so no larger n is needed. The cost that dominates is not the
# images but the CLI's sqrtm of a 2048 x 2048 matrix (whatever n; ours, by eigendecomposition,
# is far cheaper), so the CLI runs only twice.
N_PER_SET = 40
CLI_TOLERANCE = 1e-3
FEATURE_TOLERANCE = 1e-4

needs_weights = pytest.mark.skipif(
    not WEIGHTS.is_file(),
    reason=f"FID weights not found at {WEIGHTS} (see ../shared/weights/README.md)",
)

# Throughputs measured by the fixtures, printed at the end of the module (run with -s to see them).
SPEED: dict[str, float] = {}


# --------------------------------------------------------------------------- image fixtures


def _cifar_images(start: int, per_class: int) -> np.ndarray | None:
    """CIFAR-10 test images (decoded JPEG, so real-image statistics), ``per_class`` per class."""
    classes = sorted(p for p in CIFAR_TEST.glob("*") if p.is_dir()) if CIFAR_TEST.is_dir() else []
    if len(classes) < 2:
        return None
    images = []
    for i in range(start, start + per_class):
        for cls in classes:
            with Image.open(cls / f"{i:04d}.jpg") as img:
                images.append(np.array(img.convert("RGB")))
    return np.stack(images)[: per_class * len(classes)]


def _smooth_images(n: int, seed: int, blobs: int) -> np.ndarray:
    """Random smooth colour images (fallback when the CIFAR-10 copy is absent)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:32, 0:32] / 32.0
    out = np.empty((n, 32, 32, 3), dtype=np.uint8)
    for k in range(n):
        img = np.zeros((32, 32, 3)) + rng.uniform(0, 1, size=3)
        for _ in range(blobs):
            cy, cx, r = rng.uniform(0, 1), rng.uniform(0, 1), rng.uniform(0.05, 0.3)
            mask = np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
            img += mask[..., None] * rng.uniform(-1, 1, size=3)
        out[k] = np.clip(img * 255, 0, 255).round().astype(np.uint8)
    return out


def _save_pngs(images: np.ndarray, folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for i, img in enumerate(images):
        path = folder / f"{i:04d}.png"
        Image.fromarray(img.squeeze(-1) if img.shape[-1] == 1 else img).save(path)
        paths.append(path)
    return paths


@pytest.fixture(scope="module")
def image_sets(tmp_path_factory):
    """Two different sets of uint8 images, each also saved as a PNG folder."""
    per_class = N_PER_SET // 10
    a = _cifar_images(0, per_class)
    b = _cifar_images(per_class, per_class)
    if a is None or b is None or len(a) != N_PER_SET:
        a = _smooth_images(N_PER_SET, seed=0, blobs=3)
        b = _smooth_images(N_PER_SET, seed=1, blobs=8)
    root = tmp_path_factory.mktemp("fid_images")
    files_a = _save_pngs(a, root / "a")
    _save_pngs(b, root / "b")
    # PNG is lossless: the CLI reads exactly these arrays back.
    with Image.open(files_a[0]) as img:
        np.testing.assert_array_equal(np.array(img.convert("RGB")), a[0])
    return {"a": a, "b": b, "dir_a": root / "a", "dir_b": root / "b", "files_a": files_a}


@pytest.fixture(scope="module")
def torch_home(tmp_path_factory):
    """A TORCH_HOME whose hub cache holds the offline weights, as the CLI expects them."""
    home = tmp_path_factory.mktemp("torch_home")
    checkpoints = home / "hub" / "checkpoints"
    checkpoints.mkdir(parents=True)
    (checkpoints / fid.FID_WEIGHTS_FILENAME).symlink_to(WEIGHTS.resolve())
    return home


@pytest.fixture(scope="module")
def inception():
    import torch.hub

    hub_before = torch.hub.get_dir()
    private_before = getattr(torch.hub, "_hub_dir", None)
    model = fid.load_inception(WEIGHTS, CPU)
    # load_inception must leave torch.hub's cache setting exactly as it found it.
    assert torch.hub.get_dir() == hub_before
    assert getattr(torch.hub, "_hub_dir", None) == private_before
    return model


@pytest.fixture(scope="module")
def our_features(inception, image_sets):
    t0 = time.perf_counter()
    feats_a = fid.inception_features(inception, image_sets["a"], device=CPU)
    feats_b = fid.inception_features(inception, image_sets["b"], device=CPU)
    SPEED["ours (inception_features)"] = 2 * N_PER_SET / (time.perf_counter() - t0)
    return feats_a, feats_b


@pytest.fixture(scope="module")
def our_fid(our_features):
    feats_a, feats_b = our_features
    return fid.frechet_distance(*fid.statistics(feats_a), *fid.statistics(feats_b))


def _run_cli(args: list[str], torch_home: Path) -> tuple[float, float]:
    """Run ``python -m pytorch_fid`` offline; return (FID, seconds)."""
    env = {**os.environ, "TORCH_HOME": str(torch_home)}
    t0 = time.perf_counter()
    # --num-workers 0: data loading in-process (identical pixels; spares CI two worker processes).
    proc = subprocess.run(
        [sys.executable, "-m", "pytorch_fid", *args, "--device", "cpu", "--num-workers", "0"],
        env=env,
        capture_output=True,
        check=False,
        text=True,
        timeout=600,
    )
    seconds = time.perf_counter() - t0
    assert proc.returncode == 0, f"pytorch_fid failed:\n{proc.stdout}\n{proc.stderr}"
    match = re.search(r"FID:\s+(\S+)", proc.stdout)
    assert match, f"no 'FID: x' in pytorch_fid output:\n{proc.stdout}"
    return float(match.group(1)), seconds


def teardown_module(module):
    if SPEED:
        print("\nFID throughput on this machine:")
        for name, value in SPEED.items():
            print(f"  {name}: {value:.2f} images/s")


# --------------------------------------------------------------------------- against pytorch-fid


@needs_weights
def test_fid_equals_pytorch_fid_cli(image_sets, torch_home, our_fid):
    cli_fid, seconds = _run_cli([str(image_sets["dir_a"]), str(image_sets["dir_b"])], torch_home)
    SPEED["pytorch_fid CLI end to end (start-up, 80 images, sqrtm)"] = 2 * N_PER_SET / seconds
    print(f"\nFID ours={our_fid:.6f} cli={cli_fid:.6f} |diff|={abs(our_fid - cli_fid):.2e}")
    assert our_fid > 1.0  # two different sets: a check that cannot pass by both being ~0
    assert our_fid == pytest.approx(cli_fid, abs=CLI_TOLERANCE)


@needs_weights
@pytest.mark.slow  # a third 2048-d sqrtm, the slow part; the fast test below reads the file
def test_cli_accepts_our_statistics_file(image_sets, torch_home, our_features, our_fid, tmp_path):
    mu, sigma = fid.statistics(our_features[0])
    stats = tmp_path / "ours.npz"
    fid.save_statistics(stats, mu, sigma, n=np.array(N_PER_SET))
    cli_fid, _ = _run_cli([str(stats), str(image_sets["dir_b"])], torch_home)
    assert cli_fid == pytest.approx(our_fid, abs=CLI_TOLERANCE)


def test_pytorch_fid_reads_our_statistics_file(tmp_path):
    """Our .npz is read by the very function the CLI uses for a .npz argument, bit for bit; and
    we read the .npz that ``python -m pytorch_fid --save-stats`` writes (np.savez_compressed)."""
    from pytorch_fid.fid_score import compute_statistics_of_path

    rng = np.random.default_rng(4)
    mu, sigma = rng.normal(size=16), np.cov(rng.normal(size=(40, 16)), rowvar=False)
    ours = tmp_path / "ours.npz"
    fid.save_statistics(ours, mu, sigma, n=np.array(40))
    m, s = compute_statistics_of_path(str(ours), None, 50, 2048, "cpu")
    np.testing.assert_array_equal(m, mu)
    np.testing.assert_array_equal(s, sigma)

    theirs = tmp_path / "theirs.npz"
    np.savez_compressed(theirs, mu=mu, sigma=sigma)
    m, s = fid.load_statistics(theirs)
    np.testing.assert_array_equal(m, mu)
    np.testing.assert_array_equal(s, sigma)


@pytest.fixture(scope="module")
def reference_features(image_sets, torch_home):
    """pytorch-fid's own PNG -> ToTensor -> DataLoader -> model path, on the first half of set a.

    The reference model is built the way the CLI builds it (a fresh ``InceptionV3`` from the hub
    cache), so nothing of ours is shared with the paths under test.
    """
    import torch.hub
    from pytorch_fid.fid_score import get_activations
    from pytorch_fid.inception import InceptionV3

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(torch.hub, "_hub_dir", None)  # follow TORCH_HOME, as in a fresh process
        mp.setenv("TORCH_HOME", str(torch_home))
        reference_model = InceptionV3([InceptionV3.BLOCK_INDEX_BY_DIM[2048]]).to(CPU)
    n = N_PER_SET // 2  # half the set is plenty to show agreement, at half the cost
    t0 = time.perf_counter()
    reference = get_activations(
        image_sets["files_a"][:n], reference_model, batch_size=n, device=CPU, num_workers=0
    )
    SPEED["pytorch-fid get_activations (in-process)"] = n / (time.perf_counter() - t0)
    return reference


@pytest.fixture(scope="module")
def onnx_inception(onnx_inception_graph):
    return inception_onnx.OnnxInception(onnx_inception_graph, threads=torch.get_num_threads())


@pytest.fixture(scope="module")
def onnx_features(onnx_inception, image_sets):
    t0 = time.perf_counter()
    feats = onnx_inception.features(image_sets["a"], batch_size=50)
    SPEED["ours (inception_features, onnxruntime)"] = N_PER_SET / (time.perf_counter() - t0)
    return feats


@needs_weights
def test_features_equal_pytorch_fid_reference_path(our_features, reference_features):
    """Our uint8 fast path (torch backend) vs pytorch-fid's own path."""
    assert our_features[0].dtype == np.float64 and our_features[0].shape == (N_PER_SET, 2048)
    ours = our_features[0][: len(reference_features)]
    diff = np.abs(ours - reference_features).max()
    print(f"\nmax |features ours - pytorch-fid| = {diff:.2e}")
    assert diff < FEATURE_TOLERANCE


@needs_weights
def test_onnxruntime_features_equal_pytorch_fid_reference_path(onnx_features, reference_features):
    """The exported graph run by ONNX Runtime (the CPU default) vs pytorch-fid's own path."""
    assert onnx_features.dtype == np.float64 and onnx_features.shape == (N_PER_SET, 2048)
    diff = np.abs(onnx_features[: len(reference_features)] - reference_features).max()
    print(f"\nmax |features onnxruntime - pytorch-fid| = {diff:.2e}")
    assert diff < FEATURE_TOLERANCE


@needs_weights
def test_onnxruntime_features_are_repeatable_and_batch_independent(onnx_inception, onnx_features):
    images = np.random.default_rng(5).integers(0, 256, size=(6, 32, 32, 3), dtype=np.uint8)
    once = onnx_inception.features(images, batch_size=4)
    again = onnx_inception.features(images, batch_size=4)
    np.testing.assert_array_equal(once, again)  # same config, same numbers
    whole = onnx_inception.features(images, batch_size=6)
    assert np.abs(whole - once).max() < FEATURE_TOLERANCE


@needs_weights
@pytest.mark.parametrize(("size", "channels"), [(28, 1), (64, 3)])
def test_onnxruntime_graph_takes_other_sizes_like_pytorch_fid(onnx_inception, size, channels):
    """The graph's resize to 299 x 299 is dynamic: Fashion-MNIST (28x28 grey) and 64x64 folders."""
    images = np.random.default_rng(size).integers(0, 256, (3, size, size, channels), np.uint8)
    exact = fid.load_inception(WEIGHTS, CPU, fast=False)  # pytorch-fid's network, untouched
    expected = fid.inception_features(exact, images, device=CPU)
    got = onnx_inception.features(images)
    assert np.abs(got - expected).max() < FEATURE_TOLERANCE


def test_features_backend_resolution():
    assert inception_onnx.resolve_backend("auto", CPU) == "onnxruntime"
    assert inception_onnx.resolve_backend("auto", torch.device("cuda")) == "torch"
    assert inception_onnx.resolve_backend("auto", torch.device("mps")) == "torch"
    assert inception_onnx.resolve_backend("torch", CPU) == "torch"
    with pytest.raises(ValueError, match="fid.backend"):
        inception_onnx.resolve_backend("onnxruntime", torch.device("cuda"))
    with pytest.raises(ValueError, match="unknown FID features backend"):
        inception_onnx.resolve_backend("tensorrt", CPU)
    assert inception_onnx.backend_label("onnxruntime").startswith("onnxruntime 1.")
    assert inception_onnx.backend_label("torch").startswith(f"torch {torch.__version__[:4]}")


def test_missing_onnx_graph_says_how_to_build_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="export_inception_onnx"):
        inception_onnx.OnnxInception(tmp_path / "absent.onnx")


@needs_weights
def test_onnxruntime_input_is_pytorch_fids_and_checked(onnx_inception):
    """The numpy conversion is bit-for-bit torch's ToTensor (uint8 / 255 in float32)."""
    every_value = np.arange(256, dtype=np.uint8)
    ours = every_value.astype(np.float32) / np.float32(255)
    theirs = torch.from_numpy(every_value).to(torch.float32).div(255).numpy()
    np.testing.assert_array_equal(ours, theirs)
    with pytest.raises(TypeError, match="uint8"):
        onnx_inception.features(np.zeros((2, 32, 32, 3), np.float32))
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        onnx_inception.features(np.zeros((2, 32, 32, 4), np.uint8))


@needs_weights
def test_onnx_features_job_runs_without_torch(onnx_inception, image_sets, tmp_path):
    """The CPU features job (device auto, backend auto) imports neither torch nor pytorch-fid on
    a machine without GPU drivers, and writes the same features as the in-process session."""
    images = tmp_path / "images.npz"
    np.savez(images, images=image_sets["a"][:4], labels=np.zeros(4, np.int64))
    out = tmp_path / "features.npz"
    graph = onnx_inception.path
    code = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; import features; "
        "features.main(images=sys.argv[3], weights=sys.argv[4], features=sys.argv[5], "
        "batch_size=4, device='auto', threads=1, backend='auto', onnx=sys.argv[6]); "
        "print(sorted(m for m in ('torch', 'pytorch_fid', 'torchvision') if m in sys.modules))"
    )
    args = [str(REPO / "lib"), str(REPO / "scripts"), str(images), str(WEIGHTS), str(out)]
    proc = subprocess.run(
        [sys.executable, "-c", code, *args, str(graph)], capture_output=True, text=True, check=True
    )
    if gdevice.certainly_cpu("auto"):
        assert proc.stdout.strip() == "[]"
    else:  # a GPU driver is present: torch must be asked which device "auto" is
        assert "pytorch_fid" not in proc.stdout
    with np.load(out) as f:
        assert str(f["backend"]).startswith("onnxruntime")
        np.testing.assert_array_equal(f["features"], onnx_inception.features(image_sets["a"][:4]))
        # the code that made them: data arrays record none, so only this job's
        (code,) = json.loads(str(f["code"]))
        # (modules by their names before the package's layers: ganrepro.provenance.MOVED)
        assert code["stage"] == "features" and "ganrepro.metrics.inception_onnx" in code["modules"]


def test_certainly_cpu_only_when_no_gpu_driver_can_exist(monkeypatch):
    assert gdevice.certainly_cpu("cpu") and gdevice.certainly_cpu(" CPU ")
    assert not gdevice.certainly_cpu("cuda") and not gdevice.certainly_cpu("mps")
    monkeypatch.setattr(gdevice.platform, "system", lambda: "Linux")
    monkeypatch.setattr(gdevice.os.path, "exists", lambda path: False)
    assert gdevice.certainly_cpu("auto")
    monkeypatch.setattr(gdevice.os.path, "exists", lambda path: path == "/proc/driver/nvidia")
    assert not gdevice.certainly_cpu("auto")
    monkeypatch.setattr(gdevice.os.path, "exists", lambda path: False)
    monkeypatch.setattr(gdevice.platform, "system", lambda: "Darwin")  # MPS: ask torch
    assert not gdevice.certainly_cpu("auto")


@needs_weights
def test_features_do_not_depend_on_batch_size(inception, image_sets, our_features):
    n = 6  # batches of 4 + 2: a different batch size and a ragged last batch
    small_batches = fid.inception_features(inception, image_sets["a"][:n], batch_size=4, device=CPU)
    assert np.abs(small_batches - our_features[0][:n]).max() < FEATURE_TOLERANCE


@needs_weights
def test_grey_images_are_scored_as_rgb(inception, image_sets):
    grey = image_sets["a"][:2].mean(axis=-1, keepdims=True).round().astype(np.uint8)
    from_grey = fid.inception_features(inception, grey, device=CPU)
    from_rgb = fid.inception_features(inception, np.repeat(grey, 3, axis=-1), device=CPU)
    np.testing.assert_allclose(from_grey, from_rgb, rtol=0, atol=FEATURE_TOLERANCE)


@needs_weights
def test_inception_features_rejects_float_images(inception):
    with pytest.raises(TypeError, match="uint8"):
        fid.inception_features(inception, np.zeros((2, 32, 32, 3), np.float32), device=CPU)
    with pytest.raises(ValueError, match=r"\(N, H, W, C\)"):
        fid.inception_features(inception, np.zeros((2, 32, 32, 4), np.uint8), device=CPU)


@needs_weights
def test_load_inception_uses_the_given_file(inception):
    state = torch.load(WEIGHTS, map_location="cpu", weights_only=True)
    exact = fid.load_inception(WEIGHTS, CPU, fast=False)
    assert torch.equal(exact.blocks[0][0].conv.weight, state["Conv2d_1a_3x3.conv.weight"])
    assert not inception.training and not exact.training
    # the fast model: BatchNorm folded into the convolution, w * gamma / sqrt(var + eps)
    bn = {k: state[f"Conv2d_1a_3x3.bn.{k}"] for k in ("weight", "bias", "running_mean")}
    scale = bn["weight"] / torch.sqrt(state["Conv2d_1a_3x3.bn.running_var"] + 1e-3)
    first = inception.blocks[0][0]
    assert isinstance(first.bn, torch.nn.Identity)
    torch.testing.assert_close(
        first.conv.weight, state["Conv2d_1a_3x3.conv.weight"] * scale[:, None, None, None]
    )
    torch.testing.assert_close(first.conv.bias, bn["bias"] - bn["running_mean"] * scale)
    assert first.conv.weight.is_contiguous(memory_format=torch.channels_last)


# --------------------------------------------------------------------------- the distance itself


def _independent_frechet(mu1, s1, mu2, s2) -> float:
    """||mu1-mu2||^2 + Tr(S1 + S2 - 2 (S1 S2)^1/2), via symmetric eigendecompositions (no sqrtm):
    Tr((S1 S2)^1/2) = Tr((S1^1/2 S2 S1^1/2)^1/2) = sum of sqrt of that PSD matrix's eigenvalues."""
    w, v = linalg.eigh(s1)
    s1_half = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    inner = linalg.eigvalsh(s1_half @ s2 @ s1_half)
    diff = mu1 - mu2
    return float(
        diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.sqrt(np.clip(inner, 0, None)).sum()
    )


def _gaussian_sample(rng, n, dims, shift):
    a = rng.normal(size=(dims, dims))
    return rng.normal(size=(n, dims)) @ a + shift


@pytest.mark.parametrize("method", fid.FRECHET_METHODS)
def test_frechet_distance_matches_independent_computation(method):
    rng = np.random.default_rng(0)
    x = _gaussian_sample(rng, 500, 8, 0.0)
    y = _gaussian_sample(rng, 500, 8, 0.7)
    mx, sx = fid.statistics(x)
    my, sy = fid.statistics(y)
    ours = fid.frechet_distance(mx, sx, my, sy, method=method)
    assert isinstance(ours, float)
    assert ours > 1.0
    assert ours == pytest.approx(_independent_frechet(mx, sx, my, sy), rel=1e-8)


@pytest.mark.parametrize("method", fid.FRECHET_METHODS)
def test_frechet_distance_of_diagonal_gaussians_is_the_closed_form(method):
    """Commuting (diagonal) covariances: FID = |mu1 - mu2|^2 + sum_i (sqrt(a_i) - sqrt(b_i))^2."""
    rng = np.random.default_rng(3)
    a, b = rng.uniform(0.1, 4.0, 16), rng.uniform(0.1, 4.0, 16)
    mu1, mu2 = rng.normal(size=16), rng.normal(size=16)
    expected = ((mu1 - mu2) ** 2).sum() + ((np.sqrt(a) - np.sqrt(b)) ** 2).sum()
    got = fid.frechet_distance(mu1, np.diag(a), mu2, np.diag(b), method=method)
    assert got == pytest.approx(expected, rel=1e-10)


def test_eigh_frechet_equals_pytorch_fids_on_singular_covariances():
    """Fewer samples than dimensions, as in small-budget runs: both covariances are singular."""
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(20, 64)) ** 2, rng.normal(size=(30, 64)) + 0.2
    stats = (*fid.statistics(x), *fid.statistics(y))
    eigh = fid.frechet_distance(*stats, method="eigh")
    assert eigh == pytest.approx(fid.frechet_distance(*stats, method="pytorch_fid"), abs=1e-6)


@pytest.mark.parametrize(("n", "method"), [(20, "eigh"), (20, "pytorch_fid"), (100, "eigh")])
def test_fid_from_features_equals_fid_from_their_statistics(n, method):
    """The N x N shortcut for N <= dims (n=20 of 64 dims) and the full path (n=100) both give
    the distance between the features' own statistics and the reference."""
    rng = np.random.default_rng(5)
    feats, ref = rng.normal(size=(n, 64)) ** 2, rng.normal(size=(80, 64)) + 0.3
    ref_stats = fid.statistics(ref)
    expected = fid.frechet_distance(*fid.statistics(feats), *ref_stats, method="pytorch_fid")
    got = fid.frechet_distance_to_features(feats, *ref_stats, method=method)
    assert got == pytest.approx(expected, rel=1e-7) and got > 1.0


def test_frechet_module_does_not_import_torch():
    """The fid rule's jobs start without torch (seconds per job in a many-run grid)."""
    code = "import sys, ganrepro.evaluation.metrics.frechet; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_frechet_distance_rejects_unknown_method_and_mismatched_sizes():
    mu, sigma = np.zeros(4), np.eye(4)
    with pytest.raises(ValueError, match="unknown Fréchet method 'sqrtm'"):
        fid.frechet_distance(mu, sigma, mu, sigma, method="sqrtm")
    with pytest.raises(ValueError, match="same feature layer"):
        fid.frechet_distance(mu, sigma, np.zeros(3), np.eye(3))


@pytest.mark.parametrize("method", fid.FRECHET_METHODS)
def test_frechet_distance_of_identical_statistics_is_zero(method):
    rng = np.random.default_rng(1)
    mu, sigma = fid.statistics(_gaussian_sample(rng, 200, 8, 0.3))
    assert abs(fid.frechet_distance(mu, sigma, mu, sigma, method=method)) < 1e-8


def test_statistics_are_pytorch_fids():
    feats = np.random.default_rng(2).normal(size=(30, 5))
    mu, sigma = fid.statistics(feats)
    np.testing.assert_array_equal(mu, np.mean(feats, axis=0))
    np.testing.assert_array_equal(sigma, np.cov(feats, rowvar=False))
    with pytest.raises(ValueError, match="N >= 2"):
        fid.statistics(feats[:1])


def test_statistics_file_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    mu, sigma = rng.normal(size=4), rng.normal(size=(4, 4))
    path = tmp_path / "stats" / "ref.npz"
    fid.save_statistics(path, mu, sigma, n_images=np.int64(7))
    assert [p.name for p in path.parent.iterdir()] == ["ref.npz"]  # no temporary left behind
    mu2, sigma2 = fid.load_statistics(path)
    np.testing.assert_array_equal(mu2, mu)
    np.testing.assert_array_equal(sigma2, sigma)
    with np.load(path) as f:
        assert int(f["n_images"]) == 7
    np.savez(tmp_path / "other.npz", mean=mu)
    with pytest.raises(KeyError, match="mu"):
        fid.load_statistics(tmp_path / "other.npz")
    with pytest.raises(FileNotFoundError):
        fid.load_statistics(tmp_path / "absent.npz")


# --------------------------------------------------------------------------- weights, protocol


def test_weights_filename_is_pytorch_fids():
    from pytorch_fid.inception import FID_WEIGHTS_URL

    assert fid.FID_WEIGHTS_FILENAME == "pt_inception-2015-12-05-6726825d.pth"
    assert FID_WEIGHTS_URL.endswith("/" + fid.FID_WEIGHTS_FILENAME)


def test_missing_weights_says_how_to_provide_them(tmp_path):
    import torch.hub

    hub_before = torch.hub.get_dir()
    with pytest.raises(FileNotFoundError) as info:
        fid.load_inception(tmp_path / fid.FID_WEIGHTS_FILENAME, CPU)
    message = str(info.value)
    assert str(tmp_path) in message
    assert "fid.weights" in message
    assert "fetch" in message
    assert f"shared/weights/{fid.FID_WEIGHTS_FILENAME}" in message
    assert torch.hub.get_dir() == hub_before


def test_covariance_warning():
    text = fid.covariance_warning(40)
    assert text is not None
    assert "singular" in text and "40" in text and "biased upward" in text
    assert "same number of images" in text
    assert fid.covariance_warning(2048) is not None
    assert fid.covariance_warning(2049) is None
    assert fid.covariance_warning(10_000) is None
    assert fid.covariance_warning(100, dims=64) is None
    assert "64-d" in fid.covariance_warning(50, dims=64)


@needs_weights
def test_fid_protocol_records_what_makes_fids_comparable(monkeypatch):
    import pytorch_fid

    reference = {
        "dataset": "cifar10",
        "split": "test",
        "n_images": 10_000,
        "stats": "results/ref/cifar10-test.npz",
    }
    protocol = fid.fid_protocol(
        n_generated=500, reference=reference, weights_path=WEIGHTS, device=CPU
    )
    assert protocol["metric"] == "FID"
    assert protocol["implementation"] == (
        f"pytorch-fid {pytorch_fid.__version__} InceptionV3 pool3 (2048-d)"
    )
    assert protocol["n_generated"] == 500
    assert protocol["frechet"] == "eigh"
    assert protocol["reference"] == reference
    assert protocol["weights"] == {"file": WEIGHTS.name, "sha256": sha256_file(WEIGHTS)}
    assert torch.__version__.startswith(protocol["torch"])  # the installed torch (+ local tag)
    assert len(protocol["warnings"]) == 1 and "generated" in protocol["warnings"][0]

    # The ~95 MB file is hashed once per process.
    def no_rehash(path, *args, **kwargs):
        raise AssertionError("weights file hashed twice")

    monkeypatch.setattr(frechet, "sha256_file", no_rehash)
    again = fid.fid_protocol(
        n_generated=20_000,
        reference={**reference, "n_images": 40},
        weights_path=WEIGHTS,
        device=CPU,
    )
    assert again["weights"] == protocol["weights"]
    assert len(again["warnings"]) == 1 and "reference" in again["warnings"][0]

    same = {"generated": "onnxruntime 1.32.0", "reference": "onnxruntime 1.32.0"}
    kwargs = dict(n_generated=5000, reference=reference, weights_path=WEIGHTS, device=CPU)
    protocol = fid.fid_protocol(**kwargs, features_backend=same)
    assert protocol["features_backend"] == same and protocol["warnings"] == []
    mixed = {**same, "reference": "torch 2.14.1"}
    protocol = fid.fid_protocol(**kwargs, features_backend=mixed)
    assert len(protocol["warnings"]) == 1 and "different backends" in protocol["warnings"][0]


# --------------------------------------------------------------------------- device


def test_resolve_device_auto_prefers_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(gdevice, "_mps_available", lambda: False)
    assert gdevice.resolve_device() == torch.device("cpu")
    assert gdevice.resolve_device("cpu") == torch.device("cpu")
    monkeypatch.setattr(gdevice, "_mps_available", lambda: True)
    assert gdevice.resolve_device("auto") == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert gdevice.resolve_device("AUTO") == torch.device("cuda")


@pytest.mark.parametrize("name", ["cuda", "cuda:0", "mps"])
def test_resolve_device_unavailable_accelerator_is_a_clear_error(monkeypatch, name):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(gdevice, "_mps_available", lambda: False)
    with pytest.raises(RuntimeError, match="'auto' or 'cpu'"):
        gdevice.resolve_device(name)


def test_resolve_device_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown device"):
        gdevice.resolve_device("gpu0")


def test_configure_threads():
    before = torch.get_num_threads()
    try:
        gdevice.configure_threads(1)
        assert torch.get_num_threads() == 1
        gdevice.configure_threads(None)
        assert torch.get_num_threads() == 1
        with pytest.raises(ValueError):
            gdevice.configure_threads(0)
    finally:
        torch.set_num_threads(before)


def test_cuda_kernels_are_float32_for_features_and_untouched_on_cpu():
    """The flags are plain settings, so this runs without a GPU; they are restored after."""
    cudnn, matmul = torch.backends.cudnn, torch.backends.cuda.matmul
    saved = cudnn.benchmark, cudnn.allow_tf32, matmul.allow_tf32
    try:
        cudnn.benchmark, cudnn.allow_tf32 = False, True
        gdevice.configure_kernels(torch.device("cpu"), exact_float32=True)
        assert not cudnn.benchmark and cudnn.allow_tf32
        gdevice.configure_kernels(torch.device("cuda"), exact_float32=False)  # training
        assert cudnn.benchmark and cudnn.allow_tf32
        gdevice.configure_kernels(torch.device("cuda", 0), exact_float32=True)  # FID features
        assert not cudnn.allow_tf32 and not matmul.allow_tf32
    finally:
        cudnn.benchmark, cudnn.allow_tf32, matmul.allow_tf32 = saved
