# Config validation, run expansion and every output path, in one place.
import sys
from importlib.metadata import version
from pathlib import Path

import jsonschema
import yaml
from snakemake.utils import validate

sys.path.insert(0, str(Path(workflow.basedir) / "lib"))  # the package, also without pip install -e
from ganrepro.experiments import expand_runs, trained_as

SCHEMA = Path(workflow.basedir) / "schemas" / "config.schema.yaml"
validate(config, str(SCHEMA))  # fills in defaults; an unknown key or bad value stops here


def _validate_runs(runs):
    """Grid values are validated after expansion, where each run's settings are whole."""
    schema = yaml.safe_load(SCHEMA.read_text())
    settings_schema = {**schema["$defs"]["settings"], "$defs": schema["$defs"]}
    # One validator for all runs: jsonschema.validate() re-checks the schema itself at every
    # call (0.1 s each, most of `snakemake -n` on a 50-run grid).
    validator = jsonschema.validators.validator_for(settings_schema)(settings_schema)
    for run in runs.values():
        err = jsonschema.exceptions.best_match(validator.iter_errors(run.settings))
        if err is not None:
            key = ".".join(str(p) for p in err.absolute_path)
            raise ValueError(f"config: experiments.{run.experiment} (run {run.name}): "
                             f"setting {key!r}: {err.message}")


try:
    RUNS = expand_runs(config)
except ValueError as err:
    raise ValueError(f"config: {err}") from None
_validate_runs(RUNS)
# A run identical to one of another experiment (same settings, seed, dataset) reads that run's
# files: jobs exist for TRAINED runs only, and the tables list every run of every experiment.
TRAINED_AS = trained_as(RUNS)
TRAINED = [run for run in RUNS if TRAINED_AS[run] == run]

R = config["results"]
LIB = Path(workflow.basedir) / "lib" / "ganrepro"
FID = config["fid"]
REF_SPLIT = FID["reference_split"]


def code(*modules):
    """Library modules a job depends on; editing one re-runs the jobs that use it.
    A folder stands for all its modules."""
    files = []
    for m in ("__init__.py", "io.py", *modules):
        path = LIB / m
        files += sorted(map(str, path.glob("*.py"))) if path.is_dir() else [str(path)]
    return files


def epochs(run):
    return RUNS[run].settings["eval_epochs"]


def dataset_of(run):
    return RUNS[run].dataset


def data_path(dataset, split):
    return f"{R}/data/{dataset}/{split}.npz"


def weights_path():
    return f"{R}/weights/fid_inception.pth"  # pytorch-fid's weights, under a name of our own


FID_BACKEND = FID["backend"]  # validate() filled in the schema's default
ONNX_GRAPH = f"{R}/weights/fid_inception.onnx"


def onnx_graph(wildcards):
    """The exported Inception graph, an input of the features jobs unless fid.backend is torch."""
    return {} if FID_BACKEND == "torch" else {"onnx": ONNX_GRAPH}


def ref_name(dataset):
    n = FID.get("reference_images")
    return f"{dataset}-{REF_SPLIT}-n{n if n else 'all'}"


def ref_stats_path(dataset):
    return f"{R}/fid_ref/{ref_name(dataset)}.npz"


def run_dir(run):
    return f"{R}/runs/{run}"


def checkpoint_path(run, epoch):
    return f"{R}/runs/{run}/checkpoints/epoch{int(epoch):04d}.pt"


def fid_path(run, epoch):
    return f"{R}/runs/{run}/fid/epoch{int(epoch):04d}.json"


def previous_epoch(run, epoch):
    """The checkpoint a training segment continues from (None for the first)."""
    earlier = [e for e in epochs(run) if e < int(epoch)]
    return max(earlier) if earlier else None


def all_fid_files():
    return [fid_path(run, e) for run in TRAINED for e in epochs(run)]


def final_losses_files():
    return [f"{R}/runs/{run}/losses/epoch{max(epochs(run)):04d}.csv" for run in TRAINED]


EXPERIMENTS = list(config["experiments"])


def all_targets():
    return [
        f"{R}/tables/fid_by_epoch.csv",
        f"{R}/tables/fid_summary.csv",
        f"{R}/plots/fid_vs_epoch.png",
        *expand(f"{R}/tables/experiments/{{exp}}.csv", exp=EXPERIMENTS),
        *expand(f"{R}/plots/losses/{{exp}}.png", exp=EXPERIMENTS),
        *[f"{R}/runs/{run}/samples/epoch{max(epochs(run)):04d}.png" for run in TRAINED],
        *analysis_targets(),
    ]


def previous_checkpoint(w):
    """Input of a training segment: the checkpoint of the previous eval epoch, if any."""
    prev = previous_epoch(w.run, w.epoch)
    return [checkpoint_path(w.run, prev)] if prev else []
