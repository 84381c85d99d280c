"""Evolution of a run: the same latent vectors through every checkpoint, as one figure (a row
per checkpoint) and an animated GIF (a frame per checkpoint). A figure only: no table rows."""

from __future__ import annotations

import torch

from ganrepro.device import configure_threads, resolve_device
from ganrepro.io import load_torch, open_log
from ganrepro.reporting.figures import embed_gif_html, image_rows
from ganrepro.reporting.figures import gif as write_gif  # gif: the output's name
from ganrepro.reporting.images import save_message_image
from ganrepro.training.generate import load_generator
from ganrepro.training.latent import render
from ganrepro.training.noise import fixed_noise


def compute(
    *,
    checkpoints,
    epochs,
    figure,
    gif,
    html,
    run,
    run_seed,
    evolution_images,
    device="auto",
    threads=None,
    log=None,
):
    n = evolution_images
    with open_log(log) as logf:
        configure_threads(threads)
        device = resolve_device(device)
        rows, labels = [], []
        for path, epoch in zip(checkpoints, epochs, strict=True):
            ckpt = load_torch(path, map_location=device)
            if ckpt["status"] != "ok":
                print(f"epoch {epoch}: {ckpt['status']}, left out", file=logf)
                continue
            G = load_generator(ckpt, device)
            # the first n of the 64 latents of the training grids (train rule), so the frames
            # match the grids saved during training
            z, y = fixed_noise(G.latent_dim, 64, run_seed, getattr(G, "n_classes", 0))
            rows.append(render(G, z[:n], None if y is None else y[:n]))
            labels.append(f"epoch {epoch}")
        if not rows:
            message = f"no checkpoint of {run} has a generator"
            save_message_image(message, figure)
            write_gif([torch.ones(1, 3, 32, 32)], [message], gif, nrow=1)
        else:
            image_rows(
                rows,
                figure,
                row_labels=labels,
                title=f"{run}: the same {n} latents at every checkpoint",
            )
            write_gif(rows, [f"{run} {label}" for label in labels], gif, nrow=n)
        embed_gif_html(gif, html, f"{run}: fixed-noise samples through training")
        print(f"{run}: {len(rows)} checkpoints, {n} fixed latents (seed {run_seed})", file=logf)
