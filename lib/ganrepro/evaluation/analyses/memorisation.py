"""Memorisation: the nearest training images of generated ones in Inception feature space,
shown side by side, and nearest-neighbour distances generated → train against test → train
(ganrepro.evaluation.metrics.memorisation). A row of the analysis table: the ratio of their
medians."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from ganrepro.data import load_arrays, stratified_indices, to_float
from ganrepro.evaluation.analyses import protocol, read_features, row, same_weights
from ganrepro.evaluation.metrics.memorisation import memorisation_summary, nearest_neighbours
from ganrepro.io import load_npz, open_log, remake, write_json
from ganrepro.provenance import code_version
from ganrepro.reporting.figures import distance_histograms, image_rows
from ganrepro.reporting.images import save_message_image


def _nchw(images):
    return to_float(torch.from_numpy(np.ascontiguousarray(images)))  # NHWC uint8 -> NCHW


def compute(
    *,
    features,
    samples,
    train_features,
    train_data,
    test_features,
    score,
    neighbours,
    distances,
    run,
    epoch,
    dataset,
    train_reference_images,
    memorisation_grid,
    memorisation_neighbours,
    log=None,
):
    """``neighbours``, ``distances``: the two figures; ``memorisation_neighbours``: training
    images shown beside each of the first ``memorisation_grid`` samples."""
    train_images, n_neighbours = train_reference_images, memorisation_neighbours
    with open_log(log) as logf:
        gen, train, test = map(read_features, (features, train_features, test_features))
        grid = min(memorisation_grid, len(gen["features"]))
        result = {"run": run, "epoch": epoch, "status": gen["status"], "summary": None}
        sha = None
        if gen["status"] != "ok":
            for figure in (neighbours, distances):
                save_message_image(f"no samples: run {gen['status']}", figure)
        else:
            sha = same_weights(gen, train, test, names=[features, train_features, test_features])
            data = load_arrays(train_data)
            # the rows of the train features: reference_features takes this stratified prefix
            idx = (
                np.arange(len(data.labels))
                if train_images is None
                else stratified_indices(data.labels, train_images)
            )
            if not np.array_equal(data.labels[idx], train["labels"]):
                raise ValueError(
                    f"{train_features} does not match the images of {train_data}. "
                    + remake(train_features)
                )
            gen_d, gen_i = nearest_neighbours(gen["features"], train["features"], k=n_neighbours)
            test_d, _ = nearest_neighbours(test["features"], train["features"], k=1)
            result["summary"] = memorisation_summary(gen_d[:, 0], test_d[:, 0])
            result["generated_to_train"] = gen_d[:, 0].round(4).tolist()
            result["test_to_train"] = test_d[:, 0].round(4).tolist()
            result["grid"] = [
                {
                    "sample": i,
                    "train_indices": idx[gen_i[i]].tolist(),
                    "distances": gen_d[i].round(4).tolist(),
                }
                for i in range(grid)
            ]
            shown = _nchw(load_npz(samples, ["images"], required=["images"])["images"][:grid])
            rows = [
                torch.cat([shown[i : i + 1], _nchw(data.images[idx[gen_i[i]]])])
                for i in range(grid)
            ]
            image_rows(
                rows,
                neighbours,
                row_labels=[f"sample {i}" for i in range(grid)],
                col_labels=["generated"] + [f"NN {k + 1}" for k in range(n_neighbours)],
                title=f"{run} epoch {epoch}: nearest of {len(idx)} training images "
                "(Inception pool3)",
            )
            s = result["summary"]
            distance_histograms(
                gen_d[:, 0],
                test_d[:, 0],
                distances,
                title=f"{run} epoch {epoch}: median ratio {s['ratio']:.3f}, "
                f"{s['close_fraction']:.1%} closer than the closest 1% of "
                "test images",
            )
        result["protocol"] = protocol(
            "memorisation",
            n_generated=len(gen["features"]),
            reference={"dataset": dataset, "split": "train", "n_images": len(train["features"])},
            weights_sha256=sha,
            n_train=len(train["features"]),
            n_test=len(test["features"]),
            distance="Euclidean, Inception pool3",
        )
        result["code"] = [code_version("memorisation")]
        write_json(score, result)
        print(f"{run} epoch {epoch}: {result['summary']}", file=logf)


def rows(result: dict[str, Any], base: dict[str, Any]) -> list[dict[str, Any]]:
    p = result["protocol"]
    summ = result.get("summary") or {}
    return [
        row(
            base,
            "NN distance ratio (generated/test → train)",
            summ.get("ratio"),
            None,
            result["status"],
            p,
            f"median pool3 distance to the nearest of {p.get('n_train')} train images; "
            f"{summ.get('close_fraction', float('nan')):.3f} of samples closer than the "
            "closest 1% of test images",
        )
    ]
