"""Hidden checks for the gradients of a3's linear models against the reference."""
from __future__ import annotations

import torch

from autograder.checks.api import check, float32_tolerance
from autograder.checks.hidden.common import comparison, matches_reference
from autograder.checks.strategies import cases
from reference import linear_models as ref


def _tolerance(case):
    return float32_tolerance((1 + float(case["x"].abs().max())) ** 2
                             * (1 + float(case["w"].abs().max())))


linear_regression_value = comparison("linear_regression_grad", ref.linear_regression_grad,
                                     cases("linear_regression_grad"), _tolerance)
logistic_value = comparison("logistic_regression_grad", ref.logistic_regression_grad,
                            cases("logistic_regression_grad"), _tolerance)


@check(case=cases("perceptron_grad"))
def perceptron_value(student, case):
    """The sign of w.x picks the gradient. Where w.x is too small for float32 (its products
    underflow), code that computes in float32 reads it as 0, whose sign is -1: that answer is
    as right as float64's, so both are accepted."""
    in_float32 = {name: value.float() if isinstance(value, torch.Tensor) else value
                  for name, value in case.items()}
    matches_reference(student, "perceptron_grad", ref.perceptron_grad, case, _tolerance(case),
                      also_accept=[ref.perceptron_grad(**in_float32)])
