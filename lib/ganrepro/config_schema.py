"""The config schema: schemas/config.schema.yaml with its settings part derived from the
declarations (ganrepro.training.settings) and its analysis part from the analyses'
(ganrepro.evaluation.analysis), and validation that fills in the schema's defaults.

The schema file holds the workflow's own keys (datasets, fid, ...); its `$defs` `settings`,
`setting_names` and `analysis` are generated here at every start, so a setting or an analysis's
option is declared in one place only. Torch-free.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ganrepro.evaluation.analysis import analysis_schema
from ganrepro.training.settings import declarations, settings_schema


def config_schema(path: str | Path) -> dict[str, Any]:
    schema = yaml.safe_load(Path(path).read_text())
    schema["$defs"]["settings"] = settings_schema()
    schema["$defs"]["setting_names"] = {"enum": list(declarations())}
    schema["$defs"]["analysis"] = analysis_schema()
    return schema


def validate_config(config: dict[str, Any], schema: dict[str, Any]) -> None:
    """Check ``config`` in place, filling in defaults; a ValueError names the offending key."""
    import jsonschema
    from jsonschema import validators

    base = validators.validator_for(schema)
    check_properties = base.VALIDATORS["properties"]

    def properties_with_defaults(validator, properties, instance, subschema):
        # jsonschema's documented recipe (FAQ): fill in defaults while validating
        if isinstance(instance, dict):
            for name, prop in properties.items():
                if "default" in prop:
                    instance.setdefault(name, prop["default"])
        yield from check_properties(validator, properties, instance, subschema)

    validator = validators.extend(base, {"properties": properties_with_defaults})(schema)
    err = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if err is not None:
        where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise ValueError(f"{where}: {err.message}")
    fid = config.get("fid", {})
    n_curve, n_final = fid.get("intermediate_images"), fid.get("generated_images")
    if n_curve is not None and n_final is not None and n_curve >= n_final:
        raise ValueError(
            f"fid.intermediate_images: {n_curve} is not below fid.generated_images "
            f"({n_final}); lower it, or set it to null to score every epoch on {n_final} samples"
        )
