"""Rule reference_statistics: pool3 mean/covariance in pytorch-fid's .npz format (mu, sigma)."""

import json

import numpy as np
from ganrepro.evaluation.metrics.frechet import save_statistics, statistics
from ganrepro.io import load_npz, open_log
from ganrepro.provenance import code_version
from ganrepro.rule import run_rule


def main(*, features, stats, log=None):
    with open_log(log) as logf:
        f = load_npz(features, required=["features", "weights_sha256"])
        feats = f["features"]
        mu, sigma = statistics(feats)
        code = [*(json.loads(str(f["code"])) if "code" in f else []), code_version("statistics")]
        # n, the weights hash, the backend and the code travel with the statistics; pytorch-fid
        # reads only mu and sigma.
        save_statistics(
            stats,
            mu,
            sigma,
            n=np.array(len(feats)),
            weights_sha256=f["weights_sha256"],
            backend=f.get("backend", np.array("unknown")),
            code=np.array(json.dumps(code)),
        )
        print(f"statistics of {len(feats)} images -> {stats}", file=logf)


if "snakemake" in globals():
    run_rule(main, snakemake)  # noqa: F821
