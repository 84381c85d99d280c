"""Rule fetch_weights (local): the FID Inception weights, copied from a file or downloaded once.

Runs on the submitting host, so compute jobs never need the internet.
"""

import shutil
from pathlib import Path

from ganrepro.io import atomic_path, open_log, sha256_file
from ganrepro.rule import run_rule


def main(*, source, weights, log=None):
    with open_log(log) as logf:
        if source:
            if not Path(source).is_file():
                raise FileNotFoundError(
                    f"FID weights not found at {source} (config key fid.weights). Point it at "
                    "pytorch-fid's pt_inception-2015-12-05-6726825d.pth (offline copy: "
                    "../shared/weights, see its README), or set fid.weights: null to download it."
                )
            with atomic_path(weights) as tmp:
                shutil.copyfile(source, tmp)
        else:
            import torch.hub
            from pytorch_fid.inception import FID_WEIGHTS_URL

            try:
                with atomic_path(weights) as tmp:
                    torch.hub.download_url_to_file(FID_WEIGHTS_URL, str(tmp), progress=False)
            except OSError as err:
                raise RuntimeError(
                    f"cannot download the FID weights from {FID_WEIGHTS_URL}: {err}. "
                    "Without internet, set fid.weights in the config to a local copy of that file "
                    "(on this project's machines: --configfile <config> configs/offline.yaml)."
                ) from err
        print(
            f"FID weights {weights} sha256 {sha256_file(weights)} (from {source or 'download'})",
            file=logf,
        )


if "snakemake" in globals():
    run_rule(main, snakemake)  # noqa: F821
