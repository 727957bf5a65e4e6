"""Public checks for the gradients of a3's linear models: each against finite differences of
the loss the homework states (the losses are given; their gradients are the answers)."""
from __future__ import annotations

import numpy as np

from autograder.checks.api import Mismatch, Tolerance, check, expect_close
from autograder.checks.strategies import linear_cases

STEP = 1e-5


def _central_differences(loss, w: np.ndarray) -> np.ndarray:
    steps = np.eye(len(w)) * STEP
    return np.array([(loss(w + step) - loss(w - step)) / (2 * STEP) for step in steps])


def _matches_differences(student, function, case, loss):
    w, x, y = case["w"].numpy(), case["x"].numpy(), case["y"]
    expected = _central_differences(lambda v: loss(v @ x, y), w)
    expect_close(function, student.call(function, **case), expected, inputs=case,
                 tolerance=Tolerance(1e-4 * (1 + np.abs(x).max() ** 2 * (1 + np.abs(w).max()))),
                 problem="does not match finite differences of the loss")


@check(case=linear_cases())
def linear_regression_grad_matches_differences(student, case):
    """Against E = 1/2 (y - w.x)^2."""
    _matches_differences(student, "linear_regression_grad", case,
                         lambda score, y: 0.5 * (y - score) ** 2)


@check(case=linear_cases())
def logistic_regression_grad_matches_differences(student, case):
    """Against L = log(1 + exp(-y w.x)), y in {-1, +1}."""
    _matches_differences(student, "logistic_regression_grad", case,
                         lambda score, y: np.logaddexp(0, -y * score))


@check(case=linear_cases())
def perceptron_grad_vanishes_on_correct_answers(student, case):
    """0 when y w.x > 0 (correctly classified), and a multiple of x always; when y w.x < 0
    (misclassified), a step against it raises y w.x (the perceptron's update)."""
    w, x, y = case["w"].numpy(), case["x"].numpy(), case["y"]
    got = np.asarray(student.call("perceptron_grad", **case), dtype=np.float64).reshape(-1)
    if got.shape != x.shape:
        raise Mismatch("perceptron_grad", case, got, problem=f"has shape {got.shape}, not {x.shape}")
    if y * (w @ x) > 0 and np.abs(got).max() > 1e-6:
        raise Mismatch("perceptron_grad", case, got, problem="is not 0 on a correctly "
                       "classified example (y w.x > 0)")
    if np.abs(x).max() > 0:
        c = got @ x / (x @ x)
        if np.abs(got - c * x).max() > 1e-5 * (1 + np.abs(x).max()):
            raise Mismatch("perceptron_grad", case, got, problem="is not a multiple of x")
        if y * (w @ x) < 0 and not got @ (y * x) < 0:
            raise Mismatch("perceptron_grad", case, got, problem="on a misclassified example "
                           "(y w.x < 0) is not a direction in which y w.x falls, so a step "
                           "against it does not correct the example")
