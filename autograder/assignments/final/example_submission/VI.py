"""An example final-homework submission, as a student might write it: mostly right, with two
realistic mistakes (sigma used as the kernel's standard deviation instead of its variance, and
the uniform ELBO without its log K term). `./run_autograder --assignment final` with no
--submission grades this file to show what grading looks like."""
import math

import torch
import torch.nn as nn

N = 1000
K = 10
R = 10.0
M = 5000

LOG_2PI = math.log(2.0 * math.pi)


def _t(x):
    return torch.as_tensor(x, dtype=torch.float64)


def _sq_dists(x, centers):
    """(n, K) matrix of squared Euclidean distances, by broadcasting (no cdist cancellation)."""
    return ((x[:, None, :] - centers[None, :, :]) ** 2).sum(-1)


# ------------------------------------------------------------ 1.1 The Gaussian mixture model

def gmm_means(K, R):
    k = torch.arange(1, K + 1, dtype=torch.float64)
    angle = 2.0 * math.pi * k / K
    return float(R) * torch.stack([torch.cos(angle), torch.sin(angle)], dim=1)


def sample_gmm(n, weights, means, generator):
    weights, means = _t(weights), _t(means)
    z = torch.multinomial(weights, n, replacement=True, generator=generator)
    noise = torch.randn(n, 2, generator=generator, dtype=torch.float64)
    return means[z] + noise


def gmm_log_density(x, weights, means):
    return torch.logsumexp(log_joint(x, weights, means), dim=1)


# ------------------------------------------------------------------------ 1.2 The EM algorithm

def responsibilities(x, weights, means):
    return torch.softmax(log_joint(x, weights, means), dim=1)


def em_step(x, weights, means):
    x, means = _t(x), _t(means)
    r = responsibilities(x, weights, means)
    nk = r.sum(0)
    new_weights = nk / x.shape[0]
    new_means = (r.T @ x) / nk[:, None]
    # a component that no point reaches keeps its mean (instead of 0 / 0)
    new_means = torch.where((nk > 0)[:, None], new_means, means)
    return new_weights, new_means


def fit_gmm_em(x, init_weights, init_means, n_iters):
    x = _t(x)
    w, mu = _t(init_weights).clone(), _t(init_means).clone()
    history = [gmm_log_density(x, w, mu).mean()]
    for _ in range(int(n_iters)):
        w, mu = em_step(x, w, mu)
        history.append(gmm_log_density(x, w, mu).mean())
    return w, mu, torch.stack(history)


# ------------------------------------------------------------- 1.3 Kernel density estimation

def kde_log_density(x_query, x_train, sigma):
    x_query, x_train = _t(x_query), _t(x_train)
    sigma = float(sigma)
    n = x_train.shape[0]
    # sigma read as a standard deviation
    log_kernel = -_sq_dists(x_query, x_train) / (2.0 * sigma**2) - math.log(2.0 * math.pi * sigma**2)
    return torch.logsumexp(log_kernel, dim=1) - math.log(n)


def select_kde_sigma(x_train, x_val, sigmas):
    scores = [kde_log_density(x_val, x_train, s).mean().item() for s in sigmas]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    return float(sigmas[best])


# --------------------------------------------------------------- 1.4 The energy-based model

class EnergyNet(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(2, hidden, dtype=torch.float64),
            nn.Tanh(),
            nn.Linear(hidden, 1, dtype=torch.float64),
        )

    def forward(self, x):
        x = torch.as_tensor(x).to(self.net[0].weight.dtype)
        return self.net(x).squeeze(-1)


def _param_dtype(model):
    return next(model.parameters()).dtype


# ---------------------------------------------------------------- 1.5 Importance sampling

def self_normalized_is(f_values, log_target, log_q):
    f_values, log_target, log_q = _t(f_values), _t(log_target), _t(log_q)
    w = torch.softmax(log_target - log_q, dim=0)
    return torch.tensordot(w, f_values, dims=1)


# ------------------------------------------------ 1.6 The gradient of the log-partition A

def _grads(model, scalar):
    params = list(model.parameters())
    grads = torch.autograd.grad(scalar, params, allow_unused=True)
    return [torch.zeros_like(p) if g is None else g.detach() for p, g in zip(params, grads)]


def is_grad_log_partition(model, x_q, log_q):
    dtype = _param_dtype(model)
    x_q = torch.as_tensor(x_q).to(dtype)
    log_q = torch.as_tensor(log_q).to(dtype)
    with torch.enable_grad():
        e = model(x_q)
        w = torch.softmax(e.detach() - log_q, dim=0)
        # grad of sum_m w_m E(x_m) with w held fixed = self-normalised IS average of grad E
        return _grads(model, (w * e).sum())


def ebm_loglik_grad(model, x_train, x_q, log_q):
    dtype = _param_dtype(model)
    x_train = torch.as_tensor(x_train).to(dtype)
    with torch.enable_grad():
        data_term = _grads(model, model(x_train).mean())
    model_term = is_grad_log_partition(model, x_q, log_q)
    return [g_d - g_m for g_d, g_m in zip(data_term, model_term)]


# ---------------------------------------------- 1.7 The log-partition and test likelihood

def is_log_partition(log_target, log_q):
    log_target, log_q = _t(log_target), _t(log_q)
    return torch.logsumexp(log_target - log_q, dim=0) - math.log(log_target.shape[0])


def ebm_test_log_likelihood(model, x_test, x_q, log_q):
    dtype = _param_dtype(model)
    with torch.no_grad():
        e_test = model(torch.as_tensor(x_test).to(dtype)).double()
        e_q = model(torch.as_tensor(x_q).to(dtype)).double()
    return e_test.mean() - is_log_partition(e_q, log_q)


def train_ebm(model, x_train, x_q, log_q, n_steps, lr):
    for _ in range(int(n_steps)):
        grads = ebm_loglik_grad(model, x_train, x_q, log_q)
        with torch.no_grad():
            for p, g in zip(model.parameters(), grads):
                p.add_(g, alpha=float(lr))
    return model


# ---------------------------------------------------------- 2 Variational inference (GMM)

def log_joint(x, weights, means):
    x, weights, means = _t(x), _t(weights), _t(means)
    return torch.log(weights)[None, :] - 0.5 * _sq_dists(x, means) - LOG_2PI


def elbo(x, q, weights, means):
    q = _t(q)
    lj = log_joint(x, weights, means)
    terms = torch.where(q > 0, q * (lj - torch.log(q)), torch.zeros_like(q))
    return terms.sum(1)


def elbo_uniform(x, weights, means):
    lj = log_joint(x, weights, means)
    return lj.mean(1)  # forgot the entropy of the uniform q


def elbo_posterior(x, weights, means):
    return torch.logsumexp(log_joint(x, weights, means), dim=1)


def kl_to_posterior(x, q, weights, means):
    q = _t(q)
    log_post = torch.log_softmax(log_joint(x, weights, means), dim=1)
    terms = torch.where(q > 0, q * (torch.log(q) - log_post), torch.zeros_like(q))
    return terms.sum(1)


def elbo_gap_uniform(x, K, R):
    K = int(K)
    weights = torch.full((K,), 1.0 / K, dtype=torch.float64)
    means = gmm_means(K, R)
    lj = log_joint(x, weights, means)
    return torch.logsumexp(lj, dim=1) - (lj.mean(1) + math.log(K))
