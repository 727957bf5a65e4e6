"""The variational lower bound for the GMM of final 1.1, with z the component (final 2.1-2.4).

``q`` is (n, K), each row a distribution over the K components; 0 log 0 = 0.
"""
from __future__ import annotations

import math

import torch

from .gmm import gmm_log_density, gmm_means, log_joint, responsibilities


def elbo(x, q, weights, means) -> torch.Tensor:
    """(n,): sum_k q_k (log p(x, k) - log q_k)."""
    return (q * log_joint(x, weights, means)).sum(dim=1) - torch.special.xlogy(q, q).sum(dim=1)


def elbo_uniform(x, weights, means) -> torch.Tensor:
    """(n,): the ELBO with q uniform over the K components."""
    K = means.shape[0]
    return log_joint(x, weights, means).mean(dim=1) + math.log(K)


def elbo_posterior(x, weights, means) -> torch.Tensor:
    """(n,): the ELBO with q = p(z | x), which equals log p(x)."""
    return elbo(x, responsibilities(x, weights, means), weights, means)


def kl_to_posterior(x, q, weights, means) -> torch.Tensor:
    """(n,): KL(q || p(z | x)) = sum_k q_k (log q_k - log p(k | x))."""
    log_posterior = torch.log_softmax(log_joint(x, weights, means), dim=1)
    return torch.special.xlogy(q, q).sum(dim=1) - (q * log_posterior).sum(dim=1)


def elbo_gap_uniform(x, K: int, R: float) -> torch.Tensor:
    """(n,): log p(x) - ELBO_uniform for K equal components with the means of gmm_means(K, R)."""
    weights = torch.full((K,), 1.0 / K, dtype=torch.float64)
    means = gmm_means(K, R)
    return gmm_log_density(x, weights, means) - elbo_uniform(x, weights, means)
