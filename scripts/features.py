"""Rules sample_features / reference_features: InceptionV3 pool3 features of a uint8 image array.

On a machine without a GPU driver the default backend (ONNX Runtime) runs without importing torch
or pytorch-fid, so the many small per-checkpoint jobs do not pay for those imports.
"""

import json

import numpy as np
from ganrepro.device import (
    certainly_cpu,
    configure_kernels,
    configure_threads,
    resolve_device,
)
from ganrepro.evaluation.metrics.inception_onnx import (
    OnnxInception,
    backend_label,
    resolve_backend,
)
from ganrepro.io import load_npz, open_log, sha256_file, write_npz
from ganrepro.provenance import code_version  # torch-free, like this job
from ganrepro.rule import run_rule


def main(
    *,
    images,
    weights,
    features,
    batch_size=200,
    max_images=None,
    backend="torch",
    onnx=None,
    device="auto",
    threads=None,
    log=None,
):
    """``images``: a samples file of rule sample or a data arrays file of rule prepare_data;
    ``onnx``: the exported graph, an input only when the backend may be onnxruntime."""
    with open_log(log) as logf:
        device = "cpu" if certainly_cpu(device) else resolve_device(device)
        backend = resolve_backend(backend, device)
        if backend == "torch":
            configure_threads(threads)
            configure_kernels(device, exact_float32=True)
        f = load_npz(images, ["images", "labels", "status", "code"], required=["images", "labels"])
        status = str(f["status"]) if "status" in f else "ok"
        imgs, labels = f["images"], f["labels"]
        # the samples' code (checkpoint and sampling); data arrays record none
        before = json.loads(str(f["code"])) if "code" in f else []
        if status != "ok":
            write_npz(
                features,
                features=np.zeros((0, 2048)),
                status=np.array(status),
                code=_code(before),
            )
            print(f"no features: images have status {status}", file=logf)
            return
        if max_images is not None:
            if max_images > len(imgs):
                raise ValueError(
                    f"{images} has {len(imgs)} images, fewer than the {max_images} asked for "
                    "(fid.reference_images); lower it or use a larger split"
                )
            from ganrepro.data import stratified_indices  # imports torch: only when subsetting

            idx = stratified_indices(labels, max_images)
            imgs, labels = imgs[idx], labels[idx]
        if backend == "onnxruntime":
            if onnx is None:
                raise ValueError("the onnxruntime backend needs the exported graph (input onnx)")
            feats = OnnxInception(onnx, threads).features(imgs, batch_size=batch_size)
        else:
            # Only this path needs pytorch-fid (and torchvision): imported here, not at start-up.
            from ganrepro.evaluation.metrics.fid import inception_features, load_inception

            model = load_inception(weights, device)
            feats = inception_features(model, imgs, batch_size=batch_size, device=device)
        write_npz(
            features,
            features=feats,
            labels=labels,
            status=np.array("ok"),
            weights_sha256=np.array(sha256_file(weights)),
            backend=np.array(backend_label(backend)),
            code=_code(before),
        )
        print(f"{len(feats)} pool3 features of {images} on {device} with {backend}", file=logf)


def _code(before):
    return np.array(json.dumps([*before, code_version("features")]))


if "snakemake" in globals():
    run_rule(main, snakemake)  # noqa: F821
