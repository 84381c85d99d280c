"""docs/configuration.md: a rendering of the declarations and the schema file, kept fresh.

The committed file must equal a fresh rendering, and the rendering must cover every declared
setting, model option and loss (taken from the declarations, so a new one cannot be missed)."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import yaml
from ganrepro.evaluation.analysis import analysis_schema
from ganrepro.reporting import config_reference
from ganrepro.reporting.config_reference import COMMAND, HEADER, markdown
from ganrepro.training import settings as settings_module
from ganrepro.training.declare import ALWAYS, technique
from ganrepro.training.families import FAMILIES
from ganrepro.training.losses import LOSSES
from ganrepro.training.settings import TrainSettings, declarations

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "configuration.md"


def _rows(text: str, section: str) -> dict[str, list[str]]:
    """The rows of the first table under ``section`` (a heading), by their first cell's name."""
    body = text.split(f"\n{section}\n", 1)[1]
    table = re.search(r"((?:^\|.*\|\n)+)", body, re.M).group(1)
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        rows[cells[0].strip("`")] = cells
    return rows


def test_the_committed_reference_is_a_fresh_rendering():
    assert DOC.exists(), f"docs/configuration.md is missing: run `{COMMAND}`"
    assert DOC.read_text() == markdown(), (
        f"docs/configuration.md is out of date with the declarations: run `{COMMAND}`"
    )


def test_the_command_writes_the_reference(tmp_path):
    out = tmp_path / "configuration.md"
    subprocess.run(
        [sys.executable, "-m", "ganrepro.training.settings", "--markdown", str(out)], check=True
    )
    assert out.read_text() == markdown()
    assert out.read_text().splitlines()[0] == HEADER


def test_every_setting_is_a_row_with_its_declaration():
    rows = _rows(markdown(), "## Training settings")
    assert list(rows) == list(declarations())
    for name, decl in declarations().items():
        _, _, default, _, identity, help_text = rows[name]
        assert help_text == config_reference._text(decl.help), name
        assert default == config_reference._code(decl.default), name
        kind = "always" if decl.neutral is ALWAYS else "technique (off by default)"
        kind += "; uses the length" if decl.uses_length else ""
        kind = {"never": "never", "length": "with a horizon"}.get(decl.identity, kind)
        assert identity == kind, name
    assert rows["lr"][2:5] == ["`0.0002`", "> 0", "always"]
    assert rows["ema"][3:5] == ["0 < x < 1", "technique (off by default)"]
    assert rows["d_batches"][3] == "`separate`, `joint`"


def test_every_family_option_and_loss_is_in_the_reference():
    text = markdown()
    families = _rows(text, "## Model families")
    assert list(families) == list(FAMILIES)
    for name, fam in FAMILIES.items():
        assert families[name][1] == ("yes" if fam.conditional else "no")
        options = fam.declared_options()
        if options:
            rows = _rows(text, f"### `{name}` model options")
            assert list(rows) == list(options), name
            for key, decl in options.items():
                assert rows[key][2] == config_reference._code(decl.default), (name, key)
                assert rows[key][4] == config_reference._text(decl.help), (name, key)
    losses = _rows(text, "## Losses")
    assert list(losses) == list(LOSSES)
    for name, loss in LOSSES.items():
        assert losses[name][2] == config_reference._text(loss.help), name


def test_every_key_of_the_schema_file_is_in_the_reference():
    schema = yaml.safe_load((ROOT / "schemas" / "config.schema.yaml").read_text())
    text = markdown()
    top = _rows(text, "### Top-level keys")
    assert list(top) == list(schema["properties"])
    assert top["threads"][1:3] == ["integer, ≥ 1", "`2`"]
    assert top["fid"][3].startswith("**Required.**")
    for section, keys in [
        ("### `fid`", schema["properties"]["fid"]["properties"]),
        (
            "#### `fid.infinity`",
            schema["properties"]["fid"]["properties"]["infinity"]["properties"],
        ),
        # generated from the analyses' declarations (ganrepro.evaluation.analysis)
        ("### `analysis`", analysis_schema()["properties"]),
        ("### `datasets.<name>`", schema["$defs"]["dataset"]["properties"]),
        ("#### `experiments.<name>.reference[]`", schema["$defs"]["reference"]["properties"]),
    ]:
        assert list(_rows(text, section)) == list(keys), section


def test_a_setting_added_in_a_test_shows_up(monkeypatch):
    @dataclasses.dataclass(frozen=True)
    class Extended(TrainSettings):
        g_spectral_norm: bool = technique(False, "spectral normalisation of G's layers | a pipe")

    monkeypatch.setattr(settings_module, "TrainSettings", Extended)
    rows = _rows(markdown(), "## Training settings")
    assert rows["g_spectral_norm"] == [
        "`g_spectral_norm`",
        "boolean",
        "`false`",
        "",
        "technique (off by default)",
        r"spectral normalisation of G's layers \| a pipe",
    ]


def test_table_cells_are_escaped():
    text = config_reference._text("a | b <run>/x *y* `c | d`")
    assert text == r"a \| b &lt;run>/x \*y\* `c \| d`"


def test_the_reference_is_torch_free():
    """A docs build needs no torch, like `snakemake -n`."""
    code = "import sys, ganrepro.reporting.config_reference; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_the_analyses_table_has_a_row_per_registry_entry_in_its_order(monkeypatch):
    from ganrepro.evaluation import analysis

    names = [line.split("|")[1].strip(" `") for line in analyses_rows()]
    assert names == list(analysis.ANALYSES)
    kid = next(line for line in analyses_rows() if line.startswith("| `kid`"))
    assert "`kid_subsets` `100`" in kid and "the run's final checkpoint" in kid
    evolution = next(line for line in analyses_rows() if line.startswith("| `evolution`"))
    assert "every checkpoint of the run" in evolution
    # an entry added to the registry is a row, without touching the docs code
    toy = dataclasses.replace(analysis.ANALYSES["kid"], name="toy_metric", help="a | toy")
    monkeypatch.setitem(analysis.ANALYSES, "toy_metric", toy)
    assert analyses_rows()[-1].startswith("| `toy_metric` | a \\| toy |")


def analyses_rows() -> list[str]:
    return [line for line in config_reference.analyses_table().splitlines() if "| `" in line]
