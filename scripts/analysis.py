"""Every analysis rule (rules/analysis.smk makes one per entry of
ganrepro.evaluation.analysis.ANALYSES, named after it): its module's ``compute``,
ganrepro.evaluation.analyses.<rule>, called with the rule's
inputs, outputs and params by name. Only that module is imported, so the code version its
outputs record is that analysis's own."""

import importlib

from ganrepro.rule import run_rule

if "snakemake" in globals():
    analysis = importlib.import_module(f"ganrepro.evaluation.analyses.{snakemake.rule}")  # noqa: F821
    run_rule(analysis.compute, snakemake)  # noqa: F821
