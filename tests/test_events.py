"""TensorBoard event files, read back with tensorboard's own reader: the tags and steps a
training segment writes, no duplicate steps after a crash and resume, scores replaced when made
again, and training without the tensorboard package."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ganrepro import events

pytest.importorskip("tensorboard")
from tensorboard.backend.event_processing.event_accumulator import (  # noqa: E402
    EventAccumulator,
)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
import train as train_script  # noqa: E402

SETTINGS = dict(
    model="dcgan", loss="bce", latent_dim=8, width=8, batch_size=16, epochs=2, eval_epochs=[1, 2]
)
STEPS_PER_EPOCH = 64 // 16


def read(folder: Path) -> EventAccumulator:
    """Every event (no sampling), as TensorBoard itself would show it."""
    acc = EventAccumulator(str(folder), size_guidance={"scalars": 0, "images": 0})
    acc.Reload()
    return acc


def scalar_series(acc: EventAccumulator, tag: str) -> tuple[list[int], list[float]]:
    points = acc.Scalars(tag)
    return [p.step for p in points], [p.value for p in points]


def train(data, run: Path, epoch: int, **kw):
    """The train rule's script for one segment of the run in ``run`` (as the rule lays it out)."""
    previous = run / "checkpoints" / f"epoch{epoch - 1:04d}.pt"
    for sub in ("checkpoints", "losses", "grids"):
        (run / sub).mkdir(parents=True, exist_ok=True)
    train_script.main(
        data=str(data),
        previous=[str(previous)] if previous.exists() else [],
        checkpoint=str(run / "checkpoints" / f"epoch{epoch:04d}.pt"),
        losses=str(run / "losses" / f"epoch{epoch:04d}.csv"),
        grid=str(run / "grids" / f"epoch{epoch:04d}.png"),
        settings=SETTINGS,
        seed=0,
        epoch=epoch,
        state_dir=str(run / ".train"),
        device="cpu",
        **kw,
    )


def test_a_reopened_log_drops_the_steps_it_continues_from(tmp_path):
    with events.EventLog(tmp_path) as log:
        for step in range(10):
            log.scalars(step, {"loss/D": 1.0})
    with events.EventLog(tmp_path, purge_step=6) as log:  # a job resumed from step 6
        for step in range(6, 10):
            log.scalars(step, {"loss/D": 2.0})
    steps, values = scalar_series(read(tmp_path), "loss/D")
    assert steps == list(range(10))
    assert values == [1.0] * 6 + [2.0] * 4


def test_training_segments_write_losses_learning_rates_and_grids(tmp_path, tiny_data):
    run = tmp_path / "run"
    train(tiny_data, run, 1)
    train(tiny_data, run, 2)  # the second segment, from the first one's checkpoint
    acc = read(events.events_dir(run, events.TRAIN))
    scalars = set(acc.Tags()["scalars"])
    assert {"loss/D", "loss/G", "D_logit/real", "D_logit/fake", "lr/G", "lr/D"} <= scalars
    total = 2 * STEPS_PER_EPOCH
    losses = pd.read_csv(run / "losses" / "epoch0002.csv")
    steps, values = scalar_series(acc, "loss/D")
    assert steps == list(range(total)) == losses["step"].tolist()
    np.testing.assert_allclose(values, losses["d_loss"], rtol=1e-6)  # float32 in the events
    g = losses.dropna(subset=["g_loss"])  # G's loss only where G stepped
    assert scalar_series(acc, "loss/G")[0] == g["step"].tolist()
    assert scalar_series(acc, "lr/G")[1] == pytest.approx([2e-4] * len(acc.Scalars("lr/G")))
    grids = acc.Images("samples/fixed_noise")
    assert [g.step for g in grids] == [STEPS_PER_EPOCH - 1, total - 1]  # one per checkpoint


def test_a_resumed_segment_has_every_step_once(tmp_path, tiny_data, monkeypatch):
    """Killed mid-segment after a save, then run again: the curve equals an uninterrupted run's."""
    whole, crash = tmp_path / "whole", tmp_path / "crash"
    train(tiny_data, whole, 1)
    from ganrepro.training.train import Trainer

    real_step, calls = Trainer.train_step, {"n": 0}

    def dying_step(self, *args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_step(self, *args)

    monkeypatch.setattr(Trainer, "train_step", dying_step)
    with pytest.raises(KeyboardInterrupt):
        train(tiny_data, crash, 1, save_every_seconds=0.0)
    monkeypatch.setattr(Trainer, "train_step", real_step)
    train(tiny_data, crash, 1, save_every_seconds=0.0)
    a = read(events.events_dir(whole, events.TRAIN))
    b = read(events.events_dir(crash, events.TRAIN))
    for tag in ("loss/D", "loss/G"):
        assert scalar_series(a, tag) == scalar_series(b, tag), tag
    assert len(list(events.events_dir(crash, events.TRAIN).glob("events.*"))) == 2


def test_training_without_tensorboard_writes_none_and_says_so(tmp_path, tiny_data, monkeypatch):
    monkeypatch.setattr(events, "_summary_writer", lambda: None)
    run = tmp_path / "run"
    log = tmp_path / "train.log"
    train(tiny_data, run, 1, log=str(log))
    assert (run / "checkpoints" / "epoch0001.pt").exists()
    assert not (run / "tensorboard").exists()
    assert "tensorboard is not installed" in log.read_text()


def test_tensorboard_off_writes_nothing(tmp_path, tiny_data):
    train(tiny_data, tmp_path / "run", 1, tensorboard=False)
    assert not (tmp_path / "run" / "tensorboard").exists()


def test_a_score_made_again_replaces_its_event(tmp_path):
    events.write_scores(tmp_path, 2, {"FID": 120.0}, metric="fid")
    events.write_scores(tmp_path, 1, {"FID": 150.0}, metric="fid")
    events.write_scores(tmp_path, 2, {"FID": 110.0}, metric="fid")  # epoch 2 scored again
    acc = read(events.events_dir(tmp_path, events.EVAL))
    assert scalar_series(acc, "FID") == ([1, 2], [150.0, 110.0])


def test_scores_go_to_the_run_of_their_features_file(tmp_path):
    features = tmp_path / "runs" / "r" / "features" / "epoch0003.npz"
    assert events.run_dir_of(features) == tmp_path / "runs" / "r"
    assert events.run_dir_of(tmp_path / "gen.npz") is None  # outside the workflow: no events
    events.write_scores(None, 3, {"FID": 1.0}, metric="fid")  # and nothing is written
    assert not list(tmp_path.rglob("events.*"))
