"""The analyses (ganrepro.evaluation.analyses.<name>.compute, what each analysis rule runs) called
as the workflow calls them, by name, on tiny inputs built here: a generator trained for a few steps
by ganrepro.training.train.Trainer on random images, feature files with made-up features, data
arrays. No
Inception runs here (features are what the analyses read); the table's script runs on their
outputs, and the wiring of the rules is checked with dry runs.
"""

from __future__ import annotations

import base64
import io
import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
try:
    import ganrepro  # noqa: F401
except ImportError:
    sys.path.insert(0, str(REPO / "lib"))

import analysis_table as table_script  # noqa: E402
import sample as sample_script  # noqa: E402
from ganrepro.data import ImageArrays, save_arrays, stratified_indices  # noqa: E402
from ganrepro.evaluation.analyses import (  # noqa: E402
    diversity,
    evolution,
    interpolation,
    inversion,
    kid,
    memorisation,
    prdc,
)
from ganrepro.evaluation.analyses import inception_score as is_analysis  # noqa: E402
from ganrepro.evaluation.analysis import table_analyses  # noqa: E402
from ganrepro.evaluation.metrics.inception_score import inception_score  # noqa: E402
from ganrepro.evaluation.metrics.kid import kernel_inception_distance  # noqa: E402
from ganrepro.io import save_torch, sha256_file, write_npz  # noqa: E402
from ganrepro.training.generate import load_generator  # noqa: E402
from ganrepro.training.latent import interpolation_path  # noqa: E402
from ganrepro.training.noise import fixed_noise  # noqa: E402
from ganrepro.training.train import Trainer, TrainSettings  # noqa: E402
from workflow_cli import local_config, snakemake  # noqa: E402

SHARED = REPO.parent / "shared"
WEIGHTS = SHARED / "weights" / "pt_inception-2015-12-05-6726825d.pth"
DIM = 32  # feature dimension of the made-up features (the scripts do not assume 2048)
SHA = "ab" * 32
REF = {"dataset": "toy", "split": "test"}


def _data(n, seed, classes=4):
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
    return ImageArrays(images, np.arange(n) % classes, [f"c{i}" for i in range(classes)])


def _kid_args(features, reference_features, score, subset_size=30, seed=0):
    """The kid rule's entries, by name, for run "r" at epoch 2 against REF."""
    return dict(
        features=features,
        reference_features=reference_features,
        score=score,
        run="r",
        epoch=2,
        reference=REF,
        kid_subset_size=subset_size,
        seed=seed,
    )


def _diversity_args(samples, real, score, seed=0):
    return dict(samples=samples, real=real, score=score, run="r", epoch=2, reference=REF, seed=seed)


def _features(path, feats, status="ok", labels=None, sha=SHA):
    arrays = {"features": feats, "status": np.array(status)}
    if status == "ok":
        arrays["weights_sha256"] = np.array(sha)
        arrays["labels"] = np.zeros(len(feats), np.int64) if labels is None else labels
    write_npz(path, **arrays)
    return path


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """Data splits, two checkpoints (epochs 1, 2) of a tiny DCGAN, and its samples."""
    root = tmp_path_factory.mktemp("tiny")
    train, test = _data(40, 0), _data(20, 1)
    save_arrays(root / "train.npz", train)
    save_arrays(root / "test.npz", test)
    settings = TrainSettings(
        model="dcgan", latent_dim=8, width=8, batch_size=10, epochs=2, eval_epochs=(1, 2)
    )
    trainer = Trainer(
        settings,
        train,
        seed=3,
        device=torch.device("cpu"),
        state_dir=root / "state",
        log=io.StringIO(),
    )
    ckpts = []
    for epoch in (1, 2):
        trainer.run(until=epoch)
        ckpts.append(root / f"epoch{epoch:04d}.pt")
        save_torch(ckpts[-1], trainer.checkpoint())
    sample_script.main(
        checkpoint=ckpts[-1],
        samples=root / "samples.npz",
        grid=root / "samples.png",
        n=30,
        seed=5,
        device="cpu",
    )
    return {"root": root, "train": train, "test": test, "ckpts": ckpts, "seed": 3}


# --------------------------------------------------------------------------------------- KID


def test_kid_writes_the_kid_of_the_cached_features_with_its_protocol(tmp_path):
    rng = np.random.default_rng(0)
    gen = _features(tmp_path / "gen.npz", rng.normal(0.5, 1, size=(40, DIM)))
    ref = _features(tmp_path / "ref.npz", rng.normal(0, 1, size=(60, DIM)))
    kid.compute(**_kid_args(gen, ref, tmp_path / "kid.json", seed=1), kid_subsets=20)
    out = json.loads((tmp_path / "kid.json").read_text())
    assert [c["stage"] for c in out["code"]] == ["kid"]
    assert "ganrepro.metrics.kid" in out["code"][0]["modules"]
    with np.load(gen) as g, np.load(ref) as r:
        expected = kernel_inception_distance(
            g["features"], r["features"], subsets=20, subset_size=30, seed=1
        )
    assert out["status"] == "ok" and out["kid"] == pytest.approx(expected["kid"])
    assert out["kid"] > 3 * out["kid_std"] / np.sqrt(20)  # a shifted distribution is detected
    p = out["protocol"]
    assert (p["n_generated"], p["reference"]["n_images"], p["weights_sha256"]) == (40, 60, SHA)
    assert p["reference"]["split"] == "test" and (p["subsets"], p["subset_size"]) == (20, 30)

    diverged = _features(tmp_path / "div.npz", np.zeros((0, DIM)), status="diverged")
    kid.compute(**_kid_args(diverged, ref, tmp_path / "kid2.json"), kid_subsets=20)
    out = json.loads((tmp_path / "kid2.json").read_text())
    assert out["status"] == "diverged" and out["kid"] is None

    other = _features(tmp_path / "other.npz", rng.normal(size=(40, DIM)), sha="cd" * 32)
    with pytest.raises(ValueError, match="different Inception weights"):
        kid.compute(**_kid_args(other, ref, tmp_path / "kid3.json"), kid_subsets=20)


# ------------------------------------------------------------------------------ Inception Score


@pytest.mark.skipif(not WEIGHTS.is_file(), reason="offline FID weights not found")
def test_inception_score_refuses_the_offline_weights(tmp_path):
    feats = _features(
        tmp_path / "gen.npz",
        np.random.default_rng(0).normal(size=(30, 2048)),
        sha=sha256_file(WEIGHTS),
    )
    log = tmp_path / "is.log"
    is_analysis.compute(
        features=feats,
        weights=WEIGHTS,
        score=tmp_path / "is.json",
        run="r",
        epoch=2,
        is_splits=10,
        seed=0,
        log=log,
    )
    out = json.loads((tmp_path / "is.json").read_text())
    assert out["inception_score"] is None and out["inception_score_std"] is None
    assert out["status"] == "unavailable" and "all-zero classifier" in out["reason"]
    assert "REFUSED" in log.read_text()


def test_inception_score_scores_with_a_real_classifier(tmp_path):
    g = torch.Generator().manual_seed(0)
    weights = tmp_path / "w.pth"
    fc = torch.randn(1008, DIM, generator=g, dtype=torch.float64)
    torch.save({"fc.weight": fc, "fc.bias": torch.zeros(1008)}, weights)
    feats = np.random.default_rng(1).normal(size=(50, DIM))
    path = _features(tmp_path / "gen.npz", feats, sha=sha256_file(weights))
    is_analysis.compute(
        features=path,
        weights=weights,
        score=tmp_path / "is.json",
        run="r",
        epoch=2,
        is_splits=5,
        seed=4,
    )
    out = json.loads((tmp_path / "is.json").read_text())
    expected = inception_score(feats @ fc.numpy().T, splits=5, seed=4)
    assert out["status"] == "ok" and out["reason"] is None
    assert out["inception_score"] == pytest.approx(expected["inception_score"])
    assert out["inception_score"] > 1.5
    assert out["protocol"]["splits"] == 5 and out["protocol"]["n_generated"] == 50


# ---------------------------------------------------------------------------------- diversity


def test_diversity_compares_samples_with_real_images(tiny, tmp_path):
    root = tiny["root"]
    diversity.compute(
        **_diversity_args(root / "samples.npz", root / "test.npz", tmp_path / "d.json"),
        diversity_pairs=50,
    )
    out = json.loads((tmp_path / "d.json").read_text())
    gen, real = out["generated"], out["real"]
    assert 0 < gen["ms_ssim"] < 1 and 0 <= real["ms_ssim"] < 0.2  # noise images: unrelated
    assert gen["pairs"] == real["pairs"] == 50 and gen["n_images"] == 30
    assert out["protocol"]["ms_ssim"]["window"] == 7
    assert out["protocol"]["reference"]["n_images"] == 20

    with np.load(root / "samples.npz") as f:  # a collapsed generator: one image, 30 times
        arrays = dict(f)
    arrays["images"] = np.repeat(arrays["images"][:1], 30, axis=0)
    write_npz(tmp_path / "collapsed.npz", **arrays)
    diversity.compute(
        **_diversity_args(tmp_path / "collapsed.npz", root / "test.npz", tmp_path / "c.json"),
        diversity_pairs=50,
    )
    collapsed = json.loads((tmp_path / "c.json").read_text())["generated"]["ms_ssim"]
    assert collapsed == pytest.approx(1.0) and collapsed > gen["ms_ssim"]


# ------------------------------------------------------------------------------ memorisation


def test_memorisation_finds_the_training_images_a_sample_copies(tiny, tmp_path):
    root, train = tiny["root"], tiny["train"]
    rng = np.random.default_rng(0)
    n_train = 24  # the first 24 training images (stratified), as reference_features takes them
    idx = stratified_indices(train.labels, n_train)
    train_feats = rng.normal(size=(n_train, DIM))
    _features(tmp_path / "train.npz", train_feats, labels=train.labels[idx])
    _features(tmp_path / "test.npz", rng.normal(size=(20, DIM)))
    # generated: 10 near-copies of training rows 5..14, and their images
    copied = np.arange(5, 15)
    _features(tmp_path / "gen.npz", train_feats[copied] + rng.normal(0, 1e-3, size=(10, DIM)))
    write_npz(
        tmp_path / "samples.npz",
        images=train.images[idx[copied]],
        labels=np.full(10, -1),
        status=np.array("ok"),
        message=np.array(""),
    )
    out = {
        "score": tmp_path / "m.json",
        "neighbours": tmp_path / "nn.png",
        "distances": tmp_path / "dist.png",
    }
    args = dict(
        features=tmp_path / "gen.npz",
        samples=tmp_path / "samples.npz",
        train_features=tmp_path / "train.npz",
        train_data=root / "train.npz",
        test_features=tmp_path / "test.npz",
        **out,
        run="r",
        epoch=2,
        dataset="toy",
        train_reference_images=n_train,
        memorisation_grid=4,
        memorisation_neighbours=3,
    )
    memorisation.compute(**args)
    res = json.loads(out["score"].read_text())
    assert res["summary"]["ratio"] < 0.01 and res["summary"]["close_fraction"] == 1.0
    assert [row["train_indices"][0] for row in res["grid"]] == idx[copied[:4]].tolist()
    assert len(res["generated_to_train"]) == 10 and len(res["test_to_train"]) == 20
    assert res["protocol"]["n_train"] == n_train
    assert res["protocol"]["reference"] == {"dataset": "toy", "split": "train", "n_images": 24}
    for png in (out["neighbours"], out["distances"]):
        assert Image.open(png).size[0] > 100

    _features(tmp_path / "wrong.npz", train_feats, labels=np.zeros(n_train, np.int64))
    with pytest.raises(ValueError, match="does not match the images"):
        memorisation.compute(**{**args, "train_features": tmp_path / "wrong.npz"})


# ------------------------------------------------------------------------ generator pictures


def test_evolution_renders_the_same_latents_at_every_checkpoint(tiny, tmp_path, monkeypatch):
    captured = {}
    real_rows = evolution.image_rows
    monkeypatch.setattr(
        evolution,
        "image_rows",
        lambda rows, path, **kw: captured.update(rows=rows, **kw) or real_rows(rows, path, **kw),
    )
    out = {k: tmp_path / f"evolution.{k}" for k in ("figure", "gif", "html")}
    evolution.compute(
        checkpoints=tiny["ckpts"],
        epochs=[1, 2],
        **out,
        run="r",
        run_seed=tiny["seed"],
        evolution_images=6,
        device="cpu",
    )
    rows = captured["rows"]
    assert captured["row_labels"] == ["epoch 1", "epoch 2"] and rows[0].shape[0] == 6
    z, _ = fixed_noise(8, 64, tiny["seed"])
    for ckpt, row in zip(tiny["ckpts"], rows, strict=True):
        with torch.no_grad():
            torch.testing.assert_close(row, load_generator(ckpt)(z[:6]))
    assert not torch.allclose(rows[0], rows[1])  # training changed G
    gif = Image.open(out["gif"])
    assert gif.format == "GIF" and gif.n_frames == 2
    html = out["html"].read_text()
    b64 = re.search(r"data:image/gif;base64,([A-Za-z0-9+/=]+)", html).group(1)
    assert base64.b64decode(b64) == out["gif"].read_bytes()


def test_interpolation_draws_linear_and_slerp_paths_between_the_same_ends(
    tiny, tmp_path, monkeypatch
):
    captured = {}
    monkeypatch.setattr(
        interpolation,
        "image_rows",
        lambda rows, path, **kw: captured.update(rows=rows, **kw),
    )
    interpolation.compute(
        checkpoint=tiny["ckpts"][-1],
        figure=tmp_path / "i.png",
        run="r",
        epoch=2,
        interpolation_pairs=2,
        interpolation_steps=5,
        seed=9,
        device="cpu",
    )
    rows, labels = captured["rows"], captured["row_labels"]
    assert labels == ["pair 0 linear", "pair 0 slerp", "pair 1 linear", "pair 1 slerp"]
    G = load_generator(tiny["ckpts"][-1])
    z = torch.randn(2, 2, 8, generator=torch.Generator().manual_seed(9))
    with torch.no_grad():
        for p in range(2):
            lin, sph = rows[2 * p], rows[2 * p + 1]
            torch.testing.assert_close(lin[[0, -1]], G(z[p]))  # both paths end at G(z1), G(z2)
            torch.testing.assert_close(sph[[0, -1]], G(z[p]))
            torch.testing.assert_close(sph, G(interpolation_path(z[p, 0], z[p, 1], 5, "slerp")))
            assert not torch.allclose(lin[2], sph[2])


def test_inversion_reports_errors_per_image_and_morphs(tiny, tmp_path, monkeypatch):
    figures = []
    real_rows = inversion.image_rows
    monkeypatch.setattr(
        inversion,
        "image_rows",
        lambda rows, path, **kw: figures.append(rows) or real_rows(rows, path, **kw),
    )
    out = {
        "score": tmp_path / "inv.json",
        "table": tmp_path / "inv.csv",
        "figure": tmp_path / "inv.png",
        "morph": tmp_path / "morph.png",
    }
    root = tiny["root"]
    args = dict(
        checkpoint=tiny["ckpts"][-1],
        test_data=root / "test.npz",
        **out,
        run="r",
        epoch=2,
        inversion_starts=3,
        inversion_steps=40,
        inversion_lr=0.05,
        interpolation_steps=4,
        seed=0,
        device="cpu",
    )
    inversion.compute(**args, inversion_indices=[3, 0, 7])
    res = json.loads(out["score"].read_text())
    assert [c["stage"] for c in res["code"]] == ["inversion"]
    # code versions name modules as they were named before the package's layers
    assert {"ganrepro.latent", "ganrepro.generate"} <= set(res["code"][0]["modules"])
    table = pd.read_csv(out["table"])
    assert [im["index"] for im in res["images"]] == [3, 0, 7] == table["index"].tolist()
    for im in res["images"]:
        assert im["mse"] == pytest.approx(min(im["final_mse"]))
        assert im["best_start"] == int(np.argmin(im["final_mse"]))
        assert im["mse"] < min(im["initial_mse"])
        assert im["psnr_db"] == pytest.approx(10 * np.log10(4 / im["mse"]))
    np.testing.assert_allclose(table.psnr_db, [im["psnr_db"] for im in res["images"]])
    assert table.label.tolist() == ["c3", "c0", "c3"]
    assert res["protocol"]["starts"] == 3 and res["protocol"]["indices"] == [3, 0, 7]
    # morph rows: real image, 4 generated steps, real image, for pairs (3, 0) and (0, 7)
    morph = figures[1]
    test_imgs = torch.from_numpy(tiny["test"].images).permute(0, 3, 1, 2).float() / 127.5 - 1
    assert len(morph) == 2 and morph[0].shape[0] == 6
    torch.testing.assert_close(morph[0][0], test_imgs[3])
    torch.testing.assert_close(morph[1][-1], test_imgs[7])

    with pytest.raises(ValueError, match="analysis.inversion_indices"):
        inversion.compute(**args, inversion_indices=[20])


# ------------------------------------------------------------------------------------- table


def test_analysis_table_puts_every_number_beside_its_protocol(tiny, tmp_path):
    rng = np.random.default_rng(0)
    gen = _features(tmp_path / "gen.npz", rng.normal(size=(30, DIM)))
    ref = _features(tmp_path / "ref.npz", rng.normal(size=(30, DIM)))
    kid.compute(**_kid_args(gen, ref, tmp_path / "kid.json", subset_size=20), kid_subsets=10)
    prdc.compute(
        features=gen,
        reference_features=ref,
        score=tmp_path / "prdc.json",
        run="r",
        epoch=2,
        reference=REF,
        prdc_k=3,
        prdc_max_samples=25,
        seed=0,
    )
    zero = tmp_path / "zero.pth"
    torch.save({"fc.weight": torch.zeros(1008, DIM)}, zero)
    _features(tmp_path / "gen_is.npz", rng.normal(size=(30, DIM)), sha=sha256_file(zero))
    is_analysis.compute(
        features=tmp_path / "gen_is.npz",
        weights=zero,
        score=tmp_path / "inception_score.json",
        run="r",
        epoch=2,
        is_splits=10,
        seed=0,
    )
    root = tiny["root"]
    diversity.compute(
        **_diversity_args(root / "samples.npz", root / "test.npz", tmp_path / "diversity.json"),
        diversity_pairs=20,
    )
    mem = {
        "status": "ok",
        "summary": {"ratio": 0.9, "close_fraction": 0.0},
        "protocol": {
            "n_generated": 30,
            "n_train": 24,
            "weights_sha256": SHA,
            "reference": {"dataset": "toy", "split": "train", "n_images": 24},
        },
    }
    (tmp_path / "memorisation.json").write_text(json.dumps(mem))
    inv = {
        "status": "ok",
        "images": [{"psnr_db": 10.0}, {"psnr_db": 14.0}],
        "protocol": {"indices": [0, 1], "starts": 2, "steps": 5},
    }
    (tmp_path / "inversion.json").write_text(json.dumps(inv))
    table_script.main(
        scores=[tmp_path / f"{name}.json" for name in table_analyses()],
        runs=[{"run": "r", "experiment": "e", "epoch": 2}],
        table=tmp_path / "t.csv",
    )
    t = pd.read_csv(tmp_path / "t.csv").set_index("metric")
    kid_out = json.loads((tmp_path / "kid.json").read_text())
    assert t.loc["KID", "value"] == pytest.approx(kid_out["kid"])
    assert t.loc["KID", "reference"] == "toy:test[30]" and t.loc["KID", "n_generated"] == 30
    assert t.loc["KID", "weights_sha256"] == SHA[:12]
    prdc_out = json.loads((tmp_path / "prdc.json").read_text())
    for metric in ("Precision", "Recall", "Density", "Coverage"):
        assert t.loc[metric, "value"] == pytest.approx(prdc_out[metric.lower()])
        assert t.loc[metric, "reference"] == "toy:test[30]" and t.loc[metric, "n_generated"] == 25
        assert (
            "k=3 nearest neighbours; 25 generated vs 25 real features" in t.loc[metric, "protocol"]
        )
    assert "Naeem et al. 2020" in t.loc["Coverage", "protocol"]
    row = t.loc["Inception Score"]
    assert row.status == "unavailable" and np.isnan(row.value) and "all-zero" in row.protocol
    div = json.loads((tmp_path / "diversity.json").read_text())
    assert t.loc["MS-SSIM (generated pairs)", "value"] == pytest.approx(div["generated"]["ms_ssim"])
    assert t.loc["MS-SSIM (real pairs)", "reference"] == "toy:test[20]"
    assert "window 7 px, 3 scales" in t.loc["MS-SSIM (real pairs)", "protocol"]
    assert t.loc["Inversion PSNR (dB)", "value"] == pytest.approx(12.0)
    assert t.loc["NN distance ratio (generated/test → train)", "reference"] == "toy:train[24]"


# ------------------------------------------------------------------------ wiring (dry runs)


def _dry_run(tmp_path, edit):
    cfg = local_config(tmp_path / "results")  # the quick config, offline
    cfg["experiments"] = {
        "dcgan": cfg["experiments"]["dcgan"],
        "dcgan_000": cfg["experiments"]["dcgan_000"],
    }
    edit(cfg)
    (tmp_path / "c.yaml").write_text(yaml.safe_dump(cfg))
    return snakemake(tmp_path, tmp_path / "c.yaml", "-n", check=False)


def test_dry_run_wires_reference_split_and_sizes_into_fid_and_analyses(tmp_path):
    """fid.reference_split: train and no fid.reference_images (all) reach FID, KID, diversity;
    the analyses run for the first run of dcgan only, the train features at the analysis size."""

    def edit(cfg):
        cfg["fid"]["reference_split"] = "train"
        del cfg["fid"]["reference_images"]
        cfg["analysis"]["train_reference_images"] = 50

    proc = _dry_run(tmp_path, edit)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-3000:]
    jobs = re.findall(r"^(?:local)?rule (\w+):\n((?:    .*\n)*)", proc.stdout, re.M)
    by_rule = {}
    for rule, body in jobs:
        by_rule.setdefault(rule, []).append(body)
    fid_inputs = {re.search(r"input: .*", b).group() for b in by_rule["fid"]}
    key = r"-[0-9a-f]{8}-"  # each split's files are keyed by a hash of its definition
    assert all(re.search(rf"fid_ref/cifar10-train{key}nall\.npz", i) for i in fid_inputs)
    assert re.search(rf"fid_ref/cifar10-train{key}nall\.features\.npz", by_rule["kid"][0])
    assert re.search(r"data/cifar10/train-[0-9a-f]{8}\.npz", by_rule["diversity"][0])
    assert re.search(rf"fid_ref/cifar10-train{key}n50\.features\.npz", by_rule["memorisation"][0])
    assert re.search(rf"fid_ref/cifar10-test{key}nall\.features\.npz", by_rule["memorisation"][0])
    for rule in (
        "kid",
        "inception_score",
        "diversity",
        "memorisation",
        "interpolation",
        "inversion",
        "evolution",
        "analysis_table",
    ):
        assert len(by_rule[rule]) == 1, rule
    assert re.search(r"wildcards: run=dcgan-[0-9a-f]{8}-s0, epoch=0002", by_rule["kid"][0])
    assert "epoch0001.pt" in by_rule["evolution"][0] and "epoch0002.pt" in by_rule["evolution"][0]


def test_analysis_of_an_unknown_experiment_stops_with_its_name(tmp_path):
    proc = _dry_run(tmp_path, lambda cfg: cfg["analysis"].update(runs=["dcgan", "nope"]))
    assert proc.returncode != 0
    assert "analysis.runs: 'nope' is not an experiment" in proc.stdout + proc.stderr


def test_analysis_config_defaults_and_typos():
    from ganrepro.config_files import load
    from ganrepro.config_schema import config_schema, validate_config

    schema = config_schema(REPO / "schemas" / "config.schema.yaml")
    cfg = load(REPO / "configs" / "mirror.yaml")
    cfg["analysis"] = {"runs": ["dcgan"]}
    validate_config(cfg, schema)
    a = cfg["analysis"]
    assert (
        a["kid_subsets"] == 100 and a["is_splits"] == 10 and a["inversion_indices"] == [0, 1, 2, 3]
    )
    assert a["train_reference_images"] is None  # all training images
    cfg["analysis"] = {"runs": ["dcgan"], "kid_subset": 5}
    with pytest.raises(ValueError, match="kid_subset"):
        validate_config(cfg, schema)
