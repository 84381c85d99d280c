"""Data sources → uint8 image arrays on disk, and the conversions the models need.

Every source (torchvision's CIFAR-10, MNIST, Fashion-MNIST, or a folder of image files) is turned
once into the same thing: a uint8 NHWC array, int64 labels and the class names. Training and
evaluation read only that array, so they never depend on where the pixels came from, and a
decoded, resized dataset is cached as one file instead of being re-decoded by every job.

Downloads go through torchvision's own code (its URLs, checksums and parsers); ``url``/``md5``
only point it at a mirror. Pixels are never touched unless a resize or a channel conversion was
asked for, so the arrays of a lossless source equal the source bit for bit.
"""

from __future__ import annotations

import gzip
import json
import numbers
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

from ganrepro.io import json_default, load_npz, write_npz

__all__ = [
    "SOURCES",
    "ImageArrays",
    "load_arrays",
    "load_meta",
    "prepare_split",
    "save_arrays",
    "stratified_indices",
    "to_float",
    "to_uint8",
]

SOURCES = ("cifar10", "mnist", "fashion_mnist", "image_folder")
SPLITS = ("train", "test")
_MODES = {1: "L", 3: "RGB"}


@dataclass(frozen=True)
class ImageArrays:
    """A whole split in memory: small GAN datasets fit, and one array makes batching trivial."""

    images: np.ndarray  # uint8, (N, H, W, C), C = 1 or 3
    labels: np.ndarray  # int64, (N,), indices into classes
    classes: list[str]


# ----------------------------------------------------------------------------------------------
# Public API
# ----------------------------------------------------------------------------------------------


def prepare_split(
    source: str,
    split: str,
    *,
    root: str | os.PathLike,
    image_size: int,
    channels: int | None = None,
    download: bool = False,
    url: str | None = None,
    md5: str | None = None,
    max_images: int | None = None,
) -> ImageArrays:
    """One split of a source as uint8 arrays of ``image_size`` x ``image_size`` pixels.

    Images whose size differs are resized (shorter side to ``image_size``, PIL bicubic with
    antialiasing) and centre-cropped, exactly like torchvision's ``Resize`` + ``CenterCrop``;
    images already of that size keep their pixels. ``channels`` (1 or 3) converts with PIL
    (``L``/``RGB``); None keeps the source's (image folders: RGB).

    ``max_images`` keeps a class-balanced subset (see :func:`stratified_indices`, whose
    interleaved order it keeps), so quick configurations still see every class; it is capped at
    the split's size. For image folders only the selected files are decoded (a stray non-image
    file outside the subset goes unnoticed until the full split is read). Without it, images
    come in source order (image folders: grouped by class).
    ``url``/``md5`` point a download at a mirror: for ``cifar10`` the ``.tar.gz`` archive and its
    md5; for ``mnist``/``fashion_mnist`` a base URL serving the standard ``*-ubyte.gz`` files,
    which are checked against torchvision's checksums.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown data source {source!r}; choose one of {', '.join(SOURCES)}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose 'train' or 'test'")
    if not isinstance(image_size, numbers.Integral) or image_size < 1:
        raise ValueError(f"image_size must be a positive integer, got {image_size!r}")
    if channels not in (None, 1, 3):
        raise ValueError(
            f"channels must be 1 (grey), 3 (RGB) or null (the source's), got {channels!r}"
        )
    if max_images is not None and (not isinstance(max_images, numbers.Integral) or max_images < 1):
        raise ValueError(f"max_images must be a positive integer or null, got {max_images!r}")
    root = Path(root)

    if source == "image_folder":
        if url or md5 or download:
            raise ValueError(
                "download, url and md5 apply to cifar10/mnist/fashion_mnist, "
                "not to an image folder; "
                f"remove them, or copy the images into {root}"
            )
        return _image_folder(root, split, image_size, channels or 3, max_images)

    if source == "cifar10":
        images, labels, classes = _cifar10(root, split, download, url, md5)
    else:
        images, labels, classes = _mnist_like(source, root, split, download, url, md5)
    if max_images is not None:
        keep = stratified_indices(labels, min(max_images, len(labels)))
        images, labels = images[keep], labels[keep]
    mode = _MODES[channels or images.shape[-1]]
    return ImageArrays(_fit_array(images, image_size, mode), labels, classes)


def stratified_indices(labels: np.ndarray, n: int) -> np.ndarray:
    """The first ``n`` indices of the dataset with its classes interleaved.

    The order is: first image of class 0, first of class 1, ..., second of class 0, ...; a class
    that runs out is skipped. So every prefix is as class-balanced as the data allows, the choice
    needs no random seed, and the subset for ``n`` contains the subset for any smaller ``n``.
    """
    labels = np.asarray(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be one-dimensional, got shape {labels.shape}")
    if not 0 <= n <= len(labels):
        raise ValueError(f"cannot select {n} of {len(labels)} images")
    by_class = np.argsort(labels, kind="stable")
    sorted_labels = labels[by_class]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    group_sizes = np.diff(np.r_[starts, len(labels)])
    rank = np.empty(len(labels), dtype=np.int64)
    rank[by_class] = np.arange(len(labels)) - np.repeat(starts, group_sizes)
    return np.lexsort((labels, rank))[:n]


def save_arrays(path: str | os.PathLike, arrays: ImageArrays, meta: dict | None = None) -> None:
    """Write one .npz atomically, so a crashed job never leaves a half file that looks done."""
    images, labels = arrays.images, np.asarray(arrays.labels)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] not in (1, 3):
        raise ValueError(
            f"images must be uint8 (N, H, W, 1 or 3), got {images.dtype} {images.shape}"
        )
    if labels.shape != (len(images),):
        raise ValueError(f"labels must have shape ({len(images)},), got {labels.shape}")
    if len(labels) and not (0 <= labels.min() and labels.max() < len(arrays.classes)):
        raise ValueError(
            f"labels must index the {len(arrays.classes)} classes, got range "
            f"{labels.min()}..{labels.max()}"
        )
    write_npz(
        path,
        images=images,
        labels=labels.astype(np.int64),
        classes=np.array(list(arrays.classes), dtype=str),
        meta=np.array(json.dumps(meta or {}, sort_keys=True, default=json_default)),
    )


def load_arrays(path: str | os.PathLike) -> ImageArrays:
    """Read what :func:`save_arrays` wrote (no pickles: a data file cannot run code)."""
    f = _load(path, ["images", "labels", "classes"])
    return ImageArrays(
        images=f["images"],
        labels=f["labels"].astype(np.int64, copy=False),
        classes=[str(c) for c in f["classes"]],
    )


def load_meta(path: str | os.PathLike) -> dict:
    """The provenance saved with the arrays (source, root, sizes, counts), without the pixels."""
    f = _load(path, ["meta"])
    return json.loads(str(f["meta"])) if "meta" in f else {}


def to_float(images_uint8: torch.Tensor, dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """NHWC uint8 → NCHW floats in [-1, 1] (the tanh range of the generators), same device.

    Converting per batch on the device keeps the dataset 4x smaller in memory than floats.
    """
    if images_uint8.ndim != 4:
        raise ValueError(f"expected NHWC images, got shape {tuple(images_uint8.shape)}")
    x = images_uint8.permute(0, 3, 1, 2).to(dtype)
    return (x / 127.5 - 1.0).contiguous()


def to_uint8(images_float: torch.Tensor) -> torch.Tensor:
    """NCHW floats in [-1, 1] → NHWC uint8 (clamped, rounded): the inverse of :func:`to_float`,
    exact for images that came from uint8, so samples and real data are quantised alike."""
    if images_float.ndim != 4:
        raise ValueError(f"expected NCHW images, got shape {tuple(images_float.shape)}")
    x = ((images_float.float() + 1.0) * 127.5).round().clamp(0, 255).to(torch.uint8)
    return x.permute(0, 2, 3, 1).contiguous()


# ----------------------------------------------------------------------------------------------
# Resizing and channel conversion (shared by all sources)
# ----------------------------------------------------------------------------------------------


def _fit(image: Image.Image, size: int) -> Image.Image:
    """Shorter side to ``size`` (bicubic, antialiased), then a centred square crop.

    The arithmetic is torchvision's (``Resize(size)`` then ``CenterCrop(size)``), so the result
    equals what a torchvision pipeline would feed a model.
    """
    w, h = image.size
    if (w, h) == (size, size):
        return image
    short, long = min(w, h), max(w, h)
    if short != size:
        new_long = int(size * long / short)
        image = image.resize(
            (size, new_long) if w <= h else (new_long, size), Image.Resampling.BICUBIC
        )
        w, h = image.size
    left, top = round((w - size) / 2), round((h - size) / 2)  # as torchvision
    return image.crop((left, top, left + size, top + size))


def _fit_array(images: np.ndarray, size: int, mode: str) -> np.ndarray:
    """Resize/convert a uint8 NHWC array through PIL, or return it untouched if nothing to do."""
    channels = 1 if mode == "L" else 3
    n, h, w, c = images.shape
    if (h, w, c) == (size, size, channels):
        return images
    src_mode = "L" if c == 1 else "RGB"
    out = np.empty((n, size, size, channels), dtype=np.uint8)
    for i in range(n):
        image = Image.fromarray(images[i, :, :, 0] if c == 1 else images[i], mode=src_mode)
        out[i] = _as_hwc(_fit(image.convert(mode), size))
    return out


def _as_hwc(image: Image.Image) -> np.ndarray:
    a = np.asarray(image)
    return a[:, :, None] if a.ndim == 2 else a


# ----------------------------------------------------------------------------------------------
# Image folders
# ----------------------------------------------------------------------------------------------


def _image_folder(
    root: Path, split: str, size: int, channels: int, max_images: int | None
) -> ImageArrays:
    files, labels, classes = _list_image_folder(root, split)
    if max_images is not None:
        keep = stratified_indices(labels, min(max_images, len(labels)))
        files, labels = [files[i] for i in keep], labels[keep]
    mode = _MODES[channels]
    images = np.empty((len(files), size, size, channels), dtype=np.uint8)
    for i, file in enumerate(files):
        images[i] = _as_hwc(_fit(_decode(file, mode), size))
    return ImageArrays(images, labels, classes)


def _visible(folder: Path) -> list[Path]:
    return sorted((p for p in folder.iterdir() if not p.name.startswith(".")), key=lambda p: p.name)


def _list_image_folder(root: Path, split: str) -> tuple[list[Path], np.ndarray, list[str]]:
    """Files and labels of ``root/<split>/<class>/*`` (or ``root/<class>/*``), sorted by name."""
    if not root.is_dir():
        raise FileNotFoundError(
            f"image folder {root} does not exist; set root to a folder laid out as "
            "root/train/<class>/<image> and root/test/<class>/<image> (or root/<class>/<image>)"
        )
    if (root / "train").is_dir() or (root / "test").is_dir():
        base = root / split
        if not base.is_dir():
            raise FileNotFoundError(
                f"image folder {root} has no {split}/ sub-folder; "
                f"add {base}/<class>/<image> files, "
                "or point root at a folder that has it"
            )
    elif split == "test":
        raise FileNotFoundError(
            f"image folder {root} has no test/ sub-folder, so it has no test split (its class "
            f"folders are all training data); split it into {root}/train/<class>/ and "
            f"{root}/test/<class>/, or take the test split from another folder"
        )
    else:
        base = root
    entries = _visible(base)
    if not entries:
        raise ValueError(
            f"image folder {base} is empty; put the images in {base}/<class>/ sub-folders"
        )
    class_dirs = [p for p in entries if p.is_dir()]
    if not class_dirs:
        raise ValueError(
            f"image folder {base} has no class sub-folders; images must be in {base}/<class>/ "
            f"(a single folder such as {base}/all/ is fine for unconditional models)"
        )
    files: list[Path] = []
    labels: list[int] = []
    for label, class_dir in enumerate(class_dirs):
        members = _visible(class_dir)
        nested = [p for p in members if p.is_dir()]
        if nested:
            raise ValueError(
                f"class folder {class_dir} contains the folder {nested[0].name}; nested folders "
                "are not read: move its images up into the class folder, or remove it"
            )
        if not members:
            raise ValueError(
                f"class folder {class_dir} has no images; add images to it or remove it"
            )
        files += members
        labels += [label] * len(members)
    return files, np.array(labels, dtype=np.int64), [p.name for p in class_dirs]


def _decode(file: Path, mode: str) -> Image.Image:
    try:
        with Image.open(file) as image:
            return image.convert(mode)
    except UnidentifiedImageError as err:
        raise ValueError(
            f"{file} is not an image (PIL cannot read it); remove it from the image folder "
            "(files whose names start with '.' are skipped)"
        ) from err
    except OSError as err:
        raise ValueError(
            f"cannot decode {file}: {err}; the file is damaged: replace or remove it"
        ) from err


# ----------------------------------------------------------------------------------------------
# torchvision sources
# ----------------------------------------------------------------------------------------------


def _cifar10(
    root: Path, split: str, download: bool, url: str | None, md5: str | None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    from urllib.error import URLError

    from torchvision.datasets import CIFAR10
    from torchvision.datasets.utils import check_integrity

    attrs: dict[str, Any] = {"url": url or CIFAR10.url, "tgz_md5": md5 or CIFAR10.tgz_md5}
    if md5 is not None and md5 != CIFAR10.tgz_md5:
        # Another archive (a repackaged copy): its md5 vouches for the files inside, whose own
        # md5s differ from the official release's, so only their presence is checked.
        attrs["train_list"] = [[name, None] for name, _ in CIFAR10.train_list]
        attrs["test_list"] = [[name, None] for name, _ in CIFAR10.test_list]
        attrs["meta"] = {**CIFAR10.meta, "md5": None}
    dataset_class = type("CIFAR10", (CIFAR10,), attrs)
    folder = root / CIFAR10.base_folder
    if not download and not folder.is_dir():
        raise FileNotFoundError(
            f"CIFAR-10 not found: {folder} does not exist. Set download: true to fetch it "
            f"(into {root}), run the prepare_data rule on a machine with internet, or point root "
            "at a folder that holds cifar-10-batches-py/"
        )
    archive = root / CIFAR10.filename
    try:
        dataset = dataset_class(str(root), train=split == "train", download=download)
    except URLError as err:
        raise RuntimeError(
            f"cannot download CIFAR-10 from {attrs['url']}: {err}; check the url and the "
            f"connection, or copy cifar-10-batches-py/ into {root} and set download: false"
        ) from err
    except (RuntimeError, OSError) as err:
        if download and archive.is_file() and not check_integrity(str(archive), attrs["tgz_md5"]):
            raise _checksum_error(archive, attrs["tgz_md5"]) from err
        raise RuntimeError(
            f"CIFAR-10 in {folder} is incomplete or fails its checksums ({err}); delete {folder} "
            "and set download: true, or point root at a good copy"
        ) from err
    classes = list(dataset.classes)
    return np.ascontiguousarray(dataset.data), np.asarray(dataset.targets, dtype=np.int64), classes


_IDX_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def _mnist_like(
    source: str, root: Path, split: str, download: bool, url: str | None, md5: str | None
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """MNIST/Fashion-MNIST from torchvision's layout, a flat folder of IDX files, or a download.

    The flat layout (``root/train-images-idx3-ubyte[.gz]`` ...) is what Debian's
    ``dataset-fashion-mnist`` installs (/usr/share/datasets/fashion-mnist) and what the upstream
    repositories ship; its .gz files are recompressed, so they are read without torchvision's
    checksums of the upstream .gz files.
    """
    from torchvision.datasets import MNIST, FashionMNIST
    from torchvision.datasets.utils import check_integrity

    base = MNIST if source == "mnist" else FashionMNIST
    if md5 is not None:
        raise ValueError(
            f"md5 applies to the cifar10 archive only; {source} downloads are checked against "
            "torchvision's checksums of the standard files, so a mirror (url) must serve exactly "
            "those files. Remove md5."
        )
    attrs: dict[str, Any] = {}
    if url:
        attrs["mirrors"] = [url if url.endswith("/") else url + "/"]
    dataset_class = type(base.__name__, (base,), attrs)  # the name sets root/<name>/raw
    raw = root / base.__name__ / "raw"
    flat = _find_idx(root, split)
    torchvision_layout = all((raw / name).is_file() for name in _IDX_NAMES[split])
    if flat and not torchvision_layout:
        images = _read_idx(flat[0], "images")
        labels = _read_idx(flat[1], "labels")
        if len(images) != len(labels):
            raise ValueError(
                f"{flat[0]} has {len(images)} images but {flat[1]} has {len(labels)} labels; "
                "the files belong to different datasets or are truncated: replace them"
            )
        return images.numpy()[..., None], labels.numpy().astype(np.int64), list(base.classes)
    if not download and not torchvision_layout:
        names = ", ".join(n + "[.gz]" for n in _IDX_NAMES[split])
        hint = (
            " (Debian: apt-get install dataset-fashion-mnist,"
            " root: /usr/share/datasets/fashion-mnist)"
            if source == "fashion_mnist"
            else ""
        )
        raise FileNotFoundError(
            f"{source} not found in {root}: expected {names} there or in {raw}. Set download: true "
            f"to fetch it, run the prepare_data rule on a machine with internet, or point root at "
            f"a copy{hint}"
        )
    try:
        dataset = dataset_class(str(root), train=split == "train", download=download)
    except (RuntimeError, OSError) as err:
        for filename, expected in base.resources:
            path = raw / filename
            if path.is_file() and not check_integrity(str(path), expected):
                raise _checksum_error(path, expected) from err
        mirrors = attrs.get("mirrors", base.mirrors)
        raise RuntimeError(
            f"cannot download {source} from {', '.join(mirrors)}: {err}; check the url and the "
            f"connection, or copy the IDX files into {root} and set download: false"
        ) from err
    images = dataset.data.numpy()[..., None]
    return images, dataset.targets.numpy().astype(np.int64), list(base.classes)


def _find_idx(root: Path, split: str) -> tuple[Path, Path] | None:
    found = []
    for name in _IDX_NAMES[split]:
        candidates = [root / name, root / (name + ".gz")]
        existing = [p for p in candidates if p.is_file()]
        if not existing:
            return None
        found.append(existing[0])
    return found[0], found[1]


def _read_idx(path: Path, kind: str) -> torch.Tensor:
    """torchvision's IDX readers, which take an uncompressed path; .gz files are unpacked to a
    temporary folder first."""
    from torchvision.datasets.mnist import read_image_file, read_label_file

    reader = read_image_file if kind == "images" else read_label_file
    try:
        if path.suffix != ".gz":
            return reader(str(path))
        with tempfile.TemporaryDirectory() as tmp:
            plain = Path(tmp) / path.stem
            with gzip.open(path, "rb") as src, open(plain, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            return reader(str(plain))
    except (OSError, EOFError, AssertionError, ValueError, TypeError, KeyError) as err:
        raise ValueError(
            f"{path} is not a valid IDX {kind} file ({err or type(err).__name__}); it is truncated "
            "or of another kind: replace it (or reinstall the package that provides it)"
        ) from err


# ----------------------------------------------------------------------------------------------
# Helpers
# ----------------------------------------------------------------------------------------------


def _checksum_error(file: Path, expected: str) -> RuntimeError:
    return RuntimeError(
        f"checksum mismatch for {file}: expected md5 {expected}; the download is corrupted or the "
        f"mirror serves a different file; delete {file} and retry"
    )


def _load(path: str | os.PathLike, keys: list[str]) -> dict[str, np.ndarray]:
    """Arrays of a data arrays file, with errors that name the file and the rule that makes it."""
    if not Path(path).is_file():
        raise FileNotFoundError(
            f"data arrays {path} not found; "
            "run the prepare_data rule (or save_arrays) to create them"
        )
    return load_npz(path, keys, required=["images", "labels", "classes"])
