"""Which code made a result, and which results were made by code that has changed since.

Policy (README, "Code versions"): editing library code never re-runs a finished job by itself
(the rules do not list library files as inputs; profiles/default leaves out Snakemake's code
trigger). Instead every checkpoint, sample set, feature file and score records the code it was
made with: a hash of each ganrepro module the job had loaded, taken from the module's syntax
tree without docstrings (so an edited comment, docstring or layout is no new version), plus the
git commit when there is one. Re-running what a change affects is one deliberate command:

    snakemake --cores 8 --forcerun $(python -m ganrepro.provenance results)

which lists the outputs whose recorded modules differ from today's; Snakemake then re-makes
them and everything after them. Torch-free.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent
# Modules whose content cannot change a result (they format, lay out or time things).
NEUTRAL = {"ganrepro.provenance", "ganrepro.io"}
# Modules moved into the package's layers (2026-12-07), by their earlier name. Code versions
# name and hash modules by their earlier names, so a move is not a code change: results made
# before it keep their code version, and the re-run command lists none of them.
MOVED = {
    **{
        f"ganrepro.{m}": f"ganrepro.training.{m}"
        for m in ("declare", "settings", "families", "losses", "train", "noise", "latent")
    },
    "ganrepro.generate": "ganrepro.training.generate",
    **{
        f"ganrepro.{m}": f"ganrepro.evaluation.{m}"
        for m in ("metrics", "analyses", "analysis", "crosscheck")
    },
    **{
        f"ganrepro.{m}": f"ganrepro.reporting.{m}"
        for m in (
            "plots", "figures", "tables", "pages", "labels", "summaries", "references", "costs",
            "docs", "config_reference", "records", "ladders", "images",
        )
    },
}  # fmt: skip
EARLIER = {new: old for old, new in MOVED.items()}


def canonical(name: str) -> str:
    """A module's name as code versions know it: its name before any move."""
    for new, old in EARLIER.items():
        if name == new or name.startswith(new + "."):
            return old + name[len(new) :]
    return name


def current(name: str) -> str:
    """Where a module recorded under ``name`` (perhaps an earlier one) lives today."""
    for old, new in MOVED.items():
        if name == old or name.startswith(old + "."):
            return new + name[len(old) :]
    return name


def code_version(stage: str) -> dict[str, Any]:
    """What ran this job's ``stage`` (train, sample, features, fid, ...): the hash of each loaded
    ganrepro module, one hash over them (``version``) and the git commit if known."""
    modules = {
        canonical(name): module_hash(Path(mod.__file__))
        for name, mod in sorted(sys.modules.items(), key=lambda item: canonical(item[0]))
        if name.startswith("ganrepro.")
        and canonical(name) not in NEUTRAL
        and getattr(mod, "__file__", None)
        and name not in LAYER_PACKAGES
    }
    return {
        "stage": stage,
        "version": _short(json.dumps(modules, sort_keys=True)),
        "modules": modules,
        "git": git_version(),
    }


def chain_version(chain: Iterable[dict[str, Any]]) -> str:
    """One short hash for the code of every stage that led to a result (a table row).

    Over the distinct (stage, version) pairs: a training run continued over several epochs'
    jobs by the same code records one train entry per job, and is still one code version."""
    return _short(json.dumps(sorted({(c["stage"], c["version"]) for c in chain})))


def module_hash(path: Path) -> str:
    """Hash of a module's syntax tree without docstrings: comments, docstrings and layout do
    not change it, nor does importing a moved module from its new place; any change to what
    the code does does."""
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):  # first every import, as sorting compares them
        _import_by_earlier_names(node)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(body, list)
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body = body[1:] or [ast.Pass()]
        if isinstance(body, list):
            # the order of imports is the formatter's (it sorts by module path), not the code's
            imports = [n for n in body if isinstance(n, ast.Import | ast.ImportFrom)]
            rest = [n for n in body if not isinstance(n, ast.Import | ast.ImportFrom)]
            node.body = sorted(imports, key=ast.dump) + rest
    return _short(ast.dump(tree, include_attributes=False))


# The layers' own packages: new files, with nothing in them that makes a result.
LAYER_PACKAGES = {"ganrepro.training", "ganrepro.evaluation", "ganrepro.reporting"}


def _import_by_earlier_names(node: ast.AST) -> None:
    """Rewrite an import of a moved module (in place) as it was written before the move."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            alias.name = canonical(alias.name)
    elif isinstance(node, ast.ImportFrom) and node.module:
        if node.module in LAYER_PACKAGES:  # from ganrepro.training import settings
            earlier = {canonical(f"{node.module}.{a.name}").rsplit(".", 1)[0] for a in node.names}
            if len(earlier) == 1:
                node.module = earlier.pop()
        else:
            node.module = canonical(node.module)


@functools.lru_cache(maxsize=1)
def git_version() -> str | None:
    """`git describe --always --dirty` of the checkout holding the package, or None."""
    try:
        out = subprocess.run(
            ["git", "-C", str(PACKAGE), "describe", "--always", "--dirty", "--abbrev=10"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def changed_modules(version: dict[str, Any]) -> list[str]:
    """The modules of a recorded code version whose current code differs (or that are gone)."""
    changed = []
    for name, digest in version.get("modules", {}).items():
        path = PACKAGE.parent / (current(name).replace(".", "/") + ".py")
        if not path.exists():
            path = path.with_suffix("") / "__init__.py"
        if not path.exists() or module_hash(path) != digest:
            changed.append(name)
    return changed


def recorded_versions(path: Path) -> list[dict[str, Any]]:
    """The code versions an output records (its own stage last), or [] if it records none."""
    if path.suffix == ".json":
        return json.loads(path.read_text()).get("code", [])
    if path.suffix == ".npz":
        import numpy as np

        with np.load(path) as f:
            return json.loads(str(f["code"])) if "code" in f else []
    if path.suffix == ".pt":
        import torch

        ckpt = torch.load(path, map_location="cpu", weights_only=False, mmap=True)
        return ckpt.get("code", [])
    return []


def outputs_made_by_changed_code(results: Path) -> Iterator[tuple[Path, list[str]]]:
    """(output, changed modules) for every output whose own stage ran code that has changed."""
    patterns = (
        "runs/*/checkpoints/*.pt",
        "runs/*/samples/*.npz",
        "runs/*/features/*.npz",
        "runs/*/fid/*.json",
        "analysis/*/*/*.json",
        "fid_ref/*.npz",
    )
    for pattern in patterns:
        for path in sorted(results.glob(pattern)):
            versions = recorded_versions(path)
            if versions:
                changed = changed_modules(versions[-1])
                if changed:
                    yield path, changed


def _short(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m ganrepro.provenance",
        description="Print the outputs made by library code that has changed since (for "
        "`snakemake --forcerun $(...)`); the changed modules go to stderr.",
    )
    parser.add_argument("results", nargs="?", default="results", help="the results folder")
    args = parser.parse_args(argv)
    for path, changed in outputs_made_by_changed_code(Path(args.results)):
        print(path)
        print(f"{path}: changed {', '.join(changed)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
