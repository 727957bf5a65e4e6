"""Hidden checks for the contrastive losses (hw4 1.3) against the reference.

At a kink any subgradient is right: the checks accept the one-sided gradients on either side
of every kink near the input, and their midpoints (indicator 0, 1/2 or 1).
"""
from __future__ import annotations

from itertools import combinations, product

from hypothesis import given

from autograder.checks.hidden.common import matches_reference
from autograder.checks.strategies import cases
from autograder.engine.compare import float32_tolerance
from autograder.engine.check_runner import check
from reference import contrastive_losses as ref

NUDGE = 1e-9
UNSTABLE = "exp(F+ - F-) overflows for large energies: use softplus."


def _scale(case, power: int = 1) -> float:
    terms = [abs(float(case[key])) for key in ("f_pos", "f_neg", "margin") if key in case]
    return (1 + sum(terms)) ** power


def _subgradients(reference, case):
    """The reference gradient with f_pos and f_neg nudged across any kink, and midpoints."""
    nudged = [reference(**dict(case, f_pos=case["f_pos"] + a, f_neg=case["f_neg"] + b))
              for a, b in product((-NUDGE, 0.0, NUDGE), repeat=2)]
    return nudged + [(first + second) / 2 for first, second in combinations(nudged, 2)]


def _value(student, function: str, case: dict, power: int = 1, unstable_hint=None):
    matches_reference(student, function, getattr(ref, function), case,
                      float32_tolerance(_scale(case, power)), unstable_hint=unstable_hint)


def _gradient(student, function: str, case: dict, power: int = 1):
    reference = getattr(ref, function)
    grads = float(max(case["grad_pos"].abs().max(), case["grad_neg"].abs().max()))
    matches_reference(student, function, reference, case,
                      float32_tolerance(_scale(case, power) * (1 + grads)),
                      also_accept=_subgradients(reference, case))


@check()
@given(case=cases("simple_loss"))
def simple_value(student, case):
    _value(student, "simple_loss", case)


@check()
@given(case=cases("simple_loss_grad"))
def simple_gradient(student, case):
    _gradient(student, "simple_loss_grad", case)


@check()
@given(case=cases("log_loss"))
def log_value(student, case):
    _value(student, "log_loss", case)


@check()
@given(case=cases("log_loss", "large"))
def log_stability(student, case):
    _value(student, "log_loss", case, unstable_hint=UNSTABLE)


@check()
@given(case=cases("log_loss_grad"))
def log_gradient(student, case):
    _gradient(student, "log_loss_grad", case)


@check()
@given(case=cases("square_square_loss"))
def square_square_value(student, case):
    _value(student, "square_square_loss", case, power=2)


@check()
@given(case=cases("square_square_loss_grad"))
def square_square_gradient(student, case):
    _gradient(student, "square_square_loss_grad", case)


@check()
@given(case=cases("hinge_loss"))
def hinge_value(student, case):
    _value(student, "hinge_loss", case)


@check()
@given(case=cases("hinge_loss_grad"))
def hinge_gradient(student, case):
    _gradient(student, "hinge_loss_grad", case)
