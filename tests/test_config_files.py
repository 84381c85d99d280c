"""Config files that extend others (ganrepro.config_files), read by the loader and by the
Snakefile: chains, relative paths, which file wins, key order, errors that name the file."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml
from ganrepro.config_files import ConfigFileError, load, merge, read
from snakemake.utils import update_config
from workflow_cli import local_config, planned_jobs, snakemake


def write(path: Path, content: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(content, sort_keys=False))
    return path


def test_a_chain_is_merged_with_each_extending_file_winning(tmp_path):
    write(tmp_path / "c.yaml", {"fid": {"n": 1, "seed": 7}, "threads": 1, "only_c": True})
    write(tmp_path / "b.yaml", {"extends": "c.yaml", "fid": {"n": 2}, "threads": 2})
    a = write(tmp_path / "a.yaml", {"extends": ["b.yaml"], "fid": {"n": 3}})
    assert load(a) == {"fid": {"n": 3, "seed": 7}, "threads": 2, "only_c": True}
    loaded = read(a)
    assert loaded.files() == [tmp_path / "c.yaml", tmp_path / "b.yaml", a]
    assert loaded.describe(tmp_path) == "a.yaml <- b.yaml <- c.yaml"
    # outside the root: whole paths, or for a page others read, file names only
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert loaded.describe(elsewhere).startswith(f"{a} <- ")
    assert loaded.describe(elsewhere, bare_outside=True) == "a.yaml <- b.yaml <- c.yaml"


def test_several_bases_are_merged_left_to_right_under_the_file(tmp_path):
    write(tmp_path / "one.yaml", {"x": 1, "y": 1, "d": {"p": 1}})
    write(tmp_path / "two.yaml", {"y": 2, "z": 2, "d": {"q": 2}})
    a = write(tmp_path / "a.yaml", {"extends": ["one.yaml", "two.yaml"], "z": 3})
    assert load(a) == {"x": 1, "y": 2, "z": 3, "d": {"p": 1, "q": 2}}
    assert read(a).describe(tmp_path) == "a.yaml <- (one.yaml, two.yaml)"


def test_names_are_relative_to_the_file_that_names_them(tmp_path, monkeypatch):
    write(tmp_path / "protocols" / "data.yaml", {"datasets": {"d": {"root": "r"}}})
    write(tmp_path / "protocols" / "tier.yaml", {"extends": "data.yaml", "threads": 2})
    config = write(tmp_path / "configs" / "run.yaml", {"extends": "../protocols/tier.yaml"})
    monkeypatch.chdir(tmp_path / "protocols")  # not where run.yaml is
    assert load(config) == {"threads": 2, "datasets": {"d": {"root": "r"}}}
    monkeypatch.chdir(tmp_path)
    assert load("configs/run.yaml") == load(config)  # a relative path given: from here


def test_values_merge_as_snakemake_merges_configfiles(tmp_path):
    """Mappings merge key by key, recursively; a list, a number or null replaces whatever was
    there; a mapping replaces a non-mapping. Equal to Snakemake's update_config."""
    base = {"a": {"b": {"c": 1, "d": [1, 2]}, "e": 1}, "f": [1], "g": {"h": 1}, "i": 1}
    over = {"a": {"b": {"d": [3]}, "e": None}, "f": [2, 3], "g": None, "i": {"j": 1}, "k": 0}
    expected = copy.deepcopy(base)
    update_config(expected, copy.deepcopy(over))
    assert merge(base, over) == expected
    assert merge(base, over) == {
        "a": {"b": {"c": 1, "d": [3]}, "e": None},
        "f": [2, 3],
        "g": None,
        "i": {"j": 1},
        "k": 0,
    }
    write(tmp_path / "base.yaml", base)
    assert load(write(tmp_path / "a.yaml", {"extends": "base.yaml", **over})) == expected
    assert load([tmp_path / "base.yaml", write(tmp_path / "over.yaml", over)]) == expected


def test_key_order_is_the_main_files(tmp_path):
    """Experiments run in the order the config you name lists them, not its bases' order (a
    references file names only some of them); several files given keep the first's order."""
    write(tmp_path / "refs.yaml", {"experiments": {"c": {"reference": []}, "a": {"reference": []}}})
    config = write(
        tmp_path / "config.yaml",
        {"extends": "refs.yaml", "experiments": {"a": {"epochs": 1}, "b": {}, "c": {}}},
    )
    merged = load(config)
    assert list(merged["experiments"]) == ["a", "b", "c"]
    assert list(merged["experiments"]["a"]) == ["epochs", "reference"]
    overlay = write(tmp_path / "overlay.yaml", {"experiments": {"z": {}, "b": {"seeds": [1]}}})
    assert list(load([config, overlay])["experiments"]) == ["a", "b", "c", "z"]


def test_a_cycle_is_an_error_naming_the_file_and_the_key(tmp_path):
    write(tmp_path / "a.yaml", {"extends": "b.yaml"})
    write(tmp_path / "b.yaml", {"extends": ["c.yaml"]})
    write(tmp_path / "c.yaml", {"extends": "a.yaml"})
    with pytest.raises(ConfigFileError, match=r"c\.yaml: extends: a\.yaml makes a cycle") as err:
        load(tmp_path / "a.yaml")
    assert "a.yaml -> " in str(err.value) and "b.yaml -> " in str(err.value)
    write(tmp_path / "self.yaml", {"extends": "self.yaml"})
    with pytest.raises(ConfigFileError, match=r"self\.yaml: extends: self\.yaml makes a cycle"):
        load(tmp_path / "self.yaml")


def test_a_file_reached_twice_is_no_cycle(tmp_path):
    write(tmp_path / "data.yaml", {"datasets": {"d": {"root": "r"}}})
    write(tmp_path / "left.yaml", {"extends": "data.yaml", "x": 1})
    write(tmp_path / "right.yaml", {"extends": "data.yaml", "y": 1})
    a = write(tmp_path / "a.yaml", {"extends": ["left.yaml", "right.yaml"]})
    assert load(a) == {"x": 1, "y": 1, "datasets": {"d": {"root": "r"}}}
    assert read(a).files().count(tmp_path / "data.yaml") == 1


def test_a_missing_file_is_an_error_naming_the_file_that_names_it(tmp_path):
    a = write(tmp_path / "a.yaml", {"extends": ["protocols/laptp.yaml"]})
    with pytest.raises(ConfigFileError, match=r"a\.yaml: extends: protocols/laptp\.yaml: no such"):
        load(a)
    with pytest.raises(ConfigFileError, match=r"nope\.yaml: no such config file"):
        load([write(tmp_path / "b.yaml", {"x": 1}), tmp_path / "nope.yaml"])


@pytest.mark.parametrize("value", [{"file": "b.yaml"}, [1], [""], 3])
def test_extends_takes_a_name_or_a_list_of_names(tmp_path, value):
    a = write(tmp_path / "a.yaml", {"extends": value})
    with pytest.raises(ConfigFileError, match=r"a\.yaml: extends: .* is neither a file name"):
        load(a)


def test_a_file_that_is_not_a_mapping_is_an_error(tmp_path):
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    with pytest.raises(ConfigFileError, match=r"list\.yaml: .* holds keys .* not a list"):
        load(tmp_path / "list.yaml")
    (tmp_path / "empty.yaml").write_text("# nothing yet\n")
    assert load(tmp_path / "empty.yaml") == {}


# -- through the Snakefile -------------------------------------------------------------------------


def small_config(results: Path) -> dict:
    """configs/mirror.yaml with the offline overlay, one short dcgan run."""
    cfg = local_config(results)
    cfg["experiments"] = {"dcgan": {"description": "one run", "epochs": 1, "eval_epochs": [1]}}
    cfg.pop("analysis", None)
    return cfg


def test_the_workflow_reads_extends_and_lays_config_overrides_last(tmp_path):
    write(tmp_path / "parts" / "base.yaml", small_config(tmp_path / "base-results"))
    child = write(
        tmp_path / "child.yaml",
        {"extends": "parts/base.yaml", "experiments": {"dcgan": {"seeds": [3]}}},
    )
    out = tmp_path / "overridden"
    proc = snakemake(tmp_path, child, "-n", "--config", f"results={out}")
    text = proc.stdout + proc.stderr
    assert "config from: child.yaml <- parts/base.yaml, --config results" in text
    jobs = planned_jobs(proc.stdout)
    trained = [w["run"] for rule, w in jobs if rule == "train"]
    assert len(trained) == 1 and trained[0].endswith("-s3"), trained  # the child's seeds
    outputs = [line.split("output: ", 1)[1] for line in text.splitlines() if "output: " in line]
    assert outputs and all(o.startswith(str(out)) for o in outputs), outputs[:3]


def test_the_workflow_stops_on_a_cycle_naming_the_file_before_any_job(tmp_path):
    write(tmp_path / "a.yaml", {"extends": "b.yaml", **small_config(tmp_path / "results")})
    write(tmp_path / "b.yaml", {"extends": "a.yaml"})
    proc = snakemake(tmp_path, tmp_path / "a.yaml", "-n", check=False)
    text = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "b.yaml: extends: a.yaml makes a cycle" in text, text[-2000:]
    assert "Job stats" not in text
