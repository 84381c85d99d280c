"""A sample set as a folder of PNGs, and its FID by the tools users trust, next to ours.

The PNG folder is the one input every FID tool reads, so the same bytes go to all three scores:

- ours: the pipeline's feature path (pytorch-fid's network from the given weights file, BN folded,
  ``ganrepro.evaluation.metrics.fid``) on the PNGs read back as uint8, and our Fréchet distance;
- clean-fid 0.1.35, ``compute_fid(mode="legacy_pytorch")``: pytorch-fid's resizing and network;
- torch-fidelity 0.4.0, ``calculate_metrics(fid=True)``: TensorFlow's resizing and network.

How each tool gets its Inception weights with no internet:

- clean-fid's ``legacy_pytorch`` builds pytorch-fid's network, which fetches ``FID_WEIGHTS_URL``
  with ``torch.hub.load_state_dict_from_url``: that reads ``<hub dir>/checkpoints/
  pt_inception-2015-12-05-6726825d.pth`` when present and downloads only when not (no hash check).
  ``offline_torch_home`` points TORCH_HOME and the hub directory at a temporary folder holding
  only a link to the given file, for the duration of the call: the user's ~/.cache is untouched
  (anything else fetched would land in that folder and go with it).
- torch-fidelity takes ``feature_extractor_weights_path`` and ``torch.load``s that file. Its own
  download (``weights-inception-2015-12-05-6726825d.pth``, torch-fidelity v0.2.0) is a re-upload
  of pytorch-fid's: same torchvision-style key names and shapes, so pytorch-fid's state dict
  loads as it is (``load_state_dict`` is strict); no conversion.
  tests/evaluation/test_crosscheck.py checks that both networks give the same pool3 features for
  the same 299 x 299 input. The offline copy's ``fc`` layer is all zeros: FID (pool3) is
  unaffected, torch-fidelity's ISC would not be.

Agreement the tools document: clean-fid's ``legacy_pytorch`` equals pytorch-fid to ~2e-6 (its
README: 8.966868 vs 8.966869 on 5,000 FFHQ images, 2e-7 relative). torch-fidelity equals
TensorFlow's FID (TTUR) to 1e-6 relative; it differs from pytorch-fid (and so from ours) by
TensorFlow's bilinear resizing and its (x - 128) / 128 input scaling, which pytorch-fid's README
puts at 0.0009 relative on LSUN at 256 px; CIFAR's 32 -> 299 upsampling makes it larger.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ganrepro.io import json_default

PROVENANCE = "provenance.json"
_INSTALL = "pip install clean-fid==0.1.35 torch-fidelity==0.4.0"


def write_png_folder(
    images: np.ndarray, folder: str | os.PathLike, *, provenance: dict[str, Any] | None = None
) -> Path:
    """Every image of uint8 ``images`` (N, H, W, C), C in {1, 3}, as ``000000.png``, ... in
    ``folder``, with ``provenance`` as provenance.json beside them.

    Written into a hidden sibling folder and renamed into place, so a reader sees the whole
    folder or none; a failure leaves no folder (an existing one is replaced only on success).
    """
    images = _as_nhwc(images)
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".{folder.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.mkdir()
    try:
        width = max(6, len(str(len(images) - 1)))  # names sort in image order
        for i, image in enumerate(images):
            _write_synced(tmp / f"{i:0{width}d}.png", image)
        if provenance is not None:
            text = json.dumps(provenance, indent=2, sort_keys=True, default=json_default) + "\n"
            (tmp / PROVENANCE).write_text(text)
        if folder.exists():  # two renames: between them a reader finds no folder, not half one
            old = folder.with_name(f".{folder.name}.{uuid.uuid4().hex[:8]}.old")
            os.replace(folder, old)
            os.replace(tmp, folder)
            shutil.rmtree(old)
        else:
            os.replace(tmp, folder)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return folder


def read_png_folder(folder: str | os.PathLike) -> np.ndarray:
    """The PNGs of ``folder`` in name order as uint8 (N, H, W, C): grey stays one channel (our
    features repeat it to RGB, as the tools' ``convert("RGB")`` does), anything else is RGB."""
    folder = Path(folder)
    files = sorted(folder.glob("*.png"))
    if not files:
        why = ""
        if (folder / PROVENANCE).is_file():
            record = json.loads((folder / PROVENANCE).read_text())
            why = f" (its samples have status {record.get('status')!r}: {record.get('message')})"
        raise FileNotFoundError(f"no PNG images in {folder}{why}")
    images = []
    for path in files:
        with Image.open(path) as img:
            images.append(np.asarray(img if img.mode in ("L", "RGB") else img.convert("RGB")))
    shapes = {image.shape for image in images}
    if len(shapes) > 1:
        raise ValueError(f"{folder} holds images of different shapes {sorted(shapes)}")
    return _as_nhwc(np.stack(images))


@contextlib.contextmanager
def offline_torch_home(weights: str | os.PathLike) -> Iterator[Path]:
    """A temporary TORCH_HOME whose hub cache holds only pytorch-fid's FID weights (a link to
    ``weights``), so code that fetches them by URL (clean-fid, pytorch-fid) reads that file.

    Both TORCH_HOME and torch.hub's directory (which ``set_dir`` may have fixed) are restored.
    """
    import torch.hub
    from pytorch_fid.inception import FID_WEIGHTS_URL

    weights = _existing_weights(weights)
    previous_env = os.environ.get("TORCH_HOME")
    previous_hub = getattr(torch.hub, "_hub_dir", None)
    home = Path(tempfile.mkdtemp(prefix="ganrepro-torch-home-"))
    try:
        checkpoints = home / "hub" / "checkpoints"
        checkpoints.mkdir(parents=True)
        cached = checkpoints / FID_WEIGHTS_URL.rsplit("/", 1)[-1]
        try:
            cached.symlink_to(weights)
        except OSError:  # file systems without symlinks
            shutil.copyfile(weights, cached)
        os.environ["TORCH_HOME"] = str(home)
        torch.hub.set_dir(str(home / "hub"))
        yield home
    finally:
        torch.hub._hub_dir = previous_hub
        if previous_env is None:
            os.environ.pop("TORCH_HOME", None)
        else:
            os.environ["TORCH_HOME"] = previous_env
        shutil.rmtree(home, ignore_errors=True)


def our_fid(
    generated: str | os.PathLike,
    real: str | os.PathLike,
    weights: str | os.PathLike,
    *,
    batch_size: int = 50,
    frechet_method: str = "eigh",
) -> float:
    """Our FID of two PNG folders: the pipeline's features (torch backend, CPU) of the PNGs read
    back as uint8, and the pipeline's Fréchet distance."""
    import torch

    from ganrepro.evaluation.metrics.fid import (
        frechet_distance,
        inception_features,
        load_inception,
        statistics,
    )

    cpu = torch.device("cpu")
    model = load_inception(_existing_weights(weights), cpu)
    stats = [
        statistics(inception_features(model, read_png_folder(f), batch_size=batch_size, device=cpu))
        for f in (generated, real)
    ]
    return frechet_distance(*stats[0], *stats[1], method=frechet_method)


def clean_fid_legacy_pytorch(
    generated: str | os.PathLike,
    real: str | os.PathLike,
    weights: str | os.PathLike,
    *,
    batch_size: int = 50,
) -> float:
    """clean-fid's ``compute_fid(generated, real, mode="legacy_pytorch")`` on the CPU, offline.

    Its Fréchet distance takes a scipy ``sqrtm`` of a 2048 x 2048 matrix: the slow part of a
    cross-check, whatever the number of images.
    """
    import torch

    cleanfid = _tool("cleanfid.fid")
    with offline_torch_home(weights), warnings.catch_warnings():
        # its torchvision call ("pretrained") and scipy call (sqrtm's `disp`) are deprecated:
        # noise in every log, no effect on the number
        warnings.filterwarnings("ignore", message=".*(pretrained|weight enum|`disp`)")
        score = cleanfid.compute_fid(
            str(generated),
            str(real),
            mode="legacy_pytorch",
            device=torch.device("cpu"),
            num_workers=0,  # in-process loading: no worker processes on a small machine
            batch_size=batch_size,
            verbose=False,
            use_dataparallel=False,
        )
    return float(score)


def torch_fidelity_fid(
    generated: str | os.PathLike,
    real: str | os.PathLike,
    weights: str | os.PathLike,
    *,
    batch_size: int = 50,
) -> float:
    """torch-fidelity's ``calculate_metrics(fid=True)`` on the CPU, from the weights file given.

    Its cache is off and TORCH_HOME temporary, so nothing is written outside its temp folder.
    """
    fidelity = _tool("torch_fidelity")
    with offline_torch_home(weights):
        metrics = fidelity.calculate_metrics(
            input1=str(generated),
            input2=str(real),
            fid=True,
            cuda=False,
            batch_size=batch_size,
            feature_extractor_weights_path=str(_existing_weights(weights)),
            cache=False,
            save_cpu_ram=True,  # in-process loading, as for clean-fid
            verbose=False,
        )
    return float(metrics[fidelity.KEY_METRIC_FID])


def crosscheck(
    generated: str | os.PathLike,
    real: str | os.PathLike,
    weights: str | os.PathLike,
    *,
    batch_size: int = 50,
) -> dict[str, Any]:
    """The FID of the same two PNG folders by us, clean-fid and torch-fidelity, and how far each
    tool is from ours (absolute and relative)."""
    scores = {
        "ours": our_fid(generated, real, weights, batch_size=batch_size),
        "clean-fid legacy_pytorch": clean_fid_legacy_pytorch(
            generated, real, weights, batch_size=batch_size
        ),
        "torch-fidelity": torch_fidelity_fid(generated, real, weights, batch_size=batch_size),
    }
    ours = scores["ours"]
    return {
        "generated": str(generated),
        "real": str(real),
        "n_generated": len(list(Path(generated).glob("*.png"))),
        "n_real": len(list(Path(real).glob("*.png"))),
        "fid": scores,
        "difference": {k: v - ours for k, v in scores.items() if k != "ours"},
        "relative_difference": {k: (v - ours) / ours for k, v in scores.items() if k != "ours"},
    }


def _write_synced(path: Path, image: np.ndarray) -> None:
    """One lossless PNG, on disk before the folder's rename makes it visible."""
    with open(path, "wb") as f:
        Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(f, format="PNG")
        f.flush()
        os.fsync(f.fileno())


def _as_nhwc(images: np.ndarray) -> np.ndarray:
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"PNG export takes uint8 images, got dtype {images.dtype}")
    if images.ndim == 3:  # (N, H, W) grey
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            f"expected images shaped (N, H, W, C) with C in {{1, 3}}, got {images.shape}"
        )
    return images


def _existing_weights(weights: str | os.PathLike) -> Path:
    path = Path(weights).expanduser()
    if not path.is_file():
        raise FileNotFoundError(
            f"FID Inception weights not found at {path}: give the path of pytorch-fid's "
            "pt_inception-2015-12-05-6726825d.pth (an offline copy: ../shared/weights/)"
        )
    return path.resolve()


def _tool(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(f"the FID cross-check needs {module.split('.')[0]}: {_INSTALL}") from err


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m ganrepro.evaluation.crosscheck",
        description="FID of two PNG folders by ganrepro, clean-fid (legacy_pytorch) and "
        "torch-fidelity, offline on the CPU; prints JSON.",
    )
    parser.add_argument("generated", help="PNG folder of the generated images")
    parser.add_argument("real", help="PNG folder of the real images")
    parser.add_argument("--weights", required=True, help="pytorch-fid's FID Inception weights")
    parser.add_argument("--batch-size", type=int, default=50)
    args = parser.parse_args(argv)
    result = crosscheck(args.generated, args.real, args.weights, batch_size=args.batch_size)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
