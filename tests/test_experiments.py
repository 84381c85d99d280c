"""Config expansion: experiments × grid × seeds → runs named by their settings."""

import pytest
from ganrepro.experiments import expand_runs

DATASETS = {"toy": {"source": "image_folder", "root": "x", "image_size": 32}}


def config(**experiments):
    return {
        "datasets": DATASETS,
        "defaults": {"dataset": "toy", "epochs": 2, "eval_epochs": [1]},
        "experiments": experiments,
    }


def test_grid_and_seeds_expand_to_their_product():
    runs = expand_runs(
        config(
            base={"seeds": [0, 1]}, grid={"grid": {"lr": [1e-4, 2e-4], "batch_size": [32, 64, 128]}}
        )
    )
    assert len(runs) == 2 + 6
    grid_runs = [r for r in runs.values() if r.experiment == "grid"]
    assert {(r.settings["lr"], r.settings["batch_size"]) for r in grid_runs} == {
        (lr, bs) for lr in (1e-4, 2e-4) for bs in (32, 64, 128)
    }
    assert all(
        r.settings["eval_epochs"] == [1, 2] for r in runs.values()
    )  # final epoch always kept
    assert any(name.startswith("grid-lr0.0001-bs32-s0-") for name in runs)


def test_editing_one_experiment_renames_only_its_runs():
    before = expand_runs(config(a={"lr": 1e-4}, b={"lr": 1e-4}))
    after = expand_runs(config(a={"lr": 1e-4}, b={"lr": 5e-4}))
    assert [n for n in before if n.startswith("a-")] == [n for n in after if n.startswith("a-")]
    assert set(n for n in before if n.startswith("b-")).isdisjoint(
        n for n in after if n.startswith("b-")
    )
    # and going back gives the old names again: nothing is computed twice
    assert list(expand_runs(config(a={"lr": 1e-4}, b={"lr": 1e-4}))) == list(before)


def test_dataset_definition_is_part_of_the_identity():
    a = expand_runs(config(a={}))
    other = config(a={})
    other["datasets"] = {"toy": {**DATASETS["toy"], "image_size": 64}}
    assert list(a) != list(expand_runs(other))


def test_errors_name_the_experiment():
    with pytest.raises(ValueError, match=r"experiments\.a.*unknown training settings \['lrr'\]"):
        expand_runs(config(a={"lrr": 1}))
    with pytest.raises(ValueError, match=r"experiments\.a\.dataset: unknown dataset 'nope'"):
        expand_runs(config(a={"dataset": "nope"}))
