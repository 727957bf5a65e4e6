"""Final homework (VI.py) -- mostly numpy, torch only for the energy network parts."""
import math

import numpy as np
import torch
import torch.nn as nn

N = 1000
K = 10
R = 10.0
M = 5000

LOG2PI = math.log(2 * math.pi)


def to_np(a):
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().double().numpy()
    return np.asarray(a, dtype=np.float64)


def lse(a, axis=None):
    """log-sum-exp with the max subtracted first."""
    a = np.asarray(a, dtype=np.float64)
    m = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True)) + m
    if axis is None:
        return float(out.reshape(()))
    return np.squeeze(out, axis=axis)


# ------------------------------------------------------------ 1.1 The Gaussian mixture model

def gmm_means(K, R):
    mu = np.zeros((K, 2))
    for k in range(1, K + 1):
        mu[k - 1, 0] = R * math.cos(2 * math.pi * k / K)
        mu[k - 1, 1] = R * math.sin(2 * math.pi * k / K)
    return mu


def sample_gmm(n, weights, means, generator):
    w = to_np(weights)
    mu = to_np(means)
    # all randomness comes from the torch generator: seed a numpy rng with a draw from it
    seed = int(torch.randint(0, 2 ** 62, (1,), generator=generator).item())
    rng = np.random.default_rng(seed)
    z = rng.choice(len(w), size=n, p=w / w.sum())
    x = np.zeros((n, mu.shape[1]))
    for i in range(n):
        x[i] = mu[z[i]] + rng.standard_normal(mu.shape[1])
    return x


def log_gauss(x, mu, var=1.0):
    """log N(x_i; mu, var I_2) for every row x_i of x."""
    diff = x - mu[None, :]
    return -0.5 * np.sum(diff ** 2, axis=1) / var - LOG2PI - math.log(var)


def gmm_log_density(x, weights, means):
    lj = log_joint(x, weights, means)
    return lse(lj, axis=1)


# ------------------------------------------------------------------------ 1.2 The EM algorithm

def responsibilities(x, weights, means):
    lj = log_joint(x, weights, means)
    return np.exp(lj - lse(lj, axis=1)[:, None])


def em_step(x, weights, means):
    x = to_np(x)
    r = responsibilities(x, weights, means)
    n, Kc = r.shape
    new_w = np.zeros(Kc)
    new_mu = np.zeros((Kc, x.shape[1]))
    for k in range(Kc):
        Nk = r[:, k].sum()
        new_w[k] = Nk / n
        new_mu[k] = (r[:, k][:, None] * x).sum(0) / Nk
    return new_w, new_mu


def fit_gmm_em(x, init_weights, init_means, n_iters):
    x = to_np(x)
    w, mu = to_np(init_weights).copy(), to_np(init_means).copy()
    history = [gmm_log_density(x, w, mu).mean()]
    for t in range(n_iters):
        w, mu = em_step(x, w, mu)
        history.append(gmm_log_density(x, w, mu).mean())
    return w, mu, np.array(history)


# ------------------------------------------------------------- 1.3 Kernel density estimation

def kde_log_density(x_query, x_train, sigma):
    # phi_sigma = N(0, sigma I_2), sigma is a variance
    xq, xt = to_np(x_query), to_np(x_train)
    n = xt.shape[0]
    out = np.zeros(xq.shape[0])
    for j in range(xq.shape[0]):
        lk = -0.5 * np.sum((xt - xq[j]) ** 2, axis=1) / sigma - LOG2PI - math.log(sigma)
        out[j] = lse(lk) - math.log(n)
    return out


def select_kde_sigma(x_train, x_val, sigmas):
    best_sigma = None
    best_ll = -np.inf
    for s in sigmas:
        ll = kde_log_density(x_val, x_train, float(s)).mean()
        if ll > best_ll:  # strict: keep the first on ties
            best_ll = ll
            best_sigma = float(s)
    return best_sigma


# --------------------------------------------------------------- 1.4 The energy-based model

class EnergyNet(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.hidden_layer = nn.Linear(2, hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        h = torch.tanh(self.hidden_layer(x))
        return self.out(h)[:, 0]


# ---------------------------------------------------------------- 1.5 Importance sampling

def normalized_log_weights(log_target, log_q):
    lw = to_np(log_target) - to_np(log_q)
    return lw - lse(lw)


def self_normalized_is(f_values, log_target, log_q):
    f = to_np(f_values)
    w = np.exp(normalized_log_weights(log_target, log_q))
    total = np.zeros(f.shape[1:])
    for m in range(f.shape[0]):
        total = total + w[m] * f[m]
    if total.ndim == 0:
        return float(total)
    return total


# ------------------------------------------------ 1.6 The gradient of the log-partition A

def model_energy(model, x):
    p = next(model.parameters())
    if not isinstance(x, torch.Tensor):
        x = torch.as_tensor(np.asarray(x))
    return model(x.to(dtype=p.dtype, device=p.device))


def grads_of(scalar, model):
    params = list(model.parameters())
    gs = torch.autograd.grad(scalar, params, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g.detach() for p, g in zip(params, gs)]


def is_grad_log_partition(model, x_q, log_q):
    E_q = model_energy(model, x_q)
    w = np.exp(normalized_log_weights(E_q, log_q))
    w_t = torch.as_tensor(w, dtype=E_q.dtype)
    # sum_m w_m grad E(x_m) = grad of sum_m w_m E(x_m) with the weights held fixed
    return grads_of((w_t * E_q).sum(), model)


def ebm_loglik_grad(model, x_train, x_q, log_q):
    g_data = grads_of(model_energy(model, x_train).mean(), model)
    g_A = is_grad_log_partition(model, x_q, log_q)
    return [a - b for a, b in zip(g_data, g_A)]


# ---------------------------------------------- 1.7 The log-partition and test likelihood

def is_log_partition(log_target, log_q):
    lw = to_np(log_target) - to_np(log_q)
    return lse(lw) - math.log(len(lw))


def ebm_test_log_likelihood(model, x_test, x_q, log_q):
    with torch.no_grad():
        E_test = to_np(model_energy(model, x_test))
        E_q = to_np(model_energy(model, x_q))
    return float(E_test.mean() - is_log_partition(E_q, log_q))


def train_ebm(model, x_train, x_q, log_q, n_steps, lr):
    for step in range(n_steps):
        grads = ebm_loglik_grad(model, x_train, x_q, log_q)
        with torch.no_grad():
            for p, g in zip(model.parameters(), grads):
                p += lr * g
    return model


# ---------------------------------------------------------- 2 Variational inference (GMM)

def log_joint(x, weights, means):
    x, w, mu = to_np(x), to_np(weights), to_np(means)
    out = np.zeros((x.shape[0], len(w)))
    for k in range(len(w)):
        out[:, k] = np.log(w[k]) + log_gauss(x, mu[k])
    return out


def elbo(x, q, weights, means):
    q = to_np(q)
    lj = log_joint(x, weights, means)
    res = np.zeros(q.shape[0])
    for k in range(q.shape[1]):
        qk = q[:, k]
        pos = qk > 0  # 0 log 0 = 0
        res[pos] += qk[pos] * (lj[pos, k] - np.log(qk[pos]))
    return res


def elbo_uniform(x, weights, means):
    lj = log_joint(x, weights, means)
    Kc = lj.shape[1]
    return lj.sum(1) / Kc + math.log(Kc)


def elbo_posterior(x, weights, means):
    q = responsibilities(x, weights, means)
    return elbo(x, q, weights, means)


def kl_to_posterior(x, q, weights, means):
    q = to_np(q)
    lj = log_joint(x, weights, means)
    log_post = lj - lse(lj, axis=1)[:, None]
    kl = np.zeros(q.shape[0])
    for k in range(q.shape[1]):
        qk = q[:, k]
        pos = qk > 0
        kl[pos] += qk[pos] * (np.log(qk[pos]) - log_post[pos, k])
    return np.maximum(kl, 0.0)


def elbo_gap_uniform(x, K, R):
    x = to_np(x)
    mu = gmm_means(K, R)
    ln = np.zeros((x.shape[0], K))
    for k in range(K):
        ln[:, k] = log_gauss(x, mu[k])
    # log p(x) = lse(ln) - log K and ELBO_unif = mean(ln) (the log(1/K) and +log K cancel)
    m = ln.max(1)
    return np.log(np.exp(ln - m[:, None]).sum(1)) - math.log(K) + (m[:, None] - ln).mean(1)
