"""Every rule's named inputs, outputs and params are its script's keyword arguments, by name.

scripts/_rule.py calls ``main(**inputs, **outputs, **params)``: a name that ``main`` does not
take, or a required one that the rule does not give, would fail only when the job runs. This
test reads the rules (rules/*.smk) and the scripts' signatures and fails at once instead.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "scripts")]
from _rule import EXECUTION_OPTIONS  # noqa: E402

GIVEN_BY_RUN_RULE = {"threads", "log", *EXECUTION_OPTIONS}


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


def test_every_script_rule_was_found():
    scripts = {p.stem for p in (REPO / "scripts").glob("*.py") if not p.stem.startswith("_")}
    assert {module for module, _ in RULES.values()} == scripts
    assert len(RULES) >= 18


@pytest.mark.parametrize("rule", sorted(RULES))
def test_rule_entries_are_the_script_main_keywords(rule):
    module, names = RULES[rule]
    main = importlib.import_module(module).main
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
