"""Contrastive losses on one positive and one negative answer (hw4 1.3).

``f_pos`` = F_W(x, y) and ``f_neg`` = F_W(x, ybar) are scalars, ``grad_pos`` and ``grad_neg``
their gradients with respect to W (p numbers each), ``margin`` the margin m. At a kink the
gradient returned is the one-sided value with the indicator false (any subgradient is graded
right).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


def _scalar(value) -> torch.Tensor:
    return torch.as_tensor(value, dtype=torch.float64)


def simple_loss(f_pos, f_neg, margin):
    """[F+]^+ + [m - F-]^+."""
    f_pos, f_neg = _scalar(f_pos), _scalar(f_neg)
    return torch.relu(f_pos) + torch.relu(margin - f_neg)


def simple_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    """1[F+ > 0] grad_pos - 1[F- < m] grad_neg."""
    f_pos, f_neg = _scalar(f_pos), _scalar(f_neg)
    return (f_pos > 0) * grad_pos - (f_neg < margin) * grad_neg


def log_loss(f_pos, f_neg):
    """log(1 + exp(F+ - F-)), as softplus so that large differences do not overflow."""
    return F.softplus(_scalar(f_pos) - _scalar(f_neg))


def log_loss_grad(f_pos, f_neg, grad_pos, grad_neg):
    """sigmoid(F+ - F-) (grad_pos - grad_neg)."""
    return torch.sigmoid(_scalar(f_pos) - _scalar(f_neg)) * (grad_pos - grad_neg)


def square_square_loss(f_pos, f_neg, margin):
    """([F+]^+)^2 + ([m - F-]^+)^2."""
    f_pos, f_neg = _scalar(f_pos), _scalar(f_neg)
    return torch.relu(f_pos) ** 2 + torch.relu(margin - f_neg) ** 2


def square_square_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    """2 [F+]^+ grad_pos - 2 [m - F-]^+ grad_neg."""
    f_pos, f_neg = _scalar(f_pos), _scalar(f_neg)
    return 2 * torch.relu(f_pos) * grad_pos - 2 * torch.relu(margin - f_neg) * grad_neg


def hinge_loss(f_pos, f_neg, margin):
    """[F+ - F- + m]^+."""
    return torch.relu(_scalar(f_pos) - _scalar(f_neg) + margin)


def hinge_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    """1[F+ - F- + m > 0] (grad_pos - grad_neg)."""
    active = (_scalar(f_pos) - _scalar(f_neg) + margin) > 0
    return active * (grad_pos - grad_neg)
