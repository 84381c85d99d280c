"""Rule reference_statistics: pool3 mean/covariance in pytorch-fid's .npz format (mu, sigma)."""

import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path.insert(0, str(Path(snakemake.scriptdir).parent / "lib"))  # noqa: F821

import numpy as np  # noqa: E402
from ganrepro.io import open_log  # noqa: E402
from ganrepro.metrics.frechet import save_statistics, statistics  # noqa: E402


def main(features, stats, log=None):
    with open_log(log) as logf:
        with np.load(features) as f:
            feats, sha = f["features"], f["weights_sha256"]
            backend = f["backend"] if "backend" in f else np.array("unknown")
        mu, sigma = statistics(feats)
        # n, the weights hash and the backend travel with the statistics; pytorch-fid reads only
        # mu and sigma.
        save_statistics(
            stats, mu, sigma, n=np.array(len(feats)), weights_sha256=sha, backend=backend
        )
        print(f"statistics of {len(feats)} images -> {stats}", file=logf)


if "snakemake" in globals():
    main(snakemake.input.features, snakemake.output.stats, snakemake.log[0])  # noqa: F821
