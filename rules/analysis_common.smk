# Run selection, paths and the final targets of rules/analysis.smk, and what its rules are made
# of: each analysis's inputs, outputs and params, from its entry in ganrepro.evaluation.analysis (functions
# only, kept apart from the rules as `snakemake --lint` asks).
from ganrepro.evaluation import analysis as analysis_registry  # (ANALYSES: the report category)

ANALYSIS = config.get("analysis") or {}


def _analysis_runs():
    """The first run (first variant and grid point, first seed) of each experiment named in
    analysis.runs: the analyses cost as much as a few FIDs each, so they are not run for all.
    Each as the run whose files hold it (TRAINED_AS), with the experiment it was chosen for."""
    names = {}
    for exp in ANALYSIS.get("runs", []):
        first = next((name for name, run in RUNS.items() if run.experiment == exp), None)
        if first is None:
            raise ValueError(
                f"config: analysis.runs: {exp!r} is not an experiment of this config "
                f"(experiments: {', '.join(EXPERIMENTS)}); list experiment names"
            )
        names.setdefault(TRAINED_AS[first], (exp, max(member_epochs(first))))
    return names


# {run folder: (experiment it was chosen for, that member's last epoch)}
ANALYSIS_RUNS = _analysis_runs()


def analysis_dir(run, epoch):
    return f"{R}/analysis/{run}/epoch{int(epoch):04d}"


def reference_of(run):
    return {"dataset": dataset_of(run), "split": REF_SPLIT}


ANALYSIS_LOG = f"{R}/logs/analysis/{{run}}/epoch{{epoch}}"
RUN_EPOCH = f"{R}/analysis/{{run}}/epoch{{epoch}}"
CATEGORY = ANALYSES


def _labels(figure):
    return lambda w: {"item": figure, **run_labels(w.run, epoch=w.epoch)}


def _run_item_labels(figure):
    return lambda w: {"item": figure, **run_labels(w.run)}


def _experiment(w):
    """An analysed run's subcategory: the experiment it was chosen for."""
    return ANALYSIS_RUNS[w.run][0] if w.run in ANALYSIS_RUNS else FOLDERS[w.run].experiments[0]


def analysis_targets():
    """The analysis table, which needs every analysis (nothing without analysis.runs)."""
    return [f"{R}/tables/analysis.csv"] if ANALYSIS_RUNS else []


# -- each analysis's rule, from its registry entry ----------------------------------------------

# The file of each kind of input an analysis may declare (ganrepro.evaluation.analysis.INPUTS).
ANALYSIS_INPUTS = {
    "features": f"{R}/runs/{{run}}/features/epoch{{epoch}}.npz",
    "samples": f"{R}/runs/{{run}}/samples/epoch{{epoch}}.npz",
    "checkpoint": f"{R}/runs/{{run}}/checkpoints/epoch{{epoch}}.pt",
    "checkpoints": lambda w: [checkpoint_path(w.run, e) for e in epochs(w.run)],
    "reference_features": lambda w: features_path(
        dataset_of(w.run), REF_SPLIT, FID.get("reference_images")
    ),
    "test_features": lambda w: features_path(
        dataset_of(w.run), "test", FID.get("reference_images")
    ),
    "train_features": lambda w: features_path(
        dataset_of(w.run), "train", ANALYSIS.get("train_reference_images")
    ),
    "reference_data": lambda w: data_path(dataset_of(w.run), REF_SPLIT),
    "train_data": lambda w: data_path(dataset_of(w.run), "train"),
    "test_data": lambda w: data_path(dataset_of(w.run), "test"),
    "weights": weights_path(),
}
# What an analysis may be told of its run (ganrepro.evaluation.analysis.CONTEXT).
ANALYSIS_CONTEXT = {
    "run": lambda w: w.run,
    "epoch": lambda w: int(w.epoch),
    "epochs": lambda w: list(epochs(w.run)),
    "run_seed": lambda w: FOLDERS[w.run].seed,
    "dataset": lambda w: dataset_of(w.run),
    "reference": lambda w: reference_of(w.run),
}


def analysis_folder(a):
    return RUN_EPOCH if a.of == "checkpoint" else f"{R}/analysis/{{run}}"


def analysis_inputs(a):
    return {name: ANALYSIS_INPUTS[kind] for name, kind in a.inputs.items()}


def analysis_outputs(a):
    """Its files in the analysis folder; those with a caption are report items."""
    labels = _labels if a.of == "checkpoint" else _run_item_labels
    return {
        name: report(
            f"{analysis_folder(a)}/{out.file}",
            caption=f"../report/{out.caption}",
            category=CATEGORY,
            subcategory=_experiment,
            labels=labels(out.label),
        )
        if out.caption
        else f"{analysis_folder(a)}/{out.file}"
        for name, out in a.outputs.items()
    }


def analysis_params(a):
    """What it is told of the run, and its keys of the config's `analysis:` section (whose
    defaults the schema filled in)."""
    return {
        **{name: ANALYSIS_CONTEXT[name] for name in a.context},
        **{name: ANALYSIS.get(name) for name in a.options},
    }


def analysis_runtime(a):
    return lambda w, attempt: a.runtime * attempt


def analysis_log(a):
    if a.of == "checkpoint":
        return f"{ANALYSIS_LOG}/{a.name}.log"
    return f"{R}/logs/analysis/{{run}}/{a.name}.log"


def analysis_benchmark(a):
    if a.of == "checkpoint":
        return f"{BENCH}/{a.name}/{{run}}/epoch{{epoch}}.tsv"
    return f"{BENCH}/{a.name}/{{run}}.tsv"


def analysed_output(a, run, output):
    """The path of an output of an analysis of an analysed run (of its final checkpoint)."""
    folder = analysis_dir(run, ANALYSIS_RUNS[run][1]) if a.of == "checkpoint" else f"{R}/analysis/{run}"
    return f"{folder}/{a.outputs[output].file}"


def figure_only_outputs():
    """The first output of each analysis without table rows, for each analysed run."""
    return [
        analysed_output(a, run, next(iter(a.outputs)))
        for a in analysis_registry.ANALYSES.values()
        if not a.table
        for run in ANALYSIS_RUNS
    ]


def detail_tables():
    """Each table analysis's own per-item CSVs (e.g. inversion's error per image), for each
    analysed run: shown on the analysis table's page."""
    return [
        analysed_output(a, run, name)
        for run in ANALYSIS_RUNS
        for a in analysis_registry.ANALYSES.values()
        if a.table
        for name, out in a.outputs.items()
        if out.file.endswith(".csv")
    ]


def table_scores():
    """The analysis table's inputs: for each analysed run, each table analysis's JSON, in the
    order ganrepro.evaluation.analysis.analysis_table reads them."""
    return [
        analysed_output(analysis_registry.ANALYSES[name], run, "score")
        for run in ANALYSIS_RUNS
        for name in analysis_registry.table_analyses()
    ]
