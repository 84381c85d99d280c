"""TensorBoard event files beside the CSVs: live curves while a run trains.

Training writes ``<run>/tensorboard/train`` (losses per step, learning rates per logging
interval, the fixed-noise grid per checkpoint, x-axis: the global training step); scoring
writes ``<run>/tensorboard/eval`` (FID per checkpoint, KID where computed, x-axis: the epoch).
``tensorboard --logdir results/runs`` shows every run.

The files are a view, never an input: every number is also in the run's CSV and JSON files,
and without the ``tensorboard`` package (or with ``tensorboard: false`` in the config) nothing
is written and a job says so once in its log.

Resuming without duplicate steps: a training segment opens its writer with ``purge_step`` at
the step it continues from. TensorBoard's reader then drops every event at or after that step
written earlier (by a job killed before its state was saved), so a curve has each step once.
Scores are one file per metric and epoch, replaced when the score is made again.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO

TRAIN, EVAL = "train", "eval"
NOT_INSTALLED = (
    "tensorboard is not installed: no event files (the CSV and JSON files have every number; "
    "pip install tensorboard for live curves)"
)


def events_dir(run_dir: str | Path, kind: str) -> Path:
    return Path(run_dir) / "tensorboard" / kind


def _summary_writer():
    """torch's SummaryWriter class, or None when the tensorboard package is missing."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:  # torch raises ImportError naming tensorboard when it is absent
        return None
    return SummaryWriter


class EventLog:
    """One run's event writer, or a no-op (``enabled`` false or tensorboard missing)."""

    def __init__(
        self,
        logdir: str | Path,
        *,
        purge_step: int | None = None,
        filename_suffix: str = "",
        enabled: bool = True,
        log: TextIO = sys.stderr,
    ):
        self.writer = None
        if not enabled:
            return
        writer_class = _summary_writer()
        if writer_class is None:
            print(NOT_INSTALLED, file=log)
            return
        self.writer = writer_class(
            str(logdir), purge_step=purge_step, filename_suffix=filename_suffix
        )

    def scalars(self, step: int, values: Mapping[str, float]) -> None:
        """Finite values only: a NaN marks "not computed at this step" (G's loss on D-only
        steps), which a curve should skip, not draw."""
        if self.writer is None:
            return
        for tag, value in values.items():
            if value is not None and math.isfinite(value):
                self.writer.add_scalar(tag, value, global_step=step)

    def image(self, tag: str, image_chw, step: int) -> None:
        """An image as a C x H x W float tensor in [0, 1] (or uint8)."""
        if self.writer is not None:
            self.writer.add_image(tag, image_chw, global_step=step)

    def flush(self) -> None:
        if self.writer is not None:
            self.writer.flush()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def __enter__(self) -> EventLog:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def run_dir_of(features: str | Path) -> Path | None:
    """The run folder of a checkpoint's features file (runs/<run>/features/epochNNNN.npz), or
    None for a file elsewhere (a score computed outside the workflow gets no events)."""
    path = Path(features)
    return path.parents[1] if path.parent.name == "features" else None


def write_scores(
    run_dir: str | Path | None,
    epoch: int,
    scores: Mapping[str, float | None],
    *,
    metric: str,
    enabled: bool = True,
    log: TextIO = sys.stderr,
) -> None:
    """Scores of one checkpoint into ``<run>/tensorboard/eval``, replacing the file an earlier
    job wrote for the same metric and epoch (so a re-made score is not drawn twice). Nothing
    without a run folder. Through tensorboard's own writer, not torch's: scoring jobs do not
    import torch (its import would dominate a short job's start-up)."""
    if not enabled or run_dir is None:
        return
    try:
        from tensorboard.compat.proto import event_pb2, summary_pb2
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError:
        print(NOT_INSTALLED, file=log)
        return
    folder = events_dir(run_dir, EVAL)
    suffix = f".{metric}.epoch{epoch:04d}"
    for old in folder.glob(f"events.out.tfevents.*{suffix}"):
        old.unlink()
    values = [
        summary_pb2.Summary.Value(tag=tag, simple_value=value)
        for tag, value in scores.items()
        if value is not None and math.isfinite(value)
    ]
    writer = EventFileWriter(str(folder), filename_suffix=suffix)
    writer.add_event(
        event_pb2.Event(
            wall_time=time.time(), step=epoch, summary=summary_pb2.Summary(value=values)
        )
    )
    writer.close()
