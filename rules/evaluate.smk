# Samples → Inception pool3 features → FID against the reference split's statistics. Features
# are cached files, so every metric computed from them (FID, KID, precision/recall) reuses one
# pass. Reference files are keyed by the split's definition (its data key) and size.


rule sample:
    input:
        checkpoint=f"{R}/runs/{{run}}/checkpoints/epoch{{epoch}}.pt",
    output:
        samples=f"{R}/runs/{{run}}/samples/epoch{{epoch}}.npz",
        grid=report(
            f"{R}/runs/{{run}}/samples/epoch{{epoch}}.png",
            caption="../report/samples.rst",
            category=TRAINING,
            subcategory=lambda w: FOLDERS[w.run].experiments[0],
            labels=lambda w: {"item": "3 samples", **run_labels(w.run, epoch=w.epoch)},
        ),
    params:
        n=lambda w: generated_images(w.run, w.epoch),
        seed=FID["sample_seed"],
        grid_images=config.get("sampling", {}).get("grid_images", 64),
    threads: config["threads"]
    resources:
        runtime=lambda w, attempt: 30 * attempt,
    benchmark:
        f"{BENCH}/sample/{{run}}/epoch{{epoch}}.tsv"
    log:
        f"{R}/logs/sample/{{run}}/epoch{{epoch}}.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/sample.py"


rule inception_onnx:
    input:
        weights=weights_path(),
    output:
        onnx=ONNX_GRAPH,
    params:
        # the exporter is torch's: a new torch re-exports the graph (features record onnxruntime's)
        exporter=f"torch {version('torch')}",
    threads: 1
    benchmark:
        f"{BENCH}/inception_onnx/graph.tsv"
    log:
        f"{R}/logs/inception_onnx.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/inception_onnx.py"


rule sample_features:
    input:
        unpack(onnx_graph),
        images=f"{R}/runs/{{run}}/samples/epoch{{epoch}}.npz",
        weights=weights_path(),
    output:
        features=f"{R}/runs/{{run}}/features/epoch{{epoch}}.npz",
    params:
        batch_size=FID["batch_size"],
        backend=FID_BACKEND,
        max_images=None,
    threads: config["threads"]
    resources:
        runtime=lambda w, attempt: 60 * attempt,
    benchmark:
        f"{BENCH}/sample_features/{{run}}/epoch{{epoch}}.tsv"
    log:
        f"{R}/logs/features/{{run}}/epoch{{epoch}}.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/features.py"


rule reference_features:
    input:
        unpack(onnx_graph),
        images=lambda w: f"{R}/data/{w.dataset}/{w.split}-{w.key}.npz",
        weights=weights_path(),
    output:
        features=f"{R}/fid_ref/{{dataset}}-{{split}}-{{key}}-n{{n}}.features.npz",
    params:
        batch_size=FID["batch_size"],
        backend=FID_BACKEND,
        max_images=lambda w: None if w.n == "all" else int(w.n),
    threads: config["threads"]
    resources:
        runtime=lambda w, attempt: 120 * attempt,
    benchmark:
        f"{BENCH}/reference_features/{{dataset}}-{{split}}-{{key}}-n{{n}}.tsv"
    log:
        f"{R}/logs/features/reference/{{dataset}}-{{split}}-{{key}}-n{{n}}.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/features.py"


rule reference_statistics:
    input:
        features=f"{R}/fid_ref/{{dataset}}-{{split}}-{{key}}-n{{n}}.features.npz",
    output:
        stats=f"{R}/fid_ref/{{dataset}}-{{split}}-{{key}}-n{{n}}.npz",
    benchmark:
        f"{BENCH}/reference_statistics/{{dataset}}-{{split}}-{{key}}-n{{n}}.tsv"
    log:
        f"{R}/logs/fid_ref/{{dataset}}-{{split}}-{{key}}-n{{n}}.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/reference_statistics.py"


rule fid:
    input:
        features=f"{R}/runs/{{run}}/features/epoch{{epoch}}.npz",
        reference=lambda w: ref_stats_path(dataset_of(w.run)),
        weights=weights_path(),
    output:
        score=f"{R}/runs/{{run}}/fid/epoch{{epoch}}.json",
    params:
        run=lambda w: w.run,
        epoch=lambda w: int(w.epoch),
        dataset=lambda w: {
            "name": dataset_of(w.run),
            **split_definition(config["datasets"][dataset_of(w.run)], REF_SPLIT),
        },
        reference_split=REF_SPLIT,
        frechet_method=config["fid"].get("frechet", "eigh"),
        # only when configured: a new param re-runs every score, so "off" must add none
        **({"infinity": FID["infinity"]} if "infinity" in FID else {}),
        **({"subset_sizes": [CURVE_IMAGES]} if CURVE_IMAGES else {}),
    benchmark:
        f"{BENCH}/fid/{{run}}/epoch{{epoch}}.tsv"
    log:
        f"{R}/logs/fid/{{run}}/epoch{{epoch}}.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/fid.py"


# On request only (no target asks for them): a sample set, or a prepared split, as lossless PNGs,
# the input every FID tool reads; README "Cross-checking a FID" scores them with clean-fid and
# torch-fidelity beside ours (ganrepro.evaluation.crosscheck).
rule export_png:
    input:
        samples=f"{R}/runs/{{run}}/samples/epoch{{epoch}}.npz",
    output:
        folder=directory(f"{R}/png/{{run}}/epoch{{epoch}}"),
    threads: 1
    benchmark:
        f"{BENCH}/export_png/{{run}}/epoch{{epoch}}.tsv"
    log:
        f"{R}/logs/export_png/{{run}}/epoch{{epoch}}.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/export_png.py"


use rule export_png as export_png_data with:
    input:
        samples=f"{R}/data/{{dataset}}/{{split}}-{{key}}.npz",
    output:
        folder=directory(f"{R}/png/data/{{dataset}}/{{split}}-{{key}}"),
    benchmark:
        f"{BENCH}/export_png/data/{{dataset}}-{{split}}-{{key}}.tsv"
    log:
        f"{R}/logs/export_png/data/{{dataset}}-{{split}}-{{key}}.log",
