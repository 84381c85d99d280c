"""Training techniques as config switches: each does what it says, is off by default, and keeps
training resumable bit for bit; every family and every configured experiment runs through the
same loop."""

import copy
from pathlib import Path

import jsonschema
import numpy as np
import pytest
import torch
from ganrepro.config_files import load
from ganrepro.config_schema import config_schema, validate_config
from ganrepro.data import ImageArrays
from ganrepro.experiments import expand_runs
from ganrepro.io import load_torch, save_torch
from ganrepro.models import CONDITIONAL, FAMILIES, build_discriminator, build_generator
from ganrepro.training import settings as settings_module
from ganrepro.training.train import ReplayBuffer, TrainSettings, model_config
from tiny_training import random_images, same_rows, trainer, weights

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Tiny networks: one thread is faster than two on a shared 2-core machine."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def data():
    return random_images(16)


def test_new_techniques_are_off_by_default(data, tmp_path):
    s = TrainSettings()
    assert (s.soft_labels, s.replay_size, s.d_batches) == (0.0, 0, "separate")
    t = trainer(data, tmp_path)
    assert t.replay is None
    before = t.noise.get_state()
    real, fake = t._targets(100)
    assert torch.equal(real, torch.ones(100)) and torch.equal(fake, torch.zeros(100))
    assert torch.equal(t.noise.get_state(), before)  # no random draw when nothing is switched on


@pytest.mark.parametrize(
    "bad, match",
    [
        (dict(d_batches="mixed"), r"d_batches: 'mixed' is not one of \['separate', 'joint'\]"),
        (dict(replay_size=8, batch_size=16), "replay_size 8 is smaller than batch_size 16"),
        (dict(replay_fraction=1.5, replay_size=32), "replay_fraction"),
        (dict(soft_labels=0.7), "soft_labels: 0.7 is greater than the maximum of 0.5"),
    ],
)
def test_bad_technique_settings_are_rejected(bad, match):
    with pytest.raises(ValueError, match=match):
        TrainSettings(**bad)


# -- random soft labels ---------------------------------------------------------------------------


def test_random_soft_labels_are_uniform_in_their_ranges(data, tmp_path):
    t = trainer(data, tmp_path, soft_labels=0.3)
    real, fake = t._targets(40000)
    assert real.min() >= 0.7 and real.max() <= 1.0 and fake.min() >= 0.0 and fake.max() <= 0.3
    for targets, low in ((real, 0.7), (fake, 0.0)):
        quartiles = torch.quantile(targets, torch.tensor([0.25, 0.5, 0.75]))
        assert torch.allclose(quartiles, low + 0.3 * torch.tensor([0.25, 0.5, 0.75]), atol=0.01)
    assert len(torch.unique(real)) > 1000  # random per sample, not one smoothed constant


def test_soft_labels_combine_with_smoothing_and_flipping(data, tmp_path):
    t = trainer(data, tmp_path, soft_labels=0.2, label_smoothing=0.1, label_flip=0.1)
    real, fake = t._targets(40000)
    flipped = real < 0.5
    assert flipped.float().mean().item() == pytest.approx(0.1, abs=0.01)
    kept = real[~flipped]
    assert kept.min() >= 0.7 - 1e-6 and kept.max() <= 0.9 + 1e-6  # (1 - 0.1) - U(0, 0.2)
    assert fake[flipped].min() >= 0.7 - 1e-6  # a flipped fake target is a (soft) real one


# -- replay buffer --------------------------------------------------------------------------------


def _batch(start, n=4):
    ids = torch.arange(start, start + n, dtype=torch.float32)
    return ids.view(n, 1, 1, 1).expand(n, 3, 2, 2).clone(), (torch.arange(start, start + n) % 7)


def _ids(images):
    return images[:, 0, 0, 0].long()


def test_replay_buffer_fills_then_swaps_older_fakes_in_at_its_rate():
    buf = ReplayBuffer(capacity=8, fraction=0.25, generator=torch.Generator().manual_seed(0))
    for start in (0, 4):  # filling: batches pass through unchanged and are stored
        images, labels = _batch(start)
        out, out_labels = buf.swap(images, labels)
        assert torch.equal(out, images) and torch.equal(out_labels, labels)
    assert buf.count == 8 and sorted(_ids(buf.images).tolist()) == list(range(8))
    swapped = 0
    for step in range(2, 502):
        images, labels = _batch(4 * step)
        held_before = set(_ids(buf.images).tolist())
        out, out_labels = buf.swap(images, labels)
        new_ids, out_ids = set(_ids(images).tolist()), _ids(out).tolist()
        older = [i for i in out_ids if i not in new_ids]
        assert set(older) <= held_before  # what D gets instead is an older, stored fake
        swapped += len(older)
        # nothing is lost or duplicated: what goes in is what comes out plus what stays
        assert sorted(held_before | new_ids) == sorted(out_ids + _ids(buf.images).tolist())
        assert torch.equal(out_labels, _ids(out) % 7)  # labels travel with their images
        assert torch.equal(buf.labels, _ids(buf.images) % 7)
    assert swapped / 2000 == pytest.approx(0.25, abs=0.03)


def test_replay_buffer_fraction_zero_and_one():
    never = ReplayBuffer(4, 0.0, torch.Generator().manual_seed(0))
    always = ReplayBuffer(4, 1.0, torch.Generator().manual_seed(0))
    for buf in (never, always):
        buf.swap(*_batch(0))
    images, labels = _batch(100)
    assert torch.equal(never.swap(images, labels)[0], images)
    out, _ = always.swap(images, None)
    assert set(_ids(out).tolist()) == {0, 1, 2, 3} and set(_ids(always.images).tolist()) == {
        100,
        101,
        102,
        103,
    }


def test_trainer_feeds_d_replayed_fakes(data, tmp_path, monkeypatch):
    t = trainer(data, tmp_path, replay_size=32, replay_fraction=0.5, model="cgan", conditional=True)
    seen = []
    original = ReplayBuffer.swap

    def spy(self, images, labels):
        out = original(self, images, labels)
        seen.append((images.clone(), out[0].clone(), labels.clone(), out[1].clone()))
        return out

    monkeypatch.setattr(ReplayBuffer, "swap", spy)
    t.run(until=1)
    assert len(seen) == 4 and t.replay.count == 32
    assert all(torch.equal(a, b) for a, b, *_ in seen[:2])  # filling
    changed = [(a != b).flatten(1).any(1) for a, b, *_ in seen[2:]]
    assert 0 < torch.cat(changed).float().mean() < 1  # some of D's fakes are older ones


def test_resume_with_replay_soft_labels_and_joint_batches_is_bitwise_identical(data, tmp_path):
    techniques = dict(
        replay_size=32,
        replay_fraction=0.5,
        soft_labels=0.2,
        label_flip=0.05,
        d_batches="joint",
        model="acgan",
        conditional=True,
    )
    whole = trainer(data, tmp_path / "whole", **techniques)
    whole.run()
    first = trainer(data, tmp_path / "seg", **techniques)
    first.run(until=1)
    save_torch(tmp_path / "epoch1.pt", first.checkpoint())  # through the disk, as the workflow does
    ckpt = load_torch(tmp_path / "epoch1.pt")
    assert ckpt["replay"]["count"] == 32 and ckpt["replay"]["images"].shape == (32, 3, 16, 16)
    second = trainer(data, tmp_path / "seg2", **techniques)
    second.load_state(copy.deepcopy(ckpt))
    second.run()
    assert torch.equal(weights(whole), weights(second))
    assert same_rows(whole.rows, second.rows)
    assert torch.equal(whole.replay.images, second.replay.images)
    assert torch.equal(whole.replay.labels, second.replay.labels)
    assert torch.equal(whole.replay.rng.get_state(), second.replay.rng.get_state())


# -- separate or joint real/fake batches ----------------------------------------------------------


def test_separate_batches_normalise_real_and_fake_apart(data, tmp_path):
    x, fake = torch.randn(8, 3, 16, 16), torch.randn(8, 3, 16, 16) + 1.0
    sep = trainer(data, tmp_path, d_batches="separate")
    joint = trainer(data, tmp_path, d_batches="joint")
    joint.D.load_state_dict(sep.D.state_dict())
    with torch.no_grad():
        r, f = sep._discriminate(x, None, fake, None)
        assert torch.equal(r.logits, sep.D(x).logits) and torch.equal(f.logits, sep.D(fake).logits)
        jr, jf = joint._discriminate(x, None, fake, None)
        both = joint.D(torch.cat([x, fake]))
        assert torch.equal(torch.cat([jr.logits, jf.logits]), both.logits)
        assert torch.equal(torch.cat([jr.features, jf.features]), both.features)
    # DCGAN's D has BatchNorm: the batch composition changes the scores
    assert not torch.allclose(r.logits, jr.logits, atol=1e-3)


@pytest.mark.parametrize("d_batches, d_calls", [("separate", [8, 8, 8]), ("joint", [16, 16])])
def test_g_step_shows_d_the_batches_it_was_trained_on(data, tmp_path, d_batches, d_calls):
    """With joint batches G is judged beside the real batch too: alone, BatchNorm would
    normalise the fake batch by its own statistics and hide from G what D tells apart."""
    t = trainer(data, tmp_path, d_batches=d_batches, batch_size=8)
    sizes = []
    t.D.register_forward_pre_hook(lambda module, args: sizes.append(args[0].shape[0]))
    t.train_step(torch.randn(8, 3, 16, 16), None, step=0, total=10)
    assert sizes == d_calls  # the D step's pass(es), then the G step's


def test_joint_batches_change_nothing_without_batch_statistics(data, tmp_path):
    x, fake = torch.randn(8, 3, 16, 16), torch.randn(8, 3, 16, 16)
    sep = trainer(data, tmp_path, model="mlp")
    joint = trainer(data, tmp_path, model="mlp", d_batches="joint")
    with torch.no_grad():
        for a, b in zip(
            sep._discriminate(x, None, fake, None),
            joint._discriminate(x, None, fake, None),
            strict=True,
        ):
            assert torch.allclose(a.logits, b.logits, atol=1e-6)


def test_joint_batches_pass_labels_and_split_class_logits(data, tmp_path):
    t = trainer(data, tmp_path, model="acgan", conditional=True, d_batches="joint")
    x, fake = torch.randn(4, 3, 16, 16), torch.randn(4, 3, 16, 16)
    y, yf = torch.tensor([0, 1, 0, 1]), torch.tensor([1, 1, 0, 0])
    with torch.no_grad():
        r, f = t._discriminate(x, y, fake, yf)
    assert r.class_logits.shape == (4, 2) and f.class_logits.shape == (4, 2)
    t = trainer(data, tmp_path, model="cgan", conditional=True, d_batches="joint")
    with torch.no_grad():
        r, f = t._discriminate(x, y, fake, yf)
        both = t.D(torch.cat([x, fake]), torch.cat([y, yf]))
    assert torch.equal(torch.cat([r.logits, f.logits]), both.logits)


def test_ttur_sets_separate_learning_rates(data, tmp_path):
    t = trainer(data, tmp_path, lr_g=1e-4, lr_d=4e-4, beta1=0.0, beta2=0.9)
    assert t.opt_g.param_groups[0]["lr"] == 1e-4 and t.opt_d.param_groups[0]["lr"] == 4e-4
    assert t.opt_d.param_groups[0]["betas"] == (0.0, 0.9)


# -- every family through the one loop ------------------------------------------------------------

FAMILY_SETTINGS = {
    "mlp": dict(),
    "dcgan": dict(model_options={"dropout": 0.2}, feature_matching=True),
    "wgan_gp": dict(loss="wasserstein", gp_weight=10.0, n_critic=5, beta1=0.0, beta2=0.9),
    "cwgan_gp": dict(loss="wasserstein", gp_weight=10.0, n_critic=5, beta1=0.0, beta2=0.9),
    "cgan": dict(),
    "cgan_projection": dict(loss="hinge"),
    "acgan": dict(aux_weight=0.5),
    "sngan": dict(loss="hinge"),
    "sagan": dict(loss="hinge", lr_g=1e-4, lr_d=4e-4, beta1=0.0, beta2=0.9, ema=0.999),
    "sagan_conditional": dict(
        loss="hinge", lr_g=1e-4, lr_d=4e-4, model_options={"attention_resolution": 4}
    ),
}


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_every_family_trains_in_the_same_loop(name, data, tmp_path):
    assert set(FAMILY_SETTINGS) == set(FAMILIES)
    t = trainer(
        data,
        tmp_path,
        model=name,
        conditional=CONDITIONAL[name],
        epochs=1,
        eval_epochs=(),
        **FAMILY_SETTINGS[name],
    )
    before = weights(t).clone()
    t.run()
    ckpt = t.checkpoint()
    assert np.isfinite([r[2] for r in t.rows]).all()
    assert not torch.equal(before, weights(t))
    G = build_generator(**ckpt["model_config"])  # sampling can rebuild G from the checkpoint alone
    G.load_state_dict(ckpt["generator_ema"] or ckpt["generator"])


# -- the experiments in the configs -------------------------------------------------------------


def _config(path):
    return load(ROOT / path)


@pytest.mark.parametrize("path", ["config.yaml", "configs/mirror.yaml"])
def test_every_configured_run_is_valid_and_builds(path):
    config = _config(path)
    validate_config(config, config_schema(ROOT / "schemas" / "config.schema.yaml"))
    settings_schema = settings_module.settings_schema()
    runs = expand_runs(config)
    for run in runs.values():
        jsonschema.validate(run.settings, settings_schema)
        dataset = config["datasets"][run.dataset]
        size, channels = dataset["image_size"], dataset.get("channels") or 3
        fake = ImageArrays(
            np.zeros((1, size, size, channels), np.uint8), np.arange(1), [str(i) for i in range(10)]
        )
        cfg = model_config(run.train_settings, fake)
        build_generator(**cfg)
        build_discriminator(**cfg)
    models = {r.settings["model"] for r in runs.values()}
    assert models == set(FAMILIES), f"{path}: families never run: {set(FAMILIES) - models}"


EXPERIMENTS = ["dcgan_vs_sagan", "families", "dcgan_extensions", "latent_width", "schedules"]


def test_reference_experiments_exist_in_both_configs_and_quick_ones_are_tiny():
    full, quick = (
        _config("config.yaml")["experiments"],
        _config("configs/mirror.yaml")["experiments"],
    )
    assert set(EXPERIMENTS) <= set(full) and set(EXPERIMENTS) <= set(quick)
    quick_runs = [
        r
        for r in expand_runs(_config("configs/mirror.yaml")).values()
        if r.experiment in EXPERIMENTS
    ]
    for run in quick_runs:
        assert run.settings["epochs"] == 1 and run.settings["eval_epochs"] == [1], run.name
    assert len(quick_runs) <= 21  # 003's schedules and extensions, row by row
    full_runs = [
        r for r in expand_runs(_config("config.yaml")).values() if r.experiment in EXPERIMENTS
    ]
    assert all(r.settings["epochs"] >= 20 for r in full_runs)
