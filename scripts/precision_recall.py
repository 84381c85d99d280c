"""Rule prdc: precision, recall, density and coverage of one checkpoint's samples, from the cached
features."""

import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path[:0] = [str(Path(snakemake.scriptdir).parent / "lib"), snakemake.scriptdir]  # noqa: F821

from ganrepro.analyses import protocol, read_features, same_weights  # noqa: E402
from ganrepro.io import open_log, write_json  # noqa: E402
from ganrepro.metrics.prdc import precision_recall_density_coverage  # noqa: E402
from ganrepro.provenance import code_version  # noqa: E402

METRICS = ("precision", "recall", "density", "coverage")


def main(
    *,
    features,
    reference_features,
    score,
    run,
    epoch,
    reference,
    k=3,
    max_samples=None,
    seed=0,
    log=None,
):
    """``reference_features``: the reference split's features file; ``reference``: which split
    it is ({dataset, split}). ``max_samples``: score a seeded random subset of at most this many
    features per set (None: all)."""
    with open_log(log) as logf:
        gen, ref = read_features(features), read_features(reference_features)
        result = {"run": run, "epoch": epoch, "status": gen["status"], **dict.fromkeys(METRICS)}
        counts = {"n_generated": len(gen["features"]), "n_real": None}
        sha = None
        if gen["status"] == "ok":
            sha = same_weights(gen, ref, names=[features, reference_features])
            scores = precision_recall_density_coverage(
                ref["features"], gen["features"], k=k, max_samples=max_samples, seed=seed
            )
            result.update({m: scores[m] for m in METRICS})
            counts = {"n_generated": scores["n_generated"], "n_real": scores["n_real"]}
        result["protocol"] = protocol(
            "PRDC",
            n_generated=counts["n_generated"],
            reference={**reference, "n_images": len(ref["features"])},
            weights_sha256=sha,
            k=k,
            n_real=counts["n_real"],  # the real features scored: fewer with max_samples
            max_samples=max_samples,
            seed=seed,
        )
        result["code"] = [code_version("prdc")]
        write_json(score, result)
        values = ", ".join(f"{m} {result[m]}" for m in METRICS)
        print(f"{run} epoch {epoch}: {values} ({result['status']})", file=logf)


if "snakemake" in globals():
    from _rule import run_rule  # noqa: E402

    run_rule(main, snakemake)  # noqa: F821
