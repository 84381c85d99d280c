# Inputs that may need the internet (datasets, FID weights) are fetched by local rules, so
# every compute job (training, sampling, scoring) runs offline, as on most cluster nodes.


localrules:
    prepare_data,
    fetch_weights,


rule prepare_data:
    input:
        code=code("data.py"),
    output:
        arrays=f"{R}/data/{{dataset}}/{{split}}.npz",
    params:
        source=lambda w: config["datasets"][w.dataset]["source"],
        split=lambda w: w.split,
        root=lambda w: config["datasets"][w.dataset].get("root", f"{R}/downloads/{w.dataset}"),
        image_size=lambda w: config["datasets"][w.dataset]["image_size"],
        channels=lambda w: config["datasets"][w.dataset].get("channels"),
        download=lambda w: config["datasets"][w.dataset].get("download", False),
        url=lambda w: config["datasets"][w.dataset].get("url"),
        md5=lambda w: config["datasets"][w.dataset].get("md5"),
        max_images=lambda w: config["datasets"][w.dataset].get(f"{w.split}_images"),
    log:
        f"{R}/logs/prepare_data/{{dataset}}-{{split}}.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/prepare_data.py"


rule fetch_weights:
    input:
        code=code("metrics/fid.py"),
    output:
        weights=weights_path(),
    params:
        source=FID["weights"],
    log:
        f"{R}/logs/fetch_weights.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/fetch_weights.py"
