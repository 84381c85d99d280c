"""Rule fid: FID of one checkpoint's samples against the reference statistics, with its protocol."""

import json

from ganrepro.evaluation.metrics.frechet import (  # torch-free: this job only does linear algebra
    fid_protocol,
    frechet_distance_to_features,
)
from ganrepro.events import run_dir_of, write_scores
from ganrepro.io import load_npz, open_log, write_json
from ganrepro.provenance import code_version
from ganrepro.rule import run_rule


def main(
    *,
    features,
    reference,
    weights,
    score,
    run,
    epoch,
    dataset,
    reference_split,
    frechet_method="eigh",
    infinity=None,
    subset_sizes=(),
    tensorboard=True,
    log=None,
):
    """``dataset``: the reference split's definition and the dataset's name. ``infinity``: None
    (off) or {"sizes": [...] or None, "min_size": int or None, "seed": int} to add FID∞, the
    FID extrapolated to infinitely many samples (``ganrepro.evaluation.metrics.fid_infinity``).
    ``subset_sizes``: also the FID of the first n samples for each n below the sample count
    (fid.intermediate_images: the last epoch scored at the n of the run's other epochs)."""
    with open_log(log) as logf:
        ref = load_npz(reference, required=["mu", "sigma", "n"])
        mu_r, sigma_r, n_ref = ref["mu"], ref["sigma"], int(ref["n"])
        ref_backend = str(ref["backend"]) if "backend" in ref else "unknown"
        gen = load_npz(features, required=["features", "status"])
        status, feats = str(gen["status"]), gen["features"]
        gen_backend = str(gen["backend"]) if "backend" in gen else "unknown"
        protocol = fid_protocol(
            n_generated=len(feats),
            reference={
                "dataset": dataset["name"],
                "source": dataset["source"],
                "root": dataset.get("root"),
                "image_size": dataset.get("image_size"),
                "split_images": dataset.get("images"),  # null: the whole split
                "split": reference_split,
                "n_images": n_ref,
                "statistics": str(reference),
            },
            weights_path=weights,
            device="n/a (features cached)",
            frechet_method=frechet_method,
            # a diverged run has no features, so no backend to compare
            features_backend={"generated": gen_backend, "reference": ref_backend}
            if status == "ok"
            else {"reference": ref_backend},
        )
        fid = fid_inf = None
        if status == "ok":
            fid = frechet_distance_to_features(feats, mu_r, sigma_r, method=frechet_method)
        if status == "ok" and infinity is not None:
            # imported only when asked for, so FIDs without it do not record (and go stale
            # with) its code
            from ganrepro.evaluation.metrics.fid_infinity import fid_infinity

            fid_inf = fid_infinity(
                feats,
                mu_r,
                sigma_r,
                sizes=infinity.get("sizes"),
                min_size=infinity.get("min_size"),
                seed=infinity.get("seed", 0),
                method=frechet_method,
            )
        subsets = [
            {
                "n": n,
                "fid": frechet_distance_to_features(
                    feats[:n], mu_r, sigma_r, method=frechet_method
                ),
            }
            for n in sorted(set(subset_sizes))
            if status == "ok" and n < len(feats)
        ]
        # the code of every stage behind this number: the samples' (training, sampling,
        # features), the reference statistics' (features, statistics), and this job's
        code = [*_recorded(gen), *_recorded(ref), code_version("fid")]
        result = {"run": run, "epoch": epoch, "fid": fid, "status": status, "protocol": protocol}
        if subsets:
            result["fid_subsets"] = subsets
        if infinity is not None:
            result["fid_infinity"] = fid_inf  # null for a run without samples, like fid
        write_json(score, {**result, "code": code})
        line = f"{run} epoch {epoch}: FID {fid}"
        for sub in subsets:
            line += f", FID of the first {sub['n']} samples {sub['fid']}"
        if fid_inf is not None:
            line += f", FID∞ {fid_inf['fid_infinity']} (sizes {fid_inf['sizes']})"
        print(f"{line} ({status})", file=logf)
        curves = {"FID": fid, "FID_infinity": fid_inf["fid_infinity"] if fid_inf else None}
        write_scores(
            run_dir_of(features), epoch, curves, metric="fid", enabled=tensorboard, log=logf
        )


def _recorded(arrays):
    return json.loads(str(arrays["code"])) if "code" in arrays else []


if "snakemake" in globals():
    run_rule(main, snakemake)  # noqa: F821
