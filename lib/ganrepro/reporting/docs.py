"""The generated documents: docs/results.md and its figures, README.md's generated blocks and
bench/README.md's index of records, all made from the records under bench/records (and from
nothing else), so no number in them is typed by hand; and docs/configuration.md and the table of
analyses in docs/evaluation.md, made from the declarations, the analysis registry and the config
schema.

    python -m ganrepro.reporting.docs            # write them
    python -m ganrepro.reporting.docs --check    # exit 1, naming the files, if any differs (the
    tests)

A generated block of a hand-written file sits between ``<!-- begin generated: NAME -->`` and
``<!-- end generated: NAME -->``; the text between the markers is replaced, the rest kept.
"""

from __future__ import annotations

import argparse
import difflib
import math
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from ganrepro.io import write_text
from ganrepro.reporting.ladders import RATIO, UNTRAINED_FRACTION, changes, row_label
from ganrepro.reporting.record_figures import ladder_figure, laptop_figure
from ganrepro.reporting.records import PROVENANCE, RECORDS, Record, read_records

REPO = Path(__file__).resolve().parents[3]
COMMAND = "python -m ganrepro.reporting.docs"
LADDER_FIGURE = "docs/figures/ladder_fid.png"
LAPTOP_FIGURE = "docs/figures/laptop_fid.png"
# The quality ladder's goal at its budget (issue 25: 5,000 samples against the test split)
LADDER_GOAL, LADDER_BUDGET, LADDER_SEEDS = 40.0, 600_000, 2
LAPTOP = "configs/laptop.yaml"  # the probe bench's default config

# What each benchmark measures, for the index and the results' section titles.
TITLES = {
    "fid_features": "FID features against the pytorch-fid CLI",
    "train_throughput": "DCGAN training against PyTorch's DCGAN example loop",
    "features_memory": "Memory of the features job by batch size",
    "dry_run": "`snakemake -n` on a finished grid",
    "family_throughput": "Training speed of each family (the laptop tier's budgets)",
    "laptop_results": "The laptop tier: does every family learn on a CPU?",
    "recipe": "The quality ladder: a DCGAN in 600,000 images",
    "ema_statistics": "EMA of G: standing BatchNorm statistics",
    "probe": "Probes: a family's settings a few epochs each",
    "frozen_g": "A discriminator against a generator that stands still",
    "health_overhead": "What measuring D's health costs",
    "generator_snapshots": "Keeping G's weights every epoch: what it would cost",
    "workflow_cost": "A config's whole run on a fresh clone",
}
# Sections of docs/results.md, in this order; others follow in name order.
ORDER = ["workflow_cost", "laptop_results", "recipe", "fid_features", "train_throughput"]


# -- formatting ---------------------------------------------------------------------------------


def fmt(value: object) -> str:
    """A cell: integers with thousands separators, floats to 4 significant digits (at least one
    decimal below 1,000), empty cells as '—'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    whole = isinstance(value, float) and value.is_integer() and abs(value) >= 1000
    if isinstance(value, int) or whole:
        return f"{int(value):,}"
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if value == 0:
            return "0"
        digits = max(1, 3 - int(math.floor(math.log10(abs(value)))))
        return f"{value:.{digits}f}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pd.DataFrame) -> str:
    head = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(fmt(v) for v in row) + " |" for row in frame.astype(object).values]
    return "\n".join([head, rule, *body])


def _text(row: pd.Series, key: str) -> str:
    """A provenance cell as text; empty (not 'nan') where the record has none."""
    value = row.get(key, "")
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def machine(record: Record) -> str:
    p = record.first
    cpu = _text(p, "cpu") or "CPU not recorded"
    features = f" ({_text(p, 'cpu_features')})" if _text(p, "cpu_features") else ""
    threads = f", {fmt(p['threads'])} threads" if _text(p, "threads") else ""
    gpu = f", {_text(p, 'gpu')}" if _text(p, "gpu") else ", no GPU"
    return f"{cpu}{features}, {fmt(p.get('cores', ''))} cores{threads}{gpu}"


def provenance_line(record: Record) -> str:
    """Where a table's numbers come from: file, date, machine, packages, commit, command."""
    p = record.first
    packages = ", ".join(
        f"{name} {_text(p, name)}"
        for name in ("torch", "onnxruntime", "pytorch_fid")
        if _text(p, name)
    )
    versions = sorted({str(v) for v in record.rows.get("code_version", []) if str(v) != "nan"})
    code = f"code version {', '.join(versions)}" if versions else "code version not recorded"
    return (
        f"*Record [`{record.path.name}`](../bench/records/{record.path.name}), {record.date}; "
        f"{machine(record)}; {packages}; commit {_text(p, 'commit') or '?'}, {code}; "
        f"`{_text(p, 'command')}`.*"
    )


def own_columns(rows: pd.DataFrame) -> pd.DataFrame:
    """A record's rows without the provenance columns (which the line above the table says)."""
    return rows[[c for c in rows.columns if c not in PROVENANCE]]


# -- sections -----------------------------------------------------------------------------------


def generic_section(records: list[Record], grouped: dict | None = None) -> str:
    """The latest record of a benchmark as a table of its own columns."""
    record = records[-1]
    rows = own_columns(record.rows).dropna(axis=1, how="all")
    older = f" ({len(records) - 1} earlier records in bench/records.)" if len(records) > 1 else ""
    return f"{provenance_line(record)}{older}\n\n{markdown_table(rows)}"


def ladder_rows(records: list[Record]) -> pd.DataFrame:
    """The quality ladder: the latest measurement of each row over every recipe record (rows
    were run in several sittings), with the date and code of each, and each row's change
    from its base row computed over them all (a side row's base may be in another record)."""
    rows = pd.concat([r.rows for r in records], ignore_index=True)
    rows = rows.drop_duplicates("variant", keep="last")
    rows = rows.assign(order=rows.variant.map(_ladder_order)).sort_values("order")
    rows = rows.drop(columns="order").reset_index(drop=True)
    return rows.assign(change=changes(list(rows.variant), list(rows.fid_final.astype(float))))


def _ladder_order(variant: str) -> tuple[int, str]:
    label = row_label(variant)
    return (int(re.match(r"\d+", label).group()), label)


def ladder_table(rows: pd.DataFrame) -> pd.DataFrame:
    n_final = int(rows.n_final.max())
    epochs = rows.curve_epochs.iloc[0]
    table = pd.DataFrame(
        {
            "row": "`" + rows.variant + "`",
            "images seen": rows.images_seen.astype(int),
            f"final FID ({n_final:,} samples)": rows.fid_final.astype(float).map("{:.1f}".format),
            "change from its base row": rows.change.map(
                lambda c: "—" if math.isnan(c) else f"{c:+.1f}"
            ),
            f"curve FID ({int(rows.n_curve.max()):,}) at epochs {epochs}": rows.curve,
            "sample contrast": rows.contrast.astype(float).map("{:.2f}".format),
            "training (min)": rows.train_min.astype(float).map("{:.0f}".format),
            "peak memory (GB)": rows.peak_rss_gb.astype(float).map("{:.2f}".format),
            "date": rows.date,
            "commit": rows.commit,
            "code version": rows.code_version,
        }
    )
    return table


def recipe_section(records: list[Record], grouped: dict | None = None) -> str:
    rows = ladder_rows(records)
    probed = ladder_probes(rows, grouped or {})
    versions = rows.code_version.nunique()
    mixed = (
        f"Rows were measured under {versions} code versions (per row below)."
        if versions > 1
        else "Every row was measured under one code version."
    )
    sources = ", ".join(f"[`{r.path.name}`](../bench/records/{r.path.name})" for r in records)
    return (
        f"*Records {sources}; {machine(records[-1])}; `{records[-1].first['command']}`.* "
        f"{mixed} A side row (`3a_`) is compared with its base row (3), not the row above.\n\n"
        f"{markdown_table(ladder_table(rows))}\n\n"
        f"![FID of each ladder row against images seen](figures/{Path(LADDER_FIGURE).name})"
        + probe_rows_text(rows, probed)
        + "\n\n"
        + goal_text(rows, probed)
    )


class Best(NamedTuple):
    row: str
    fid: float
    shown: str  # "46.4 ± 1.2"
    measured: str  # "mean over seeds 0, 1" or "one seed"


def ladder_best(ladder: pd.DataFrame, probed: pd.DataFrame, min_seeds: int = 1) -> Best | None:
    """The best final FID at the ladder's budget, over the workflow's rows (one seed each) and
    the rows measured by probes (their mean over seeds), of rows with at least ``min_seeds``."""
    candidates = []
    if min_seeds <= 1:
        top = ladder.loc[ladder.fid_final.astype(float).idxmin()]
        fid = float(top.fid_final)
        candidates.append(Best(str(top.variant), fid, f"{fid:.1f}", "one seed"))
    for r in probed.itertuples():
        n = len(str(r.seeds).split(","))
        if n >= min_seeds:
            spread = f" ± {r.std:.1f}" if not math.isnan(r.std) else ""
            measured = f"mean over seeds {r.seeds}" if n > 1 else f"one seed ({r.seeds})"
            candidates.append(
                Best(str(r.variant), float(r.mean), f"{r.mean:.1f}{spread}", measured)
            )
    return min(candidates, key=lambda b: b.fid, default=None)


def goal_text(ladder: pd.DataFrame, probed: pd.DataFrame) -> str:
    """Whether the ladder reached its goal (LADDER_GOAL, as a mean over LADDER_SEEDS seeds),
    and by how much it missed."""
    goal = f"The goal, FID ≤ {LADDER_GOAL:.0f} in {LADDER_BUDGET:,} images over {LADDER_SEEDS}"
    confirmed = ladder_best(ladder, probed, LADDER_SEEDS)
    if confirmed is not None and confirmed.fid <= LADDER_GOAL:
        c = confirmed
        return f"**{goal} seeds, is reached** by `{c.row}`: {c.shown}, {c.measured}."
    best = ladder_best(ladder, probed)
    why = " What each ingredient gave and why the ladder stops there: [findings.md](findings.md)."
    if best.fid <= LADDER_GOAL:
        return (
            f"**{goal} seeds, is not yet reached**: `{best.row}` scores {best.shown} on "
            f"{best.measured}, at or below it; the goal asks for the mean over {LADDER_SEEDS}."
            + why
        )
    return (
        f"**{goal} seeds, is not reached**: the best is `{best.row}` at {best.shown}, "
        f"{best.measured}; {best.fid - LADDER_GOAL:.1f} above it." + why
    )


def laptop_table(rows: pd.DataFrame) -> pd.DataFrame:
    n_final, n_curve = int(rows.n_final.max()), int(rows.n_curve.min())

    def final(r) -> str:
        spread = f" ± {_number(r.fid_final_std)}" if _given(r.fid_final_std) else ""
        return f"{_number(r.fid_final)}{spread}"

    def dcgan(r) -> str:
        if not _given(r.dcgan_same_budget):
            return "— (none at that budget)"
        return f"{_number(r.dcgan_same_budget)} ({r.budget_matched_on})"

    return pd.DataFrame(
        {
            "family": "`" + rows.experiment + "`",
            "seeds": rows.seeds.astype(int),
            "images seen": rows.images_seen.astype(int),
            "G steps": rows.g_steps.astype(int),
            f"final FID ({n_final:,})": [final(r) for r in rows.itertuples()],
            f"curve FID ({n_curve:,})": rows.fid_curve.map(_number),
            f"DCGAN at as much training ({n_curve:,})": [dcgan(r) for r in rows.itertuples()],
            "ratio": rows.ratio.map(lambda v: _number(v, "{:.2f}")),
            "learns": rows.learns.map(_verdict),
            "published FID": rows.published_fid.astype(float),
            "its jobs (min)": rows.wall_min.map(lambda v: _number(v, "{:.0f}")),
            "images/s": rows.train_images_per_s.map(lambda v: _number(v, "{:.0f}")),
        }
    )


def _number(value: object, spec: str = "{:.1f}") -> str:
    """A number as ``spec`` formats it; "—" for a missing one."""
    return spec.format(float(value)) if _given(value) else "—"


def _theirs(row) -> str:
    return f" Theirs: {row.published_note}." if _given(row.published_note) else ""


def _given(value: object) -> bool:
    return str(value) not in ("", "nan")


def _joined(column: pd.Series) -> str:
    """A column's distinct values, in the order met, or "not recorded"."""
    values = list(dict.fromkeys(str(v) for v in column if _given(v)))
    return ", ".join(values) if values else "not recorded"


def _deviations(row) -> str:
    text = getattr(row, "deviations", "")
    return f". Ours differs: {text}." if _given(text) else ""


def _verdict(value: object) -> str:
    text = str(value).strip().lower()
    return {"true": "yes", "false": "**no**"}.get(text, "—")


def laptop_section(records: list[Record], grouped: dict | None = None) -> str:
    """The latest laptop tier: each family's FIDs beside DCGAN's at as much training and the
    published number, its learning check, its recipe's source and the figure."""
    record = records[-1]
    rows = record.rows
    first = rows.iloc[0]
    untrained = float(first.untrained_fid)
    check = (
        f"an untrained DCGAN G scores {untrained:.1f} on {int(first.n_curve):,} samples"
        if not math.isnan(untrained)
        else "the untrained G's FID was not measured"
    )
    older = f" ({len(records) - 1} earlier records in bench/records.)" if len(records) > 1 else ""
    recipes = "\n".join(
        f"- `{r.experiment}`: {r.recipe}{_deviations(r)}"
        for r in rows.itertuples()
        if _given(r.recipe)
    )
    published = "\n".join(
        f"- `{r.experiment}`: {float(r.published_fid):.2f}, {r.published}. Protocol differs: "
        f"{r.protocol_differs}.{_theirs(r)}"
        for r in rows.itertuples()
        if _given(r.published)
    )
    protocol = (
        f"Our FIDs: {_joined(rows.data)}; against {_joined(rows.fid_reference)} with "
        f"pytorch-fid's Inception (weights sha256 {_joined(rows.weights_sha256)}…, features by "
        f"{_joined(rows.features_backend)}); the runs' code versions: "
        f"{_joined(rows.runs_code_version)}."
    )
    misses = miss_probes_text(rows, (grouped or {}).get("probe", []))
    return (
        f"{provenance_line(record)}{older}\n\n{protocol}\n\n"
        f"{markdown_table(laptop_table(rows))}\n\n"
        f"A family learns when its curve FID is at most {RATIO} times the DCGAN defaults' after "
        f"as much training (the same images seen, or for a family with k D steps per G step the "
        f"same G steps) and at most {UNTRAINED_FRACTION:.0%} of the untrained G's: {check}. "
        "A family's minutes are those of its jobs (training, sampling, scoring); the whole run "
        f"took {float(first.total_wall_min):.0f} min "
        f"({float(first.shared_wall_min):.0f} of them shared jobs: data, the test images' "
        f"statistics, tables), peak memory {float(first.total_peak_rss_gb):.1f} GB.\n\n"
        f"{misses}"
        f"Each family's recipe and how ours differs from it (configs/laptop.yaml):\n\n"
        f"{recipes}\n\n"
        "Published FIDs (the workflow's comparison tables, results/tables/comparisons): "
        f"not comparable with ours, for the reasons each gives:\n\n{published}\n\n"
        f"![FID of each family against images seen and G steps]"
        f"(figures/{Path(LAPTOP_FIGURE).name})"
    )


def miss_probes(rows: pd.DataFrame, probe_records: list[Record]) -> pd.DataFrame:
    """The probes of the laptop tier's families that miss the learning check: each variant
    of the tier's settings trained by `python -m bench run probe` (the measurements that say
    whether a miss is a defect or the recipe's cost)."""
    missed = set(_missed(rows))
    frames = [
        r.rows.assign(record=r.path.name)
        for r in probe_records
        if "experiment" in r.rows and _option(str(r.first.command), "--config", LAPTOP) == LAPTOP
    ]
    if not missed or not frames:
        return pd.DataFrame()
    probes = pd.concat(frames, ignore_index=True)
    # per family, in the order the records were written (read_records: oldest first)
    return probes[probes.experiment.isin(missed)].sort_values("experiment", kind="stable")


def miss_probes_text(rows: pd.DataFrame, probe_records: list[Record]) -> str:
    """Families that miss the learning check, and the probes of each (or that none ran)."""
    missed = sorted(_missed(rows))
    if not missed:
        return ""
    names = ", ".join(f"`{m}`" for m in missed)
    probes = miss_probes(rows, probe_records)
    unprobed = sorted(set(missed) - set(probes.experiment if not probes.empty else []))
    text = (
        f"Missing the check: {names}. A miss is a defect to look for until a measurement says "
        "it is the recipe's: what was measured, and what it was taken to mean, is in "
        "[findings.md](findings.md)."
    )
    if unprobed:
        text += f" Not yet probed: {', '.join(f'`{m}`' for m in unprobed)}."
    if probes.empty:
        return text + "\n\n"
    table = pd.DataFrame(
        {
            "family": "`" + probes.experiment + "`",
            "variant": "`" + probes.variant.astype(str) + "`",
            "settings changed": probes.overrides.map(
                lambda v: "none" if str(v) in ("{}", "", "nan") else f"`{v}`"
            ),
            "seed": probes.seed.astype(int),
            "images seen": probes.images_seen.astype(int),
            "G steps": probes.g_steps.astype(int),
            "curve FID at epochs": [
                f"{r.curve} (epochs {r.curve_epochs}; {int(r.n_fid):,} samples)"
                for r in probes.itertuples()
            ],
            "D right (end)": probes.d_accuracy_end.map(lambda v: _number(v, "{:.0%}")),
            "record": probes.record,
        }
    )
    return (
        f"{text} The probes of their settings (`python -m bench run probe --config "
        "configs/laptop.yaml`; each variant from the same seed, its learning-rate schedule "
        "over the probe's own length):\n\n"
        f"{markdown_table(table)}\n\n"
    )


def _missed(rows: pd.DataFrame) -> pd.Series:
    """The families whose learning check says no (not those with nothing to compare with)."""
    return rows.experiment[rows.learns.map(lambda v: str(v).strip().lower() == "false")]


# A probe of the ladder's experiment trained this long, under a row name, is a ladder row
# measured by `python -m bench run probe` (final FID only, one record per seed).
LADDER_ROW = re.compile(r"^\d+[a-z]?_")


def ladder_probes(ladder: pd.DataFrame, grouped: dict[str, list[Record]]) -> pd.DataFrame:
    """The ladder rows measured by probes at the ladder's budget (probe_ladder_rows)."""
    return probe_ladder_rows(grouped.get("probe", []), int(ladder.images_seen.max()))


def probe_ladder_rows(probe_records: list[Record], images_seen: int) -> pd.DataFrame:
    """Ladder rows measured by the probe bench at the ladder's budget: per row, its seeds and
    final FIDs, their mean and spread, and the records they are in."""
    frames = [r.rows.assign(record=r.path.name) for r in probe_records if "experiment" in r.rows]
    if not frames:
        return pd.DataFrame()
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[
        (rows.experiment == "dcgan_recipe")
        & rows.variant.astype(str).str.match(LADDER_ROW)
        & (rows.images_seen >= 0.98 * images_seen)
    ]
    out = []
    for variant, g in rows.groupby("variant", sort=True):
        g = g.drop_duplicates("seed", keep="last").sort_values("seed")
        fids = g.fid.astype(float)
        out.append(
            {
                "variant": variant,
                "seeds": ", ".join(str(int(x)) for x in g.seed),
                "fids": fids.tolist(),
                "mean": fids.mean(),
                "std": fids.std(ddof=1) if len(fids) > 1 else math.nan,
                "n_fid": int(g.n_fid.max()),
                "images_seen": int(g.images_seen.max()),
                "records": ", ".join(sorted(set(g.record))),
                "member": _option(
                    str(g.command.iloc[-1]), "--member", "its experiment's first member"
                ),
                "overrides": str(g.overrides.iloc[-1]),
            }
        )
    return pd.DataFrame(out)


def _option(command: str, flag: str, default: str) -> str:
    """The value of a probe's ``--flag`` as its command says, or the probe's default."""
    match = re.search(rf"{flag}[= ](\S+)", command)
    return match.group(1) if match else default


def probe_rows_text(ladder: pd.DataFrame, rows: pd.DataFrame) -> str:
    """The ladder rows measured by the probe bench, beside the best row of the workflow's."""
    if rows.empty:
        return ""
    best = ladder.loc[ladder.fid_final.astype(float).idxmin()]
    lines = [
        "",
        "",
        "Rows measured by `python -m bench run probe` (the same training, settings and sampling "
        "as the workflow's; the final FID only, no curve; one record per seed), beside the "
        f"workflow's best row `{best.variant}` ({best.fid_final:.1f}):",
        "",
        "| probe | trained as | images seen | seeds | final FID | mean ± std | "
        "change from the best row | records |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows.itertuples():
        spread = f"{r.mean:.1f} ± {r.std:.1f}" if not math.isnan(r.std) else f"{r.mean:.1f}"
        fids = " / ".join(f"{f:.1f}" for f in r.fids)
        lines.append(
            f"| `{r.variant}` | `{r.member}` with `{r.overrides}` | {r.images_seen:,} | "
            f"{r.seeds} | {fids} "
            f"({r.n_fid:,} samples) | {spread} | {r.mean - float(best.fid_final):+.1f} | "
            f"{r.records} |"
        )
    return "\n".join(lines)


def snapshots_section(records: list[Record], grouped: dict | None = None) -> str:
    """The cost of keeping G every epoch: one row per architecture, and the config's sums."""
    record = records[-1]
    rows = own_columns(record.rows)
    per_run, total = rows.iloc[:-1], rows.iloc[-1]
    kinds = per_run.drop_duplicates(["model", "width", "image_size"])
    table = kinds[["model", "width", "image_size", "generator_mb", "checkpoint_mb"]]
    ratio = total.every_epoch_mb / total.checkpoints_mb
    return (
        f"{provenance_line(record)}\n\n{markdown_table(table.reset_index(drop=True))}\n\n"
        f"Over {total.run}: a generator every epoch ({fmt(int(total.epochs))} epochs) "
        f"{fmt(total.every_epoch_mb / 1024)} GB, against {fmt(total.checkpoints_mb / 1024)} GB "
        f"for the full checkpoints of the {fmt(int(total.checkpoints))} scored epochs "
        f"({fmt(ratio)}x)."
    )


PROBE_COLUMNS = [
    "variant", "seed", "overrides", "fid", "n_fid", "images_seen", "g_steps", "d_loss_end",
    "d_real_end", "d_fake_end", "d_accuracy_end", "d_violations_end", "grad_norm_d_end",
    "grad_norm_g_end", "d_sigma_max_end",
]  # fmt: skip


def probe_section(records: list[Record], grouped: dict | None = None) -> str:
    """Every probe of the latest day with probes (a day's probes are one investigation, run
    as several invocations), a table per record."""
    day = records[-1].date
    parts = []
    for record in [r for r in records if r.date == day]:
        rows = own_columns(record.rows)
        rows = rows[[c for c in PROBE_COLUMNS if c in rows]].dropna(axis=1, how="all")
        parts.append(f"{provenance_line(record)}\n\n{markdown_table(rows)}")
    older = len(records) - len(parts)
    note = f"\n\n({older} earlier records in bench/records.)" if older else ""
    return "\n\n".join(parts) + note


SECTIONS: dict[str, Callable[..., str]] = {
    "recipe": recipe_section,
    "generator_snapshots": snapshots_section,
    "probe": probe_section,
    "laptop_results": laptop_section,
}


# -- the README's quick start --------------------------------------------------------------------

QUICK_START = re.compile(r"<!-- begin quick-start -->(.*?)<!-- end quick-start -->", re.S)
INSTALL = re.compile(r"^(python3? -m venv|pip install|\. \.venv/bin/activate)")


def quick_start_commands(readme: Path) -> tuple[list[str], list[str]]:
    """(commands to run, install commands) of README.md's quick-start block, as a user types
    them: the tests and the first-run benchmark run exactly these."""
    match = QUICK_START.search(readme.read_text())
    fence = match and re.search(r"```bash\n(.*?)```", match.group(1), re.S)
    if not fence:
        raise ValueError(
            f"{readme}: no ```bash block between <!-- begin/end quick-start --> markers"
        )
    lines = [line.split("  #")[0].strip() for line in fence.group(1).splitlines()]
    lines = [line for line in lines if line and not line.startswith("#")]
    install = [ln for ln in lines if any(INSTALL.match(p.strip()) for p in ln.split("&&"))]
    return [line for line in lines if line not in install], install


# -- the shipped configs -----------------------------------------------------------------------

CONFIGS = {
    "config.yaml": "the full reproduction: every reference's experiments at GPU-sized budgets",
    "configs/first_run.yaml": "a first run: every kind of output once, in minutes on a laptop",
    "configs/mirror.yaml": "every experiment of config.yaml on a tiny budget: CI and the tests",
    "configs/laptop.yaml": "the laptop tier: each family long enough on a CPU for real FIDs",
    "configs/laptop_grid.yaml": "learning rate x batch size on the laptop tier's protocol",
    "configs/recipe.yaml": "the quality ladder: a DCGAN in 600,000 images, one ingredient a row",
}


def trained_runs(path: Path) -> int:
    """How many runs a config trains (a run shared by two experiments counts once)."""
    from ganrepro.config_files import load
    from ganrepro.experiments import expand_runs, trained_as

    return len(set(trained_as(expand_runs(load(path))).values()))


def measured_cost(config: str, grouped: dict[str, list[Record]]) -> str:
    """The cost of a config's run from its latest record, or what to run to measure it."""
    runs = [r for r in grouped.get("workflow_cost", []) if config in set(r.rows["config"])]
    if runs:
        total = runs[-1].rows.iloc[-1]
        return (
            f"{total.wall_s / 60:.1f} min, {int(total.jobs)} jobs "
            f"([{runs[-1].date}](bench/records/{runs[-1].path.name}))"
        )
    if config == "configs/laptop.yaml" and "laptop_results" in grouped:
        record = grouped["laptop_results"][-1]
        return (
            f"{float(record.first['total_wall_min']):.0f} min, every job "
            f"([{record.date}](bench/records/{record.path.name}))"
        )
    if config == "configs/recipe.yaml" and "recipe" in grouped:
        rows = ladder_rows(grouped["recipe"])
        return (
            f"{rows.wall_min.astype(float).mean():.0f} min of jobs a row "
            f"({len(rows)} rows; [docs/results.md](docs/results.md))"
        )
    return f"not measured yet (`python -m bench run workflow_cost --config {config}`)"


def configs_table(root: Path = REPO, directory: Path = RECORDS) -> str:
    grouped = by_benchmark(directory)
    rows = [
        {
            "config": f"`{name}`",
            "what it is for": purpose,
            "runs": trained_runs(root / name),
            "measured cost here": measured_cost(name, grouped),
        }
        for name, purpose in CONFIGS.items()
    ]
    return markdown_table(pd.DataFrame(rows))


# -- the documents ------------------------------------------------------------------------------


def by_benchmark(directory: Path) -> dict[str, list[Record]]:
    grouped: dict[str, list[Record]] = {}
    for record in read_records(directory):
        grouped.setdefault(record.benchmark, []).append(record)
    return grouped


def results_markdown(directory: Path = RECORDS) -> str:
    grouped = by_benchmark(directory)
    names = [n for n in ORDER if n in TITLES] + sorted(set(TITLES) - set(ORDER))
    names += sorted(set(grouped) - set(names))
    parts = [
        "# Results",
        "",
        f"Generated by `{COMMAND}` from the records under `bench/records/` (one per "
        "invocation of `python -m bench run <name>`); do not edit. Each table says its record, "
        "date, machine, packages, commit and code version. This machine's speed changes from "
        "day to day (2 shared cores): compare ratios measured in one record, not times across "
        "records. What was tried and learnt, dated, is in [findings.md](findings.md).",
    ]
    for name in names:
        title = TITLES.get(name, name)
        parts += ["", f"## {title}", ""]
        if name not in grouped:
            parts.append(f"No record yet: `python -m bench run {name}` writes one.")
            continue
        section = SECTIONS.get(name, generic_section)
        parts.append(section(grouped[name], grouped))
    return "\n".join(parts) + "\n"


def headline(directory: Path = RECORDS) -> str:
    """README's results block: the ladder's rows and the speed ratios, each from its record."""
    grouped = by_benchmark(directory)
    lines = []
    if "recipe" in grouped:
        rows = ladder_rows(grouped["recipe"])
        probed = ladder_probes(rows, grouped)
        best = ladder_best(rows, probed)
        lines.append(
            f"The quality ladder (`configs/recipe.yaml`, a DCGAN trained on CIFAR-10 on this "
            f"2-core CPU): FID **{best.shown}** after {int(rows.images_seen.max()):,} "
            f"images (row `{best.row}`, {best.measured}; {int(rows.n_final.max()):,} samples "
            "against the whole test split of the offline JPEG copy), one ingredient per row:"
        )
        lines += ["", markdown_table(ladder_table(rows).iloc[:, :4])]
        for r in probed.itertuples():
            spread = f" ± {r.std:.1f}" if not math.isnan(r.std) else ""
            lines += [
                "",
                f"Row `{r.variant}` (`{r.member}` with `{r.overrides}`), measured by the probe "
                f"bench on seeds {r.seeds}: **{r.mean:.1f}{spread}** ({r.images_seen:,} images; "
                f"records {r.records}).",
            ]
        goal = goal_text(rows, probed).replace("(findings.md)", "(docs/findings.md)")
        lines += ["", goal, "", f"![FID of each ladder row against images seen]({LADDER_FIGURE})"]
    if "laptop_results" in grouped:
        lines += ["", *laptop_headline(grouped["laptop_results"][-1])]
    speed = speed_table(grouped)
    if speed:
        lines += ["", "Speed against the tools our users would use instead, both sides in one run:"]
        lines += ["", speed]
    if not lines:
        lines.append("No records yet: see [docs/results.md](docs/results.md).")
    lines += ["", f"Every number above and in docs/results.md is generated (`{COMMAND}`)."]
    return "\n".join(lines)


def laptop_headline(record: Record) -> list[str]:
    """The laptop tier in brief: each family's final FID beside the published one."""
    rows = record.rows
    first = rows.iloc[0]
    table = laptop_table(rows)
    final = next(c for c in table.columns if c.startswith("final FID"))
    keep = ["family", "G steps", final, "learns", "published FID"]
    return [
        f"The laptop tier (`configs/laptop.yaml`: every family trained as its authors train it, "
        f"{int(first.images_seen):,} images seen by D each, on the same CPU; "
        f"[{record.date}](bench/records/{record.path.name})). The published FIDs are of other "
        "budgets and protocols (each one's difference: [docs/results.md](docs/results.md)):",
        "",
        markdown_table(table[keep]),
    ]


def speed_table(grouped: dict[str, list[Record]]) -> str:
    """Ours against the pytorch-fid CLI and PyTorch's DCGAN example, from the latest records:
    the first row of each record is theirs (ratio 1), the others ours."""
    rows = []
    what = {
        "fid_features": "FID statistics of {images} test images",
        "train_throughput": "DCGAN training, batch {batch_size}",
    }
    for name, task in what.items():
        if name not in grouped:
            continue
        record = grouped[name][-1]
        theirs, *ours = record.rows.to_dict("records")
        for side in ours:
            rows.append(
                {
                    "task": task.format(**{k: fmt(v) for k, v in theirs.items()}),
                    "theirs (images/s)": f"{theirs['side']}: {fmt(theirs['images_per_s'])}",
                    "ours (images/s)": f"{side['side']}: {fmt(side['images_per_s'])}",
                    "ratio": f"{side['ratio']:.2f}x",
                    "record": f"[{record.date}](bench/records/{record.path.name})",
                }
            )
    return markdown_table(pd.DataFrame(rows)) if rows else ""


def bench_index(directory: Path = RECORDS) -> str:
    rows = [
        {
            "record": f"[`{r.path.name}`](records/{r.path.name})",
            "benchmark": r.benchmark,
            "date": r.date,
            "rows": len(r.rows),
            "commit": r.first.get("commit", ""),
            "command": f"`{r.first.get('command', '')}`",
        }
        for r in read_records(directory)
    ]
    return markdown_table(pd.DataFrame(rows)) if rows else "No records yet."


def fill_blocks(text: str, blocks: dict[str, str], where: str) -> str:
    """Replace each generated block's body; a marker missing from the file is an error."""
    for name, body in blocks.items():
        pattern = re.compile(
            rf"(<!-- begin generated: {name} -->\n).*?(<!-- end generated: {name} -->)", re.S
        )
        if not pattern.search(text):
            raise ValueError(
                f"{where}: no '<!-- begin generated: {name} -->' ... '<!-- end generated: "
                f"{name} -->' markers; put them where the generated {name} block goes"
            )
        replacement = body.rstrip("\n") + "\n"
        text = pattern.sub(lambda m, r=replacement: m.group(1) + r + m.group(2), text)
    return text


def documents(root: Path = REPO, directory: Path = RECORDS) -> dict[Path, str]:
    """Every generated text file, path -> content."""
    readme = root / "README.md"
    bench = root / "bench" / "README.md"
    from ganrepro.reporting.config_reference import analyses_table
    from ganrepro.reporting.config_reference import markdown as configuration_reference

    evaluation = root / "docs" / "evaluation.md"

    return {
        root / "docs" / "results.md": results_markdown(directory),
        root / "docs" / "configuration.md": configuration_reference(),
        readme: fill_blocks(
            readme.read_text(),
            {"configs": configs_table(root, directory), "headline": headline(directory)},
            str(readme),
        ),
        bench: fill_blocks(bench.read_text(), {"records": bench_index(directory)}, str(bench)),
        evaluation: fill_blocks(
            evaluation.read_text(), {"analyses": analyses_table()}, str(evaluation)
        ),
    }


def figures(root: Path = REPO, directory: Path = RECORDS) -> dict[Path, Callable[[Path], None]]:
    grouped = by_benchmark(directory)
    out: dict[Path, Callable[[Path], None]] = {}
    if "recipe" in grouped:
        out[root / LADDER_FIGURE] = lambda p: ladder_figure(ladder_rows(grouped["recipe"]), p)
    if "laptop_results" in grouped:
        latest = grouped["laptop_results"][-1].rows
        out[root / LAPTOP_FIGURE] = lambda p: laptop_figure(latest, p)
    return out


def check(root: Path = REPO, directory: Path = RECORDS) -> list[str]:
    """The generated files that differ from a fresh generation (a diff each)."""
    problems = []
    for path, text in documents(root, directory).items():
        old = path.read_text() if path.exists() else ""
        if old != text:
            diff = difflib.unified_diff(
                old.splitlines(), text.splitlines(), str(path), "generated", lineterm="", n=1
            )
            problems.append("\n".join(list(diff)[:40]))
    for path, draw in figures(root, directory).items():
        fresh = path.with_name(f".{path.name}.check.png")
        try:
            draw(fresh)
            if not path.exists() or path.read_bytes() != fresh.read_bytes():
                problems.append(f"{path}: differs from a fresh drawing")
        finally:
            fresh.unlink(missing_ok=True)
    return problems


def write(root: Path = REPO, directory: Path = RECORDS) -> list[Path]:
    written = []
    for path, text in documents(root, directory).items():
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text(path, text)
            written.append(path)
    for path, draw in figures(root, directory).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        draw(path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if any file differs")
    args = parser.parse_args(argv)
    if args.check:
        problems = check()
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            print(f"generated files are out of date: run `{COMMAND}`", file=sys.stderr)
        return 1 if problems else 0
    for path in write():
        print(path.relative_to(REPO))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
