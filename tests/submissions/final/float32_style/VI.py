"""Final homework, coding part -- torch in float32."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

N = 1000
K = 10
R = 10.0
M = 5000


def _f(x):
    return torch.as_tensor(x).float()


# ------------------------------------------------------------ 1.1 The Gaussian mixture model

def gmm_means(K, R):
    angles = 2 * math.pi * torch.arange(1, K + 1).float() / K
    return R * torch.stack((angles.cos(), angles.sin()), dim=-1)


def sample_gmm(n, weights, means, generator):
    idx = torch.multinomial(_f(weights), n, replacement=True, generator=generator)
    eps = torch.randn(n, 2, generator=generator)
    return _f(means)[idx] + eps


def gmm_log_density(x, weights, means):
    return log_joint(x, weights, means).logsumexp(dim=-1)


# ------------------------------------------------------------------------ 1.2 The EM algorithm

def responsibilities(x, weights, means):
    return log_joint(x, weights, means).softmax(dim=-1)


def em_step(x, weights, means):
    x = _f(x)
    log_r = log_joint(x, weights, means).log_softmax(dim=-1)   # (n, K), log r_ik
    # float32 underflows below 1e-38, so stay in the log domain:
    # pi_k = exp(logsumexp_i log r_ik) / n, and r_ik / N_k = softmax over i of log r_ik
    pi = log_r.logsumexp(dim=0).exp() / x.shape[0]
    mu = torch.einsum("nk,nd->kd", log_r.softmax(dim=0), x)
    return pi, mu


def fit_gmm_em(x, init_weights, init_means, n_iters):
    x = _f(x)
    pi, mu = _f(init_weights), _f(init_means)
    history = torch.empty(n_iters + 1)
    for t in range(n_iters):
        history[t] = gmm_log_density(x, pi, mu).mean()
        pi, mu = em_step(x, pi, mu)
    history[n_iters] = gmm_log_density(x, pi, mu).mean()
    return pi, mu, history


# ------------------------------------------------------------- 1.3 Kernel density estimation

def kde_log_density(x_query, x_train, sigma):
    xq, xt = _f(x_query), _f(x_train)
    sq = (xq.unsqueeze(1) - xt.unsqueeze(0)).pow(2).sum(-1)          # (m, n)
    log_phi = -sq / (2 * sigma) - math.log(2 * math.pi * sigma)
    return log_phi.logsumexp(dim=1) - math.log(xt.shape[0])


def select_kde_sigma(x_train, x_val, sigmas):
    scores = torch.stack([kde_log_density(x_val, x_train, s).mean() for s in sigmas])
    return float(sigmas[int(torch.argmax(scores))])   # argmax returns the first maximum


# --------------------------------------------------------------- 1.4 The energy-based model

class EnergyNet(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.fc1 = nn.Linear(2, hidden)
        self.fc2 = nn.Linear(hidden, 1)

    def forward(self, x):
        x = x.to(self.fc1.weight.dtype)
        return self.fc2(F.relu(self.fc1(x))).squeeze(-1)


# ---------------------------------------------------------------- 1.5 Importance sampling

def self_normalized_is(f_values, log_target, log_q):
    f = _f(f_values)
    w = (_f(log_target) - _f(log_q)).softmax(dim=0)
    return (w.reshape(-1, *([1] * (f.dim() - 1))) * f).sum(dim=0)


# ------------------------------------------------ 1.6 The gradient of the log-partition A

def _dtype(model):
    return next(model.parameters()).dtype


def is_grad_log_partition(model, x_q, log_q):
    e = model(x_q.to(_dtype(model)))
    w = (e - log_q.to(e.dtype)).softmax(dim=0).detach()
    model.zero_grad()
    (w * e).sum().backward()
    grads = [p.grad.detach().clone() for p in model.parameters()]
    model.zero_grad()
    return grads


def ebm_loglik_grad(model, x_train, x_q, log_q):
    model.zero_grad()
    model(x_train.to(_dtype(model))).mean().backward()
    data = [p.grad.detach().clone() for p in model.parameters()]
    model.zero_grad()
    neg = is_grad_log_partition(model, x_q, log_q)
    return [d - g for d, g in zip(data, neg)]


# ---------------------------------------------- 1.7 The log-partition and test likelihood

def is_log_partition(log_target, log_q):
    a = _f(log_target) - _f(log_q)
    return a.logsumexp(dim=0) - math.log(a.shape[0])


@torch.no_grad()
def ebm_test_log_likelihood(model, x_test, x_q, log_q):
    dt = _dtype(model)
    return model(x_test.to(dt)).float().mean() - is_log_partition(model(x_q.to(dt)), log_q)


def train_ebm(model, x_train, x_q, log_q, n_steps, lr):
    for _ in range(n_steps):
        grads = ebm_loglik_grad(model, x_train, x_q, log_q)
        with torch.no_grad():
            for p, g in zip(model.parameters(), grads):
                p += lr * g
    return model


# ---------------------------------------------------------- 2 Variational inference (GMM)

def log_joint(x, weights, means):
    x, w, mu = _f(x), _f(weights), _f(means)
    sq = (x.unsqueeze(1) - mu.unsqueeze(0)).pow(2).sum(-1)          # (n, K)
    return w.log() - 0.5 * sq - math.log(2 * math.pi)


def elbo(x, q, weights, means):
    q = _f(q)
    lj = log_joint(x, weights, means)
    return (torch.xlogy(q, q).neg() + torch.where(q > 0, q * lj, torch.zeros_like(q))).sum(-1)


def elbo_uniform(x, weights, means):
    lj = log_joint(x, weights, means)
    return lj.mean(-1) + math.log(lj.shape[-1])


def elbo_posterior(x, weights, means):
    return gmm_log_density(x, weights, means)


def kl_to_posterior(x, q, weights, means):
    q = _f(q)
    log_post = log_joint(x, weights, means).log_softmax(dim=-1)
    return (torch.xlogy(q, q) - torch.where(q > 0, q * log_post, torch.zeros_like(q))).sum(-1)


def elbo_gap_uniform(x, K, R):
    w = torch.full((K,), 1.0 / K)
    mu = gmm_means(K, R)
    lj = log_joint(x, w, mu)
    # log p(x) - ELBO_unif = KL(Unif || posterior) = mean_k(-log post_k) - log K >= 0
    return (-lj.log_softmax(dim=-1)).mean(-1) - math.log(K)
