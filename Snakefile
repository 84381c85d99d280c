# ganrepro: GAN experiments from config.yaml to an HTML report.
#   snakemake --cores 8                                  # the full reproduction (GPU-sized)
#   snakemake --cores 2 --configfile configs/mirror.yaml  # the same chain, minutes on a CPU
#   snakemake --report results/report.html               # after a run: tables, plots, grids
import sys
from pathlib import Path

from snakemake.logging import logger
from snakemake.utils import min_version, update_config

min_version("9.0")

sys.path.insert(0, str(Path(workflow.basedir) / "lib"))  # the package, also without pip install -e
from ganrepro import config_files

# A config file may build on others (`extends:`, lib/ganrepro/config_files.py), which Snakemake
# does not know: the config is read again from the --configfile(s) with what they extend, and
# --config is laid over it. config.yaml comes first unless they make a full config (one with
# experiments: Snakemake would otherwise merge the two, and configs/mirror.yaml would inherit
# the full experiments); an overlay alone (configs/offline.yaml) is laid over config.yaml.
try:
    CONFIG_FILES = [*workflow.config_settings.configfiles]
    LOADED = config_files.read(CONFIG_FILES)
    if "experiments" not in LOADED.config:

        configfile: "config.yaml"

        LOADED = config_files.read(["config.yaml", *CONFIG_FILES])
except config_files.ConfigFileError as err:
    raise ValueError(f"config: {err}") from None
config.clear()
config.update(LOADED.config)
update_config(config, dict(workflow.config_settings.config))  # --config key=value, last
# the files they extend too: the report lists them, a deployment without a shared disk ships them
KNOWN_FILES = {Path(f).resolve() for f in workflow.configfiles}
workflow.configfiles.extend(f for f in LOADED.files() if f.resolve() not in KNOWN_FILES)
if workflow.is_main_process:
    OVERRIDES = "".join(f", --config {key}" for key in workflow.config_settings.config)
    logger.info(f"config from: {LOADED.describe()}{OVERRIDES}")


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
