# Training runs in segments, one job per checkpoint epoch: the job for epoch e continues from
# the full training state saved in the run's checkpoint before e (common.smk: previous_epoch;
# a run extended to more epochs continues from its last checkpoint). A failure or a
# preemption therefore never loses a finished checkpoint, and within a segment the job resumes
# from <run>/.train/resume.pt, saved every `save_every_seconds`. Execution options (device,
# save interval, threads) are read from the config by the script, not params: changing them
# re-runs nothing.


rule train:
    input:
        data=lambda w: data_path(dataset_of(w.run), "train"),
        previous=previous_checkpoint,
    output:
        checkpoint=f"{R}/runs/{{run}}/checkpoints/epoch{{epoch}}.pt",
        losses=f"{R}/runs/{{run}}/losses/epoch{{epoch}}.csv",
        grid=f"{R}/runs/{{run}}/grids/epoch{{epoch}}.png",
    params:
        # the settings that differ from "off" (the job fills in the rest from their
        # declarations), so adding a setting that is off by default re-runs nothing
        settings=lambda w: FOLDERS[w.run].identity_settings,
        seed=lambda w: FOLDERS[w.run].seed,
        epoch=lambda w: int(w.epoch),
        state_dir=lambda w: f"{run_dir(w.run)}/.train",
    threads: config["threads"]
    resources:
        runtime=lambda w, attempt: 120 * attempt,
        mem_mb=lambda w, attempt: 8000 * attempt,
    benchmark:
        f"{BENCH}/train/{{run}}/epoch{{epoch}}.tsv"
    log:
        f"{R}/logs/train/{{run}}/epoch{{epoch}}.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/train.py"
