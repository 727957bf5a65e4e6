"""Known mistakes in the kernel density estimator (final 1.3)."""
from __future__ import annotations

import math

import torch

from reference import kde as ref
from reference.gmm import log_normal
from reference.mistakes import mistake


@mistake("kde_log_density", "sigma is used as a standard deviation: the homework's kernel "
         "has covariance sigma I_2, so sigma is the variance")
def kde_with_sigma_as_standard_deviation(x_query, x_train, sigma):
    return ref.kde_log_density(x_query, x_train, sigma**2)


@mistake("kde_log_density", "the Gaussian's normalising constant has the wrong dimension: in "
         "d = 2 it is 1 / (2 pi sigma), not 1 / sqrt(2 pi sigma)")
def kde_with_one_dimensional_normaliser(x_query, x_train, sigma):
    return ref.kde_log_density(x_query, x_train, sigma) + 0.5 * math.log(2 * math.pi * sigma)


@mistake("kde_log_density", "the kernels are summed, not averaged: the estimator has 1/n "
         "in front")
def kde_without_one_over_n(x_query, x_train, sigma):
    return ref.kde_log_density(x_query, x_train, sigma) + math.log(len(x_train))


@mistake("kde_log_density", "the kernel sum is computed outside the log domain and "
         "underflows for small sigma or far queries: use torch.logsumexp")
def kde_without_logsumexp(x_query, x_train, sigma):
    kernels = torch.exp(log_normal(x_query, x_train, sigma))
    return torch.log(kernels.mean(dim=1))
