"""Code versions: a module moved into the package's layers is the same code (no result it made
is listed as stale), while a change to what the code does is a new version."""

from __future__ import annotations

from ganrepro.provenance import MOVED, canonical, changed_modules, current, module_hash

BEFORE = '''"""A module."""
from __future__ import annotations

import math

from ganrepro.families import family
from ganrepro.metrics.fid import frechet
from ganrepro import losses as loss_module


def f(x):
    return math.sqrt(x) + frechet(family(x), loss_module)
'''
# the same code after the move, with its imports sorted anew by the formatter
AFTER = '''"""A module, moved."""
from __future__ import annotations

import math

from ganrepro.evaluation.metrics.fid import frechet
from ganrepro.training import losses as loss_module
from ganrepro.training.families import family


def f(x):
    return math.sqrt(x) + frechet(family(x), loss_module)
'''


def test_a_move_and_its_sorted_imports_are_not_a_code_change(tmp_path):
    (tmp_path / "before.py").write_text(BEFORE)
    (tmp_path / "after.py").write_text(AFTER)
    assert module_hash(tmp_path / "before.py") == module_hash(tmp_path / "after.py")
    (tmp_path / "edited.py").write_text(AFTER.replace("math.sqrt(x)", "math.sqrt(x + 1)"))
    assert module_hash(tmp_path / "edited.py") != module_hash(tmp_path / "before.py")


def test_moved_names_go_both_ways():
    for old, new in MOVED.items():
        assert canonical(new) == old and current(old) == new
        assert canonical(new + ".sub") == old + ".sub" and current(old + ".sub") == new + ".sub"
    assert canonical("ganrepro.io") == current("ganrepro.io") == "ganrepro.io"


def test_a_version_recorded_before_the_move_finds_its_modules_unchanged():
    """A checkpoint's record names ganrepro.noise (as before the move); today's file lives at
    ganrepro/training/noise.py and hashes to the same digest."""
    from pathlib import Path

    import ganrepro.training.noise as noise

    version = {"modules": {"ganrepro.noise": module_hash(Path(noise.__file__))}}
    assert changed_modules(version) == []
    assert changed_modules({"modules": {"ganrepro.noise": "0" * 12}}) == ["ganrepro.noise"]
