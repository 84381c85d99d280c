"""Training: the settings and their declarations, the families and losses chosen by name, the
loop (with EMA, replay, schedules), the noise, and sampling from a trained generator.

Reads data arrays and writes checkpoints; knows nothing of scoring or reporting.
"""
