"""Evaluation: the metrics (FID and its features, FID∞, KID, precision/recall, IS, diversity,
memorisation), the registry of analyses built on them, and cross-checks with other tools.

Reads samples, features and checkpoints; writes scores.
"""
