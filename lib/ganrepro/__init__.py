"""ganrepro: models, losses, training loop, data and metrics for reproducible GAN experiments.

The package knows nothing about Snakemake: every function takes plain arguments, so it is usable
from a notebook (``from ganrepro.models import build_generator``).
"""

__version__ = "0.1.0"
