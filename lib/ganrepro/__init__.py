"""ganrepro: reproducible GAN experiments, in layers that follow the data flow: `training`
(settings, families, losses, the loop), `models` (one module per family), `evaluation` (metrics,
analyses), `reporting` (tables, figures, documents), over plumbing at the top level (data, run
expansion, config files, provenance, atomic io, device).

The package knows nothing about Snakemake: every function takes plain arguments, so it is usable
from a notebook (``from ganrepro.models import build_generator``).
"""

__version__ = "0.1.0"
