"""Homework 4, theory part, as code.

Sections 1.2 (NLL loss and its gradient) and 1.3 (contrastive losses and their gradients).
Everything is written with torch; log-sum-exp / softmax / softplus are used so that large
energies and large beta do not overflow.
"""
import torch


def _t(a):
    # scalars may come as 0-d tensors or python floats
    return torch.as_tensor(a, dtype=torch.float64) if not torch.is_tensor(a) else a


# ---------------------------------------------------------------- 1.2 Negative log-likelihood

def gibbs_distribution(energies, beta):
    """1.2 (i): p(y|x) = exp(-beta F(x,y)) / sum_y' exp(-beta F(x,y'))."""
    # softmax subtracts the max internally -> stable
    return torch.softmax(-beta * energies, dim=0)


def nll_loss(energies, y, beta):
    """1.2 (ii): (1/beta) * NLL = F(x,y) + (1/beta) log sum_y' exp(-beta F(x,y'))."""
    return energies[y] + torch.logsumexp(-beta * energies, dim=0) / beta


def nll_loss_grad(energies, energy_grads, y, beta):
    """1.2 (iii): dF(x,y)/dW - sum_y' p(y'|x) dF(x,y')/dW."""
    p = gibbs_distribution(energies, beta)
    return energy_grads[y] - p @ energy_grads


# --------------------------------------------------------------- 1.3 Contrastive loss functions

def simple_loss(f_pos, f_neg, margin):
    """1.3 (a): [F+]^+ + [m - F-]^+."""
    f_pos, f_neg = _t(f_pos), _t(f_neg)
    return torch.relu(f_pos) + torch.relu(margin - f_neg)


def simple_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    """1.3 (a): 1[F+ > 0] dF+/dW - 1[F- < m] dF-/dW."""
    f_pos, f_neg = _t(f_pos), _t(f_neg)
    a = (f_pos > 0).to(grad_pos.dtype)
    b = (f_neg < margin).to(grad_neg.dtype)
    return a * grad_pos - b * grad_neg


def log_loss(f_pos, f_neg):
    """1.3 (b): log(1 + exp(F+ - F-)) = softplus(F+ - F-)."""
    f_pos, f_neg = _t(f_pos), _t(f_neg)
    return torch.nn.functional.softplus(f_pos - f_neg)


def log_loss_grad(f_pos, f_neg, grad_pos, grad_neg):
    """1.3 (b): sigmoid(F+ - F-) (dF+/dW - dF-/dW)."""
    f_pos, f_neg = _t(f_pos), _t(f_neg)
    s = torch.sigmoid(f_pos - f_neg)
    return s * (grad_pos - grad_neg)


def square_square_loss(f_pos, f_neg, margin):
    """1.3 (c): ([F+]^+)^2 + ([m - F-]^+)^2."""
    f_pos, f_neg = _t(f_pos), _t(f_neg)
    return torch.relu(f_pos) ** 2 + torch.relu(margin - f_neg) ** 2


def square_square_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    """1.3 (c): 2 [F+]^+ dF+/dW - 2 [m - F-]^+ dF-/dW."""
    f_pos, f_neg = _t(f_pos), _t(f_neg)
    return 2 * torch.relu(f_pos) * grad_pos - 2 * torch.relu(margin - f_neg) * grad_neg


def hinge_loss(f_pos, f_neg, margin):
    """1.3 (d): [F+ - F- + m]^+."""
    f_pos, f_neg = _t(f_pos), _t(f_neg)
    return torch.relu(f_pos - f_neg + margin)


def hinge_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    """1.3 (d): 1[F+ - F- + m > 0] (dF+/dW - dF-/dW)."""
    f_pos, f_neg = _t(f_pos), _t(f_neg)
    active = (f_pos - f_neg + margin > 0).to(grad_pos.dtype)
    return active * (grad_pos - grad_neg)
