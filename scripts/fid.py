"""Rule fid: FID of one checkpoint's samples against the reference statistics, with its protocol."""

import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path.insert(0, str(Path(snakemake.scriptdir).parent / "lib"))  # noqa: F821

import numpy as np  # noqa: E402
from ganrepro.io import open_log, write_json  # noqa: E402
from ganrepro.metrics.frechet import (  # noqa: E402 (torch-free: this job only does linear algebra)
    fid_protocol,
    frechet_distance_to_features,
    load_statistics,
)


def main(
    features,
    reference,
    weights,
    score,
    run,
    epoch,
    dataset,
    reference_split,
    log=None,
    frechet_method="eigh",
):
    with open_log(log) as logf:
        with np.load(reference) as f:
            n_ref = int(f["n"])
            ref_backend = str(f["backend"]) if "backend" in f else "unknown"
        mu_r, sigma_r = load_statistics(reference)
        with np.load(features) as f:
            status, feats = str(f["status"]), f["features"]
            gen_backend = str(f["backend"]) if "backend" in f else "unknown"
        protocol = fid_protocol(
            n_generated=len(feats),
            reference={
                "dataset": dataset["name"],
                "source": dataset["source"],
                "root": dataset.get("root"),
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
        fid = None
        if status == "ok":
            fid = frechet_distance_to_features(feats, mu_r, sigma_r, method=frechet_method)
        write_json(
            score, {"run": run, "epoch": epoch, "fid": fid, "status": status, "protocol": protocol}
        )
        print(f"{run} epoch {epoch}: FID {fid} ({status})", file=logf)


if "snakemake" in globals():
    sm = snakemake  # noqa: F821
    main(
        sm.input.features,
        sm.input.reference,
        sm.input.weights,
        sm.output.score,
        sm.params.run,
        sm.params.epoch,
        sm.params.dataset,
        sm.params.reference_split,
        sm.log[0],
        sm.params.frechet_method,
    )
