"""Precision, recall, density and coverage of one checkpoint's samples against the reference
split, from the cached features (ganrepro.evaluation.metrics.prdc), with their protocol; four rows
of the analysis table."""

from __future__ import annotations

from typing import Any

from ganrepro.evaluation.analyses import protocol, read_features, row, same_weights
from ganrepro.evaluation.metrics.prdc import precision_recall_density_coverage
from ganrepro.io import open_log, write_json
from ganrepro.provenance import code_version

# the record's keys, their rows' names and whose definitions they are
METRICS = {
    "precision": ("Precision", "Kynkäänniemi et al. 2019"),
    "recall": ("Recall", "Kynkäänniemi et al. 2019"),
    "density": ("Density", "Naeem et al. 2020"),
    "coverage": ("Coverage", "Naeem et al. 2020"),
}


def compute(
    *,
    features,
    reference_features,
    score,
    run,
    epoch,
    reference,
    prdc_k,
    prdc_max_samples,
    seed,
    log=None,
):
    """``reference_features``: the reference split's features file; ``reference``: which split
    it is ({dataset, split}). ``prdc_max_samples``: score a seeded random subset of at most this
    many features per set (None: all)."""
    with open_log(log) as logf:
        gen, ref = read_features(features), read_features(reference_features)
        result = {"run": run, "epoch": epoch, "status": gen["status"], **dict.fromkeys(METRICS)}
        counts = {"n_generated": len(gen["features"]), "n_real": None}
        sha = None
        if gen["status"] == "ok":
            sha = same_weights(gen, ref, names=[features, reference_features])
            scores = precision_recall_density_coverage(
                ref["features"],
                gen["features"],
                k=prdc_k,
                max_samples=prdc_max_samples,
                seed=seed,
            )
            result.update({m: scores[m] for m in METRICS})
            counts = {"n_generated": scores["n_generated"], "n_real": scores["n_real"]}
        result["protocol"] = protocol(
            "PRDC",
            n_generated=counts["n_generated"],
            reference={**reference, "n_images": len(ref["features"])},
            weights_sha256=sha,
            k=prdc_k,
            n_real=counts["n_real"],  # the real features scored: fewer with max_samples
            max_samples=prdc_max_samples,
            seed=seed,
        )
        result["code"] = [code_version("prdc")]
        write_json(score, result)
        values = ", ".join(f"{m} {result[m]}" for m in METRICS)
        print(f"{run} epoch {epoch}: {values} ({result['status']})", file=logf)


def rows(result: dict[str, Any], base: dict[str, Any]) -> list[dict[str, Any]]:
    p = result["protocol"]
    counts = (
        f"; {p['n_generated']} generated vs {p['n_real']} real features" if p.get("n_real") else ""
    )
    return [
        row(
            base,
            metric,
            result.get(key),
            None,
            result["status"],
            p,
            f"{source}, k={p.get('k')} nearest neighbours{counts}",
        )
        for key, (metric, source) in METRICS.items()
    ]
