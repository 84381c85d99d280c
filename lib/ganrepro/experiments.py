"""Expand the experiments of a config into runs, each identified by what determines its numbers.

An experiment is a base of training settings, an optional grid (each key a list of values: the
runs are their Cartesian product), optional named variants (sets of settings that change
together, such as a family with its own loss and optimiser; each is crossed with the grid and
shows as a ``variant`` column in the experiment's table) and a list of seeds. A run's name
says where it comes from and ends with a hash of what determines its result: the settings that
differ from "off" (`identity_settings`), the seed and the definition of the training data. An
edited experiment produces new runs, an unchanged one keeps its cached files, and a new setting
that is off by default renames nothing (tests/test_run_names.py pins the names).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from dataclasses import dataclass
from typing import Any

from ganrepro import settings as settings_module
from ganrepro.settings import TrainSettings, identity_settings

# Keys of an experiment that are not training settings.
EXPERIMENT_KEYS = ("description", "dataset", "seeds", "grid", "variants", "reference")
# Short names for grid keys in run names.
_ABBREV = {"batch_size": "bs", "latent_dim": "z", "width": "w", "lr_schedule": "sched"}


@dataclass(frozen=True)
class Run:
    name: str
    experiment: str
    dataset: str
    seed: int
    grid: dict[str, Any]  # this run's coordinates in its experiment's grid (and its variant)
    settings: dict[str, Any]  # resolved TrainSettings as a plain dict
    # the settings that differ from "off" (what the training job is given; the rest are defaults)
    identity_settings: dict[str, Any]
    # sha256 of everything that determines the run's numbers (identity_settings, seed, data)
    identity: str

    @property
    def train_settings(self) -> TrainSettings:
        return TrainSettings.from_dict(self.settings)


def split_definition(dataset: dict[str, Any], split: str) -> dict[str, Any]:
    """What determines the images of one split of a dataset (not how they are fetched: url and
    download are left out). An image folder is defined by its root; a torchvision dataset by its
    checksum-verified archive, wherever it is stored."""
    d = {
        "source": dataset["source"],
        "split": split,
        "image_size": dataset["image_size"],
        "channels": dataset.get("channels"),
        "images": dataset.get(f"{split}_images"),
    }
    if dataset["source"] == "image_folder":
        d["root"] = dataset.get("root")
    if dataset.get("md5"):
        d["md5"] = dataset["md5"]
    return d


def split_key(dataset: dict[str, Any], split: str) -> str:
    """The short hash under which a split's arrays (and its FID statistics) are stored, so
    pointing a dataset elsewhere and back finds the earlier files again."""
    return settings_hash(split_definition(dataset, split))


def settings_hash(obj: Any, length: int = 8) -> str:
    blob = json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:length]


def _slug(value: Any) -> str:
    text = format(value, "g") if isinstance(value, float) else str(value)
    return "".join(c if c.isalnum() or c in ".-" else "_" for c in text)


def expand_experiment(
    name: str, exp: dict[str, Any], defaults: dict[str, Any], datasets: dict[str, Any]
) -> list[Run]:
    dataset = exp.get("dataset", defaults.get("dataset"))
    if dataset not in datasets:
        raise ValueError(
            f"experiments.{name}.dataset: unknown dataset {dataset!r}; "
            f"defined under datasets: {', '.join(sorted(datasets))}"
        )
    base = {k: v for k, v in {**defaults, **exp}.items() if k not in EXPERIMENT_KEYS}
    grid = exp.get("grid") or {}
    variants = exp.get("variants") or {None: {}}
    seeds = exp.get("seeds", defaults.get("seeds", [0]))
    runs = []
    for variant, overrides in variants.items():
        where = f"experiments.{name}" + (f".variants.{variant}" if variant is not None else "")
        clash = sorted(set(overrides or {}) & (set(grid) | set(EXPERIMENT_KEYS)))
        if clash:
            raise ValueError(
                f"{where}: {clash} cannot be set in a variant (a variant holds training "
                "settings that the grid does not vary)"
            )
        for values in itertools.product(*grid.values()):
            coords = dict(zip(grid, values, strict=True))
            try:
                settings = _resolve({**base, **(overrides or {}), **coords})
            except (TypeError, ValueError) as err:
                raise ValueError(f"{where}: {err}") from err
            resolved = _plain(settings)
            key_settings = identity_settings(settings)
            label = coords if variant is None else {"variant": variant, **coords}
            data = split_definition(datasets[dataset], "train")
            for seed in seeds:
                identity = {"settings": key_settings, "seed": seed, "data": data}
                parts = [
                    name,
                    *([variant] if variant is not None else []),
                    *(f"{_ABBREV.get(k, k)}{_slug(v)}" for k, v in coords.items()),
                    f"s{seed}",
                ]
                runs.append(
                    Run(
                        name="-".join(parts) + "-" + settings_hash(identity),
                        identity=settings_hash(identity, length=64),
                        experiment=name,
                        dataset=dataset,
                        seed=seed,
                        grid=label,
                        settings=resolved,
                        identity_settings=key_settings,
                    )
                )
    return runs


def expand_runs(config: dict[str, Any]) -> dict[str, Run]:
    """All runs of all experiments, by name, in config order."""
    defaults = config.get("defaults", {})
    runs: dict[str, Run] = {}
    for name, exp in config["experiments"].items():
        for run in expand_experiment(name, exp or {}, defaults, config["datasets"]):
            runs[run.name] = run
    return runs


def trained_as(runs: dict[str, Run]) -> dict[str, str]:
    """For each run, the run whose files hold its results: itself, or the first run (in config
    order) of another experiment with the same identity (same settings, seed and dataset), which
    gives the same numbers. Such a run, e.g. a baseline that is also a grid point, is trained,
    sampled and scored once and shows in both experiments' tables."""
    first: dict[str, str] = {}
    return {name: first.setdefault(run.identity, name) for name, run in runs.items()}


def _resolve(d: dict[str, Any]) -> TrainSettings:
    """The run's settings, with the final epoch among the eval epochs (so `eval_epochs: [1, 2]`
    and `[1]` with `epochs: 2` are one run). Looked up at call time: a test may extend it."""
    cls = settings_module.TrainSettings
    settings = cls.from_dict(d)
    return dataclasses.replace(settings, eval_epochs=settings.checkpoint_epochs())


def _plain(settings: TrainSettings) -> dict[str, Any]:
    d = dataclasses.asdict(settings)
    d["eval_epochs"] = list(settings.eval_epochs)
    return d
