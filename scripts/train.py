"""Rule train: one segment of a run, from the previous eval epoch's checkpoint to this epoch."""

import sys
from pathlib import Path

if "snakemake" in globals():
    sys.path.insert(0, str(Path(snakemake.scriptdir).parent / "lib"))  # noqa: F821

from ganrepro.data import load_arrays  # noqa: E402
from ganrepro.device import configure_kernels, configure_threads, resolve_device  # noqa: E402
from ganrepro.images import save_grid, save_message_image  # noqa: E402
from ganrepro.io import load_torch, open_log, save_torch  # noqa: E402
from ganrepro.train import (  # noqa: E402
    Trainer,
    TrainingDiverged,
    TrainSettings,
    fixed_noise,
    write_losses_csv,
)


def main(
    data,
    previous,
    output,
    settings,
    seed,
    epoch,
    state_dir,
    device="auto",
    save_every_seconds=600.0,
    threads=None,
    log=None,
):
    with open_log(log) as logf:
        configure_threads(threads)
        device = resolve_device(device)
        configure_kernels(device, exact_float32=False)
        settings = TrainSettings.from_dict(settings)
        prev = load_torch(previous, map_location=device) if previous else None
        if prev is not None and prev["status"] != "ok":  # an earlier segment diverged: say so again
            save_torch(output["checkpoint"], {**prev, "epoch": epoch})
            write_losses_csv(output["losses"], prev["rows"])
            save_message_image(f"run diverged\n{prev['message']}", output["grid"])
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
        print(
            f"training {settings.model} on {device} from epoch {trainer.epoch} to {epoch}",
            file=logf,
        )
        try:
            trainer.run(until=epoch)
        except TrainingDiverged as err:
            print(f"DIVERGED: {err}", file=logf)
            save_torch(
                output["checkpoint"],
                {
                    **trainer.state(),
                    "status": "diverged",
                    "message": str(err),
                    "model_config": trainer.config,
                },
            )
            write_losses_csv(output["losses"], trainer.rows)
            save_message_image(f"run diverged\n{err}", output["grid"])
            return
        z, y = fixed_noise(settings.latent_dim, 64, seed, trainer.config["n_classes"])
        G = trainer.sampling_generator().eval()
        save_grid(G(z.to(device), None if y is None else y.to(device)).detach(), output["grid"])
        write_losses_csv(output["losses"], trainer.rows)
        save_torch(output["checkpoint"], trainer.checkpoint())


if "snakemake" in globals():
    sm = snakemake  # noqa: F821
    main(
        sm.input.data,
        sm.input.previous[0] if sm.input.previous else None,
        sm.output,
        sm.params.settings,
        sm.params.seed,
        sm.params.epoch,
        sm.params.state_dir,
        sm.params.device,
        sm.params.save_every_seconds,
        sm.threads,
        sm.log[0],
    )
