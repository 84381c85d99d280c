"""Fréchet Inception Distance, numerically identical to pytorch-fid.

FID numbers are only comparable when they come from the same network, weights, preprocessing and
sample count, so this module does not re-implement anything that changes the number: the network is
pytorch-fid's own ``InceptionV3`` with the FID weights, the statistics are computed exactly as
pytorch-fid does, and the distance is either pytorch-fid's ``calculate_frechet_distance`` or the
same formula through symmetric eigendecompositions (the default: faster, equal to ~1e-5).
What it adds is what a pipeline needs: the weights come from a given file (no download, no hang
on machines without internet), images are scored from in-memory uint8 arrays (no PNG round trip),
statistics are written atomically, and every score carries a record of the protocol that
produced it.

``tests/evaluation/test_fid.py`` checks that scoring arrays here gives the same FID as
``python -m pytorch_fid`` on the same images saved as PNG.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch
from pytorch_fid.inception import FID_WEIGHTS_URL, InceptionV3

# The numpy half (statistics, distance, protocol) lives in frechet.py, importable without torch.
from ganrepro.evaluation.metrics.frechet import (  # noqa: F401 (re-exported)
    FID_DIMS,
    FRECHET_METHODS,
    covariance_warning,
    fid_protocol,
    frechet_distance,
    frechet_distance_to_features,
    inception_input,
    load_statistics,
    save_statistics,
    statistics,
)

FID_WEIGHTS_FILENAME = FID_WEIGHTS_URL.rsplit("/", 1)[-1]
POOL3_BLOCK = InceptionV3.BLOCK_INDEX_BY_DIM[FID_DIMS]

_SHARED_WEIGHTS_HINT = f"../shared/weights/{FID_WEIGHTS_FILENAME}"


def load_inception(
    weights_path: str | os.PathLike, device: torch.device, fast: bool = True
) -> torch.nn.Module:
    """Build pytorch-fid's FID InceptionV3 (pool3 output) with weights read from ``weights_path``.

    pytorch-fid always fetches its weights through ``torch.hub.load_state_dict_from_url``, which
    downloads unless the file is already in the hub cache. Rather than patching pytorch-fid, the hub
    cache is pointed for the duration of the build at a temporary directory that holds only this
    file, so the network is built by pytorch-fid's own code from exactly the file the caller named
    (and whose sha256 ``fid_protocol`` records), and a missing file can never turn into a download.

    ``fast`` (the default) then folds each eval-mode BatchNorm into the convolution before it and
    stores the weights channels-last (see ``_fold_batchnorm``); ``fast=False`` returns the network
    exactly as pytorch-fid builds it.
    """
    weights_path = Path(weights_path).expanduser()
    if not weights_path.is_file():
        raise FileNotFoundError(
            f"FID Inception weights not found at {weights_path}. FID needs pytorch-fid's "
            f"'{FID_WEIGHTS_FILENAME}', and it is never downloaded silently here. Provide it in "
            "one of these ways: set the config key `fid.weights` to the path of a copy; or set "
            "`fid.weights: null` so the workflow's fetch rule downloads it once (needs internet); "
            f"or copy the offline copy {_SHARED_WEIGHTS_HINT} to that path (see "
            "../shared/weights/README.md)."
        )

    import torch.hub

    # torch.hub keeps the directory in a module global that is None until set_dir is called (None
    # means "follow $TORCH_HOME"); restore exactly that, so this function leaves no trace.
    had_private = hasattr(torch.hub, "_hub_dir")
    previous = getattr(torch.hub, "_hub_dir", None) if had_private else torch.hub.get_dir()
    with tempfile.TemporaryDirectory(prefix="ganrepro-fid-hub-") as hub_dir:
        checkpoints = Path(hub_dir) / "checkpoints"
        checkpoints.mkdir()
        cached = checkpoints / FID_WEIGHTS_FILENAME
        try:
            cached.symlink_to(weights_path.resolve())
        except OSError:  # file systems or platforms without symlinks
            shutil.copyfile(weights_path, cached)
        torch.hub.set_dir(hub_dir)
        try:
            model = InceptionV3(
                [POOL3_BLOCK],
                resize_input=True,
                normalize_input=True,
                use_fid_inception=True,
            )
        finally:
            if had_private:
                torch.hub._hub_dir = previous
            else:
                torch.hub.set_dir(previous)
    model = model.to(device).eval()
    return _fold_batchnorm(model).to(memory_format=torch.channels_last) if fast else model


def _fold_batchnorm(model: torch.nn.Module) -> torch.nn.Module:
    """Fold every ``BasicConv2d``'s eval-mode BatchNorm into its convolution (in place).

    conv -> BN is the affine map w * g / sqrt(var + eps), shifted by b - mean * g / sqrt(var +
    eps), so one convolution with those weights and a bias gives the same output without the
    pass over the activations that BN costs (94 of them, several at 147 x 147 x 64). The same
    float32 arithmetic, reordered: pool3 features move by ~1e-5 (tests hold them to 1e-4 of
    pytorch-fid's own path). torch's ``fuse_conv_bn_eval`` does the algebra.
    """
    from torch.nn.utils.fusion import fuse_conv_bn_eval

    for module in model.modules():
        conv, bn = getattr(module, "conv", None), getattr(module, "bn", None)
        if isinstance(conv, torch.nn.Conv2d) and isinstance(bn, torch.nn.BatchNorm2d):
            module.conv = fuse_conv_bn_eval(conv, bn)
            module.bn = torch.nn.Identity()
    return model


def inception_features(
    model: torch.nn.Module,
    images: np.ndarray,
    *,
    batch_size: int = 200,
    device: torch.device,
) -> np.ndarray:
    """Pool3 features (float64, shape (N, 2048)) of uint8 images shaped (N, H, W, C), C in {1, 3}.

    The input the network sees is bit-for-bit what pytorch-fid feeds it from a PNG: ToTensor's
    ``uint8 / 255`` in float32, grey images repeated to RGB (as PIL's ``convert('RGB')`` does).
    Only the layout is arranged for speed: uint8 batches (4x smaller than float) are moved to the
    device and converted there, and the input is handed over channels-last, which lets the
    convolutions run in their faster NHWC kernels (also the layout tensor cores want) with the
    same float32 arithmetic, under ``inference_mode``; ``load_inception`` stores the weights
    channels-last too and folds BatchNorm into the convolutions. The test suite checks the result
    against pytorch-fid's own loader path and model to 1e-4.
    """
    images = inception_input(images, batch_size)
    n = images.shape[0]
    out = np.empty((n, FID_DIMS), dtype=np.float64)
    if n == 0:
        return out
    device = torch.device(device)
    param = next(model.parameters(), None)
    if param is not None and param.device.type != device.type:
        raise ValueError(
            f"the Inception model is on {param.device} but features were requested on {device}; "
            "load it with load_inception(weights, device) for the same device."
        )
    with torch.inference_mode():
        for start in range(0, n, batch_size):
            chunk = torch.from_numpy(np.ascontiguousarray(images[start : start + batch_size]))
            chunk = chunk.to(device, non_blocking=True)
            # NHWC uint8 -> NCHW float in [0, 1]; permute gives a channels-last view for free.
            x = chunk.permute(0, 3, 1, 2).to(torch.float32).div(255)
            if x.shape[1] == 1:
                x = x.expand(-1, 3, -1, -1)
            x = x.contiguous(memory_format=torch.channels_last)
            pred = model(x)[0]
            if pred.shape[2] != 1 or pred.shape[3] != 1:  # only if the model isn't pool3
                pred = torch.nn.functional.adaptive_avg_pool2d(pred, output_size=(1, 1))
            out[start : start + pred.shape[0]] = pred.reshape(pred.shape[0], -1).cpu().numpy()
    return out
