"""Public checks for the contrastive losses (hw4 1.3): each gradient must be the chain rule
applied to the student's own loss, checked with central finite differences away from kinks."""
from __future__ import annotations

import numpy as np
from hypothesis import assume

from autograder.checks.api import Mismatch, Tolerance, check, expect_close
from autograder.checks.strategies import contrastive_cases

STEP = 1e-2
KINK_DISTANCE = 10 * STEP


def gradient_matches_own_loss(student, loss: str, case: dict, kinks, pushes_down: bool) -> None:
    """grad == dL/dF+ * grad_pos + dL/dF- * grad_neg, with dL/dF by central differences; and
    where the loss is active on the correct answer (``pushes_down``), dL/dF+ > 0: a loss that
    does not push the correct energy down there is not the homework's."""
    assume(all(abs(float(kink)) > KINK_DISTANCE for kink in kinks))
    loss_inputs = {key: case[key] for key in ("f_pos", "f_neg", "margin") if key in case}
    slopes = []
    for energy in ("f_pos", "f_neg"):
        up, down = (float(student.call_array(loss, (), **dict(loss_inputs, **{energy: value})))
                    for value in (loss_inputs[energy] + STEP, loss_inputs[energy] - STEP))
        slopes.append((up - down) / (2 * STEP))
    if pushes_down and not slopes[0] > 1e-3:
        raise Mismatch(loss, loss_inputs, slopes[0], problem="does not grow with F+ = F_W(x, y) "
                       "where it should push the correct answer's energy down (its slope in "
                       f"F+ is {slopes[0]:.4g})")
    expected = slopes[0] * case["grad_pos"].numpy() + slopes[1] * case["grad_neg"].numpy()
    got = student.call(f"{loss}_grad", **case)
    scale = 1 + max(abs(slope) for slope in slopes) * (
        1 + float(np.abs(np.concatenate([case["grad_pos"], case["grad_neg"]])).max()))
    expect_close(f"{loss}_grad", got, expected, inputs=case,
                 tolerance=Tolerance(atol=1e-3 * scale, rtol=1e-3),
                 problem=f"does not match the finite-difference derivative of your own '{loss}'")


def _margin_kinks(case):
    return case["f_pos"], case["margin"] - case["f_neg"]


@check(case=contrastive_cases(grads=True))
def simple_grad_matches_own_loss(student, case):
    gradient_matches_own_loss(student, "simple_loss", case, _margin_kinks(case),
                              case["f_pos"] > 0)


@check(case=contrastive_cases(grads=True, margin=False))
def log_grad_matches_own_loss(student, case):
    gradient_matches_own_loss(student, "log_loss", case, (), case["f_pos"] - case["f_neg"] > -5)


@check(case=contrastive_cases(grads=True))
def square_square_grad_matches_own_loss(student, case):
    gradient_matches_own_loss(student, "square_square_loss", case, _margin_kinks(case),
                              case["f_pos"] > 0)


@check(case=contrastive_cases(grads=True))
def hinge_grad_matches_own_loss(student, case):
    kink = case["f_pos"] - case["f_neg"] + case["margin"]
    gradient_matches_own_loss(student, "hinge_loss", case, (kink,), kink > 0)
