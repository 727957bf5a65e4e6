"""Known mistakes of the linear models' gradients (a3 t.percgrad, t.logreg)."""
from __future__ import annotations

import torch

from reference.mistakes import mistake


@mistake("perceptron_grad", "sign(0) is taken as +1: the lecture's perceptron uses "
         "sign(0) = -1")
def perceptron_grad_sign_zero_positive(w, x, y):
    score = w @ x
    sign = torch.where(score >= 0, 1.0, -1.0).to(x.dtype)
    return -(y - sign) * x


@mistake("logistic_regression_grad", "the labels are used as if in {0, 1}: with y in "
         "{-1, +1} the target probability is (y + 1) / 2")
def logistic_grad_with_zero_one_labels(w, x, y):
    return -(y - torch.sigmoid(w @ x)) * x
