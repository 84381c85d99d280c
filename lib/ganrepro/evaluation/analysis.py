"""The analyses of a run beyond its FID, declared once: from this registry come the workflow's
analysis rules (rules/analysis.smk makes one per entry), the `analysis:` part of the config
schema and the analysis table (results/tables/analysis.csv).

An entry (`Analysis`) declares what the workflow must know without running it: the cached files
it reads (``inputs``, each of a kind in `INPUTS`: rules/analysis_common.smk knows their paths),
the files it writes (``outputs``, report items with their captions), the keys under `analysis:`
it reads (``options``, each with type, default and help) and what it is told of the run
(``context``, from `CONTEXT`). Its module, ganrepro.evaluation.analyses.<name>, does the work:
``compute`` takes all of those by name and writes the outputs, and ``rows`` turns its ``score``
JSON, if it
has one, into rows of the analysis table.

Adding an analysis is its module, one `Analysis` in `ANALYSES` below and a caption under
report/ for each report item (docs/contributing.md). Torch-free: the Snakefile reads the
registry at every start; a module is imported only by its own jobs and by the table's.
"""

from __future__ import annotations

import importlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

# The kinds of cached file an analysis may read: what the workflow already makes (or makes once
# per dataset and size). The paths are rules/analysis_common.smk's.
INPUTS = {
    "features": "pool3 features of the checkpoint's samples (rule sample_features)",
    "samples": "the checkpoint's samples (rule sample)",
    "checkpoint": "the checkpoint",
    "checkpoints": "every checkpoint of the run, in epoch order",
    "reference_features": "pool3 features of the FID reference split (fid.reference_images)",
    "test_features": "pool3 features of the test split (fid.reference_images)",
    "train_features": "pool3 features of the training split (analysis.train_reference_images)",
    "reference_data": "the prepared FID reference split (images and labels)",
    "train_data": "the prepared training split",
    "test_data": "the prepared test split",
    "weights": "the Inception weights file",
}
# Inputs and context of one checkpoint, which an analysis of the whole run (of="run") lacks.
PER_CHECKPOINT = {"features", "samples", "checkpoint", "epoch"}
# What an analysis may be told of the run it analyses (params of its rule).
CONTEXT = {
    "run": "the run folder's name",
    "epoch": "the analysed checkpoint's epoch",
    "epochs": "the run's checkpoint epochs, in order",
    "run_seed": "the run's seed (its training grids' fixed noise)",
    "dataset": "the run's dataset",
    "reference": "the FID reference split, {dataset, split}",
}


@dataclass(frozen=True, eq=False)  # compared by identity: one declaration per key
class Key:
    """A key under `analysis:`: its default, one line of help, and the JSON schema of a value
    (type, range, items)."""

    default: Any
    help: str
    schema: dict[str, Any]

    def json_schema(self) -> dict[str, Any]:
        return {**self.schema, "default": self.default, "description": self.help}


def key(type: str | tuple[str, ...], default: Any, help: str, **schema: Any) -> Key:
    """A `Key` of a JSON type (a tuple for several: ``("integer", "null")``) and constraints
    in JSON schema's words: ``key("integer", 100, "...", minimum=1)``."""
    return Key(default, help, {"type": list(type) if isinstance(type, tuple) else type, **schema})


@dataclass(frozen=True)
class Output:
    """A file an analysis writes into the analysis folder of the checkpoint (or of the run);
    with a ``caption`` (a file under report/) it is a report item, labelled ``label``."""

    file: str
    caption: str | None = None
    label: str = ""


@dataclass(frozen=True)
class Analysis:
    """One analysis: see the module's docstring. Its ``compute`` takes, by name, each input,
    output, option and context entry declared here (plus ``log``, ``threads``, ``device`` and
    ``tensorboard`` if it wants them: ganrepro.rule)."""

    name: str  # the rule, the module ganrepro.evaluation.analyses.<name>, its code record's stage
    help: str
    inputs: dict[str, str]  # keyword -> kind (INPUTS)
    outputs: dict[str, Output]  # keyword -> file; a `score` JSON gives rows of the table
    options: dict[str, Key] = field(default_factory=dict)  # config key (also its keyword)
    context: tuple[str, ...] = ("run", "epoch")  # CONTEXT
    of: str = "checkpoint"  # "checkpoint": the run's final one; "run": once per run
    threads: bool = False  # runs torch on `threads` threads (else one thread)
    runtime: int = 30  # minutes per attempt (the SLURM time limit grows with each retry)

    def __post_init__(self) -> None:
        where = f"analysis {self.name!r}"
        if not self.name.isidentifier():
            raise ValueError(f"{where}: a name is a rule and a module name (a Python name)")
        if self.of not in ("checkpoint", "run"):
            raise ValueError(f"{where}: of={self.of!r}; 'checkpoint' or 'run'")
        of_checkpoint = PER_CHECKPOINT & {*self.inputs.values(), *self.context}
        if self.of == "run" and of_checkpoint:
            raise ValueError(
                f"{where}: an analysis of a run (of='run') has no epoch; it cannot take "
                f"{sorted(of_checkpoint)} (of='checkpoint' analyses the final checkpoint)"
            )
        for what, given, known in (
            ("input kind", self.inputs.values(), INPUTS),
            ("context", self.context, CONTEXT),
        ):
            unknown = sorted(set(given) - set(known))
            if unknown:
                raise ValueError(f"{where}: unknown {what} {unknown}; known: {', '.join(known)}")
        names = [*self.inputs, *self.outputs, *self.options, *self.context]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(
                f"{where}: {twice} name more than one input, output, option or context"
            )

    @property
    def table(self) -> bool:
        """Whether it gives rows of the analysis table (from its `score` JSON)."""
        return "score" in self.outputs

    def module(self) -> ModuleType:
        return importlib.import_module(f"ganrepro.evaluation.analyses.{self.name}")


# Keys of the `analysis:` section shared by several analyses (each declared once).
RUNS = key(
    "array",
    [],
    "experiment names",
    uniqueItems=True,
    items={"type": "string", "pattern": "^[A-Za-z0-9_]+$"},
)
SEED = key("integer", 0, "subsets, pairs, latents, starts", minimum=0)
# the size of the `train_features` input
TRAIN_REFERENCE_IMAGES = key(
    ("integer", "null"),
    None,
    "training images (stratified first N) whose Inception features the memorisation check "
    "searches; null - all",
    minimum=2,
)
# the images of an interpolation's path, and of inversion's morph
INTERPOLATION_STEPS = key(
    "integer", 8, "interpolation: images per path (also inversion's morph)", minimum=2
)
DESCRIPTION = (
    "evaluation beyond FID (rules/analysis.smk) of the final checkpoint of the first run (first "
    "variant and grid point, first seed) of each experiment in `runs`; without this key, none"
)

ANALYSES: dict[str, Analysis] = {
    a.name: a
    for a in [
        Analysis(
            "kid",
            "Kernel Inception Distance: unbiased MMD² of the FID features over random subsets",
            inputs={"features": "features", "reference_features": "reference_features"},
            outputs={"score": Output("kid.json", "kid.rst", "KID (JSON)")},
            options={
                "kid_subsets": key("integer", 100, "KID: random subsets", minimum=1),
                "kid_subset_size": key(
                    "integer",
                    1000,
                    "KID: images per subset, at most fid.generated_images and the reference images",
                    minimum=2,
                ),
                "seed": SEED,
            },
            context=("run", "epoch", "reference"),
        ),
        Analysis(
            "prdc",
            "precision, recall (Kynkäänniemi et al. 2019), density and coverage (Naeem et al. "
            "2020) of the FID features: k-nearest-neighbour manifolds",
            inputs={"features": "features", "reference_features": "reference_features"},
            outputs={
                "score": Output(
                    "prdc.json", "prdc.rst", "precision, recall, density, coverage (JSON)"
                )
            },
            options={
                "prdc_k": key(
                    "integer",
                    3,
                    "nearest neighbours for precision/recall (Kynkäänniemi et al. 2019) and "
                    "density/coverage (Naeem et al. 2020) on the FID features",
                    minimum=1,
                ),
                "prdc_max_samples": key(
                    ("integer", "null"),
                    None,
                    "precision/recall: at most this many features of each set (seeded subset); "
                    "null - all",
                    minimum=2,
                ),
                "seed": SEED,
            },
            context=("run", "epoch", "reference"),
        ),
        Analysis(
            "inception_score",
            "Inception Score from the FID network's classifier on the cached pool3 features",
            inputs={"features": "features", "weights": "weights"},
            outputs={
                "score": Output(
                    "inception_score.json", "inception_score.rst", "Inception Score (JSON)"
                )
            },
            options={
                "is_splits": key("integer", 10, "Inception Score: shuffled splits", minimum=1),
                "seed": SEED,
            },
            runtime=15,
        ),
        Analysis(
            "diversity",
            "mean MS-SSIM of random pairs of samples, beside the same for real images",
            inputs={"samples": "samples", "real": "reference_data"},
            outputs={"score": Output("diversity.json", "diversity.rst", "diversity (JSON)")},
            options={
                "diversity_pairs": key(
                    "integer", 1000, "diversity: random pairs of images per set", minimum=1
                ),
                "seed": SEED,
            },
            context=("run", "epoch", "reference"),
        ),
        Analysis(
            "memorisation",
            "nearest training images of samples in pool3 space, and nearest-neighbour "
            "distances generated → train against test → train",
            inputs={
                "features": "features",
                "samples": "samples",
                "train_features": "train_features",
                "train_data": "train_data",
                "test_features": "test_features",
            },
            outputs={
                "score": Output("memorisation.json", "memorisation.rst", "memorisation (JSON)"),
                "neighbours": Output(
                    "memorisation_neighbours.png",
                    "memorisation_neighbours.rst",
                    "memorisation: nearest training images",
                ),
                "distances": Output(
                    "memorisation_distances.png",
                    "memorisation_distances.rst",
                    "memorisation: nearest-neighbour distances",
                ),
            },
            options={
                "train_reference_images": TRAIN_REFERENCE_IMAGES,
                "memorisation_grid": key(
                    "integer", 8, "memorisation: samples shown with their neighbours", minimum=1
                ),
                "memorisation_neighbours": key(
                    "integer", 4, "memorisation: training images shown per sample", minimum=1
                ),
            },
            context=("run", "epoch", "dataset"),
        ),
        Analysis(
            "evolution",
            "the same z through every checkpoint of the run, as a figure and an animated GIF",
            inputs={"checkpoints": "checkpoints"},
            outputs={
                "figure": Output("evolution.png", "evolution.rst", "evolution, rows: checkpoints"),
                "gif": Output("evolution.gif"),
                "html": Output("evolution.html", "evolution_gif.rst", "evolution, animation"),
            },
            options={
                "evolution_images": key(
                    "integer",
                    8,
                    "evolution: latents shown (the first of the training grids' fixed noise)",
                    minimum=1,
                    maximum=64,
                ),
            },
            context=("run", "epochs", "run_seed"),
            of="run",
            threads=True,
            runtime=15,
        ),
        Analysis(
            "interpolation",
            "linear and spherical (slerp) paths between random pairs of latents",
            inputs={"checkpoint": "checkpoint"},
            outputs={
                "figure": Output(
                    "interpolation.png", "interpolation.rst", "interpolation: linear vs slerp"
                )
            },
            options={
                "interpolation_pairs": key(
                    "integer", 4, "interpolation: random pairs of latents", minimum=1
                ),
                "interpolation_steps": INTERPOLATION_STEPS,
                "seed": SEED,
            },
            threads=True,
            runtime=15,
        ),
        Analysis(
            "inversion",
            "latent codes of test images by gradient descent (best of several starts), their "
            "reconstruction error, and morphs between them",
            inputs={"checkpoint": "checkpoint", "test_data": "test_data"},
            outputs={
                "score": Output("inversion.json", "inversion_psnr.rst", "inversion (JSON)"),
                "table": Output(
                    "inversion.csv",
                    "inversion_table.rst",
                    "inversion: reconstruction error per image",
                ),
                "figure": Output(
                    "inversion.png", "inversion.rst", "inversion: images and reconstructions"
                ),
                "morph": Output("morph.png", "morph.rst", "inversion: morph"),
            },
            options={
                "inversion_indices": key(
                    "array",
                    [0, 1, 2, 3],
                    "test-split images to invert (indices into the prepared test split)",
                    minItems=1,
                    items={"type": "integer", "minimum": 0},
                ),
                "inversion_starts": key(
                    "integer", 8, "inversion: random starts per image (the best kept)", minimum=1
                ),
                "inversion_steps": key(
                    "integer", 500, "inversion: Adam steps from each start", minimum=0
                ),
                "inversion_lr": key(
                    "number", 0.05, "inversion: Adam's learning rate", exclusiveMinimum=0
                ),
                "interpolation_steps": INTERPOLATION_STEPS,
                "seed": SEED,
            },
            threads=True,
        ),
        # ---- new analyses go above this line (their order is the table's)
    ]
}


def declared_keys() -> dict[str, Key]:
    """Every key of the `analysis:` section, each with its one declaration."""
    keys = {"runs": RUNS, "seed": SEED, "train_reference_images": TRAIN_REFERENCE_IMAGES}
    for a in ANALYSES.values():
        for name, decl in a.options.items():
            if keys.setdefault(name, decl) is not decl:
                raise ValueError(
                    f"analysis {a.name!r} declares key analysis.{name} anew; an option read by "
                    "several analyses is declared once and named in each "
                    "(ganrepro.evaluation.analysis)"
                )
    return keys


def analysis_schema() -> dict[str, Any]:
    """The config schema's `analysis:` object (ganrepro.config_schema puts it in)."""
    return {
        "type": "object",
        "additionalProperties": False,
        "description": DESCRIPTION,
        "properties": {name: decl.json_schema() for name, decl in declared_keys().items()},
    }


def table_analyses() -> list[str]:
    """The analyses with rows in the table, in its order (the registry's)."""
    return [a.name for a in ANALYSES.values() if a.table]


TABLE_COLUMNS = [
    "experiment",
    "run",
    "epoch",
    "metric",
    "value",
    "std",
    "status",
    "n_generated",
    "reference",
    "weights_sha256",
    "protocol",
]


def analysis_table(runs: list[dict[str, Any]], scores: list[str | os.PathLike]) -> pd.DataFrame:
    """The table of the analysed runs: ``runs``, each {run, experiment, epoch}, and
    ``scores``, for each run in turn the `score` JSON of each of `table_analyses()` in order (as
    rules/analysis.smk lists them)."""
    names = table_analyses()
    if len(scores) != len(runs) * len(names):
        raise ValueError(
            f"{len(scores)} analysis results for {len(runs)} runs; expected {len(names)} per "
            f"run ({', '.join(names)})"
        )
    rows = []
    for i, meta in enumerate(runs):
        base = {"experiment": meta["experiment"], "run": meta["run"], "epoch": meta["epoch"]}
        for name, path in zip(names, scores[i * len(names) : (i + 1) * len(names)], strict=True):
            expected = ANALYSES[name].outputs["score"].file
            if Path(path).name != expected:
                raise ValueError(f"{path}: expected {name}'s result ({expected}) here")
            rows += ANALYSES[name].module().rows(json.loads(Path(path).read_text()), base)
    df = pd.DataFrame(rows, columns=TABLE_COLUMNS)
    return df.astype({"epoch": "Int64", "n_generated": "Int64"})  # counts stay integers
