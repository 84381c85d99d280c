"""Expand the experiments of a config into runs, each identified by what shapes its weights.

An experiment is a base of training settings, an optional grid (each key a list of values: the
runs are their Cartesian product), optional named variants (sets of settings that change
together, such as a family with its own loss and optimiser; each is crossed with the grid and
shows as a ``variant`` column in the experiment's table) and a list of seeds.

Each member of an experiment (``<experiment>[-<variant>][-<grid point>]-s<seed>``, what its
tables and the report call it) refers to a run folder, ``<model>-<hash>-s<seed>``, named by
what shapes the weights: the settings that differ from "off" (`identity_settings`: not the
scored epochs, and the length only when a schedule depends on it) and the definition of the
training data. Not by the experiment: two experiments that train the same weights share one
folder, and editing one never renames the other's. A longer run of a constant schedule is the
same folder continued; a new setting that is off by default renames nothing
(tests/test_run_names.py pins the names).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from dataclasses import dataclass
from typing import Any

from ganrepro.training import settings as settings_module
from ganrepro.training.settings import TrainSettings, identity_settings

# Keys of an experiment that are not training settings.
EXPERIMENT_KEYS = ("description", "dataset", "seeds", "grid", "variants", "reference", "recipe")
# Short names for grid keys in run names.
_ABBREV = {"batch_size": "bs", "latent_dim": "z", "width": "w", "lr_schedule": "sched"}


@dataclass(frozen=True)
class Run:
    name: str  # the member: <experiment>[-<variant>][-<grid point>]-s<seed>
    folder: str  # the run it trains or reads: <model>-<hash>-s<seed> under results/runs
    experiment: str
    dataset: str
    seed: int
    grid: dict[str, Any]  # this run's coordinates in its experiment's grid (and its variant)
    settings: dict[str, Any]  # resolved TrainSettings as a plain dict
    # the settings that differ from "off" (what the training job is given; the rest are defaults)
    identity_settings: dict[str, Any]
    # sha256 of everything that determines the run's weights (identity_settings, seed, data)
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
            weights = settings_hash({"settings": key_settings, "data": data})
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
                        name="-".join(parts),
                        folder=f"{settings.model}-{weights}-s{seed}",
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
    """For each member, the run folder whose files hold its results. Members of different
    experiments with the same weights (a baseline that is also a grid point; a run of one epoch
    that is the first epoch of another's two) share one folder: trained, sampled and scored
    once, and listed in both experiments' tables."""
    return {name: run.folder for name, run in runs.items()}


@dataclass(frozen=True)
class RunFolder:
    """What the jobs of one run folder need: the union of what its members ask of it."""

    name: str
    seed: int
    dataset: str
    identity_settings: dict[str, Any]  # what the training job is given
    checkpoint_epochs: tuple[int, ...]  # every member's eval epochs and last epoch
    final_epochs: tuple[int, ...]  # each member's last epoch (scored with the final n)
    members: tuple[str, ...]  # in config order
    experiments: tuple[str, ...]  # of its members, in config order

    @property
    def epochs(self) -> int:
        return max(self.checkpoint_epochs)


def run_folders(runs: dict[str, Run]) -> dict[str, RunFolder]:
    """Every run folder of a config, in config order."""
    grouped: dict[str, list[Run]] = {}
    for run in runs.values():
        grouped.setdefault(run.folder, []).append(run)
    out = {}
    for folder, members in grouped.items():
        first = members[0]
        checkpoints = sorted({e for m in members for e in m.settings["eval_epochs"]})
        out[folder] = RunFolder(
            name=folder,
            seed=first.seed,
            dataset=first.dataset,
            identity_settings=first.identity_settings,
            checkpoint_epochs=tuple(checkpoints),
            final_epochs=tuple(sorted({m.settings["epochs"] for m in members})),
            members=tuple(m.name for m in members),
            experiments=tuple(dict.fromkeys(m.experiment for m in members)),
        )
    return out


def training_spine(wanted: list[int], existing: list[int]) -> list[int]:
    """The epochs a run's training segments end at: its checkpoints on disk, and the wanted
    epochs beyond the last of them. A wanted epoch between existing checkpoints is trained from
    the one before it as a side job: it never becomes another segment's start, so adding or
    removing a scored epoch of a finished run re-trains nothing that exists."""
    last = max(existing, default=0)
    return sorted(set(existing) | {e for e in wanted if e > last})


def previous_checkpoint_epoch(epoch: int, wanted: list[int], existing: list[int]) -> int | None:
    """The checkpoint a training job for ``epoch`` continues from (None: from scratch)."""
    earlier = [e for e in training_spine(wanted, existing) if e < epoch]
    return max(earlier) if earlier else None


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
