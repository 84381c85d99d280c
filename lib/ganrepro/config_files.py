"""Config files that build on others (`extends:`), read as the one config they make.

A config file may name the files it builds on, relative to itself::

    extends: [protocols/laptop.yaml]      # or one file: extends: references.yaml

Each base is read the same way (its own bases first), the bases are merged left to right and
the file itself is laid over them, as Snakemake merges several ``--configfile``: mappings key
by key, recursively; anything else (a list, a number, a string) is replaced whole. So the
extending file wins, and a base can be shared by configs instead of copied into each.

Key order carries meaning in a few mappings (experiments, variants and grids run in the order
they are listed), so a merged mapping lists its keys in the order of the main file: for
``extends``, the extending file's keys first, then the keys only its bases have; for several
files given at once (``--configfile config overlay``), the first file's, as Snakemake does.

Snakemake itself does not know ``extends``: the Snakefile reads its ``--configfile`` arguments
again through ``read``, and everything else that reads a config (tests, bench, migrate, docs)
uses ``load``. Torch-free; knows nothing about Snakemake.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

KEY = "extends"


class ConfigFileError(ValueError):
    """A config file that cannot be read: missing, not a mapping, or a bad `extends`."""


@dataclass(frozen=True)
class Source:
    """A config file and the sources it extends (in the order it names them)."""

    path: Path
    bases: tuple[Source, ...] = ()

    def files(self) -> list[Path]:
        """Every file read for it, in merge order: its bases' (depth first), then its own."""
        return [*(f for base in self.bases for f in base.files()), self.path]

    def describe(self, root: Path | None = None, bare_outside: bool = False) -> str:
        """``a.yaml <- b.yaml``, ``a.yaml <- (b.yaml, c.yaml <- d.yaml)`` for several bases."""
        name = _shown(self.path, root, bare_outside)
        if not self.bases:
            return name
        bases = [base.describe(root, bare_outside) for base in self.bases]
        return f"{name} <- {bases[0] if len(bases) == 1 else '(' + ', '.join(bases) + ')'}"


@dataclass(frozen=True)
class Loaded:
    """A merged config (without `extends`) and the files it came from."""

    config: dict[str, Any]
    sources: tuple[Source, ...]

    def files(self) -> list[Path]:
        """Every file read, each once, in merge order."""
        return list(dict.fromkeys(f for source in self.sources for f in source.files()))

    def describe(self, root: Path | None = None, bare_outside: bool = False) -> str:
        """``configs/recipe.yaml <- configs/protocols/laptop.yaml, configs/offline.yaml``: each
        file given, with what it extends; paths relative to ``root`` (default: the working
        directory) where they are inside it, and outside it whole, or by file name only with
        ``bare_outside`` (for a page others read: no machine path)."""
        return ", ".join(source.describe(root, bare_outside) for source in self.sources)


def load(paths: str | Path | Sequence[str | Path]) -> dict[str, Any]:
    """The config that these files make, each with its bases, merged left to right as Snakemake
    merges several ``--configfile``. Not validated: ganrepro.config_schema does that."""
    return read(paths).config


def read(paths: str | Path | Sequence[str | Path]) -> Loaded:
    """As ``load``, with the files the config came from (``Loaded.describe`` says which)."""
    if isinstance(paths, str | Path):
        paths = [paths]
    config: dict[str, Any] = {}
    sources = []
    for i, path in enumerate(paths):
        merged, source = _resolve(Path(path), ())
        config = merged if i == 0 else merge(config, merged)
        sources.append(source)
    return Loaded(config, tuple(sources))


def merge(base: dict[str, Any], over: dict[str, Any], *, order: str = "base") -> dict[str, Any]:
    """A new mapping: ``base`` with ``over`` laid over it as Snakemake lays one --configfile over
    another (mappings merged recursively, anything else replaced). Keys are in ``base``'s order
    then ``over``'s new ones (``order="base"``, Snakemake's), or in ``over``'s order then the
    ones only ``base`` has (``order="over"``, for a file over the files it extends)."""
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value, order=order)
        else:
            out[key] = copy.deepcopy(value)
    if order == "over":
        out = {**{key: out[key] for key in over}, **out}
    return out


def _resolve(path: Path, stack: tuple[Path, ...]) -> tuple[dict[str, Any], Source]:
    """One file's config with its bases under it; ``stack`` holds the files extending it."""
    body = _read_mapping(path)
    names = body.pop(KEY, None)
    if names is None:
        return body, Source(path)
    if isinstance(names, str):
        names = [names]
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        raise ConfigFileError(
            f"{path}: {KEY}: {names!r} is neither a file name nor a list of file names "
            f"(write e.g. `{KEY}: [protocols/laptop.yaml]`, relative to {path.name})"
        )
    chain = (*stack, path.resolve())
    bases, sources = {}, []
    for name in names:
        base = path.parent / name
        if base.resolve() in chain:
            cycle = " -> ".join(str(p) for p in (*chain[chain.index(base.resolve()) :], base))
            raise ConfigFileError(
                f"{path}: {KEY}: {name} makes a cycle ({cycle}); a file cannot build on "
                "itself: remove one of these `extends`"
            )
        if not base.is_file():
            raise ConfigFileError(
                f"{path}: {KEY}: {name}: no such file ({base}); the names in `{KEY}` are "
                f"relative to the file that names them"
            )
        config, source = _resolve(base, chain)
        bases = merge(bases, config)
        sources.append(source)
    return merge(bases, body, order="over"), Source(path, tuple(sources))


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise ConfigFileError(f"{path}: no such config file") from None
    try:
        body = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise ConfigFileError(f"{path}: not valid YAML: {err}") from None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ConfigFileError(
            f"{path}: a config file holds keys at its top level, not a {type(body).__name__}"
        )
    return body


def _shown(path: Path, root: Path | None, bare_outside: bool = False) -> str:
    root = (root or Path.cwd()).resolve()
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return path.name if bare_outside else str(path)
