"""What grading each assignment must show, one module per assignment, written by hand from the
homework and its contract (never derived from the grader). ``tests/test_grading.py`` runs the
same tests over every module found here; a module is named after its assignment and declares:

- ``POINTS``: the homework's total;
- ``QUESTION_OF``: the question that grades each function with known mistakes;
- ``MISTAKE_TABLE``: (named mistakes submitted together, the checks that must fail): every
  other part of the questions they touch must pass, and each failing hidden part names one of
  them;
- ``NAMED_INSTEAD`` (optional): mistake -> {check: the known mistake that part names instead,
  one whose output coincides with it on every input the part tries};
- ``CASES``: description -> ``Case``, a submission written for one test;
- ``PARTLY_WRONG`` (optional): (named mistakes, the questions they cost), the partly wrong
  submission of the Gradescope rehearsal (``tests/test_gradescope_rehearsal.py``).
"""
from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from types import ModuleType
from typing import Mapping

# ``Case.failing``: every part graded fails.
ALL = "all"
# A key of ``Case.said``: the texts that each failing part's feedback holds.
EACH_FAILING = "each failing part"


@dataclasses.dataclass(frozen=True)
class Case:
    """A submission written for one test: the reference (as the assignment's file, or as
    ``file``) with ``mistakes`` swapped in and ``code`` appended, graded on ``questions``
    (None: all of them). Exactly the checks in ``failing`` (or ``ALL``) fail, and the score
    drops by their points; ``said`` maps a check (or ``EACH_FAILING``) to texts its feedback
    holds, ``unsaid`` holds texts no failing part's feedback does."""

    questions: tuple[str, ...] | None
    failing: frozenset[str] | str
    code: str = ""
    mistakes: tuple[str, ...] = ()
    said: Mapping[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)
    unsaid: tuple[str, ...] = ()
    file: str | None = None


def tables() -> dict[str, ModuleType]:
    """assignment name -> its table module, for every module of this package."""
    return {module.name: importlib.import_module(f"{__name__}.{module.name}")
            for module in pkgutil.iter_modules(__path__)}
