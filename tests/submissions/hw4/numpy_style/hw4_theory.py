"""Homework 4, theory part -- NumPy solution."""
import numpy as np


def _np(t):
    return np.asarray(t, dtype=np.float64)


def _logsumexp(a):
    m = np.max(a)
    return m + np.log(np.sum(np.exp(a - m)))


# ---------------------------------------------------------------- 1.2 Negative log-likelihood

def gibbs_distribution(energies, beta):
    F = _np(energies)
    a = -float(beta) * F
    a = a - np.max(a)
    e = np.exp(a)
    return e / np.sum(e)


def nll_loss(energies, y, beta):
    F = _np(energies)
    beta = float(beta)
    fmin = np.min(F)
    # F_y + (1/beta) log sum exp(-beta F) with the minimum pulled out
    lse = _logsumexp(-beta * (F - fmin))
    return float(F[int(y)] - fmin + lse / beta)


def nll_loss_grad(energies, energy_grads, y, beta):
    G = _np(energy_grads)
    p = gibbs_distribution(energies, beta)
    return G[int(y)] - p @ G


# --------------------------------------------------------------- 1.3 Contrastive loss functions

def simple_loss(f_pos, f_neg, margin):
    fp, fn = float(_np(f_pos)), float(_np(f_neg))
    return float(np.maximum(fp, 0.0) + np.maximum(margin - fn, 0.0))


def simple_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    fp, fn = float(_np(f_pos)), float(_np(f_neg))
    gp, gn = _np(grad_pos), _np(grad_neg)
    return float(fp > 0) * gp - float(fn < margin) * gn


def log_loss(f_pos, f_neg):
    d = float(_np(f_pos)) - float(_np(f_neg))
    return float(np.logaddexp(0.0, d))


def log_loss_grad(f_pos, f_neg, grad_pos, grad_neg):
    d = float(_np(f_pos)) - float(_np(f_neg))
    s = np.exp(d - np.logaddexp(0.0, d))  # stable sigmoid
    return s * (_np(grad_pos) - _np(grad_neg))


def square_square_loss(f_pos, f_neg, margin):
    fp, fn = float(_np(f_pos)), float(_np(f_neg))
    return float(np.maximum(fp, 0.0) ** 2 + np.maximum(margin - fn, 0.0) ** 2)


def square_square_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    fp, fn = float(_np(f_pos)), float(_np(f_neg))
    gp, gn = _np(grad_pos), _np(grad_neg)
    return 2.0 * np.maximum(fp, 0.0) * gp - 2.0 * np.maximum(margin - fn, 0.0) * gn


def hinge_loss(f_pos, f_neg, margin):
    fp, fn = float(_np(f_pos)), float(_np(f_neg))
    return float(np.maximum(fp - fn + margin, 0.0))


def hinge_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    fp, fn = float(_np(f_pos)), float(_np(f_neg))
    ind = 1.0 if fp - fn + margin > 0 else 0.0
    return ind * (_np(grad_pos) - _np(grad_neg))
