"""Inception Score of one checkpoint's samples from the cached pool3 features and the weights'
classifier (ganrepro.evaluation.metrics.inception_score); recorded as unavailable (no number) when
the weights have no usable classifier. A row of the analysis table."""

from __future__ import annotations

from typing import Any

from ganrepro.evaluation.analyses import protocol, read_features, row
from ganrepro.evaluation.metrics.inception_score import (
    inception_score,
    load_classifier,
    logits_from_pool3,
)
from ganrepro.io import open_log, remake, sha256_file, write_json
from ganrepro.provenance import code_version


def compute(*, features, weights, score, run, epoch, is_splits, seed, log=None):
    with open_log(log) as logf:
        fc, reason = load_classifier(weights)  # a state-dict check: no network is built
        gen = read_features(features)
        sha = sha256_file(weights)
        if gen["weights_sha256"] not in (None, sha):
            raise ValueError(
                f"{features} was computed with other Inception weights than {weights} "
                f"(sha256 differs). {remake(features)}"
            )
        result = {
            "run": run,
            "epoch": epoch,
            "inception_score": None,
            "inception_score_std": None,
            "reason": None,
        }
        if reason is not None:
            result.update(status="unavailable", reason=f"Inception Score not computed: {reason}")
            print(f"REFUSED: {result['reason']}", file=logf)
        elif gen["status"] != "ok":
            result.update(status=gen["status"], reason=f"no samples: run {gen['status']}")
        else:
            logits = logits_from_pool3(gen["features"], fc)
            s = inception_score(logits, splits=is_splits, seed=seed)
            result.update(
                status="ok",
                inception_score=s["inception_score"],
                inception_score_std=s["inception_score_std"],
            )
        result["protocol"] = protocol(
            "Inception Score",
            n_generated=len(gen["features"]),
            reference=None,
            weights_sha256=sha,
            splits=is_splits,
            seed=seed,
            logits="pool3 · fc.weightᵀ (no bias, as Salimans et al.)",
        )
        result["code"] = [code_version("inception_score")]
        write_json(score, result)
        print(
            f"{run} epoch {epoch}: IS {result['inception_score']} ({result['status']})", file=logf
        )


def rows(result: dict[str, Any], base: dict[str, Any]) -> list[dict[str, Any]]:
    p = result["protocol"]
    return [
        row(
            base,
            "Inception Score",
            result.get("inception_score"),
            result.get("inception_score_std"),
            result["status"],
            p,
            result.get("reason") or f"{p.get('splits')} shuffled splits, {p.get('logits')}",
        )
    ]
