"""Where the workflow runs: the conda environments agree with pyproject.toml, and the SLURM
profiles say what the README promises (read the way Snakemake reads them).
tests/workflow/test_slurm.py runs the profiles on a real cluster."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
import yaml
from snakemake.cli import parse_set_resources
from snakemake.profiles import ProfileConfigFileParser
from snakemake.resources import Resources

REPO = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())
ENVS = sorted((REPO / "envs").glob("*.yaml"))
COMPUTE_RULES = ("train", "sample", "sample_features", "reference_features")
# Snakemake runs outside the conda environments (it starts them), so they do not carry it.
NOT_IN_ENVS = {"snakemake", "pygments"}  # pygments: for `snakemake --report`
CONDA_NAMES = {"pytorch": "torch"}  # conda-forge name -> PyPI name


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(requirements: list[str]) -> dict[str, str]:
    pins = {}
    for req in requirements:
        match = re.fullmatch(r"\s*([A-Za-z0-9_.-]+)\s*==?\s*([^\s;,]+)\s*", req)
        assert match, f"{req!r} is not pinned to one version (name==version)"
        pins[_norm(CONDA_NAMES.get(match.group(1), match.group(1)))] = match.group(2)
    return pins


def test_a_plain_install_has_what_snakemake_report_needs():
    """`pip install -e .` (no extras) is enough for `snakemake --report`: every requirement of
    Snakemake's own `reports` extra is a dependency of ours."""
    import importlib.metadata

    needed = {
        _norm(re.split(r"[ ;<>=!~\[]", req, maxsplit=1)[0])
        for req in importlib.metadata.requires("snakemake") or []
        if re.search(r"extra\s*==\s*['\"]reports['\"]", req)
    }
    ours = set(_pins(PYPROJECT["project"]["dependencies"]))
    assert needed, "snakemake declares no `reports` extra any more: revisit this test"
    assert needed <= ours, f"add {sorted(needed - ours)} to pyproject's dependencies"


def test_there_are_conda_envs_and_rules_use_them():
    assert ENVS, "envs/*.yaml missing"
    used = set()
    for smk in (REPO / "rules").glob("*.smk"):
        used |= set(re.findall(r'conda:\s*\n\s*"\.\./(envs/[\w.-]+\.yaml)"', smk.read_text()))
    assert used and used <= {str(p.relative_to(REPO)) for p in ENVS}


@pytest.mark.parametrize("env_file", ENVS, ids=lambda p: p.name)
def test_conda_env_pins_the_versions_of_pyproject(env_file):
    project = _pins(PYPROJECT["project"]["dependencies"])
    env = yaml.safe_load(env_file.read_text())
    conda, pip = [], []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            pip += dep["pip"]
        elif dep != "pip":
            conda.append(dep)
    python = [d for d in conda if d.split("=")[0] == "python"]
    assert python, f"{env_file.name}: no python pin"
    minimum = re.fullmatch(r">=(\d+)\.(\d+)", PYPROJECT["project"]["requires-python"])
    version = tuple(int(x) for x in python[0].split("=")[-1].split(".")[:2])
    assert version >= (int(minimum.group(1)), int(minimum.group(2))), python[0]

    pins = _pins([d for d in conda if d not in python] + pip)
    differ = {n: (v, project.get(n)) for n, v in pins.items() if project.get(n) != v}
    assert not differ, f"{env_file.name} vs pyproject.toml (env, pyproject): {differ}"
    missing = set(project) - set(pins) - NOT_IN_ENVS
    assert not missing, f"{env_file.name} lacks {sorted(missing)} (pinned in pyproject.toml)"


# -- SLURM profiles -------------------------------------------------------------------------------


def _profile(name: str) -> dict:
    """The profile as Snakemake reads it: CLI-style values, resources parsed."""
    path = REPO / "profiles" / name / "config.yaml"
    with path.open() as f:
        args = ProfileConfigFileParser().parse(f)
    args["set-resources"] = parse_set_resources(args.get("set-resources"))
    args["default-resources"] = Resources.parse(
        args.get("default-resources", []), allow_expressions=True
    )
    return args


def _value(resources, name: str, attempt: int):
    res = resources.get(name) if hasattr(resources, "get") else resources[name]
    return res.evaluate(
        wildcards={}, input=[], attempt=attempt, threads=1, rulename="r", async_run=None
    ).value


def _workflow_rules() -> set[str]:
    text = "".join(p.read_text() for p in (REPO / "rules").glob("*.smk"))
    return set(re.findall(r"^rule (\w+):", text, re.M))


def test_slurm_profile_submits_with_retries_and_without_conda():
    slurm = _profile("slurm")
    assert slurm["executor"] == "slurm"
    assert int(slurm["retries"]) >= 1
    # a plain virtual environment on a shared filesystem is enough; conda is opt-in
    assert "software-deployment-method" not in slurm and "use-conda" not in slurm


def test_slurm_profile_gives_compute_rules_a_gpu_and_growing_runtime_and_memory():
    slurm = _profile("slurm")
    per_rule = slurm["set-resources"]
    assert set(per_rule) <= _workflow_rules(), "set-resources names a rule the workflow lacks"
    assert set(COMPUTE_RULES) <= set(per_rule)
    for rule in COMPUTE_RULES:
        res = per_rule[rule]
        assert _value(res, "gpu", 1) == 1, rule
        for name in ("runtime", "mem_mb"):
            first, second, third = (_value(res, name, a) for a in (1, 2, 3))
            assert 0 < first < second < third, (rule, name, first, second, third)
    for name in ("runtime", "mem_mb"):  # every other rule: the defaults, growing too
        assert _value(slurm["default-resources"], name, 1) < _value(
            slurm["default-resources"], name, 2
        )


def test_fetching_rules_are_local():
    data = (REPO / "rules" / "data.smk").read_text()
    block = re.search(r"^localrules:\n((?:\s+\w+,?\n)+)", data, re.M)
    assert block and {"prepare_data", "fetch_weights"} <= set(re.findall(r"\w+", block.group(1)))


def test_slurm_test_profile_is_the_slurm_profile_without_gpus():
    """profiles/slurm-test replaces set-resources as a whole (later profiles win per key): it
    must keep the same rules and runtimes and only drop the GPU (and shrink memory)."""
    slurm, test = _profile("slurm")["set-resources"], _profile("slurm-test")["set-resources"]
    assert set(test) == set(slurm)
    for rule in slurm:
        assert not {"gpu", "gres", "gpu_model"} & set(test[rule].keys()), rule
        assert set(test[rule].keys()) == set(slurm[rule].keys()) - {"gpu", "gres", "gpu_model"}
        for attempt in (1, 2, 3):
            assert _value(test[rule], "runtime", attempt) == _value(slurm[rule], "runtime", attempt)
            assert _value(test[rule], "mem_mb", attempt) < _value(slurm[rule], "mem_mb", attempt)
    raw = yaml.safe_load((REPO / "profiles" / "slurm-test" / "config.yaml").read_text())
    assert "executor" not in raw, "slurm-test is layered on profiles/slurm, not a profile alone"
