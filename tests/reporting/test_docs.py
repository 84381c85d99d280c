"""The generated documents: README.md's generated blocks, docs/results.md, its figures and
bench/README.md's index equal a fresh generation from the committed records (no number in them
is typed by hand), and the generator says where each number comes from."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from ganrepro.config_files import load
from ganrepro.experiments import expand_runs, trained_as
from ganrepro.reporting import docs
from ganrepro.reporting import records as records_module
from ganrepro.reporting.records import read_record, write_record
from table_rows import laptop_record_rows

REPO = Path(__file__).resolve().parents[2]


def test_readme_and_docs_equal_a_fresh_generation_from_the_records():
    problems = docs.check()
    assert not problems, "\n\n".join(problems) + "\n\nregenerate: python -m ganrepro.reporting.docs"


def test_readme_is_for_users_short_and_leads_with_the_quick_start():
    text = (REPO / "README.md").read_text()
    assert len(text.splitlines()) <= 200
    first_fence = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    assert "configs/first_run.yaml" in first_fence and "--report" in first_fence
    assert "pip install -e ." in first_fence and "[test]" not in first_fence


def test_no_result_outside_the_generated_blocks_of_the_readme():
    """Outside its generated blocks the README holds no measured number: no dates, no FIDs,
    no speeds or times (the generated blocks hold those, from records)."""
    text = re.sub(
        r"<!-- begin generated: (\w+) -->.*?<!-- end generated: \1 -->",
        "",
        (REPO / "README.md").read_text(),
        flags=re.S,
    )
    assert not re.search(r"20\d\d-\d\d-\d\d", text)
    assert not re.search(r"\d+(\.\d+)?\s*(images/s|min\b|GB\b|s per)", text)
    assert not re.search(r"FID\s+\*?\*?\d", text)


def test_the_configs_table_counts_each_configs_trained_runs():
    table = docs.configs_table()
    for name in docs.CONFIGS:
        config = load(REPO / name)
        runs = len(set(trained_as(expand_runs(config)).values()))
        assert f"| `{name}` |" in table and re.search(
            rf"`{re.escape(name)}` \|[^|]*\| {runs} \|", table
        )


def fake_recipe_rows() -> list[dict]:
    def row(variant, fid, code):
        return {
            "variant": variant,
            "run": f"r-{variant}",
            "status": "ok",
            "epochs": 12,
            "images_seen": 600000,
            "fid_final": fid,
            "n_final": 5000,
            "curve": f"{fid + 100:.1f} / {fid + 10:.1f}",
            "curve_epochs": "6 / 12",
            "n_curve": 1000,
            "contrast": 0.3,
            "train_min": 30.0,
            "wall_min": 40.0,
            "peak_rss_gb": 1.0,
            "code_version": code,
            "change": float("nan"),
        }

    return [row("1_base", 80.0, "aaa"), row("2_more", 60.0, "aaa"), row("2a_side", 70.0, "bbb")]


def test_a_results_document_from_made_up_records_says_where_each_number_comes_from(tmp_path):
    records = tmp_path / "records"
    write_record(
        "recipe",
        fake_recipe_rows()[:2],
        threads=2,
        command="cmd one",
        directory=records,
        date="2026-01-01",
    )
    write_record(
        "recipe",
        fake_recipe_rows()[2:],
        threads=2,
        command="cmd two",
        directory=records,
        date="2026-01-02",
    )
    write_record(
        "fid_features",
        [{"side": "ours", "images_per_s": 16.5, "ratio": 2.4}],
        threads=2,
        command="python -m bench run fid_features --n 500",
        directory=records,
        date="2026-01-03",
    )
    text = docs.results_markdown(records)
    # the ladder spans both records; each row's change is from its base row, side rows included
    ladder = text.split("## The quality ladder")[1].split("\n## ")[0]
    assert "2026-01-01-recipe.csv" in ladder and "2026-01-02-recipe.csv" in ladder
    assert "| `2_more` | 600,000 | 60.0 | -20.0 |" in ladder
    assert "| `2a_side` | 600,000 | 70.0 | +10.0 |" in ladder  # against row 2, not row 1
    assert "measured under 2 code versions" in ladder
    # a benchmark without its own renderer: its columns, and the record's provenance line
    features = text.split("## FID features")[1].split("\n## ")[0]
    assert "| side | images_per_s | ratio |" in features and "| ours | 16.50 | 2.400 |" in features
    assert (
        "2026-01-03-fid_features.csv" in features and "python -m bench run fid_features" in features
    )
    assert "threads" in features and "commit" in features
    # benchmarks with no record say how to make one
    assert "No record yet: `python -m bench run dry_run` writes one." in text


def test_the_laptop_tier_section_puts_dcgan_and_the_published_fid_beside_each_family(tmp_path):
    records = tmp_path / "records"
    command = "python -m bench run laptop_results --measure-untrained"
    write_record("laptop_results", laptop_record_rows(), threads=2, command=command,
                 directory=records, date="2026-01-01")  # fmt: skip
    section = docs.results_markdown(records).split("## The laptop tier")[1].split("\n## ")[0]
    assert "2026-01-01-laptop_results.csv" in section and command in section
    table = [line for line in section.splitlines() if line.startswith("| `")]
    assert table == [
        "| `dcgan` | 2 | 200,000 | 1,560 | 60.0 ± 2.0 | 70.0 | 70.0 (200k images) | 1.00 | yes "
        "| — | 40 | 250 |",
        "| `sngan` | 1 | 200,000 | 312 | 150.0 | 160.0 | 110.0 (312 G steps) | 1.45 | yes "
        "| 13.25 | 48 | 250 |",
    ]
    assert "| family | seeds | images seen | G steps | final FID (5,000) | curve FID (1,000) |" in (
        section
    )
    assert "an untrained DCGAN G scores 400.0 on 1,000 samples" in section
    assert "the whole run took 100 min (12 of them shared jobs" in section
    assert "- `sngan`: Miyato et al. 2018. Ours differs: width 32; 312 G steps." in section
    assert "- `dcgan`: Radford et al. 2016\n" in section  # no deviations column: none said
    assert (
        "- `sngan`: 13.25, PyTorch-StudioGAN README: CIFAR10 (3x32x32), row SNGAN (best). Protocol "
        "differs: jpeg (False vs ours True); generated_images (10000 vs ours 5000). Theirs: a "
        "class-conditional ResNet." in section
    )
    assert "- `dcgan`: nan" not in section  # no published number, no line
    assert (
        "Our FIDs: CIFAR-10 at 32 px, JPEG copy; against cifar10:test[10000] with pytorch-fid's "
        "Inception (weights sha256 b0f6a8f2b0e1…, features by onnxruntime); the runs' code "
        "versions: c0ffee." in section
    )
    assert "(figures/laptop_fid.png)" in section
    assert docs.LAPTOP_FIGURE == "docs/figures/laptop_fid.png"
    assert set(docs.figures(tmp_path, records)) == {tmp_path / docs.LAPTOP_FIGURE}
    # the README: the families beside the published FIDs, and the tier's measured cost
    headline = docs.headline(records)
    assert "| `sngan` | 312 | 150.0 | yes | 13.25 |" in headline
    assert "200,000 images seen by D each" in headline
    cost = docs.measured_cost("configs/laptop.yaml", docs.by_benchmark(records))
    assert cost == "100 min, every job ([2026-01-01](bench/records/2026-01-01-laptop_results.csv))"
    # a family trained beyond DCGAN's last scored point has nothing to be compared with
    rows = laptop_record_rows()
    rows[1].update(dcgan_same_budget=float("nan"), ratio=float("nan"), learns=None,
                   wall_min=float("nan"))  # fmt: skip
    write_record("laptop_results", rows, threads=2, command=command, directory=records,
                 date="2026-01-02")  # fmt: skip
    latest = docs.results_markdown(records).split("## The laptop tier")[1].split("\n## ")[0]
    assert "| 150.0 | 160.0 | — (none at that budget) | — | — | 13.25 | — | 250 |" in latest
    assert "Missing the check" not in latest  # nothing to compare with is not a miss
    assert "(1 earlier records in bench/records.)" in latest


def test_a_family_that_misses_the_learning_check_shows_the_probes_of_its_settings(tmp_path):
    records = tmp_path / "records"
    rows = laptop_record_rows()
    rows[1].update(ratio=1.8, learns=False)  # sngan misses
    write_record("laptop_results", rows, threads=2, command="l", directory=records)

    def probe(experiment, variant, overrides, curve, accuracy):
        return {"experiment": experiment, "variant": variant, "seed": 0, "fid": 1.0,
                "n_fid": 1000, "images_seen": 100_000, "g_steps": 312, "overrides": overrides,
                "curve": curve, "curve_epochs": "1 / 2", "d_accuracy_end": accuracy}  # fmt: skip

    laptop = "python -m bench run probe --experiment sngan"  # the probe's default config
    write_record("probe", [probe("sngan", "as_tier", "{}", "300.0 / 250.0", 0.97),
                           probe("sngan", "one_d_step", "{n_critic: 1}", "280.0 / 200.0", 0.9),
                           probe("wgan_gp", "other_family", "{}", "1.0 / 1.0", 0.5)],
                 threads=2, command=laptop, directory=records)  # fmt: skip
    other = "python -m bench run probe --config configs/recipe.yaml --experiment sngan"
    write_record("probe", [probe("sngan", "elsewhere", "{}", "9.0 / 9.0", 0.5)], threads=2,
                 command=other, directory=records)  # fmt: skip
    section = docs.results_markdown(records).split("## The laptop tier")[1].split("\n## ")[0]
    assert "Missing the check: `sngan`." in section and "Not yet probed" not in section
    lines = [line for line in section.splitlines() if line.startswith("| `sngan` | `")]
    assert lines == [
        "| `sngan` | `as_tier` | none | 0 | 100,000 | 312 | 300.0 / 250.0 (epochs 1 / 2; 1,000 "
        f"samples) | 97% | {records.glob('*probe.csv').__next__().name} |",
        "| `sngan` | `one_d_step` | `{n_critic: 1}` | 0 | 100,000 | 312 | 280.0 / 200.0 (epochs "
        f"1 / 2; 1,000 samples) | 90% | {records.glob('*probe.csv').__next__().name} |",
    ]  # a probe of a family not in the tier, or of another config's settings, is not shown
    # a miss no probe has looked at says so
    write_record("laptop_results", laptop_record_rows(), threads=2, command="l",
                 directory=records, date="2099-01-01")  # fmt: skip
    rows[0].update(learns=False)
    assert "Missing the check" not in docs.results_markdown(records)
    write_record("laptop_results", rows, threads=2, command="l", directory=records,
                 date="2099-01-02")  # fmt: skip
    latest = docs.results_markdown(records).split("## The laptop tier")[1].split("\n## ")[0]
    assert "Missing the check: `dcgan`, `sngan`. " in latest
    assert "Not yet probed: `dcgan`." in latest


def test_ladder_rows_measured_by_the_probe_bench_join_the_ladder_with_their_seeds(tmp_path):
    records = tmp_path / "records"
    write_record("recipe", fake_recipe_rows(), threads=2, command="c", directory=records)

    def probe(variant, seed, fid, images=599_808, experiment="dcgan_recipe"):
        row = {"experiment": experiment, "variant": variant, "seed": seed, "fid": fid}
        return row | {"n_fid": 5000, "images_seen": images, "overrides": "{init: orthogonal}"}

    for seed, fid in ((0, 44.0), (1, 46.0)):  # one record per seed, as two processes write
        rows = [probe("5_orth", seed, fid), probe("sn", seed, 250.0, images=99_968)]
        command = "python -m bench run probe --member dcgan_recipe-3_lr003_ema-s0"
        write_record("probe", rows, threads=1, command=command, directory=records)
    write_record(
        "probe", [probe("5_orth", 2, 10.0, images=99_968)], threads=1, command="p",
        directory=records,
    )  # fmt: skip  # a short probe under the row's name: not the ladder's budget
    ladder = docs.results_markdown(records).split("## The quality ladder")[1].split("\n## ")[0]
    best = min(r["fid_final"] for r in fake_recipe_rows())
    line = next(line for line in ladder.splitlines() if line.startswith("| `5_orth`"))
    assert "| 0, 1 | 44.0 / 46.0 (5,000 samples) | 45.0 ± 1.4 |" in line
    assert f"| {45.0 - best:+.1f} |" in line and "2026" in line
    assert "`dcgan_recipe-3_lr003_ema-s0` with `{init: orthogonal}`" in line
    assert "`sn`" not in ladder
    # the goal, against the best row over the workflow's and the probes' (45.0 on two seeds)
    assert (
        "**The goal, FID ≤ 40 in 600,000 images over 2 seeds, is not reached**: the best is "
        "`5_orth` at 45.0 ± 1.4, mean over seeds 0, 1; 5.0 above it." in ladder
    )


def test_the_goal_is_reached_by_a_mean_over_two_seeds_at_or_below_it(tmp_path):
    rows = fake_recipe_rows()
    rows[1]["fid_final"] = 40.0  # at the goal, but one seed: not yet reached
    write_record("recipe", rows, threads=2, command="c", directory=tmp_path)

    def ladder():
        return docs.results_markdown(tmp_path).split("## The quality ladder")[1].split("\n## ")[0]

    goal = "**The goal, FID ≤ 40 in 600,000 images over 2 seeds, "
    assert goal + "is not yet reached**: `2_more` scores 40.0 on one seed, at or below it; " in (
        ladder()
    )

    def probe(seed, fid):
        row = {"experiment": "dcgan_recipe", "variant": "6_wide", "seed": seed, "fid": fid}
        return row | {"n_fid": 5000, "images_seen": 599_808, "overrides": "{width: 96}"}

    write_record("probe", [probe(0, 38.0)], threads=2, command="p", directory=tmp_path)
    assert goal + "is not yet reached**: `6_wide` scores 38.0 on one seed (0), at or " in ladder()
    write_record("probe", [probe(1, 41.0)], threads=2, command="p", directory=tmp_path)
    assert goal + "is reached** by `6_wide`: 39.5 ± 2.1, mean over seeds 0, 1." in ladder()


def test_generation_fills_only_between_markers_and_names_missing_ones(tmp_path):
    text = "keep\n<!-- begin generated: x -->\nold\n<!-- end generated: x -->\nkeep too\n"
    assert docs.fill_blocks(text, {"x": "new"}, "f") == text.replace("old", "new")
    with pytest.raises(ValueError, match="f: no '<!-- begin generated: y -->'"):
        docs.fill_blocks(text, {"y": "new"}, "f")


def test_check_fails_naming_a_hand_edit_of_a_generated_number(tmp_path):
    root = tmp_path / "repo"
    for part in ("README.md", "bench/README.md", "docs", "configs", "config.yaml"):
        src = REPO / part
        (root / part).parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / part)
    records = REPO / "bench" / "records"
    assert docs.check(root, records) == []
    results = root / "docs" / "results.md"
    first_fid = re.search(r"\| (\d+\.\d) \|", results.read_text()).group(1)
    results.write_text(results.read_text().replace(f"| {first_fid} |", "| 1.0 |", 1))
    problems = docs.check(root, records)
    assert len(problems) == 1 and "results.md" in problems[0]


def test_records_keep_every_digit_and_their_provenance(tmp_path):
    path = write_record("recipe", fake_recipe_rows(), threads=2, command="c", directory=tmp_path)
    record = read_record(path)
    assert record.rows.fid_final.tolist() == [80.0, 60.0, 70.0]
    assert {"cpu", "cores", "threads", "torch", "commit", "command"} <= set(record.rows.columns)
    assert list(record.rows.code_version) == ["aaa", "aaa", "bbb"]  # a row's own code wins
    again = write_record("recipe", fake_recipe_rows(), threads=2, command="c", directory=tmp_path)
    assert again.name.endswith("-recipe-2.csv")  # one file per invocation, never overwritten
    assert pd.read_csv(path).shape == pd.read_csv(again).shape
    # a long benchmark's provenance is the code's as it started, whatever the files say at its end
    started = records_module.provenance("recipe", 2, "c", "2026-01-05") | {"commit": "0123abc"}
    late = write_record("recipe", fake_recipe_rows(), threads=1, command="other",
                        directory=tmp_path, started=started)  # fmt: skip
    assert late.name == "2026-01-05-recipe.csv"
    first = read_record(late).first
    assert (first.commit, first.command, first.threads) == ("0123abc", "c", 2)
