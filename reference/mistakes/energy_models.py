"""Known mistakes in the Gibbs distribution and the NLL loss (hw4 1.2)."""
from __future__ import annotations

import torch

from reference import energy_models as ref
from reference.mistakes import mistake

LECTURE_SIGN = ("the free energy has the opposite sign: the grader uses the standard "
                "F = -(1/beta) log sum exp(-beta E), which tends to min E as beta grows (the "
                "lecture writes the other sign in one place)")


@mistake("gibbs_distribution", "the energies have the wrong sign: p(y|x) is proportional to "
         "exp(-beta F(x, y)), so low energy means high probability")
def gibbs_with_energy_sign_flipped(energies, beta):
    return ref.gibbs_distribution(-energies, beta)


@mistake("gibbs_distribution", "beta is missing from the exponent: p(y|x) is proportional to "
         "exp(-beta F(x, y))")
def gibbs_without_beta(energies, beta):
    return ref.gibbs_distribution(energies, 1.0)


@mistake("gibbs_distribution", "exp(-beta F) overflows for large energies or beta: subtract "
         "the minimum energy first, or use torch.softmax(-beta * energies, dim=-1)")
def gibbs_without_stabilisation(energies, beta):
    weights = torch.exp(-beta * energies)
    return weights / weights.sum()


@mistake("nll_loss", "the 1/beta factor is missing: the homework multiplies the NLL by 1/beta")
def nll_without_inverse_beta(energies, y, beta):
    return beta * ref.nll_loss(energies, y, beta)


@mistake("nll_loss", "1/beta is applied twice: only the log-sum-exp term carries 1/beta, and "
         "F(x, y) none")
def nll_with_inverse_beta_doubled(energies, y, beta):
    return ref.nll_loss(energies, y, beta) / beta


@mistake("nll_loss", "the energies have the wrong sign in the Gibbs distribution: "
         "p(y|x) is proportional to exp(-beta F(x, y))")
def nll_with_energy_sign_flipped(energies, y, beta):
    return ref.nll_loss(-energies, y, beta)


@mistake("nll_loss", "log(sum(exp(...))) overflows for large energies or beta: use "
         "torch.logsumexp")
def nll_without_logsumexp(energies, y, beta):
    return energies[y] + torch.log(torch.exp(-beta * energies).sum()) / beta


@mistake("nll_loss_grad", "the gradient has the wrong sign: it is dF_y/dW minus the "
         "expectation of dF/dW under the Gibbs distribution")
def nll_grad_sign_flipped(energies, energy_grads, y, beta):
    return -ref.nll_loss_grad(energies, energy_grads, y, beta)


@mistake("nll_loss_grad", "the expectation uses probabilities with the energies' sign flipped: "
         "p(y|x) is proportional to exp(-beta F(x, y))")
def nll_grad_with_energy_sign_flipped(energies, energy_grads, y, beta):
    return energy_grads[y] - ref.gibbs_distribution(-energies, beta) @ energy_grads


@mistake("nll_loss_grad", "the gradient is multiplied by beta: the loss carries 1/beta, "
         "so its gradient has no beta in front")
def nll_grad_times_beta(energies, energy_grads, y, beta):
    return beta * ref.nll_loss_grad(energies, energy_grads, y, beta)


@mistake("nll_loss_grad", "the probabilities overflow for large energies or beta: compute "
         "them with softmax(-beta * energies)")
def nll_grad_without_stabilisation(energies, energy_grads, y, beta):
    weights = torch.exp(-beta * energies)
    return energy_grads[y] - (weights / weights.sum()) @ energy_grads


@mistake("free_energy", LECTURE_SIGN)
def free_energy_with_lecture_sign(energies, beta):
    return -ref.free_energy(energies, beta)
