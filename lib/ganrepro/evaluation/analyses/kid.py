"""KID of one checkpoint's samples against the reference split, from the cached features
(ganrepro.evaluation.metrics.kid), with its protocol; a row of the analysis table."""

from __future__ import annotations

from typing import Any

from ganrepro.evaluation.analyses import protocol, read_features, row, same_weights
from ganrepro.evaluation.metrics.kid import kernel_inception_distance
from ganrepro.events import run_dir_of, write_scores
from ganrepro.io import open_log, write_json
from ganrepro.provenance import code_version


def compute(
    *,
    features,
    reference_features,
    score,
    run,
    epoch,
    reference,
    kid_subsets,
    kid_subset_size,
    seed,
    tensorboard=True,
    log=None,
):
    """``reference_features``: the reference split's features file; ``reference``: which split
    it is ({dataset, split})."""
    with open_log(log) as logf:
        gen, ref = read_features(features), read_features(reference_features)
        result = {"run": run, "epoch": epoch, "status": gen["status"], "kid": None, "kid_std": None}
        details = {"subsets": kid_subsets, "subset_size": kid_subset_size, "seed": seed}
        sha = None
        if gen["status"] == "ok":
            sha = same_weights(gen, ref, names=[features, reference_features])
            kid = kernel_inception_distance(
                gen["features"],
                ref["features"],
                subsets=kid_subsets,
                subset_size=kid_subset_size,
                seed=seed,
            )
            result.update(kid=kid["kid"], kid_std=kid["kid_std"])
            details["kernel"] = kid["kernel"]
        result["protocol"] = protocol(
            "KID",
            n_generated=len(gen["features"]),
            reference={**reference, "n_images": len(ref["features"])},
            weights_sha256=sha,
            **details,
        )
        result["code"] = [code_version("kid")]
        write_json(score, result)
        write_scores(
            run_dir_of(features),
            epoch,
            {"KID": result["kid"]},
            metric="kid",
            enabled=tensorboard,
            log=logf,
        )
        print(
            f"{run} epoch {epoch}: KID {result['kid']} ± {result['kid_std']} ({result['status']})",
            file=logf,
        )


def rows(result: dict[str, Any], base: dict[str, Any]) -> list[dict[str, Any]]:
    p = result["protocol"]
    return [
        row(
            base,
            "KID",
            result.get("kid"),
            result.get("kid_std"),
            result["status"],
            p,
            f"unbiased MMD² {p.get('kernel', '')}, mean ± std over {p.get('subsets')} "
            f"subsets of {p.get('subset_size')}",
        )
    ]
