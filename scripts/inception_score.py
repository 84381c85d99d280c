"""Rule inception_score: IS of one checkpoint's samples from the cached pool3 features and the
weights' classifier; recorded as unavailable (no number) when the weights have no usable fc."""

import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path[:0] = [str(Path(snakemake.scriptdir).parent / "lib"), snakemake.scriptdir]  # noqa: F821

from ganrepro.analyses import protocol, read_features  # noqa: E402
from ganrepro.io import open_log, remake, sha256_file, write_json  # noqa: E402
from ganrepro.metrics.inception_score import (  # noqa: E402
    inception_score,
    load_classifier,
    logits_from_pool3,
)
from ganrepro.provenance import code_version  # noqa: E402


def main(*, features, weights, score, run, epoch, splits=10, seed=0, log=None):
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
            s = inception_score(logits_from_pool3(gen["features"], fc), splits=splits, seed=seed)
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
            splits=splits,
            seed=seed,
            logits="pool3 · fc.weightᵀ (no bias, as Salimans et al.)",
        )
        result["code"] = [code_version("inception_score")]
        write_json(score, result)
        print(
            f"{run} epoch {epoch}: IS {result['inception_score']} ({result['status']})", file=logf
        )


if "snakemake" in globals():
    from _rule import run_rule  # noqa: E402

    run_rule(main, snakemake)  # noqa: F821
