"""The workflow on a real SLURM cluster: profiles/slurm (+ profiles/slurm-test: no GPU) submits a
reduced quick run to a one-node cluster on this machine, and SLURM's own records show which jobs
it ran.

The cluster is the one named by SLURM_CONF if it answers (.ci/run starts one), else this module
starts one with tests/slurm/start_cluster.sh and stops it at the end. Without slurmdbd, `sacct`
has no data: finished jobs are read from the jobcomp/filetxt record (JobCompLoc), running and
recently finished ones from `squeue` (MinJobAge=600 keeps them), which is also how the executor
plugin follows the jobs (profiles/slurm-test: slurm-status-command: squeue).

7 SLURM jobs from training to the FID table and, with the quick config's `analysis:`, 9 more
(KID, IS, diversity, memorisation, pictures), each starting Snakemake and torch, two at a time.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import yaml
from ganrepro.config_files import load
from workflow_cli import local_config, overlaid, snakemake_command

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared"
SCRIPTS = REPO / "tests" / "slurm"
PROFILES = [REPO / "profiles" / "slurm", REPO / "profiles" / "slurm-test"]
QUICK = load(REPO / "configs" / "mirror.yaml")

KEEP = "dcgan"
# rule -> SLURM jobs for the one run and its one eval epoch (at least; analysis rules, when the
# config has `analysis:`, and a second reference_features for the training images come on top)
COMPUTE_RULES = {
    "train": 1,
    "sample": 1,
    "sample_features": 1,
    "fid": 1,
    "reference_features": 1,
    "reference_statistics": 1,
    "aggregate": 1,
}
LOCAL_RULES = {"prepare_data", "fetch_weights", "all"}


def reduced_config(results: Path) -> dict:
    """configs/mirror.yaml cut down to one short dcgan run (absolute paths, as in
    test_workflow.local_config), to keep the cluster run to a few minutes."""
    cfg = overlaid(local_config(results), {"experiments": {}})
    cfg["experiments"] = copy.deepcopy(QUICK["experiments"])
    cfg["analysis"] = copy.deepcopy(QUICK.get("analysis", {}))
    # one CPU per job: the reference statistics are computed beside the training on 2 cores
    cfg["threads"] = 1
    cfg["datasets"]["cifar10"].update(train_images=500, test_images=100)
    cfg["fid"].update(generated_images=50, reference_images=100)
    cfg["experiments"] = {
        KEEP: {**cfg["experiments"][KEEP], "seeds": [0], "epochs": 1, "eval_epochs": [1]}
    }
    if "analysis" in cfg:  # analyses of the removed experiments go with them
        analysis = cfg["analysis"]
        analysis["runs"] = [exp for exp in analysis.get("runs", []) if exp == KEEP]
        if "kid_subset_size" in analysis:  # at most the generated images
            analysis["kid_subset_size"] = min(analysis["kid_subset_size"], 50)
    return cfg


def test_reduced_config_keeps_one_short_dcgan_run():
    from ganrepro.config_schema import config_schema, validate_config

    cfg = reduced_config(Path("/tmp/results"))
    validate_config(copy.deepcopy(cfg), config_schema(REPO / "schemas" / "config.schema.yaml"))
    assert list(cfg["experiments"]) == [KEEP]
    exp = cfg["experiments"][KEEP]
    assert (exp["seeds"], exp["epochs"], exp["eval_epochs"]) == ([0], 1, [1])
    assert cfg["fid"]["generated_images"] == 50 and cfg["fid"]["reference_images"] == 100


def test_reduced_config_drops_analyses_of_removed_experiments(monkeypatch):
    quick = copy.deepcopy(QUICK)
    quick["analysis"] = {**quick.get("analysis", {}), "runs": ["lr_batch", KEEP]}
    monkeypatch.setitem(globals(), "QUICK", quick)
    assert reduced_config(Path("/tmp/results"))["analysis"]["runs"] == [KEEP]


# -- the cluster --------------------------------------------------------------------------------


def _slurm(*cmd: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=60, check=check)


def _cluster_answers(env: dict) -> bool:
    try:
        out = _slurm("sinfo", "-h", "-N", "-o", "%T", env=env, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and bool(re.search(r"^(idle|mixed|allocated)", out.stdout, re.M))


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """The environment to talk to a running one-node cluster (SLURM_CONF set)."""
    if shutil.which("sbatch") is None:
        pytest.skip("sbatch not found: SLURM is not installed (apt-get install slurm-wlm munge)")
    if not (SHARED / "data" / "cifar10-jpeg").is_dir():
        pytest.skip(f"offline CIFAR-10 copy not found at {SHARED / 'data' / 'cifar10-jpeg'}")
    env = dict(os.environ)
    if env.get("SLURM_CONF") and _cluster_answers(env):
        yield env  # started by .ci/run (or by hand); left running
        return
    state = tmp_path_factory.mktemp("slurm-cluster")
    start = subprocess.run(
        ["bash", str(SCRIPTS / "start_cluster.sh"), str(state)], capture_output=True, text=True
    )
    if start.returncode == 3:
        pytest.skip(start.stderr.strip().splitlines()[-1])
    try:
        assert start.returncode == 0, f"start_cluster.sh failed:\n{start.stdout}\n{start.stderr}"
        env["SLURM_CONF"] = str(state / "slurm.conf")
        yield env
    finally:
        subprocess.run(["bash", str(SCRIPTS / "stop_cluster.sh"), str(state)], check=False)


def _jobcomp(env: dict) -> list[dict]:
    """The jobcomp/filetxt record: one line per finished job, `Key=Value` separated by spaces."""
    config = _slurm("scontrol", "show", "config", env=env).stdout
    match = re.search(r"^JobCompLoc\s*=\s*(\S+)", config, re.M)
    assert match and "filetxt" in config, "the test cluster must use JobCompType=jobcomp/filetxt"
    path = Path(match.group(1))
    lines = path.read_text().splitlines() if path.exists() else []
    return [dict(re.findall(r"(\w+)=(\S*)", line)) for line in lines if line.strip()]


@pytest.fixture(scope="module")
def slurm_run(cluster, tmp_path_factory):
    work = tmp_path_factory.mktemp("slurm-run")
    config = work / "config.yaml"
    config.write_text(yaml.safe_dump(reduced_config(work / "results")))
    # Jobs run `python -m snakemake` with this interpreter (shared filesystem); the venv's bin
    # first on PATH so that anything a job starts by name comes from the same environment.
    env = {
        **cluster,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{cluster.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
    }
    cmd = snakemake_command(work, config)
    for profile in PROFILES:
        cmd += ["--profile", str(profile)]
    started = time.monotonic()
    proc = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=1200)
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(cmd)} failed:\n{log[-6000:]}"
    print(f"workflow through SLURM: {time.monotonic() - started:.0f} s")

    run_id = re.search(r"SLURM run ID: (\S+)", log).group(1)
    submitted = {  # SLURM job id -> rule, as Snakemake reports the submissions
        slurm_id: rule
        for slurm_id, rule in re.findall(
            r"submitted with SLURM jobid (\d+) \(log: \S*/slurm_logs/rule_(\w+?)/", log
        )
    }
    squeue = _slurm(
        "squeue", "--states=all", "-h", "--name", run_id, "-o", "%i|%T|%k", env=env
    ).stdout
    comments = {  # SLURM job id -> comment (rule_<rule>[_wildcards_...]), as SLURM has it
        jid: comment for jid, _, comment in (ln.split("|", 2) for ln in squeue.splitlines())
    }
    records = [r for r in _jobcomp(env) if r.get("Name") == run_id]
    return {
        "work": work, "config": config, "env": env, "log": log, "run_id": run_id,
        "submitted": submitted, "comments": comments, "records": records,
    }  # fmt: skip


@pytest.mark.slurm
def test_compute_jobs_ran_as_completed_slurm_jobs(slurm_run):
    records = {r["JobId"]: r for r in slurm_run["records"]}
    submitted = slurm_run["submitted"]
    # every job Snakemake submitted finished in SLURM, on this run's working directory, and
    # nothing else ran under this run's job name
    assert set(records) == set(submitted), (records, submitted)
    for record in records.values():
        assert record["JobState"] == "COMPLETED", record
        assert record["ExitCode"] == "0:0", record
        assert record["WorkDir"] == str(slurm_run["work"]), record
        assert record["NodeList"] not in ("", "(null)"), record
    # SLURM's own job comments name the rules: every job Snakemake ran outside this process is
    # one SLURM job, none of them of a local rule
    rules = {jid: re.match(r"rule_(\w+?)(_wildcards_|$)", c).group(1)
             for jid, c in slurm_run["comments"].items()}  # fmt: skip
    assert rules == submitted
    slurm_jobs = Counter(rules.values())
    remote_jobs = Counter(re.findall(r"^rule (\w+):$", slurm_run["log"], re.M))
    assert slurm_jobs == remote_jobs
    for rule, n in COMPUTE_RULES.items():
        assert slurm_jobs[rule] >= n, (rule, slurm_jobs)
    for rule in ("train", "sample", "sample_features", "fid"):
        assert slurm_jobs[rule] == 1, (rule, slurm_jobs)
    assert not LOCAL_RULES & set(slurm_jobs)


@pytest.mark.slurm
def test_local_rules_ran_on_the_submitting_host(slurm_run):
    log = slurm_run["log"]
    for rule in LOCAL_RULES:
        assert re.search(rf"^localrule {rule}:", log, re.M), rule
    for rule in COMPUTE_RULES:
        assert not re.search(rf"^localrule {rule}:", log, re.M), rule
    assert not list((slurm_run["work"] / ".snakemake" / "slurm_logs").glob("rule_prepare_data"))


@pytest.mark.slurm
def test_profile_resources_reach_sbatch(slurm_run):
    """The first attempt's runtime (minutes) and memory of profiles/slurm(-test), as SLURM
    recorded them: TimeLimit and the memory in Tres."""
    test_profile = yaml.safe_load((PROFILES[1] / "config.yaml").read_text())["set-resources"]
    by_rule = {slurm_run["submitted"][r["JobId"]]: r for r in slurm_run["records"]}
    for rule, resources in test_profile.items():
        runtime = int(eval(str(resources["runtime"]), {"attempt": 1}))
        mem = int(eval(str(resources["mem_mb"]), {"attempt": 1}))
        assert by_rule[rule]["TimeLimit"] == str(runtime), by_rule[rule]
        assert f"mem={mem}M" in by_rule[rule]["Tres"], by_rule[rule]
    # rules without set-resources get the profile's default-resources
    default = yaml.safe_load((PROFILES[0] / "config.yaml").read_text())["default-resources"]
    assert by_rule["fid"]["TimeLimit"] == str(int(eval(default["runtime"], {"attempt": 1})))


@pytest.mark.slurm
def test_fid_scored_and_report_built(slurm_run):
    work, results = slurm_run["work"], slurm_run["work"] / "results"
    scores = list(results.glob("runs/dcgan-*-s0/fid/epoch0001.json"))
    assert len(scores) == 1
    score = json.loads(scores[0].read_text())
    assert 0 < score["fid"] < 1000 and score["protocol"]["n_generated"] == 50

    report = work / "report.html"
    cmd = snakemake_command(work, slurm_run["config"], "--report", str(report))
    proc = subprocess.run(cmd, cwd=work, env=slurm_run["env"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    html = report.read_text(errors="replace")
    for name in ("fid_summary.csv", "fid_vs_epoch.png", "dcgan.png", "epoch0001.png"):
        assert name in html
