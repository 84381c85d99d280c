"""Reference values beside ours: every published number of config.yaml has the experiment and
setting that runs it, the comparison table puts ours beside it at the same point, and the
protocol differences are named. Bad reference entries stop the workflow at start-up."""

from __future__ import annotations

import copy
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from ganrepro.config_files import load
from ganrepro.config_schema import config_schema, validate_config
from ganrepro.experiments import expand_runs
from ganrepro.reporting.references import (
    CSV_COLUMNS,
    belongs_to,
    comparison_html,
    comparison_table,
    protocol_differences,
    unreferenced_settings,
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


OURS = {"dataset": "CIFAR-10", "jpeg": True, "resolution": 32, "generated_images": 50}


def _compare(references, ours=OURS):
    rows, runs = _rows()
    return comparison_table(rows, runs, references, {r: ours for r in runs})


def _ref(setting="a", **fields):
    return {"metric": "FID", "value": 55.0, "source": {"document": "X", "where": "T1, row 1"},
            "protocol": {"dataset": "CIFAR-10", "resolution": 32}, "setting": {"variant": setting},
            **fields}  # fmt: skip


class _Tables(HTMLParser):
    """The page's tables as (header, rows) of cell texts: what a reader sees."""

    def __init__(self, page):
        super().__init__()
        self.tables, self._cell = [], None
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(([], []))
        elif tag == "tr":
            self.tables[-1][1].append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            header, rows = self.tables[-1]
            (header if tag == "th" else rows[-1]).append(self._cell.strip())
            self._cell = None


def _page_tables(page):
    return [(h, [r for r in rows if r]) for h, rows in _Tables(page).tables]


def test_comparison_puts_ours_beside_the_reference_at_the_same_point():
    references = [
        _ref("a", protocol={"dataset": "CIFAR-10", "jpeg": False, "resolution": 32,
                            "generated_images": None}),
        _ref("b", value=100.0, epoch=1, source={"document": "X", "where": "log"}, protocol={}),
        {"metric": "FID", "mean": 70.0, "std": 5.0, "min": 60.0, "source": {"document": "Y",
         "where": "S"}, "protocol": {"dataset": "CIFAR-10", "resolution": 32},
         "setting": {"variant": "a"}},
        _ref("c", value=42.0, source={"document": "Z", "where": "R"}),
    ]  # fmt: skip
    t = _compare(references)
    # one row per reference value (the mean/std/min entry: one per statistic), in its order
    assert t.statistic.tolist() == ["value", "value", "mean", "std", "min", "value"]
    assert list(t.columns) == list(CSV_COLUMNS)
    a = t.iloc[0]
    # final FIDs of a: 60, 70 -> 65 ± 7.07; difference to 55 is +10
    assert (a.ours, round(a.ours_std, 2), a.difference, a.seeds) == (65.0, 7.07, 10.0, 2)
    assert a["at"] == "final" and a.table == "X: T1" and a.row == "row 1"
    assert a["protocol differs"] == "jpeg (no vs ours yes); generated_images (not stated)"
    b = t.iloc[1]  # at epoch 1: (85 + 88) / 2; no dataset stated, so no difference
    assert (b["at"], b.ours, b["not compared"]) == ("epoch 1", 86.5, "dataset not stated")
    assert math.isnan(b.difference)
    assert b.table == "X: FID per epoch" and b.row == "epoch 1"
    # per-run statistics over epochs of a: means 70, 80; std 14.14 both; minima 60, 70
    stats = t[t.table == "Y: FID over all epochs"].set_index("statistic")
    assert stats.ours.round(2).to_dict() == {"mean": 75.0, "std": 14.14, "min": 65.0}
    assert stats.difference.round(2).to_dict() == {"mean": 5.0, "std": 9.14, "min": 5.0}
    c = t.iloc[-1]  # a setting this config does not run: said, not dropped
    assert (c.reference, c.seeds, c["not compared"]) == (42.0, 0, "not run in this config")
    assert math.isnan(c.ours)
    best = _compare([_ref("b", of="best")]).iloc[0]
    assert best.ours == 69.0 and best["at"] == "best"  # b's bests 50, 88 (finals 50, diverged)
    assert _compare([_ref("b")]).iloc[0].ours == 50.0  # the diverged seed is not averaged


@pytest.mark.parametrize(
    ("protocol", "difference", "why"),
    [
        ({"dataset": "CIFAR-10", "resolution": 32}, 10.0, ""),
        ({"dataset": "cifar-10", "resolution": 32, "jpeg": False}, 10.0, ""),  # JPEG: named only
        ({"dataset": "ImageNet dogs", "resolution": 64}, None,
         "dataset differs (ImageNet dogs vs CIFAR-10)"),
        ({"dataset": "CIFAR-10", "resolution": 64}, None, "resolution differs (64 vs 32)"),
        ({"dataset": None, "resolution": 32}, None, "dataset not stated"),
        ({"dataset": "CIFAR-10"}, None, "resolution not stated"),
    ],
)  # fmt: skip
def test_a_difference_only_where_dataset_and_resolution_match(protocol, difference, why):
    t = _compare([_ref("a", protocol=protocol)])
    row = t.iloc[0]
    assert row.ours == 65.0  # ours is beside the reference either way
    assert (None if math.isnan(row.difference) else row.difference) == difference
    assert row["not compared"] == why
    (_, cells), *_ = [tab for tab in _page_tables(comparison_html(t, "toy")) if tab[0]]
    assert cells[0][-2:] == ["65.00 ± 7.07", "+10.00" if difference else why]


def test_a_reference_beyond_our_run_says_not_reached():
    """Our runs end at epoch 2: 001's epoch-970 log and its statistics over 1,000 epochs are
    not at a point of ours, so nothing of ours stands beside them."""
    log = [_ref("a", value=v, epoch=e, source={"document": "001", "where": "3.2 (training log)"})
           for e, v in ((1, 70.0), (970, 57.414))]  # fmt: skip
    stats = {**_ref("a"), "protocol": {"dataset": "CIFAR-10", "resolution": 32, "epochs": 1000}}
    stats.pop("value")
    stats.update(mean=125.4, std=102.38, min=8.92)
    t = _compare([*log, stats])
    assert t["not compared"].tolist() == [
        "",
        "not reached (epoch 970 vs our 2)",
        *["not reached (1000 epochs vs our 2)"] * 3,
    ]
    assert t.ours.iloc[0] == 85.0 and t.ours.iloc[1:].isna().all()  # epoch 1: 80, 90
    page = comparison_html(t, "toy")
    (head, cells), (_, stat_cells) = [tab for tab in _page_tables(page) if tab[0]]
    assert head == ["epoch", "seeds", "001 FID", "ours at that epoch", "difference"]  # as epochs
    assert cells == [["1", "2", "70", "85.00 ± 7.07", "+15.00"],
                     ["970", "2", "57.414", "", "not reached (epoch 970 vs our 2)"]]  # fmt: skip
    assert [c[:2] for c in stat_cells] == [
        ["a", "mean over epochs"],
        ["a", "std over epochs"],
        ["a", "min over epochs"],
    ]


def test_protocol_differences_are_said_once_per_table():
    rows, runs = _rows()
    protocols = {r: {**OURS, "generated_images": 100 if r.startswith("a") else 50} for r in runs}
    theirs = {"dataset": "CIFAR-10", "resolution": 32, "jpeg": False, "generated_images": 10000,
              "note": "own FID code"}  # fmt: skip
    references = [
        _ref("a", protocol=theirs),
        _ref("b", protocol=theirs, source={"document": "X", "where": "T1, row 2"}),
    ]
    t = comparison_table(rows, runs, references, protocols)
    assert t["protocol differs"].str.contains("jpeg", regex=False).all()  # the CSV: every row
    page = comparison_html(t, "toy")
    assert page.count("jpeg (no vs ours yes)") == 1  # the page: once, above the table
    assert page.count("own FID code") == 1
    assert "generated_images (10000 vs ours 100) [row 1]" in page  # only some rows: named
    assert "generated_images (10000 vs ours 50) [row 2]" in page
    assert len([tab for tab in _page_tables(page) if tab[0]]) == 1  # one source table


def test_003s_table_is_printed_as_003_prints_it():
    """lr_batch beside 003's learning-rate x batch-size table: its four rows in its order (not
    our runs' order), our batch size and rates per row, and no difference: 003 scores ImageNet
    dog photos, we CIFAR-10."""
    exp = FULL["experiments"]["lr_batch"]
    variants = list(exp["variants"])[::-1]  # our runs in another order than 003's rows
    runs, rows = {}, []
    for i, v in enumerate(variants):
        runs[v] = {"grid": {"variant": v}, "seed": 0, "settings": {**exp["variants"][v]}}
        rows.append({"run": v, "epoch": 25, "fid": 100.0 + i, "grid": json.dumps({"variant": v})})
    ours = {"dataset": "CIFAR-10", "resolution": 64}
    t = comparison_table(pd.DataFrame(rows), runs, exp["reference"], {v: ours for v in runs})
    assert t.row.tolist() == ["row 1", "row 2", "row 3", "row 4"]
    assert t.reference.tolist() == [67.9, 60.2, 66.0, 56.5]
    assert t.setting.tolist() == list(exp["variants"])
    assert t.ours.tolist() == [103.0, 102.0, 101.0, 100.0]
    assert t.difference.isna().all()
    assert set(t["not compared"]) == {"dataset differs (ImageNet dogs vs CIFAR-10)"}
    page = comparison_html(t, "lr_batch")
    [(head, cells)] = [tab for tab in _page_tables(page) if tab[0]]
    assert head == ["003 row", "setting", "batch_size (ours)", "lr_d (ours)", "lr_g (ours)",
                    "seeds", "003 FID", "ours (final)", "difference"]  # fmt: skip
    assert [c[2:5] + c[6:8] for c in cells] == [
        ["128", "0.0002", "0.0002", "67.9", "103.00"],
        ["64", "0.001", "0.001", "60.2", "102.00"],
        ["64", "0.0005", "0.0005", "66", "101.00"],
        ["64", "0.0005", "0.001", "56.5", "100.00"],
    ]
    assert page.count("dataset (ImageNet dogs vs ours CIFAR-10)") == 1
    assert "<h3>003: Table - Influence of the learning rate and batch size</h3>" in page


def test_an_experiment_without_references_says_so_in_one_line():
    t = _compare([])
    assert len(t) == 0 and list(t.columns) == list(CSV_COLUMNS)
    page = comparison_html(t, "toy", "a toy experiment")
    assert "No reference values" in page and "<table" not in page


def test_settings_without_a_reference_are_rows_of_ours():
    rows, runs = _rows()
    ours_only = unreferenced_settings(rows, runs, [_ref("a")])
    assert ours_only.to_dict("records") == [
        {"setting": "b", "seeds": 2, "final FID": "50.00", "best FID": "69.00 ± 26.87"}
    ]


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
