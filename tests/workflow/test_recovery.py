"""Every error message that gives advice gives advice that works: each test breaks a tiny
workflow the way users do, checks the message, follows its advice to the letter and ends with a
complete run (and, last, the report).

One workflow (a few images of three classes, one DCGAN run of two epochs, FID from 16 images) in
a module fixture; the tests run in file order, each leaving the workflow complete.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
import yaml
from workflow_cli import CIFAR10_JPEG, FID_WEIGHTS, local_config, snakemake

pytestmark = pytest.mark.slow
CLASSES = ("airplane", "cat", "ship")


def tiny_image_folder(root: Path) -> Path:
    for split, n in (("train", 16), ("test", 8)):
        for cls in CLASSES:
            (root / split / cls).mkdir(parents=True)
            for src in sorted((CIFAR10_JPEG / split / cls).iterdir())[:n]:
                shutil.copy(src, root / split / cls / src.name)
    return root


def tiny_config(work: Path) -> dict:
    cfg = local_config(work / "results")
    cfg["datasets"]["cifar10"].update(
        root=str(work / "images"), train_images=None, test_images=None
    )
    # Every epoch scored on all 16 samples: recovery, not the two-n protocol, is under test here.
    cfg["fid"].update(
        reference_images=16,
        generated_images=16,
        intermediate_images=None,
        batch_size=16,
        backend="torch",
    )
    cfg["defaults"].update(latent_dim=8, width=8, batch_size=16, epochs=2, eval_epochs=[1, 2])
    cfg["experiments"] = {"dcgan": {"description": "one tiny run"}}
    cfg.pop("analysis", None)
    return cfg


class Workflow:
    def __init__(self, work: Path):
        self.work, self.config = work, work / "config.yaml"
        self.write(tiny_config(work))

    def write(self, cfg: dict) -> None:
        self.config.write_text(yaml.safe_dump(cfg, sort_keys=False))

    def run(self, *args: str, check: bool = True):
        proc = snakemake(self.work, self.config, "--cores", "2", *args, check=check)
        return proc, proc.stdout + proc.stderr

    def fids(self) -> dict[str, float]:
        return {
            p.name: json.loads(p.read_text())["fid"]
            for p in sorted((self.work / "results" / "runs").glob("*/fid/*.json"))
        }

    def follow(self, out: str) -> None:
        """Run the command a message gives (`snakemake ... --forcerun <file>`), with this
        workflow's options."""
        match = re.search(r"snakemake --cores N --forcerun (\S+)", out)
        assert match, out[-3000:]
        path = match.group(1).rstrip(".,;:)")
        assert (self.work / path).exists() or Path(path).exists(), path
        self.run("--forcerun", path)


@pytest.fixture(scope="module")
def workflow(tmp_path_factory):
    if not CIFAR10_JPEG.is_dir():
        pytest.skip(f"offline CIFAR-10 copy not found at {CIFAR10_JPEG}")
    work = tmp_path_factory.mktemp("recovery")
    tiny_image_folder(work / "images")
    return Workflow(work)


def test_a_non_image_in_the_image_folder_is_named_and_removing_it_works(workflow):
    bad = workflow.work / "images" / "train" / "cat" / "notes.jpg"
    bad.write_text("not an image")
    proc, out = workflow.run(check=False)
    assert proc.returncode != 0
    assert f"{bad} is not an image" in out and "remove it from the image folder" in out
    bad.unlink()  # the advice
    workflow.run()
    assert len(workflow.fids()) == 2


def test_missing_fid_weights_name_the_key_and_setting_it_works(workflow, tmp_path):
    results = workflow.work / "results"
    shutil.rmtree(results / "weights")
    cfg = tiny_config(workflow.work)
    cfg["fid"]["weights"] = str(tmp_path / "nowhere.pth")
    workflow.write(cfg)
    proc, out = workflow.run(check=False)
    assert proc.returncode != 0
    assert "config key fid.weights" in out or "(config key fid.weights)" in out, out[-3000:]
    cfg["fid"]["weights"] = str(FID_WEIGHTS)  # the advice: point fid.weights at the file
    workflow.write(cfg)
    workflow.run()
    assert len(workflow.fids()) == 2


@pytest.mark.parametrize(
    "pattern", ["runs/*/checkpoints/epoch0001.pt", "runs/*/samples/epoch0002.npz"]
)
def test_a_truncated_file_names_the_command_that_makes_it_again(workflow, pattern):
    before = workflow.fids()
    (path,) = (workflow.work / "results").glob(pattern)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # newer than what was made from it: re-read next
    proc, out = workflow.run(check=False)
    assert proc.returncode != 0
    assert str(path.relative_to(workflow.work)) in out and "truncated" in out, out[-3000:]
    workflow.follow(out)
    assert workflow.fids() == before  # made again, bit for bit (CPU, same seeds)
    assert "Nothing to be done" in workflow.run("-n")[1]


def test_after_recovery_the_report_builds(workflow):
    report = workflow.work / "report.html"
    workflow.run("--report", str(report))
    html = report.read_text(errors="replace")
    assert "epoch0001.png" in html and "epoch0002.png" in html and "fid_summary.csv" in html


def test_moving_a_dataset_away_and_back_reruns_nothing(workflow, tmp_path):
    """Prepared data is keyed by the dataset's definition: another root makes new files (and new
    runs) beside the old ones, and the old root finds them all again."""
    moved = tmp_path / "images"
    shutil.copytree(workflow.work / "images", moved)
    cfg = tiny_config(workflow.work)
    cfg["datasets"]["cifar10"]["root"] = str(moved)
    workflow.write(cfg)
    plan = workflow.run("-n")[1]
    assert re.search(r"^\s*prepare_data\s+2$", plan, re.M), plan[-2000:]
    workflow.write(tiny_config(workflow.work))  # back
    assert "Nothing to be done" in workflow.run("-n")[1]
    assert len(list((workflow.work / "results" / "data" / "cifar10").glob("*.npz"))) == 2
