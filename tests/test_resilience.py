"""Resilience: a killed training job resumes bit for bit, a diverged run is reported as such,
and bad inputs (truncated checkpoints, missing weights) fail with errors that say what to do."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from ganrepro import losses as L
from ganrepro.data import ImageArrays, save_arrays
from ganrepro.io import atomic_path, load_torch
from ganrepro.tables import fid_by_epoch, load_scores, run_summary

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "tests"))

import features as features_script  # noqa: E402
import fetch_weights  # noqa: E402
import fid as fid_script  # noqa: E402
import sample  # noqa: E402
import train as train_script  # noqa: E402
from test_workflow import local_config, snakemake  # noqa: E402

SETTINGS = dict(
    model="dcgan", loss="bce", latent_dim=8, width=8, batch_size=16, epochs=2, eval_epochs=[1, 2]
)


@pytest.fixture
def tiny_data(tmp_path):
    rng = np.random.default_rng(0)
    arrays = ImageArrays(
        images=rng.integers(0, 256, (64, 32, 32, 3), dtype=np.uint8),
        labels=np.arange(64) % 2,
        classes=["a", "b"],
    )
    path = tmp_path / "train.npz"
    save_arrays(path, arrays)
    return path


def outputs(tmp_path, epoch):
    return {
        k: str(tmp_path / f"{k}{epoch}{ext}")
        for k, ext in (("checkpoint", ".pt"), ("losses", ".csv"), ("grid", ".png"))
    }


def test_atomic_write_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.npz"
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("crash mid-write")
    assert list(tmp_path.iterdir()) == []


def test_diverged_run_is_reported_through_sampling_and_tables(tmp_path, tiny_data, monkeypatch):
    weights_file = tmp_path / "weights.pth"  # only hashed: no network runs for diverged samples
    weights_file.write_bytes(b"not a network")
    nan = lambda *a, **k: torch.tensor(float("nan"), requires_grad=True)
    monkeypatch.setattr(L, "d_loss", nan)
    out1 = outputs(tmp_path, 1)
    train_script.main(tiny_data, None, out1, SETTINGS, 0, 1, tmp_path / "state", device="cpu")
    ckpt = load_torch(out1["checkpoint"])
    assert ckpt["status"] == "diverged" and "diverged at epoch 1" in ckpt["message"]
    # the next segment does not train, it carries the status on
    out2 = outputs(tmp_path, 2)
    train_script.main(
        tiny_data, out1["checkpoint"], out2, SETTINGS, 0, 2, tmp_path / "state", device="cpu"
    )
    assert load_torch(out2["checkpoint"])["status"] == "diverged"
    samples = tmp_path / "samples.npz"
    sample.main(out2["checkpoint"], samples, tmp_path / "grid.png", n=10, seed=0, device="cpu")
    with np.load(samples) as f:
        assert str(f["status"]) == "diverged" and len(f["images"]) == 0
    # the features and fid jobs carry the status on (no network is run), and the tables show it
    features = tmp_path / "features.npz"
    features_script.main(samples, weights_file, features, device="cpu", backend="auto")
    reference = tmp_path / "reference.npz"
    rng = np.random.default_rng(0)
    np.savez(reference, mu=rng.normal(size=4), sigma=np.eye(4), n=np.array(10))
    score = tmp_path / "fid.json"
    dataset = {"name": "toy", "source": "image_folder", "root": "x"}
    fid_script.main(features, reference, weights_file, score, "r", 2, dataset, "test")
    protocol = json.loads(score.read_text())["protocol"]
    assert protocol["features_backend"] == {"reference": "unknown"}
    assert not any("backends" in w for w in protocol["warnings"])
    runs = {
        "r": {
            "experiment": "e",
            "seed": 0,
            "grid": {},
            "dataset": "toy",
            "settings": {**SETTINGS, "lr": 2e-4, "lr_g": None, "lr_d": None},
        }
    }
    summary = run_summary(fid_by_epoch(load_scores([score]), runs))
    assert summary.status.tolist() == ["diverged"] and summary.final_fid.isna().all()


def test_truncated_checkpoint_is_a_clear_error(tmp_path, tiny_data):
    out = outputs(tmp_path, 1)
    train_script.main(tiny_data, None, out, SETTINGS, 0, 1, tmp_path / "state", device="cpu")
    data = Path(out["checkpoint"]).read_bytes()
    Path(out["checkpoint"]).write_bytes(data[: len(data) // 2])
    with pytest.raises(RuntimeError, match=r"truncated or not a torch checkpoint.*re-run"):
        sample.main(out["checkpoint"], tmp_path / "s.npz", tmp_path / "g.png", n=4, seed=0)
    assert not (tmp_path / "s.npz").exists()


def test_missing_weights_file_says_how_to_provide_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"fid\.weights.*shared/weights"):
        fetch_weights.main(str(tmp_path / "nope.pth"), tmp_path / "w.pth")
    assert not (tmp_path / "w.pth").exists()


def test_segment_resumes_from_saved_state_after_a_crash(tmp_path, tiny_data, monkeypatch):
    """The training script, killed mid-segment, continues from resume.pt to the same weights."""
    whole = outputs(tmp_path / "whole", 1)
    train_script.main(tiny_data, None, whole, SETTINGS, 0, 1, tmp_path / "whole" / "s", "cpu")
    from ganrepro.train import Trainer

    real_step, calls = Trainer.train_step, {"n": 0}

    def dying_step(self, *args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_step(self, *args)

    crash = outputs(tmp_path / "crash", 1)
    monkeypatch.setattr(Trainer, "train_step", dying_step)
    with pytest.raises(KeyboardInterrupt):
        train_script.main(
            tiny_data, None, crash, SETTINGS, 0, 1, tmp_path / "crash" / "s", "cpu", 0.0
        )
    monkeypatch.setattr(Trainer, "train_step", real_step)
    assert load_torch(tmp_path / "crash" / "s" / "resume.pt")["batch"] == 2
    train_script.main(tiny_data, None, crash, SETTINGS, 0, 1, tmp_path / "crash" / "s", "cpu", 0.0)
    a, b = load_torch(whole["checkpoint"]), load_torch(crash["checkpoint"])
    for k in a["generator"]:
        assert torch.equal(a["generator"][k], b["generator"][k])
    assert a["rows"] == b["rows"]


# -- kill -9 of a real workflow -----------------------------------------------------------------


def kill_config(results: Path) -> dict:
    cfg = local_config(results)
    cfg["save_every_seconds"] = 0  # save at every step, so the kill lands between saves
    cfg["datasets"]["cifar10"].update(train_images=400, test_images=50)
    cfg["fid"].update(reference_images=50, generated_images=50)
    cfg["defaults"].update(epochs=3, eval_epochs=[3], batch_size=20)
    cfg["experiments"] = {"dcgan": {"seeds": [0]}}
    cfg.pop("analysis", None)
    return cfg


@pytest.mark.slow
def test_kill_9_mid_training_then_rerun_gives_identical_weights_and_fid(tmp_path):
    if not (REPO.parent / "shared" / "data" / "cifar10-jpeg").is_dir():
        pytest.skip("offline CIFAR-10 copy not found")
    runs = {}
    for name in ("killed", "clean"):
        work = tmp_path / name
        work.mkdir()
        (work / "c.yaml").write_text(yaml.safe_dump(kill_config(work / "results")))
        runs[name] = work
    # the interrupted one: SIGKILL to snakemake and its job once training is half-way
    work = runs["killed"]
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "-s",
        str(REPO / "Snakefile"),
        "--directory",
        str(work),
        "--configfile",
        str(work / "c.yaml"),
        "--cores",
        "1",
    ]
    proc = subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    resume = None
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        states = list((work / "results" / "runs").glob("*/.train/resume.pt"))
        if states:
            try:
                st = torch.load(states[0], weights_only=False)
            except Exception:  # noqa: BLE001 - being replaced right now; read again
                continue
            if st["epoch"] >= 1 and st["batch"] >= 5:
                resume = st["epoch"], st["batch"]
                break
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert resume is not None, "training never got half-way"
    assert not list((work / "results" / "runs").glob("*/fid/*.json"))
    snakemake(work, work / "c.yaml", "--unlock")
    log = snakemake(work, work / "c.yaml", "--cores", "1").stdout
    snakemake(runs["clean"], runs["clean"] / "c.yaml", "--cores", "1")  # same threads
    train_logs = list((work / "results" / "logs" / "train").glob("*/epoch0003.log"))
    assert "resumed from" in train_logs[0].read_text(), log

    def final(work):
        run = next((work / "results" / "runs").iterdir())
        ckpt = load_torch(run / "checkpoints" / "epoch0003.pt")
        fid = json.loads((run / "fid" / "epoch0003.json").read_text())["fid"]
        return ckpt, fid

    (ck_a, fid_a), (ck_b, fid_b) = final(runs["killed"]), final(runs["clean"])
    for part in ("generator", "discriminator"):
        for k in ck_a[part]:
            assert torch.equal(ck_a[part][k], ck_b[part][k]), (part, k)
    assert fid_a == fid_b
