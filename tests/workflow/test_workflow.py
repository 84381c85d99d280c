"""The workflow as users run it: config validation, one end-to-end quick run, caching.

The quick run (configs/mirror.yaml, results in a temporary folder) takes a few minutes on 2 cores;
every test of this module reads its outputs, so it runs once.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
import yaml
from ganrepro.config_files import load
from ganrepro.config_schema import config_schema, validate_config
from ganrepro.experiments import expand_runs, run_folders, trained_as
from workflow_cli import QUICK, REPO, SHARED, local_config, planned_jobs, snakemake

SCHEMA = config_schema(REPO / "schemas" / "config.schema.yaml")
FULL = load(REPO / "config.yaml")


# -- validation: fast, in-process, with the schema the Snakefile uses ----------------------------


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda c: c["experiments"]["dcgan"].update(lrr=0.1), "lrr"),
        (
            lambda c: c["experiments"]["dcgan"].update(batch_size="64"),
            "'64' is not of type 'integer'",
        ),
        (lambda c: c["experiments"]["dcgan"].update(model="dcgann"), "'dcgann' is not one of"),
        (
            lambda c: c["experiments"]["dcgan"].update(lr=-0.1),
            "-0.1 is less than or equal to the minimum of 0",
        ),
        (lambda c: c["fid"].update(weigths="x"), "weigths"),
    ],
)
def test_schema_rejects_bad_config(edit, message):
    cfg = copy.deepcopy(QUICK)
    edit(cfg)
    with pytest.raises(ValueError, match=re.escape(message)):
        validate_config(cfg, SCHEMA)


def test_shipped_configs_are_valid_and_run_the_same_experiments():
    for cfg in (QUICK, FULL):
        validate_config(copy.deepcopy(cfg), SCHEMA)
    assert list(QUICK["experiments"]) == list(FULL["experiments"])


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda c: c["experiments"]["lr_batch_grid"]["grid"]["lr"].append(-1.0),
            "experiments.lr_batch_grid: lr: -1.0 is less than or equal to the minimum of 0",
        ),
        (
            lambda c: c["experiments"]["dcgan"].update(model_options={"dropuot": 0.3}),
            "experiments.dcgan: model_options ['dropuot'] are not options of model 'dcgan'",
        ),
        (
            lambda c: c["experiments"]["families"]["variants"]["dcgan"].update(loss="hindge"),
            "config: experiments.families.variants.dcgan.loss: 'hindge' is not one of",
        ),
        (
            lambda c: c["experiments"]["dcgan"].update(batch_size="64"),
            "config: experiments.dcgan.batch_size: '64' is not of type 'integer'",
        ),
    ],
)
def test_workflow_stops_before_any_job_naming_experiment_and_key(tmp_path, edit, message):
    cfg = local_config(tmp_path / "results")
    edit(cfg)
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(cfg))
    proc = snakemake(tmp_path, tmp_path / "bad.yaml", "-n", check=False)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert message in out, out[-2000:]
    assert "Job stats" not in out and not (tmp_path / "results").exists()


def test_dry_run_of_the_quick_config_prints_no_wall(tmp_path):
    """Small params and a few inputs per job: no line of `snakemake -n` (params, inputs,
    reasons) is a wall of thousands of characters."""
    config = tmp_path / "quick.yaml"
    cfg = local_config(tmp_path / "results")
    cfg["results"] = "results"  # as shipped: relative to the working directory
    config.write_text(yaml.safe_dump(cfg, sort_keys=False))  # keep the config's order
    out = snakemake(tmp_path, config, "-n").stdout
    assert "Job stats" in out
    longest = max(out.splitlines(), key=len)
    assert len(longest) <= 1000, longest[:300]


# -- one end-to-end quick run ----------------------------------------------------------------------


def expected_runs_and_rows(cfg: dict) -> tuple[dict, dict]:
    """Runs and FID rows per experiment, counted from the YAML by hand: seeds x grid points x
    variants runs, each scored at its eval epochs (plus its last epoch)."""
    runs, rows = {}, {}
    for name, exp in cfg["experiments"].items():
        merged = {**cfg["defaults"], **exp}
        n = len(merged["seeds"]) * max(1, len(exp.get("variants", {})))
        for values in exp.get("grid", {}).values():
            n *= len(values)
        runs[name] = n
        rows[name] = n * len({*merged["eval_epochs"], merged["epochs"]})
    return runs, rows


def trained_runs(cfg: dict) -> set[str]:
    """The run folders of a config: jobs exist per folder (members of several experiments that
    train the same weights share one)."""
    return set(trained_as(expand_runs(cfg)).values())


def folder_of(config: Path, member: str) -> str:
    """The run folder a member of the config file refers to."""
    return expand_runs(load(config))[member].folder


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    if not (SHARED / "data" / "cifar10-jpeg").is_dir():
        pytest.skip(f"offline CIFAR-10 copy not found at {SHARED / 'data' / 'cifar10-jpeg'}")
    work = tmp_path_factory.mktemp("quick")
    config = work / "config.yaml"
    cfg = local_config(work / "results")
    cfg["results"] = "results"  # relative to the working directory, as shipped
    config.write_text(yaml.safe_dump(cfg, sort_keys=False))  # keep the config's order
    snakemake(work, config, "--cores", "2")
    return work, config


@pytest.mark.slow
def test_quick_run_produces_tables_with_measured_fids(quick_run):
    work, config = quick_run
    results = work / "results"
    by_epoch = pd.read_csv(results / "tables" / "fid_by_epoch.csv")
    runs, rows = expected_runs_and_rows(QUICK)
    assert by_epoch.groupby("experiment").run.nunique().to_dict() == runs
    assert by_epoch.groupby("experiment").size().to_dict() == rows
    assert by_epoch.fid.between(1, 1000).all() and (by_epoch.status == "ok").all()
    # every family of lib/ganrepro/models trained through the workflow and has a FID row
    from ganrepro.models import FAMILIES

    assert set(by_epoch.model) == set(FAMILIES)
    # the table's numbers are the score files' numbers; a run's last epoch has
    # fid.generated_images samples (and a score of its first intermediate_images), the others
    # fid.intermediate_images
    # a folder's epochs that are some member's last (a shared folder may end several members)
    member_last = by_epoch.groupby("run").epoch.max()
    final_epochs = (
        by_epoch.assign(final=by_epoch.run.map(member_last)).groupby("trained_as")["final"].agg(set)
    )
    n_final, n_curve = QUICK["fid"]["generated_images"], QUICK["fid"]["intermediate_images"]
    for _, row in by_epoch.iterrows():
        score = json.loads(
            (results / "runs" / row.trained_as / "fid" / f"epoch{row.epoch:04d}.json").read_text()
        )
        assert score["run"] == row.trained_as
        assert math.isclose(score["fid"], row.fid)
        last = row.epoch in final_epochs[row.trained_as]
        assert score["protocol"]["n_generated"] == (n_final if last else n_curve)
        assert [s["n"] for s in score.get("fid_subsets", [])] == ([n_curve] if last else [])
        assert row.n_curve == n_curve
        assert score["protocol"]["reference"]["n_images"] == 200
        assert score["protocol"]["frechet"] == QUICK["fid"]["frechet"]
        backends = score["protocol"]["features_backend"]
        assert backends["generated"] == backends["reference"]
    assert set(by_epoch.reference) == {"cifar10:test[200]", "cifar10_64:test[200]"}
    # members of several experiments that train the same weights share one run folder,
    # trained and scored once and listed in each
    members = by_epoch.groupby("trained_as").experiment.nunique()
    assert (members > 1).any()
    trained = {p.name for p in (results / "runs").iterdir()}
    assert set(by_epoch.trained_as) == trained == trained_runs(load(config))
    # fid.backend auto on this CPU-only machine: ONNX Runtime computed every feature
    assert by_epoch.features_backend.str.startswith("onnxruntime").all()
    assert by_epoch.fid_warnings.str.contains("2048").all()  # small-sample FIDs say so

    dcgan = pd.read_csv(results / "tables" / "experiments" / "dcgan.csv", dtype=str)
    assert list(dcgan.seed) == ["0", "1", "mean ± std (2 seeds)"]
    finals = by_epoch[(by_epoch.experiment == "dcgan") & (by_epoch.epoch == 2)].fid
    assert dcgan.final_fid.iloc[2] == f"{finals.mean():.2f} ± {finals.std(ddof=1):.2f}"
    grid = pd.read_csv(results / "tables" / "experiments" / "lr_batch_grid.csv")
    assert {"lr", "batch_size"} <= set(grid.columns) and len(grid) == 2
    # every experiment has its comparison: one CSV row per reference value (a mean/std/min
    # entry: one per statistic); without references, the page says so in one line
    comparisons = results / "tables" / "comparisons"
    for name, exp in QUICK["experiments"].items():
        table = pd.read_csv(comparisons / f"{name}.csv", dtype=str)
        page = (comparisons / f"{name}.html").read_text()
        refs = exp.get("reference", [])
        values = [k for r in refs for k in ("value", "mean", "std", "min") if k in r]
        assert len(table) == len(values) and table.reference.notna().all(), name
        if not refs:
            assert "No reference values" in page and "<table" not in page, name
        if any("jpeg" in r.get("protocol", {}) for r in refs):  # our copy is JPEG: said once
            assert table["protocol differs"].str.contains("jpeg").all(), name
            assert page.count("jpeg (no vs ours yes)") == table.table.nunique(), name
    # 003's four rows in its order, ours beside each, no difference: ImageNet dogs vs CIFAR-10
    rows = pd.read_csv(comparisons / "lr_batch.csv", dtype=str)
    assert rows.setting.tolist() == list(QUICK["experiments"]["lr_batch"]["variants"])
    assert rows.row.tolist() == ["row 1", "row 2", "row 3", "row 4"]
    assert rows.ours.notna().all() and rows.difference.isna().all()
    assert (rows["not compared"] == "dataset differs (ImageNet dogs vs CIFAR-10)").all()
    # 000's epochs 100-300 and 001's 970-976 (and its 1,000-epoch statistics): beyond our 2
    not_reached = r"not reached \((epoch \d+|1000 epochs) vs our 2\)$"
    for name in ("dcgan_000", "dcgan_sagan_001"):
        beyond = pd.read_csv(comparisons / f"{name}.csv", dtype=str)
        assert beyond.ours.isna().all() and beyond.difference.isna().all(), name
        assert beyond["not compared"].str.match(not_reached).all(), name

    dcgan_run = folder_of(work / "config.yaml", "dcgan-s0")
    losses = pd.read_csv(results / "runs" / dcgan_run / "losses" / "epoch0002.csv")
    assert len(losses) == 2 * (1000 // 50) and losses.d_loss.notna().all()
    for png in [results / "plots" / "fid_vs_epoch.png", *results.glob("runs/*/samples/*.png")]:
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_quick_run_leaves_tensorboard_curves_of_every_step_and_score(quick_run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    work, _ = quick_run
    run = work / "results" / "runs" / folder_of(work / "config.yaml", "dcgan-s0")

    def read(kind):
        acc = EventAccumulator(str(run / "tensorboard" / kind), size_guidance={"scalars": 0})
        acc.Reload()
        return acc

    train, scores = read("train"), read("eval")
    steps = 2 * (1000 // 50)  # 2 epochs of 20 batches
    assert [e.step for e in train.Scalars("loss/D")] == list(range(steps))
    assert {"loss/G", "lr/G", "lr/D"} <= set(train.Tags()["scalars"])
    assert len(train.Tags()["images"]) == 1  # the fixed-noise grid, once per checkpoint
    fids = {e.step: e.value for e in scores.Scalars("FID")}
    for epoch in (1, 2):
        score = json.loads((run / "fid" / f"epoch{epoch:04d}.json").read_text())
        assert math.isclose(fids[epoch], score["fid"], rel_tol=1e-6)  # float32 in the events
    assert [e.step for e in scores.Scalars("KID")] == [2]  # the analysed run's final epoch


@pytest.mark.slow
def test_every_run_of_the_quick_config_has_ds_health_in_tensorboard_tables_and_report(quick_run):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    work, config = quick_run
    results = work / "results"
    folders = trained_runs(load(config))  # the fixture's config: its data, its folder names
    assert len(folders) > 10
    for folder in folders:
        run = results / "runs" / folder
        acc = EventAccumulator(str(run / "tensorboard" / "train"), size_guidance={"scalars": 0})
        acc.Reload()
        tags = set(acc.Tags()["scalars"])
        assert {"D/accuracy", "grad_norm/D", "grad_norm/G", "D_logit/real"} <= tags, folder
        # every step of D's gradient norm, positive; accuracy a share
        steps = [e.step for e in acc.Scalars("loss/D")]
        assert [e.step for e in acc.Scalars("grad_norm/D")] == steps
        assert all(e.value > 0 for e in acc.Scalars("grad_norm/D"))
        assert all(0 <= e.value <= 1 for e in acc.Scalars("D/accuracy"))
        health = pd.read_csv(run / "health.csv")
        assert health.epoch.tolist() == sorted(set(health.epoch)) and len(health) >= 1
        assert health.grad_norm_d.gt(0).all() and health.d_accuracy.between(0, 1).all()
        assert (health.d_gap - (health.d_real - health.d_fake)).abs().max() < 1e-9
        sigma = [c for c in health.columns if c.startswith("sigma/")]
        spectral = {t for t in tags if t.startswith("sigma/")}
        assert set(sigma) == spectral, folder  # the same layers in both
        assert health[sigma].gt(0).all().all()
    # spectral norm where a family has it: SN-GAN's D, SAGAN's G and D
    summaries = [json.loads((results / "runs" / f / "summary.json").read_text()) for f in folders]
    with_sn = {s["run"].split("-")[0] for s in summaries if s["spectral"].get("step")}
    assert {"sngan", "sagan"} <= with_sn and "mlp" not in with_sn
    for exp in QUICK["experiments"]:
        assert (results / "plots" / "health" / f"{exp}.png").read_bytes()[:4] == b"\x89PNG"


# rules that run in Snakemake's own process or only collect: no benchmark file of their own
UNMEASURED_RULES = {"all", "manifest", "run_summary", "costs"}


@pytest.mark.slow
def test_every_compute_job_has_a_benchmark_and_the_cost_table_sums_them(quick_run):
    work, _ = quick_run
    results = work / "results"
    log = min((work / ".snakemake" / "log").glob("*.snakemake.log"))  # the fixture's run
    stats = log.read_text().split("Job stats:", 1)[1].split("total", 1)[0]
    ran = Counter({m[0]: int(m[1]) for m in re.findall(r"^(\w+)\s+(\d+)$", stats, re.M)})
    assert ran["train"] > 0
    measured = Counter(
        p.relative_to(results / "benchmarks").parts[0]
        for p in (results / "benchmarks").rglob("*.tsv")
    )
    assert measured == Counter({r: n for r, n in ran.items() if r not in UNMEASURED_RULES})
    # the cost tables: every file once, summed as the files say
    files = list((results / "benchmarks").rglob("*.tsv"))
    seconds = sum(pd.read_csv(f, sep="\t")["s"].iloc[-1] for f in files)
    jobs = pd.read_csv(results / "tables" / "costs" / "jobs.csv")
    assert len(jobs) == len(files)
    total = pd.read_csv(results / "tables" / "costs" / "experiments.csv").iloc[-1]
    assert total.experiment == "total" and total.jobs == len(files)
    assert math.isclose(total.wall_h * 3600, seconds, rel_tol=1e-9)
    runs = pd.read_csv(results / "tables" / "costs" / "runs.csv")
    assert set(runs.run) == {p.name for p in (results / "runs").iterdir()}
    import torch  # the jobs ran on this machine: their logs name its kernels

    kernels = torch.backends.cpu.get_cpu_capability()
    assert (runs.train_jobs_unmeasured == 0).all() and (runs.device == f"cpu ({kernels})").all()
    assert (runs.train_images_per_s > 0).all() and (runs.peak_rss_mb > 0).all()
    dcgan = runs.set_index("run").loc[folder_of(work / "config.yaml", "dcgan-s0")]
    assert dcgan.images_seen == 2 * (1000 // 50) * 50  # 2 epochs of 20 batches of 50
    page = (results / "tables" / "costs.html").read_text()
    assert "Per run" in page and "total" in page


@pytest.mark.slow
def test_exported_pngs_score_the_pipelines_fid(quick_run):
    """(After the benchmark test: its export jobs come after the cost table.) The README's
    cross-check input: rule export_png's PNGs of a run's samples and of the
    reference split give, through ganrepro.evaluation.crosscheck, the FID the pipeline computed."""
    from ganrepro.evaluation.crosscheck import our_fid

    work, config = quick_run
    results = work / "results"
    run = folder_of(config, "dcgan-s0")
    (test_split,) = (results / "data" / "cifar10").glob("test-*.npz")  # all 200: the reference
    samples = f"results/png/{run}/epoch0002"
    real = f"results/png/data/cifar10/{test_split.stem}"
    snakemake(work, config, "--cores", "1", samples, real)
    assert len(list((work / samples).glob("*.png"))) == QUICK["fid"]["generated_images"]
    assert len(list((work / real).glob("*.png"))) == 200
    fid = json.loads((results / "runs" / run / "fid" / "epoch0002.json").read_text())["fid"]
    ours = our_fid(work / samples, work / real, results / "weights" / "fid_inception.pth")
    assert ours == pytest.approx(fid, rel=1e-3)  # torch features here, ONNX Runtime's there


@pytest.mark.slow
def test_reference_statistics_are_pytorch_fid_format(quick_run):
    work, _ = quick_run
    import numpy as np

    # keyed by the test split's definition: cifar10-test-<key>-n200
    (path,) = (work / "results" / "fid_ref").glob("cifar10-test-*-n200.npz")
    stats = np.load(path)
    assert stats["mu"].shape == (2048,) and stats["sigma"].shape == (2048, 2048)
    assert int(stats["n"]) == 200


@pytest.mark.slow
def test_second_invocation_has_nothing_to_do(quick_run):
    work, config = quick_run
    proc = snakemake(work, config, "-n")
    assert "Nothing to be done" in proc.stdout + proc.stderr


@pytest.mark.slow
def test_editing_one_experiments_lr_reruns_only_its_jobs(quick_run):
    work, config = quick_run
    cfg = load(config)
    cfg["experiments"]["dcgan"]["lr"] = 0.0003
    edited = work / "edited.yaml"
    edited.write_text(yaml.safe_dump(cfg, sort_keys=False))  # the same order: the same sharing
    out = snakemake(work, edited, "-n").stdout
    assert max(map(len, out.splitlines())) <= 1000
    jobs = [(rule, w["run"]) for rule, w in planned_jobs(out) if "run" in w]
    assert jobs, out
    # exactly the runs that are new: dcgan's two seeds; the experiments that trained the same
    # weights as dcgan (dcgan_000, ...) keep their run folder and re-run nothing
    new = trained_runs(cfg) - trained_runs(load(config))
    assert {run for _, run in jobs} == new and len(new) == 2
    folders = run_folders(expand_runs(cfg))
    counts = pd.Series([rule for rule, _ in jobs]).value_counts().to_dict()
    # a job per new run and checkpoint; the analyses of dcgan's first run follow it
    n = sum(len(folders[r].checkpoint_epochs) for r in new)
    per_checkpoint = {"train": n, "sample": n, "sample_features": n, "fid": n}
    assert {r: n for r, n in counts.items() if r in per_checkpoint} == per_checkpoint
    assert counts.get("run_summary") == len(new)  # the new runs' summaries, no other
    analyses = set(counts) - set(per_checkpoint) - {"run_summary"}
    assert analyses <= {
        "kid",
        "prdc",
        "inception_score",
        "diversity",
        "memorisation",
        "evolution",
        "interpolation",
        "inversion",
    }, analyses
    assert re.search(r"^rule aggregate:", out, re.M)
    # only the edited experiment's table is made again
    tables = [w["exp"] for rule, w in planned_jobs(out) if rule == "experiment_tables"]
    assert sorted(tables) == ["dcgan"] == sorted({e for r in new for e in folders[r].experiments})
    assert not re.search(
        r"^(local)?rule (prepare_data|fetch_weights|reference_features):", out, re.M
    )


@pytest.mark.slow
def test_report_builds_with_tables_plots_and_grids(quick_run):
    import base64

    work, config = quick_run
    report = work / "report.html"
    snakemake(work, config, "--report", str(report))
    html = report.read_text(errors="replace")
    for name in ("fid_summary.csv", "fid_vs_epoch.png", "dcgan.png", "epoch0002.png"):
        assert name in html
    for exp in QUICK["experiments"]:  # per experiment: comparison, FID vs epoch, ablation
        for name in (f"{exp}.html", f"{exp}.fid_vs_epoch.png", f"{exp}.ablation.png"):
            assert name in html, name
    # the front page names the config file it was built from, by name (no machine path)
    assert config.name in html
    # navigation: categories in the order of the flow, a subcategory per experiment
    categories, results = report_data(html, "categories"), report_data(html, "results")
    flow = ["1 Data", "2 Training", "3 FID", "4 Ablations", "5 Analyses", "6 Cost"]
    assert sorted(categories) == flow
    experiments = set(QUICK["experiments"])
    assert set(categories["1 Data"]) == {"cifar10", "cifar10_64"}
    assert set(categories["3 FID"]) == experiments | {"(all experiments)"}
    assert set(categories["2 Training"]) == experiments == set(categories["4 Ablations"])
    assert set(categories["5 Analyses"]) == {"dcgan", "(all experiments)"}
    dcgan = [results[p] for p in categories["2 Training"]["dcgan"]]
    grids = [r for r in dcgan if r["labels"].get("item") == "3 samples"]
    assert len(grids) == 2 * 2  # two seeds, two epochs: each labelled with all three
    assert {(g["labels"]["seed"], g["labels"]["epoch"]) for g in grids} == {
        (s, e) for s in ("0", "1") for e in ("0001", "0002")
    }
    assert all(r["labels"] for r in results.values())  # every item is labelled
    # short and human: setting, seed, epoch; no run folder (its hash says nothing to a reader)
    assert not any("run" in r["labels"] for r in results.values())
    assert not any(
        re.search(r"[0-9a-f]{8}", v) for r in results.values() for v in r["labels"].values()
    )
    # every table on the page: a CSV of tables/ has its page beside it, in the same place
    # (tables/costs/*.csv: tables/costs.html), and the CSV stays to download
    place = {p: (c, sub) for c, subs in categories.items() for sub, ps in subs.items() for p in ps}
    csvs = [p for p in results if p.endswith(".csv") and "/tables/" in p]
    assert len(csvs) >= 7 + len(QUICK["experiments"]), csvs
    for csv in csvs:
        twins = [csv.removesuffix(".csv") + ".html", str(Path(csv).parent) + ".html"]
        page = next((t for t in twins if t in results), None)
        assert page and place[page] == place[csv], csv
        assert results[page]["mime_type"] == "text/html"
        text = base64.b64decode(results[page]["data_uri"].split(",", 1)[1]).decode()
        assert "<table" in text and "weights_sha256" not in text and str(work) not in text, page


def report_data(html: str, name: str) -> dict:
    """A JSON object the report's page carries in ``var <name> = ...;``."""
    found = re.search(rf'<script id="{name}">\s*var {name} = (.*?);\s*</script>', html, re.S)
    assert found, name
    return json.loads(found.group(1))


@pytest.mark.slow
def test_quick_run_analyses_the_first_dcgan_run_and_reports_it(quick_run):
    """rules/analysis.smk in the quick run: KID, IS (refused: the offline weights' classifier is
    zero), MS-SSIM, memorisation, inversion in one table; the figures in the report."""
    work, config = quick_run
    results = work / "results"
    table = pd.read_csv(results / "tables" / "analysis.csv")
    assert table.run.nunique() == 1 and table.run.iloc[0] == folder_of(config, "dcgan-s0")
    run, t = table.run.iloc[0], table.set_index("metric")
    out = results / "analysis" / run / "epoch0002"
    kid = json.loads((out / "kid.json").read_text())
    assert t.loc["KID", "status"] == "ok" and math.isclose(t.loc["KID", "value"], kid["kid"])
    assert kid["protocol"]["n_generated"] == QUICK["fid"]["generated_images"]
    assert t.loc["KID", "reference"] == "cifar10:test[200]" and t.loc["KID", "weights_sha256"]
    score = json.loads((out / "inception_score.json").read_text())
    assert score["inception_score"] is None and score["status"] == "unavailable"
    assert math.isnan(t.loc["Inception Score", "value"])
    ms_gen, ms_real = (t.loc[f"MS-SSIM ({w} pairs)", "value"] for w in ("generated", "real"))
    assert 0 < ms_real < 1 and 0 < ms_gen <= 1
    assert t.loc["NN distance ratio (generated/test → train)", "value"] > 0
    inversion = pd.read_csv(out / "inversion.csv")
    assert inversion["index"].tolist() == QUICK["analysis"]["inversion_indices"]
    assert inversion.psnr_db.between(0, 60).all()
    from PIL import Image

    assert Image.open(results / "analysis" / run / "evolution.gif").n_frames == 2  # epochs 1, 2
    report = work / "report_analysis.html"
    snakemake(work, config, "--report", str(report))
    html = report.read_text(errors="replace")
    for name in (
        "analysis.csv",
        "evolution.png",
        "evolution.html",
        "interpolation.png",
        "memorisation_neighbours.png",
        "memorisation_distances.png",
        "inversion.png",
        "inversion.csv",
        "morph.png",
    ):
        assert name in html, name


@pytest.mark.slow
def test_code_edits_rerun_nothing_until_the_readme_command_asks(quick_run, tmp_path):
    """A comment edited in train.py re-runs nothing, and the provenance command lists nothing;
    a real edit of the sampling code makes the README's command re-make the samples (and what
    follows from them), never the training."""
    import os
    import shutil
    import subprocess
    import sys

    work, config = quick_run
    repo = tmp_path / "repo"  # a copy of the code to edit, run on the quick run's results
    repo.mkdir()
    for part in ("Snakefile", "rules", "scripts", "lib", "schemas", "report", "profiles", "envs"):
        src = REPO / part
        (shutil.copytree if src.is_dir() else shutil.copy)(src, repo / part)

    def plan(*args):
        return snakemake(work, config, "-n", *args, snakefile=repo / "Snakefile").stdout

    def changed():  # as the README runs it: from the working directory, on `results`
        cmd = [sys.executable, "-m", "ganrepro.provenance", "results"]
        env = {**os.environ, "PYTHONPATH": str(repo / "lib")}
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env, cwd=work)
        return proc.stdout.split()

    train = repo / "lib" / "ganrepro" / "training" / "train.py"
    train.write_text(train.read_text().replace("# -- the loop --", "# -- the loop (edited) --"))
    assert "Nothing to be done" in plan()
    assert changed() == []

    gen = repo / "lib" / "ganrepro" / "training" / "generate.py"
    gen.write_text(gen.read_text().replace("batch_size: int = 500", "batch_size: int = 250"))
    stale = changed()
    samples = sorted(str(p.relative_to(work)) for p in work.glob("results/runs/*/samples/*.npz"))
    assert sorted(p for p in stale if "/samples/" in p) == samples
    assert not [p for p in stale if "/checkpoints/" in p or "/features/" in p]
    jobs = pd.Series([rule for rule, _ in planned_jobs(plan("--forcerun", *stale))])
    counts = jobs.value_counts().to_dict()
    assert "train" not in counts
    assert counts["sample"] == counts["sample_features"] == counts["fid"] == len(samples)
