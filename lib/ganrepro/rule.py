"""How a rule calls its script's ``main``: every argument by name, never by position.

A rule's named inputs, outputs and params become keyword arguments of the same names, so
reordering a rule's entries cannot miswire a script, and a name that ``main`` does not take (or
a missing one) fails at once with the name. ``threads`` and ``log`` are passed to a ``main``
that takes them; so are the execution options ``device``, ``save_every_seconds`` and
``tensorboard``, read from the config at run time: they change how a job runs, not what it
makes, so they are not params (whose changes Snakemake treats as a reason to re-run).

It is handed the Snakemake object of a script job and never imports snakemake, like the rest of
the package. A script ends with ``if "snakemake" in globals(): run_rule(main, snakemake)``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

EXECUTION_OPTIONS = ("device", "save_every_seconds", "tensorboard")


def rule_arguments(main: Callable[..., Any], sm: Any) -> dict[str, Any]:
    """The keyword arguments of ``main`` from the Snakemake object of a script job."""
    kwargs: dict[str, Any] = {}
    for kind, items in (("input", sm.input), ("output", sm.output), ("params", sm.params)):
        for name, value in items.items():
            if name in kwargs:
                raise TypeError(f"rule {sm.rule}: {name!r} names an {kind} and another entry")
            kwargs[name] = value if isinstance(value, str) else _plain(value)
    accepted = inspect.signature(main).parameters
    if "threads" in accepted:
        kwargs["threads"] = sm.threads
    if "log" in accepted:
        kwargs["log"] = sm.log[0] if len(sm.log) else None
    for name in EXECUTION_OPTIONS:
        if name in accepted and name in sm.config:
            kwargs[name] = sm.config[name]
    return kwargs


def run_rule(main: Callable[..., Any], sm: Any, **extra: Any) -> Any:
    """Call ``main`` with the job's arguments by name (plus ``extra``, also by name)."""
    return main(**rule_arguments(main, sm), **extra)


def _plain(value: Any) -> Any:
    """Snakemake's named lists and params as plain lists and dicts."""
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list | tuple):
        return list(value)
    return value
