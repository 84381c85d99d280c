"""The training loop: reproducible, resumable bit for bit, EMA and techniques as configured."""

import copy
import math

import numpy as np
import pytest
import torch
from ganrepro.training.families import FAMILIES
from ganrepro.training.generate import generate, load_generator
from ganrepro.training.train import EMA, Trainer, TrainingDiverged
from tiny_training import random_images, same_rows, trainer, weights


@pytest.fixture(scope="module")
def data():
    return random_images(32)


def test_same_seed_same_weights_and_losses(data, tmp_path):
    a, b = trainer(data, tmp_path / "a"), trainer(data, tmp_path / "b")
    a.run()
    b.run()
    assert torch.equal(weights(a), weights(b))
    assert same_rows(a.rows, b.rows) and len(a.rows) == 2 * 4


def test_segments_equal_one_uninterrupted_run(data, tmp_path):
    whole = trainer(data, tmp_path / "whole")
    whole.run()
    first = trainer(data, tmp_path / "seg")
    first.run(until=1)
    ckpt = copy.deepcopy(first.checkpoint())
    second = trainer(data, tmp_path / "seg2")  # a new process would start like this
    second.load_state(ckpt)
    second.run()
    assert torch.equal(weights(whole), weights(second))
    assert same_rows(whole.rows, second.rows)


def test_resume_after_a_crash_mid_epoch_is_bitwise_identical(data, tmp_path, monkeypatch):
    whole = trainer(data, tmp_path / "whole")
    whole.run()

    crashing = trainer(data, tmp_path / "crash")
    crashing.save_every_seconds = 0.0  # save at every log point
    calls = {"n": 0}
    original = Trainer.train_step

    def step_then_die(self, *args):
        calls["n"] += 1
        if calls["n"] == 7:  # mid-way through epoch 2
            raise KeyboardInterrupt("killed")
        return original(self, *args)

    monkeypatch.setattr(Trainer, "train_step", step_then_die)
    with pytest.raises(KeyboardInterrupt):
        crashing.run(log_every=2)
    monkeypatch.setattr(Trainer, "train_step", original)

    resumed = trainer(data, tmp_path / "crash")
    assert resumed.try_resume(until=2)
    assert (resumed.epoch, resumed.batch) == (1, 2)  # the last save before the crash
    resumed.run()
    assert torch.equal(weights(whole), weights(resumed))
    assert same_rows(whole.rows, resumed.rows)


def test_saved_state_of_other_settings_is_ignored(data, tmp_path):
    t = trainer(data, tmp_path)
    t.run(until=1)
    other = trainer(data, tmp_path, lr=1e-3)
    assert not other.try_resume(until=2)
    assert other.epoch == 0


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_a_blown_up_optimisation_is_divergence_in_every_family(name, data, tmp_path):
    """A real blow-up, not a patched loss. With lr 1e30 one Adam step makes D's weights huge:
    D's first loss is finite, G's after it is not (a NaN G loss is divergence, not "no G
    step"). With only D's rate huge and two critic steps, D's own loss goes first."""
    conditional = FAMILIES[name].conditional
    with pytest.raises(TrainingDiverged, match=r"step 0: d_loss=[-0-9.e]+, g_loss=nan"):
        trainer(data, tmp_path / "g", model=name, conditional=conditional, lr=1e30).run()
    with pytest.raises(TrainingDiverged, match=r"step 1: d_loss=nan"):
        trainer(
            data,
            tmp_path / "d",
            model=name,
            conditional=conditional,
            loss="wasserstein",
            lr_d=1e30,
            n_critic=2,
        ).run()


def test_ema_follows_its_formula():
    model = torch.nn.Linear(3, 2)
    ema = EMA(model, decay=0.9)
    before = [p.detach().clone() for p in ema.model.parameters()]
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    ema.update(model)
    for e, b, p in zip(ema.model.parameters(), before, model.parameters(), strict=True):
        assert torch.allclose(e, 0.9 * b + 0.1 * p)


def test_ema_generator_is_used_for_sampling(data, tmp_path):
    t = trainer(data, tmp_path, ema=0.5)
    t.run(until=1)
    ckpt = t.checkpoint()
    G = load_generator(ckpt)
    for p_loaded, p_ema in zip(G.parameters(), t.ema.model.parameters(), strict=True):
        assert torch.equal(p_loaded, p_ema)
    assert not all(torch.equal(a, b) for a, b in zip(G.parameters(), t.G.parameters(), strict=True))


@pytest.mark.parametrize("conditional", [False, True])
def test_ema_generator_gets_batchnorm_statistics_of_its_own_weights(data, tmp_path, conditional):
    """The saved EMA G's running mean and variance are its own activations' batch statistics
    (averaged over the standing-statistics batches, measured here with a hook on the same
    noise), not the live G's copied ones; the live G and training's random streams are
    untouched."""
    model = "cgan" if conditional else "dcgan"
    t = trainer(data, tmp_path, ema=0.5, model=model, conditional=conditional)
    t.run(until=1)
    live_buffers = [b.clone() for b in t.G.buffers()]
    noise_state = t.noise.get_state()
    t.ema.update(t.G)  # as after a step: the live G's statistics copied in again
    sampling = copy.deepcopy(t.sampling_generator())  # what a grid or probe samples with
    ckpt = t.checkpoint()
    G = load_generator(ckpt)
    for a, b in zip(sampling.buffers(), G.buffers(), strict=True):
        assert torch.equal(a, b)
    first_bn = next(m for m in G.modules() if isinstance(m, torch.nn.BatchNorm2d))
    assert not torch.allclose(
        first_bn.running_mean,
        next(m for m in t.G.modules() if isinstance(m, torch.nn.BatchNorm2d)).running_mean,
    )

    # independent measurement: the same noise through a train-mode copy, BatchNorm inputs hooked
    probe = copy.deepcopy(G).train()
    probe_bn = next(m for m in probe.modules() if isinstance(m, torch.nn.BatchNorm2d))
    seen = []
    probe_bn.register_forward_hook(lambda m, inp, out: seen.append(inp[0].detach()))
    noise = torch.Generator().manual_seed(t.seed)
    batch, n_classes = t.settings.batch_size, getattr(G, "n_classes", 0)
    with torch.no_grad():
        for i in range(16):
            z = torch.randn(batch, G.latent_dim, generator=noise)
            y = (torch.arange(batch) + i * batch) % n_classes if n_classes else None
            probe(z, y)
    means = torch.stack([x.mean(dim=(0, 2, 3)) for x in seen])
    variances = torch.stack([x.var(dim=(0, 2, 3), unbiased=True) for x in seen])
    torch.testing.assert_close(first_bn.running_mean, means.mean(0), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(first_bn.running_var, variances.mean(0), rtol=1e-4, atol=1e-5)
    assert all(torch.equal(a, b) for a, b in zip(live_buffers, t.G.buffers(), strict=True))
    assert torch.equal(noise_state, t.noise.get_state())


def test_ema_measures_statistics_again_after_loading_other_weights(data, tmp_path):
    """Loading weights (a resumed checkpoint's) makes the measured statistics stale: the next
    sampling G has the statistics of the loaded weights, as a fresh average of them would."""
    t = trainer(data, tmp_path, ema=0.5)
    t.run(until=1)
    t.sampling_generator()  # measured for the weights of epoch 1
    other = copy.deepcopy(t.ema.model)
    with torch.no_grad():
        for p in other.parameters():
            p.mul_(1.5)
    t.ema.load_state_dict(other.state_dict())
    sampling = t.sampling_generator()
    fresh = EMA(other, 0.5)
    fresh.standing_statistics(t.settings.batch_size, seed=t.seed)
    for a, b in zip(sampling.buffers(), fresh.model.buffers(), strict=True):
        assert torch.equal(a, b)
    loaded_bn = next(m for m in other.modules() if isinstance(m, torch.nn.BatchNorm2d))
    measured_bn = next(m for m in sampling.modules() if isinstance(m, torch.nn.BatchNorm2d))
    assert not torch.allclose(loaded_bn.running_mean, measured_bn.running_mean)


def test_weight_clipping_keeps_critic_weights_in_range(data, tmp_path):
    t = trainer(
        data, tmp_path, loss="wasserstein", clip=0.01, optimizer="rmsprop", lr=5e-5, n_critic=2
    )
    t.run(until=1)
    assert all(p.abs().max() <= 0.01 for p in t.D.parameters())
    g_steps = sum(1 for r in t.rows if not np.isnan(r[3]))
    assert g_steps == len(t.rows) // 2  # one G update per n_critic D updates


def test_a_discriminator_step_moves_d_alone_as_train_steps_d_half_does(data, tmp_path):
    """D's update against a fixed G: G's weights stay; D's become those of a train step's D
    update from the same state (the same fakes from the same noise, the same D loss)."""
    alone, joint = trainer(data, tmp_path / "alone"), trainer(data, tmp_path / "joint", n_critic=2)
    real = torch.rand(16, 3, 32, 32) * 2 - 1
    labels = torch.zeros(16, dtype=torch.long)
    g_before = [p.detach().clone() for p in alone.G.parameters()]
    d_before = [p.detach().clone() for p in alone.D.parameters()]
    step = alone.discriminator_step(real, labels, 0, 4)
    joint.train_step(real, labels, 0, 4)  # n_critic 2: its first step updates D only
    assert all(torch.equal(a, b) for a, b in zip(g_before, alone.G.parameters(), strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(d_before, alone.D.parameters(), strict=True))
    assert torch.equal(weights(alone), weights(joint))
    assert step.loss.item() == joint._pending[0][0].item()


@pytest.mark.parametrize("flip", [0.0, 0.25])
def test_label_smoothing_and_flipping_rates(data, tmp_path, flip):
    t = trainer(data, tmp_path, label_smoothing=0.1, label_flip=flip)
    real, fake = t._targets(20000)
    flipped = (real == 0).float().mean().item()
    assert flipped == pytest.approx(flip, abs=0.015)
    for t in (real, fake):  # every target is either the smoothed real label or the fake one
        assert torch.all(torch.isclose(t, torch.tensor(0.9)) | (t == 0))
    assert (fake != 0).float().mean().item() == pytest.approx(flip, abs=0.015)


def test_generate_is_independent_of_batch_size(data, tmp_path):
    t = trainer(data, tmp_path)
    t.run(until=1)
    G = load_generator(t.checkpoint())
    a, _ = generate(G, 10, seed=1, batch_size=3)
    b, _ = generate(G, 10, seed=1, batch_size=10)
    assert torch.allclose(a, b, atol=1e-6)
    c, _ = generate(G, 10, seed=2)
    assert not torch.allclose(a, c)


def test_cosine_schedule_reaches_the_floor(data, tmp_path):
    t = trainer(data, tmp_path, lr_schedule="cosine", lr_floor=0.1, lr=1e-3)
    t.run()
    assert t.opt_d.param_groups[0]["lr"] == pytest.approx(1e-4)
    assert t.opt_g.param_groups[0]["lr"] == pytest.approx(1e-4)


def test_bf16_autocast_trains_in_float32_storage_and_changes_the_numbers(data, tmp_path):
    """amp: forward passes in bf16 (autocast), weights and losses float32, finite; not a no-op."""
    exact, amp = trainer(data, tmp_path / "fp32"), trainer(data, tmp_path / "amp", amp=True)
    exact.run(until=1)
    amp.run(until=1)
    assert all(p.dtype == torch.float32 for p in [*amp.G.parameters(), *amp.D.parameters()])
    assert all(math.isfinite(v) for row in amp.rows for v in row[2:4])
    assert not torch.equal(weights(exact), weights(amp))
    # and bf16 only perturbs the run: both moved the same way from the same initial weights
    start = weights(trainer(data, tmp_path / "init"))
    moved_exact, moved_amp = weights(exact) - start, weights(amp) - start
    assert torch.nn.functional.cosine_similarity(moved_exact, moved_amp, dim=0) > 0.5
