# Config validation, run expansion and every output path, in one place.
import os
import sys
from importlib.metadata import version
from pathlib import Path

# The package, also without `pip install -e`, for this process and for every script job: a job is
# a `python` child that inherits PYTHONPATH (a SLURM job's snakemake re-reads this file), with this
# checkout's lib ahead of any installed copy. --use-conda drops PYTHONPATH; then Snakemake's script
# preamble, which appends this process's sys.path, still finds lib.
LIB = str(Path(workflow.basedir) / "lib")
sys.path.insert(0, LIB)
if LIB not in os.environ.get("PYTHONPATH", "").split(os.pathsep):
    os.environ.update(PYTHONPATH=os.pathsep.join(filter(None, [LIB, os.environ.get("PYTHONPATH")])))
from ganrepro.config_schema import config_schema, validate_config
from ganrepro.experiments import (
    expand_runs,
    previous_checkpoint_epoch,
    run_folders,
    settings_hash,
    split_definition,
    split_key,
    trained_as,
)
from ganrepro.io import write_csv_rows, write_json
from ganrepro.reporting.labels import describe_setting
from ganrepro.reporting.references import our_protocol
from ganrepro.reporting.summaries import run_summary

# The schema file's settings part is generated from the declarations (lib/ganrepro/training/settings.py).
# Validation fills in defaults; an unknown key or bad value stops here, before any job.
try:
    validate_config(config, config_schema(Path(workflow.basedir) / "schemas" / "config.schema.yaml"))
    # every run's settings are whole only after expansion (defaults, variant, grid point): each
    # is checked against its declarations there, a family's model_options included
    RUNS = expand_runs(config)
except ValueError as err:
    raise ValueError(f"config: {err}") from None

# The config files this workflow was started with, for the report's front page.
config["configfiles"] = [str(f) for f in workflow.config_settings.configfiles] or ["config.yaml"]
# ... and with what each extends (by file name where outside this checkout: no machine path)
config["config_sources"] = LOADED.describe(Path(workflow.basedir), bare_outside=True)

# RUNS are the members of the experiments (what tables and the report list); each refers to a
# run folder named by what shapes its weights (ganrepro.experiments). Members that train the same
# weights share a folder: jobs exist per folder (TRAINED), each made once for all its members.
TRAINED_AS = trained_as(RUNS)  # member -> run folder
FOLDERS = run_folders(RUNS)  # run folder -> what its jobs need (union over its members)
TRAINED = list(FOLDERS)

R = config["results"]
BENCH = f"{R}/benchmarks"  # a file per compute job (ganrepro.reporting.costs reads them)
FID = config["fid"]
REF_SPLIT = FID["reference_split"]
EXPERIMENTS = list(config["experiments"])


def epochs(run):
    """A run folder's checkpoint epochs: every member's eval epochs and last epoch."""
    return FOLDERS[run].checkpoint_epochs


def member_epochs(member):
    """A member's own checkpoint epochs (its eval epochs and its last epoch)."""
    return RUNS[member].settings["eval_epochs"]


# Fewer samples at a run's intermediate epochs (fid.intermediate_images): its curve is scored at
# that n throughout (the last epoch on the first n of its samples too), its final FID at
# fid.generated_images.
CURVE_IMAGES = FID.get("intermediate_images")


def generated_images(run, epoch):
    """Samples drawn from a run's checkpoint of that epoch: the final n where the epoch is some
    member's last."""
    if CURVE_IMAGES and int(epoch) not in FOLDERS[run].final_epochs:
        return CURVE_IMAGES
    return FID["generated_images"]


def dataset_of(run):
    return FOLDERS[run].dataset


def data_key(dataset, split):
    return split_key(config["datasets"][dataset], split)


def data_path(dataset, split):
    """A prepared split, under a hash of its definition (source, root, size, ...): pointing a
    dataset elsewhere and back finds the earlier arrays again."""
    return f"{R}/data/{dataset}/{split}-{data_key(dataset, split)}.npz"


def weights_path():
    return f"{R}/weights/fid_inception.pth"  # pytorch-fid's weights, under a name of our own


FID_BACKEND = FID["backend"]  # validate_config() filled in the schema's default
ONNX_GRAPH = f"{R}/weights/fid_inception.onnx"


def onnx_graph(wildcards):
    """The exported Inception graph, an input of the features jobs unless fid.backend is torch."""
    return {} if FID_BACKEND == "torch" else {"onnx": ONNX_GRAPH}


def features_path(dataset, split, n):
    """Pool3 features of a split's first n images (stratified), made by reference_features."""
    return f"{R}/fid_ref/{dataset}-{split}-{data_key(dataset, split)}-n{n if n else 'all'}.features.npz"


def ref_stats_path(dataset):
    n = FID.get("reference_images")
    return f"{R}/fid_ref/{dataset}-{REF_SPLIT}-{data_key(dataset, REF_SPLIT)}-n{n if n else 'all'}.npz"


def run_dir(run):
    return f"{R}/runs/{run}"


def checkpoint_path(run, epoch):
    return f"{R}/runs/{run}/checkpoints/epoch{int(epoch):04d}.pt"


def fid_path(run, epoch):
    return f"{R}/runs/{run}/fid/epoch{int(epoch):04d}.json"


def existing_checkpoints(run):
    """Epochs whose checkpoint a run folder holds on disk, whoever asked for them."""
    folder = Path(f"{R}/runs/{run}/checkpoints")
    names = os.listdir(folder) if folder.is_dir() else []
    return [int(n[5:9]) for n in names if n.startswith("epoch") and n.endswith(".pt")]


def previous_epoch(run, epoch):
    """The checkpoint a training segment continues from (None for the first): training
    continues from what exists, so a longer run continues a shorter one and a changed set of
    scored epochs re-trains nothing that exists (ganrepro.experiments.training_spine)."""
    return previous_checkpoint_epoch(int(epoch), list(epochs(run)), existing_checkpoints(run))


def previous_checkpoint(w):
    """Input of a training segment: the checkpoint of the previous eval epoch, if any."""
    prev = previous_epoch(w.run, w.epoch)
    return [checkpoint_path(w.run, prev)] if prev else []


def summary_path(run):
    return f"{R}/runs/{run}/summary.json"


def has_ablation(exp):
    """An experiment with more than one setting (grid points or variants) gets an ablation
    figure (heatmap or bars)."""
    e = config["experiments"][exp]
    return bool(e.get("variants") or e.get("grid"))


def final_grids_of(exp):
    """The final sample grid of each of an experiment's runs (of the run it was trained as)."""
    grids = [
        f"{R}/runs/{TRAINED_AS[n]}/samples/epoch{max(member_epochs(n)):04d}.png"
        for n, r in RUNS.items()
        if r.experiment == exp
    ]
    return list(dict.fromkeys(grids))


def summaries_of(exp):
    """The summaries an experiment's table reads: of the runs its runs were trained as."""
    names = [TRAINED_AS[n] for n, r in RUNS.items() if r.experiment == exp]
    return [summary_path(n) for n in dict.fromkeys(names)]


# What an experiment's table needs to know of each of its runs, in a file (made by the manifest
# job) rather than in params: a job's params are printed by `snakemake -n` when they change and
# listed in the report. One per experiment: editing one experiment re-makes its table only.
def _protocol(run):
    """Our protocol for a run, in the vocabulary of the reference entries."""
    dataset = config["datasets"][run.dataset]
    return our_protocol(
        dataset, REF_SPLIT, FID.get("reference_images"), FID["generated_images"], run.settings
    )


def _ordered_keys(exp):
    """The experiment's variants and grid keys in config order (labels and figures use it)."""
    e = config["experiments"][exp]
    return {"variants": list(e.get("variants") or {}), "grid_keys": list(e.get("grid") or {})}


MANIFESTS = {
    exp: {
        "experiment": exp,
        "description": config["experiments"][exp].get("description", ""),
        "reference": config["experiments"][exp].get("reference", []),
        **_ordered_keys(exp),
        # config order (the file's keys are sorted): tables list settings in this order
        "run_order": [name for name, r in RUNS.items() if r.experiment == exp],
        "runs": {
            name: {
                "experiment": r.experiment,
                "trained_as": TRAINED_AS[name],
                "seed": r.seed,
                "grid": r.grid,
                "dataset": r.dataset,
                "settings": r.settings,
                "identity_settings": r.identity_settings,
                "protocol": _protocol(r),
            }
            for name, r in RUNS.items()
            if r.experiment == exp
        },
    }
    for exp in EXPERIMENTS
}


def write_logged(path, obj, log):
    """A `run:` rule's JSON output, and a line in its log."""
    write_json(path, obj)
    Path(log[0]).parent.mkdir(parents=True, exist_ok=True)
    Path(log[0]).write_text(f"wrote {path}\n")


def run_files(run):
    """Every file a trained run's jobs make, epoch by epoch."""
    for e in epochs(run):
        base = f"{R}/runs/{run}"
        yield checkpoint_path(run, e)
        yield f"{base}/losses/epoch{e:04d}.csv"
        yield f"{base}/grids/epoch{e:04d}.png"
        yield from (f"{base}/samples/epoch{e:04d}.{ext}" for ext in ("npz", "png"))
        yield f"{base}/features/epoch{e:04d}.npz"
        yield fid_path(run, e)


def experiment_files(exp):
    """Every file an experiment's table job makes."""
    yield f"{R}/tables/experiments/{exp}.csv"
    yield f"{R}/plots/losses/{exp}.png"
    yield f"{R}/plots/health/{exp}.png"
    yield from (f"{R}/tables/comparisons/{exp}.{ext}" for ext in ("csv", "html"))
    yield from (
        f"{R}/plots/experiments/{exp}.{kind}.png" for kind in ("fid_vs_epoch", "ablation", "samples")
    )


def lost_files():
    """Files of finished runs (their summary exists) and experiments (their rows exist) that are
    gone: deleted by hand, removed by Snakemake after a job that re-made them failed, or new
    outputs of a newer version of a rule. Snakemake does not re-make a missing file whose results
    exist, so they become targets (and what was made from them follows); in a complete workflow
    there are none, and the targets stay a handful of files."""
    runs = [
        path
        for run in TRAINED
        if os.path.exists(summary_path(run))
        for path in run_files(run)
        if not os.path.exists(path)
    ]
    experiments = [
        path
        for exp in EXPERIMENTS
        if os.path.exists(f"{R}/tables/experiments/{exp}.by_epoch.csv")
        for path in experiment_files(exp)
        if not os.path.exists(path)
    ]
    return runs + experiments


COST_TABLES = [f"{R}/tables/costs/{name}.csv" for name in ("runs", "experiments", "jobs")]


# Report navigation: categories in the order of the flow (the report sorts them by name), a
# subcategory per experiment (per dataset for the data), and labels on every item, "item"
# first: the report sorts a subcategory's items by their labels in order.
DATA, TRAINING, FID_SCORES, ABLATIONS, ANALYSES, COST = (
    "1 Data",
    "2 Training",
    "3 FID",
    "4 Ablations",
    "5 Analyses",
    "6 Cost",
)
ALL_EXPERIMENTS = "(all experiments)"


def run_labels(run, **more):
    """A run folder's report labels, short and human: its first member's setting in words
    (left out in an experiment of one setting), its seed and more (the epoch). No folder name:
    its hash says nothing to a reader, and long labels widen the report's sidebar until the
    figures get half the page. Within a subcategory (one experiment) setting and seed name one
    member, so no two items share their labels (the report would show only one of them)."""
    r = RUNS[FOLDERS[run].members[0]]
    setting = describe_setting(r.grid)
    return {**({"setting": setting} if setting else {}), "seed": str(r.seed), **more}


def all_targets():
    """The tables across experiments, the analyses, and lost files. Everything else
    (checkpoints, samples and their grids, features, scores, per-experiment tables) is made on
    the way; a target list of every file would make `snakemake -n` print lines of thousands of
    paths."""
    return [
        f"{R}/tables/fid_by_epoch.csv",
        f"{R}/tables/fid_summary.csv",
        f"{R}/tables/code_versions.csv",
        f"{R}/plots/fid_vs_epoch.png",
        *COST_TABLES,
        *(f"{R}/plots/data/{d}.png" for d in sorted({r.dataset for r in RUNS.values()})),
        *analysis_targets(),
        *lost_files(),
    ]


def split_definition_checked(w):
    """The definition of the split a prepare_data job makes; its path's key must be today's
    (a path with another key is the file of an earlier definition: never overwritten)."""
    definition = split_definition(config["datasets"][w.dataset], w.split)
    if w.key != data_key(w.dataset, w.split):
        raise ValueError(
            f"{R}/data/{w.dataset}/{w.split}-{w.key}.npz belongs to an earlier definition of "
            f"dataset {w.dataset!r}; today's is {data_path(w.dataset, w.split)}"
        )
    return definition
