"""Move a results folder of the earlier layout to today's run names, recomputing nothing.

Until 2026-12-07 a run folder was named by the experiment that asked for it first
(``<experiment>[-<variant>][-<grid point>]-s<seed>-<hash>``), its hash covering the run's
length and scored epochs. Today a folder is named by what shapes its weights
(``<model>-<hash>-s<seed>``, ganrepro.experiments). For a config, this finds each member's
folder under the earlier name and moves it, with everything filed under the run's name (its
benchmarks, logs, analyses, exported PNGs), to the new name:

    python -m ganrepro.migrate --configfile configs/mirror.yaml configs/offline.yaml
    python -m ganrepro.migrate --configfile ... --dry-run      # print the moves only

Earlier folders that today are one run (the same weights, asked for with other lengths or
scored epochs) are merged: the one with the most epochs is moved, the others give only the
files it lacks, and what remains of them is reported, never deleted. Files keep their
modification times, so Snakemake sees the moved results as up to date; the next `snakemake`
run re-makes the manifests and tables (which now list the new names) and nothing else.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ganrepro.config_files import load
from ganrepro.experiments import Run, expand_runs, settings_hash, split_definition
from ganrepro.io import write_json
from ganrepro.training.settings import TrainSettings, identity_settings

REPO = Path(__file__).resolve().parents[2]
# Folders of a results tree whose entries are named by run (the rest are by dataset or table).
BY_RUN = ("runs", "analysis", "png", "benchmarks", "logs")


def legacy_member_name(member: str, run: Run, datasets: dict[str, Any]) -> str:
    """A member's own name before 2026-12-07: its name today and a hash of its earlier identity
    (seed and data as today; every setting away from its neutral value, the length and the scored
    epochs included)."""
    settings = TrainSettings.from_dict(run.settings)
    data = split_definition(datasets[run.dataset], "train")
    key_settings = identity_settings(settings, every_option=True)  # length, scored epochs too
    identity = {"settings": key_settings, "seed": run.seed, "data": data}
    return f"{member}-{settings_hash(identity)}"


def legacy_names(runs: dict[str, Run], datasets: dict[str, Any]) -> dict[str, str]:
    """Each member's folder under the earlier layout: its own earlier name, or that of the
    first member (in config order) with the same earlier identity, which held its files."""
    first: dict[str, str] = {}
    out = {}
    for member, run in runs.items():
        name = legacy_member_name(member, run, datasets)
        out[member] = first.setdefault(name.rsplit("-", 1)[1], name)
    return out


def load_config(configfiles: list[Path]) -> dict[str, Any]:
    """The config Snakemake would run with these --configfile arguments, validated (defaults
    filled in), as the Snakefile reads it (each file with what it extends)."""
    from ganrepro.config_schema import config_schema, validate_config

    config = load(configfiles)
    if "experiments" not in config:  # an overlay alone is laid over config.yaml
        config = load([REPO / "config.yaml", *configfiles])
    validate_config(config, config_schema(REPO / "schemas" / "config.schema.yaml"))
    return config


@dataclass
class Plan:
    results: Path
    moves: list[tuple[Path, Path]] = field(default_factory=list)  # whole folders or files
    merges: list[tuple[Path, Path]] = field(default_factory=list)  # file by file, missing only
    renamed: dict[str, str] = field(default_factory=dict)  # old run name -> new

    def describe(self) -> list[str]:
        return [f"move {a} -> {b}" for a, b in self.moves] + [
            f"merge the files {b} lacks from {a}" for a, b in self.merges
        ]


def plan(results: Path, config: dict[str, Any]) -> Plan:
    runs = expand_runs(config)
    old = legacy_names(runs, config["datasets"])
    candidates: dict[str, list[str]] = {}  # new folder -> its earlier folders on disk
    for member, run in runs.items():
        if old[member] != run.folder and (results / "runs" / old[member]).is_dir():
            names = candidates.setdefault(run.folder, [])
            if old[member] not in names:
                names.append(old[member])
    out = Plan(results)
    for new, olds in candidates.items():
        olds.sort(key=lambda name: -_last_checkpoint(results / "runs" / name))
        primary = None if (results / "runs" / new).exists() else olds[0]
        for name in olds:
            out.renamed[name] = new
            for src in _files_of_run(results, name):
                dst = src.with_name(new + src.name[len(name) :])
                (out.moves if name == primary else out.merges).append((src, dst))
    return out


def apply(plan: Plan) -> list[Path]:
    """Carry out a plan; returns what remains of merged folders (for the user to remove)."""
    for src, dst in plan.moves:
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.rename(src, dst)  # whole folders, within one file system: atomic
    leftovers = []
    for src, dst in plan.merges:
        _merge(src, dst)
        if src.exists():
            leftovers.append(src)
    for new in sorted(set(plan.renamed.values())):
        olds = {old for old, n in plan.renamed.items() if n == new}
        _rename_inside(plan.results / "runs" / new, olds, new)
    return leftovers


def _merge(src: Path, dst: Path) -> None:
    """Move the files of ``src`` that ``dst`` lacks, dated before ``dst``'s own files, so that
    Snakemake takes them as made before what ``dst`` holds (their contents are the same run's)."""
    if not dst.exists():
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.rename(src, dst)
        return
    if src.is_file():
        return
    times = [p.stat().st_mtime for p in dst.rglob("*") if p.is_file()]
    before = min(times, default=0.0) - 1.0
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        target = dst / path.relative_to(src)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(path, target)
            os.utime(target, (before, before))


def _rename_inside(folder: Path, olds: set[str], new: str) -> None:
    """The run's name inside its score and summary files, with their modification times kept."""
    for path in [*sorted((folder / "fid").glob("*.json")), folder / "summary.json"]:
        if not path.is_file():
            continue
        data = json.loads(path.read_text())
        named = {data.get("run"), *(r.get("run") for r in data.get("scores", []))}
        if not named & olds:
            continue
        stat = path.stat()
        data["run"] = new
        for row in data.get("scores", []):
            row["run"] = new
        write_json(path, data)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _files_of_run(results: Path, name: str) -> Iterable[Path]:
    """Every entry of a results tree filed under a run's name: runs/<name>, analysis/<name>,
    png/<name>, and benchmarks/<rule>/<name>[.tsv] and logs/<rule>/<name>[...]."""
    for top in BY_RUN:
        root = results / top
        if not root.is_dir():
            continue
        # runs/<name>; benchmarks/<rule>/<name>[.tsv], logs/<rule>/<name>[.log]
        levels = [root] if top in ("runs", "analysis", "png") else _subdirs(root)
        for level in levels:
            for entry in sorted(level.iterdir()):
                if entry.name == name or entry.name.startswith(name + "."):
                    yield entry


def _subdirs(root: Path) -> list[Path]:
    return [path for path in sorted(root.iterdir()) if path.is_dir()]


def _last_checkpoint(folder: Path) -> int:
    names = [p.name for p in (folder / "checkpoints").glob("epoch*.pt")]
    return max((int(n[5:9]) for n in names), default=0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ganrepro.migrate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--configfile", nargs="+", type=Path, default=[REPO / "config.yaml"])
    parser.add_argument("--results", type=Path, help="the results folder (default: the config's)")
    parser.add_argument("--dry-run", action="store_true", help="print the moves, change nothing")
    args = parser.parse_args(argv)
    config = load_config(args.configfile)
    results = args.results or Path(config["results"])
    todo = plan(results, config)
    for line in todo.describe():
        print(line)
    if not todo.moves and not todo.merges:
        print(f"{results}: nothing to migrate")
        return 0
    if args.dry_run:
        return 0
    for leftover in apply(todo):
        print(f"left (its files are the same run's, now in the new folder): {leftover}")
    print(f"{len(todo.renamed)} runs migrated; run snakemake as before: it re-makes the tables")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
