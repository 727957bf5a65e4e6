"""Hidden checks for the contrastive losses (hw4 1.3) against the reference.

At a kink any subgradient is right: the checks accept the one-sided gradients on either side
of every kink near the input, and their midpoints (indicator 0, 1/2 or 1).
"""
from __future__ import annotations

from itertools import combinations, product

from autograder.checks.api import Tolerance, check, float32_tolerance
from autograder.checks.hidden.common import comparison, matches_reference
from autograder.checks.strategies import cases
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


def _loss_tolerance(case) -> Tolerance:
    return float32_tolerance(_scale(case))


def _square_square_tolerance(case) -> Tolerance:
    """The square-square loss is quadratic in the energies and the margin."""
    return float32_tolerance(_scale(case, power=2))


def _gradient(student, function: str, case: dict):
    reference = getattr(ref, function)
    grads = float(max(case["grad_pos"].abs().max(), case["grad_neg"].abs().max()))
    matches_reference(student, function, reference, case,
                      float32_tolerance(_scale(case) * (1 + grads)),
                      also_accept=_subgradients(reference, case))


simple_value = comparison("simple_loss", ref.simple_loss, cases("simple_loss"), _loss_tolerance)


@check(case=cases("simple_loss_grad"))
def simple_gradient(student, case):
    _gradient(student, "simple_loss_grad", case)


log_value = comparison("log_loss", ref.log_loss, cases("log_loss"), _loss_tolerance)
log_stability = comparison("log_loss", ref.log_loss, cases("log_loss", "large"), _loss_tolerance,
                           unstable_hint=UNSTABLE)


@check(case=cases("log_loss_grad"))
def log_gradient(student, case):
    _gradient(student, "log_loss_grad", case)


square_square_value = comparison("square_square_loss", ref.square_square_loss,
                                 cases("square_square_loss"), _square_square_tolerance)


@check(case=cases("square_square_loss_grad"))
def square_square_gradient(student, case):
    _gradient(student, "square_square_loss_grad", case)


hinge_value = comparison("hinge_loss", ref.hinge_loss, cases("hinge_loss"), _loss_tolerance)


@check(case=cases("hinge_loss_grad"))
def hinge_gradient(student, case):
    _gradient(student, "hinge_loss_grad", case)
