"""Sample-quality metrics: one module per metric (``ganrepro.evaluation.metrics.fid``, ...).

Nothing is imported here on purpose: importing a metric pulls in its network code (pytorch-fid,
torchvision), and code that needs only one metric should not pay for the others.
"""
