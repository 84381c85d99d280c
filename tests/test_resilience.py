"""Resilience: a killed training job resumes bit for bit, a diverged run is reported as such,
and bad inputs (truncated checkpoints, missing weights) fail with errors that say what to do."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from ganrepro.data import load_arrays
from ganrepro.io import atomic_path, load_torch, remake
from ganrepro.reporting.tables import code_versions, fid_by_epoch, load_scores, run_summary

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(REPO / "tests"))

import features as features_script  # noqa: E402
import fetch_weights  # noqa: E402
import fid as fid_script  # noqa: E402
import reference_statistics  # noqa: E402
import sample  # noqa: E402
import train as train_script  # noqa: E402
from tiny_training import same_rows  # noqa: E402
from workflow_cli import local_config, snakemake, snakemake_command  # noqa: E402

SETTINGS = dict(
    model="dcgan", loss="bce", latent_dim=8, width=8, batch_size=16, epochs=2, eval_epochs=[1, 2]
)


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


def train(data, previous, out, epoch, state_dir, settings=SETTINGS, **kw):
    """The train rule's script, called by name as the rule calls it."""
    train_script.main(
        data=data,
        previous=[previous] if previous else [],
        **out,
        settings=settings,
        seed=0,
        epoch=epoch,
        state_dir=state_dir,
        device="cpu",
        **kw,
    )


def stages(code):
    return [c["stage"] for c in code]


# A real blow-up: WGAN's critic, unclipped and without penalty, with a learning rate of 1e20.
# Its first step (G steps only every 5th, n_critic) sends D's weights to ~1e20, so at step 1 its
# own loss is inf - inf = NaN: D diverges on its own, before G has ever stepped.
D_BLOWS_UP = {**SETTINGS, "loss": "wasserstein", "n_critic": 5, "lr": 1e20}
# LSGAN with D's learning rate 1e9 (TTUR): D's first step is finite, but G's loss right after it
# squares D's now huge outputs on the fakes to inf, while D's loss of that step was finite.
G_BLOWS_UP = {**SETTINGS, "loss": "lsgan", "lr_d": 1e9}


def test_diverged_run_is_reported_through_sampling_and_tables(tmp_path, tiny_data):
    weights_file = tmp_path / "weights.pth"  # only hashed: no network runs for diverged samples
    weights_file.write_bytes(b"not a network")
    out1 = outputs(tmp_path, 1)
    train(tiny_data, None, out1, 1, tmp_path / "state", settings=D_BLOWS_UP)
    ckpt = load_torch(out1["checkpoint"])
    assert ckpt["status"] == "diverged" and "diverged at epoch 1, step 1" in ckpt["message"]
    assert "d_loss=nan" in ckpt["message"]
    assert all(np.isfinite(row[2]) for row in ckpt["rows"][:-1])  # finite until it blew up
    # the next segment does not train, it carries the status (and the code so far) on
    out2 = outputs(tmp_path, 2)
    train(tiny_data, out1["checkpoint"], out2, 2, tmp_path / "state", settings=D_BLOWS_UP)
    ckpt2 = load_torch(out2["checkpoint"])
    assert ckpt2["status"] == "diverged" and stages(ckpt2["code"]) == ["train", "train"]
    samples = tmp_path / "samples.npz"
    sample.main(
        checkpoint=out2["checkpoint"],
        samples=samples,
        grid=tmp_path / "grid.png",
        n=10,
        seed=0,
        device="cpu",
    )
    with np.load(samples) as f:
        assert str(f["status"]) == "diverged" and len(f["images"]) == 0
        assert stages(json.loads(str(f["code"]))) == ["train", "train", "sample"]
    # the features and fid jobs carry the status on (no network is run), and the tables show it
    features = tmp_path / "features.npz"
    features_script.main(
        images=samples, weights=weights_file, features=features, device="cpu", backend="auto"
    )
    with np.load(features) as f:
        assert stages(json.loads(str(f["code"]))) == ["train", "train", "sample", "features"]
    reference = tmp_path / "reference.npz"
    rng = np.random.default_rng(0)
    np.savez(reference, mu=rng.normal(size=4), sigma=np.eye(4), n=np.array(10))
    score = tmp_path / "fid.json"
    dataset = {"name": "toy", "source": "image_folder", "split": "test", "root": "x"}
    fid_script.main(
        features=features,
        reference=reference,
        weights=weights_file,
        score=score,
        run="r",
        epoch=2,
        dataset=dataset,
        reference_split="test",
    )
    result = json.loads(score.read_text())
    protocol = result["protocol"]
    assert protocol["features_backend"] == {"reference": "unknown"}
    assert not any("backends" in w for w in protocol["warnings"])
    assert stages(result["code"]) == ["train", "train", "sample", "features", "fid"]
    runs = {
        "r": {
            "experiment": "e",
            "seed": 0,
            "grid": {},
            "dataset": "toy",
            "settings": {**D_BLOWS_UP, "lr_g": None, "lr_d": None},
        }
    }
    by_epoch = fid_by_epoch(load_scores([score]), runs)
    summary = run_summary(by_epoch)
    assert summary.status.tolist() == ["diverged"] and summary.final_fid.isna().all()
    assert code_versions(by_epoch).code_versions.tolist() == [1]


def test_a_non_finite_generator_loss_stops_the_run_as_diverged(tmp_path, tiny_data):
    out = outputs(tmp_path, 1)
    train(tiny_data, None, out, 1, tmp_path / "state", settings=G_BLOWS_UP)
    ckpt = load_torch(out["checkpoint"])
    assert ckpt["status"] == "diverged" and "diverged at epoch 1, step 0" in ckpt["message"]
    assert "g_loss=inf" in ckpt["message"]
    (_, step, d, g, *_), *rest = ckpt["rows"]
    assert step == 0 and not rest  # stopped at the first step: D's loss there was finite
    assert np.isfinite(d) and not np.isfinite(g)
    losses = pd.read_csv(out["losses"])  # the history up to the blow-up, for the loss plots
    assert losses.step.tolist() == [0] and np.isinf(losses.g_loss[0])


def test_truncated_checkpoint_is_a_clear_error(tmp_path, tiny_data):
    out = outputs(tmp_path, 1)
    train(tiny_data, None, out, 1, tmp_path / "state")
    data = Path(out["checkpoint"]).read_bytes()
    Path(out["checkpoint"]).write_bytes(data[: len(data) // 2])
    with pytest.raises(
        RuntimeError,
        match=r"cannot read .*checkpoint1\.pt: truncated or not a torch checkpoint .*"
        + re.escape(remake(out["checkpoint"])),
    ):
        sample.main(
            checkpoint=out["checkpoint"],
            samples=tmp_path / "s.npz",
            grid=tmp_path / "g.png",
            n=4,
            seed=0,
        )
    assert not (tmp_path / "s.npz").exists()


def test_truncated_npz_inputs_are_clear_errors(tmp_path, tiny_data):
    """Samples, features, statistics and data arrays cut short: each job names the file."""
    weights_file = tmp_path / "weights.pth"
    weights_file.write_bytes(b"not a network")
    rng = np.random.default_rng(0)
    files = {
        "samples": tmp_path / "samples.npz",
        "features": tmp_path / "features.npz",
        "stats": tmp_path / "stats.npz",
    }
    np.savez(
        files["samples"],
        images=rng.integers(0, 256, (4, 8, 8, 3), dtype=np.uint8),
        labels=np.zeros(4, np.int64),
        status=np.array("ok"),
    )
    np.savez(
        files["features"],
        features=rng.normal(size=(30, 4)),
        status=np.array("ok"),
        weights_sha256=np.array("ab"),
    )
    np.savez(files["stats"], mu=np.zeros(4), sigma=np.eye(4), n=np.array(30))
    for path in (*files.values(), tiny_data):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])

    def broken(path):
        what = r"truncated or not an \.npz file"
        return rf"cannot read {re.escape(str(path))}: {what} .*{re.escape(remake(path))}"

    with pytest.raises(ValueError, match=broken(files["samples"])):
        features_script.main(
            images=files["samples"], weights=weights_file, features=tmp_path / "f.npz"
        )
    with pytest.raises(ValueError, match=broken(files["features"])):
        reference_statistics.main(features=files["features"], stats=tmp_path / "s.npz")
    good = tmp_path / "good_features.npz"
    np.savez(good, features=rng.normal(size=(30, 4)), status=np.array("ok"))
    with pytest.raises(ValueError, match=broken(files["stats"])):
        fid_script.main(
            features=good,
            reference=files["stats"],
            weights=weights_file,
            score=tmp_path / "fid.json",
            run="r",
            epoch=1,
            dataset={"name": "toy", "source": "image_folder"},
            reference_split="test",
        )
    with pytest.raises(ValueError, match=broken(tiny_data)):
        load_arrays(tiny_data)
    assert not any((tmp_path / name).exists() for name in ("f.npz", "s.npz", "fid.json"))


def test_missing_weights_file_says_how_to_provide_it(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"fid\.weights.*shared/weights"):
        fetch_weights.main(source=str(tmp_path / "nope.pth"), weights=tmp_path / "w.pth")
    assert not (tmp_path / "w.pth").exists()


def test_segment_resumes_from_saved_state_after_a_crash(tmp_path, tiny_data, monkeypatch):
    """The training script, killed mid-segment, continues from resume.pt to the same weights."""
    whole = outputs(tmp_path / "whole", 1)
    train(tiny_data, None, whole, 1, tmp_path / "whole" / "s")
    from ganrepro.training.train import Trainer

    real_step, calls = Trainer.train_step, {"n": 0}

    def dying_step(self, *args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_step(self, *args)

    crash = outputs(tmp_path / "crash", 1)
    monkeypatch.setattr(Trainer, "train_step", dying_step)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_data, None, crash, 1, tmp_path / "crash" / "s", save_every_seconds=0.0)
    monkeypatch.setattr(Trainer, "train_step", real_step)
    assert load_torch(tmp_path / "crash" / "s" / "resume.pt")["batch"] == 2
    train(tiny_data, None, crash, 1, tmp_path / "crash" / "s", save_every_seconds=0.0)
    a, b = load_torch(whole["checkpoint"]), load_torch(crash["checkpoint"])
    for k in a["generator"]:
        assert torch.equal(a["generator"][k], b["generator"][k])
    assert same_rows(a["rows"], b["rows"])


def test_the_advice_for_a_broken_file_makes_it_again_with_what_follows(tmp_path):
    """remake(path)'s command, checked against the workflow's own plan. A fid job failed reading
    a broken features file (its score is absent, the tables of an earlier run are there): the
    advised --forcerun makes the features again and every job after them, up to the tables."""
    cfg = local_config(tmp_path / "results")
    cfg["experiments"] = {"dcgan": cfg["experiments"]["dcgan"]}
    cfg.pop("analysis", None)
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump(cfg))

    def planned(*args):
        out = snakemake(tmp_path, config, "-n", *args).stdout
        return out, {rule for rule in re.findall(r"^(?:local)?rule (\w+):", out, re.M)}

    # every output of the workflow, as if made: dated in the order of the plan, oldest first
    plan, _ = planned()
    t0 = time.time() - 3600
    for i, line in enumerate(re.findall(r"^    output: (.*)$", plan, re.M)):
        for name in line.split(", "):
            path = tmp_path / name  # absolute names stay absolute
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch()
            os.utime(path, (t0 + i, t0 + i))
    assert planned()[1] == set()  # all up to date
    features = next((tmp_path / "results" / "runs").glob("*/features/epoch0002.npz"))
    (features.parents[1] / "fid" / "epoch0002.json").unlink()  # the failed job's output
    command = re.search(r"snakemake --cores N (--forcerun) (\S+)", remake(features))
    assert command and command.group(2) == str(features)
    _, rules = planned(*command.groups())
    assert {"sample_features", "fid", "aggregate", "all"} <= rules
    assert not rules & {"train", "sample", "reference_statistics"}  # only what follows


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
    cmd = snakemake_command(work, work / "c.yaml", "--cores", "1")
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
    # TensorBoard: the killed run's curves have every step once, the clean run's values
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    def curve(work, tag):
        run = next((work / "results" / "runs").iterdir())
        acc = EventAccumulator(str(run / "tensorboard" / "train"), size_guidance={"scalars": 0})
        acc.Reload()
        return [(e.step, e.value) for e in acc.Scalars(tag)]

    for tag in ("loss/D", "loss/G"):
        assert curve(runs["killed"], tag) == curve(runs["clean"], tag), tag
    assert [s for s, _ in curve(runs["killed"], "loss/D")] == list(range(3 * 400 // 20))
