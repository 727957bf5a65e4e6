"""Homework 4, theory part -- torch in float32."""
import torch
import torch.nn.functional as F


def _s(x):
    return torch.as_tensor(x).float()


# ---------------------------------------------------------------- 1.2 Negative log-likelihood

def gibbs_distribution(energies, beta):
    e = energies.float()
    beta = float(beta)
    return torch.softmax(-beta * e, dim=0)


def nll_loss(energies, y, beta):
    e = energies.float()
    beta = float(beta)
    return e[int(y)] + torch.logsumexp(-beta * e, dim=0) / beta


def nll_loss_grad(energies, energy_grads, y, beta):
    g = energy_grads.float()
    p = gibbs_distribution(energies, beta)
    return g[int(y)] - p @ g


# --------------------------------------------------------------- 1.3 Contrastive loss functions

def simple_loss(f_pos, f_neg, margin):
    fp, fn = _s(f_pos), _s(f_neg)
    m = float(margin)
    return torch.relu(fp) + torch.relu(m - fn)


def simple_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    fp, fn = _s(f_pos), _s(f_neg)
    gp, gn = grad_pos.float(), grad_neg.float()
    m = float(margin)
    return (fp > 0).float() * gp - (fn < m).float() * gn


def log_loss(f_pos, f_neg):
    return F.softplus(_s(f_pos) - _s(f_neg))


def log_loss_grad(f_pos, f_neg, grad_pos, grad_neg):
    s = torch.sigmoid(_s(f_pos) - _s(f_neg))
    return s * (grad_pos.float() - grad_neg.float())


def square_square_loss(f_pos, f_neg, margin):
    fp, fn = _s(f_pos), _s(f_neg)
    m = float(margin)
    return torch.relu(fp) ** 2 + torch.relu(m - fn) ** 2


def square_square_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    fp, fn = _s(f_pos), _s(f_neg)
    m = float(margin)
    return 2 * torch.relu(fp) * grad_pos.float() - 2 * torch.relu(m - fn) * grad_neg.float()


def hinge_loss(f_pos, f_neg, margin):
    return torch.relu(_s(f_pos) - _s(f_neg) + float(margin))


def hinge_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    z = _s(f_pos) - _s(f_neg) + float(margin)
    return (z > 0).float() * (grad_pos.float() - grad_neg.float())
