"""Inversion: latent codes of real test images by gradient descent from several random starts
(the best kept), their reconstruction error and PSNR, and morphs between them. A row of the
analysis table: the mean PSNR."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import torch

from ganrepro.data import load_arrays, to_float
from ganrepro.device import configure_threads, resolve_device
from ganrepro.evaluation.analyses import row
from ganrepro.io import load_torch, open_log, write_csv, write_json
from ganrepro.provenance import code_version
from ganrepro.reporting.figures import image_rows
from ganrepro.reporting.images import save_message_image
from ganrepro.training.generate import load_generator
from ganrepro.training.latent import invert, psnr
from ganrepro.training.latent import morph as morph_path  # morph: the output's name


def compute(
    *,
    checkpoint,
    test_data,
    score,
    table,
    figure,
    morph,
    run,
    epoch,
    inversion_indices,
    inversion_starts,
    inversion_steps,
    inversion_lr,
    interpolation_steps,
    seed,
    device="auto",
    threads=None,
    log=None,
):
    """``interpolation_steps``: the images of each morph between inverted codes."""
    indices, starts, steps, lr = inversion_indices, inversion_starts, inversion_steps, inversion_lr
    morph_steps = interpolation_steps
    with open_log(log) as logf:
        configure_threads(threads)
        device = resolve_device(device)
        ckpt = load_torch(checkpoint, map_location=device)
        prot = {
            "metric": "inversion",
            "indices": list(indices),
            "starts": starts,
            "steps": steps,
            "lr": lr,
            "seed": seed,
            "objective": "mean squared error, [-1, 1]",
            "optimiser": "Adam",
            "n_generated": None,
            "reference": None,
            "weights_sha256": None,
        }
        result = {
            "run": run,
            "epoch": epoch,
            "status": ckpt["status"],
            "images": [],
            "protocol": prot,
        }
        if ckpt["status"] != "ok":
            for path in (figure, morph):
                save_message_image(f"no inversion: run {ckpt['status']}", path)
        else:
            data = load_arrays(test_data)
            bad = [i for i in indices if not 0 <= i < len(data.labels)]
            if bad:
                raise ValueError(
                    f"analysis.inversion_indices {bad} are outside the test split "
                    f"({len(data.labels)} images in {test_data})"
                )
            G = load_generator(ckpt, device)
            conditional = getattr(G, "n_classes", 0) > 0
            x = to_float(torch.from_numpy(data.images[list(indices)]))
            y = torch.from_numpy(data.labels[list(indices)]) if conditional else None
            inv = invert(G, x, labels=y, starts=starts, steps=steps, lr=lr, seed=seed)
            db = psnr(inv.mse)
            for k, i in enumerate(indices):
                result["images"].append(
                    {
                        "index": int(i),
                        "label": data.classes[data.labels[i]],
                        "mse": float(inv.mse[k]),
                        "psnr_db": float(db[k]),
                        "best_start": int(inv.best_start[k]),
                        "initial_mse": inv.initial_mse[k].tolist(),
                        "final_mse": inv.final_mse[k].tolist(),
                    }
                )
            image_rows(
                [x, inv.reconstruction],
                figure,
                row_labels=["test image", "G(z*)"],
                col_labels=[f"#{i} {d:.1f} dB" for i, d in zip(indices, db, strict=True)],
                title=f"{run} epoch {epoch}: inversion, best of {starts} starts",
            )
            morph_rows, labels = [], []
            for a, b in zip(range(len(indices) - 1), range(1, len(indices)), strict=True):
                ya, yb = (int(y[a]), int(y[b])) if conditional else (None, None)
                path = morph_path(G, inv.z[a], inv.z[b], morph_steps, y1=ya, y2=yb)
                morph_rows.append(torch.cat([x[a : a + 1], path, x[b : b + 1]]))
                labels.append(f"#{indices[a]} → #{indices[b]}")
            if morph_rows:
                image_rows(
                    morph_rows,
                    morph,
                    row_labels=labels,
                    title=f"{run} epoch {epoch}: real | slerp between inverted codes | real",
                )
            else:
                save_message_image("morphing needs two inversion_indices", morph)
        result["code"] = [code_version("inversion")]
        write_json(score, result)
        per_image = pd.DataFrame(
            result["images"], columns=["index", "label", "mse", "psnr_db", "best_start"]
        )
        write_csv(per_image, table)
        print(
            f"{run} epoch {epoch}: PSNR {np.round(per_image.psnr_db.to_numpy(), 2).tolist()} dB",
            file=logf,
        )


def rows(result: dict[str, Any], base: dict[str, Any]) -> list[dict[str, Any]]:
    p = result["protocol"]
    psnrs = [im["psnr_db"] for im in result.get("images", [])]
    return [
        row(
            base,
            "Inversion PSNR (dB)",
            float(np.mean(psnrs)) if psnrs else None,
            float(np.std(psnrs)) if len(psnrs) > 1 else None,
            result["status"],
            p,
            f"mean over test images {p.get('indices')}; best of {p.get('starts')} starts "
            f"x {p.get('steps')} Adam steps",
        )
    ]
