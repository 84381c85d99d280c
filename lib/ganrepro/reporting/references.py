"""Reference values beside ours: which of an experiment's settings a published number belongs
to, our numbers for that setting, the difference, and where the two protocols differ.

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
from typing import Any

import pandas as pd

from ganrepro.reporting.labels import describe_setting
from ganrepro.reporting.pages import table_page

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


def comparison_table(
    rows: pd.DataFrame,
    runs: Mapping[str, Mapping[str, Any]],
    references: Iterable[Mapping[str, Any]],
    protocols: Mapping[str, Mapping[str, Any]],
) -> pd.DataFrame:
    """One row per setting of an experiment (its grid point / variant, seeds together), as the
    reference lays it out, with the reference values that belong to it.

    ``rows``: the experiment's FID per run and epoch (tables.fid_by_epoch); ``runs``: its
    manifest entries (grid, settings); ``protocols``: our protocol per run (our_protocol).
    A reference value at an epoch is compared with our FID at that epoch (if scored); one
    without an epoch with our final FID; mean/std/min with ours over the scored epochs.
    """
    references = list(references)
    out = []
    used: set[int] = set()
    # rows in the config's order of settings (as the reference lays its table out)
    order = {json.dumps(r["grid"], sort_keys=True): i for i, r in enumerate(runs.values())}
    groups = sorted(rows.groupby("grid", sort=False), key=lambda kv: order.get(kv[0], 1e9))
    for grid_json, g in groups:
        grid = json.loads(grid_json)
        names = list(dict.fromkeys(g.run))
        settings = runs[names[0]]["settings"]
        finals = _finals(g)
        bests = _per_run(_of_final_n(g), lambda r: r.fid.min())
        row = {
            "setting": describe_setting(grid) or "(the experiment's one setting)",
            **{f"setting.{k}": v for k, v in grid.items()},
            "seeds": len(names),
            "final_fid": _mean_std(finals),
            "best_fid": _mean_std(bests),
        }
        matched = [
            (i, ref)
            for i, ref in enumerate(references)
            if belongs_to(ref.get("setting", {}), grid, settings)
        ]
        if not matched:
            out.append({**row, "reference": "", "ours": "", "difference": "", "source": ""})
        for i, ref in matched:
            used.add(i)
            ours, theirs = _ours_for(ref, g), _reference_value(ref)
            diff = ""
            if ours is not None and theirs is not None and not math.isnan(ours):
                diff = f"{ours - theirs:+.2f}"
            differs = protocol_differences(ref.get("protocol", {}), _scored(protocols[names[0]], g))
            out.append(
                {
                    **row,
                    "metric": _metric_label(ref),
                    "reference": _show_reference(ref),
                    "ours": "" if ours is None else _fmt(ours),
                    "difference": diff,
                    "source": _source(ref),
                    "protocol differs": "; ".join(differs) or "none",
                }
            )
    unmatched = [ref for i, ref in enumerate(references) if i not in used]
    for ref in unmatched:  # said, not dropped: the setting is not run by this experiment
        out.append(
            {
                "setting": f"not run: {describe_setting(ref.get('setting', {}))}",
                "seeds": 0,
                "metric": _metric_label(ref),
                "reference": _show_reference(ref),
                "source": _source(ref),
            }
        )
    table = pd.DataFrame(out, dtype=object).fillna("")
    first = ["setting", *[c for c in table.columns if c.startswith("setting.")], "seeds",
             "final_fid", "best_fid", "metric", "reference", "ours", "difference"]  # fmt: skip
    return table[[c for c in first if c in table] + [c for c in table if c not in first]]


def _per_run(g: pd.DataFrame, fn) -> list[float]:
    return [float(fn(r)) for _, r in g.groupby("run", sort=False)]


def _ours_for(ref: Mapping[str, Any], g: pd.DataFrame) -> float | None:
    """Our number that corresponds to the reference's: at its epoch, final, or the statistic
    over epochs it gives (mean over seeds)."""
    if ref.get("metric", "FID") != "FID":
        return None
    epoch = ref.get("epoch")
    if epoch is not None:
        at = g[g.epoch == epoch].fid
        return float(at.mean()) if len(at) else None
    if "value" not in ref:  # mean / std / min over epochs
        stat = next(k for k in ("mean", "min", "std") if k in ref)
        per_run = (
            _of_final_n(g)
            .groupby("run")
            .fid.agg({"mean": "mean", "min": "min", "std": "std"}[stat])
        )
        return float(per_run.mean())
    if ref.get("of") == "best":  # e.g. StudioGAN's: the best of its evaluations
        return float(pd.Series(_per_run(_of_final_n(g), lambda r: r.fid.min())).mean())
    return float(pd.Series(_finals(g)).mean())


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


def _reference_value(ref: Mapping[str, Any]) -> float | None:
    for key in ("value", "mean", "min", "std"):
        if key in ref:
            return float(ref[key])
    return None


def _metric_label(ref: Mapping[str, Any]) -> str:
    metric = ref.get("metric", "FID")
    stat = next((k for k in ("mean", "min", "std") if k in ref and "value" not in ref), None)
    epoch = ref.get("epoch")
    label = metric if stat is None else f"{metric} {stat} over epochs"
    return f"{label} at epoch {epoch}" if epoch is not None else label


def _show_reference(ref: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{k} {ref[k]}" if k != "value" else f"{ref[k]}" for k in VALUE_KEYS if k in ref
    )


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
    "Ours: mean ± std over seeds. Difference: ours − reference, at the same point (the "
    "reference's epoch, its final or best checkpoint, or the same statistic over epochs). "
    "Protocol differs: each field where the reference's protocol is not ours."
)


def comparison_html(table: pd.DataFrame, experiment: str, description: str = "") -> str:
    """The comparison table as a page a person reads in the report."""
    return table_page(
        f"{experiment}: ours beside the references",
        [("", table)],
        description=description,
        note=_COMPARISON_NOTE,
    )
