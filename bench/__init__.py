"""The benchmarks: one module each, run through one entry point that writes every run's
record (ganrepro.reporting.records), so a number quoted anywhere can be traced to a file.

    python -m bench list
    python -m bench run <name> [--records-dir DIR] [the benchmark's options]

A benchmark is a module here with ``DESCRIPTION`` (one line), ``add_arguments(parser)`` and
``run(args) -> list[dict]`` (one row per side or measured item, plain columns); optionally
``RECORD`` (its record's name when it differs from the module's) and ``check(rows) -> str |
None`` (a failure message: the run exits 1 after its record is written). Adding a module adds a
benchmark: the list is the package's modules.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

HELPERS = {"common"}  # modules of the package that are not benchmarks


def names() -> list[str]:
    """Every benchmark's name (its module's), sorted."""
    return sorted(
        m.name
        for m in pkgutil.iter_modules(__path__)
        if not m.name.startswith("_") and m.name not in HELPERS
    )


def load(name: str) -> ModuleType:
    if name not in names():
        raise KeyError(f"no benchmark {name!r}; there are: {', '.join(names())}")
    return importlib.import_module(f"{__name__}.{name}")


def record_name(module: ModuleType) -> str:
    """The name its records are filed under: ``RECORD`` if set, else the module's."""
    return getattr(module, "RECORD", module.__name__.rsplit(".", 1)[-1])
