"""The report as a person sees it: a tiny workflow's report opened in headless Chromium (Debian's
package; .ci/run installs it). Its tables must render as tables, its figures at more than half
the page's width, and no machine path may show."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import tempfile
from pathlib import Path

import pytest
from workflow_cli import REPO, snakemake, tiny_config, write_config

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
WIDTH, HEIGHT = 1400, 900

REFERENCE = {
    "metric": "FID",
    "value": 49.03,
    "of": "best",
    "source": {"document": "PyTorch-StudioGAN README", "where": "CIFAR10 (3x32x32), row DCGAN"},
    "protocol": {"dataset": "CIFAR-10", "resolution": 32, "generated_images": 10000},
}
EXPERIMENTS = {
    "grid": {
        "description": "two learning rates, one epoch",
        "epochs": 1,
        "eval_epochs": [1],
        "grid": {"lr": [0.0002, 0.0005]},
    },
    "ref": {
        "description": "DCGAN beside a reference number",
        "recipe": {"source": "Radford et al. 2016, sec. 4", "deviations": ["width 8", "z_dim 16"]},
        "epochs": 2,
        "eval_epochs": [1, 2],
        "reference": [REFERENCE],
    },
}
ANALYSIS = {
    "runs": ["ref"], "seed": 0, "kid_subsets": 5, "kid_subset_size": 10, "is_splits": 2,
    "diversity_pairs": 10, "memorisation_grid": 2, "memorisation_neighbours": 2,
    "train_reference_images": 40, "evolution_images": 4, "interpolation_pairs": 1,
    "interpolation_steps": 3, "inversion_indices": [0], "inversion_starts": 1,
    "inversion_steps": 10, "inversion_lr": 0.05,
}  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """The tiny workflow's report.html, its working folder and the report's items (path ->
    {mime_type, data_uri, ...})."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed (Debian's chromium; .ci/run installs it as root)")
    work = tmp_path_factory.mktemp("report")
    cfg = tiny_config(work / "results", EXPERIMENTS)
    cfg["analysis"] = ANALYSIS
    config = write_config(work / "config.yaml", cfg)
    snakemake(work, config, "--cores", "2")
    html = work / "report.html"
    snakemake(work, config, "--report", str(html))
    return work, html, _report_data(html.read_text(), "results")


def _report_data(html: str, name: str) -> dict:
    found = re.search(rf'<script id="{name}">\s*var {name} = (.*?);\s*</script>', html, re.S)
    assert found, name
    return json.loads(found.group(1))


def _item(results: dict, suffix: str) -> tuple[str, dict]:
    found = [(p, r) for p, r in results.items() if p.endswith(suffix)]
    assert len(found) == 1, f"{suffix}: {[p for p, _ in found]}"
    return found[0]


def _decoded(entry: dict) -> str:
    return base64.b64decode(entry["data_uri"].split(",", 1)[1]).decode()


def chromium(page: Path, *args: str) -> str:
    """Chromium's output for ``page`` after its scripts have run (``--dump-dom`` or
    ``--screenshot``), from a fresh profile."""
    with tempfile.TemporaryDirectory() as profile:
        proc = subprocess.run(
            [
                str(CHROMIUM),
                *FLAGS,
                f"--user-data-dir={profile}",
                f"--window-size={WIDTH},{HEIGHT}",
                "--virtual-time-budget=15000",
                *args,
                page.as_uri(),
            ],  # fmt: skip
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def _showing(work: Path, html: Path, category: str, subcategory: str, item: str) -> Path:
    """A copy of the report that, once loaded, does what a person's clicks do: opens the
    category and subcategory in the menu and shows the item; then writes what is on the page
    (the size of the shown figure, the window's width, the page's text) into the DOM."""
    script = f"""<script>
window.addEventListener("load", () => setTimeout(() => {{
  const path = Object.keys(results).find(p => p.endsWith({json.dumps(item)}));
  app.setView({{navbarMode: "subcategory", category: {json.dumps(category)},
               subcategory: {json.dumps(subcategory)},
               content: "img", contentPath: results[path].data_uri, resultPath: path}});
  setTimeout(() => {{
    const uri = results[path].data_uri;  // the figure, not an icon of the menu
    const img = [...document.querySelectorAll("img")].find(i => i.getAttribute("src") === uri);
    const out = document.createElement("pre");
    out.id = "measured";
    out.textContent = JSON.stringify({{
      width: img ? img.getBoundingClientRect().width : 0, window: window.innerWidth,
    }});
    document.body.appendChild(out);
  }}, 1000);
}}, 500));
</script>"""
    page = work / f"showing-{item.replace('/', '_')}.html"
    head, _, tail = html.read_text().rpartition("</body>")  # the last: scripts hold others
    page.write_text(head + script + "</body>" + tail)
    return page


def test_an_fid_table_is_an_html_table_in_the_report(report):
    work, html, results = report
    path, entry = _item(results, "tables/experiments/grid.html")
    assert entry["mime_type"] == "text/html"
    _item(results, "tables/experiments/grid.csv")  # the CSV stays, to download
    page = work / "grid_table.html"
    page.write_text(_decoded(entry))
    dom = chromium(page, "--dump-dom")
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", re.search(r"<table.*?</table>", dom, re.S)[0], re.S)
    header, body = rows[0], rows[1:]
    assert "final FID" in header and "lr" in header
    assert len(body) == 2  # one row per learning rate (one seed)
    final = re.findall(r"<th[^>]*>(.*?)</th>", header).index("final FID")
    fids = [re.findall(r"<td>(.*?)</td>", r)[final] for r in body]
    assert all(re.fullmatch(r"\d+\.\d{1,2}", f) for f in fids), fids
    assert "weights_sha256" not in dom and "code_version" not in dom


@pytest.mark.parametrize(
    "item",
    [
        "tables/fid_summary.html",
        "tables/fid_by_epoch.html",
        "tables/code_versions.html",
        "tables/analysis.html",
        "tables/costs.html",
        "tables/comparisons/ref.html",
    ],
)
def test_every_table_page_renders_a_table(report, item):
    work, _, results = report
    _, entry = _item(results, item)
    page = work / item.replace("/", "_")
    page.write_text(_decoded(entry))
    dom = chromium(page, "--dump-dom")
    assert re.search(r"<table.*?<td>.*?</table>", dom, re.S), dom[:2000]
    assert "<link" not in dom and "<script src" not in dom  # self-contained


def test_a_figure_is_wider_than_half_the_window(report):
    work, html, _ = report
    page = _showing(work, html, "3 FID", "grid", "plots/experiments/grid.fid_vs_epoch.png")
    dom = chromium(page, "--dump-dom")
    measured = json.loads(re.search(r'<pre id="measured">(.*?)</pre>', dom, re.S)[1])
    assert measured["width"] > measured["window"] / 2, measured


def test_landing_page_says_whose_recipe_each_experiment_follows(report):
    _, html, _ = report
    dom = re.sub(r"<(script|style)\b.*?</\1>", "", chromium(html, "--dump-dom"), flags=re.S)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", dom))
    assert (
        "Trained as in: Radford et al. 2016, sec. 4. Where ours differs: width 8; z_dim 16." in text
    )
    assert text.count("Trained as in:") == 1  # the grid experiment names none
    # the config by name with what it extends (the test's own config: outside the checkout)
    assert "GAN experiments of config.yaml," in text


def test_no_machine_path_on_the_page(report):
    work, html, results = report
    # what the landing page shows: its DOM after the scripts ran, without the scripts (their
    # data names every file by its path, shown to nobody)
    dom = chromium(html, "--dump-dom")
    texts = {"landing page": re.sub(r"<(script|style)\b.*?</\1>", "", dom, flags=re.S)}
    for path, entry in results.items():
        texts[f"caption of {path}"] = entry.get("caption", "")
        if entry["mime_type"] == "text/html":
            texts[path] = _decoded(entry)
    paths = [str(work), str(REPO.parent), "/work/", "/root/", tempfile.gettempdir() + "/"]
    shown = [(where, p) for where, text in texts.items() for p in paths if p in text]
    assert not shown, shown
