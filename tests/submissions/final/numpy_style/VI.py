"""Final homework, coding part -- NumPy solution.

NumPy for everything without a model (densities, EM, KDE, importance sampling, ELBOs),
torch only for the energy network and its gradients, and for drawing from the generator.
"""
import numpy as np
import torch
import torch.nn as nn

N = 1000
K = 10
R = 10.0
M = 5000


def _np(a):
    return np.asarray(a, dtype=np.float64)


def _logsumexp(a, axis):
    """Stable log sum exp along `axis`, by subtracting the maximum."""
    m = np.max(a, axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0.0)
    out = m + np.log(np.sum(np.exp(a - m), axis=axis, keepdims=True))
    return np.squeeze(out, axis=axis)


def _log_normal(x, mu, var=1.0):
    """log N(x; mu, var I_2) for every row of x (shape (n,)), d = 2."""
    diff = x - mu
    sq = np.sum(diff * diff, axis=1)
    return -0.5 * sq / var - np.log(2.0 * np.pi * var)


# ------------------------------------------------------------ 1.1 The Gaussian mixture model

def gmm_means(K, R):
    K = int(K)
    mu = np.zeros((K, 2))
    for k in range(1, K + 1):
        angle = 2.0 * np.pi * k / K
        mu[k - 1] = [R * np.cos(angle), R * np.sin(angle)]
    return mu


def sample_gmm(n, weights, means, generator):
    w = torch.as_tensor(_np(weights))
    z = torch.multinomial(w, int(n), replacement=True, generator=generator).numpy()
    noise = torch.randn(int(n), 2, generator=generator, dtype=torch.float64).numpy()
    return _np(means)[z] + noise


def gmm_log_density(x, weights, means):
    return _logsumexp(log_joint(x, weights, means), axis=1)


# ------------------------------------------------------------------------ 1.2 The EM algorithm

def responsibilities(x, weights, means):
    lj = log_joint(x, weights, means)
    return np.exp(lj - _logsumexp(lj, axis=1)[:, None])


def em_step(x, weights, means):
    x, means = _np(x), _np(means)
    n = x.shape[0]
    r = responsibilities(x, weights, means)
    K = r.shape[1]
    new_weights = np.zeros(K)
    new_means = np.zeros((K, 2))
    for k in range(K):
        nk = np.sum(r[:, k])
        new_weights[k] = nk / n
        if nk > 0:
            new_means[k] = np.sum(r[:, k:k + 1] * x, axis=0) / nk
        else:
            new_means[k] = means[k]   # nobody belongs to it: leave it where it is
    return new_weights, new_means


def fit_gmm_em(x, init_weights, init_means, n_iters):
    x = _np(x)
    w, mu = _np(init_weights).copy(), _np(init_means).copy()
    history = [float(np.mean(gmm_log_density(x, w, mu)))]
    for _ in range(int(n_iters)):
        w, mu = em_step(x, w, mu)
        history.append(float(np.mean(gmm_log_density(x, w, mu))))
    return w, mu, np.array(history)


# ------------------------------------------------------------- 1.3 Kernel density estimation

def kde_log_density(x_query, x_train, sigma):
    xq, xt = _np(x_query), _np(x_train)
    sigma = float(sigma)
    diff = xq[:, None, :] - xt[None, :, :]
    sq = np.sum(diff * diff, axis=2)                           # (m, n)
    log_k = -0.5 * sq / sigma - np.log(2.0 * np.pi * sigma)
    return _logsumexp(log_k, axis=1) - np.log(xt.shape[0])


def select_kde_sigma(x_train, x_val, sigmas):
    best_sigma, best_score = None, -np.inf
    for s in sigmas:
        score = float(np.mean(kde_log_density(x_val, x_train, s)))
        if best_sigma is None or score > best_score:
            best_sigma, best_score = float(s), score
    return best_sigma


# --------------------------------------------------------------- 1.4 The energy-based model

class EnergyNet(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.hidden = nn.Linear(2, hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(self, x):
        x = torch.as_tensor(x).to(self.hidden.weight.dtype)
        h = torch.nn.functional.softplus(self.hidden(x))
        return self.out(h)[:, 0]


# ---------------------------------------------------------------- 1.5 Importance sampling

def _is_weights(log_target, log_q):
    """Normalised importance weights w_m / sum w, computed in the log domain."""
    a = _np(log_target) - _np(log_q)
    a = a - np.max(a)
    w = np.exp(a)
    return w / np.sum(w)


def self_normalized_is(f_values, log_target, log_q):
    f = _np(f_values)
    w = _is_weights(log_target, log_q)
    return np.tensordot(w, f, axes=(0, 0))


# ------------------------------------------------ 1.6 The gradient of the log-partition A

def _weighted_param_grads(model, x, weights):
    """sum_m weights_m grad_theta E(x_m), one array per parameter, by a single backward."""
    params = list(model.parameters())
    dtype = params[0].dtype
    with torch.enable_grad():
        e = model(torch.as_tensor(_np(x)).to(dtype))
        wt = torch.as_tensor(weights).to(e.dtype)
        g = torch.autograd.grad((wt * e).sum(), params, allow_unused=True)
    return [np.zeros(p.shape) if gj is None else gj.detach().double().numpy()
            for p, gj in zip(params, g)]


def is_grad_log_partition(model, x_q, log_q):
    params = list(model.parameters())
    with torch.no_grad():
        e_q = model(torch.as_tensor(_np(x_q)).to(params[0].dtype)).double().numpy()
    w = _is_weights(e_q, log_q)
    grads = _weighted_param_grads(model, x_q, w)
    return [torch.as_tensor(g).to(p.dtype) for p, g in zip(params, grads)]


def ebm_loglik_grad(model, x_train, x_q, log_q):
    params = list(model.parameters())
    n = _np(x_train).shape[0]
    data = _weighted_param_grads(model, x_train, np.full(n, 1.0 / n))
    model_term = is_grad_log_partition(model, x_q, log_q)
    return [torch.as_tensor(d).to(p.dtype) - g for p, d, g in zip(params, data, model_term)]


# ---------------------------------------------- 1.7 The log-partition and test likelihood

def is_log_partition(log_target, log_q):
    a = _np(log_target) - _np(log_q)
    m = np.max(a)
    return float(m + np.log(np.mean(np.exp(a - m))))


def ebm_test_log_likelihood(model, x_test, x_q, log_q):
    dtype = next(model.parameters()).dtype
    with torch.no_grad():
        e_test = model(torch.as_tensor(_np(x_test)).to(dtype)).double().numpy()
        e_q = model(torch.as_tensor(_np(x_q)).to(dtype)).double().numpy()
    return float(np.mean(e_test) - is_log_partition(e_q, log_q))


def train_ebm(model, x_train, x_q, log_q, n_steps, lr):
    for _ in range(int(n_steps)):
        grads = ebm_loglik_grad(model, x_train, x_q, log_q)
        with torch.no_grad():
            for p, g in zip(model.parameters(), grads):
                p += float(lr) * g
    return model


# ---------------------------------------------------------- 2 Variational inference (GMM)

def log_joint(x, weights, means):
    x, w, mu = _np(x), _np(weights), _np(means)
    K = w.shape[0]
    out = np.empty((x.shape[0], K))
    with np.errstate(divide="ignore"):
        log_w = np.log(w)
    for k in range(K):
        out[:, k] = log_w[k] + _log_normal(x, mu[k])
    return out


def _log_posterior(lj):
    return lj - _logsumexp(lj, axis=1)[:, None]


def elbo(x, q, weights, means):
    q = _np(q)
    lj = log_joint(x, weights, means)
    total = np.zeros(lj.shape[0])
    for k in range(lj.shape[1]):
        qk = q[:, k]
        pos = qk > 0
        total[pos] += qk[pos] * (lj[pos, k] - np.log(qk[pos]))
    return total


def elbo_uniform(x, weights, means):
    lj = log_joint(x, weights, means)
    K = lj.shape[1]
    total = np.zeros(lj.shape[0])
    for k in range(K):
        total += lj[:, k] / K
    return total + np.log(K)


def elbo_posterior(x, weights, means):
    # the ELBO evaluated at q = p(z | x): sum_k r_k (log p(x, k) - log r_k)
    lj = log_joint(x, weights, means)
    log_r = _log_posterior(lj)
    total = np.zeros(lj.shape[0])
    for k in range(lj.shape[1]):
        r = np.exp(log_r[:, k])
        pos = r > 0
        total[pos] += r[pos] * (lj[pos, k] - log_r[pos, k])
    return total


def kl_to_posterior(x, q, weights, means):
    q = _np(q)
    log_post = _log_posterior(log_joint(x, weights, means))
    total = np.zeros(q.shape[0])
    for k in range(q.shape[1]):
        qk = q[:, k]
        pos = qk > 0
        total[pos] += qk[pos] * (np.log(qk[pos]) - log_post[pos, k])
    return total


def elbo_gap_uniform(x, K, R):
    K = int(K)
    weights = np.full(K, 1.0 / K)
    means = gmm_means(K, R)
    return gmm_log_density(x, weights, means) - elbo_uniform(x, weights, means)
