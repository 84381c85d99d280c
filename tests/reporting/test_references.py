"""Reference values beside ours: every published number of config.yaml has the experiment and
setting that runs it, the comparison table puts ours beside it at the same point, and the
protocol differences are named. Bad reference entries stop the workflow at start-up."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from ganrepro.config_files import load
from ganrepro.config_schema import config_schema, validate_config
from ganrepro.experiments import expand_runs
from ganrepro.reporting.references import (
    belongs_to,
    comparison_html,
    comparison_table,
    protocol_differences,
)

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = config_schema(ROOT / "schemas" / "config.schema.yaml")
FULL = load(ROOT / "config.yaml")  # the references with it (configs/references.yaml)
REFERENCES = ROOT.parent / "shared" / "references"


def test_every_reference_number_has_its_experiment_and_setting():
    runs = expand_runs(FULL)
    n = 0
    for name, exp in FULL["experiments"].items():
        mine = [r for r in runs.values() if r.experiment == name]
        for ref in exp.get("reference", []):
            n += 1
            matched = [r for r in mine if belongs_to(ref.get("setting", {}), r.grid, r.settings)]
            assert matched, f"{name}: no run for the reference {ref}"
            epoch = ref.get("epoch")
            if epoch is not None:  # a per-epoch number is scored at its epoch
                assert all(epoch in r.settings["eval_epochs"] for r in matched), (name, epoch)
    # 003's 18 table numbers, 000's 9, 001's 13 (two mean/std/min triples as one entry each)
    # and 5 StudioGAN anchors; 003's three figure FIDs (56, 79, BigGAN 13) have no setting
    assert n == 18 + 9 + (7 + 2) + 5


def test_reference_values_are_printed_in_their_documents():
    """Numbers copied, not invented: each value of 000, 001 and 003 appears in its document."""
    if not REFERENCES.is_dir():
        pytest.skip("references not found")
    texts = {p.name[:3]: p.read_text() for p in REFERENCES.glob("00*_*.txt")}
    for name, exp in FULL["experiments"].items():
        for ref in exp.get("reference", []):
            doc = ref["source"]["document"]
            if doc not in texts:
                continue
            for key in ("value", "mean", "std", "min"):
                if key in ref:
                    printed = f"{ref[key]:g}" if key == "value" else f"{ref[key]}"
                    assert re.search(rf"(?<![\d.]){re.escape(printed)}", texts[doc]), (
                        name,
                        doc,
                        key,
                        printed,
                    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda r: r.update(metric="FDI"), "metric: 'FDI' is not one of"),
        (lambda r: r.update(protocol={**r["protocol"], "resolutoin": 64}), "'resolutoin' was"),
        (lambda r: r.pop("value"), "is not valid under any of the given schemas"),
    ],
)
def test_bad_reference_entries_are_rejected_naming_the_key(edit, message):
    cfg = copy.deepcopy(FULL)
    edit(cfg["experiments"]["lr_batch"]["reference"][0])
    with pytest.raises(ValueError, match=r"experiments\.lr_batch\.reference\.0"):
        validate_config(cfg, SCHEMA)
    with pytest.raises(ValueError, match=re.escape(message)):
        validate_config(cfg, SCHEMA)


def _rows():
    """Two settings (variants a, b) x two seeds x epochs 1, 2; one seed of b diverged at 2."""
    fids = {("a", 0): [80.0, 60.0], ("a", 1): [90.0, 70.0], ("b", 0): [85.0, 50.0],
            ("b", 1): [88.0, None]}  # fmt: skip
    rows = []
    for (variant, seed), values in fids.items():
        for epoch, fid in enumerate(values, start=1):
            rows.append({
                "run": f"{variant}{seed}", "seed": seed, "epoch": epoch,
                "fid": float("nan") if fid is None else fid,
                "status": "ok" if fid is not None else "diverged",
                "grid": json.dumps({"variant": variant}),
            })  # fmt: skip
    runs = {
        f"{v}{s}": {"grid": {"variant": v}, "settings": {"lr": 2e-4, "model": "dcgan"}}
        for v in "ab" for s in (0, 1)
    }  # fmt: skip
    return pd.DataFrame(rows), runs


def test_comparison_puts_ours_beside_the_reference_at_the_same_point():
    rows, runs = _rows()
    ours = {"dataset": "CIFAR-10", "jpeg": True, "resolution": 32, "generated_images": 50}
    references = [
        {"metric": "FID", "value": 55.0, "source": {"document": "X", "where": "T1"},
         "protocol": {"dataset": "CIFAR-10", "jpeg": False, "resolution": 64,
                      "generated_images": None}, "setting": {"variant": "a"}},
        {"metric": "FID", "value": 100.0, "epoch": 1, "source": {"document": "X", "where": "F"},
         "setting": {"variant": "b"}},
        {"metric": "FID", "mean": 70.0, "std": 5.0, "min": 60.0, "source": {"document": "Y",
         "where": "S"}, "setting": {"variant": "a"}},
        {"metric": "FID", "value": 42.0, "source": {"document": "Z", "where": "R"},
         "setting": {"variant": "c"}},
    ]  # fmt: skip
    t = comparison_table(rows, runs, references, {r: ours for r in runs})
    a_final = t[(t.setting == "a") & (t.metric == "FID")].iloc[0]
    # final FIDs of a: 60, 70 -> mean 65; difference to 55 is +10
    assert a_final.final_fid == "65.00 ± 7.07" and a_final.ours == "65.00"
    assert a_final.difference == "+10.00" and a_final.seeds == 2
    assert a_final["protocol differs"] == (
        "jpeg (no vs ours yes); resolution (64 vs ours 32); generated_images (not stated)"
    )
    b_epoch1 = t[(t.setting == "b")].iloc[0]
    assert b_epoch1.metric == "FID at epoch 1" and b_epoch1.ours == "86.50"  # (85 + 88) / 2
    assert b_epoch1.difference == "-13.50"
    assert t[t.setting == "b"].final_fid.iloc[0] == "50.00"  # the diverged seed is not averaged
    best_ref = {**references[0], "of": "best", "setting": {"variant": "b"}}
    best = comparison_table(rows, runs, [best_ref], {r: ours for r in runs})
    assert best[best.setting == "b"].ours.iloc[0] == "69.00"  # b's bests 50, 88 (final: 50)
    a_mean = t[t.metric == "FID mean over epochs"].iloc[0]
    assert a_mean.ours == "75.00"  # per-run means 70 and 80
    missing = t[t.setting.str.startswith("not run")]
    assert missing.reference.tolist() == ["42.0"] and missing.seeds.tolist() == [0]
    page = comparison_html(t, "toy", "a toy experiment")
    assert "<table" in page and "+10.00" in page and "protocol differs" in page


def test_protocol_differences_name_fields_and_values():
    ours = {"dataset": "CIFAR-10", "resolution": 32, "feature_extractor": "pytorch-fid"}
    assert protocol_differences({"dataset": "cifar-10", "resolution": 32}, ours) == []
    assert protocol_differences({"feature_extractor": "own FID code"}, ours) == [
        "feature_extractor (own FID code vs ours pytorch-fid)"
    ]


@pytest.mark.parametrize(
    "scored, differs", [(10000, "none"), (9000, "reference_images (10000 vs ours 9000)")]
)
def test_all_of_the_split_is_compared_as_the_number_the_scores_used(scored, differs):
    """``fid.reference_images: null`` (the whole split) is known as a number only once scored:
    the comparison takes it from the scores, not "?"."""
    rows, runs = _rows()
    rows["n_reference"] = scored
    ours = {"reference_split": "test", "reference_images": None}
    reference = {"metric": "FID", "value": 50.0, "source": {"document": "X", "where": "T"},
                 "protocol": {"reference_split": "test", "reference_images": 10000},
                 "setting": {"variant": "a"}}  # fmt: skip
    t = comparison_table(rows, runs, [reference], {r: ours for r in runs})
    assert t[t.setting == "a"].iloc[0]["protocol differs"] == differs
