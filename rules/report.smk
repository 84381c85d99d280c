# Tables and plots from every run's scores and losses; `snakemake --report` collects them.


rule manifest:
    output:
        manifest=f"{R}/manifest.json",
    params:
        # a digest of what the tables need of each run (experiment, grid point, settings,
        # trained_as): the file is re-written when it changes, and params stay one line
        digest=MANIFEST_DIGEST,
    localrule: True
    run:
        write_json(output.manifest, MANIFEST)


rule aggregate:
    input:
        manifest=rules.manifest.output.manifest,
        scores=all_fid_files(),
        losses=final_losses_files(),
    output:
        by_epoch=report(
            f"{R}/tables/fid_by_epoch.csv", caption="../report/fid_by_epoch.rst", category="Tables"
        ),
        summary=report(
            f"{R}/tables/fid_summary.csv", caption="../report/fid_summary.rst", category="Tables"
        ),
        code_versions=report(
            f"{R}/tables/code_versions.csv",
            caption="../report/code_versions.rst",
            category="Tables",
        ),
        experiments=report(
            expand(f"{R}/tables/experiments/{{exp}}.csv", exp=EXPERIMENTS),
            caption="../report/experiment_table.rst",
            category="Tables",
            subcategory="Per experiment",
        ),
        fid_plot=report(
            f"{R}/plots/fid_vs_epoch.png", caption="../report/fid_vs_epoch.rst", category="Plots"
        ),
        loss_plots=report(
            expand(f"{R}/plots/losses/{{exp}}.png", exp=EXPERIMENTS),
            caption="../report/losses.rst",
            category="Plots",
            subcategory="Loss curves",
        ),
    log:
        f"{R}/logs/aggregate.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/aggregate.py"
