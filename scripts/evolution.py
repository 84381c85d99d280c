"""Rule evolution: the same latent vectors through every checkpoint of a run, as one figure (a
row per checkpoint) and an animated GIF (a frame per checkpoint)."""

import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path[:0] = [str(Path(snakemake.scriptdir).parent / "lib"), snakemake.scriptdir]  # noqa: F821

import torch  # noqa: E402
from ganrepro.device import configure_threads, resolve_device  # noqa: E402
from ganrepro.figures import embed_gif_html, image_rows  # noqa: E402
from ganrepro.figures import gif as write_gif  # noqa: E402 (gif: the output's name)
from ganrepro.generate import load_generator  # noqa: E402
from ganrepro.images import save_message_image  # noqa: E402
from ganrepro.io import load_torch, open_log  # noqa: E402
from ganrepro.latent import render  # noqa: E402
from ganrepro.noise import fixed_noise  # noqa: E402


def main(
    *, checkpoints, epochs, figure, gif, html, run, seed, n=8, device="auto", threads=None, log=None
):
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
            z, y = fixed_noise(G.latent_dim, 64, seed, getattr(G, "n_classes", 0))
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
        print(f"{run}: {len(rows)} checkpoints, {n} fixed latents (seed {seed})", file=logf)


if "snakemake" in globals():
    from _rule import run_rule  # noqa: E402

    run_rule(main, snakemake)  # noqa: F821
