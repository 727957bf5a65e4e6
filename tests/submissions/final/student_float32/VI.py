"""Final homework -- VI.py. Everything is done in float32 (torch's default dtype)."""
import math

import torch
import torch.nn as nn

N = 1000
K = 10
R = 10.0
M = 5000

DT = torch.float32


def f32(a):
    if isinstance(a, torch.Tensor):
        return a.detach().to(DT)
    return torch.as_tensor(a, dtype=DT)


# ------------------------------------------------------------ 1.1 The Gaussian mixture model

def gmm_means(K, R):
    k = torch.arange(1, K + 1, dtype=DT)
    theta = 2 * math.pi * k / K
    return float(R) * torch.stack((torch.cos(theta), torch.sin(theta)), dim=-1)


def sample_gmm(n, weights, means, generator):
    weights, means = f32(weights), f32(means)
    comp = torch.multinomial(weights, n, replacement=True, generator=generator)
    noise = torch.randn((n, 2), generator=generator, dtype=DT)
    return means[comp] + noise


def sq_dists(a, b):
    # pairwise squared distances, by differences (not the |a|^2 - 2ab + |b|^2 expansion,
    # which loses everything in float32 for far away points)
    return ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)


def gmm_log_density(x, weights, means):
    return torch.logsumexp(log_joint(x, weights, means), dim=-1)


# ------------------------------------------------------------------------ 1.2 The EM algorithm

def responsibilities(x, weights, means):
    return torch.softmax(log_joint(x, weights, means), dim=-1)


def em_step(x, weights, means):
    x = f32(x)
    r = responsibilities(x, weights, means)  # (n, K)
    Nk = r.sum(dim=0)
    pi = Nk / x.shape[0]
    mu = (r.t() @ x) / Nk.unsqueeze(1)
    return pi, mu


def fit_gmm_em(x, init_weights, init_means, n_iters):
    x = f32(x)
    pi, mu = f32(init_weights), f32(init_means)
    history = torch.empty(n_iters + 1, dtype=DT)
    history[0] = gmm_log_density(x, pi, mu).mean()
    for t in range(n_iters):
        pi, mu = em_step(x, pi, mu)
        history[t + 1] = gmm_log_density(x, pi, mu).mean()
    return pi, mu, history


# ------------------------------------------------------------- 1.3 Kernel density estimation

def kde_log_density(x_query, x_train, sigma):
    xq, xt = f32(x_query), f32(x_train)
    sigma = float(sigma)  # variance of the kernel
    log_k = -sq_dists(xq, xt) / (2 * sigma) - math.log(2 * math.pi * sigma)
    return torch.logsumexp(log_k, dim=1) - math.log(xt.shape[0])


def select_kde_sigma(x_train, x_val, sigmas):
    scores = [kde_log_density(x_val, x_train, s).mean().item() for s in sigmas]
    best = max(range(len(sigmas)), key=lambda i: (scores[i], -i))  # first index on ties
    return float(sigmas[best])


# --------------------------------------------------------------- 1.4 The energy-based model

class EnergyNet(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(), nn.Linear(hidden, 1))

    def forward(self, x):
        return self.net(x).view(-1)


# ---------------------------------------------------------------- 1.5 Importance sampling

def self_normalized_is(f_values, log_target, log_q):
    f = f32(f_values)
    log_w = f32(log_target) - f32(log_q)
    w = torch.softmax(log_w, dim=0)  # = w_m / sum w, no overflow
    w = w.reshape((-1,) + (1,) * (f.dim() - 1))
    return (w * f).sum(dim=0)


# ------------------------------------------------ 1.6 The gradient of the log-partition A

def _energy(model, x):
    return model(f32(x))


def _grad_list(obj, model):
    params = list(model.parameters())
    gs = torch.autograd.grad(obj, params, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for p, g in zip(params, gs)]


def _weighted_energy(model, x_q, log_q):
    E = _energy(model, x_q)
    w = torch.softmax(E.detach() - f32(log_q), dim=0)
    return (w * E).sum()


def is_grad_log_partition(model, x_q, log_q):
    return _grad_list(_weighted_energy(model, x_q, log_q), model)


def ebm_loglik_grad(model, x_train, x_q, log_q):
    L_hat = _energy(model, x_train).mean() - _weighted_energy(model, x_q, log_q)
    return _grad_list(L_hat, model)


# ---------------------------------------------- 1.7 The log-partition and test likelihood

def is_log_partition(log_target, log_q):
    lw = f32(log_target) - f32(log_q)
    return torch.logsumexp(lw, dim=0) - math.log(lw.shape[0])


def ebm_test_log_likelihood(model, x_test, x_q, log_q):
    with torch.no_grad():
        A_hat = is_log_partition(_energy(model, x_q), log_q)
        return _energy(model, x_test).mean() - A_hat


def train_ebm(model, x_train, x_q, log_q, n_steps, lr):
    for _ in range(n_steps):
        g = ebm_loglik_grad(model, x_train, x_q, log_q)
        with torch.no_grad():
            for p, gp in zip(model.parameters(), g):
                p.add_(gp, alpha=lr)
    return model


# ---------------------------------------------------------- 2 Variational inference (GMM)

def log_joint(x, weights, means):
    x, weights, means = f32(x), f32(weights), f32(means)
    return torch.log(weights) - 0.5 * sq_dists(x, means) - math.log(2 * math.pi)


def _q_log_q_terms(q, log_other):
    # q * (log_other - log q) with 0 log 0 = 0
    log_q = torch.log(torch.where(q > 0, q, torch.ones_like(q)))
    return torch.where(q > 0, q * (log_other - log_q), torch.zeros_like(q))


def elbo(x, q, weights, means):
    q = f32(q)
    return _q_log_q_terms(q, log_joint(x, weights, means)).sum(-1)


def elbo_uniform(x, weights, means):
    lj = log_joint(x, weights, means)
    return lj.mean(-1) + math.log(lj.shape[-1])


def elbo_posterior(x, weights, means):
    lj = log_joint(x, weights, means)
    log_post = torch.log_softmax(lj, dim=-1)
    post = log_post.exp()
    # sum_k post_k (log p(x,k) - log post_k); each bracket is log p(x)
    return (post * (lj - log_post)).sum(-1)


def kl_to_posterior(x, q, weights, means):
    q = f32(q)
    log_post = torch.log_softmax(log_joint(x, weights, means), dim=-1)
    return (-_q_log_q_terms(q, log_post).sum(-1)).clamp(min=0.0)


def elbo_gap_uniform(x, K, R):
    x = f32(x)
    ln = -0.5 * sq_dists(x, gmm_means(K, R))  # log N up to the constant, which cancels
    m = ln.max(dim=1, keepdim=True).values
    # logsumexp(ln) - log K - mean(ln), written with the max pulled out of both terms
    return torch.log(torch.exp(ln - m).sum(1)) - math.log(K) + (m - ln).mean(1)
