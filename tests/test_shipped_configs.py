"""Every config we ship passes the schema (as Snakemake would read it, overlays included), and
the configs that share a protocol keep it identical."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "lib"))
from ganrepro.config_schema import config_schema, validate_config  # noqa: E402
from ganrepro.experiments import expand_runs  # noqa: E402
from ganrepro.ladders import base_label, row_label  # noqa: E402 (the table's own row rule)
from workflow_cli import overlaid  # noqa: E402

SCHEMA = config_schema(REPO / "schemas" / "config.schema.yaml")
MAIN_CONFIGS = [
    "config.yaml",
    *(f"configs/{p.name}" for p in sorted((REPO / "configs").glob("*.yaml"))),
]
OVERLAY = "configs/offline.yaml"


def read(path: str) -> dict:
    return yaml.safe_load((REPO / path).read_text())


@pytest.mark.parametrize("path", [p for p in MAIN_CONFIGS if p != OVERLAY])
@pytest.mark.parametrize("offline", [False, True], ids=["as shipped", "offline overlay"])
def test_a_shipped_config_passes_the_schema(path, offline):
    cfg = overlaid(read(path), read(OVERLAY)) if offline else read(path)
    validate_config(cfg, SCHEMA)
    assert expand_runs(cfg), f"{path} defines no run"


def test_the_recipe_ladder_shares_the_laptop_protocol():
    """configs/recipe.yaml scores like configs/laptop.yaml, so its FIDs sit in one table with the
    laptop tier's and the two share prepared data and reference statistics."""
    laptop, recipe = read("configs/laptop.yaml"), read("configs/recipe.yaml")
    for key in ("datasets", "fid", "threads", "device"):
        assert recipe[key] == laptop[key], f"configs/recipe.yaml's {key} differs from laptop.yaml's"
    # the grid scores fewer samples, but against the same reference statistics and data
    grid = read("configs/laptop_grid.yaml")
    assert grid["datasets"] == laptop["datasets"]
    for key in ("weights", "reference_split", "sample_seed", "backend", "frechet"):
        assert grid["fid"][key] == laptop["fid"][key], f"laptop_grid.yaml's fid.{key} differs"


def test_each_row_of_the_recipe_ladder_adds_one_ingredient():
    """Row k's settings are row k-1's plus what its name says, and a side branch ka's are row
    k's plus its one, so the table's differences are each one ingredient's effect (the YAML
    anchors could silently drop one)."""
    cfg = read("configs/recipe.yaml")
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
        "4": {"loss", "model_options"},
    }
    for label, settings in by_label.items():
        if label != "1":
            earlier = by_label[base[label]]
            assert all(settings[k] == v for k, v in earlier.items()), "a row changed its base's"
    assert len(expand_runs(cfg)) == len(variants), "two rows are the same run"
