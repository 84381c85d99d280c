"""Rule kid: Kernel Inception Distance of one checkpoint's samples, from the cached features."""

import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path[:0] = [str(Path(snakemake.scriptdir).parent / "lib"), snakemake.scriptdir]  # noqa: F821

from ganrepro.analysis import protocol, read_features, same_weights  # noqa: E402
from ganrepro.events import run_dir_of, write_scores  # noqa: E402
from ganrepro.io import open_log, write_json  # noqa: E402
from ganrepro.metrics.kid import kernel_inception_distance  # noqa: E402
from ganrepro.provenance import code_version  # noqa: E402


def main(
    *,
    features,
    reference_features,
    score,
    run,
    epoch,
    reference,
    subsets,
    subset_size,
    seed=0,
    tensorboard=True,
    log=None,
):
    """``reference_features``: the reference split's features file; ``reference``: which split
    it is ({dataset, split})."""
    with open_log(log) as logf:
        gen, ref = read_features(features), read_features(reference_features)
        result = {"run": run, "epoch": epoch, "status": gen["status"], "kid": None, "kid_std": None}
        details = {"subsets": subsets, "subset_size": subset_size, "seed": seed}
        sha = None
        if gen["status"] == "ok":
            sha = same_weights(gen, ref, names=[features, reference_features])
            kid = kernel_inception_distance(
                gen["features"],
                ref["features"],
                subsets=subsets,
                subset_size=subset_size,
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


if "snakemake" in globals():
    from _rule import run_rule  # noqa: E402

    run_rule(main, snakemake)  # noqa: F821
