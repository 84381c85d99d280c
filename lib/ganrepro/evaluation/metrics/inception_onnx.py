"""pytorch-fid's InceptionV3 as an ONNX graph run by ONNX Runtime: FID features, fast on a CPU.

On a CPU, FID feature extraction is float32 convolutions at 299 x 299 and little else. ONNX
Runtime's CPU kernels run this network faster than torch's eager path on the same threads
(docs/findings.md), in float32 (features within ~2e-5 of pytorch-fid's own model; the tests
hold them to 1e-4). The graph is exported once from pytorch-fid's network built from the
configured weights (resize to 299 x 299 and input scaling included) and cached as a file by the
workflow. On CUDA or MPS, torch's path is the fast one, so the backend "auto" picks ONNX Runtime
on the CPU only.

Running the graph needs neither torch nor pytorch-fid (only the export does), so a features job
on this path starts in a fraction of the time: it matters for the many small per-checkpoint jobs.
"""

from __future__ import annotations

import os
from importlib.metadata import version
from pathlib import Path

import numpy as np

from ganrepro.evaluation.metrics.frechet import FID_DIMS, inception_input
from ganrepro.io import atomic_path

BACKENDS = ("auto", "torch", "onnxruntime")
# Peak memory of a features job grows with the batch, and ONNX Runtime's memory arena adds to
# it without making it faster (bench/features_memory.py; docs/findings.md). So the CPU path runs
# small batches with the arena off: features jobs stay small enough to run beside training.
MAX_CPU_BATCH = 50
_INPUT, _OUTPUT = "images", "pool3"


def resolve_backend(backend: str, device) -> str:
    """The backend that computes features: ``auto`` is ONNX Runtime on a CPU, torch elsewhere.

    ``device`` is the resolved device (a ``torch.device`` or a name such as "cuda:0").
    """
    if backend not in BACKENDS:
        raise ValueError(f"unknown FID features backend {backend!r}; use one of {BACKENDS}")
    kind = getattr(device, "type", str(device).split(":")[0])
    if backend == "auto":
        return "onnxruntime" if kind == "cpu" else "torch"
    if backend == "onnxruntime" and kind != "cpu":
        raise ValueError(
            f"fid.backend 'onnxruntime' runs on the CPU, but the device is {device}; set "
            "fid.backend to 'auto' or 'torch' to compute features on the GPU"
        )
    return backend


def backend_label(backend: str) -> str:
    """What computed the features, with its version, as recorded in every FID protocol."""
    if backend == "onnxruntime":
        return f"onnxruntime {version('onnxruntime')} (CPU, float32)"
    return f"torch {version('torch')} (float32)"


def export_inception_onnx(weights_path: str | os.PathLike, out_path: str | os.PathLike) -> Path:
    """Export pytorch-fid's network (exactly as it builds it) to one self-contained ONNX file.

    Batch size, height and width are dynamic: the graph resizes any input to 299 x 299 with the
    same bilinear interpolation pytorch-fid uses. Written atomically.
    """
    import torch

    from ganrepro.evaluation.metrics.fid import load_inception

    class Pool3(torch.nn.Module):  # pytorch-fid's [(N, 2048, 1, 1)] as one (N, 2048) output
        def __init__(self, inception: torch.nn.Module):
            super().__init__()
            self.inception = inception

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.inception(x)[0].flatten(1)

    model = Pool3(load_inception(weights_path, torch.device("cpu"), fast=False)).eval()
    example = torch.rand(2, 3, 32, 32)
    dims = {0: torch.export.Dim("n"), 2: torch.export.Dim("h"), 3: torch.export.Dim("w")}
    out_path = Path(out_path)
    with atomic_path(out_path) as tmp:
        torch.onnx.export(
            model,
            (example,),
            str(tmp),
            input_names=[_INPUT],
            output_names=[_OUTPUT],
            dynamic_shapes={"x": dims},
            dynamo=True,
            external_data=False,  # one file, so the atomic rename moves all of it
            verbose=False,
        )
    return out_path


class OnnxInception:
    """An ONNX Runtime session of the exported graph, on a given number of CPU threads."""

    def __init__(
        self, onnx_path: str | os.PathLike, threads: int | None = None, memory_arena: bool = False
    ):
        import onnxruntime as ort

        onnx_path = Path(onnx_path)
        if not onnx_path.is_file():
            raise FileNotFoundError(
                f"ONNX Inception graph not found at {onnx_path}; build it with "
                "export_inception_onnx(weights, path) (the workflow's inception_onnx rule does)"
            )
        self.path = onnx_path
        options = ort.SessionOptions()
        # The job's thread count, as the torch path uses; no second pool to oversubscribe cores.
        options.intra_op_num_threads = threads or os.cpu_count() or 1
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.enable_cpu_mem_arena = memory_arena
        self.session = ort.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )

    def features(self, images: np.ndarray, batch_size: int = 50) -> np.ndarray:
        """Pool3 features (float64, (N, 2048)) of uint8 images (N, H, W, C), C in {1, 3}, in
        batches of at most ``MAX_CPU_BATCH`` (memory; the features do not depend on it).

        The input is what pytorch-fid feeds its network from a PNG: ``uint8 / 255`` in float32
        (one correctly rounded division, the same bits as torch's), grey repeated to RGB.
        """
        batch_size = min(batch_size, MAX_CPU_BATCH)
        images = inception_input(images, batch_size)
        out = np.empty((len(images), FID_DIMS), dtype=np.float64)
        for start in range(0, len(images), batch_size):
            chunk = images[start : start + batch_size]
            x = chunk.transpose(0, 3, 1, 2).astype(np.float32) / np.float32(255)
            if x.shape[1] == 1:
                x = np.repeat(x, 3, axis=1)
            (pool3,) = self.session.run([_OUTPUT], {_INPUT: np.ascontiguousarray(x)})
            if pool3.shape != (len(chunk), FID_DIMS):
                raise RuntimeError(
                    f"the ONNX graph returned shape {pool3.shape}, not ({len(chunk)}, {FID_DIMS})"
                )
            out[start : start + len(chunk)] = pool3
        return out
