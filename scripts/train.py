"""Rule train: one segment of a run, from the previous eval epoch's checkpoint to this epoch."""

from pathlib import Path

from ganrepro.data import load_arrays
from ganrepro.device import configure_kernels, configure_threads, kernels, resolve_device
from ganrepro.events import TRAIN, EventLog, events_dir
from ganrepro.io import load_torch, open_log, save_torch
from ganrepro.provenance import code_version
from ganrepro.reporting.images import grid_tensor, save_grid, save_message_image
from ganrepro.rule import run_rule
from ganrepro.training.noise import fixed_noise
from ganrepro.training.train import Trainer, TrainingDiverged, TrainSettings, write_losses_csv


def main(
    *,
    data,
    previous,
    checkpoint,
    losses,
    grid,
    settings,
    seed,
    epoch,
    state_dir,
    device="auto",
    save_every_seconds=600.0,
    tensorboard=True,
    threads=None,
    log=None,
):
    """``previous``: the previous eval epoch's checkpoint ([] or a one-item list for the first
    segment); ``settings``: the run's settings that differ from "off" (the rest are defaults).
    ``tensorboard``: also write event files under <run>/tensorboard/train (a view of the CSV)."""
    with open_log(log) as logf:
        configure_threads(threads)
        device = resolve_device(device)
        configure_kernels(device, exact_float32=False)
        # a run whose length is not part of its identity is trained to this segment's end
        settings = TrainSettings.from_dict({"epochs": epoch, **settings})
        previous = previous[0] if previous else None
        prev = load_torch(previous, map_location=device) if previous else None
        if prev is not None and prev["status"] != "ok":  # an earlier segment diverged: say so again
            save_torch(checkpoint, {**prev, "epoch": epoch, "code": _code(prev)})
            write_losses_csv(losses, prev["rows"])
            save_message_image(f"run diverged\n{prev['message']}", grid)
            print(f"not trained: {prev['message']}", file=logf)
            return
        trainer = Trainer(
            settings,
            load_arrays(data),
            seed=seed,
            device=device,
            state_dir=state_dir,
            log=logf,
            save_every_seconds=save_every_seconds,
        )
        if prev is not None:
            trainer.load_state(prev)
        trainer.try_resume(until=epoch)
        # from the step this segment continues at: steps a killed job wrote after its last
        # save are dropped by TensorBoard's reader, so each step appears once
        trainer.events = EventLog(
            events_dir(Path(state_dir).parent, TRAIN),  # state_dir is <run>/.train
            purge_step=len(trainer.rows),
            enabled=tensorboard,
            log=logf,
        )
        print(
            f"training {settings.model} on {device} ({kernels(device)}) "
            f"from epoch {trainer.epoch} to {epoch}",
            file=logf,
        )
        with trainer.events:
            _train_segment(trainer, settings, prev, epoch, seed, device, checkpoint, losses, grid)


def _train_segment(trainer, settings, prev, epoch, seed, device, checkpoint, losses, grid):
    """Train to ``epoch`` and write the checkpoint, losses and grid (or the divergence's)."""
    try:
        trainer.run(until=epoch)
    except TrainingDiverged as err:
        print(f"DIVERGED: {err}", file=trainer.log)
        state = {**trainer.state(), "model_config": trainer.config}
        save_torch(
            checkpoint,
            {**state, "status": "diverged", "message": str(err), "code": _code(prev)},
        )
        write_losses_csv(losses, trainer.rows, trainer.spectral_names, trainer.spectral_rows)
        save_message_image(f"run diverged\n{err}", grid)
        return
    z, y = fixed_noise(settings.latent_dim, 64, seed, trainer.config["n_classes"])
    G = trainer.sampling_generator().eval()
    images = G(z.to(device), None if y is None else y.to(device)).detach()
    save_grid(images, grid)
    write_losses_csv(losses, trainer.rows, trainer.spectral_names, trainer.spectral_rows)
    save_torch(checkpoint, {**trainer.checkpoint(), "code": _code(prev)})
    trainer.events.image("samples/fixed_noise", grid_tensor(images), len(trainer.rows) - 1)


def _code(prev):
    """The code of every segment so far, this one's last (taken when saving, once the family's
    module is loaded): a run continued after a code edit says so."""
    return [*(prev.get("code", []) if prev else []), code_version("train")]


if "snakemake" in globals():
    run_rule(main, snakemake)  # noqa: F821
