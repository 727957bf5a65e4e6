"""Known mistakes in the variational lower bound (final 2.1-2.4)."""
from __future__ import annotations

import math

import torch

from reference import variational_inference as ref
from reference.gmm import log_joint
from reference.mistakes import mistake


@mistake("elbo_uniform", "the log K term is missing: with q uniform, -E_q[log q] = log K")
def elbo_uniform_without_log_k(x, weights, means):
    return ref.elbo_uniform(x, weights, means) - math.log(means.shape[0])


@mistake("elbo", "the entropy term is missing: the ELBO is E_q[log p(x, z) - log q(z)]")
def elbo_without_entropy(x, q, weights, means):
    return (q * log_joint(x, weights, means)).sum(dim=1)


@mistake("kl_to_posterior", "the KL divergence has its arguments swapped: the identity "
         "log p(x) = ELBO + KL uses KL(q || p(z|x))")
def kl_with_arguments_swapped(x, q, weights, means):
    log_posterior = torch.log_softmax(log_joint(x, weights, means), dim=1)
    return (torch.exp(log_posterior) * (log_posterior - torch.log(q))).sum(dim=1)


@mistake("elbo_gap_uniform", "the log K term is missing from the uniform ELBO")
def elbo_gap_without_log_k(x, K, R):
    return ref.elbo_gap_uniform(x, K, R) + math.log(K)
