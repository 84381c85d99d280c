# Evaluation beyond one FID, for the final checkpoint of the runs named in `analysis.runs`:
# KID, precision/recall/density/coverage, Inception Score, MS-SSIM diversity and nearest-neighbour memorisation from the cached
# features and samples of rules/evaluate.smk (Inception runs again only for the training images,
# once per dataset and size), plus pictures from the generator itself: fixed-noise evolution
# across checkpoints, latent interpolation, inversion of test images and morphing.

include: "analysis_common.smk"


# One rule per entry of the registry (lib/ganrepro/analysis.py), named after it: its inputs,
# outputs and params as the entry declares them, its work done by its module's compute.
for _analysis in analysis_registry.ANALYSES.values():

    rule:
        name:
            _analysis.name
        input:
            **analysis_inputs(_analysis),
        output:
            **analysis_outputs(_analysis),
        params:
            **analysis_params(_analysis),
        threads: config["threads"] if _analysis.threads else 1
        resources:
            runtime=analysis_runtime(_analysis),
        benchmark:
            analysis_benchmark(_analysis)
        log:
            analysis_log(_analysis),
        conda:
            "../envs/ganrepro.yaml"
        script:
            "../scripts/analysis.py"


rule inversion:
    input:
        checkpoint=f"{R}/runs/{{run}}/checkpoints/epoch{{epoch}}.pt",
        test_data=lambda w: data_path(dataset_of(w.run), "test"),
    output:
        score=f"{RUN_EPOCH}/inversion.json",
        table=report(
            f"{RUN_EPOCH}/inversion.csv",
            caption="../report/inversion_table.rst",
            category=CATEGORY,
            subcategory=_experiment,
            labels=_labels("inversion: reconstruction error per image"),
        ),
        figure=report(
            f"{RUN_EPOCH}/inversion.png",
            caption="../report/inversion.rst",
            category=CATEGORY,
            subcategory=_experiment,
            labels=_labels("inversion: images and reconstructions"),
        ),
        morph=report(
            f"{RUN_EPOCH}/morph.png",
            caption="../report/morph.rst",
            category=CATEGORY,
            subcategory=_experiment,
            labels=_labels("inversion: morph"),
        ),
    params:
        run=lambda w: w.run,
        epoch=lambda w: int(w.epoch),
        indices=ANALYSIS.get("inversion_indices"),
        starts=ANALYSIS.get("inversion_starts"),
        steps=ANALYSIS.get("inversion_steps"),
        lr=ANALYSIS.get("inversion_lr"),
        morph_steps=ANALYSIS.get("interpolation_steps"),
        seed=ANALYSIS.get("seed"),
    threads: config["threads"]
    resources:
        runtime=lambda w, attempt: 30 * attempt,
    benchmark:
        f"{BENCH}/inversion/{{run}}/epoch{{epoch}}.tsv"
    log:
        f"{ANALYSIS_LOG}/inversion.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/inversion.py"


rule analysis_table:
    input:
        scores=table_scores(),
        # not read: they bring the figure-only analyses into the workflow (they are report
        # items), so the workflow's targets stay a handful of files
        figures=figure_only_outputs(),
    output:
        table=report(
            f"{R}/tables/analysis.csv",
            caption="../report/analysis_table.rst",
            category=ANALYSES,
            subcategory=ALL_EXPERIMENTS,
            labels={"item": "analysis table (CSV)"},
        ),
    params:
        runs=[
            {"run": run, "experiment": exp, "epoch": epoch}
            for run, (exp, epoch) in ANALYSIS_RUNS.items()
        ],
    threads: 1
    benchmark:
        f"{BENCH}/analysis_table/table.tsv"
    log:
        f"{R}/logs/analysis/table.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/analysis_table.py"
