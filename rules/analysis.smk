# Evaluation beyond one FID, for the final checkpoint of the runs named in `analysis.runs` (or
# across all of a run's checkpoints): one rule per analysis of the registry in
# lib/ganrepro/evaluation/analysis.py (KID, precision/recall/density/coverage, Inception Score, MS-SSIM
# diversity and memorisation from the cached features and samples of rules/evaluate.smk;
# evolution, interpolation and inversion from the generator itself), and the table of their
# numbers. Adding an analysis adds no rule here (docs/contributing.md).

include: "analysis_common.smk"


# One rule per entry of the registry, named after it: its inputs, outputs and params as the
# entry declares them (rules/analysis_common.smk), its work done by its module's compute.
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


rule analysis_table:
    input:
        scores=table_scores(),
        details=detail_tables(),
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
        page=report(
            f"{R}/tables/analysis.html",
            caption="../report/analysis_table.rst",
            category=ANALYSES,
            subcategory=ALL_EXPERIMENTS,
            labels={"item": "analysis table"},
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
