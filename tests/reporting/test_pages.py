"""The readable views of the result tables (ganrepro.reporting.pages): rounding, units, and what
every row shares said once, against values computed by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from ganrepro.reporting.pages import (
    format_duration,
    format_fid,
    format_memory,
    short_run,
    split_constant,
    table_page,
)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(47.4947, "47.49"), (159.6376, "159.6"), (99.999, "100.00"), (math.nan, ""), (None, ""),
     ("541.2 ± 3.1", "541.2 ± 3.1")],
)  # fmt: skip
def test_fids_to_two_decimals_below_100_and_one_above(value, shown):
    assert format_fid(value) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [(8.46, "8.5 s"), (42.4, "42 s"), (426.0, "7.1 min"), (5400.0, "1.5 h"), (math.nan, "")],
)
def test_durations_in_the_unit_a_person_reads(seconds, shown):
    assert format_duration(seconds) == shown


def test_memory_in_mb_or_gb():
    assert format_memory(901.2) == "901 MB" and format_memory(1331.2) == "1.3 GB"
    assert format_memory(None) == ""


def test_run_names_lose_their_settings_hash_only():
    assert short_run("dcgan-1a2b3c4d-s0") == "dcgan-s0"
    assert short_run("lr_batch-lr0.0002-bs25-s0-17da12f1") == "lr_batch-lr0.0002-bs25-s0"
    assert short_run("lr_batch-lr0.0002-bs25-s0") == "lr_batch-lr0.0002-bs25-s0"


def test_a_value_every_row_shares_is_said_once_under_the_table():
    view = pd.DataFrame(
        {"seed": [0, 1], "fid": [50.0, 52.0], "n_generated": [100, 100], "note": ["", ""]}
    )
    kept, lines = split_constant(view, ["n_generated", "fid", "note"], {"n_generated": "images"})
    assert list(kept.columns) == ["seed", "fid"]  # fid differs between rows: it stays
    assert lines == ["images: 100"]  # an empty shared value says nothing


def test_a_page_is_self_contained_html_with_its_tables_and_lines():
    page = table_page(
        "t <1>",
        [("a & b", pd.DataFrame({"x": [1.23456]}), ["images: 100"])],
        float_format=".2f",
    )
    assert page.count("<table") == 1 and "1.23" in page and "1.2345" not in page
    assert "t &lt;1&gt;" in page and "a &amp; b" in page and "images: 100" in page
    assert "http://" not in page and "https://" not in page and "<script src" not in page
