"""The training loop: one loop for every family, resumable, bitwise reproducible on CPU.

What makes a run differ is data in ``TrainSettings`` (loss by name, optimiser, techniques);
the loop never branches on the model's name. All state needed to continue (weights, optimisers,
schedulers, EMA, every random generator, the position in the epoch, the losses so far) is saved
atomically in ``state_dir/resume.pt``, so a killed job continues where it stopped and ends with
the same numbers as one that was never interrupted.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NamedTuple, TextIO

import torch
import torch.nn as nn
import torch.nn.functional as F

from ganrepro.data import ImageArrays, to_float
from ganrepro.events import EventLog
from ganrepro.io import atomic_path, load_torch, save_torch
from ganrepro.models import DOutput, build_discriminator, build_generator
from ganrepro.models.layers import reinitialise
from ganrepro.training import health
from ganrepro.training.losses import get_loss, gradient_penalty
from ganrepro.training.noise import seeded
from ganrepro.training.settings import TrainSettings, identity_settings

# One row per step: the losses, D's mean outputs, then D's health (ganrepro.training.health);
# the spectral columns follow (`Trainer.spectral_names`), filled at each logging interval.
LOSS_COLUMNS = (
    "epoch", "step", "d_loss", "g_loss", "d_real", "d_fake", "gp", *health.STEP_COLUMNS
)  # fmt: skip
# TensorBoard tags of the columns after epoch and step
EVENT_TAGS = (
    "loss/D", "loss/G", "D_logit/real", "D_logit/fake", "loss/gradient_penalty", *health.STEP_TAGS
)  # fmt: skip


class TrainingDiverged(RuntimeError):
    """A loss became NaN or infinite; the run cannot continue."""

    def __init__(self, epoch: int, step: int, what: str):
        super().__init__(
            f"training diverged at epoch {epoch}, step {step}: {what}. Lower the learning rate, "
            "change the loss or enable gradient penalty / spectral norm; "
            "the checkpoints of earlier epochs are kept."
        )
        self.epoch, self.step = epoch, step


class EMA:
    """Exponential moving average of a model: ema <- decay * ema + (1 - decay) * param.

    Buffers are copied at each update, not averaged; before the averaged model is saved its
    BatchNorm statistics are measured anew (`standing_statistics`): the live model's describe
    other weights, and sampling in eval mode reads them.
    """

    def __init__(self, model: nn.Module, decay: float):
        self.decay = decay
        self.model = copy.deepcopy(model).eval().requires_grad_(False)
        self._measured = False  # standing statistics belong to the current weights

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        ema_params = list(self.model.parameters())
        live_params = [param.detach() for param in model.parameters()]
        torch._foreach_lerp_(ema_params, live_params, 1.0 - self.decay)
        for ema_buffer, buffer in zip(self.model.buffers(), model.buffers(), strict=True):
            ema_buffer.copy_(buffer)
        self._measured = False

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.model.load_state_dict(state)
        self._measured = False  # whatever was measured belonged to the weights before

    @torch.no_grad()
    def standing_statistics(self, batch_size: int, batches: int = 16, seed: int = 0) -> None:
        """BigGAN's "standing statistics" (Brock et al. 2019, app. C.1): every BatchNorm's
        running mean and variance become the plain average over ``batches`` batches of the
        averaged G's own activations (fixed noise, labels balanced over classes), so the EMA
        weights are sampled with statistics that belong to them. Only BatchNorm layers run in
        training mode (a spectral norm's power iteration is left alone); the noise has its own
        generator, so training's random streams do not move."""
        norms = [
            layer
            for layer in self.model.modules()
            if isinstance(layer, nn.modules.batchnorm._BatchNorm)
        ]
        if not norms or self._measured:
            return
        G = self.model
        device = next(G.parameters()).device
        noise = torch.Generator(device=device).manual_seed(seed)
        n_classes = getattr(G, "n_classes", 0)
        momenta = [norm.momentum for norm in norms]
        for norm in norms:
            norm.reset_running_stats()
            norm.momentum = None  # cumulative average: every batch weighs the same
            norm.train()
        try:
            for i in range(batches):
                z = torch.randn(batch_size, G.latent_dim, device=device, generator=noise)
                labels = (
                    (torch.arange(batch_size, device=device) + i * batch_size) % n_classes
                    if n_classes
                    else None
                )
                G(z, labels)
        finally:
            for norm, momentum in zip(norms, momenta, strict=True):
                norm.momentum = momentum
            G.eval()
        self._measured = True


class ReplayBuffer:
    """Older generated images that D is shown again (Shrivastava et al. 2017; ganhacks: "train
    D with a history of older generator samples"), so D does not forget what G used to make
    and G cannot win by cycling back to an old mode.

    While filling, each batch is stored and passed through unchanged. Once full, each image of
    a batch is, with probability ``fraction``, swapped with a random stored image (the stored
    one goes to D, the new one takes its slot; CycleGAN's image pool, vectorised). Labels
    travel with their images, so conditional D and AC-GAN see the class each image was made
    for. The contents and the random generator are part of the training state.
    """

    def __init__(self, capacity: int, fraction: float, generator: torch.Generator):
        self.capacity, self.fraction, self.rng = capacity, fraction, generator
        self.images: torch.Tensor | None = None
        self.labels: torch.Tensor | None = None
        self.count = 0

    @torch.no_grad()
    def swap(
        self, images: torch.Tensor, labels: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        batch_size = images.shape[0]
        if self.images is None:
            self.images = images.new_empty((self.capacity, *images.shape[1:]))
            self.labels = None if labels is None else labels.new_empty(self.capacity)
        if self.count < self.capacity:
            stored = min(batch_size, self.capacity - self.count)
            self.images[self.count : self.count + stored] = images[:stored]
            if labels is not None:
                self.labels[self.count : self.count + stored] = labels[:stored]
            self.count += stored
            return images, labels
        swapped = torch.rand(batch_size, device=images.device, generator=self.rng) < self.fraction
        positions = swapped.nonzero().flatten()
        slots = torch.randperm(self.capacity, device=images.device, generator=self.rng)[
            : positions.numel()
        ]
        shown = images.clone()
        shown[positions] = self.images[slots]
        self.images[slots] = images[positions]
        if labels is not None:
            labels = labels.clone()
            stored_labels = self.labels[slots]
            self.labels[slots] = labels[positions]
            labels[positions] = stored_labels
        return shown, labels

    def state(self) -> dict[str, Any]:
        return {
            "images": self.images,
            "labels": self.labels,
            "count": self.count,
            "rng": self.rng.get_state(),
        }

    def load_state(self, state: dict[str, Any]) -> None:
        self.images = None if state["images"] is None else state["images"].clone()
        self.labels = None if state["labels"] is None else state["labels"].clone()
        self.count = state["count"]
        self.rng.set_state(state["rng"])


def _split(out: DOutput, n_first: int) -> tuple[DOutput, DOutput]:
    """Split a joint batch's output into its first ``n_first`` rows and the rest."""

    def rows(tensor, selection):
        return None if tensor is None else tensor[selection]

    first, rest = slice(None, n_first), slice(n_first, None)
    return (
        DOutput(out.logits[first], rows(out.features, first), rows(out.class_logits, first)),
        DOutput(out.logits[rest], rows(out.features, rest), rows(out.class_logits, rest)),
    )


class _DStep(NamedTuple):
    """What D's update leaves for G's update and for the loss row."""

    loss: torch.Tensor
    penalty: torch.Tensor  # the gradient penalty (0 when off)
    real_out: DOutput
    fake_out: DOutput
    real_input: torch.Tensor  # the real batch as D saw it (instance noise added)
    grad_norm: torch.Tensor  # of D's gradients in this update (NaN when health is off)


def model_config(settings: TrainSettings, data: ImageArrays) -> dict[str, Any]:
    """Arguments for the registry, stored in every checkpoint so G can be rebuilt from it alone."""
    _, image_size, _, channels = data.images.shape
    n_classes = len(data.classes) if settings.conditional else 0
    if settings.conditional and n_classes < 2:
        raise ValueError(
            f"conditional training needs a dataset with at least 2 classes, got {n_classes}; "
            "set conditional: false or use a labelled dataset"
        )
    return dict(
        model=settings.model,
        latent_dim=settings.latent_dim,
        image_size=image_size,
        channels=channels,
        width=settings.width,
        n_classes=n_classes,
        **settings.model_options,
    )


def _lr_lambda(settings: TrainSettings, total_steps: int, floor: float | None = None):
    floor = settings.lr_floor if floor is None else floor

    def factor(step: int) -> float:
        progress = min(step / max(total_steps, 1), 1.0)
        if settings.lr_schedule == "linear":
            return 1.0 - (1.0 - floor) * progress
        if settings.lr_schedule == "cosine":
            return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * progress))
        return 1.0

    return factor


def _optimizer(settings: TrainSettings, params, lr: float) -> torch.optim.Optimizer:
    if settings.optimizer == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(settings.beta1, settings.beta2))
    if settings.optimizer == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr)
    raise ValueError(f"unknown optimizer {settings.optimizer!r}; use adam or rmsprop")


class Trainer:
    """Owns models, optimisers and random state of one run; ``run`` trains to the last epoch."""

    def __init__(
        self,
        settings: TrainSettings,
        data: ImageArrays,
        *,
        seed: int,
        device: torch.device,
        state_dir: str | Path,
        log: TextIO = sys.stderr,
        save_every_seconds: float = 600.0,
        events: EventLog | None = None,
        measure_health: bool = True,
    ):
        """``measure_health``: measure D's health (ganrepro.training.health) into the losses'
        rows and the events; off only to measure what it costs (bench: health_overhead)."""
        self.settings, self.seed, self.device, self.log = settings, seed, device, log
        self.measure_health = measure_health
        self.events = events if events is not None else EventLog("", enabled=False)
        self.loss = get_loss(settings.loss)
        self.state_dir = Path(state_dir)
        self.save_every_seconds = save_every_seconds
        self.config = model_config(settings, data)
        self.n_images = data.images.shape[0]
        self.steps_per_epoch = self.n_images // settings.batch_size
        if self.steps_per_epoch < 1:
            raise ValueError(
                f"batch_size {settings.batch_size} is larger than the dataset "
                f"({self.n_images} images)"
            )
        # The dataset lives on the device as one uint8 tensor; batches are normalised there.
        self.images = torch.from_numpy(data.images).to(device)
        self.labels = torch.from_numpy(data.labels).to(device)

        torch.manual_seed(seed)  # model initialisation
        # Channels-last weights: convolutions then run in their NHWC kernels (faster on a CPU,
        # docs/findings.md, and the layout tensor cores want); fully connected layers are
        # unaffected.
        self.G = build_generator(**self.config).to(device, memory_format=torch.channels_last)
        self.D = build_discriminator(**self.config).to(device, memory_format=torch.channels_last)
        reinitialise(self.G, settings.init)
        reinitialise(self.D, settings.init)
        lr_g = settings.lr_g if settings.lr_g is not None else settings.lr
        lr_d = settings.lr_d if settings.lr_d is not None else settings.lr
        self.opt_g = _optimizer(settings, self.G.parameters(), lr_g)
        self.opt_d = _optimizer(settings, self.D.parameters(), lr_d)
        total_steps = settings.epochs * self.steps_per_epoch
        self.sched_g = torch.optim.lr_scheduler.LambdaLR(
            self.opt_g, _lr_lambda(settings, total_steps // settings.n_critic, settings.lr_floor_g)
        )
        self.sched_d = torch.optim.lr_scheduler.LambdaLR(
            self.opt_d, _lr_lambda(settings, total_steps, settings.lr_floor_d)
        )
        self.ema = EMA(self.G, settings.ema) if settings.ema else None
        self.spectral = {
            **health.spectral_layers(self.G, "G"),
            **health.spectral_layers(self.D, "D"),
        }
        # the columns after LOSS_COLUMNS: sigma and weight norm of each spectral layer
        self.spectral_names = [
            f"{kind}/{name}" for name in self.spectral for kind in ("sigma", "weight_norm")
        ]
        self.spectral_rows: dict[int, list[float]] = {}  # step -> values, per logging interval
        self.noise = seeded(seed, 2, device=device)  # z, fake labels, smoothing, flips, penalty
        # Its own stream, so turning replay on leaves every other random draw where it was.
        self.replay = (
            ReplayBuffer(
                settings.replay_size, settings.replay_fraction, seeded(seed, 5, device=device)
            )
            if settings.replay_size
            else None
        )
        self.epoch, self.batch = 0, 0  # position: next batch to train
        self.rows: list[tuple] = []
        self._pending: list[torch.Tensor] = []

    # -- state -------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        self.sampling_generator()  # the EMA G's BatchNorm statistics, measured for its weights
        return {
            "generator": self.G.state_dict(),
            "discriminator": self.D.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "sched_g": self.sched_g.state_dict(),
            "sched_d": self.sched_d.state_dict(),
            "generator_ema": self.ema.model.state_dict() if self.ema else None,
            "noise": self.noise.get_state(),
            "torch_rng": torch.get_rng_state(),
            "cuda_rng": torch.cuda.get_rng_state_all() if self.device.type == "cuda" else None,
            "epoch": self.epoch,
            "batch": self.batch,
            "rows": self.rows,
            "spectral_rows": self.spectral_rows,
            "settings": dataclasses.asdict(self.settings),
            # what load_state compares: a setting added since (off by default) is not in it
            "identity_settings": identity_settings(self.settings),
            "seed": self.seed,
            "replay": self.replay.state() if self.replay else None,
        }

    def load_state(self, state: dict[str, Any]) -> None:
        # the saved settings under today's identity rule: a state saved when the length or the
        # scored epochs were part of every identity continues as the run it is
        saved = identity_settings(type(self.settings).from_dict(state["identity_settings"]))
        if saved != identity_settings(self.settings) or state["seed"] != self.seed:
            raise ValueError("saved state belongs to different settings or another seed")
        self.G.load_state_dict(state["generator"])
        self.D.load_state_dict(state["discriminator"])
        self.opt_g.load_state_dict(state["opt_g"])
        self.opt_d.load_state_dict(state["opt_d"])
        self.sched_g.load_state_dict(state["sched_g"])
        self.sched_d.load_state_dict(state["sched_d"])
        if self.ema:
            self.ema.load_state_dict(state["generator_ema"])
        self.noise.set_state(state["noise"])
        torch.set_rng_state(state["torch_rng"])
        if state["cuda_rng"] is not None:
            torch.cuda.set_rng_state_all(state["cuda_rng"])
        if self.replay:
            self.replay.load_state(state["replay"])
        self.epoch, self.batch = state["epoch"], state["batch"]
        self.rows = list(state["rows"])
        self.spectral_rows = dict(state.get("spectral_rows", {}))  # none before 2026-12-07

    def try_resume(self, until: int) -> bool:
        """Continue from the periodic save if it lies between the current position and ``until``."""
        path = self.state_dir / "resume.pt"
        if not path.exists():
            return False
        try:
            state = load_torch(path, map_location=self.device)
            if not (self.epoch, self.batch) < (state["epoch"], state["batch"]) <= (until, 0):
                return False
            self.load_state(state)  # checks the settings before it changes anything
        except (RuntimeError, ValueError, KeyError) as err:
            print(f"ignoring saved state {path}: {err}", file=self.log)
            return False
        print(f"resumed from {path} at epoch {self.epoch + 1}, batch {self.batch}", file=self.log)
        return True

    def save_state(self) -> None:
        self._flush()
        # events on disk first: a kill -9 after this save must not lose saved steps' events
        # (ones written past a later save are dropped on resume: see ganrepro.events)
        self.events.flush()
        save_torch(self.state_dir / "resume.pt", self.state())

    def checkpoint(self) -> dict[str, Any]:
        """The full training state (so the next segment continues from it) plus what sampling
        needs to rebuild G on its own."""
        self._flush()
        return {**self.state(), "status": "ok", "model_config": self.config}

    def sampling_generator(self) -> nn.Module:
        """The G that samples: the EMA's (with BatchNorm statistics of its own weights) or G."""
        if not self.ema:
            return self.G
        self.ema.standing_statistics(self.settings.batch_size, seed=self.seed)
        return self.ema.model

    # -- one step ----------------------------------------------------------------------------
    def _d_inputs(self, images: torch.Tensor, step: int, total: int) -> torch.Tensor:
        if self.settings.instance_noise <= 0:
            return images
        sigma = self.settings.instance_noise * max(0.0, 1.0 - step / total)
        return images + sigma * torch.randn(
            images.shape, device=images.device, generator=self.noise
        )

    def _targets(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor]:
        settings = self.settings
        real = torch.full((batch_size,), 1.0 - settings.label_smoothing, device=self.device)
        fake = torch.zeros(batch_size, device=self.device)
        if settings.soft_labels > 0:
            real = real - settings.soft_labels * torch.rand(
                batch_size, device=self.device, generator=self.noise
            )
            fake = fake + settings.soft_labels * torch.rand(
                batch_size, device=self.device, generator=self.noise
            )
        if settings.label_flip > 0:
            flip = (
                torch.rand(batch_size, device=self.device, generator=self.noise)
                < settings.label_flip
            )
            real, fake = torch.where(flip, fake, real), torch.where(flip, real, fake)
        return real, fake

    def _sample_z(self, batch_size: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        """G's input: latent vectors, then (conditional families) the classes to make."""
        z = torch.randn(
            batch_size, self.settings.latent_dim, device=self.device, generator=self.noise
        )
        labels = None
        if self.config["n_classes"]:
            labels = torch.randint(
                self.config["n_classes"], (batch_size,), device=self.device, generator=self.noise
            )
        return z, labels

    def _discriminate(
        self,
        real: torch.Tensor,
        labels: torch.Tensor | None,
        fake: torch.Tensor,
        fake_labels: torch.Tensor | None,
    ) -> tuple[DOutput, DOutput]:
        """D on the real and the fake batch: two forward passes (``separate``, so BatchNorm
        normalises each batch by its own statistics, as ganhacks advise) or one on their
        concatenation (``joint``)."""
        if self.settings.d_batches == "joint":
            both_labels = None if labels is None else torch.cat([labels, fake_labels])
            return _split(self.D(torch.cat([real, fake]), both_labels), real.shape[0])
        return self.D(real, labels), self.D(fake, fake_labels)

    def _autocast(self) -> torch.autocast:
        """bf16 autocast of the forward passes when ``amp`` is on (off: a no-op context).

        bf16 keeps float32's exponent range, so no loss scaling is needed; weights, optimiser
        state and the losses stay float32. Meant for GPUs with bf16 units (it runs on CPU too).
        """
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.settings.amp)

    def train_step(
        self, real: torch.Tensor, labels: torch.Tensor | None, step: int, total: int
    ) -> None:
        """One update of D and, every ``n_critic``-th step, one of G; the losses are queued
        on the device for `_flush`."""
        trains_g = (step + 1) % self.settings.n_critic == 0
        # When the G step follows this D step and D sees G's own fresh batch (no replay), the G
        # step reuses that batch, as PyTorch's DCGAN example and the paper's code do: one G
        # forward per step instead of two. Otherwise (n_critic > 1, replay) G draws its own.
        reuse = trains_g and self.replay is None
        z, fake_labels = self._sample_z(real.shape[0])
        with torch.set_grad_enabled(reuse), self._autocast():
            generated = self.G(z, fake_labels)
        d_step = self._d_step(real, labels, generated.detach().float(), fake_labels, step, total)
        g_loss = g_norm = self._nan
        if trains_g:
            g_batch = (generated, fake_labels) if reuse else None
            g_loss, g_norm = self._g_step(d_step, labels, g_batch, step, total)
        real_logits, fake_logits = d_step.real_out.logits, d_step.fake_out.logits
        accuracy, violations = (
            health.separation(self.loss, real_logits, fake_logits)
            if self.measure_health
            else (self._nan, self._nan)
        )
        # Kept on the device: reading them every step would sync the host with the GPU. The last
        # value says whether G stepped (g_loss is NaN by design when it did not).
        self._pending.append(
            torch.stack(
                [
                    d_step.loss.detach(),
                    g_loss.detach(),
                    real_logits.detach().float().mean(),
                    fake_logits.detach().float().mean(),
                    d_step.penalty.detach(),
                    accuracy.to(self.device),
                    violations.to(self.device),
                    d_step.grad_norm.to(self.device),
                    g_norm.to(self.device),
                    torch.tensor(float(trains_g), device=self.device),
                ]
            )
        )

    def discriminator_step(
        self, real: torch.Tensor, labels: torch.Tensor | None, step: int, total: int
    ) -> _DStep:
        """One update of D alone against G's current fakes, G untouched: D's half of
        ``train_step``, for probes that hold G fixed (bench/frozen_g.py)."""
        z, fake_labels = self._sample_z(real.shape[0])
        with torch.no_grad(), self._autocast():
            fake = self.G(z, fake_labels)
        return self._d_step(real, labels, fake.float(), fake_labels, step, total)

    @property
    def _nan(self) -> torch.Tensor:
        return torch.full((), float("nan"), device=self.device)

    def _gradient_norm(self, module: nn.Module) -> torch.Tensor:
        return health.gradient_norm(module) if self.measure_health else self._nan

    def _d_step(
        self,
        real: torch.Tensor,
        labels: torch.Tensor | None,
        fake: torch.Tensor,
        fake_labels: torch.Tensor | None,
        step: int,
        total: int,
    ) -> _DStep:
        """D's update on a real batch and G's (detached) fakes, or older ones from replay."""
        settings = self.settings
        if self.replay is not None:
            fake, fake_labels = self.replay.swap(fake, fake_labels)
        real_input = self._d_inputs(real, step, total)
        with self._autocast():
            real_out, fake_out = self._discriminate(
                real_input, labels, self._d_inputs(fake, step, total), fake_labels
            )
            real_target, fake_target = self._targets(real.shape[0])
            loss = self.loss.d(real_out.logits, fake_out.logits, real_target, fake_target).float()
            penalty = torch.zeros((), device=self.device)
            if settings.gp_weight > 0:
                penalty = gradient_penalty(
                    lambda images: self.D(images, labels).logits, real, fake, generator=self.noise
                ).float()
                loss = loss + settings.gp_weight * penalty
            if real_out.class_logits is not None:
                loss = loss + settings.aux_weight * (
                    F.cross_entropy(real_out.class_logits, labels)
                    + F.cross_entropy(fake_out.class_logits, fake_labels)
                )
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = self._gradient_norm(self.D)
        self.opt_d.step()
        self.sched_d.step()
        if settings.clip is not None:
            with torch.no_grad():
                for param in self.D.parameters():
                    param.clamp_(-settings.clip, settings.clip)
        return _DStep(loss, penalty, real_out, fake_out, real_input, grad_norm)

    def _g_step(
        self,
        d_step: _DStep,
        labels: torch.Tensor | None,
        g_batch: tuple[torch.Tensor, torch.Tensor | None] | None,
        step: int,
        total: int,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """G's update, judged by the D just updated: (G's loss, its gradient norm).
        ``g_batch`` is the batch D was just shown with its graph (images, classes), or None: G
        then draws a fresh one."""
        settings = self.settings
        with self._autocast():
            if g_batch is None:
                z, fake_labels = self._sample_z(d_step.real_input.shape[0])
                generated = self.G(z, fake_labels)
            else:
                generated, fake_labels = g_batch
            generated_input = self._d_inputs(generated, step, total)
            if settings.d_batches == "joint":
                # D judges G's batch beside the real one, as it was trained: with BatchNorm,
                # a fake batch alone is normalised by its own statistics, which hides from G
                # what D tells apart (a fake batch's overall contrast or brightness).
                generated_out = self._discriminate(
                    d_step.real_input, labels, generated_input, fake_labels
                )[1]
            else:
                generated_out = self.D(generated_input, fake_labels)
            if settings.feature_matching:
                loss = F.mse_loss(
                    generated_out.features.float().mean(0),
                    d_step.real_out.features.detach().float().mean(0),
                )
            else:
                loss = self.loss.g(generated_out.logits).float()
            if generated_out.class_logits is not None:
                loss = loss + settings.aux_weight * F.cross_entropy(
                    generated_out.class_logits, fake_labels
                )
        self.opt_g.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = self._gradient_norm(self.G)
        self.opt_g.step()
        self.sched_g.step()
        if self.ema:
            self.ema.update(self.G)
        return loss, grad_norm

    def _flush(self) -> None:
        if not self._pending:
            return
        values = torch.stack(self._pending).cpu().tolist()
        first = len(self.rows)
        self._pending.clear()
        for i, (*losses, g_stepped) in enumerate(values):
            step = first + i
            self.rows.append((step // self.steps_per_epoch + 1, step, *losses))
            self.events.scalars(step, dict(zip(EVENT_TAGS, losses, strict=True)))
            d_loss, g_loss = losses[0], losses[1]
            # any non-finite loss of either player, D or G, in every family
            if not math.isfinite(d_loss) or (g_stepped and not math.isfinite(g_loss)):
                raise TrainingDiverged(
                    step // self.steps_per_epoch + 1, step, f"d_loss={d_loss}, g_loss={g_loss}"
                )
        lr_g, lr_d = self.sched_g.get_last_lr()[0], self.sched_d.get_last_lr()[0]
        self.events.scalars(len(self.rows) - 1, {"lr/G": lr_g, "lr/D": lr_d})
        if self.measure_health and self.spectral:
            values = health.spectral_statistics(self.spectral)
            self.spectral_rows[len(self.rows) - 1] = [values[name] for name in self.spectral_names]
            self.events.scalars(len(self.rows) - 1, values)

    # -- the loop ----------------------------------------------------------------------------
    def run(self, until: int | None = None, on_checkpoint=None, log_every: int = 50) -> None:
        """Train up to epoch ``until`` (default: the last); call ``on_checkpoint(epoch)`` after
        each checkpoint epoch."""
        settings = self.settings
        until = settings.epochs if until is None else until
        total_steps = settings.epochs * self.steps_per_epoch
        last_save = time.monotonic()
        checkpoint_epochs = set(settings.checkpoint_epochs())
        while self.epoch < until:
            self.G.train()
            self.D.train()
            order = torch.randperm(self.n_images, generator=seeded(self.seed, 3, self.epoch)).to(
                self.device
            )
            epoch_start, first_batch = time.monotonic(), self.batch
            while self.batch < self.steps_per_epoch:
                start = self.batch * settings.batch_size
                batch_indices = order[start : start + settings.batch_size]
                step = self.epoch * self.steps_per_epoch + self.batch
                real = to_float(self.images[batch_indices])
                labels = self.labels[batch_indices] if self.config["n_classes"] else None
                self.train_step(real, labels, step, total_steps)
                self.batch += 1
                if self.batch % log_every == 0 or self.batch == self.steps_per_epoch:
                    self._flush()
                    self._progress(epoch_start, first_batch)
                if time.monotonic() - last_save > self.save_every_seconds:
                    self.save_state()  # a killed job loses at most this interval
                    last_save = time.monotonic()
            self.epoch, self.batch = self.epoch + 1, 0
            self._flush()
            if self.epoch in checkpoint_epochs and on_checkpoint is not None:
                on_checkpoint(self.epoch)
            self.save_state()
            last_save = time.monotonic()

    def _progress(self, epoch_start: float, first_batch: int) -> None:
        done = self.batch / self.steps_per_epoch
        bar = "#" * int(20 * done) + "." * (20 - int(20 * done))
        seconds = max(time.monotonic() - epoch_start, 1e-9)
        rate = (self.batch - first_batch) * self.settings.batch_size / seconds
        d_loss = self.rows[-1][2]
        g_last = next(
            (row[3] for row in reversed(self.rows) if not math.isnan(row[3])), float("nan")
        )
        print(
            f"epoch {self.epoch + 1}/{self.settings.epochs} [{bar}] "
            f"{self.batch}/{self.steps_per_epoch} "
            f"d_loss={d_loss:.4f} g_loss={g_last:.4f} {rate:.0f} img/s",
            file=self.log,
            flush=True,
        )


def write_losses_csv(
    path: str | Path,
    rows: Sequence[tuple],
    spectral_names: Sequence[str] = (),
    spectral_rows: dict[int, list[float]] | None = None,
) -> None:
    """One row per step; a column left empty where it was not measured: the health columns of
    steps trained before they existed (a run continued from an older checkpoint), the spectral
    ones between logging intervals."""
    spectral_rows = spectral_rows or {}
    blank = [""] * len(spectral_names)
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow([*LOSS_COLUMNS, *spectral_names])
        for row in rows:
            padded = [*row, *[""] * (len(LOSS_COLUMNS) - len(row))]
            writer.writerow([*padded, *spectral_rows.get(row[1], blank)])
