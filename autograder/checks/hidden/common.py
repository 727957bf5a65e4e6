"""The comparison every hidden check makes: the student's function against the reference,
on one generated case, naming the known mistake that the answer matches if it is wrong."""
from __future__ import annotations

from functools import partial
from typing import Callable, Iterable

import torch
from torch import nn

from autograder.checks.api import DEFAULT_EXAMPLES, Tolerance, build_all, check, expect_close
from reference.mistakes import mistakes_for


def matches_reference(student, function: str, reference: Callable, case: dict,
                      tolerance: Tolerance, *, also_accept: Iterable = (),
                      unstable_hint: str | None = None, **options):
    """Call ``function`` on ``case`` and compare with ``reference(**case)``. Specs of objects
    in ``case`` (a model, a generator) are built here exactly as the worker builds them."""
    built = {name: build_all(value) for name, value in case.items()}
    expected = reference(**built)
    got = student.call(function, **case)
    student.note_expected(_detached(expected))
    candidates = [(m.description, partial(_fresh_call, m.implementation, case))
                  for m in mistakes_for(function)]
    return expect_close(function, got, _detached(expected), inputs=case, tolerance=tolerance,
                        mistakes=candidates, also_accept=also_accept,
                        unstable_hint=unstable_hint, **options)


def in_float64(reference: Callable) -> Callable:
    """The reference evaluated in float64 on the float32 tensors and models a student gets
    (their values are exact in float64), so that the expected value carries no rounding of
    its own and the tolerance is all the student's."""

    def widened(value):
        if isinstance(value, nn.Module) or (isinstance(value, torch.Tensor)
                                            and value.is_floating_point()):
            return value.double()
        return value

    def evaluate(**case):
        return reference(**{name: widened(value) for name, value in case.items()})

    return evaluate


def _fresh_call(implementation: Callable, case: dict):
    """A mistake variant on freshly built objects (a model it trains is not the one used)."""
    return _detached(implementation(**{name: build_all(value) for name, value in case.items()}))


def _detached(value):
    if isinstance(value, (tuple, list)):
        return type(value)(_detached(item) for item in value)
    return value.detach() if hasattr(value, "detach") else value


def comparison(function: str, reference: Callable, cases, tolerance: Callable, *,
               examples: int = DEFAULT_EXAMPLES, **options):
    """A hidden check: ``function`` against ``reference`` on ``examples`` cases drawn from the
    strategy ``cases``, within ``tolerance(case)``; ``options`` go to ``expect_close``."""

    @check(case=cases, examples=examples)
    def compare(student, case):
        matches_reference(student, function, reference, case, tolerance(case), **options)

    return compare
