# Tables and plots from every run's scores and losses, in three steps so that no job lists
# hundreds of files: a summary per run (its FIDs and binned losses), the tables and loss plot
# per experiment, then the tables across experiments. `snakemake --report` collects them.


rule manifest:
    output:
        manifest=f"{R}/manifests/{{exp}}.json",
    params:
        # a digest of what the experiment's table needs of each run (grid point, seed, settings,
        # trained_as): the file is made again when it changes, and params stay one line
        digest=lambda w: settings_hash(MANIFESTS[w.exp], 16),
    log:
        f"{R}/logs/manifest/{{exp}}.log",
    localrule: True
    run:
        write_logged(output.manifest, MANIFESTS[wildcards.exp], log)


# In the workflow's own process (`run:`): reading a few small files is faster than starting a job.
rule run_summary:
    input:
        scores=lambda w: [fid_path(w.run, e) for e in epochs(w.run)],
        losses=lambda w: f"{R}/runs/{w.run}/losses/epoch{max(epochs(w.run)):04d}.csv",
    output:
        summary=f"{R}/runs/{{run}}/summary.json",
        # D's health per epoch (ganrepro.reporting.summaries.epoch_health)
        health=f"{R}/runs/{{run}}/health.csv",
    params:
        batch_size=lambda w: FOLDERS[w.run].identity_settings["batch_size"],
    log:
        f"{R}/logs/run_summary/{{run}}.log",
    localrule: True
    run:
        summary = run_summary(wildcards.run, input.scores, input.losses, params.batch_size)
        write_csv_rows(output.health, summary["health"])
        write_logged(output.summary, summary, log)


rule experiment_tables:
    input:
        manifest=f"{R}/manifests/{{exp}}.json",
        summaries=lambda w: summaries_of(w.exp),
        grids=lambda w: final_grids_of(w.exp),
    output:
        table=report(
            f"{R}/tables/experiments/{{exp}}.csv",
            caption="../report/experiment_table.rst",
            category=FID_SCORES,
            subcategory=lambda w: w.exp,
            labels={"item": "3 FID per run (CSV)"},
        ),
        table_page=report(
            f"{R}/tables/experiments/{{exp}}.html",
            caption="../report/experiment_table.rst",
            category=FID_SCORES,
            subcategory=lambda w: w.exp,
            labels={"item": "3 FID per run"},
        ),
        by_epoch=f"{R}/tables/experiments/{{exp}}.by_epoch.csv",
        loss_plot=report(
            f"{R}/plots/losses/{{exp}}.png",
            caption="../report/losses.rst",
            category=TRAINING,
            subcategory=lambda w: w.exp,
            labels={"item": "1 losses"},
        ),
        health_plot=report(
            f"{R}/plots/health/{{exp}}.png",
            caption="../report/health.rst",
            category=TRAINING,
            subcategory=lambda w: w.exp,
            labels={"item": "3 discriminator health"},
        ),
        comparison=f"{R}/tables/comparisons/{{exp}}.csv",
        comparison_html_page=report(
            f"{R}/tables/comparisons/{{exp}}.html",
            caption="../report/comparison.rst",
            category=FID_SCORES,
            subcategory=lambda w: w.exp,
            labels={"item": "1 comparison with the references"},
        ),
        fid_plot=report(
            f"{R}/plots/experiments/{{exp}}.fid_vs_epoch.png",
            caption="../report/experiment_fid.rst",
            category=FID_SCORES,
            subcategory=lambda w: w.exp,
            labels={"item": "2 FID vs epoch"},
        ),
        ablation_plot=report(
            f"{R}/plots/experiments/{{exp}}.ablation.png",
            caption="../report/ablation.rst",
            category=ABLATIONS,
            subcategory=lambda w: w.exp,
            labels={"item": "final FID per setting"},
        ),
        samples=report(
            f"{R}/plots/experiments/{{exp}}.samples.png",
            caption="../report/experiment_samples.rst",
            category=TRAINING,
            subcategory=lambda w: w.exp,
            labels={"item": "2 final samples of every run"},
        ),
    params:
        experiment=lambda w: w.exp,
    benchmark:
        f"{BENCH}/experiment_tables/{{exp}}.tsv"
    log:
        f"{R}/logs/experiment_tables/{{exp}}.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/experiment_tables.py"


rule aggregate:
    input:
        experiments=expand(f"{R}/tables/experiments/{{exp}}.by_epoch.csv", exp=EXPERIMENTS),
    output:
        by_epoch=report(
            f"{R}/tables/fid_by_epoch.csv",
            caption="../report/fid_by_epoch.rst",
            category=FID_SCORES,
            subcategory=ALL_EXPERIMENTS,
            labels={"item": "3 FID of every run and epoch (CSV)"},
        ),
        summary=report(
            f"{R}/tables/fid_summary.csv",
            caption="../report/fid_summary.rst",
            category=FID_SCORES,
            subcategory=ALL_EXPERIMENTS,
            labels={"item": "2 final FID per run (CSV)"},
        ),
        code_versions=report(
            f"{R}/tables/code_versions.csv",
            caption="../report/code_versions.rst",
            category=FID_SCORES,
            subcategory=ALL_EXPERIMENTS,
            labels={"item": "4 code versions (CSV)"},
        ),
        by_epoch_page=report(
            f"{R}/tables/fid_by_epoch.html",
            caption="../report/fid_by_epoch.rst",
            category=FID_SCORES,
            subcategory=ALL_EXPERIMENTS,
            labels={"item": "3 FID of every run and epoch"},
        ),
        summary_page=report(
            f"{R}/tables/fid_summary.html",
            caption="../report/fid_summary.rst",
            category=FID_SCORES,
            subcategory=ALL_EXPERIMENTS,
            labels={"item": "2 final FID per run"},
        ),
        code_versions_page=report(
            f"{R}/tables/code_versions.html",
            caption="../report/code_versions.rst",
            category=FID_SCORES,
            subcategory=ALL_EXPERIMENTS,
            labels={"item": "4 code versions"},
        ),
        fid_plot=report(
            f"{R}/plots/fid_vs_epoch.png",
            caption="../report/fid_vs_epoch.rst",
            category=FID_SCORES,
            subcategory=ALL_EXPERIMENTS,
            labels={"item": "1 FID vs epoch, every experiment"},
        ),
    benchmark:
        f"{BENCH}/aggregate/tables.tsv"
    log:
        f"{R}/logs/aggregate.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/aggregate.py"


# Last: its inputs are the final tables, made after every other job, so every benchmark file
# is there when it reads the folder. What it reads (benchmarks, manifests, each run's losses and
# training log) is not listed as input: a finished run's missing benchmark file, requested,
# would train the run again, and a list of every run's files would be a wall in `snakemake -n`.
rule costs:
    input:
        tables=[f"{R}/tables/fid_summary.csv", *analysis_targets()],
        # and the tables' pages, so that a results folder made before a page existed gets it
        pages=[
            *(f"{R}/tables/{name}.html" for name in ("fid_summary", "fid_by_epoch", "code_versions")),
            *(f"{R}/tables/experiments/{exp}.html" for exp in EXPERIMENTS),
            *(p.removesuffix(".csv") + ".html" for p in analysis_targets()),
        ],
    output:
        runs_table=report(
            COST_TABLES[0],
            caption="../report/costs.rst",
            category=COST,
            subcategory=ALL_EXPERIMENTS,
            labels={"item": "cost per run (CSV)"},
        ),
        experiments_table=report(
            COST_TABLES[1],
            caption="../report/costs.rst",
            category=COST,
            subcategory=ALL_EXPERIMENTS,
            labels={"item": "cost per experiment (CSV)"},
        ),
        jobs_table=report(
            COST_TABLES[2],
            caption="../report/costs.rst",
            category=COST,
            subcategory=ALL_EXPERIMENTS,
            labels={"item": "cost per job (CSV)"},
        ),
        page=report(
            f"{R}/tables/costs.html",
            caption="../report/costs.rst",
            category=COST,
            subcategory=ALL_EXPERIMENTS,
            labels={"item": "cost of every experiment and run"},
        ),
    params:
        experiments=EXPERIMENTS,
    log:
        f"{R}/logs/costs.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/costs.py"
