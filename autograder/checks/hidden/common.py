"""The comparison every hidden check makes: the student's function against the reference,
on one generated case, naming the known mistake that the answer matches if it is wrong."""
from __future__ import annotations

from functools import partial
from typing import Callable, Iterable

from autograder.engine.compare import Tolerance, expect_close
from reference.mistakes import mistakes_for


def matches_reference(student, function: str, reference: Callable, case: dict,
                      tolerance: Tolerance, *, also_accept: Iterable = (),
                      unstable_hint: str | None = None):
    """Call ``function`` on ``case`` and compare with ``reference(**case)``."""
    expected = reference(**case)
    got = student.call(function, **case)
    candidates = [(m.description, partial(m.implementation, **case))
                  for m in mistakes_for(function)]
    return expect_close(function, got, expected, inputs=case, tolerance=tolerance,
                        mistakes=candidates, also_accept=also_accept,
                        unstable_hint=unstable_hint)
