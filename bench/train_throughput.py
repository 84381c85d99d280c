"""DCGAN training throughput: our loop vs the canonical one of PyTorch's DCGAN example.

Theirs: torchvision ImageFolder + per-image transforms (Resize, CenterCrop, ToTensor, Normalize) +
DataLoader (2 workers, shuffle), D and G steps as in the example. Ours:
ganrepro.training.train.Trainer, the dataset in memory as one uint8 tensor, batches normalised on
the device. Same architecture
(ganrepro's DCGAN G and D), batch size, device and thread count; one epoch each after a short
warm-up. Ours runs twice: float32 (the default) and with `amp: true` (bf16 autocast of the
forward passes: different numbers, an option). Also the canonical step on one resident batch
(no data pipeline: the float32 ceiling). One row per side: images/s and the ratio to the
canonical loop.

    python -m bench run train_throughput --n 5000 --batch-size 128 --threads 2
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from ganrepro.data import prepare_split, stratified_indices
from ganrepro.models import build_discriminator, build_generator
from ganrepro.training.train import Trainer, TrainSettings
from torch.utils.data import DataLoader
from torchvision import datasets, transforms

from .common import CIFAR

DESCRIPTION = (
    "DCGAN training images/s: our Trainer (float32, bf16 amp) vs PyTorch's DCGAN example loop"
)
LATENT = 100


def subset_folder(root: Path, n: int, out: Path) -> None:
    """An image folder of n training images (symlinks), the same ones our arrays hold."""
    files, labels = [], []
    for c, cls in enumerate(sorted(p.name for p in (root / "train").iterdir())):
        for f in sorted((root / "train" / cls).iterdir()):
            files.append(f)
            labels.append(c)
    for i in stratified_indices(torch.tensor(labels).numpy(), n):
        dst = out / files[i].parent.name
        dst.mkdir(parents=True, exist_ok=True)
        (dst / files[i].name).symlink_to(files[i])


def dcgan_players(device: torch.device, latent: int, channels_last: bool):
    """ganrepro's DCGAN G and D with the example's Adam settings."""
    torch.manual_seed(0)
    G = build_generator("dcgan", latent_dim=latent, image_size=32, channels=3).to(device)
    D = build_discriminator("dcgan", image_size=32, channels=3).to(device)
    if channels_last:
        G, D = (m.to(memory_format=torch.channels_last) for m in (G, D))
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    return G, D, opt_g, opt_d


def canonical_step(G, D, opt_g, opt_d, x: torch.Tensor, latent: int) -> torch.Tensor:
    """One step of PyTorch's DCGAN example: D on real and fake, then G on the same fake."""
    b = x.shape[0]
    ones, zeros = torch.ones(b, device=x.device), torch.zeros(b, device=x.device)
    opt_d.zero_grad()
    fake = G(torch.randn(b, latent, device=x.device))
    loss_d = F.binary_cross_entropy_with_logits(D(x).logits, ones)
    loss_d = loss_d + F.binary_cross_entropy_with_logits(D(fake.detach()).logits, zeros)
    loss_d.backward()
    opt_d.step()
    opt_g.zero_grad()
    F.binary_cross_entropy_with_logits(D(fake).logits, ones).backward()
    opt_g.step()
    return loss_d


def compute_ceiling(batch_size: int, device: torch.device, latent: int, steps: int = 15) -> float:
    """The canonical step (channels-last, like ours) on one batch already on the device: no
    data pipeline at all, so no float32 loop with these models and batch size can beat it."""
    players = dcgan_players(device, latent, channels_last=True)
    x = torch.rand(batch_size, 3, 32, 32, device=device).mul(2).sub(1)
    x = x.contiguous(memory_format=torch.channels_last)
    for i in range(steps + 3):
        if i == 3:  # warm-up done
            t0 = time.perf_counter()
        loss_d = canonical_step(*players, x, latent)
    loss_d.item()
    return steps * batch_size / (time.perf_counter() - t0)


def canonical_epoch(folder: Path, batch_size: int, device: torch.device, latent: int) -> float:
    tf = transforms.Compose(
        [
            transforms.Resize(32),
            transforms.CenterCrop(32),
            transforms.ToTensor(),
            transforms.Normalize((0.5,) * 3, (0.5,) * 3),
        ]
    )
    loader = DataLoader(
        datasets.ImageFolder(str(folder), transform=tf),
        batch_size=batch_size,
        shuffle=True,
        num_workers=2,
        drop_last=True,
    )
    players = dcgan_players(device, latent, channels_last=False)
    n, t0 = 0, None
    for i, (x, _) in enumerate(loader):
        if i == 2:  # warm-up done
            t0, n = time.perf_counter(), 0
        canonical_step(*players, x.to(device), latent).item()  # the example prints losses
        n += x.shape[0]
    return n / (time.perf_counter() - t0)


def ours_epoch(n: int, batch_size: int, device: torch.device, latent: int, amp: bool) -> float:
    data = prepare_split("image_folder", "train", root=CIFAR, image_size=32, max_images=n)
    settings = TrainSettings(latent_dim=latent, batch_size=batch_size, epochs=2, amp=amp)
    with tempfile.TemporaryDirectory() as tmp:
        t = Trainer(settings, data, seed=0, device=device, state_dir=tmp, save_every_seconds=1e9)
        t.run(until=1)  # warm-up epoch (and the first state save)
        t0 = time.perf_counter()
        t.run(until=2)
        elapsed = time.perf_counter() - t0
    return t.steps_per_epoch * batch_size / elapsed


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=5000, help="CIFAR-10 training images")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cpu")


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    with tempfile.TemporaryDirectory() as tmp:
        subset_folder(CIFAR, args.n, Path(tmp))
        theirs = canonical_epoch(Path(tmp), args.batch_size, device, LATENT)
    ours = ours_epoch(args.n, args.batch_size, device, LATENT, amp=False)
    ours_amp = ours_epoch(args.n, args.batch_size, device, LATENT, amp=True)
    ceiling = compute_ceiling(args.batch_size, device, LATENT)
    sides = [
        ("canonical loop (DataLoader)", "float32", theirs),
        ("ganrepro Trainer", "float32", ours),
        ("one resident batch (ceiling)", "float32", ceiling),
        ("ganrepro Trainer, amp", "bf16 autocast", ours_amp),
    ]
    return [
        {
            "side": side,
            "precision": precision,
            "model": "dcgan",
            "images": args.n,
            "batch_size": args.batch_size,
            "latent_dim": LATENT,
            "device": str(device),
            "images_per_s": rate,
            "ratio": rate / theirs,
        }
        for side, precision, rate in sides
    ]
