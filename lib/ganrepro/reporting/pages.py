"""HTML pages of tables that a person reads inside the report (a CSV's eye icon in Snakemake's
report downloads the file; a page shows it)."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

import pandas as pd

from ganrepro.reporting.labels import describe_setting

_PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; margin: 1em; }}
table {{ border-collapse: collapse; font-size: 13px; margin-bottom: 1.5em; }}
th, td {{ border: 1px solid #bbb; padding: 3px 6px; text-align: left; vertical-align: top; }}
th {{ background: #eee; }}
td:nth-child(n) {{ max-width: 28em; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
p.note, p.protocol, div.shared {{ color: #444; max-width: 60em; }}
p.protocol {{ font-size: 13px; }}
div.shared {{ font-size: 13px; margin-top: -1em; }}
div.shared ul {{ margin-top: 0.2em; }}
</style></head><body>
<h2>{title}</h2>
<p>{description}</p>
{sections}
<p class="note">{note}</p>
</body></html>
"""


def table_page(
    title: str,
    sections: Sequence[tuple[str, pd.DataFrame] | tuple[str, pd.DataFrame, Sequence[str]]],
    *,
    description: str = "",
    note: str = "",
    float_format: str | None = None,
) -> str:
    """A page of one or more tables, each under its heading ("" for none) and followed by its
    lines (what every row shares, from ``split_constant``)."""
    parts = []
    for heading, table, *rest in sections:
        if heading:
            parts.append(f"<h3>{escape(heading)}</h3>")
        parts.append(
            table.to_html(
                index=False,
                escape=True,
                na_rep="",
                border=0,
                float_format=(lambda x: format(x, float_format)) if float_format else None,
            )
        )
        lines = rest[0] if rest else []
        if lines:
            items = "".join(f"<li>{escape(line)}</li>" for line in lines)
            parts.append(f'<div class="shared">Every row:<ul>{items}</ul></div>')
    return html_page(title, "\n".join(parts), description=description, note=note)


def html_page(title: str, sections: str, *, description: str = "", note: str = "") -> str:
    """A self-contained page (inline style, no external resource) around ``sections``, which
    are HTML already; title, description and note are text."""
    return _PAGE.format(
        title=escape(title), description=escape(description), sections=sections, note=escape(note)
    )


# ---- readable views of the result tables: the CSV keeps every column at full precision (for
# code); a view keeps what a person compares, rounded, with units, and says a value shared by
# every row once, under the table, instead of in every row. Hashes and paths stay in the CSV.

_HASHED_NAME = re.compile(r"-[0-9a-f]{8}(?=-|$)")


def format_fid(x: Any) -> str:
    """FID to 2 decimals below 100, 1 above (three digits are already more than seeds agree on)."""
    if x is None or (isinstance(x, float) and math.isnan(x)) or x == "":
        return ""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)  # already a text ("n/a", "541.2 ± 3.1")
    return f"{v:.1f}" if abs(v) >= 100 else f"{v:.2f}"


def format_duration(seconds: Any) -> str:
    """Seconds as a person reads a duration: "8.5 s", "42 s", "3.4 min", "2.1 h"."""
    if seconds is None or pd.isna(seconds):
        return ""
    s = float(seconds)
    if s < 10:
        return f"{s:.1f} s"
    if s < 90:
        return f"{s:.0f} s"
    if s < 90 * 60:
        return f"{s / 60:.1f} min"
    return f"{s / 3600:.1f} h"


def format_memory(mb: Any) -> str:
    """Megabytes as "880 MB" or "1.4 GB"."""
    if mb is None or pd.isna(mb):
        return ""
    v = float(mb)
    return f"{v / 1024:.1f} GB" if v >= 1024 else f"{v:.0f} MB"


def _count(x: Any) -> str:
    return "" if x is None or pd.isna(x) or x == "" else f"{int(float(x)):,}"


def short_run(name: str) -> str:
    """A run's name without its settings hash: "lr_batch-lr0.0002-bs25-s0"."""
    return _HASHED_NAME.sub("", str(name))


def _setting(grid: Any) -> str:
    coords = json.loads(grid) if isinstance(grid, str) and grid else {}
    return describe_setting(coords) or "(one setting)"


PROTOCOL_LABELS = {
    "n_generated": "images generated",
    "reference": "reference split[images]",
    "features_backend": "Inception network run by",
    "fid_warnings": "warnings",
}


def split_constant(
    view: pd.DataFrame, columns: Sequence[str], labels: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Moves each of ``columns`` that holds one value in every row out of the table, into a
    line "label: value" (empty values are left out): a protocol shared by every row is said once."""
    labels = labels or {}
    lines, keep = [], view
    for col in columns:
        if col not in view:
            continue
        values = view[col].astype(str).replace({"nan": ""})
        distinct = [v for v in dict.fromkeys(values) if v]
        if len(set(values)) <= 1:
            keep = keep.drop(columns=col)
            if distinct:
                lines.append(f"{labels.get(col, col)}: {distinct[0]}")
    return keep, lines


def experiment_view(table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """An experiment's table (``tables.experiment_table``) for reading: its grid columns, seed,
    FIDs; the protocol once, below; no run hash, weights hash or code version."""
    if not len(table):
        return table, []
    view = table.drop(columns=["run", "weights_sha256", "code_version"], errors="ignore").copy()
    for col in ("final_fid", "best_fid"):
        view[col] = view[col].map(format_fid)
    view, lines = split_constant(view, list(PROTOCOL_LABELS), PROTOCOL_LABELS)
    if "status" in view and set(view["status"]) <= {"ok", ""}:
        view = view.drop(columns="status")
    return view.rename(columns={**_FID_HEADERS, **PROTOCOL_LABELS}), lines


_FID_HEADERS = {
    "final_fid": "final FID",
    "best_fid": "best FID",
    "best_epoch": "best at epoch",
    "final_epoch": "final epoch",
    "mean_fid": "mean FID over epochs",
    "epochs_scored": "epochs scored",
    "lr_g": "lr G",
    "lr_d": "lr D",
    "batch_size": "batch size",
}


def summary_view(per_run: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The per-run FID table across experiments (``tables.run_summary``) for reading: one row per
    run, named by its setting and seed; FID final, best (epoch) and mean ± std over epochs."""
    if not len(per_run):
        return per_run, []
    s = per_run
    mean = [
        "" if pd.isna(m) else format_fid(m) + ("" if pd.isna(sd) else f" ± {format_fid(sd)}")
        for m, sd in zip(s["mean_fid"], s["std_fid"], strict=True)
    ]
    view = pd.DataFrame(
        {
            "experiment": s["experiment"],
            "setting": s["grid"].map(_setting),
            "seed": s["seed"],
            "model": s["model"],
            "loss": s["loss"],
            "lr_g": s["lr_g"],
            "lr_d": s["lr_d"],
            "batch_size": s["batch_size"],
            "status": s["status"],
            "final_epoch": s["final_epoch"].map(_count),
            "final_fid": s["final_fid"].map(format_fid),
            "best_fid": s["best_fid"].map(format_fid),
            "best_epoch": s["best_epoch"].map(_count),
            "mean_fid": mean,
            "epochs_scored": s["epochs_scored"],
            **{c: s[c] for c in PROTOCOL_LABELS},
        }
    )
    if (view["lr_g"].astype(str) == view["lr_d"].astype(str)).all():  # one lr: one column
        view = view.drop(columns="lr_d").rename(columns={"lr_g": "lr"})
    view, lines = split_constant(
        view, ["model", "loss", "lr", "lr_g", "lr_d", "batch_size", "status", *PROTOCOL_LABELS],
        {**_FID_HEADERS, **PROTOCOL_LABELS},
    )  # fmt: skip
    return view.rename(columns={**_FID_HEADERS, **PROTOCOL_LABELS}), lines


def by_epoch_view(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """FID of every run and epoch (``tables.fid_by_epoch``) as a log: a row per run (experiment,
    setting, seed), a column per epoch; a diverged score reads "diverged"."""
    if not len(rows):
        return rows, []
    cell = [
        format_fid(f) if st == "ok" else str(st)
        for f, st in zip(rows["fid"], rows["status"], strict=True)
    ]
    long = pd.DataFrame(
        {
            "experiment": rows["experiment"],
            "setting": rows["grid"].map(_setting),
            "seed": rows["seed"],
            "run": rows["run"],
            "epoch": rows["epoch"].astype(int),
            "fid": cell,
        }
    )
    wide = long.pivot_table(
        index=["experiment", "run", "setting", "seed"], columns="epoch", values="fid",
        aggfunc="first", fill_value="",
    )  # fmt: skip
    wide.columns = [f"epoch {e}" for e in wide.columns]
    order = list(dict.fromkeys(rows["run"]))  # the rows' order (config order per experiment)
    wide = wide.reset_index()
    wide = wide.iloc[sorted(range(len(wide)), key=lambda i: order.index(wide["run"].iloc[i]))]
    _, lines = split_constant(rows, list(PROTOCOL_LABELS), PROTOCOL_LABELS)
    return wide.drop(columns="run"), lines


def code_versions_view(versions: pd.DataFrame) -> pd.DataFrame:
    """Per experiment: made by one code version or by several (how many rows each), and at how
    many git commits; the hashes themselves stay in the CSV."""
    out = []
    for _, r in versions.iterrows():
        counts = re.findall(r"\((\d+) rows?\)", str(r["versions"]))
        gits = [g for g in str(r["git"]).split("; ") if g and g != "nan"]
        dirty = sum(g.endswith("-dirty") for g in gits)
        mixed = str(r["mixed"]).lower() == "true"
        out.append(
            {
                "experiment": r["experiment"],
                "made by": (
                    f"MIXED: {r['code_versions']} code versions ({' + '.join(counts)} rows)"
                    if mixed
                    else f"one code version ({counts[0] if counts else '?'} rows)"
                ),
                "git commits": f"{len(gits)}"
                + (
                    ""
                    if not dirty
                    else " (with uncommitted changes)"
                    if dirty == len(gits)
                    else f" ({dirty} with uncommitted changes)"
                ),
            }
        )
    return pd.DataFrame(out, columns=["experiment", "made by", "git commits"])


def analysis_view(table: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The analysis table (``evaluation.analysis.analysis_table``) for reading: a row per run and
    number, the value with its spread to 4 significant digits; no weights hash."""
    if not len(table):
        return table, []
    value = [
        "" if pd.isna(v) else f"{float(v):.4g}" + ("" if pd.isna(sd) else f" ± {float(sd):.2g}")
        for v, sd in zip(table["value"], table["std"], strict=True)
    ]
    view = pd.DataFrame(
        {
            "experiment": table["experiment"],
            "run": table["run"].map(short_run),
            "epoch": table["epoch"].map(_count),
            "number": table["metric"],
            "value": value,
            "status": table["status"],
            "images generated": table["n_generated"].map(_count),
            "reference split[images]": table["reference"].fillna(""),
            "how it was computed": table["protocol"].fillna(""),
        }
    )
    constant = ["experiment", "run", "epoch", "status", "images generated"]
    return split_constant(view, [*constant, "reference split[images]"])


def cost_views(per_exp: pd.DataFrame, per_run: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The cost tables (``reporting.costs``) for reading: times in s/min/h, memory in MB/GB,
    images per second whole; a run by its experiments, setting and seed, not its folder hash."""
    exp = pd.DataFrame(
        {
            "experiment": per_exp["experiment"],
            "runs": per_exp["runs"],
            "jobs": per_exp["jobs"],
            "wall time": (per_exp["wall_h"] * 3600).map(format_duration),
            "CPU time": (per_exp["cpu_h"] * 3600).map(format_duration),
            "peak memory (one job)": per_exp["peak_rss_mb"].map(format_memory),
            "images seen in training": per_exp["images_seen"].map(_count),
            "training images/s": per_exp["train_images_per_s"].map(_count),
            "devices": per_exp["devices"].fillna(""),
        }
    )
    run = pd.DataFrame(
        {
            "experiments": per_run["experiments"],
            **({"setting": per_run["setting"]} if "setting" in per_run else {}),
            **({"seed": per_run["seed"]} if "seed" in per_run else {}),
            "device": per_run["device"],
            "jobs": per_run["jobs"],
            "training jobs not measured": per_run["train_jobs_unmeasured"],
            "wall time": per_run["wall_s"].map(format_duration),
            "CPU time": per_run["cpu_s"].map(format_duration),
            "peak memory (one job)": per_run["peak_rss_mb"].map(format_memory),
            "training wall time": per_run["train_wall_s"].map(format_duration),
            "images seen": per_run["images_seen"].map(_count),
            "training images/s": per_run["train_images_per_s"].map(_count),
            "scoring wall time": per_run["scoring_wall_s"].map(format_duration),
        }
    )
    return exp, run


def fid_by_epoch_page(rows: pd.DataFrame) -> str:
    """The page of ``tables.fid_by_epoch`` rows (every experiment's, or one's)."""
    return table_page(
        "FID of every run and epoch",
        [("", *by_epoch_view(rows))],
        description="FID (lower is better) of every run at each scored epoch; an empty cell: the "
        "run does not score that epoch. Full precision, run names and hashes: the CSV beside "
        "this page.",
    )


def fid_summary_page(per_run: pd.DataFrame) -> str:
    """The page of ``tables.run_summary``."""
    return table_page(
        "Final FID of every run",
        [("", *summary_view(per_run))],
        description="One row per run: FID (lower is better) at its final epoch, its best and the "
        "epoch of the best, and the mean ± standard deviation over its scored epochs. Full "
        "precision, run names and hashes: the CSV beside this page.",
    )


def code_versions_page(versions: pd.DataFrame) -> str:
    """The page of ``tables.code_versions``."""
    n_mixed = int(versions["mixed"].astype(str).str.lower().eq("true").sum())
    return table_page(
        "The code that made each experiment's numbers",
        [("", code_versions_view(versions))],
        description=f"{n_mixed} of {len(versions)} experiments have FID rows made by more than "
        "one version of the code: compare those rows with care, or re-run what the change "
        "affects (README, Code versions). The version hashes and git commits: the CSV beside "
        "this page.",
    )


def experiment_page(table: pd.DataFrame, experiment: str) -> str:
    """The page of one experiment's ``tables.experiment_table``."""
    return table_page(
        f"{experiment}: FID per run",
        [("", *experiment_view(table))],
        description="Each setting's runs, one row per seed, then the mean ± standard deviation "
        "across seeds; FID, lower is better. Full precision, run names and hashes: the CSV "
        "beside this page.",
    )


def analysis_page(table: pd.DataFrame, per_item: Sequence[tuple[str, pd.DataFrame]] = ()) -> str:
    """The page of the analysis table (``evaluation.analysis.analysis_table``), followed by the
    analyses' own per-item tables (heading, table), numbers to 4 significant digits."""
    details = [
        (heading, frame.map(lambda x: f"{x:.4g}" if isinstance(x, float) else x))
        for heading, frame in per_item
    ]
    return table_page(
        "Evaluation beyond FID",
        [("", *analysis_view(table)), *details],
        description="Every number of the analyses with a table part, for the final checkpoint "
        "of each analysed run, with how it was computed. Each analysis's own items in this "
        "category say what its numbers mean and which direction is better. The weights hash "
        "of each row: the CSV beside this page.",
    )
