"""Known mistakes in the contrastive losses and their gradients (hw4 1.3)."""
from __future__ import annotations

import torch

from reference import contrastive_losses as ref
from reference.contrastive_losses import _scalar
from reference.mistakes import mistake


@mistake("simple_loss_grad", "the indicators are missing: the [.]^+ terms contribute only "
         "where they are positive (1[F+ > 0] grad_pos - 1[F- < m] grad_neg)")
def simple_grad_without_indicators(f_pos, f_neg, grad_pos, grad_neg, margin):
    return grad_pos - grad_neg


@mistake("simple_loss_grad", "the gradient has the wrong sign")
def simple_grad_sign_flipped(f_pos, f_neg, grad_pos, grad_neg, margin):
    return -ref.simple_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin)


@mistake("log_loss", "log(1 + exp(F+ - F-)) overflows when F+ - F- is large: use softplus "
         "(torch.nn.functional.softplus or logaddexp(0, F+ - F-))")
def log_loss_without_softplus(f_pos, f_neg):
    return torch.log(1 + torch.exp(_scalar(f_pos) - _scalar(f_neg)))


@mistake("log_loss_grad", "the gradient has the wrong sign")
def log_grad_sign_flipped(f_pos, f_neg, grad_pos, grad_neg):
    return -ref.log_loss_grad(f_pos, f_neg, grad_pos, grad_neg)


@mistake("log_loss_grad", "the sigmoid's argument is reversed: the factor is "
         "sigmoid(F+ - F-), not sigmoid(F- - F+)")
def log_grad_sigmoid_reversed(f_pos, f_neg, grad_pos, grad_neg):
    return ref.log_loss_grad(f_neg, f_pos, grad_pos, grad_neg)


@mistake("square_square_loss_grad", "the indicators are missing: each squared term "
         "contributes only where [.]^+ is positive (2[F+]^+ grad_pos - 2[m - F-]^+ grad_neg)")
def square_square_grad_without_indicators(f_pos, f_neg, grad_pos, grad_neg, margin):
    f_pos, f_neg = _scalar(f_pos), _scalar(f_neg)
    return 2 * f_pos * grad_pos - 2 * (margin - f_neg) * grad_neg


@mistake("square_square_loss_grad", "the factor 2 from the square is missing")
def square_square_grad_without_factor_two(f_pos, f_neg, grad_pos, grad_neg, margin):
    return ref.square_square_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin) / 2


@mistake("hinge_loss", "the margin is on the wrong side: the hinge is [F+ - F- + m]^+")
def hinge_with_margin_on_wrong_side(f_pos, f_neg, margin):
    return ref.hinge_loss(f_pos, f_neg, -margin)


@mistake("hinge_loss_grad", "the margin is on the wrong side of the indicator: it is "
         "1[F+ - F- + m > 0]")
def hinge_grad_with_margin_on_wrong_side(f_pos, f_neg, grad_pos, grad_neg, margin):
    return ref.hinge_loss_grad(f_pos, f_neg, grad_pos, grad_neg, -margin)


@mistake("hinge_loss_grad", "the gradient has the wrong sign")
def hinge_grad_sign_flipped(f_pos, f_neg, grad_pos, grad_neg, margin):
    return -ref.hinge_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin)
