"""Latent interpolation: linear and spherical paths between random latent pairs through one
checkpoint's generator, as image rows. A figure only: no table rows."""

from __future__ import annotations

import torch

from ganrepro.device import configure_threads, resolve_device
from ganrepro.io import load_torch, open_log
from ganrepro.reporting.figures import image_rows
from ganrepro.reporting.images import save_message_image
from ganrepro.training.generate import load_generator
from ganrepro.training.latent import interpolation_path, render


def compute(
    *,
    checkpoint,
    figure,
    run,
    epoch,
    interpolation_pairs,
    interpolation_steps,
    seed,
    device="auto",
    threads=None,
    log=None,
):
    pairs, steps = interpolation_pairs, interpolation_steps
    with open_log(log) as logf:
        configure_threads(threads)
        device = resolve_device(device)
        ckpt = load_torch(checkpoint, map_location=device)
        if ckpt["status"] != "ok":
            save_message_image(f"no interpolation: run {ckpt['status']}", figure)
            return
        G = load_generator(ckpt, device)
        n_classes = getattr(G, "n_classes", 0)
        z = torch.randn(pairs, 2, G.latent_dim, generator=torch.Generator().manual_seed(seed))
        rows, labels = [], []
        for p in range(pairs):
            y = torch.full((steps,), p % n_classes) if n_classes else None  # one class per pair
            for method in ("linear", "slerp"):
                rows.append(render(G, interpolation_path(z[p, 0], z[p, 1], steps, method), y))
                labels.append(f"pair {p} {method}")
        image_rows(
            rows,
            figure,
            row_labels=labels,
            col_labels=[f"t={t:.2f}" for t in torch.linspace(0, 1, steps).tolist()],
            title=f"{run} epoch {epoch}: z1 → z2, linear vs spherical (slerp)",
        )
        print(f"{run} epoch {epoch}: {pairs} pairs x {steps} steps (seed {seed})", file=logf)
