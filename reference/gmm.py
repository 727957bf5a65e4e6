"""Gaussian mixtures in d = 2 with identity covariances, and EM for them (final 1.1, 1.2).

``weights`` (K,) lies on the simplex, ``means`` is (K, 2), every component has covariance
I_2, ``x`` is (n, 2). Log-densities are in nats and computed in the log domain throughout.
"""
from __future__ import annotations

import math

import torch

DIMENSION = 2


def gmm_means(K: int, R: float) -> torch.Tensor:
    """mu_k = R (cos(2 pi k / K), sin(2 pi k / K)) for k = 1..K."""
    angles = 2 * math.pi * torch.arange(1, K + 1, dtype=torch.float64) / K
    return R * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)


def sample_gmm(n: int, weights, means, generator: torch.Generator) -> torch.Tensor:
    """n i.i.d. draws: a component by its weight, then that component's N(mu_k, I_2)."""
    components = torch.multinomial(weights, n, replacement=True, generator=generator)
    noise = torch.randn(n, DIMENSION, generator=generator, dtype=torch.float64)
    return means[components] + noise


def log_normal(x, means, variance=1.0) -> torch.Tensor:
    """(n, K): log N(x_i; mu_k, variance I_2)."""
    squared = torch.cdist(x, means) ** 2
    return -squared / (2 * variance) - (DIMENSION / 2) * math.log(2 * math.pi * variance)


def log_joint(x, weights, means) -> torch.Tensor:
    """(n, K): log p(x_i, z = k) = log pi_k + log N(x_i; mu_k, I)."""
    return torch.log(weights) + log_normal(x, means)


def gmm_log_density(x, weights, means) -> torch.Tensor:
    """(n,): log sum_k pi_k N(x_i; mu_k, I)."""
    return torch.logsumexp(log_joint(x, weights, means), dim=1)


def responsibilities(x, weights, means) -> torch.Tensor:
    """(n, K): the posterior p(z = k | x_i)."""
    return torch.softmax(log_joint(x, weights, means), dim=1)


def em_step(x, weights, means):
    """One E-step and M-step with covariances fixed to I; component order is kept. A component
    whose total responsibility underflows to 0 keeps its mean (the M-step is undefined there)."""
    r = responsibilities(x, weights, means)
    counts = r.sum(dim=0)
    new_weights = counts / x.shape[0]
    safe = counts > 0
    new_means = means.clone()
    new_means[safe] = (r.T @ x)[safe] / counts[safe, None]
    return new_weights, new_means


def fit_gmm_em(x, init_weights, init_means, n_iters: int):
    """n_iters EM steps; history[t] is the mean log-likelihood before step t (and after the
    last one at t = n_iters)."""
    weights, means = init_weights, init_means
    history = [gmm_log_density(x, weights, means).mean()]
    for _ in range(n_iters):
        weights, means = em_step(x, weights, means)
        history.append(gmm_log_density(x, weights, means).mean())
    return weights, means, torch.stack(history)
