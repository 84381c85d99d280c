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
from typing import Any, TextIO

import torch
import torch.nn as nn
import torch.nn.functional as F

from ganrepro import losses as L
from ganrepro.data import ImageArrays, to_float
from ganrepro.events import EventLog
from ganrepro.io import atomic_path, load_torch, save_torch
from ganrepro.models import DOutput, build_discriminator, build_generator
from ganrepro.noise import seeded
from ganrepro.settings import TrainSettings, identity_settings

LOSS_COLUMNS = ("epoch", "step", "d_loss", "g_loss", "d_real", "d_fake", "gp")
# TensorBoard tags of the loss columns after epoch and step
EVENT_TAGS = ("loss/D", "loss/G", "D_logit/real", "D_logit/fake", "loss/gradient_penalty")


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
        ema_p = list(self.model.parameters())
        torch._foreach_lerp_(ema_p, [p.detach() for p in model.parameters()], 1.0 - self.decay)
        for b_ema, b in zip(self.model.buffers(), model.buffers(), strict=True):
            b_ema.copy_(b)
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
        norms = [m for m in self.model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        if not norms or self._measured:
            return
        G = self.model
        device = next(G.parameters()).device
        noise = torch.Generator(device=device).manual_seed(seed)
        n_classes = getattr(G, "n_classes", 0)
        momenta = [m.momentum for m in norms]
        for m in norms:
            m.reset_running_stats()
            m.momentum = None  # cumulative average: every batch weighs the same
            m.train()
        try:
            for i in range(batches):
                z = torch.randn(batch_size, G.latent_dim, device=device, generator=noise)
                y = (
                    (torch.arange(batch_size, device=device) + i * batch_size) % n_classes
                    if n_classes
                    else None
                )
                G(z, y)
        finally:
            for m, momentum in zip(norms, momenta, strict=True):
                m.momentum = momentum
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
        n = images.shape[0]
        if self.images is None:
            self.images = images.new_empty((self.capacity, *images.shape[1:]))
            self.labels = None if labels is None else labels.new_empty(self.capacity)
        if self.count < self.capacity:
            k = min(n, self.capacity - self.count)
            self.images[self.count : self.count + k] = images[:k]
            if labels is not None:
                self.labels[self.count : self.count + k] = labels[:k]
            self.count += k
            return images, labels
        swap = torch.rand(n, device=images.device, generator=self.rng) < self.fraction
        idx = swap.nonzero().flatten()
        slots = torch.randperm(self.capacity, device=images.device, generator=self.rng)[
            : idx.numel()
        ]
        out = images.clone()
        out[idx] = self.images[slots]
        self.images[slots] = images[idx]
        if labels is not None:
            labels = labels.clone()
            old = self.labels[slots]
            self.labels[slots] = labels[idx]
            labels[idx] = old
        return out, labels

    def state(self) -> dict[str, Any]:
        return {
            "images": self.images,
            "labels": self.labels,
            "count": self.count,
            "rng": self.rng.get_state(),
        }

    def load_state(self, st: dict[str, Any]) -> None:
        self.images = None if st["images"] is None else st["images"].clone()
        self.labels = None if st["labels"] is None else st["labels"].clone()
        self.count = st["count"]
        self.rng.set_state(st["rng"])


def _split(out: DOutput, n: int) -> tuple[DOutput, DOutput]:
    """Split a joint batch's output into its first n rows and the rest."""

    def part(t, sl):
        return None if t is None else t[sl]

    a, b = slice(None, n), slice(n, None)
    return (
        DOutput(out.logits[a], part(out.features, a), part(out.class_logits, a)),
        DOutput(out.logits[b], part(out.features, b), part(out.class_logits, b)),
    )


def model_config(settings: TrainSettings, data: ImageArrays) -> dict[str, Any]:
    """Arguments for the registry, stored in every checkpoint so G can be rebuilt from it alone."""
    _, h, _, c = data.images.shape
    n_classes = len(data.classes) if settings.conditional else 0
    if settings.conditional and n_classes < 2:
        raise ValueError(
            f"conditional training needs a dataset with at least 2 classes, got {n_classes}; "
            "set conditional: false or use a labelled dataset"
        )
    return dict(
        model=settings.model,
        latent_dim=settings.latent_dim,
        image_size=h,
        channels=c,
        width=settings.width,
        n_classes=n_classes,
        **settings.model_options,
    )


def _lr_lambda(settings: TrainSettings, total_steps: int, floor: float | None = None):
    floor = settings.lr_floor if floor is None else floor

    def factor(step: int) -> float:
        t = min(step / max(total_steps, 1), 1.0)
        if settings.lr_schedule == "linear":
            return 1.0 - (1.0 - floor) * t
        if settings.lr_schedule == "cosine":
            return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * t))
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
    ):
        self.s, self.seed, self.device, self.log = settings, seed, device, log
        self.events = events if events is not None else EventLog("", enabled=False)
        self.loss = L.get_loss(settings.loss)
        self.state_dir = Path(state_dir)
        self.save_every_seconds = save_every_seconds
        self.config = model_config(settings, data)
        self.n = data.images.shape[0]
        self.steps_per_epoch = self.n // settings.batch_size
        if self.steps_per_epoch < 1:
            raise ValueError(
                f"batch_size {settings.batch_size} is larger than the dataset ({self.n} images)"
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
        lr_g = settings.lr_g if settings.lr_g is not None else settings.lr
        lr_d = settings.lr_d if settings.lr_d is not None else settings.lr
        self.opt_g = _optimizer(settings, self.G.parameters(), lr_g)
        self.opt_d = _optimizer(settings, self.D.parameters(), lr_d)
        total = settings.epochs * self.steps_per_epoch
        self.sched_g = torch.optim.lr_scheduler.LambdaLR(
            self.opt_g, _lr_lambda(settings, total // settings.n_critic, settings.lr_floor_g)
        )
        self.sched_d = torch.optim.lr_scheduler.LambdaLR(
            self.opt_d, _lr_lambda(settings, total, settings.lr_floor_d)
        )
        self.ema = EMA(self.G, settings.ema) if settings.ema else None
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
            "settings": dataclasses.asdict(self.s),
            # what load_state compares: a setting added since (off by default) is not in it
            "identity_settings": identity_settings(self.s),
            "seed": self.seed,
            "replay": self.replay.state() if self.replay else None,
        }

    def load_state(self, st: dict[str, Any]) -> None:
        # the saved settings under today's identity rule: a state saved when the length or the
        # scored epochs were part of every identity continues as the run it is
        saved = identity_settings(type(self.s).from_dict(st["identity_settings"]))
        if saved != identity_settings(self.s) or st["seed"] != self.seed:
            raise ValueError("saved state belongs to different settings or another seed")
        self.G.load_state_dict(st["generator"])
        self.D.load_state_dict(st["discriminator"])
        self.opt_g.load_state_dict(st["opt_g"])
        self.opt_d.load_state_dict(st["opt_d"])
        self.sched_g.load_state_dict(st["sched_g"])
        self.sched_d.load_state_dict(st["sched_d"])
        if self.ema:
            self.ema.load_state_dict(st["generator_ema"])
        self.noise.set_state(st["noise"])
        torch.set_rng_state(st["torch_rng"])
        if st["cuda_rng"] is not None:
            torch.cuda.set_rng_state_all(st["cuda_rng"])
        if self.replay:
            self.replay.load_state(st["replay"])
        self.epoch, self.batch, self.rows = st["epoch"], st["batch"], list(st["rows"])

    def try_resume(self, until: int) -> bool:
        """Continue from the periodic save if it lies between the current position and ``until``."""
        path = self.state_dir / "resume.pt"
        if not path.exists():
            return False
        try:
            st = load_torch(path, map_location=self.device)
            if not (self.epoch, self.batch) < (st["epoch"], st["batch"]) <= (until, 0):
                return False
            self.load_state(st)  # checks the settings before it changes anything
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
        self.ema.standing_statistics(self.s.batch_size, seed=self.seed)
        return self.ema.model

    # -- one step ----------------------------------------------------------------------------
    def _d_inputs(self, x: torch.Tensor, step: int, total: int) -> torch.Tensor:
        if self.s.instance_noise <= 0:
            return x
        sigma = self.s.instance_noise * max(0.0, 1.0 - step / total)
        return x + sigma * torch.randn(x.shape, device=x.device, generator=self.noise)

    def _targets(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        real = torch.full((n,), 1.0 - self.s.label_smoothing, device=self.device)
        fake = torch.zeros(n, device=self.device)
        if self.s.soft_labels > 0:
            real = real - self.s.soft_labels * torch.rand(
                n, device=self.device, generator=self.noise
            )
            fake = fake + self.s.soft_labels * torch.rand(
                n, device=self.device, generator=self.noise
            )
        if self.s.label_flip > 0:
            flip = torch.rand(n, device=self.device, generator=self.noise) < self.s.label_flip
            real, fake = torch.where(flip, fake, real), torch.where(flip, real, fake)
        return real, fake

    def _sample_z(self, n: int) -> tuple[torch.Tensor, torch.Tensor | None]:
        z = torch.randn(n, self.s.latent_dim, device=self.device, generator=self.noise)
        y = None
        if self.config["n_classes"]:
            y = torch.randint(
                self.config["n_classes"], (n,), device=self.device, generator=self.noise
            )
        return z, y

    def _discriminate(
        self, x: torch.Tensor, y: torch.Tensor | None, fake: torch.Tensor, yf: torch.Tensor | None
    ) -> tuple[DOutput, DOutput]:
        """D on the real and the fake batch: two forward passes (``separate``, so BatchNorm
        normalises each batch by its own statistics, as ganhacks advise) or one on their
        concatenation (``joint``)."""
        if self.s.d_batches == "joint":
            labels = None if y is None else torch.cat([y, yf])
            return _split(self.D(torch.cat([x, fake]), labels), x.shape[0])
        return self.D(x, y), self.D(fake, yf)

    def _autocast(self) -> torch.autocast:
        """bf16 autocast of the forward passes when ``amp`` is on (off: a no-op context).

        bf16 keeps float32's exponent range, so no loss scaling is needed; weights, optimiser
        state and the losses stay float32. Meant for GPUs with bf16 units (it runs on CPU too).
        """
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.s.amp)

    def train_step(self, x: torch.Tensor, y: torch.Tensor | None, step: int, total: int) -> None:
        s, n = self.s, x.shape[0]
        g_step = (step + 1) % s.n_critic == 0
        # When the G step follows this D step and D sees G's own fresh batch (no replay), the G
        # step reuses that batch, as PyTorch's DCGAN example and the paper's code do: one G
        # forward per step instead of two. Otherwise (n_critic > 1, replay) G draws its own.
        reuse = g_step and self.replay is None
        z, yf = self._sample_z(n)
        with torch.set_grad_enabled(reuse), self._autocast():
            g_fake = self.G(z, yf)
        fake = g_fake.detach().float()
        if self.replay is not None:
            fake, yf_d = self.replay.swap(fake, yf)
        else:
            yf_d = yf
        x_d = self._d_inputs(x, step, total)
        with self._autocast():
            out_r, out_f = self._discriminate(x_d, y, self._d_inputs(fake, step, total), yf_d)
            rt, ft = self._targets(n)
            d_loss = self.loss.d(out_r.logits, out_f.logits, rt, ft).float()
            gp = torch.zeros((), device=self.device)
            if s.gp_weight > 0:
                gp = L.gradient_penalty(
                    lambda t: self.D(t, y).logits, x, fake, generator=self.noise
                ).float()
                d_loss = d_loss + s.gp_weight * gp
            if out_r.class_logits is not None:
                d_loss = d_loss + s.aux_weight * (
                    F.cross_entropy(out_r.class_logits, y)
                    + F.cross_entropy(out_f.class_logits, yf_d)
                )
        self.opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        self.opt_d.step()
        self.sched_d.step()
        if s.clip is not None:
            with torch.no_grad():
                for p in self.D.parameters():
                    p.clamp_(-s.clip, s.clip)

        g_loss = torch.full((), float("nan"), device=self.device)
        if g_step:
            with self._autocast():
                if not reuse:
                    z, yf = self._sample_z(n)
                    g_fake = self.G(z, yf)
                g_in = self._d_inputs(g_fake, step, total)
                if s.d_batches == "joint":
                    # D judges G's batch beside the real one, as it was trained: with BatchNorm,
                    # a fake batch alone is normalised by its own statistics, which hides from G
                    # what D tells apart (a fake batch's overall contrast or brightness).
                    out_g = self._discriminate(x_d, y, g_in, yf)[1]
                else:
                    out_g = self.D(g_in, yf)
                if s.feature_matching:
                    g_loss = F.mse_loss(
                        out_g.features.float().mean(0), out_r.features.detach().float().mean(0)
                    )
                else:
                    g_loss = self.loss.g(out_g.logits).float()
                if out_g.class_logits is not None:
                    g_loss = g_loss + s.aux_weight * F.cross_entropy(out_g.class_logits, yf)
            self.opt_g.zero_grad(set_to_none=True)
            g_loss.backward()
            self.opt_g.step()
            self.sched_g.step()
            if self.ema:
                self.ema.update(self.G)
        # Kept on the device: reading them every step would sync the host with the GPU. The last
        # value says whether G stepped (g_loss is NaN by design when it did not).
        self._pending.append(
            torch.stack(
                [
                    d_loss.detach(),
                    g_loss.detach(),
                    out_r.logits.detach().float().mean(),
                    out_f.logits.detach().float().mean(),
                    gp.detach(),
                    torch.tensor(float(g_step), device=self.device),
                ]
            )
        )

    def _flush(self) -> None:
        if not self._pending:
            return
        values = torch.stack(self._pending).cpu().tolist()
        first = len(self.rows)
        self._pending.clear()
        for i, (*v, g_stepped) in enumerate(values):
            step = first + i
            self.rows.append((step // self.steps_per_epoch + 1, step, *v))
            self.events.scalars(step, dict(zip(EVENT_TAGS, v, strict=True)))
            d, g = v[0], v[1]
            # any non-finite loss of either player, D or G, in every family
            if not math.isfinite(d) or (g_stepped and not math.isfinite(g)):
                raise TrainingDiverged(
                    step // self.steps_per_epoch + 1, step, f"d_loss={d}, g_loss={g}"
                )
        lr_g, lr_d = self.sched_g.get_last_lr()[0], self.sched_d.get_last_lr()[0]
        self.events.scalars(len(self.rows) - 1, {"lr/G": lr_g, "lr/D": lr_d})

    # -- the loop ----------------------------------------------------------------------------
    def run(self, until: int | None = None, on_checkpoint=None, log_every: int = 50) -> None:
        """Train up to epoch ``until`` (default: the last); call ``on_checkpoint(epoch)`` after
        each checkpoint epoch."""
        s = self.s
        until = s.epochs if until is None else until
        total = s.epochs * self.steps_per_epoch
        last_save = time.monotonic()
        keep = set(s.checkpoint_epochs())
        while self.epoch < until:
            self.G.train()
            self.D.train()
            perm = torch.randperm(self.n, generator=seeded(self.seed, 3, self.epoch)).to(
                self.device
            )
            t0, b0 = time.monotonic(), self.batch
            while self.batch < self.steps_per_epoch:
                idx = perm[self.batch * s.batch_size : (self.batch + 1) * s.batch_size]
                step = self.epoch * self.steps_per_epoch + self.batch
                x = to_float(self.images[idx])
                y = self.labels[idx] if self.config["n_classes"] else None
                self.train_step(x, y, step, total)
                self.batch += 1
                if self.batch % log_every == 0 or self.batch == self.steps_per_epoch:
                    self._flush()
                    self._progress(t0, b0)
                if time.monotonic() - last_save > self.save_every_seconds:
                    self.save_state()  # a killed job loses at most this interval
                    last_save = time.monotonic()
            self.epoch, self.batch = self.epoch + 1, 0
            self._flush()
            if self.epoch in keep and on_checkpoint is not None:
                on_checkpoint(self.epoch)
            self.save_state()
            last_save = time.monotonic()

    def _progress(self, t0: float, b0: int) -> None:
        done = self.batch / self.steps_per_epoch
        bar = "#" * int(20 * done) + "." * (20 - int(20 * done))
        rate = (self.batch - b0) * self.s.batch_size / max(time.monotonic() - t0, 1e-9)
        _, _, d, g, *_ = self.rows[-1]
        g_last = next((r[3] for r in reversed(self.rows) if not math.isnan(r[3])), float("nan"))
        print(
            f"epoch {self.epoch + 1}/{self.s.epochs} [{bar}] {self.batch}/{self.steps_per_epoch} "
            f"d_loss={d:.4f} g_loss={g_last:.4f} {rate:.0f} img/s",
            file=self.log,
            flush=True,
        )


def write_losses_csv(path: str | Path, rows: Sequence[tuple]) -> None:
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(LOSS_COLUMNS)
        w.writerows(rows)
