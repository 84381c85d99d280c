"""Moved to ganrepro.rule; kept only while a script still imports run_rule from here.

Delete it with the last such import (tests/test_rules_scripts.py: NOT_YET).
"""

from ganrepro.rule import EXECUTION_OPTIONS, rule_arguments, run_rule

__all__ = ["EXECUTION_OPTIONS", "rule_arguments", "run_rule"]
