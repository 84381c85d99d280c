"""One declaration per setting, per model option and per loss, and everything derived from it:
the config schema's settings part, the checks of every run, the defaults, the families' and
losses' names. Also the contributor recipes of the README, followed here."""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest
import torch
from ganrepro.config_files import load
from ganrepro.config_schema import config_schema, validate_config
from ganrepro.experiments import expand_runs
from ganrepro.training import losses as L
from ganrepro.training import settings as settings_module
from ganrepro.training.declare import ALWAYS, technique
from ganrepro.training.families import FAMILIES
from ganrepro.training.settings import TrainSettings, declarations, identity_settings
from tiny_training import random_images, trainer

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "schemas" / "config.schema.yaml"
QUICK = load(ROOT / "configs" / "mirror.yaml")


def test_the_schema_settings_are_the_declarations():
    schema = config_schema(SCHEMA)
    props = schema["$defs"]["settings"]["properties"]
    fields = [f.name for f in dataclasses.fields(TrainSettings)]
    assert list(props) == fields == schema["$defs"]["setting_names"]["enum"]
    assert props["model"]["enum"] == list(FAMILIES)
    assert props["loss"]["enum"] == list(L.LOSSES)
    assert props["lr"]["exclusiveMinimum"] == 0 and props["batch_size"]["type"] == "integer"
    assert props["ema"]["type"] == ["number", "null"]
    # the schema carries no defaults (they would override the config's `defaults:`); the
    # defaults are the dataclass's, and the help says them
    assert not any("default" in p for p in props.values())
    assert "default: 0.0002" in props["lr"]["description"]


def test_every_setting_has_help_and_techniques_are_off_by_default():
    for name, decl in declarations().items():
        assert decl.help, name
        if decl.neutral is not ALWAYS:
            assert decl.default == decl.neutral, f"{name}: a technique must be off by default"
    # the neutral settings of a default run are not part of its identity, nor are its scored
    # epochs; its length is not either, as nothing in a default run depends on it
    assert set(identity_settings(TrainSettings())) == {
        n for n, d in declarations().items() if d.neutral is ALWAYS and d.identity == "value"
    }
    assert "epochs" in identity_settings(TrainSettings(lr_schedule="cosine"))
    assert "eval_epochs" not in identity_settings(TrainSettings(lr_schedule="cosine"))


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"lr": -1.0}, "lr: -1.0 is less than or equal to the minimum of 0"),
        ({"batch_size": "64"}, "batch_size: '64' is not of type 'integer'"),
        ({"loss": "hindge"}, "loss: 'hindge' is not one of"),
        ({"model": "dcgann"}, "model: 'dcgann' is not one of"),
        ({"soft_labels": 0.7}, "soft_labels: 0.7 is greater than the maximum of 0.5"),
        ({"model_options": {"dropuot": 0.3}}, r"model_options \['dropuot'\] are not options"),
        ({"model_options": {"dropout": "x"}}, "model_options.dropout: 'x' is not of type"),
        ({"model": "cgan"}, "model 'cgan' is conditional: set conditional: true"),
        ({"replay_size": 10}, "replay_size 10 is smaller than batch_size 128"),
    ],
)
def test_settings_are_checked_against_their_declarations(settings, message):
    with pytest.raises(ValueError, match=message):
        TrainSettings(**settings)


def test_floats_given_as_integers_are_one_run():
    a, b = TrainSettings(gp_weight=10), TrainSettings(gp_weight=10.0)
    assert a == b and isinstance(a.gp_weight, float)
    assert identity_settings(a) == identity_settings(b)


def test_every_loss_name_has_its_own_formula():
    real, fake = torch.tensor([0.5, 2.0]), torch.tensor([-2.0, 0.3])
    values = {}
    for name, loss in L.LOSSES.items():
        # each defines both objectives (none falls through to the base class's)
        assert type(loss).d is not L.Loss.d and type(loss).g is not L.Loss.g, name
        values[name] = (float(loss.d(real, fake, 1.0, 0.0)), float(loss.g(fake)))
    assert len(set(values.values())) == len(values), values
    with pytest.raises(ValueError, match="unknown loss 'hindge'; known losses: bce"):
        L.get_loss("hindge")


def test_the_settings_module_is_torch_free():
    """The Snakefile imports it at every start: torch would add seconds to `snakemake -n`."""
    import subprocess
    import sys

    code = "import sys, ganrepro.config_schema; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- the README's contributor recipes, followed ------------------------------------------------


@pytest.fixture
def extended(monkeypatch):
    """Recipe "add a training setting": one declaration (here in a subclass, as a test may)."""

    @dataclasses.dataclass(frozen=True)
    class Extended(TrainSettings):
        g_spectral_norm: bool = technique(False, "spectral normalisation of G's layers")

    monkeypatch.setattr(settings_module, "TrainSettings", Extended)
    return Extended


def test_recipe_new_setting_is_in_the_schema_and_checked(extended):
    cfg = copy.deepcopy(QUICK)
    cfg["experiments"]["dcgan"]["g_spectral_norm"] = True
    validate_config(cfg, config_schema(SCHEMA))
    cfg["experiments"]["dcgan"]["g_spectral_norm"] = "yes"
    with pytest.raises(ValueError, match="g_spectral_norm: 'yes' is not of type 'boolean'"):
        validate_config(cfg, config_schema(SCHEMA))


def test_recipe_new_loss_is_one_entry_in_losses(monkeypatch, tmp_path):
    """Recipe "add a loss": a class and an entry in losses.LOSSES, nothing else."""

    class Softplus(L.Loss):
        help = "softplus-hinge"

        def d(self, real, fake, real_target=None, fake_target=None):
            return (
                torch.nn.functional.softplus(-real).mean()
                + torch.nn.functional.softplus(fake).mean()
            )

        def g(self, fake):
            return torch.nn.functional.softplus(-fake).mean()

    monkeypatch.setitem(L.LOSSES, "softplus", Softplus())
    schema = config_schema(SCHEMA)
    assert "softplus" in schema["$defs"]["settings"]["properties"]["loss"]["enum"]
    cfg = copy.deepcopy(QUICK)
    cfg["experiments"]["dcgan"]["loss"] = "softplus"
    validate_config(cfg, schema)
    assert all(
        r.settings["loss"] == "softplus"
        for r in expand_runs(cfg).values()
        if r.experiment == "dcgan"
    )
    t = trainer(random_images(32), tmp_path, loss="softplus", epochs=1, eval_epochs=())
    t.run()
    assert len(t.rows) == 4
