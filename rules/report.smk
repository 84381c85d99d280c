# Tables and plots from every run's scores and losses; `snakemake --report` collects them.


rule aggregate:
    input:
        scores=all_fid_files(),
        losses=final_losses_files(),
        code=code("tables.py", "plots.py"),
    output:
        by_epoch=report(
            f"{R}/tables/fid_by_epoch.csv", caption="../report/fid_by_epoch.rst", category="Tables"
        ),
        summary=report(
            f"{R}/tables/fid_summary.csv", caption="../report/fid_summary.rst", category="Tables"
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
    params:
        runs={name: {"experiment": r.experiment, "seed": r.seed, "grid": r.grid,
                     "settings": r.settings, "dataset": r.dataset} for name, r in RUNS.items()},
        experiments=EXPERIMENTS,
        trained_as=TRAINED_AS,
    log:
        f"{R}/logs/aggregate.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/aggregate.py"
