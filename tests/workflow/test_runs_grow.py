"""Runs that grow: on a finished tiny workflow, training longer, changing the scored epochs and
editing a neighbouring experiment train nothing twice (issue "Runs that grow").

One workflow (two experiments that train the same weights, and a cosine run) is run once;
each test then edits its config and asks `snakemake -n` what it would do. The test that
extends a run carries it out, last.
"""

from __future__ import annotations

import copy

import pytest
import torch
import yaml
from ganrepro.experiments import expand_runs
from tiny_training import same_rows
from workflow_cli import CIFAR10_JPEG, planned_jobs, snakemake, tiny_config, write_config

COMPUTE = {"train", "sample", "sample_features", "fid"}


def grow_config(results) -> dict:
    return tiny_config(
        results,
        {
            "base": {"epochs": 2, "eval_epochs": [1, 2]},
            "neighbour": {"description": "the same weights as base", "epochs": 2},
            "cosine": {"epochs": 2, "lr_schedule": "cosine"},
        },
    )


def folders(cfg: dict) -> dict[str, str]:
    return {name: run.folder for name, run in expand_runs(cfg).items()}


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    if not CIFAR10_JPEG.is_dir():
        pytest.skip(f"offline CIFAR-10 copy not found at {CIFAR10_JPEG}")
    work = tmp_path_factory.mktemp("grow")
    cfg = grow_config(work / "results")
    snakemake(work, write_config(work / "config.yaml", cfg), "--cores", "2")
    return work, cfg


def plan(work, cfg, name="edited.yaml") -> list[tuple[str, dict[str, str]]]:
    proc = snakemake(work, write_config(work / name, cfg), "-n", "--cores", "2")
    return planned_jobs(proc.stdout)


def edited(cfg: dict, **experiments) -> dict:
    out = copy.deepcopy(cfg)
    for name, changes in experiments.items():
        out["experiments"][name].update(changes)
    return out


@pytest.mark.slow
def test_two_experiments_with_the_same_weights_share_one_run_folder(finished):
    work, cfg = finished
    names = folders(cfg)
    assert names["base-s0"] == names["neighbour-s0"]
    assert names["base-s0"].startswith("dcgan-") and names["base-s0"].endswith("-s0")
    runs = sorted(p.name for p in (work / "results" / "runs").iterdir())
    assert runs == sorted({names["base-s0"], names["cosine-s0"]})


@pytest.mark.slow
def test_removing_or_adding_a_scored_epoch_with_its_checkpoint_trains_nothing(finished):
    work, cfg = finished
    fewer = plan(work, edited(cfg, base={"eval_epochs": [2]}, neighbour={"eval_epochs": [2]}))
    assert not [job for job in fewer if job[0] in COMPUTE], fewer
    # the cosine run's epoch 1 has no checkpoint: scoring it needs training, and -n says which
    more = plan(work, edited(cfg, cosine={"eval_epochs": [1, 2]}))
    trains = [w for rule, w in more if rule == "train"]
    assert trains == [{"run": folders(cfg)["cosine-s0"], "epoch": "0001"}], more


@pytest.mark.slow
def test_editing_one_experiment_renames_and_retrains_no_run_of_another(finished):
    work, cfg = finished
    changed = edited(cfg, base={"lr": 0.0005})
    new = folders(changed)
    assert new["neighbour-s0"] == folders(cfg)["neighbour-s0"] != new["base-s0"]
    trained = {w["run"] for rule, w in plan(work, changed) if rule == "train"}
    assert trained == {new["base-s0"]}


@pytest.mark.slow
def test_an_eval_epoch_beyond_epochs_is_rejected_naming_the_key(finished):
    work, cfg = finished
    config = write_config(work / "beyond.yaml", edited(cfg, base={"eval_epochs": [5]}))
    proc = snakemake(work, config, "-n", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0 and "experiments.base" in out and "eval_epochs [5]" in out, out


@pytest.mark.slow
def test_extending_a_cosine_run_makes_a_new_run(finished):
    work, cfg = finished
    longer = edited(cfg, cosine={"epochs": 3})
    assert folders(longer)["cosine-s0"] != folders(cfg)["cosine-s0"]
    trains = [w for rule, w in plan(work, longer) if rule == "train"]
    assert trains == [{"run": folders(longer)["cosine-s0"], "epoch": "0003"}]  # from scratch


@pytest.mark.slow
def test_extending_a_constant_run_continues_it_and_equals_one_uninterrupted_run(finished, tmp_path):
    work, cfg = finished
    longer = edited(cfg, base={"epochs": 3, "eval_epochs": [1, 2, 3]})
    run = folders(longer)["base-s0"]
    assert run == folders(cfg)["base-s0"]  # the same run, longer
    jobs = plan(work, longer)
    assert [w for rule, w in jobs if rule == "train"] == [{"run": run, "epoch": "0003"}], jobs
    snakemake(work, write_config(work / "longer.yaml", longer), "--cores", "2")
    log = (work / "results" / "logs" / "train" / run / "epoch0003.log").read_text()
    assert "from epoch 2 to 3" in log
    # the same run trained to epoch 3 in one job, in another results folder
    alone = grow_config(tmp_path / "results")
    alone["experiments"] = {"base": {"epochs": 3}}
    assert folders(alone)["base-s0"] == run
    target = f"{tmp_path}/results/runs/{run}/checkpoints/epoch0003.pt"
    snakemake(tmp_path, write_config(tmp_path / "alone.yaml", alone), "--cores", "2", target)
    extended = torch.load(work / "results" / "runs" / run / "checkpoints" / "epoch0003.pt",
                          weights_only=False)  # fmt: skip
    one_go = torch.load(target, weights_only=False)
    for part in ("generator", "discriminator"):
        for key, value in one_go[part].items():
            assert torch.equal(extended[part][key], value), f"{part}.{key} differs"
    assert same_rows(extended["rows"], one_go["rows"])  # every step's losses and D's health
    assert extended["spectral_rows"] == one_go["spectral_rows"]
    assert yaml.safe_dump(extended["identity_settings"]) == yaml.safe_dump(
        one_go["identity_settings"]
    )
