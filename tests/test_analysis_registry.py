"""The registry of analyses (ganrepro.analysis): each entry agrees with its module, and the
config schema's `analysis:` part and the analysis rules come from the entries alone."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from ganrepro import analysis as registry
from ganrepro.analysis import ANALYSES, Analysis, Output, key
from ganrepro.config_schema import config_schema, validate_config
from ganrepro.rule import EXECUTION_OPTIONS

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "schemas" / "config.schema.yaml"
GIVEN_BY_RUN_RULE = {"threads", "log", *EXECUTION_OPTIONS}


@pytest.mark.parametrize("name", list(ANALYSES))
def test_compute_takes_what_the_entry_declares_by_name(name):
    """The rule passes the entry's inputs, outputs, options and context by name (ganrepro.rule):
    compute must take each of them and need nothing else."""
    a = ANALYSES[name]
    params = inspect.signature(a.module().compute).parameters
    assert all(p.kind is p.KEYWORD_ONLY for p in params.values()), f"{name}: by name only"
    declared = {*a.inputs, *a.outputs, *a.options, *a.context}
    assert not declared - set(params), f"{name}.compute does not take {declared - set(params)}"
    defaulted = {k for k in a.options if params[k].default is not params[k].empty}
    assert not defaulted, f"{name}.compute: {defaulted} have their defaults in the entry only"
    required = {n for n, p in params.items() if p.default is p.empty}
    missing = required - declared - GIVEN_BY_RUN_RULE
    assert not missing, f"{name}.compute needs {missing}, which its entry does not declare"
    if a.table:
        assert callable(a.module().rows), f"{name} has a score JSON but no rows"


@pytest.mark.parametrize("name", list(ANALYSES))
def test_every_report_item_has_its_caption(name):
    for out in ANALYSES[name].outputs.values():
        if out.caption:
            assert (REPO / "report" / out.caption).is_file(), out.caption
            assert out.label, f"{name}: {out.file} is a report item without a label"


def test_the_schema_holds_every_declared_key_with_its_default():
    schema = config_schema(SCHEMA)["$defs"]["analysis"]
    keys = {"runs", "seed"} | {k for a in ANALYSES.values() for k in a.options}
    assert keys <= set(schema["properties"])
    for a in ANALYSES.values():
        for k, decl in a.options.items():
            assert schema["properties"][k]["default"] == decl.default, k
            assert schema["properties"][k]["description"] == decl.help, k
    cfg = {"analysis": {"runs": ["dcgan"]}}
    validate_config(cfg, {**config_schema(SCHEMA), "required": []})
    for a in ANALYSES.values():
        for k, decl in a.options.items():
            assert cfg["analysis"][k] == decl.default, k  # filled in by validation


def test_a_key_declared_twice_differently_is_an_error(monkeypatch):
    one = Analysis(
        "one",
        "",
        inputs={},
        outputs={"score": Output("one.json")},
        options={"shared_k": key("integer", 3, "k", minimum=1)},
    )
    two = Analysis(
        "two",
        "",
        inputs={},
        outputs={"score": Output("two.json")},
        options={"shared_k": key("integer", 3, "k", minimum=1)},
    )
    monkeypatch.setattr(registry, "ANALYSES", {**ANALYSES, "one": one, "two": two})
    with pytest.raises(ValueError, match="analysis 'two' declares key analysis.shared_k anew"):
        registry.analysis_schema()
    shared = one.options["shared_k"]
    two = Analysis("two", "", inputs={}, outputs={}, options={"shared_k": shared})
    monkeypatch.setattr(registry, "ANALYSES", {**ANALYSES, "one": one, "two": two})
    assert registry.analysis_schema()["properties"]["shared_k"]["default"] == 3


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"inputs": {"x": "featurez"}}, r"unknown input kind \['featurez'\]; known: features"),
        ({"context": ("run", "epok")}, r"unknown context \['epok'\]"),
        ({"of": "experiment"}, "of='experiment'; 'checkpoint' or 'run'"),
        ({"inputs": {"run": "features"}}, r"\['run'\] name more than one"),
        ({"name": "my-metric"}, "a Python name"),
    ],
)
def test_an_entry_that_the_workflow_could_not_wire_is_named(fields, message):
    entry = {"name": "toy", "help": "", "inputs": {}, "outputs": {}, **fields}
    with pytest.raises(ValueError, match=message):
        Analysis(**entry)


def test_the_rule_vocabulary_is_the_registry_s():
    """rules/analysis_common.smk resolves every input kind and context of ganrepro.analysis."""
    text = (REPO / "rules" / "analysis_common.smk").read_text()
    for name in [*registry.INPUTS, *registry.CONTEXT]:
        assert f'    "{name}": ' in text, name
