"""The registry of analyses (ganrepro.evaluation.analysis): each entry agrees with its module, and
the config schema's `analysis:` part and the analysis rules come from the entries alone."""

from __future__ import annotations

import inspect
import json
from pathlib import Path

import pytest
from ganrepro.config_schema import config_schema, validate_config
from ganrepro.evaluation import analysis as registry
from ganrepro.evaluation.analysis import ANALYSES, Analysis, Output, key
from ganrepro.rule import EXECUTION_OPTIONS

REPO = Path(__file__).resolve().parents[2]
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
        ({"of": "run", "context": ("run",), "inputs": {"x": "samples"}}, r"take \['samples'\]"),
        ({"of": "run", "context": ("run", "epoch")}, r"has no epoch; it cannot take \['epoch'\]"),
        ({"inputs": {"run": "features"}}, r"\['run'\] name more than one"),
        ({"name": "my-metric"}, "a Python name"),
    ],
)
def test_an_entry_that_the_workflow_could_not_wire_is_named(fields, message):
    entry = {"name": "toy", "help": "", "inputs": {}, "outputs": {}, **fields}
    with pytest.raises(ValueError, match=message):
        Analysis(**entry)


def test_the_rule_vocabulary_is_the_registry_s():
    """rules/analysis_common.smk resolves every input kind and context of
    ganrepro.evaluation.analysis."""
    text = (REPO / "rules" / "analysis_common.smk").read_text()
    for name in [*registry.INPUTS, *registry.CONTEXT]:
        assert f'    "{name}": ' in text, name


# ----------------------------------------------------- a new analysis, end to end (a workflow)

TOY_MODULE = '''"""A test's toy analysis: the mean pool3 feature of the samples, scaled."""

import numpy as np

from ganrepro.evaluation.analyses import protocol, read_features, row
from ganrepro.io import open_log, write_json
from ganrepro.provenance import code_version


def compute(*, features, score, run, epoch, toy_scale, log=None):
    with open_log(log) as logf:
        gen = read_features(features)
        result = {
            "run": run,
            "epoch": epoch,
            "status": gen["status"],
            "toy_mean": float(np.mean(gen["features"])) * toy_scale,
            "protocol": protocol(
                "toy mean",
                n_generated=len(gen["features"]),
                reference=None,
                weights_sha256=gen["weights_sha256"],
                scale=toy_scale,
            ),
            "code": [code_version("toy_mean")],
        }
        write_json(score, result)
        print(result["toy_mean"], file=logf)


def rows(result, base):
    p = result["protocol"]
    text = f"mean pool3 feature x {p['scale']}"
    return [row(base, "Toy mean", result["toy_mean"], None, result["status"], p, text)]
'''
TOY_ENTRY = """        Analysis(
            "toy_mean",
            "the mean pool3 feature of the samples, scaled",
            inputs={"features": "features"},
            outputs={"score": Output("toy_mean.json", "toy_mean.rst", "toy mean (JSON)")},
            options={"toy_scale": key("number", 1.0, "toy: a factor", exclusiveMinimum=0)},
        ),
"""
MARKER = "        # ---- new analyses go above this line"


@pytest.mark.slow
def test_a_new_metric_is_its_module_one_entry_and_a_caption(tmp_path):
    """On a copy of the code: the toy analysis's module, its entry in the registry and its
    caption, and nothing else, give its job and its row in results/tables/analysis.csv of a
    tiny workflow, beside the rows of every other analysis."""
    import shutil

    import numpy as np
    import pandas as pd
    import yaml
    from ganrepro.config_files import load
    from workflow_cli import CIFAR10_JPEG, FID_WEIGHTS, snakemake

    repo = tmp_path / "repo"
    repo.mkdir()
    parts = ("Snakefile", "rules", "scripts", "lib", "schemas", "report", "profiles", "envs")
    for part in parts:
        src = REPO / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, repo / part)
    (repo / "lib" / "ganrepro" / "evaluation" / "analyses" / "toy_mean.py").write_text(TOY_MODULE)
    entries = repo / "lib" / "ganrepro" / "evaluation" / "analysis.py"
    assert entries.read_text().count(MARKER) == 1
    entries.write_text(entries.read_text().replace(MARKER, TOY_ENTRY + MARKER))
    (repo / "report" / "toy_mean.rst").write_text("The mean pool3 feature of the samples.\n")

    # the first run's config with the offline copies, one run of one epoch, small budgets
    cfg = load([REPO / "configs" / "first_run.yaml", REPO / "configs" / "offline.yaml"])
    cfg.pop("extends", None)
    cfg["results"] = "results"
    for dataset in cfg["datasets"].values():
        if dataset.get("source") == "image_folder":
            dataset["root"] = str(CIFAR10_JPEG)
        dataset.update(train_images=100, test_images=60)
    cfg["fid"].update(weights=str(FID_WEIGHTS), reference_images=60, generated_images=50)
    dcgan = cfg["experiments"]["dcgan"]
    cfg["experiments"] = {"dcgan": {**dcgan, "epochs": 1, "eval_epochs": [1]}}
    cfg["analysis"] = {
        "runs": ["dcgan"],
        "kid_subsets": 2,
        "kid_subset_size": 20,
        "diversity_pairs": 5,
        "train_reference_images": 20,
        "memorisation_grid": 2,
        "memorisation_neighbours": 2,
        "evolution_images": 2,
        "interpolation_pairs": 1,
        "interpolation_steps": 3,
        "inversion_indices": [0, 1],
        "inversion_starts": 1,
        "inversion_steps": 2,
        "toy_scale": 2.5,  # the new key: in the schema from its declaration alone
    }
    work = tmp_path / "work"
    work.mkdir()
    config = work / "config.yaml"
    config.write_text(yaml.safe_dump(cfg, sort_keys=False))
    target = "results/tables/analysis.csv"
    snakemake(work, config, "--cores", "2", target, snakefile=repo / "Snakefile")

    table = pd.read_csv(work / target)
    (run,) = table.run.unique()
    toy = table.set_index("metric").loc["Toy mean"]
    with np.load(work / "results" / "runs" / run / "features" / "epoch0001.npz") as f:
        expected = 2.5 * float(np.mean(f["features"]))
    assert toy.value == pytest.approx(expected) and toy.status == "ok"
    assert toy.protocol == "mean pool3 feature x 2.5" and toy.n_generated == 50
    assert (toy.experiment, toy.epoch) == ("dcgan", 1)
    # after every registered analysis's rows, as the registry orders them
    assert table.metric.tolist()[-1] == "Toy mean"
    assert {"KID", "Precision", "Inception Score", "Inversion PSNR (dB)"} <= set(table.metric)
    record = work / "results" / "analysis" / run / "epoch0001" / "toy_mean.json"
    assert [c["stage"] for c in json.loads(record.read_text())["code"]] == ["toy_mean"]
