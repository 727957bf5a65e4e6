"""Known mistakes in the importance-sampling estimators of the EBM (final 1.5-1.7)."""
from __future__ import annotations

import math

import torch

from reference import importance_sampling as ref
from reference.mistakes import mistake

FLIPPED = ("the EBM's sign is flipped: here p_theta(x) is proportional to exp(+E_theta(x)), "
           "E is a log-density, not an energy")


# Before is_not_self_normalised: on the stability inputs both overflow to the same nan, and
# of coinciding mistakes the first registered is named (see the package's docstring).
@mistake("self_normalized_is", "the weights are computed outside the log domain and "
         "overflow for large E: normalise with softmax(E - log q)")
def is_outside_log_domain(f_values, log_target, log_q):
    weights = torch.exp(log_target - log_q)
    return torch.tensordot(weights / weights.sum(), f_values, dims=1)


@mistake("self_normalized_is", "the weights are not self-normalised: the estimate is "
         "sum_m w_m f(x_m) / sum_m w_m, not (1/M) sum_m w_m f(x_m)")
def is_not_self_normalised(f_values, log_target, log_q):
    weights = torch.exp(log_target - log_q)
    return torch.tensordot(weights, f_values, dims=1) / len(log_q)


@mistake("self_normalized_is", FLIPPED)
def is_with_flipped_sign(f_values, log_target, log_q):
    return ref.self_normalized_is(f_values, -log_target, log_q)


@mistake("is_log_partition", "exp(E - log q) overflows for large E: use torch.logsumexp")
def log_partition_outside_log_domain(log_target, log_q):
    return torch.log(torch.exp(log_target - log_q).mean())


@mistake("is_log_partition", FLIPPED)
def log_partition_with_flipped_sign(log_target, log_q):
    return ref.is_log_partition(-log_target, log_q)


@mistake("is_log_partition", "the 1/M is missing: A-hat = log (1/M) sum_m w_m")
def log_partition_without_one_over_m(log_target, log_q):
    return ref.is_log_partition(log_target, log_q) + math.log(len(log_q))


@mistake("is_grad_log_partition", "the importance weights are not self-normalised: divide "
         "by their sum, not by M")
def grad_log_partition_not_self_normalised(model, x_q, log_q):
    energies = model(x_q)
    weights = torch.exp(energies.detach() - log_q) / len(log_q)
    return list(torch.autograd.grad((weights * energies).sum(), list(model.parameters())))


@mistake("is_grad_log_partition", FLIPPED)
def grad_log_partition_with_flipped_sign(model, x_q, log_q):
    energies = model(x_q)
    weights = torch.softmax(-energies.detach() - log_q, dim=0)
    return list(torch.autograd.grad((weights * energies).sum(), list(model.parameters())))


@mistake("ebm_loglik_grad", "the gradient has the wrong sign: it is mean_i grad E(x_i) minus "
         "the estimate of grad A")
def loglik_grad_sign_flipped(model, x_train, x_q, log_q):
    return [-grad for grad in ref.ebm_loglik_grad(model, x_train, x_q, log_q)]


@mistake("ebm_test_log_likelihood", "the test log-likelihood is a sum over test points, not "
         "their mean")
def test_log_likelihood_summed(model, x_test, x_q, log_q):
    with torch.no_grad():
        return model(x_test).sum() - len(x_test) * ref.is_log_partition(model(x_q), log_q)


@mistake("ebm_test_log_likelihood", FLIPPED)
def test_log_likelihood_with_flipped_sign(model, x_test, x_q, log_q):
    with torch.no_grad():
        return -model(x_test).mean() - ref.is_log_partition(-model(x_q), log_q)
