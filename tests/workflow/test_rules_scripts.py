"""Every rule's named inputs, outputs and params are its script's keyword arguments, by name.

ganrepro.rule calls ``main(**inputs, **outputs, **params)``: a name that ``main`` does not
take, or a required one that the rule does not give, would fail only when the job runs. This
test reads the rules (rules/*.smk) and the scripts' signatures and fails at once instead.

A script finds the package on the path the workflow sets up once (rules/common.smk), so no script
edits sys.path itself, and its imports sit at the top of the file.
"""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path

import pytest
from ganrepro.rule import EXECUTION_OPTIONS

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((REPO / "scripts").glob("*.py"))
GIVEN_BY_RUN_RULE = {"threads", "log", *EXECUTION_OPTIONS}
# The analysis rules are made in a loop over the registry (rules/analysis.smk), which rules()
# does not read; they all run scripts/analysis.py, and tests/evaluation/test_analysis_registry.py
# checks each entry against its module's compute instead.
GENERATED = {"analysis"}


def rules() -> dict[str, tuple[str, set[str]]]:
    """rule name -> (script module, names of its inputs, outputs and params)."""
    found = {}
    for smk in sorted((REPO / "rules").glob("*.smk")):
        for block in re.split(r"^(?=rule \w+:)", smk.read_text(), flags=re.M):
            head = re.match(r"rule (\w+):", block)
            script = re.search(r'^    script:\n\s+"\.\./scripts/(\w+)\.py"', block, re.M)
            if not head or not script:
                continue
            names = set()
            for section in re.finditer(
                r"^    (input|output|params):\n((?:        .*\n|\s*\n)+)", block, re.M
            ):
                names |= set(re.findall(r"^        (\w+)=", section.group(2), re.M))
            # unpack(onnx_graph) adds the named input `onnx` when the backend needs it
            if "unpack(onnx_graph)" in block:
                names.add("onnx")
            found[head.group(1)] = (script.group(1), names)
    return found


RULES = rules()


def load_script(module: str):
    """A script as a module, loaded from its file (importing it runs no job)."""
    spec = importlib.util.spec_from_file_location(
        f"script_{module}", REPO / "scripts" / f"{module}.py"
    )
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script


def test_every_script_rule_was_found():
    scripts = {p.stem for p in (REPO / "scripts").glob("*.py") if not p.stem.startswith("_")}
    assert {module for module, _ in RULES.values()} | GENERATED == scripts
    assert len(RULES) >= 15  # the rules of scripts/*.py but the generated ones


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_entries_are_the_script_main_keywords(rule):
    module, names = RULES[rule]
    main = load_script(module).main
    params = inspect.signature(main).parameters
    assert all(p.kind is p.KEYWORD_ONLY for p in params.values()), f"{module}.main: by name only"
    extra = sorted(names - set(params))
    assert not extra, f"rule {rule} gives {extra}, which {module}.main does not take"
    required = {n for n, p in params.items() if p.default is p.empty}
    missing = sorted(required - names - GIVEN_BY_RUN_RULE)
    # prepare_data's fetch options come from the config (they do not define the data)
    if module == "prepare_data":
        missing = sorted(set(missing) - {"root", "download", "url"})
    assert not missing, f"{module}.main needs {missing}, which rule {rule} does not give"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_scripts_leave_the_path_to_the_workflow(script):
    text = script.read_text()
    assert "sys.path" not in text, f"{script.name} edits sys.path (rules/common.smk sets it up)"
    assert "noqa: E402" not in text, f"{script.name}: imports belong at the top"
    assert "import _rule" not in text and "from _rule " not in text, script.name
    assert "from ganrepro.rule import run_rule" in text, script.name
