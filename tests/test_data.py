"""Data sources → uint8 arrays: image folders, real (local) downloads, the offline copies, I/O."""

import gzip
import hashlib
import importlib.util
import pickle
import struct
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
from ganrepro.data import (
    ImageArrays,
    load_arrays,
    load_meta,
    prepare_split,
    save_arrays,
    stratified_indices,
    to_float,
    to_uint8,
)
from ganrepro.experiments import split_definition
from PIL import Image
from torchvision import transforms
from torchvision.datasets import FashionMNIST

REPO = Path(__file__).resolve().parents[1]
SHARED_CIFAR = REPO.parent / "shared" / "data" / "cifar10-jpeg"
DEBIAN_FASHION = Path("/usr/share/datasets/fashion-mnist")


def save_image(path, array):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def md5(path):
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def snapshot(folder):
    """Every file under folder with its bytes, to show that nothing else was touched."""
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------------------------------
# Image folders
# ---------------------------------------------------------------------------------------------


def test_image_folder_pixels_labels_and_class_order(tmp_path):
    rng = np.random.default_rng(0)
    expected = {}
    for cls in ("bee", "ant", "cat"):  # created out of order: classes must come out sorted
        for name in ("b.png", "a.png"):
            expected[cls, name] = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
            save_image(tmp_path / "train" / cls / name, expected[cls, name])
    jpeg = save_image(tmp_path / "train" / "cat" / "c.jpg", expected["cat", "a.png"])
    (tmp_path / "train" / "ant" / ".DS_Store").write_bytes(b"not an image")  # hidden: skipped
    (tmp_path / "train" / ".cache").mkdir()  # hidden folder: not a class
    (tmp_path / "test" / "ant").mkdir(parents=True)
    save_image(tmp_path / "test" / "ant" / "x.png", expected["ant", "a.png"])

    data = prepare_split("image_folder", "train", root=tmp_path, image_size=8)

    assert data.classes == ["ant", "bee", "cat"]
    assert data.images.dtype == np.uint8 and data.images.shape == (7, 8, 8, 3)
    assert data.labels.dtype == np.int64 and data.labels.tolist() == [0, 0, 1, 1, 2, 2, 2]
    order = [(c, n) for c in ("ant", "bee", "cat") for n in ("a.png", "b.png")]
    order.insert(6, None)  # cat/c.jpg sorts last
    for i, key in enumerate(order[:6]):
        np.testing.assert_array_equal(data.images[i], expected[key])  # PNG, same size: untouched
    np.testing.assert_array_equal(data.images[6], np.asarray(Image.open(jpeg).convert("RGB")))

    test = prepare_split("image_folder", "test", root=tmp_path, image_size=8)
    assert test.classes == ["ant"] and len(test.labels) == 1  # one class is allowed


def test_resize_and_centre_crop_match_torchvision(tmp_path):
    rng = np.random.default_rng(1)
    shapes = [(9, 12), (12, 9), (10, 8), (9, 6), (6, 6), (3, 4)]  # (h, w): down, crop only, up
    files = [
        save_image(tmp_path / "x" / f"{i}.png", rng.integers(0, 256, (*hw, 3), dtype=np.uint8))
        for i, hw in enumerate(shapes)
    ]
    reference = transforms.Compose(
        [transforms.Resize(6, transforms.InterpolationMode.BICUBIC), transforms.CenterCrop(6)]
    )
    data = prepare_split("image_folder", "train", root=tmp_path, image_size=6)
    assert data.images.shape == (len(files), 6, 6, 3)
    for got, file in zip(data.images, files, strict=True):
        np.testing.assert_array_equal(got, np.asarray(reference(Image.open(file).convert("RGB"))))
    original = np.asarray(Image.open(files[3]))  # 9 x 6: shorter side fits, only cropped
    np.testing.assert_array_equal(data.images[3], original[2:8])


def test_channel_conversion(tmp_path):
    rng = np.random.default_rng(2)
    grey = rng.integers(0, 256, (8, 8), dtype=np.uint8)
    rgb = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)
    save_image(tmp_path / "g" / "0.png", grey)
    save_image(tmp_path / "g" / "1.png", rgb)

    default = prepare_split("image_folder", "train", root=tmp_path, image_size=8)
    assert default.images.shape == (2, 8, 8, 3)  # image folders are RGB by default
    np.testing.assert_array_equal(default.images[0], np.repeat(grey[:, :, None], 3, axis=2))
    one = prepare_split("image_folder", "train", root=tmp_path, image_size=8, channels=1)
    assert one.images.shape == (2, 8, 8, 1)
    np.testing.assert_array_equal(one.images[0, :, :, 0], grey)
    np.testing.assert_array_equal(
        one.images[1, :, :, 0], np.asarray(Image.fromarray(rgb).convert("L"))
    )


def constant_image_folder(root, sizes):
    """Class k's i-th image is filled with the value 10*k + i, so pixels tell which file it was."""
    for k, n in enumerate(sizes):
        for i in range(n):
            save_image(root / f"class{k}" / f"{i:02d}.png", np.full((4, 4), 10 * k + i, np.uint8))


def test_max_images_is_class_stratified_and_deterministic(tmp_path):
    constant_image_folder(tmp_path, [5, 3, 4])
    data = prepare_split("image_folder", "train", root=tmp_path, image_size=4, max_images=7)
    assert data.images[:, 0, 0, 0].tolist() == [0, 10, 20, 1, 11, 21, 2]
    assert data.labels.tolist() == [0, 1, 2, 0, 1, 2, 0]
    assert data.classes == ["class0", "class1", "class2"]
    again = prepare_split("image_folder", "train", root=tmp_path, image_size=4, max_images=7)
    np.testing.assert_array_equal(again.images, data.images)

    everything = prepare_split("image_folder", "train", root=tmp_path, image_size=4, max_images=99)
    assert np.bincount(everything.labels).tolist() == [5, 3, 4]  # capped at what there is
    assert everything.labels[:9].tolist() == [0, 1, 2] * 3


def test_stratified_indices():
    labels = np.array([2, 2, 0, 2, 1, 0, 2, 2])
    idx = stratified_indices(labels, 8)
    assert idx.tolist() == [2, 4, 0, 5, 1, 3, 6, 7]
    assert stratified_indices(labels, 3).tolist() == idx[:3].tolist()  # prefixes are balanced
    with pytest.raises(ValueError, match="cannot select 9 of 8"):
        stratified_indices(labels, 9)


def test_non_image_file_is_named(tmp_path):
    constant_image_folder(tmp_path, [3, 2])
    bad = tmp_path / "class0" / "notes.txt"  # sorts after the images of class0
    bad.write_text("hello")
    with pytest.raises(ValueError, match=r"class0/notes\.txt is not an image.*remove it"):
        prepare_split("image_folder", "train", root=tmp_path, image_size=4)
    # Only the selected files are decoded, so a quick subset does not pay for a full scan.
    subset = prepare_split("image_folder", "train", root=tmp_path, image_size=4, max_images=4)
    assert len(subset.labels) == 4


@pytest.mark.parametrize(
    "layout, split, error, message",
    [
        ({}, "train", ValueError, "is empty"),
        ({"readme.txt": "x"}, "train", ValueError, "no class sub-folders"),
        ({"a/": None, "b/0.png": "img"}, "train", ValueError, r"class folder .*/a has no images"),
        ({"a/sub/0.png": "img"}, "train", ValueError, "nested folders are not read"),
        ({"a/0.png": "img"}, "test", FileNotFoundError, "no test/ sub-folder"),
        ({"train/a/0.png": "img"}, "test", FileNotFoundError, "no test/ sub-folder"),
        (None, "train", FileNotFoundError, "does not exist"),
    ],
)
def test_image_folder_layout_errors(tmp_path, layout, split, error, message):
    root = tmp_path / "data"
    if layout is not None:
        root.mkdir()
        for name, content in layout.items():
            path = root / name
            if content is None:
                path.mkdir(parents=True)
            elif content == "img":
                save_image(path, np.zeros((4, 4), np.uint8))
            else:
                path.write_text(content)
    with pytest.raises(error, match=message):
        prepare_split("image_folder", split, root=root, image_size=4)


# ---------------------------------------------------------------------------------------------
# Saving, loading, conversions
# ---------------------------------------------------------------------------------------------


def test_save_load_round_trip_is_atomic(tmp_path):
    rng = np.random.default_rng(3)
    arrays = ImageArrays(
        images=rng.integers(0, 256, (5, 4, 4, 1), dtype=np.uint8),
        labels=np.array([0, 1, 2, 0, 1]),
        classes=["T-shirt/top", "Trouser", "bag"],
    )
    path = tmp_path / "out" / "train.npz"
    save_arrays(path, arrays, {"source": "mnist", "root": Path("x"), "count": np.int64(5)})
    loaded = load_arrays(path)
    np.testing.assert_array_equal(loaded.images, arrays.images)
    assert loaded.images.dtype == np.uint8
    assert loaded.labels.dtype == np.int64 and loaded.labels.tolist() == [0, 1, 2, 0, 1]
    assert loaded.classes == arrays.classes and all(type(c) is str for c in loaded.classes)
    assert load_meta(path) == {"source": "mnist", "root": "x", "count": 5}
    assert [p.name for p in path.parent.iterdir()] == ["train.npz"]  # no temporary files left

    bad = ImageArrays(arrays.images.astype(np.float32), arrays.labels, arrays.classes)
    with pytest.raises(ValueError, match="must be uint8"):
        save_arrays(tmp_path / "out" / "bad.npz", bad)
    with pytest.raises(ValueError, match="must index the 3 classes"):
        save_arrays(
            tmp_path / "out" / "bad.npz",
            ImageArrays(arrays.images, arrays.labels + 1, arrays.classes),
        )
    assert [p.name for p in path.parent.iterdir()] == ["train.npz"]
    with pytest.raises(FileNotFoundError, match="run the prepare_data rule"):
        load_arrays(tmp_path / "missing.npz")


def test_float_conversion_round_trip_is_exact():
    every_value = torch.arange(256, dtype=torch.uint8).reshape(1, 16, 16, 1)
    rgb = torch.randint(
        0, 256, (3, 5, 7, 3), dtype=torch.uint8, generator=torch.Generator().manual_seed(0)
    )
    for x in (every_value, rgb):
        f = to_float(x)
        assert f.dtype == torch.float32 and f.shape == (
            x.shape[0],
            x.shape[3],
            x.shape[1],
            x.shape[2],
        )
        assert f.device == x.device
        assert f.min() >= -1 and f.max() <= 1
        assert torch.equal(to_uint8(f), x)
    assert to_float(every_value)[0, 0, 0, 0] == -1 and to_float(every_value)[0, 0, 15, 15] == 1
    assert torch.equal(
        to_float(rgb)[:, 1], rgb[..., 1].float() / 127.5 - 1
    )  # channel moved, not mixed
    clamped = to_uint8(torch.tensor([-3.0, -1.0, 0.0, 0.999, 7.0]).reshape(1, 1, 1, 5))
    assert clamped.flatten().tolist() == [0, 0, 128, 255, 255]


# ---------------------------------------------------------------------------------------------
# Downloads, served from 127.0.0.1 by the serve_dir fixture
# ---------------------------------------------------------------------------------------------

CIFAR_NAMES = ["plane", "car", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def make_cifar_archive(folder, seed=0):
    """A CIFAR-10 release in miniature (same pickles, same names, two images per train batch)."""
    rng = np.random.default_rng(seed)
    base = folder / "build" / "cifar-10-batches-py"
    base.mkdir(parents=True)
    batches = {}
    for name, n in [*((f"data_batch_{i}", 2) for i in range(1, 6)), ("test_batch", 3)]:
        data = rng.integers(0, 256, (n, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, n).tolist()
        with open(base / name, "wb") as f:
            pickle.dump({"batch_label": name, "data": data, "labels": labels}, f)
        batches[name] = (data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1), labels)
    with open(base / "batches.meta", "wb") as f:
        pickle.dump({"label_names": CIFAR_NAMES, "num_cases_per_batch": 2, "num_vis": 3072}, f)
    serve = folder / "serve"
    serve.mkdir()
    archive = serve / "cifar-mirror.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(base, arcname="cifar-10-batches-py")
    train = [batches[f"data_batch_{i}"] for i in range(1, 6)]
    return (
        archive,
        (np.concatenate([d for d, _ in train]), [y for _, labels in train for y in labels]),
        batches["test_batch"],
    )


def test_cifar10_download_from_a_mirror(tmp_path, serve_dir):
    archive, (train_x, train_y), (test_x, test_y) = make_cifar_archive(tmp_path)
    url = serve_dir(archive.parent) + archive.name
    root = tmp_path / "root"
    opts = {"root": root, "image_size": 32, "url": url, "md5": md5(archive)}

    train = prepare_split("cifar10", "train", download=True, **opts)
    np.testing.assert_array_equal(train.images, train_x)
    assert train.labels.tolist() == train_y and train.classes == CIFAR_NAMES
    test = prepare_split("cifar10", "test", download=False, **opts)  # already there: no download
    np.testing.assert_array_equal(test.images, test_x)
    assert test.labels.tolist() == test_y

    grey16 = prepare_split(
        "cifar10", "test", download=False, channels=1, **{**opts, "image_size": 16}
    )
    assert grey16.images.shape == (3, 16, 16, 1)


def test_cifar10_checksum_mismatch_is_explained_and_touches_nothing_else(tmp_path, serve_dir):
    archive, *_ = make_cifar_archive(tmp_path)
    url = serve_dir(archive.parent) + archive.name
    root = tmp_path / "root"
    root.mkdir()
    (root / "keep.txt").write_text("mine")
    (root / "other").mkdir()
    (root / "other" / "data.bin").write_bytes(b"\x00\x01")
    before = snapshot(root)

    with pytest.raises(
        RuntimeError,
        match=r"checksum mismatch for .*cifar-10-python\.tar\.gz: expected md5 0{32}.*delete",
    ):
        prepare_split(
            "cifar10", "train", root=root, image_size=32, download=True, url=url, md5="0" * 32
        )
    after = snapshot(root)
    assert {k: v for k, v in after.items() if k != Path("cifar-10-python.tar.gz")} == before
    assert not (root / "cifar-10-batches-py").exists()  # nothing extracted from a bad archive

    with pytest.raises(RuntimeError, match="cannot download CIFAR-10 from .*missing.tar.gz"):
        prepare_split(
            "cifar10",
            "train",
            root=tmp_path / "r2",
            image_size=32,
            download=True,
            url=url.replace(archive.name, "missing.tar.gz"),
            md5="0" * 32,
        )


def test_cifar10_missing_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="Set download: true"):
        prepare_split("cifar10", "train", root=tmp_path, image_size=32)


def idx_bytes(array):
    """IDX (MNIST's format): magic 0x0000 08 <ndim>, big-endian sizes, then uint8 data."""
    return struct.pack(f">I{array.ndim}I", 0x800 | array.ndim, *array.shape) + array.tobytes()


def make_fashion_files(folder, gz=True, n_train=6, n_test=4, seed=0):
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        labels = (np.arange(n) % 10).astype(np.uint8)
        for kind, array, ndim in (("images", images, 3), ("labels", labels, 1)):
            name = f"{prefix}-{kind}-idx{ndim}-ubyte"
            data = idx_bytes(array)
            if gz:
                (folder / (name + ".gz")).write_bytes(gzip.compress(data))
            else:
                (folder / name).write_bytes(data)
        out[prefix] = (images, labels)
    return out


def test_fashion_mnist_download_from_a_mirror(tmp_path, serve_dir, monkeypatch):
    serve = tmp_path / "serve"
    expected = make_fashion_files(serve)
    # torchvision checks the standard files' md5s; the tiny files stand in for them here.
    resources = [(name, md5(serve / name)) for name, _ in FashionMNIST.resources]
    monkeypatch.setattr(FashionMNIST, "resources", resources)
    root = tmp_path / "root"

    data = prepare_split(
        "fashion_mnist",
        "train",
        root=root,
        image_size=28,
        download=True,
        url=serve_dir(serve).rstrip("/"),
    )
    images, labels = expected["train"]
    np.testing.assert_array_equal(data.images[..., 0], images)
    assert data.images.shape == (6, 28, 28, 1) and data.labels.tolist() == labels.tolist()
    assert data.classes == FashionMNIST.classes
    test = prepare_split("fashion_mnist", "test", root=root, image_size=32, channels=3)
    assert test.images.shape == (4, 32, 32, 3) and test.labels.tolist() == [0, 1, 2, 3]


def test_fashion_mnist_checksum_mismatch(tmp_path, serve_dir):
    serve = tmp_path / "serve"
    make_fashion_files(serve)  # not the real files: torchvision's md5s cannot match
    root = tmp_path / "root"
    root.mkdir()
    (root / "keep.txt").write_text("mine")
    with pytest.raises(
        RuntimeError,
        match=r"checksum mismatch for .*FashionMNIST/raw/train-images-idx3-ubyte\.gz: "
        r"expected md5 8d4fb7e6",
    ):
        prepare_split(
            "fashion_mnist", "train", root=root, image_size=28, download=True, url=serve_dir(serve)
        )
    assert (root / "keep.txt").read_text() == "mine"
    with pytest.raises(ValueError, match="md5 applies to the cifar10 archive only"):
        prepare_split("fashion_mnist", "train", root=root, image_size=28, md5="0" * 32)


@pytest.mark.parametrize("gz", [True, False])
def test_flat_idx_folder(tmp_path, gz):
    expected = make_fashion_files(tmp_path / "flat", gz=gz)
    data = prepare_split("mnist", "test", root=tmp_path / "flat", image_size=28)
    np.testing.assert_array_equal(data.images[..., 0], expected["t10k"][0])
    assert data.classes[0] == "0 - zero"
    (tmp_path / "flat" / ("train-labels-idx1-ubyte" + (".gz" if gz else ""))).write_bytes(b"junk")
    with pytest.raises(
        ValueError, match="train-labels-idx1-ubyte.* is not a valid IDX labels file"
    ):
        prepare_split("mnist", "train", root=tmp_path / "flat", image_size=28)


def test_mnist_missing_says_how_to_get_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="dataset-fashion-mnist"):
        prepare_split("fashion_mnist", "train", root=tmp_path, image_size=28)


# ---------------------------------------------------------------------------------------------
# The offline copies on this machine
# ---------------------------------------------------------------------------------------------


@pytest.mark.skipif(
    not (DEBIAN_FASHION / "t10k-images-idx3-ubyte.gz").is_file(),
    reason="Debian's dataset-fashion-mnist is not installed "
    "(apt-get install dataset-fashion-mnist)",
)
def test_debian_fashion_mnist_folder():
    data = prepare_split("fashion_mnist", "test", root=DEBIAN_FASHION, image_size=28)
    assert data.images.shape == (10000, 28, 28, 1) and data.images.dtype == np.uint8
    assert np.bincount(data.labels).tolist() == [1000] * 10
    assert data.classes == FashionMNIST.classes
    assert 60 < data.images.mean() < 90  # real clothes on a black background, not noise


@pytest.mark.skipif(
    not SHARED_CIFAR.is_dir(), reason=f"offline CIFAR-10 copy not found at {SHARED_CIFAR}"
)
def test_shared_cifar10_jpeg_copy():
    data = prepare_split("image_folder", "test", root=SHARED_CIFAR, image_size=32, max_images=100)
    assert data.images.shape == (100, 32, 32, 3)
    assert data.classes == [
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    ]
    assert np.bincount(data.labels).tolist() == [10] * 10
    assert data.labels[:10].tolist() == list(range(10))
    first = np.asarray(Image.open(SHARED_CIFAR / "test" / "airplane" / "0000.jpg").convert("RGB"))
    np.testing.assert_array_equal(data.images[0], first)


# ---------------------------------------------------------------------------------------------
# The rule's script
# ---------------------------------------------------------------------------------------------


def prepare_data_script():
    spec = importlib.util.spec_from_file_location(
        "prepare_data", REPO / "scripts" / "prepare_data.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_prepare_data_script(tmp_path):
    script = prepare_data_script()
    constant_image_folder(tmp_path / "images", [3, 3])
    dataset = {
        "source": "image_folder",
        "root": str(tmp_path / "images"),
        "image_size": 8,
        "channels": 1,
        "train_images": 4,
    }
    definition = split_definition(dataset, "train")  # the rule's param
    out, log = tmp_path / "data" / "train.npz", tmp_path / "logs" / "prepare.log"

    # an image folder's root is its definition's: the root passed for downloads is not used
    script.main(arrays=str(out), definition=definition, root="elsewhere", log=str(log))

    data = load_arrays(out)
    assert data.images.shape == (4, 8, 8, 1) and data.labels.tolist() == [0, 1, 0, 1]
    assert load_meta(out) == {
        "source": "image_folder",
        "split": "train",
        "root": str(tmp_path / "images"),
        "image_size": 8,
        "channels": 1,
        "count": 4,
        "class_counts": {"class0": 2, "class1": 2},
        "max_images": 4,
    }
    assert "4 images" in log.read_text()


def test_prepare_data_script_fetches_a_torchvision_source_as_told(tmp_path, serve_dir):
    """The definition (with its md5) says which images; root, download and url, passed apart
    (the rule reads them from the config at run time), say where they are stored and fetched."""
    script = prepare_data_script()
    archive, _, (test_x, test_y) = make_cifar_archive(tmp_path)
    dataset = {"source": "cifar10", "image_size": 32, "md5": md5(archive), "test_images": None}
    definition = split_definition(dataset, "test")
    assert "root" not in definition and "url" not in definition
    out, root = tmp_path / "test.npz", tmp_path / "downloads" / "cifar10"
    script.main(
        arrays=out,
        definition=definition,
        root=root,
        download=True,
        url=serve_dir(archive.parent) + archive.name,
    )
    data = load_arrays(out)
    np.testing.assert_array_equal(data.images, test_x)
    assert data.labels.tolist() == test_y
    meta = load_meta(out)
    assert meta["root"] == str(root) and meta["count"] == 3 and meta["max_images"] is None
    with pytest.raises(RuntimeError, match="checksum mismatch"):  # the definition's md5 is used
        script.main(
            arrays=tmp_path / "bad.npz",
            definition={**definition, "md5": "0" * 32},
            root=tmp_path / "other",
            download=True,
            url=serve_dir(archive.parent) + archive.name,
        )
