"""The run folders of the shipped configs' members, pinned.

Each member of an experiment refers to a run folder named by what shapes its weights; a finished
run is found again only under the same name. This test fails when a change renames runs, and
says which, so that any renaming is deliberate: if it is, regenerate the golden file with
``GANREPRO_UPDATE_GOLDEN=1 pytest tests/test_run_names.py``, say why in the commit and give
users a migration (``python -m ganrepro.migrate``).
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
import yaml
from ganrepro import config_files
from ganrepro.experiments import expand_runs
from ganrepro.training import settings as settings_module
from ganrepro.training.declare import option, technique
from ganrepro.training.settings import TrainSettings

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden" / "run_names.yaml"
# config.yaml as shipped (downloads), and each with this machine's offline overlay, as the tests
# and CI run them
CONFIGS = [
    "config.yaml",
    "config.yaml + configs/offline.yaml",
    "configs/laptop.yaml + configs/offline.yaml",
    "configs/laptop_grid.yaml + configs/offline.yaml",
    "configs/recipe.yaml + configs/offline.yaml",
    "configs/mirror.yaml + configs/offline.yaml",
]


def load(spec: str) -> dict:
    """A config, with overlays laid over it left to right, each file with what it extends (as
    the Snakefile reads its --configfile arguments)."""
    return config_files.load([ROOT / path for path in spec.split(" + ")])


def run_names() -> dict[str, dict[str, str]]:
    """Per config: each member's run folder."""
    return {c: {name: r.folder for name, r in expand_runs(load(c)).items()} for c in CONFIGS}


def renamed(before: dict[str, dict[str, str]], after: dict[str, dict[str, str]]) -> list[str]:
    """Which members' runs a change renames, as 'config: member: old -> new' lines."""
    lines = []
    for config in CONFIGS:
        old, new = before.get(config, {}), after.get(config, {})
        lines += [
            f"{config}: {member}: {folder} -> {new.get(member, '(gone)')}"
            for member, folder in old.items()
            if new.get(member) != folder
        ]
        lines += [f"{config}: (new) {m}: {f}" for m, f in new.items() if m not in old]
    return lines


QUICK = CONFIGS[-1]


def golden() -> dict[str, dict[str, str]]:
    return yaml.safe_load(GOLDEN.read_text())


def test_run_names_are_pinned():
    now = run_names()
    if os.environ.get("GANREPRO_UPDATE_GOLDEN"):
        GOLDEN.write_text(
            "# Each member's run folder in the shipped configs (tests/test_run_names.py).\n"
            "# Regenerated only on purpose: a renamed run is a finished run that will not be\n"
            "# found again (unless moved: python -m ganrepro.migrate).\n"
            + yaml.safe_dump(now, sort_keys=False)
        )
        pytest.skip(f"{GOLDEN} rewritten")
    changes = renamed(golden(), now)
    assert not changes, "runs renamed (finished runs would be trained again):\n" + "\n".join(
        changes
    )


def test_a_new_setting_off_by_default_renames_no_run(monkeypatch):
    @dataclasses.dataclass(frozen=True)
    class Extended(TrainSettings):
        g_spectral_norm: bool = technique(False, "spectral normalisation of G's layers")
        g_dropout: float = technique(0.0, "dropout in G", minimum=0, maximum=1)

    monkeypatch.setattr(settings_module, "TrainSettings", Extended)
    assert renamed(golden(), run_names()) == []


def test_changing_a_default_renames_the_runs_that_use_it_and_says_which(monkeypatch):
    @dataclasses.dataclass(frozen=True)
    class Changed(TrainSettings):
        beta2: float = option(0.99, "Adam's beta2", minimum=0, exclusive_maximum=1)

    before = {n: r.settings["beta2"] for n, r in expand_runs(load(QUICK)).items()}
    monkeypatch.setattr(settings_module, "TrainSettings", Changed)
    changes = renamed(golden(), run_names())
    assert any(line.startswith(f"{QUICK}: dcgan-s0: dcgan-") for line in changes), changes
    # renamed: exactly the runs that took beta2 from the default; kept: those that set their own
    old, new = golden()[QUICK], run_names()[QUICK]
    kept = {member for member in old if old[member] == new[member]}
    assert kept == {n for n, beta2 in before.items() if beta2 != 0.999}
    assert kept, "mirror.yaml has runs with their own beta2 (SAGAN's, WGAN-GP's 0.9)"
