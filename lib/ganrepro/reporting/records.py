"""Benchmark records: one CSV file per invocation of a benchmark or a results reader, under
``bench/records/<date>-<benchmark>[-<n>].csv``.

A record is what the generated documents (docs/results.md, README.md's generated blocks,
bench/README.md's index) are made from, so every number they print can be traced to a file
that says when, on which machine, with which packages and which code it was measured. Each
row is one side or one measured item of the invocation (the benchmark's own columns); the
provenance columns below are added to every row, so a row read alone still says where it
came from. Torch is not imported here (a GPU is looked up only if the caller imported torch).
"""

from __future__ import annotations

import datetime as _dt
import importlib.metadata
import os
import platform
import re
import shlex
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ganrepro.io import atomic_path
from ganrepro.provenance import code_version, git_version

RECORDS = Path(__file__).resolve().parents[3] / "bench" / "records"
# Provenance columns, first in every record's rows, in this order.
PROVENANCE = (
    "date",
    "benchmark",
    "commit",
    "code_version",
    "cpu",
    "cpu_features",
    "cores",
    "threads",
    "gpu",
    "python",
    "torch",
    "onnxruntime",
    "pytorch_fid",
    "command",
)
PACKAGES = {"torch": "torch", "onnxruntime": "onnxruntime", "pytorch_fid": "pytorch-fid"}
_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})-([a-z0-9_]+?)(?:-(\d+))?\.csv$")


def cpu_model() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_features() -> str:
    """The widest vector units the CPU has (this VM's host changes from day to day, and with it
    the float32 rate): 'avx512' (with '+bf16' where present), 'avx2', or '' if unknown."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""
    flags = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags = set(line.split(":", 1)[1].split())
            break
    if "avx512f" in flags:
        return "avx512+bf16" if "avx512_bf16" in flags else "avx512"
    return "avx2" if "avx2" in flags else ""


def gpu_name() -> str:
    """The first CUDA device's name if the caller uses torch and has one, else ''."""
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    return ""


def package_version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""


def provenance(benchmark: str, threads: int | None, command: str, date: str) -> dict[str, Any]:
    """The columns every row of a record starts with."""
    return {
        "date": date,
        "benchmark": benchmark,
        "commit": git_version() or "",
        "code_version": code_version("bench")["version"],
        "cpu": cpu_model(),
        "cpu_features": cpu_features(),
        "cores": os.cpu_count(),
        "threads": threads if threads is not None else "",
        "gpu": gpu_name(),
        "python": platform.python_version(),
        **{key: package_version(dist) for key, dist in PACKAGES.items()},
        "command": command,
    }


def record_path(directory: Path, benchmark: str, date: str) -> Path:
    """``<date>-<benchmark>.csv``, or ``-2``, ``-3``... for a later invocation on that day."""
    if not re.fullmatch(r"[a-z0-9_]+", benchmark):
        raise ValueError(f"benchmark name {benchmark!r}: use lower-case letters, digits and _")
    path = directory / f"{date}-{benchmark}.csv"
    n = 1
    while path.exists():
        n += 1
        path = directory / f"{date}-{benchmark}-{n}.csv"
    return path


def write_record(
    benchmark: str,
    rows: list[dict[str, Any]],
    *,
    threads: int | None,
    command: str | None = None,
    directory: Path = RECORDS,
    date: str | None = None,
    started: Mapping[str, Any] | None = None,
) -> Path:
    """Write one invocation's rows with their provenance, atomically; returns the file.

    ``started``: the provenance taken when the benchmark began (``provenance``): a benchmark
    runs for up to hours, and the commit and code version of the files as they are when it
    ends are not those of the code that ran if they were edited meanwhile. A row's own
    ``code_version`` (the code a results reader's run was made with) wins over the benchmark
    process's, so a table of runs says per row which code made it."""
    if not rows:
        raise ValueError(f"benchmark {benchmark!r} measured nothing: no record written")
    if started is not None:
        common, date = dict(started), str(started["date"])
    else:
        date = date or _dt.date.today().isoformat()
        command = command or shlex.join([Path(sys.argv[0]).name, *sys.argv[1:]])
        common = provenance(benchmark, threads, command, date)
    frame = pd.DataFrame([{**common, **row} for row in rows])
    own = [c for c in frame.columns if c not in PROVENANCE]
    frame = frame[[c for c in PROVENANCE if c in frame.columns] + own]
    directory.mkdir(parents=True, exist_ok=True)
    path = record_path(directory, benchmark, date)
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)
    return path


@dataclass(frozen=True)
class Record:
    path: Path
    date: str
    benchmark: str
    rows: pd.DataFrame

    @property
    def first(self) -> pd.Series:
        """The provenance of the invocation (the same on every row but code_version)."""
        return self.rows.iloc[0]


def read_record(path: Path) -> Record:
    match = _NAME.match(path.name)
    if not match:
        raise ValueError(f"{path}: a record is named <YYYY-MM-DD>-<benchmark>[-<n>].csv")
    rows = pd.read_csv(path, keep_default_na=False, na_values=[""])
    missing = [c for c in ("date", "benchmark", "commit", "command") if c not in rows.columns]
    if missing:
        raise ValueError(f"{path}: not a record (no {', '.join(missing)} column)")
    if rows.empty:
        raise ValueError(f"{path}: a record without rows")
    return Record(path, match.group(1), str(rows["benchmark"].iloc[0]), rows)


def read_records(directory: Path = RECORDS, benchmark: str | None = None) -> list[Record]:
    """Every record (of one benchmark if given), oldest first (by date, then invocation)."""

    def order(path: Path) -> tuple[str, int]:
        match = _NAME.match(path.name)
        return (match.group(1), int(match.group(3) or 1)) if match else (path.name, 0)

    records = [read_record(p) for p in sorted(directory.glob("*.csv"), key=order)]
    return [r for r in records if benchmark is None or r.benchmark == benchmark]


def latest(benchmark: str, directory: Path = RECORDS) -> Record | None:
    records = read_records(directory, benchmark)
    return records[-1] if records else None
