"""Rule interpolation: linear and spherical paths between random latent pairs, as image rows."""

import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path[:0] = [str(Path(snakemake.scriptdir).parent / "lib"), snakemake.scriptdir]  # noqa: F821

import torch  # noqa: E402
from ganrepro.device import configure_threads, resolve_device  # noqa: E402
from ganrepro.figures import image_rows  # noqa: E402
from ganrepro.generate import load_generator  # noqa: E402
from ganrepro.images import save_message_image  # noqa: E402
from ganrepro.io import load_torch, open_log  # noqa: E402
from ganrepro.latent import interpolation_path, render  # noqa: E402


def main(
    *,
    checkpoint,
    figure,
    run,
    epoch,
    pairs=4,
    steps=8,
    seed=0,
    device="auto",
    threads=None,
    log=None,
):
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


if "snakemake" in globals():
    from _rule import run_rule  # noqa: E402

    run_rule(main, snakemake)  # noqa: F821
