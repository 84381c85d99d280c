"""ganrepro.rule: a job's inputs, outputs and params reach ``main`` by name, never by position."""

from types import SimpleNamespace

import pytest
from ganrepro.rule import rule_arguments, run_rule


def job(**entries):
    """The parts of a Snakemake script job's object that run_rule reads."""
    sm = dict(input={}, output={}, params={}, threads=1, log=[], config={}, rule="r")
    return SimpleNamespace(**(sm | entries))


def test_entries_arrive_by_name_whatever_their_order():
    def main(*, images, features, batch_size, threads, log, device="cpu"):
        return images, features, batch_size, threads, log, device

    sm = job(
        input={"images": "a.npz"},
        output={"features": "f.npz"},
        params={"batch_size": 50},
        threads=3,
        log=["x.log"],
        config={"device": "cuda", "tensorboard": True},  # tensorboard: main does not take it
    )
    assert run_rule(main, sm) == ("a.npz", "f.npz", 50, 3, "x.log", "cuda")


def test_threads_and_log_only_for_a_main_that_takes_them():
    assert rule_arguments(lambda *, x: x, job(input={"x": "in"}, threads=4, log=["l"])) == {
        "x": "in"
    }


def test_snakemake_lists_and_params_become_plain():
    args = rule_arguments(lambda **kw: kw, job(input={"runs": ("a", "b")}, params={"o": {1: 2}}))
    assert args == {"runs": ["a", "b"], "o": {1: 2}}
    assert type(args["runs"]) is list


def test_a_name_given_twice_or_unknown_fails_with_the_name():
    with pytest.raises(TypeError, match="rule r: 'x' names an output"):
        rule_arguments(lambda **kw: kw, job(input={"x": "a"}, output={"x": "b"}))
    with pytest.raises(TypeError, match="extra"):
        run_rule(lambda *, x: x, job(input={"x": "a"}, params={"extra": 1}))
