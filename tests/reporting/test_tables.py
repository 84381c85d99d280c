"""Tables computed from score files, checked against numpy on the same numbers."""

import json

import numpy as np
import pandas as pd
import pytest
from ganrepro.reporting.tables import experiment_table, fid_by_epoch, load_scores, run_summary
from table_rows import run_record

FIDS = {  # run -> FID per epoch (None: diverged)
    "a-s0": {1: 80.0, 2: 60.0, 3: 65.0},
    "a-s1": {1: 90.0, 2: 70.0, 3: 50.0},
    "a-s2": {1: 85.0, 2: None, 3: None},
}


def write_scores(tmp_path):
    paths = []
    for run, fids in FIDS.items():
        for epoch, fid in fids.items():
            p = tmp_path / f"{run}-{epoch}.json"
            p.write_text(
                json.dumps(
                    {
                        "run": run,
                        "epoch": epoch,
                        "fid": fid,
                        "status": "ok" if fid is not None else "diverged",
                        "protocol": {
                            "n_generated": 100,
                            "reference": {"dataset": "toy", "split": "test", "n_images": 200},
                            "weights": {"sha256": "f" * 64},
                            "warnings": ["n < 2048"],
                        },
                    }
                )
            )
            paths.append(p)
    return paths


RUNS = {run: run_record("a", int(run[-1]), {"lr": 0.0002}) for run in FIDS}


@pytest.fixture
def summary(tmp_path):
    return run_summary(fid_by_epoch(load_scores(write_scores(tmp_path)), RUNS))


def test_run_summary_matches_numpy(summary):
    s0 = summary.set_index("run").loc["a-s0"]
    values = np.array([80.0, 60.0, 65.0])
    assert s0.final_fid == 65.0 and s0.best_fid == 60.0 and s0.best_epoch == 2
    assert s0.mean_fid == pytest.approx(values.mean())
    assert s0.std_fid == pytest.approx(values.std(ddof=1))
    assert s0.reference == "toy:test[200]" and s0.n_generated == 100


def test_diverged_run_is_marked_and_has_no_final_fid(summary):
    s2 = summary.set_index("run").loc["a-s2"]
    assert s2.status == "diverged" and pd.isna(s2.final_fid) and s2.best_fid == 85.0


def test_experiment_table_adds_mean_and_std_across_seeds(summary):
    table = experiment_table(summary, "a")
    assert list(table.seed[:3]) == ["0", "1", "2"]
    agg = table.iloc[3]
    assert agg.seed == "mean ± std (2 seeds, 1 diverged)"
    finals = np.array([65.0, 50.0])
    assert agg.final_fid == f"{finals.mean():.2f} ± {finals.std(ddof=1):.2f}"
    assert "lr" in table.columns and table.columns[0] == "lr"


def test_a_run_shared_with_another_experiment_shows_in_both(tmp_path):
    """b-s0 is identical to a-s0 (trained once, as a-s0): both experiments list it."""
    runs = {**RUNS, "b-s0": {**RUNS["a-s0"], "experiment": "b"}}
    by_epoch = fid_by_epoch(load_scores(write_scores(tmp_path)), runs, {"b-s0": "a-s0"})
    shared = by_epoch[by_epoch.run == "b-s0"].set_index("epoch")
    own = by_epoch[by_epoch.run == "a-s0"].set_index("epoch")
    assert list(shared.fid) == [80.0, 60.0, 65.0] and list(shared.fid) == list(own.fid)
    assert set(shared.experiment) == {"b"} and set(shared.trained_as) == {"a-s0"}
    assert set(by_epoch[by_epoch.run == "a-s1"].trained_as) == {"a-s1"}
    assert experiment_table(run_summary(by_epoch), "b").run.tolist() == ["b-s0"]


def test_a_member_sharing_a_longer_run_folder_keeps_only_its_own_epochs(tmp_path):
    """short-s0 trained the first 2 epochs of a-s0's folder: its table stops at epoch 2."""
    short = run_record("short", 0, {"lr": 0.0002})
    short["settings"] = {**short["settings"], "eval_epochs": [1, 2], "epochs": 2}
    runs = {**RUNS, "short-s0": short}
    by_epoch = fid_by_epoch(load_scores(write_scores(tmp_path)), runs, {"short-s0": "a-s0"})
    mine = by_epoch[by_epoch.run == "short-s0"]
    assert list(mine.epoch) == [1, 2] and list(mine.fid) == [80.0, 60.0]
    assert run_summary(by_epoch).set_index("run").loc["short-s0"].final_fid == 60.0
    assert list(by_epoch[by_epoch.run == "a-s0"].epoch) == [1, 2, 3]  # the longer keeps all


def _code(version: str, git: str = "abc1234") -> list[dict]:
    return [{"stage": "train", "version": version, "modules": {}, "git": git}]


def test_a_training_continued_by_the_same_code_is_one_code_version():
    """Epoch 4's checkpoint was trained by the jobs of epochs 1, 2 and 4: three train entries of
    one version. Its row must carry the same code version as epoch 1's (one train entry)."""
    from ganrepro.provenance import chain_version

    def stage(name, version):
        return {"stage": name, "version": version, "modules": {}, "git": "g"}

    scoring = [stage("sample", "s"), stage("features", "f"), stage("fid", "d")]
    one_segment = [stage("train", "t"), *scoring]
    three_segments = [stage("train", "t"), stage("train", "t"), stage("train", "t"), *scoring]
    assert chain_version(one_segment) == chain_version(three_segments)
    edited = [stage("train", "t"), stage("train", "t2"), *scoring]  # code edited mid-training
    assert chain_version(edited) != chain_version(one_segment)


def test_rows_made_by_different_code_are_flagged(tmp_path):
    """Every row carries a hash over the code of every stage behind it; an experiment whose rows
    came from different code says so (code_versions: mixed), and so does its seeds' mean row."""
    from ganrepro.reporting.tables import code_versions

    paths = write_scores(tmp_path)
    for p in paths:  # seed 1 trained after a code edit
        score = json.loads(p.read_text())
        score["code"] = _code("new" if score["run"] == "a-s1" else "old")
        p.write_text(json.dumps(score))
    table = fid_by_epoch(load_scores(paths), RUNS)
    assert table.groupby("run").code_version.nunique().eq(1).all()
    assert table.code_version.nunique() == 2
    flags = code_versions(table).set_index("experiment")
    assert bool(flags.loc["a", "mixed"]) and flags.loc["a", "code_versions"] == 2
    assert flags.loc["a", "git"] == "abc1234"
    mean_row = experiment_table(run_summary(table), "a").iloc[-1]
    assert mean_row.seed.startswith("mean") and mean_row.code_version.startswith("mixed: ")
    # one code version: not flagged
    same = table.assign(code_version=table.code_version.iloc[0])
    assert not code_versions(same).mixed.any()
