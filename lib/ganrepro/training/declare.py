"""Declarations of settings and options: each is written once, with its type, default, allowed
values or range, neutral value and a line of help, and everything else is derived from it (the
config schema's part for it, the checks, the defaults, the run identity).

Torch-free: the Snakefile reads these declarations at every start, `snakemake -n` included.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable, Iterable
from typing import Any


class _Always:
    """Marker: the setting has no neutral value; every run's identity includes it."""

    def __repr__(self) -> str:
        return "ALWAYS"


ALWAYS: Any = _Always()


@dataclasses.dataclass(frozen=True, eq=False)  # hashed by identity: a default may be a dict
class Option:
    """One setting (or a family's model option).

    ``neutral`` is the value with which the code behaves as if the setting did not exist (a
    technique that is off). A run whose value equals it leaves the setting out of its identity,
    so adding a setting whose default is its neutral value renames no run. Settings that every
    run has (model, learning rate, ...) have none (``ALWAYS``): they are always in the identity.

    ``identity`` says when the value is part of a run's identity: ``"value"`` as just said;
    ``"never"`` for what chooses which results are made of a run, not its weights (the epochs
    that are scored); ``"length"`` for the run's length, which is identity only while a setting
    declared ``uses_length`` is on (a schedule over the whole run): otherwise the first N
    epochs of a longer run are the run of N epochs, and a run grows by continuing.
    """

    default: Any
    help: str
    neutral: Any = ALWAYS
    choices: tuple | Callable[[], Iterable] | None = None  # a callable: read when used
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    exclusive_maximum: float | None = None
    identity: str = "value"  # "value", "never" or "length" (above)
    uses_length: bool = False  # when on, the run's length is part of its identity
    type: Any = None  # filled in from the annotation by `declared`

    def allowed(self) -> tuple | None:
        if self.choices is None:
            return None
        return tuple(self.choices() if callable(self.choices) else self.choices)

    def schema(self) -> dict[str, Any]:
        """The JSON schema of one value (no `default`: jsonschema would fill it into every
        experiment, over the config's own `defaults:`)."""
        out = _json_type(self.type)
        allowed = self.allowed()
        if allowed is not None:
            out["enum"] = [*allowed, *([None] if _nullable(self.type) else [])]
        for key, value in (
            ("minimum", self.minimum),
            ("maximum", self.maximum),
            ("exclusiveMinimum", self.exclusive_minimum),
            ("exclusiveMaximum", self.exclusive_maximum),
        ):
            if value is not None:
                if out.get("type") == "array":
                    out.setdefault("items", {})[key] = value
                else:
                    out[key] = value
        neutral = "" if self.neutral is ALWAYS else f"; off: {_show(self.neutral)}"
        out["description"] = f"{self.help} (default: {_show(self.default)}{neutral})"
        return out

    def coerce(self, value: Any) -> Any:
        """YAML's 10 for a float setting is 10.0, so `gp_weight: 10` and `10.0` are one run."""
        base = _base_type(self.type)
        if base is float and isinstance(value, int) and not isinstance(value, bool):
            return float(value)
        if base is tuple and isinstance(value, list):
            return tuple(value)
        return value


def option(default: Any, help: str, **kwargs: Any) -> Any:
    """A dataclass field declared by an Option (its type comes from the field's annotation)."""
    factory = dict if isinstance(default, dict) else None
    decl = Option(default=default, help=help, **kwargs)
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata={"option": decl})
    return dataclasses.field(default=default, metadata={"option": decl})


def technique(default: Any, help: str, **kwargs: Any) -> Any:
    """An option that is off by default: its default is its neutral value."""
    return option(default, help, neutral=default, **kwargs)


def check_value(key: str, decl: Option, value: Any) -> Any:
    """The value, coerced to the declared type, or a ValueError naming ``key`` and the rule."""
    import jsonschema

    plain = list(value) if isinstance(value, tuple) else value  # JSON's arrays are lists
    err = jsonschema.exceptions.best_match(_validator(decl, decl.allowed()).iter_errors(plain))
    if err is not None:
        raise ValueError(f"{key}: {err.message} ({decl.help})")
    return decl.coerce(value)


@functools.cache
def _validator(decl: Option, allowed: tuple | None) -> Any:
    """One validator per declaration (and its current choices: families may be registered)."""
    import jsonschema

    schema = decl.schema()
    return jsonschema.validators.validator_for(schema)(schema)


@functools.cache
def declared(cls: type) -> dict[str, Option]:
    """The Options of a dataclass's fields, in declaration order, with their types."""
    hints = typing.get_type_hints(cls)
    return {
        f.name: dataclasses.replace(f.metadata["option"], type=hints[f.name])
        for f in dataclasses.fields(cls)
        if "option" in f.metadata
    }


def object_schema(options: dict[str, Option], description: str = "") -> dict[str, Any]:
    """An object whose keys are exactly the declared options (an unknown key is an error)."""
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {name: opt.schema() for name, opt in options.items()},
        **({"description": description} if description else {}),
    }


def _nullable(tp: Any) -> bool:
    return type(None) in typing.get_args(tp)


def _base_type(tp: Any) -> Any:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        tp = args[0]
    return typing.get_origin(tp) or tp


_JSON = {bool: "boolean", int: "integer", float: "number", str: "string", dict: "object"}


def _json_type(tp: Any) -> dict[str, Any]:
    base = _base_type(tp)
    if base is tuple:
        (item, *_) = typing.get_args(tp) or (int,)
        return {"type": "array", "items": {"type": _JSON[item]}, "uniqueItems": True}
    name = _JSON[base]
    return {"type": [name, "null"] if _nullable(tp) else name}


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | tuple) and not value:
        return "none"
    return str(value)
