"""Atomic file writing: a reader never sees half a file. Reading with errors that say which file
is broken and how to get it made again.

Every output is written to a temporary name in the same folder and renamed into place; a rename
within one file system is atomic, so a crash leaves either the old file or the new one. A file
can still be broken afterwards (a full disk, a copy cut short, an edit by hand): the readers
below then name it.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` only if the block succeeds."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=".tmp" + path.suffix, dir=path.parent
    )
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_json(path: str | os.PathLike, obj: Any) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(obj, indent=2, sort_keys=True, default=json_default) + "\n")


def write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_csv(df: Any, path: str | os.PathLike) -> None:
    """A pandas DataFrame as CSV (no index), atomically; pandas is the caller's import."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)


def write_csv_rows(path: str | os.PathLike, rows: list[dict[str, Any]]) -> None:
    """Rows with the same keys as CSV (None as an empty cell), atomically; no pandas."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]) if rows else [])
        writer.writeheader()
        writer.writerows(rows)


def write_npz(path: str | os.PathLike, **arrays: np.ndarray) -> None:
    """np.savez to a temporary file, then rename (np.savez appends .npz to names without it)."""
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)


def save_torch(path: str | os.PathLike, obj: Any) -> None:
    import torch

    with atomic_path(path) as tmp:
        torch.save(obj, tmp)


def remake(path: str | os.PathLike) -> str:
    """What to do about a broken file the workflow made. Every file a job reads is a rule's
    output, and ``--forcerun`` on a file re-runs the job that makes it and every job after it,
    even when the tables at the end exist (deleting the file alone does not: Snakemake leaves a
    missing intermediate file missing while what was made from it is up to date)."""
    return (
        f"Make it again, with what follows from it: snakemake --cores N --forcerun {path} "
        "(plus your usual options, such as --configfile)."
    )


def load_torch(path: str | os.PathLike, map_location: Any = "cpu") -> Any:
    """torch.load with an error that names the file when it is truncated or not a checkpoint."""
    import pickle

    import torch

    _must_exist(path)
    try:
        return torch.load(path, map_location=map_location, weights_only=False)
    except (RuntimeError, EOFError, OSError, ValueError, pickle.UnpicklingError) as err:
        raise RuntimeError(
            f"cannot read {path}: truncated or not a torch checkpoint ({err}). {remake(path)}"
        ) from err


def load_npz(
    path: str | os.PathLike,
    keys: Iterable[str] | None = None,
    *,
    required: Iterable[str] = (),
) -> dict[str, np.ndarray]:
    """The arrays ``keys`` (default: all) of an .npz file, those it has, read at once: a
    truncated member fails here, naming the file, not in the middle of a computation. No
    pickles. An array of ``required`` that the file lacks is an error too (another kind of
    file stands where this one should)."""
    _must_exist(path)
    try:
        with np.load(path, allow_pickle=False) as f:
            missing = [key for key in required if key not in f.files]
            if not missing:
                wanted = f.files if keys is None else [k for k in keys if k in f.files]
                return {key: f[key] for key in wanted}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        raise ValueError(
            f"cannot read {path}: truncated or not an .npz file ({err}). {remake(path)}"
        ) from err
    raise ValueError(
        f"cannot read {path}: it has no {', '.join(missing)}, so it is not the file the "
        f"workflow writes there. {remake(path)}"
    )


def _must_exist(path: str | os.PathLike) -> None:
    if not Path(path).is_file():
        raise FileNotFoundError(
            f"{path} not found: run the workflow (snakemake) to make it, or check the path"
        )


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def json_default(obj: Any) -> Any:
    """The ``default`` of every ``json.dumps`` of the package: numpy scalars and paths."""
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot serialise {type(obj).__name__} to JSON")


@contextlib.contextmanager
def open_log(path: str | os.PathLike | None) -> Iterator[Any]:
    """A job's log file (stderr when no path); an exception is written to it before it propagates,
    so the log a rule names always says why the job failed."""
    import sys
    import traceback

    if path is None:
        yield sys.stderr
        return
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", buffering=1) as log:
        try:
            yield log
        except BaseException as err:
            log.write(f"ERROR: {err}\n")
            traceback.print_exc(file=log)
            raise
