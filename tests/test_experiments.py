"""Config expansion: experiments × grid × seeds → runs named by their settings."""

import pytest
from ganrepro.experiments import expand_runs, trained_as

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


def test_identical_runs_of_different_experiments_are_trained_once():
    runs = expand_runs(
        config(
            baseline={"lr": 2e-4, "seeds": [0, 1]},
            grid={"grid": {"lr": [1e-4, 2e-4]}, "seeds": [0]},
            other_data={"lr": 2e-4, "dataset": "toy2"},
        )
        | {"datasets": {**DATASETS, "toy2": {**DATASETS["toy"], "root": "y"}}}
    )
    shared = trained_as(runs)
    base0 = next(n for n in runs if n.startswith("baseline-s0-"))
    grid_point = next(n for n in runs if n.startswith("grid-lr0.0002-s0-"))
    assert shared[grid_point] == base0 and shared[base0] == base0
    # a different seed, lr or dataset is a run of its own
    assert [n for n in runs if shared[n] != n] == [grid_point]


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


def test_variants_change_settings_together_and_cross_the_grid():
    runs = expand_runs(
        config(
            cmp={
                "variants": {
                    "plain": {},
                    "wgan": {"loss": "wasserstein", "clip": 0.01, "n_critic": 5},
                },
                "grid": {"lr": [1e-4, 2e-4]},
            }
        )
    )
    assert len(runs) == 4
    by_variant = {(r.grid["variant"], r.grid["lr"]): r for r in runs.values()}
    wgan = by_variant[("wgan", 1e-4)].settings
    assert (wgan["loss"], wgan["clip"], wgan["n_critic"]) == ("wasserstein", 0.01, 5)
    assert by_variant[("plain", 1e-4)].settings["clip"] is None
    assert by_variant[("plain", 2e-4)].name.startswith("cmp-plain-lr0.0002-s0-")
    # an experiment without variants keeps its names and grid coordinates as before
    assert all("variant" not in r.grid for r in expand_runs(config(a={"lr": 1e-4})).values())


def test_a_variant_may_not_set_what_the_grid_varies():
    with pytest.raises(
        ValueError, match=r"experiments\.x\.variants\.v: \['lr'\] cannot be set in a variant"
    ):
        expand_runs(config(x={"variants": {"v": {"lr": 1e-3}}, "grid": {"lr": [1e-4]}}))
    with pytest.raises(
        ValueError, match=r"experiments\.x\.variants\.v.*unknown training settings \['lrr'\]"
    ):
        expand_runs(config(x={"variants": {"v": {"lrr": 1e-3}}}))


def test_identity_covers_the_training_data_not_how_it_is_fetched():
    base = expand_runs(config(a={}))
    for edit, same in [
        ({"test_images": 100}, True),  # the test split is not training data
        ({"url": "http://mirror/x.tar.gz", "download": True}, True),  # how, not what
        ({"train_images": 100}, False),
        ({"root": "elsewhere"}, False),  # an image folder is its root
    ]:
        other = config(a={})
        other["datasets"] = {"toy": {**DATASETS["toy"], **edit}}
        assert (list(expand_runs(other)) == list(base)) is same, edit
    # a torchvision dataset is its verified archive, wherever it is stored
    tv = {"toy": {"source": "cifar10", "root": "a", "image_size": 32}}
    moved = {"toy": {**tv["toy"], "root": "b"}}
    assert list(expand_runs(config(a={}) | {"datasets": tv})) == list(
        expand_runs(config(a={}) | {"datasets": moved})
    )


def test_the_last_epoch_is_always_an_eval_epoch_so_listing_it_is_the_same_run():
    a = expand_runs(config(a={"epochs": 2, "eval_epochs": [1]}))
    b = expand_runs(config(a={"epochs": 2, "eval_epochs": [1, 2]}))
    assert list(a) == list(b)


def test_settings_errors_name_the_experiment_variant_and_key():
    with pytest.raises(
        ValueError, match=r"experiments\.a: model_options \['dropuot'\] are not options of model"
    ):
        expand_runs(config(a={"model_options": {"dropuot": 0.3}}))
    with pytest.raises(ValueError, match=r"experiments\.a\.variants\.v: loss: 'hindge' is not"):
        expand_runs(config(a={"variants": {"v": {"loss": "hindge"}}}))
    with pytest.raises(ValueError, match=r"experiments\.a: lr: 'fast' is not of type 'number'"):
        expand_runs(config(a={"grid": {"lr": ["fast"]}}))
