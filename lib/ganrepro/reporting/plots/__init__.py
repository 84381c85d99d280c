"""The figures of the tables step, one module per figure, so each can be read, tested and
changed without scrolling past the others:

- ``fid_all_runs``: FID against epoch for every run (``fid_vs_epoch``);
- ``fid_by_setting``: one experiment's FID against epoch, a line per setting, with the paper's
  numbers (``fid_vs_epoch_by_setting``);
- ``heatmap`` / ``bars``: one experiment's ablation over two grid keys (``ablation_heatmap``),
  or over one key or variants (``ablation_bars``);
- ``samples``: an experiment's sample grids on one sheet (``sample_sheet``);
- ``losses``: D and G losses per step (``loss_curves``);
- ``health``: the discriminator's health, a row of panels per run (``health_panels``);
- ``grid``: a run's grid coordinates as the figures read them, and which ablation figure an
  experiment gets (``plan_figures``);
- ``common``: ``save_figure`` and the size, axis and legend helpers the figures share.

The per-experiment figures return their Figure after saving it (already closed, so no pyplot
state builds up), so a test or a notebook can inspect what was drawn.

The names are re-exported here, so callers write ``from ganrepro import plots;
plots.ablation_bars(...)`` without knowing the layout. No module shares a name with a function,
so ``"ganrepro.reporting.plots.<module>.<name>"`` always names a module's attribute: a test that
monkeypatches a helper patches the module that calls it
(``ganrepro.reporting.plots.bars.save_figure``), not this package.
"""

from __future__ import annotations

import matplotlib

# before any module below imports pyplot: the figures are files, never windows
matplotlib.use("Agg")

from ganrepro.reporting.labels import describe_setting, format_value  # noqa: E402
from ganrepro.reporting.plots.bars import ablation_bars  # noqa: E402
from ganrepro.reporting.plots.common import FIGSIZE, LOG_SPAN, VALUE_NAMES, save_figure  # noqa: E402
from ganrepro.reporting.plots.fid_all_runs import fid_vs_epoch  # noqa: E402
from ganrepro.reporting.plots.fid_by_setting import LINE_STYLES, fid_vs_epoch_by_setting  # noqa: E402
from ganrepro.reporting.plots.grid import plan_figures  # noqa: E402
from ganrepro.reporting.plots.health import health_panels  # noqa: E402
from ganrepro.reporting.plots.heatmap import ablation_heatmap  # noqa: E402
from ganrepro.reporting.plots.losses import loss_curves  # noqa: E402
from ganrepro.reporting.plots.samples import sample_sheet  # noqa: E402

__all__ = [
    "FIGSIZE",
    "LINE_STYLES",
    "LOG_SPAN",
    "VALUE_NAMES",
    "ablation_bars",
    "ablation_heatmap",
    "describe_setting",
    "fid_vs_epoch",
    "fid_vs_epoch_by_setting",
    "format_value",
    "health_panels",
    "loss_curves",
    "plan_figures",
    "sample_sheet",
    "save_figure",
]
