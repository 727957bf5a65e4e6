"""Assignment 3 -- NumPy solution with plain Python loops.

Returns NumPy arrays, Python floats and Python ints. Torch is used only where it has to be:
gradient descent on the answer differentiates the given energy_fn with autograd. Sparse
coding is solved by cyclic coordinate descent, run until the code stops moving, with an
exact finish on the support it finds.
"""
import numpy as np
import torch


def _np(a):
    if torch.is_tensor(a):
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=np.float64)


def _logsumexp(a):
    """Stable log sum exp of a 1-d array, by subtracting the maximum."""
    m = np.max(a)
    if not np.isfinite(m):
        return float(m)
    return float(m + np.log(np.sum(np.exp(a - m))))


def _sigmoid(t):
    # stable for any t: 0.5 (1 + tanh(t / 2))
    return 0.5 * (1.0 + np.tanh(0.5 * t))


# ------------------------------------------------------- Lecture: inference and free energy

def map_inference(energies):
    e = _np(energies)
    best = 0
    for i in range(1, len(e)):
        if e[i] < e[best]:
            best = i
    return best


def gibbs_distribution(energies, beta):
    a = -float(beta) * _np(energies)
    w = np.exp(a - np.max(a))
    return w / np.sum(w)


def free_energy(energies, beta):
    beta = float(beta)
    return -_logsumexp(-beta * _np(energies)) / beta


def partition_function(energies, beta):
    with np.errstate(over="ignore"):
        return float(np.exp(_logsumexp(-float(beta) * _np(energies))))


# ------------------------------------------------------------------ Lecture: loss functions

def energy_loss(energies, y):
    return float(_np(energies)[int(y)])


def perceptron_loss(energies, y):
    e = _np(energies)
    return float(e[int(y)] - np.min(e))


def log_likelihood_loss(energies, y, beta):
    e = _np(energies)
    beta = float(beta)
    return float(e[int(y)] + _logsumexp(-beta * e) / beta)


def margin_loss(energies, y, margin):
    e = _np(energies)
    y = int(y)
    worst = None
    for i in range(len(e)):
        if i != y and (worst is None or e[i] < worst):
            worst = e[i]
    if worst is None:
        return 0.0
    return max(0.0, float(margin) + float(e[y]) - float(worst))


def cost_augmented_loss(energies, y, costs):
    e = _np(energies)
    c = _np(costs)
    y = int(y)
    loss = 0.0
    for i in range(len(e)):
        loss = max(loss, float(c[i] + e[y] - e[i]))
    return loss


# ------------------------------------------------ Lecture: gradients of three classic models

def linear_regression_grad(w, x, y):
    w, x = _np(w), _np(x)
    return (np.dot(w, x) - float(y)) * x


def perceptron_grad(w, x, y):
    w, x = _np(w), _np(x)
    s = 1.0 if np.dot(w, x) > 0 else -1.0
    return -(float(y) - s) * x


def logistic_regression_grad(w, x, y):
    w, x = _np(w), _np(x)
    return -((float(y) + 1.0) / 2.0 - _sigmoid(np.dot(w, x))) * x


# --------------------------------------------------------------- Lecture: latent variables

def latent_map_inference(G):
    G = _np(G)
    best = (0, 0)
    for i in range(G.shape[0]):
        for j in range(G.shape[1]):
            if G[i, j] < G[best]:
                best = (i, j)
    return best


def latent_free_energy(G, beta):
    G = _np(G)
    beta = float(beta)
    out = np.empty(G.shape[0])
    for i in range(G.shape[0]):
        out[i] = -_logsumexp(-beta * G[i]) / beta
    return out


def latent_gibbs_distribution(G, beta):
    beta = float(beta)
    F = latent_free_energy(G, beta)
    return gibbs_distribution(F, beta)


# ------------------------------------------------------------------- A3 1: sequence models

def sequence_nll(log_probs, tags):
    lp = _np(log_probs)
    if torch.is_tensor(tags):
        tags = tags.tolist()
    total = 0.0
    for t, tag in enumerate(tags):
        total -= lp[t, int(tag)]
    return float(total)


# ------------------------------------------------------- A3 3: inference by table look-up

def table_inference(energy_table, x):
    return int(np.argmin(_np(energy_table)[int(x)]))


def count_pairs(vocab_size, n_tags, length):
    total = 1
    for _ in range(int(length)):
        total *= int(vocab_size) * int(n_tags)
    return total


def count_lookups(n_tags, length):
    total = 1
    for _ in range(int(length)):
        total *= int(n_tags)
    return total


# ------------------------------------------------ A3 4: inference by gradient descent on y

def gradient_descent_inference(energy_fn, y0, lr, n_steps):
    y = _np(y0).copy()
    for _ in range(int(n_steps)):
        yt = torch.tensor(y, dtype=torch.float64, requires_grad=True)
        energy_fn(yt).backward()
        y = y - float(lr) * yt.grad.numpy()
    return y


# ------------------------------------------------- A3 5: free energies of latent models

def _sc_objective(y, W, lam, z):
    r = y - W @ z
    return float(r @ r + lam * np.sum(np.abs(z)))


def _finish(y, W, lam, z):
    """Finish coordinate descent exactly, on the support it has found.

    Coordinate descent crawls when columns are nearly parallel, or when it holds more
    nonzeros than W has rows. From z, repeat: if the columns of the support are dependent,
    slide along their null space (the fit does not change and lam * ||z||_1 does not grow)
    until a coefficient reaches zero; otherwise jump to the minimiser of the smooth
    objective with the signs held fixed, stopping where a coefficient reaches zero if a sign
    would flip. The objective never increases along the way.
    """
    z = z.copy()
    for _ in range(4 * len(z) + 4):
        S = np.flatnonzero(z)
        if len(S) == 0:
            return z
        Ws = W[:, S]
        s = np.sign(z[S])
        _, sv, Vt = np.linalg.svd(Ws)
        rank = int(np.sum(sv > 1e-10 * sv[0])) if sv[0] > 0 else 0
        if rank < len(S):
            N = Vt[rank:].T                      # null space of W_S
            step = -N @ (N.T @ s)                # lowers lam * s.z at constant fit
            if np.max(np.abs(step)) < 1e-12:
                step = N[:, 0]                   # the objective is flat: any null direction
            if not np.any(z[S] * step < 0):
                step = -step
        else:
            # ||y - W_S z||^2 + lam s.z = ||(y - c) - W_S z||^2 + const, c = (lam/2) pinv(W_S)^T s
            c = 0.5 * lam * np.linalg.pinv(Ws).T @ s
            target = np.linalg.lstsq(Ws, y - c, rcond=None)[0]
            if np.all(np.sign(target) == s):
                z[S] = target
                return z
            step = target - z[S]
        crossing = z[S] * step < 0
        ratios = np.full(len(S), np.inf)
        ratios[crossing] = -z[S][crossing] / step[crossing]
        i = int(np.argmin(ratios))
        z[S] = z[S] + ratios[i] * step
        z[S[i]] = 0.0
    return z


def sparse_coding_free_energy(y, W, lam):
    y, W = _np(y), _np(W)
    lam = float(lam)
    d, k = W.shape
    z = np.zeros(k)
    col_sq = np.sum(W * W, axis=0)
    r = y.copy()                       # residual y - W z
    for sweep in range(20000):
        biggest = 0.0
        for j in range(k):
            if col_sq[j] == 0.0:
                continue
            rho = W[:, j] @ r + col_sq[j] * z[j]
            # minimise ||r_j - W_j z_j||^2 + lam |z_j|: soft threshold at lam / 2
            if rho > lam / 2:
                new = (rho - lam / 2) / col_sq[j]
            elif rho < -lam / 2:
                new = (rho + lam / 2) / col_sq[j]
            else:
                new = 0.0
            if new != z[j]:
                r -= W[:, j] * (new - z[j])
                biggest = max(biggest, abs(new - z[j]))
                z[j] = new
        converged = biggest <= 1e-14 * (1.0 + np.max(np.abs(z)))
        if converged or sweep % 20 == 19:
            zf = _finish(y, W, lam, z)
            if _sc_objective(y, W, lam, zf) < _sc_objective(y, W, lam, z):
                z = zf
            if converged:
                break
            r = y - W @ z               # also washes out accumulated rounding
    return _sc_objective(y, W, lam, z), z


def kmeans_free_energy(y, W):
    y, W = _np(y), _np(W)
    best_k, best = 0, None
    for j in range(W.shape[1]):
        diff = y - W[:, j]
        dist = float(diff @ diff)
        if best is None or dist < best:
            best_k, best = j, dist
    return best, best_k
