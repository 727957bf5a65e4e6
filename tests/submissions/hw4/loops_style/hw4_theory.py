"""Homework 4, theory part -- plain Python with the math module."""
import math


def _f(x):
    return float(x)


def _vec(t):
    return [float(v) for v in t]


def _softplus(d):
    if d > 0:
        return d + math.log1p(math.exp(-d))
    return math.log1p(math.exp(d))


def _sigmoid(d):
    if d >= 0:
        return 1.0 / (1.0 + math.exp(-d))
    e = math.exp(d)
    return e / (1.0 + e)


# ---------------------------------------------------------------- 1.2 Negative log-likelihood

def gibbs_distribution(energies, beta):
    beta = float(beta)
    F = _vec(energies)
    a = [-beta * f for f in F]
    m = max(a)
    e = []
    for v in a:
        e.append(math.exp(v - m))
    z = 0.0
    for v in e:
        z += v
    return [v / z for v in e]


def nll_loss(energies, y, beta):
    beta = float(beta)
    F = _vec(energies)
    a = [-beta * f for f in F]
    m = max(a)
    s = 0.0
    for v in a:
        s += math.exp(v - m)
    log_z = m + math.log(s)
    return F[int(y)] + log_z / beta


def nll_loss_grad(energies, energy_grads, y, beta):
    p = gibbs_distribution(energies, beta)
    rows = [_vec(r) for r in energy_grads]
    n = len(rows)
    dim = len(rows[0])
    out = []
    for j in range(dim):
        expected = 0.0
        for k in range(n):
            expected += p[k] * rows[k][j]
        out.append(rows[int(y)][j] - expected)
    return out


# --------------------------------------------------------------- 1.3 Contrastive loss functions

def simple_loss(f_pos, f_neg, margin):
    fp, fn = _f(f_pos), _f(f_neg)
    return max(fp, 0.0) + max(margin - fn, 0.0)


def simple_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    fp, fn = _f(f_pos), _f(f_neg)
    gp, gn = _vec(grad_pos), _vec(grad_neg)
    a = 1.0 if fp >= 0 else 0.0          # subgradient 1 at the kink
    b = 1.0 if fn <= margin else 0.0     # subgradient 1 at the kink
    out = []
    for j in range(len(gp)):
        out.append(a * gp[j] - b * gn[j])
    return out


def log_loss(f_pos, f_neg):
    return _softplus(_f(f_pos) - _f(f_neg))


def log_loss_grad(f_pos, f_neg, grad_pos, grad_neg):
    s = _sigmoid(_f(f_pos) - _f(f_neg))
    gp, gn = _vec(grad_pos), _vec(grad_neg)
    out = []
    for j in range(len(gp)):
        out.append(s * (gp[j] - gn[j]))
    return out


def square_square_loss(f_pos, f_neg, margin):
    fp, fn = _f(f_pos), _f(f_neg)
    return max(fp, 0.0) ** 2 + max(margin - fn, 0.0) ** 2


def square_square_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    fp, fn = _f(f_pos), _f(f_neg)
    gp, gn = _vec(grad_pos), _vec(grad_neg)
    a = 2.0 * max(fp, 0.0)
    b = 2.0 * max(margin - fn, 0.0)
    out = []
    for j in range(len(gp)):
        out.append(a * gp[j] - b * gn[j])
    return out


def hinge_loss(f_pos, f_neg, margin):
    return max(_f(f_pos) - _f(f_neg) + margin, 0.0)


def hinge_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    z = _f(f_pos) - _f(f_neg) + margin
    ind = 1.0 if z >= 0 else 0.0         # subgradient 1 at the kink
    gp, gn = _vec(grad_pos), _vec(grad_neg)
    out = []
    for j in range(len(gp)):
        out.append(ind * (gp[j] - gn[j]))
    return out
