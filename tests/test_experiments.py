"""Config expansion: experiments × grid × seeds → members, each referring to a run folder named
by what shapes its weights."""

import pytest
from ganrepro.experiments import (
    expand_runs,
    previous_checkpoint_epoch,
    run_folders,
    trained_as,
    training_spine,
)

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
    assert "grid-lr0.0001-bs32-s0" in runs and "base-s1" in runs


def folders(cfg):
    return [r.folder for r in expand_runs(cfg).values()]


def test_editing_one_experiment_renames_only_its_runs():
    before = trained_as(expand_runs(config(a={"lr": 1e-4}, b={"lr": 1e-4})))
    after = trained_as(expand_runs(config(a={"lr": 1e-4}, b={"lr": 5e-4})))
    assert before["a-s0"] == before["b-s0"]  # the same weights: one run folder
    assert after["a-s0"] == before["a-s0"] != after["b-s0"]  # editing b renames nothing of a
    # and going back gives the old names again: nothing is computed twice
    assert trained_as(expand_runs(config(a={"lr": 1e-4}, b={"lr": 1e-4}))) == before


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
    assert shared["grid-lr0.0002-s0"] == shared["baseline-s0"]
    assert shared["baseline-s0"].startswith("dcgan-") and shared["baseline-s0"].endswith("-s0")
    # a different seed, lr or dataset is a run of its own
    assert len(set(shared.values())) == len(runs) - 1
    folder = run_folders(runs)[shared["baseline-s0"]]
    assert folder.members == ("baseline-s0", "grid-lr0.0002-s0")
    assert folder.experiments == ("baseline", "grid")


def test_dataset_definition_is_part_of_the_identity():
    other = config(a={})
    other["datasets"] = {"toy": {**DATASETS["toy"], "image_size": 64}}
    assert folders(config(a={})) != folders(other)


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
    assert by_variant[("plain", 2e-4)].name == "cmp-plain-lr0.0002-s0"
    assert by_variant[("wgan", 2e-4)].folder.startswith("dcgan-")  # the model, not the variant
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
    base = folders(config(a={}))
    for edit, same in [
        ({"test_images": 100}, True),  # the test split is not training data
        ({"url": "http://mirror/x.tar.gz", "download": True}, True),  # how, not what
        ({"train_images": 100}, False),
        ({"root": "elsewhere"}, False),  # an image folder is its root
    ]:
        other = config(a={})
        other["datasets"] = {"toy": {**DATASETS["toy"], **edit}}
        assert (folders(other) == base) is same, edit
    # a torchvision dataset is its verified archive, wherever it is stored
    tv = {"toy": {"source": "cifar10", "root": "a", "image_size": 32}}
    moved = {"toy": {**tv["toy"], "root": "b"}}
    assert folders(config(a={}) | {"datasets": tv}) == folders(config(a={}) | {"datasets": moved})


def test_scored_epochs_are_never_identity_and_length_only_with_a_horizon():
    two = folders(config(a={"epochs": 2, "eval_epochs": [1]}))
    assert two == folders(config(a={"epochs": 2, "eval_epochs": [2]}))
    assert two == folders(config(a={"epochs": 30, "eval_epochs": [10, 20]}))  # continues
    for horizon in ({"lr_schedule": "cosine"}, {"lr_schedule": "linear"}, {"instance_noise": 0.1}):
        short = folders(config(a={"epochs": 2, **horizon}))
        assert short != folders(config(a={"epochs": 3, **horizon})), horizon
        assert short == folders(config(a={"epochs": 2, "eval_epochs": [2], **horizon}))


def test_a_folder_asks_for_every_members_checkpoints_and_knows_their_ends():
    runs = expand_runs(config(a={"epochs": 2, "eval_epochs": [1]}, b={"epochs": 4}))
    (folder,) = run_folders(runs).values()
    assert folder.checkpoint_epochs == (1, 2, 4) and folder.final_epochs == (2, 4)
    assert folder.epochs == 4
    assert "epochs" not in folder.identity_settings  # the job trains to its segment's end
    assert "eval_epochs" not in folder.identity_settings


def test_an_eval_epoch_beyond_epochs_is_an_error_naming_the_experiment():
    with pytest.raises(ValueError, match=r"experiments\.a: eval_epochs \[5\] beyond epochs 2"):
        expand_runs(config(a={"epochs": 2, "eval_epochs": [5]}))


@pytest.mark.parametrize(
    "wanted, existing, spine, previous",
    [
        ([1, 2], [], [1, 2], {1: None, 2: 1}),  # a new run: a segment per checkpoint
        ([1, 2, 3], [1, 2], [1, 2, 3], {3: 2}),  # longer: continues from its last checkpoint
        ([2], [1, 2], [1, 2], {2: 1}),  # a scored epoch dropped: segments unchanged
        ([2, 3, 4], [2, 4], [2, 4], {3: 2, 4: 2}),  # one added between: a side job from 2
        ([4], [2], [2, 4], {4: 2}),
    ],
)
def test_training_continues_from_what_exists(wanted, existing, spine, previous):
    assert training_spine(wanted, existing) == spine
    for epoch, before in previous.items():
        assert previous_checkpoint_epoch(epoch, wanted, existing) == before


def test_settings_errors_name_the_experiment_variant_and_key():
    with pytest.raises(
        ValueError, match=r"experiments\.a: model_options \['dropuot'\] are not options of model"
    ):
        expand_runs(config(a={"model_options": {"dropuot": 0.3}}))
    with pytest.raises(ValueError, match=r"experiments\.a\.variants\.v: loss: 'hindge' is not"):
        expand_runs(config(a={"variants": {"v": {"loss": "hindge"}}}))
    with pytest.raises(ValueError, match=r"experiments\.a: lr: 'fast' is not of type 'number'"):
        expand_runs(config(a={"grid": {"lr": ["fast"]}}))
