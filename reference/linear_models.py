"""Gradients of the per-sample losses of three linear machines (a3 t.linreg, t.percgrad, t.logreg).

``w`` and ``x`` are (d,) float64 tensors, R = w.x, ``y`` a float (a Python number or a 0-d
tensor): any real for linear regression, -1 or +1 for the two classifiers (a precondition, not
checked). Each function returns dL/dw, a (d,) tensor.

Decisions (the grader follows them):

- ``perceptron_grad`` uses the lecture's sign: sign(R) = +1 iff R > 0, so sign(0) = -1 and at
  w.x = 0 the gradient is -2x for y = +1 and 0 for y = -1.
- ``logistic_regression_grad`` evaluates -y sigmoid(-y R) x, which for y in {-1, +1} is the
  contract's -((y + 1)/2 - sigmoid(R)) x exactly (y = +1: -(1 - sigmoid(R)) = -sigmoid(-R);
  y = -1: sigmoid(R)). It avoids the cancellation in 1 - sigmoid(R) for large y R, so the tiny
  gradient of a well-classified sample keeps its relative precision instead of rounding to 0.
"""
from __future__ import annotations

import torch


def linear_regression_grad(w: torch.Tensor, x: torch.Tensor, y) -> torch.Tensor:
    """L = 1/2 (y - w.x)^2, the energy loss of linear regression; dL/dw = (w.x - y) x."""
    return (w @ x - y) * x


def perceptron_grad(w: torch.Tensor, x: torch.Tensor, y) -> torch.Tensor:
    """L = -(y - sign(w.x)) w.x with sign(0) = -1; dL/dw = -(y - sign(w.x)) x (0 when the sample
    is classified right, -2 y x when it is not)."""
    sign = torch.where(w @ x > 0, 1.0, -1.0).to(x.dtype)
    return -(y - sign) * x


def logistic_regression_grad(w: torch.Tensor, x: torch.Tensor, y) -> torch.Tensor:
    """L = log(1 + exp(-y w.x)); dL/dw = -((y + 1)/2 - sigmoid(w.x)) x, evaluated as the equal
    -y sigmoid(-y w.x) x (no cancellation for large y w.x)."""
    return -y * torch.sigmoid(-y * (w @ x)) * x
