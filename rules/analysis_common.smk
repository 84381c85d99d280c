# Run selection, paths and the final targets of rules/analysis.smk (functions only, kept
# apart from the rules as `snakemake --lint` asks).

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


def _experiment(w):
    """An analysed run's subcategory: the experiment it was chosen for."""
    return ANALYSIS_RUNS[w.run][0] if w.run in ANALYSIS_RUNS else FOLDERS[w.run].experiments[0]


def _final(run, name):
    return f"{analysis_dir(run, ANALYSIS_RUNS[run][1])}/{name}"


def analysis_targets():
    """The analysis table, which needs every analysis (nothing without analysis.runs)."""
    return [f"{R}/tables/analysis.csv"] if ANALYSIS_RUNS else []
