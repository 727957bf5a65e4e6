"""Final homework, coding part: GMM, KDE, EBM with importance sampling, variational inference."""
import math

import torch
import torch.nn as nn

N = 1000
K = 10
R = 10.0
M = 5000


# ------------------------------------------------------------ 1.1 The Gaussian mixture model

def gmm_means(K, R):
    k = torch.arange(1, K + 1, dtype=torch.float64)
    ang = 2 * math.pi * k / K
    return R * torch.stack([torch.cos(ang), torch.sin(ang)], dim=1)


def sample_gmm(n, weights, means, generator):
    weights = torch.as_tensor(weights, dtype=torch.float64)
    means = torch.as_tensor(means, dtype=torch.float64)
    z = torch.multinomial(weights, n, replacement=True, generator=generator)
    eps = torch.randn(n, means.shape[1], generator=generator, dtype=means.dtype)
    return means[z] + eps


def _log_normal(x, means, var=1.0):
    # log N(x_i; mu_k, var * I) for every pair -> (n, K)
    d = x.shape[1]
    sq = ((x[:, None, :] - means[None, :, :]) ** 2).sum(-1)
    return -0.5 * sq / var - 0.5 * d * math.log(2 * math.pi * var)


def gmm_log_density(x, weights, means):
    return torch.logsumexp(log_joint(x, weights, means), dim=1)


# ------------------------------------------------------------------------ 1.2 The EM algorithm

def responsibilities(x, weights, means):
    return torch.softmax(log_joint(x, weights, means), dim=1)


def em_step(x, weights, means):
    r = responsibilities(x, weights, means)
    Nk = r.sum(0)
    new_w = Nk / x.shape[0]
    new_mu = (r.T @ x) / Nk[:, None]
    return new_w, new_mu


def fit_gmm_em(x, init_weights, init_means, n_iters):
    w, mu = init_weights.clone(), init_means.clone()
    hist = [gmm_log_density(x, w, mu).mean()]
    for _ in range(n_iters):
        w, mu = em_step(x, w, mu)
        hist.append(gmm_log_density(x, w, mu).mean())
    return w, mu, torch.stack(hist)


# ------------------------------------------------------------- 1.3 Kernel density estimation

def kde_log_density(x_query, x_train, sigma):
    # sigma is the variance of the gaussian kernel
    lk = _log_normal(x_query, x_train, var=sigma)  # (m, n)
    return torch.logsumexp(lk, dim=1) - math.log(x_train.shape[0])


def select_kde_sigma(x_train, x_val, sigmas):
    best, best_ll = None, -math.inf
    for s in sigmas:
        ll = kde_log_density(x_val, x_train, s).mean().item()
        if ll > best_ll:
            best, best_ll = s, ll
    return float(best)


# --------------------------------------------------------------- 1.4 The energy-based model

class EnergyNet(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.fc1 = nn.Linear(2, hidden)
        self.act = nn.Softplus()
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, x):
        # E_theta(x) = unnormalised log density
        return self.fc2(self.act(self.fc1(x))).squeeze(-1)


# ---------------------------------------------------------------- 1.5 Importance sampling

def self_normalized_is(f_values, log_target, log_q):
    lw = log_target - log_q
    w = torch.softmax(lw, dim=0)  # normalised weights, computed in the log domain
    dt = torch.promote_types(w.dtype, f_values.dtype)
    return torch.tensordot(w.to(dt), f_values.to(dt), dims=([0], [0]))


# ------------------------------------------------ 1.6 The gradient of the log-partition A

def _param_dtype(model):
    return next(model.parameters()).dtype


def _is_weights(model, x_q, log_q):
    E_q = model(x_q.to(_param_dtype(model)))
    w = torch.softmax(E_q.detach().double() - log_q.detach().double(), dim=0)
    return E_q, w.to(E_q.dtype)


def is_grad_log_partition(model, x_q, log_q):
    E_q, w = _is_weights(model, x_q, log_q)
    # weights are constants, so grad of sum_m w_m E(x_m) = sum_m w_m grad E(x_m)
    params = list(model.parameters())
    grads = torch.autograd.grad((w * E_q).sum(), params, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]


def ebm_loglik_grad(model, x_train, x_q, log_q):
    E_q, w = _is_weights(model, x_q, log_q)
    E_tr = model(x_train.to(_param_dtype(model)))
    obj = E_tr.mean() - (w * E_q).sum()
    params = list(model.parameters())
    grads = torch.autograd.grad(obj, params, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]


# ---------------------------------------------- 1.7 The log-partition and test likelihood

def is_log_partition(log_target, log_q):
    return torch.logsumexp(log_target - log_q, dim=0) - math.log(log_target.shape[0])


def ebm_test_log_likelihood(model, x_test, x_q, log_q):
    dt = _param_dtype(model)
    with torch.no_grad():
        E_test = model(x_test.to(dt)).double()
        E_q = model(x_q.to(dt)).double()
    return E_test.mean() - is_log_partition(E_q, log_q.double())


def train_ebm(model, x_train, x_q, log_q, n_steps, lr):
    for _ in range(n_steps):
        grads = ebm_loglik_grad(model, x_train, x_q, log_q)
        with torch.no_grad():
            for p, g in zip(model.parameters(), grads):
                p.add_(lr * g)  # gradient ascent
    return model


# ---------------------------------------------------------- 2 Variational inference (GMM)

def log_joint(x, weights, means):
    return torch.log(weights)[None, :] + _log_normal(x, means)


def elbo(x, q, weights, means):
    lj = log_joint(x, weights, means)
    safe_q = torch.where(q > 0, q, torch.ones_like(q))
    terms = torch.where(q > 0, q * (lj - torch.log(safe_q)), torch.zeros_like(lj))
    return terms.sum(1)


def elbo_uniform(x, weights, means):
    lj = log_joint(x, weights, means)
    Kc = lj.shape[1]
    return lj.mean(1) + math.log(Kc)


def elbo_posterior(x, weights, means):
    post = responsibilities(x, weights, means)
    return elbo(x, post, weights, means)


def kl_to_posterior(x, q, weights, means):
    log_post = torch.log_softmax(log_joint(x, weights, means), dim=1)
    safe_q = torch.where(q > 0, q, torch.ones_like(q))
    terms = torch.where(q > 0, q * (torch.log(safe_q) - log_post), torch.zeros_like(log_post))
    return terms.sum(1).clamp_min(0.0)


def elbo_gap_uniform(x, K, R):
    means = gmm_means(K, R).to(x.dtype)
    ln = _log_normal(x, means)
    # log p(x) - ELBO_unif = logsumexp(ln) - log K - mean(ln); shift by the max for stability
    m = ln.max(1, keepdim=True).values
    return torch.log(torch.exp(ln - m).sum(1)) - math.log(K) + (m - ln).mean(1)
