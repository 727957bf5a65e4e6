"""Known mistakes in the Gaussian mixture and EM (final 1.1, 1.2)."""
from __future__ import annotations

import torch

from reference import gmm as ref
from reference.mistakes import mistake


@mistake("gmm_log_density", "the mixture density is computed outside the log domain and "
         "underflows far from the means: use torch.logsumexp over log pi_k + log N")
def gmm_log_density_without_logsumexp(x, weights, means):
    return torch.log(torch.exp(ref.log_joint(x, weights, means)).sum(dim=1))


@mistake("responsibilities", "the responsibilities are computed outside the log domain "
         "(0/0 far from the means): use softmax over log pi_k + log N")
def responsibilities_without_softmax(x, weights, means):
    joint = torch.exp(ref.log_joint(x, weights, means))
    return joint / joint.sum(dim=1, keepdim=True)


@mistake("em_step", "the M-step means are not weighted by the responsibilities: "
         "mu_k = sum_i r_ik x_i / sum_i r_ik")
def em_step_with_unweighted_means(x, weights, means):
    new_weights, _ = ref.em_step(x, weights, means)
    return new_weights, x.mean(dim=0).expand_as(means).clone()


@mistake("em_step", "the M-step means are divided by n instead of N_k = sum_i r_ik")
def em_step_means_divided_by_n(x, weights, means):
    r = ref.responsibilities(x, weights, means)
    new_weights, _ = ref.em_step(x, weights, means)
    return new_weights, (r.T @ x) / x.shape[0]


@mistake("fit_gmm_em", "the history holds the sum of the log-likelihoods, not their mean")
def fit_gmm_em_with_summed_history(x, init_weights, init_means, n_iters):
    weights, means, history = ref.fit_gmm_em(x, init_weights, init_means, n_iters)
    return weights, means, history * x.shape[0]
