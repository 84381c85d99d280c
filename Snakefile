# ganrepro: GAN experiments from config.yaml to an HTML report.
#   snakemake --cores 8                                  # the full reproduction (GPU-sized)
#   snakemake --cores 2 --configfile configs/mirror.yaml  # the same chain, minutes on a CPU
#   snakemake --report results/report.html               # after a run: tables, plots, grids
from snakemake.utils import min_version

min_version("9.0")


# config.yaml unless --configfile names another full config (one with experiments: Snakemake
# would otherwise merge the two, and configs/mirror.yaml would inherit the full experiments).
# An overlay alone (configs/offline.yaml) is laid over config.yaml.
if "experiments" not in config:

    configfile: "config.yaml"


include: "rules/common.smk"


wildcard_constraints:
    run="[A-Za-z0-9_.-]+",
    epoch=r"\d{4}",
    dataset="[A-Za-z0-9_]+",
    split="train|test",
    key="[0-9a-f]{8}",
    n=r"\d+|all",
    exp="[A-Za-z0-9_]+",


include: "rules/data.smk"
include: "rules/train.smk"
include: "rules/evaluate.smk"
include: "rules/analysis.smk"
include: "rules/report.smk"


report: "report/workflow.rst"


rule all:
    input:
        all_targets(),
    default_target: True
