"""Kernel density estimation with an isotropic Gaussian kernel (final 1.3).

``sigma`` is the kernel's VARIANCE, as the homework states ("covariance sigma I_2").
"""
from __future__ import annotations

import math

import torch

from .gmm import log_normal


def kde_log_density(x_query, x_train, sigma: float) -> torch.Tensor:
    """(m,): log (1/n) sum_i N(x; x_i, sigma I_2), by log-sum-exp over the training points."""
    return torch.logsumexp(log_normal(x_query, x_train, sigma), dim=1) - math.log(len(x_train))


def select_kde_sigma(x_train, x_val, sigmas) -> float:
    """The sigma with the highest mean validation log-likelihood; ties go to the first."""
    scores = [float(kde_log_density(x_val, x_train, float(sigma)).mean()) for sigma in sigmas]
    return float(sigmas[max(range(len(scores)), key=lambda index: (scores[index], -index))])
