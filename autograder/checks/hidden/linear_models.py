"""Hidden checks for the gradients of a3's linear models against the reference."""
from __future__ import annotations

from autograder.checks.api import comparison, float32_tolerance
from autograder.checks.strategies import cases
from reference import linear_models as ref


def _tolerance(case):
    return float32_tolerance((1 + float(case["x"].abs().max())) ** 2
                             * (1 + float(case["w"].abs().max())))


linear_regression_value = comparison("linear_regression_grad", ref.linear_regression_grad,
                                     cases("linear_regression_grad"), _tolerance)
perceptron_value = comparison("perceptron_grad", ref.perceptron_grad, cases("perceptron_grad"),
                              _tolerance)
logistic_value = comparison("logistic_regression_grad", ref.logistic_regression_grad,
                            cases("logistic_regression_grad"), _tolerance)
