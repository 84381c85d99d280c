"""Reference values beside ours: which of an experiment's settings a published number belongs
to, our number at the same point, and whether the two compare. One table per source table,
shaped as the source prints it (a paper's rows, a per-epoch log, statistics over epochs); a
difference only where dataset and resolution are the same; the protocol differences said once
per table.

A reference entry (config.yaml, `reference:` of an experiment) is a plain dict:

    metric: FID                       # FID | IS | KID
    value: 56.5                       # or mean / std / min, as the source gives them
    epoch: 100                        # optional: the number is at this epoch (else: final)
    source: {document: "003", where: "Table 2, row 4"}
    protocol: {dataset: dogs, resolution: 64, generated_images: null, ...}   # null: not stated
    setting: {batch_size: 64, lr_d: 0.0005, lr_g: 0.001}                    # the row it is of

Plain Python and pandas; no torch.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any

import pandas as pd

from ganrepro.reporting.labels import describe_setting
from ganrepro.reporting.pages import html_page

METRICS = ("FID", "IS", "KID")
VALUE_KEYS = ("value", "mean", "std", "min")
# Protocol fields, in the order the `protocol differs` column names them.
PROTOCOL_FIELDS = (
    "dataset",
    "jpeg",
    "resolution",
    "generated_images",
    "reference_split",
    "reference_images",
    "feature_extractor",
    "epochs",
    "iterations",
    "batch_size",
)
# Free text a reference may add about its protocol; never compared.
PROTOCOL_NOTES = ("note",)


def our_protocol(
    dataset: Mapping[str, Any],
    reference_split: str,
    reference_images: int | None,
    generated_images: int,
    settings: Mapping[str, Any],
    train_images: int | None = None,
) -> dict[str, Any]:
    """Our protocol for one run, in the reference entries' vocabulary."""
    epochs, batch = settings.get("epochs"), settings.get("batch_size")
    iterations = None
    if train_images and epochs and batch:
        iterations = epochs * (train_images // batch)
    return {
        "dataset": dataset.get("describes") or dataset["source"],
        "jpeg": bool(dataset.get("jpeg", False)),
        "resolution": dataset["image_size"],
        "generated_images": generated_images,
        "reference_split": reference_split,
        "reference_images": reference_images,
        "feature_extractor": "pytorch-fid",
        "epochs": epochs,
        "iterations": iterations,
        "batch_size": batch,
    }


def protocol_differences(theirs: Mapping[str, Any], ours: Mapping[str, Any]) -> list[str]:
    """The fields where the reference's protocol is not ours: each named with both values
    (a field the reference does not state, null, is named as "not stated")."""
    out = []
    for field in PROTOCOL_FIELDS:
        if field not in theirs:
            continue
        mine, their = ours.get(field), theirs[field]
        if their is None:
            out.append(f"{field} (not stated)")
        elif not _same(their, mine):
            out.append(f"{field} ({_show(their)} vs ours {_show(mine)})")
    return out


def belongs_to(setting: Mapping[str, Any], grid: Mapping[str, Any], run: Mapping[str, Any]) -> bool:
    """Whether a reference's `setting` names this run's row: each key equals the run's grid
    coordinate (``variant`` included) or, failing that, its resolved setting."""
    for key, value in setting.items():
        mine = grid.get(key, run.get(key))
        if isinstance(value, dict) and isinstance(mine, dict):
            if any(not _same(v, mine.get(k)) for k, v in value.items()):
                return False
        elif not _same(value, mine):
            return False
    return True


# The columns of the comparison CSV: one row per reference value (a mean/std/min entry gives
# one row per statistic), every column filled where it applies.
CSV_COLUMNS = (
    "table", "shape", "row", "source", "setting", "seeds", "metric", "statistic", "at",
    "epoch", "reference", "ours", "ours_std", "difference", "not compared",
    "protocol differs", "reference note", "our settings",
)  # fmt: skip
_ONE_SETTING = "(the experiment's one setting)"
# At most this many settings that tell a table's rows apart are spelled out as its columns
# (lr_batch's batch size, D and G rates, as 003 prints them); more would not be read.
MAX_SETTING_COLUMNS = 4


def comparison_table(
    rows: pd.DataFrame,
    runs: Mapping[str, Mapping[str, Any]],
    references: Iterable[Mapping[str, Any]],
    protocols: Mapping[str, Mapping[str, Any]],
) -> pd.DataFrame:
    """One row per reference value, in the references' (the source's) order, with ours at the
    same point beside it: at its epoch, our final or best checkpoint (``of``), or the same
    statistic over our scored epochs. ``table`` names the source table it belongs to (see
    ``source_table``), ``shape`` how that table is laid out (rows, epochs, statistics).

    A ``difference`` (ours − reference) only where the two protocols are comparable, the same
    dataset and resolution; otherwise ``not compared`` says why ("dataset differs (ImageNet
    dogs vs CIFAR-10)", "not reached (epoch 970 vs our 2)", "not run in this config").

    ``rows``: the experiment's FID per run and epoch (tables.fid_by_epoch); ``runs``: its
    manifest entries (grid, settings); ``protocols``: our protocol per run (our_protocol).
    """
    references = list(references)
    groups = {grid_json: g for grid_json, g in rows.groupby("grid", sort=False)}
    out = []
    titles: dict[str, str] = {}
    for ref in references:
        table, row_label = source_table(ref, titles)
        matched = [
            name
            for name, r in runs.items()
            if belongs_to(ref.get("setting", {}), r["grid"], r["settings"])
        ]
        grids = list(dict.fromkeys(json.dumps(runs[n]["grid"], sort_keys=True) for n in matched))
        g = pd.concat([groups[k] for k in grids if k in groups]) if grids else None
        setting = describe_setting(ref.get("setting", {}))
        if g is not None and len(grids) == 1:
            setting = describe_setting(json.loads(grids[0]))
        differs, note = "", ref.get("protocol", {}).get("note", "")
        if matched:
            differs = "; ".join(
                protocol_differences(ref.get("protocol", {}), _scored(protocols[matched[0]], g))
            )
        for stat in [k for k in VALUE_KEYS if k in ref]:
            value = float(ref[stat])
            ours, ours_std, why = _ours_at(ref, stat, g, runs, matched, protocols)
            diff = None
            if ours is not None and not why:
                diff = round(ours - value, 6)
            out.append(
                {
                    "table": table,
                    "shape": _shape(ref),
                    "row": f"{stat} over epochs" if stat != "value" else row_label,
                    "source": _source(ref),
                    "setting": setting or _ONE_SETTING,
                    "seeds": 0 if g is None else g.run.nunique(),
                    "metric": ref.get("metric", "FID"),
                    "statistic": stat,
                    "at": _at(ref),
                    "epoch": ref.get("epoch"),
                    "reference": value,
                    "ours": ours,
                    "ours_std": ours_std,
                    "difference": diff,
                    "not compared": why,
                    "protocol differs": differs or ("none" if matched else ""),
                    "reference note": note,
                    "our settings": "",
                    "_settings": runs[matched[0]]["settings"] if matched else None,
                    "_variant": "variant" in ref.get("setting", {}),
                }
            )
    _spell_out_settings(out)
    table = pd.DataFrame(out, columns=list(CSV_COLUMNS))
    for column in ("reference", "ours", "ours_std", "difference"):
        table[column] = pd.to_numeric(table[column]).astype(float)
    table["epoch"] = pd.to_numeric(table["epoch"]).astype("Int64")
    return table


def _spell_out_settings(out: list[dict]) -> None:
    """A table whose rows are named variants gets the settings that tell them apart (ours,
    scalars, at most MAX_SETTING_COLUMNS) in ``our settings``, as "batch_size 64, lr_d 0.001"."""
    for table in dict.fromkeys(r["table"] for r in out):
        members = [r for r in out if r["table"] == table]
        known = [r["_settings"] for r in members if r["_settings"] is not None]
        rows_shaped = all(r["shape"] == "rows" and r["_variant"] for r in members)
        if not rows_shaped or len(known) < 2:
            continue
        keys = [
            k
            for k, v in known[0].items()
            if isinstance(v, str | int | float | bool)
            and len({json.dumps(s.get(k)) for s in known}) > 1
        ]
        if not keys or len(keys) > MAX_SETTING_COLUMNS:
            continue
        for r in members:
            if r["_settings"] is not None:
                r["our settings"] = describe_setting({k: r["_settings"].get(k) for k in keys})


def source_table(ref: Mapping[str, Any], titles: dict[str, str] | None = None) -> tuple[str, str]:
    """The source table a reference value is printed in, and its row there, from
    ``source.where``: "Table - X, row 1" is row "row 1" of "003: Table - X". A per-epoch value
    belongs to its document's epoch table, a statistic over epochs to its statistics.
    ``titles`` (document -> last table title) lets a row that names only itself ("row WGAN-GP")
    continue the table above it."""
    titles = {} if titles is None else titles
    src = ref.get("source", {})
    doc, where = str(src.get("document", "?")), str(src.get("where", "")).strip()
    shape = _shape(ref)
    if shape == "epochs":
        return f"{doc}: FID per epoch", f"epoch {ref['epoch']}"
    if shape == "statistics":
        return f"{doc}: FID over all epochs", where
    head, rest = _split_top_level(where)
    if rest:
        title, row = head, rest
    elif where.lower().startswith("row ") and doc in titles:
        title, row = titles[doc], where
    else:
        title, row = where, where
    titles[doc] = title
    return f"{doc}: {title}", row


def _split_top_level(text: str) -> tuple[str, str]:
    """Split at the first ", " outside parentheses."""
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and text.startswith(", ", i):
            return text[:i], text[i + 2 :]
    return text, ""


def _shape(ref: Mapping[str, Any]) -> str:
    if ref.get("epoch") is not None:
        return "epochs"
    return "rows" if "value" in ref else "statistics"


def _at(ref: Mapping[str, Any]) -> str:
    if ref.get("epoch") is not None:
        return f"epoch {ref['epoch']}"
    if "value" not in ref:
        return "over epochs"
    return str(ref.get("of", "final"))


def _ours_at(
    ref: Mapping[str, Any],
    stat: str,
    g: pd.DataFrame | None,
    runs: Mapping[str, Mapping[str, Any]],
    matched: list[str],
    protocols: Mapping[str, Mapping[str, Any]],
) -> tuple[float | None, float | None, str]:
    """Ours at the reference's point (mean and std over seeds), and why no difference is
    printed ("" when it is)."""
    if g is None or not len(g):
        return None, None, "not run in this config"
    metric = ref.get("metric", "FID")
    if metric != "FID":
        return None, None, f"no {metric} of ours"
    last = max(_our_epochs(runs[n], g) for n in matched)
    epoch = ref.get("epoch")
    theirs = ref.get("protocol", {})
    if epoch is not None and epoch > last:
        return None, None, f"not reached (epoch {epoch} vs our {last})"
    span = theirs.get("epochs")
    if stat != "value" and span and span > last:
        return None, None, f"not reached ({span} epochs vs our {last})"
    if epoch is not None:
        per_run = g[g.epoch == epoch].fid
        if not len(per_run):
            return None, None, f"not scored at epoch {epoch}"
    elif stat != "value":
        agg = {"mean": "mean", "min": "min", "std": "std"}[stat]
        per_run = _of_final_n(g).groupby("run").fid.agg(agg)
    elif ref.get("of") == "best":  # e.g. StudioGAN's: the best of its evaluations
        per_run = pd.Series(_per_run(_of_final_n(g), lambda r: r.fid.min()))
    else:
        per_run = pd.Series(_finals(g))
    per_run = per_run.dropna()
    if not len(per_run):
        return None, None, "diverged"
    ours = float(per_run.mean())
    std = float(per_run.std(ddof=1)) if len(per_run) > 1 else None
    return ours, std, _not_comparable(theirs, _scored(protocols[matched[0]], g))


def _our_epochs(run: Mapping[str, Any], g: pd.DataFrame) -> int:
    epochs = run.get("settings", {}).get("epochs")
    return int(epochs) if epochs else int(g.epoch.max())


def _not_comparable(theirs: Mapping[str, Any], ours: Mapping[str, Any]) -> str:
    """Why two protocols' FIDs do not compare ("" if they do): a different or unstated
    dataset or resolution."""
    for field in ("dataset", "resolution"):
        their, mine = theirs.get(field), ours.get(field)
        if their is None:
            return f"{field} not stated"
        if not _same(their, mine):
            return f"{field} differs ({_show(their)} vs {_show(mine)})"
    return ""


def unreferenced_settings(
    rows: pd.DataFrame,
    runs: Mapping[str, Mapping[str, Any]],
    references: Iterable[Mapping[str, Any]],
) -> pd.DataFrame:
    """The experiment's settings no reference value belongs to, with our final and best FID
    (mean ± std over seeds): further rows of ours beside the source's."""
    references = list(references)
    order = {json.dumps(r["grid"], sort_keys=True): i for i, r in enumerate(runs.values())}
    out = []
    for grid_json, g in sorted(
        rows.groupby("grid", sort=False), key=lambda kv: order.get(kv[0], 1e9)
    ):
        grid = json.loads(grid_json)
        names = list(dict.fromkeys(g.run))
        settings = runs[names[0]]["settings"]
        if any(belongs_to(r.get("setting", {}), grid, settings) for r in references):
            continue
        out.append(
            {
                "setting": describe_setting(grid) or _ONE_SETTING,
                "seeds": len(names),
                "final FID": _mean_std(_finals(g)),
                "best FID": _mean_std(_per_run(_of_final_n(g), lambda r: r.fid.min())),
            }
        )
    return pd.DataFrame(out, columns=["setting", "seeds", "final FID", "best FID"])


def _per_run(g: pd.DataFrame, fn) -> list[float]:
    return [float(fn(r)) for _, r in g.groupby("run", sort=False)]


def _of_final_n(g: pd.DataFrame) -> pd.DataFrame:
    """The scores of each run made from as many samples as its final one: with
    fid.intermediate_images, best and statistics over epochs compare scores of one n."""
    if "n_generated" not in g:
        return g
    final_n = g.sort_values("epoch").groupby("run").n_generated.transform("last")
    return g[g.n_generated == final_n.reindex(g.index)]


def _finals(g: pd.DataFrame) -> list[float]:
    """Each run's FID at its last scored epoch."""
    return _per_run(g, lambda r: r.sort_values("epoch").fid.iloc[-1])


def _source(ref: Mapping[str, Any]) -> str:
    src = ref.get("source", {})
    return f"{src.get('document', '?')}: {src.get('where', '')}".strip(": ")


def _mean_std(values: list[float]) -> str:
    v = [x for x in values if not math.isnan(x)]
    if not v:
        return "diverged"
    if len(v) == 1:
        return _fmt(v[0])
    s = pd.Series(v)
    return f"{s.mean():.2f} ± {s.std(ddof=1):.2f}"


def _fmt(x: float) -> str:
    return f"{x:.2f}"


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().lower() == b.strip().lower()
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-9)
    return a == b


def _scored(protocol: Mapping[str, Any], rows: pd.DataFrame) -> dict[str, Any]:
    """Our protocol with the reference size the scores used where the config leaves it to the
    split (``fid.reference_images: null``: all of it, a number known once the data is read)."""
    out = dict(protocol)
    if (
        out.get("reference_images") is None
        and "n_reference" in rows
        and rows.n_reference.notna().any()
    ):
        out["reference_images"] = int(rows.n_reference.max())
    return out


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "?" if value is None else str(value)


def figure_references(references: Iterable[Mapping[str, Any]], *, final: bool) -> list[dict]:
    """Reference FIDs as the figures draw them: per-epoch values (``final=False``) and values
    of the final or best checkpoint; statistics over epochs (mean/std/min) are left to the
    tables."""
    out = []
    for ref in references:
        if ref.get("metric", "FID") != "FID" or "value" not in ref:
            continue
        if final and ref.get("epoch") is not None:
            continue
        src = ref.get("source", {})
        out.append(
            {
                "setting": dict(ref.get("setting", {})),
                "epoch": ref.get("epoch"),
                "value": float(ref["value"]),
                "label": f"{src.get('document', 'reference')} ({ref.get('of', 'final')})"
                if ref.get("epoch") is None
                else str(src.get("document", "reference")),
            }
        )
    return out


_COMPARISON_NOTE = (
    "Reference values as their source prints them. Ours: mean ± std over seeds, at the "
    "reference's point (its epoch, our final or best checkpoint, or the same statistic over our "
    "scored epochs). Difference: ours − reference, printed only where the two protocols score "
    "the same dataset at the same resolution; otherwise the cell says why not."
)
_NO_REFERENCES = "No reference values: no source prints a number for this experiment's settings."


def comparison_html(
    table: pd.DataFrame,
    experiment: str,
    description: str = "",
    ours_only: pd.DataFrame | None = None,
) -> str:
    """The comparison as a person reads it: one table per source table, laid out as the
    source lays it out (its rows in its order, a per-epoch log as epochs), the reference's
    number beside ours, and the protocol differences said once above each table.
    ``table``: comparison_table's rows; ``ours_only``: unreferenced_settings'."""
    parts = []
    if not len(table):
        parts.append(f"<p>{escape(_NO_REFERENCES)}</p>")
    for name, t in table.groupby("table", sort=False):
        settings = set(t["setting"])
        if t["shape"].iloc[0] == "epochs" and len(settings) == 1 and _ONE_SETTING not in settings:
            name = f"{name}, {settings.pop()}"  # a log of one setting: named once
        parts.append(f"<h3>{escape(str(name))}</h3>")
        parts.append(_protocol_paragraph(t))
        parts.append(_html_table(_source_shaped(t)))
    if ours_only is not None and len(ours_only):
        parts.append("<h3>Our settings without a reference value</h3>")
        parts.append(_html_table(ours_only))
    return html_page(
        f"{experiment}: ours beside the references",
        "\n".join(parts),
        description=description,
        note=_COMPARISON_NOTE if len(table) else "",
    )


def _source_shaped(t: pd.DataFrame) -> pd.DataFrame:
    """One source table's rows as the page shows them."""
    shape = t["shape"].iloc[0]
    doc = str(t["table"].iloc[0]).split(":")[0].split()[0]  # "003", "PyTorch-StudioGAN"
    ats = list(dict.fromkeys(t["at"]))
    ours_head = {
        "rows": f"ours ({', '.join(ats)})",
        "epochs": "ours at that epoch",
        "statistics": "ours over our scored epochs",
    }[shape]
    out = pd.DataFrame(index=t.index)
    one_setting = set(t["setting"]) == {_ONE_SETTING}
    if shape == "epochs":
        out["epoch"] = t["epoch"].astype(int)
    elif shape == "rows":
        out[f"{doc} row"] = t["row"]
    if not one_setting and (shape != "epochs" or t["setting"].nunique() > 1):
        out["setting"] = t["setting"]
    if shape == "statistics":
        out["statistic"] = t["row"]
    spelled = [s for s in t["our settings"] if s]
    if spelled and len(spelled) == len(t):
        for i, settings in zip(t.index, spelled, strict=True):
            for item in settings.split(", "):
                key, _, value = item.partition(" ")
                out.loc[i, f"{key} (ours)"] = value
    if shape == "rows" or t["seeds"].max() > 1:
        out["seeds"] = t["seeds"]
    out[f"{doc} {t['metric'].iloc[0]}"] = [f"{v:g}" for v in t["reference"]]
    out[ours_head] = [_ours_text(o, s) for o, s in zip(t["ours"], t["ours_std"], strict=True)]
    out["difference"] = [
        f"{d:+.2f}" if _present(d) else why
        for d, why in zip(t["difference"], t["not compared"], strict=True)
    ]
    return out


def _ours_text(ours: Any, std: Any) -> str:
    if not _present(ours):
        return ""
    return _fmt(ours) + (f" ± {_fmt(std)}" if _present(std) else "")


def _present(x: Any) -> bool:
    return x is not None and x != "" and not (isinstance(x, float) and math.isnan(x))


def _protocol_paragraph(t: pd.DataFrame) -> str:
    """The protocol differences of a source table, once: a difference of only some of its
    rows names them."""
    labels = [str(r) for r in (t["epoch"] if t["shape"].iloc[0] == "epochs" else t["row"])]
    run = [(lab, d) for lab, d in zip(labels, t["protocol differs"], strict=True) if d]
    items: dict[str, list[str]] = {}
    for label, differs in run:
        for item in differs.split("; "):
            if item != "none":
                items.setdefault(item, []).append(label)
    said = []
    for item, where in items.items():
        rows = list(dict.fromkeys(where))
        said.append(item if len(where) == len(run) else f"{item} [{', '.join(rows)}]")
    text = "; ".join(said) or ("none" if run else "not known (no run of ours)")
    notes = "; ".join(n for n in dict.fromkeys(t["reference note"]) if n)
    out = f"<b>Protocol differences</b> (theirs vs ours): {escape(text)}."
    if notes:
        out += f"<br><b>The source's note</b>: {escape(notes)}."
    return f'<p class="protocol">{out}</p>'


def _html_table(df: pd.DataFrame) -> str:
    return df.to_html(index=False, escape=True, na_rep="", border=0)
