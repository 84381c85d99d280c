"""Rule prepare_data (local): one split of a dataset as a uint8 .npz with its provenance.

Runs on the submitting host (it may download), so compute jobs read only the arrays.
"""

import numpy as np
from ganrepro.data import prepare_split, save_arrays
from ganrepro.io import open_log
from ganrepro.rule import run_rule


def main(*, arrays: str, definition: dict, root=None, download=False, url=None, log=None) -> None:
    """``definition``: what defines the split (ganrepro.experiments.split_definition: source,
    split, image_size, channels, images, and root for image folders, md5 if set). How it is
    fetched is not part of it: ``root`` (where a torchvision source is stored; an image folder's
    is its definition's), ``download`` and ``url``."""
    d = definition
    root = d.get("root", root)
    with open_log(log) as logf:
        data = prepare_split(
            d["source"],
            d["split"],
            root=root,
            image_size=d["image_size"],
            channels=d.get("channels"),
            download=bool(download),
            url=url,
            md5=d.get("md5"),
            max_images=d.get("images"),
        )
        counts = np.bincount(data.labels, minlength=len(data.classes)).tolist()
        meta = {
            "source": d["source"],
            "split": d["split"],
            "root": str(root),
            "image_size": d["image_size"],
            "max_images": d.get("images"),
            "channels": int(data.images.shape[-1]),
            "count": len(data.labels),
            "class_counts": dict(zip(data.classes, counts, strict=True)),
        }
        save_arrays(arrays, data, meta)
        print(
            f"{arrays}: {len(data.labels)} images {data.images.shape[1:]} in "
            f"{len(data.classes)} classes from {d['source']} {root} ({d['split']})",
            file=logf,
        )


if "snakemake" in globals():
    sm = snakemake  # noqa: F821
    dataset = sm.config["datasets"][sm.wildcards.dataset]
    name = sm.wildcards.dataset
    try:
        run_rule(
            main,
            sm,
            # how the split is fetched, from the config at run time (not params: no re-run)
            root=dataset.get("root", f"{sm.config['results']}/downloads/{name}"),
            download=dataset.get("download", False),
            url=dataset.get("url"),
        )
    except (FileNotFoundError, RuntimeError) as err:  # missing, or cannot be fetched
        raise RuntimeError(
            f"config key datasets.{name}: {err}. Offline, point datasets.{name} at a local copy "
            "(on this project's machines: --configfile <config> configs/offline.yaml)."
        ) from err
