"""Assignment 3: energy-based losses, latent variables and structured outputs, as code.

My version: numpy + python loops. Inputs are converted to numpy float64 first. All the
log-sum-exps subtract the max first so large energies / large beta do not overflow.
Sparse coding: coordinate descent (soft-thresholding one coordinate at a time).
"""
import math

import numpy as np
import torch  # only needed for the autograd in gradient_descent_inference


def _np(a):
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=np.float64)


def _f(a):
    return float(_np(a))


def _logsumexp(v):
    m = -math.inf
    for vi in v:
        if vi > m:
            m = vi
    s = 0.0
    for vi in v:
        s += math.exp(vi - m)
    return m + math.log(s)


def _argmin(v):
    best, arg = math.inf, 0
    for i, vi in enumerate(v):
        if vi < best:
            best, arg = vi, i
    return arg


def _sigmoid(t):
    if t >= 0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


# ------------------------------------------------------- Lecture: inference and free energy

def map_inference(energies):
    return _argmin(_np(energies))


def gibbs_distribution(energies, beta):
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


def free_energy(energies, beta):
    E = _np(energies)
    beta = _f(beta)
    return -_logsumexp([-beta * e for e in E]) / beta


def partition_function(energies, beta):
    E = _np(energies)
    beta = _f(beta)
    lse = _logsumexp([-beta * e for e in E])
    try:
        return math.exp(lse)
    except OverflowError:  # Z really is too big for a float
        return math.inf


# ------------------------------------------------------------------ Lecture: loss functions

def energy_loss(energies, y):
    return float(_np(energies)[int(y)])


def perceptron_loss(energies, y):
    E = _np(energies)
    return float(E[int(y)] - E[_argmin(E)])


def log_likelihood_loss(energies, y, beta):
    E = _np(energies)
    beta = _f(beta)
    return float(E[int(y)] + _logsumexp([-beta * e for e in E]) / beta)


def margin_loss(energies, y, margin):
    E = _np(energies)
    y = int(y)
    # most offending incorrect answer
    worst = math.inf
    for i in range(len(E)):
        if i != y and E[i] < worst:
            worst = E[i]
    return max(0.0, float(margin) + E[y] - worst)


def cost_augmented_loss(energies, y, costs):
    E = _np(energies)
    C = _np(costs)
    y = int(y)
    best = 0.0  # [.]^+ so never below 0
    for i in range(len(E)):
        v = C[i] + E[y] - E[i]
        if v > best:
            best = v
    return float(best)


# ------------------------------------------------ Lecture: gradients of three classic models

def _dot(a, b):
    s = 0.0
    for i in range(len(a)):
        s += a[i] * b[i]
    return s


def linear_regression_grad(w, x, y):
    w, x, y = _np(w), _np(x), _f(y)
    r = _dot(w, x)
    return np.array([(r - y) * xi for xi in x])


def perceptron_grad(w, x, y):
    w, x, y = _np(w), _np(x), _f(y)
    r = _dot(w, x)
    s = 1.0 if r > 0 else -1.0  # sign(0) = -1
    return np.array([-(y - s) * xi for xi in x])


def logistic_regression_grad(w, x, y):
    w, x, y = _np(w), _np(x), _f(y)
    p = _sigmoid(_dot(w, x))
    return np.array([-((y + 1) / 2 - p) * xi for xi in x])


# --------------------------------------------------------------- Lecture: latent variables

def latent_map_inference(G):
    G = _np(G)
    best, by, bz = math.inf, 0, 0
    for i in range(G.shape[0]):
        for j in range(G.shape[1]):
            if G[i, j] < best:
                best, by, bz = G[i, j], i, j
    return by, bz


def latent_free_energy(G, beta):
    G = _np(G)
    beta = _f(beta)
    out = np.zeros(G.shape[0])
    for i in range(G.shape[0]):
        out[i] = -_logsumexp([-beta * g for g in G[i]]) / beta
    return out


def latent_gibbs_distribution(G, beta):
    G = _np(G)
    beta = _f(beta)
    # log of sum_z exp(-beta G[y, z]) for every y, then normalise over y
    logZy = [_logsumexp([-beta * g for g in G[i]]) for i in range(G.shape[0])]
    m = max(logZy)
    w = [math.exp(l - m) for l in logZy]
    s = 0.0
    for wi in w:
        s += wi
    return np.array([wi / s for wi in w])


# ------------------------------------------------------------------- A3 1: sequence models

def sequence_nll(log_probs, tags):
    lp = _np(log_probs)
    tags = [int(t) for t in tags]
    s = 0.0
    for t in range(len(tags)):
        s -= lp[t, tags[t]]
    return s


# ------------------------------------------------------- A3 3: inference by table look-up

def table_inference(energy_table, x):
    return _argmin(_np(energy_table)[int(x)])


def count_pairs(vocab_size, n_tags, length):
    # python ints never overflow
    return int(vocab_size) ** int(length) * int(n_tags) ** int(length)


def count_lookups(n_tags, length):
    return int(n_tags) ** int(length)


# ------------------------------------------------ A3 4: inference by gradient descent on y

def gradient_descent_inference(energy_fn, y0, lr, n_steps):
    # energy_fn works on torch tensors, so autograd is done with torch here
    y = y0.detach().clone()
    for _ in range(n_steps):
        y.requires_grad_(True)
        E = energy_fn(y)
        E.backward()
        y = (y - lr * y.grad).detach()
    return y.numpy()


# ------------------------------------------------- A3 5: free energies of latent models

def _soft(b, t):
    if b > t:
        return b - t
    if b < -t:
        return b + t
    return 0.0


def _lasso_obj(y, W, lam, z):
    r = y - W @ z
    return float(r @ r + lam * np.abs(z).sum())


def _gap(y, W, lam, z, r):
    # duality gap of the lasso (upper bound on obj(z) - min obj)
    c = W.T @ r
    cmax = np.abs(c).max()
    s = 1.0 if cmax <= lam / 2 else lam / 2 / cmax
    return (1 - s) ** 2 * (r @ r) + lam * np.abs(z).sum() - 2 * s * (c @ z)


def sparse_coding_free_energy(y, W, lam):
    """min_z ||y - W z||^2 + lam ||z||_1 by cyclic coordinate descent.

    For coordinate j, with the residual r = y - W z, the 1-d problem is
        a z_j^2 - 2 b z_j + lam |z_j|,   a = ||W_j||^2,  b = W_j . (r + W_j z_j)
    whose solution is soft(b, lam/2) / a.
    """
    y, W, lam = _np(y), _np(W), float(_f(lam))
    d, k = W.shape
    cols = [W[:, j].copy() for j in range(k)]
    sq = [float(c @ c) for c in cols]
    z = np.zeros(k)
    r = y.copy()
    for sweep in range(200000):
        max_change = 0.0
        for j in range(k):
            if sq[j] == 0.0:  # zero column: z_j does not matter, keep it 0
                continue
            b = float(cols[j] @ r) + sq[j] * z[j]
            zj = _soft(b, lam / 2) / sq[j]
            dz = zj - z[j]
            if dz != 0.0:
                r -= dz * cols[j]
                z[j] = zj
                max_change = max(max_change, abs(dz))
        if max_change <= 1e-9 * max(1.0, np.abs(z).max()):
            break
        if _gap(y, W, lam, z, r) <= 1e-6 * max(1.0, _lasso_obj(y, W, lam, z)):
            break
    F = _lasso_obj(y, W, lam, z)  # recomputed from z so F and z agree exactly
    return F, z


def kmeans_free_energy(y, W):
    y, W = _np(y), _np(W)
    best, arg = math.inf, 0
    for k in range(W.shape[1]):
        dist = 0.0
        for i in range(W.shape[0]):
            dist += (y[i] - W[i, k]) ** 2
        if dist < best:
            best, arg = dist, k
    return best, arg
