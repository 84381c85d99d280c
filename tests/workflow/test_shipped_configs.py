"""Every config we ship passes the schema (as the Snakefile reads it: with what it extends, and
with the offline overlay), and no config file repeats a block of another: what configs share
lives once, in a file they extend (configs/protocols/, configs/references.yaml)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "lib"))
from ganrepro.config_files import KEY, load  # noqa: E402
from ganrepro.config_schema import config_schema, validate_config  # noqa: E402
from ganrepro.experiments import expand_runs  # noqa: E402
from ganrepro.reporting import docs  # noqa: E402
from ganrepro.reporting.ladders import base_label, row_label  # noqa: E402 (the table's own row rule)

SCHEMA = config_schema(REPO / "schemas" / "config.schema.yaml")
OVERLAY = "configs/offline.yaml"
# every config file: config.yaml, the configs, and the files they extend
FILES = ["config.yaml", *(str(p.relative_to(REPO)) for p in sorted(REPO.glob("configs/**/*.yaml")))]


def raw(path: str) -> dict:
    """A file as written (its `extends` not followed)."""
    return yaml.safe_load((REPO / path).read_text()) or {}


def extended(path: str) -> list[str]:
    """The files a file names in `extends`, relative to the repository."""
    names = raw(path).get(KEY, [])
    names = [names] if isinstance(names, str) else names
    return [str((REPO / path).parent.joinpath(n).resolve().relative_to(REPO)) for n in names]


# The files some config extends are parts, not configs to run.
PARTS = {base for path in FILES for base in extended(path)}
CONFIGS = [p for p in FILES if p not in PARTS and p != OVERLAY]


def test_the_configs_to_run_are_the_readmes_and_the_rest_are_parts():
    assert set(CONFIGS) == set(docs.CONFIGS), "the README's configs table lists another set"
    assert PARTS == {
        "configs/protocols/cifar10.yaml",
        "configs/protocols/laptop.yaml",
        "configs/references.yaml",
    }


@pytest.mark.parametrize("path", CONFIGS)
@pytest.mark.parametrize("offline", [False, True], ids=["as shipped", "offline overlay"])
def test_a_shipped_config_passes_the_schema(path, offline):
    cfg = load([REPO / path, REPO / OVERLAY] if offline else REPO / path)
    validate_config(cfg, SCHEMA)
    assert expand_runs(cfg), f"{path} defines no run"


# A block shorter than this may recur (a citation, `{grid_images: 64}`, a variant's two
# settings); a longer one repeated is a copy that can drift: move it into a file both extend.
REPEAT = 100


def blocks(node, where: str = ""):
    """(canonical JSON, key path) of every mapping and list in a file, nested ones included."""
    if isinstance(node, dict | list):
        yield json.dumps(node, sort_keys=True), where or "(the whole file)"
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            yield from blocks(value, f"{where}.{key}" if where else str(key))


def repeated_blocks(files: dict[str, dict]) -> list[str]:
    """The blocks longer than REPEAT characters found in two files or more, largest first, each
    as 'file (key path), file (key path): block'; a block inside a repeated one is not listed."""
    found: dict[str, dict[str, str]] = {}
    for name, content in files.items():
        for text, where in blocks(content):
            if len(text) > REPEAT:
                found.setdefault(text, {}).setdefault(name, where)
    repeated = sorted((t for t, at in found.items() if len(at) > 1), key=len, reverse=True)
    outer: list[str] = []
    for text in repeated:
        if not any(text in bigger for bigger in outer):
            outer.append(text)
    return [", ".join(f"{f} ({w})" for f, w in found[t].items()) + f": {t[:200]}" for t in outer]


def test_no_config_file_repeats_a_block_of_another():
    repeats = repeated_blocks({path: raw(path) for path in FILES})
    assert not repeats, (
        "config files repeat a block (move it into a file they both extend, `extends:`):\n"
        + "\n".join(repeats)
    )


def test_a_repeated_block_is_found_and_named_once():
    fid = {"reference_split": "test", "batch_size": 50, "sample_seed": 2026}
    fid["weights"] = "../shared/weights/pt_inception-2015-12-05-6726825d.pth"
    files = {"a.yaml": {"x": 1, "fid": fid}, "b.yaml": {"y": {"nested": {"fid": dict(fid)}}}}
    text = json.dumps(fid, sort_keys=True)
    assert len(text) > REPEAT
    assert repeated_blocks(files) == [f"a.yaml (fid), b.yaml (y.nested.fid): {text}"]
    files["b.yaml"]["y"]["nested"]["fid"]["batch_size"] = 200
    assert repeated_blocks(files) == []


def test_an_experiment_with_references_is_defined_by_each_config_that_extends_them():
    """configs/references.yaml names experiments by their published numbers only: a config that
    extends it and does not define one of them would run it on the default settings."""
    named = raw("configs/references.yaml")["experiments"]
    for path in FILES:
        if "configs/references.yaml" in extended(path):
            own = raw(path).get("experiments", {})
            for name in named:
                assert own.get(name, {}).get("description"), f"{path} does not define {name}"


def test_each_row_of_the_recipe_ladder_adds_one_ingredient():
    """Row k's settings are row k-1's plus what its name says, and a side branch ka's are row
    k's plus its one, so the table's differences are each one ingredient's effect (the YAML
    anchors could silently drop one)."""
    cfg = load(REPO / "configs" / "recipe.yaml")
    validate_config(cfg, SCHEMA)
    variants = cfg["experiments"]["dcgan_recipe"]["variants"]
    by_label = {row_label(name): settings for name, settings in variants.items()}
    base = {row_label(name): base_label(name) for name in variants}
    assert by_label["1"] == {}
    added = {
        label: set(settings) - set(by_label[base[label]])
        for label, settings in by_label.items()
        if label != "1"
    }
    assert added == {
        "2": {"batch_size", "lr_schedule", "lr_d", "lr_g", "lr_floor_d", "lr_floor_g"},
        "3": {"ema"},
        "3a": {"d_batches"},
        "3b": {"init"},
        "4": {"loss", "model_options"},
    }
    for label, settings in by_label.items():
        if label != "1":
            earlier = by_label[base[label]]
            assert all(settings[k] == v for k, v in earlier.items()), "a row changed its base's"
    assert len(expand_runs(cfg)) == len(variants), "two rows are the same run"


def test_every_laptop_family_names_its_recipe_and_its_budget():
    cfg = load(REPO / "configs" / "laptop.yaml")
    for name, exp in cfg["experiments"].items():
        recipe = exp.get("recipe")
        assert recipe and recipe["source"].strip(), f"{name}: no recipe source"
        # the budget always differs from a paper's: it is listed, in images seen and G steps
        budget = [d for d in recipe["deviations"] if "images seen" in d]
        assert budget and "G steps" in budget[0], f"{name}: budget not among the deviations"
    # and the G steps it states are the ones its settings make (50,000 training images)
    for member in expand_runs(cfg).values():
        s = member.settings
        steps = s["epochs"] * (50_000 // s["batch_size"])
        deviations = cfg["experiments"][member.experiment]["recipe"]["deviations"]
        stated = re.search(r"([\d,]+) G steps", next(d for d in deviations if "G steps" in d))
        assert int(stated[1].replace(",", "")) == steps // s["n_critic"], member.experiment
