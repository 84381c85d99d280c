"""Rule experiment_tables: one experiment's FID rows (per run and epoch), its tables (per run;
and beside the references' numbers, as CSV and as a page for the report), its figures (FID vs
epoch by setting, the ablation, the loss curves, D's health), from the run summaries."""

import json
from pathlib import Path

from ganrepro.io import open_log, write_csv, write_text
from ganrepro.reporting import pages, plots, tables
from ganrepro.reporting.images import save_message_image
from ganrepro.reporting.references import (
    belongs_to,
    comparison_html,
    comparison_table,
    figure_references,
    unreferenced_settings,
)
from ganrepro.rule import run_rule


def main(
    *,
    manifest,
    summaries,
    grids,
    table,
    table_page,
    by_epoch,
    loss_plot,
    health_plot,
    comparison,
    comparison_html_page,
    fid_plot,
    ablation_plot,
    samples,
    experiment,
    log=None,
):
    """``manifest``: this experiment's runs and reference values (rule manifest);
    ``summaries``: the summaries of the runs they were trained as (an identical run of another
    experiment is trained once and listed in both)."""
    with open_log(log) as logf:
        m = json.loads(Path(manifest).read_text())
        runs = {name: m["runs"][name] for name in m["run_order"]}  # config order
        references = m["reference"]
        order = [*(["variant"] if m["variants"] else []), *m["grid_keys"]]
        scores, losses, spectral = tables.load_summaries(summaries)
        trained_as = {name: r["trained_as"] for name, r in runs.items()}
        rows = tables.fid_by_epoch(scores, runs, trained_as)
        summary = tables.run_summary(rows)
        write_csv(rows, by_epoch)
        per_run = tables.experiment_table(summary, experiment)
        write_csv(per_run, table)
        write_text(table_page, pages.experiment_page(per_run, experiment))
        protocols = {name: r["protocol"] for name, r in runs.items()}
        compared = comparison_table(rows, runs, references, protocols)
        # the figures draw the reference values of settings this experiment runs (the table
        # lists the others as "not run")
        drawn = [ref for ref in references if _runs_setting(ref, runs)]
        write_csv(compared, comparison)
        ours_only = unreferenced_settings(rows, runs, references) if references else None
        page = comparison_html(compared, experiment, m["description"], ours_only)
        write_text(comparison_html_page, page)
        title = f"{experiment}: FID vs epoch"
        fig = plots.fid_vs_epoch_by_setting(
            rows,
            fid_plot,
            title=title,
            references=figure_references(drawn, final=False),
            key_order=order,
        )
        kind = plots.plan_figures(order)
        if kind == ["heatmap"]:
            x, y = m["grid_keys"]
            fig = plots.ablation_heatmap(summary, ablation_plot, x=x, y=y, title=experiment)
        elif kind == ["bars"]:
            fig = plots.ablation_bars(
                summary,
                ablation_plot,
                by=order[0],
                title=experiment,
                references=figure_references(drawn, final=True),
                key_order=order,
            )
        else:
            save_message_image(f"{experiment}: one setting, no ablation", ablation_plot)
        del fig
        grid_of = {(Path(g).parents[1].name, Path(g).name): g for g in grids}  # runs/<run>/...
        final = {name: max(r["settings"]["eval_epochs"]) for name, r in runs.items()}
        sheet = [
            (f"{plots.describe_setting(r['grid'], order) or experiment}, seed {r['seed']}",
             grid_of[trained_as[name], f"epoch{final[name]:04d}.png"])
            for name, r in runs.items()
        ]  # fmt: skip
        plots.sample_sheet(sheet, samples, title=f"{experiment}: samples of the final checkpoints")
        # a shared run folder may have trained on past a member's end: its curve stops there
        loss_curves = {
            name: losses[trained_as[name]].query(f"epoch <= {final[name]}") for name in runs
        }
        plots.loss_curves(loss_curves, loss_plot, experiment)
        plots.health_panels(
            loss_curves,
            {name: spectral[trained_as[name]] for name in runs},
            health_plot,
            experiment,
        )
        print(
            f"{experiment}: {len(rows)} scores of {len(runs)} runs, "
            f"{len(references)} reference values",
            file=logf,
        )


def _runs_setting(ref, runs):
    return any(belongs_to(ref.get("setting", {}), r["grid"], r["settings"]) for r in runs.values())


if "snakemake" in globals():
    run_rule(main, snakemake)  # noqa: F821
