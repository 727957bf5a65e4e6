"""Gradescope's leaderboard: the value a submission is ranked by, when the assignment's
``[leaderboard]`` is enabled (it is off by default).

The metric (``Leaderboard.metric``, a function under ``autograder.checks`` like a check) runs
after the questions, in the same worker, and returns a number. A submission whose code fails
the metric (it raises, returns the wrong shape, or gives no finite number) has no value on
the board; its points are the questions' business, not the leaderboard's.
"""
from __future__ import annotations

import importlib
import math
from typing import Callable

from autograder.engine.check_runner import CHECKS_PACKAGE
from autograder.engine.config import Assignment
from autograder.engine.failures import Abort, CallError, Mismatch
from autograder.engine.student import Student


def load_metric(path: str) -> Callable:
    """``"hidden.leaderboards.ebm_test_log_likelihood"`` -> the metric function."""
    module_name, _, name = path.rpartition(".")
    function = getattr(importlib.import_module(f"{CHECKS_PACKAGE}.{module_name}"), name, None)
    if not callable(function):
        raise LookupError(f"{path} is not a function")
    return function


def measure(assignment: Assignment, student: Student) -> list[dict]:
    """The leaderboard entries of a submission, in the format of Gradescope's (and
    gradescope-utils') ``leaderboard``: name, value, order; none where it has no value."""
    board = assignment.leaderboard
    try:
        value = float(load_metric(board.metric)(student))
    except (Abort, CallError, Mismatch):
        return []
    return [{"name": board.name, "value": round(value, 6), "order": board.order}
            ] if math.isfinite(value) else []
