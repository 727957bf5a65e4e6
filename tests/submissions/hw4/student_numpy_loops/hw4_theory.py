"""Homework 4, theory part, as code (numpy + plain python loops).

I convert everything to numpy float64 and do the sums with loops. For stability the
log-sum-exp subtracts the max before exponentiating.
"""
import math

import numpy as np


def _np(a):
    """torch tensor / number -> numpy float64 array."""
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=np.float64)


def _f(a):
    """scalar -> python float"""
    return float(_np(a))


def _logsumexp(v):
    # log sum_i exp(v_i) with the max-shift trick
    m = -math.inf
    for vi in v:
        if vi > m:
            m = vi
    s = 0.0
    for vi in v:
        s += math.exp(vi - m)
    return m + math.log(s)


def _relu(t):
    return t if t > 0 else 0.0


def _softplus(t):
    # log(1 + e^t) without overflow
    if t > 0:
        return t + math.log1p(math.exp(-t))
    return math.log1p(math.exp(t))


def _sigmoid(t):
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


# ---------------------------------------------------------------- 1.2 Negative log-likelihood

def gibbs_distribution(energies, beta):
    """1.2 (i): p(y|x) = exp(-beta F_y) / sum_y' exp(-beta F_y')."""
    E = _np(energies)
    beta = _f(beta)
    n = len(E)
    a = [-beta * E[i] for i in range(n)]
    # softmax with the max subtracted
    m = max(a)
    w = [math.exp(ai - m) for ai in a]
    s = 0.0
    for wi in w:
        s += wi
    p = np.zeros(n)
    for i in range(n):
        p[i] = w[i] / s
    return p


def nll_loss(energies, y, beta):
    """1.2 (ii): F_y + (1/beta) log sum_y' exp(-beta F_y')."""
    E = _np(energies)
    beta = _f(beta)
    y = int(y)
    a = [-beta * E[i] for i in range(len(E))]
    return float(E[y] + _logsumexp(a) / beta)


def nll_loss_grad(energies, energy_grads, y, beta):
    """1.2 (iii): grad_y - sum_y' p(y') grad_y'."""
    G = _np(energy_grads)
    y = int(y)
    p = gibbs_distribution(energies, beta)
    n, d = G.shape
    out = np.zeros(d)
    for j in range(d):
        expected = 0.0
        for i in range(n):
            expected += p[i] * G[i, j]
        out[j] = G[y, j] - expected
    return out


# --------------------------------------------------------------- 1.3 Contrastive loss functions

def simple_loss(f_pos, f_neg, margin):
    fp, fn, m = _f(f_pos), _f(f_neg), float(margin)
    return _relu(fp) + _relu(m - fn)


def simple_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    fp, fn, m = _f(f_pos), _f(f_neg), float(margin)
    gp, gn = _np(grad_pos), _np(grad_neg)
    a = 1.0 if fp > 0 else 0.0
    b = 1.0 if fn < m else 0.0
    out = np.zeros(len(gp))
    for j in range(len(gp)):
        out[j] = a * gp[j] - b * gn[j]
    return out


def log_loss(f_pos, f_neg):
    return _softplus(_f(f_pos) - _f(f_neg))


def log_loss_grad(f_pos, f_neg, grad_pos, grad_neg):
    s = _sigmoid(_f(f_pos) - _f(f_neg))
    gp, gn = _np(grad_pos), _np(grad_neg)
    out = np.zeros(len(gp))
    for j in range(len(gp)):
        out[j] = s * (gp[j] - gn[j])
    return out


def square_square_loss(f_pos, f_neg, margin):
    fp, fn, m = _f(f_pos), _f(f_neg), float(margin)
    return _relu(fp) ** 2 + _relu(m - fn) ** 2


def square_square_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    fp, fn, m = _f(f_pos), _f(f_neg), float(margin)
    gp, gn = _np(grad_pos), _np(grad_neg)
    a = 2.0 * _relu(fp)
    b = 2.0 * _relu(m - fn)
    out = np.zeros(len(gp))
    for j in range(len(gp)):
        out[j] = a * gp[j] - b * gn[j]
    return out


def hinge_loss(f_pos, f_neg, margin):
    return _relu(_f(f_pos) - _f(f_neg) + float(margin))


def hinge_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    fp, fn, m = _f(f_pos), _f(f_neg), float(margin)
    gp, gn = _np(grad_pos), _np(grad_neg)
    a = 1.0 if fp - fn + m > 0 else 0.0
    out = np.zeros(len(gp))
    for j in range(len(gp)):
        out[j] = a * (gp[j] - gn[j])
    return out
