# Inputs that may need the internet (datasets, FID weights) are fetched by local rules, so
# every compute job (training, sampling, scoring) runs offline, as on most cluster nodes.


localrules:
    prepare_data,
    fetch_weights,


rule prepare_data:
    output:
        arrays=f"{R}/data/{{dataset}}/{{split}}-{{key}}.npz",
    params:
        # what defines the split (its path's key is a hash of the same); how it is fetched
        # (download, url) is read from the config by the script, so it triggers no re-run
        definition=lambda w: split_definition_checked(w),
    resources:
        # one at a time (profiles/default caps `download` at 1): two splits or datasets that
        # download into one root would otherwise write the same archive at once
        download=1,
    benchmark:
        f"{BENCH}/prepare_data/{{dataset}}-{{split}}-{{key}}.tsv"
    log:
        f"{R}/logs/prepare_data/{{dataset}}-{{split}}-{{key}}.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/prepare_data.py"


rule fetch_weights:
    output:
        weights=weights_path(),
    params:
        source=FID["weights"],
    benchmark:
        f"{BENCH}/fetch_weights/weights.tsv"
    log:
        f"{R}/logs/fetch_weights.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/fetch_weights.py"


rule data_grid:
    input:
        data=lambda w: data_path(w.dataset, "train"),
    output:
        grid=report(
            f"{R}/plots/data/{{dataset}}.png",
            caption="../report/data_grid.rst",
            category=DATA,
            subcategory=lambda w: w.dataset,
            labels=lambda w: {"dataset": w.dataset, "split": "train", "item": "64 images"},
        ),
    benchmark:
        f"{BENCH}/data_grid/{{dataset}}.tsv"
    log:
        f"{R}/logs/data_grid/{{dataset}}.log",
    conda:
        "../envs/ganrepro.yaml"
    script:
        "../scripts/data_grid.py"
