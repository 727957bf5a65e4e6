"""Homework 4, theory part, as code -- everything in float32 (like a GPU model would).

Every input is cast to torch.float32 first; the formulas use logsumexp / softmax /
softplus so that nothing overflows for large energies or large beta.
"""
import torch

DT = torch.float32


def _f32(a):
    return torch.as_tensor(a).to(DT)


# ---------------------------------------------------------------- 1.2 Negative log-likelihood

def gibbs_distribution(energies, beta):
    E = _f32(energies)
    b = _f32(beta)
    return torch.softmax(-b * E, dim=0)


def nll_loss(energies, y, beta):
    E = _f32(energies)
    b = _f32(beta)
    return E[y] + torch.logsumexp(-b * E, dim=0) / b


def nll_loss_grad(energies, energy_grads, y, beta):
    G = _f32(energy_grads)
    p = gibbs_distribution(energies, beta)
    # gradient of the correct label minus the expected gradient under the model
    return G[y] - p @ G


# --------------------------------------------------------------- 1.3 Contrastive loss functions

def simple_loss(f_pos, f_neg, margin):
    fp, fn, m = _f32(f_pos), _f32(f_neg), _f32(margin)
    return torch.relu(fp) + torch.relu(m - fn)


def simple_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    fp, fn, m = _f32(f_pos), _f32(f_neg), _f32(margin)
    gp, gn = _f32(grad_pos), _f32(grad_neg)
    return (fp > 0).to(DT) * gp - (fn < m).to(DT) * gn


def log_loss(f_pos, f_neg):
    fp, fn = _f32(f_pos), _f32(f_neg)
    return torch.nn.functional.softplus(fp - fn)


def log_loss_grad(f_pos, f_neg, grad_pos, grad_neg):
    fp, fn = _f32(f_pos), _f32(f_neg)
    gp, gn = _f32(grad_pos), _f32(grad_neg)
    return torch.sigmoid(fp - fn) * (gp - gn)


def square_square_loss(f_pos, f_neg, margin):
    fp, fn, m = _f32(f_pos), _f32(f_neg), _f32(margin)
    return torch.relu(fp) ** 2 + torch.relu(m - fn) ** 2


def square_square_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    fp, fn, m = _f32(f_pos), _f32(f_neg), _f32(margin)
    gp, gn = _f32(grad_pos), _f32(grad_neg)
    return 2 * torch.relu(fp) * gp - 2 * torch.relu(m - fn) * gn


def hinge_loss(f_pos, f_neg, margin):
    fp, fn, m = _f32(f_pos), _f32(f_neg), _f32(margin)
    return torch.relu(fp - fn + m)


def hinge_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    fp, fn, m = _f32(f_pos), _f32(f_neg), _f32(margin)
    gp, gn = _f32(grad_pos), _f32(grad_neg)
    return (fp - fn + m > 0).to(DT) * (gp - gn)
