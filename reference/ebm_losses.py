"""Per-sample EBM losses over a discrete answer set (a3 t.energy, t.perc, t.nll, t.hinge, t.cost).

Notation as in ``energy_models``: ``energies[y']`` = E(W, y', x) for the n answers y', ``y`` the
index of the correct answer (a Python int or a 0-d long tensor), ``beta > 0``. Every loss is a
0-d tensor of the energies' dtype.

Decisions where the lecture and the assignment are silent (the grader follows them):

- ``margin_loss`` with n = 1: there is no incorrect answer, min over the empty set is +inf and
  [m + E(y) - inf]^+ = 0, so the loss is 0.0 whatever the margin. "Incorrect" means a different
  index: an incorrect answer whose energy ties E(y) is still the most offending one.
- ``cost_augmented_loss``: costs (n,) >= 0 with costs[y] = 0 is a precondition, not checked.
  The formula max_{y'} [costs[y'] + E(y) - E(y')]^+ is evaluated as written over every y'
  (including y' = y, whose term is [costs[y]]^+ = 0), so the loss is always >= 0.
- ``log_likelihood_loss`` is hw4's ``nll_loss`` (1/beta times the negative log-likelihood), not
  a second copy of the formula: the two assignments cannot disagree.
"""
from __future__ import annotations

import torch

from .energy_models import nll_loss


def energy_loss(energies: torch.Tensor, y) -> torch.Tensor:
    """L_energy = E(y): the energy of the correct answer."""
    return energies[y]


def perceptron_loss(energies: torch.Tensor, y) -> torch.Tensor:
    """L_perceptron = E(y) - min_y' E(y'), >= 0 and 0 exactly when y is a lowest-energy answer."""
    return energies[y] - energies.min()


def log_likelihood_loss(energies: torch.Tensor, y, beta: float) -> torch.Tensor:
    """L_ll = E(y) + (1/beta) log sum_y' exp(-beta E(y')): hw4's ``nll_loss``, reused."""
    return nll_loss(energies, y, beta)


def margin_loss(energies: torch.Tensor, y, margin: float) -> torch.Tensor:
    """L_hinge = [m + E(y) - min_{y' != y} E(y')]^+ against the most offending incorrect answer;
    0.0 when n = 1 (no incorrect answer exists)."""
    if energies.shape[-1] == 1:
        return energies.new_zeros(())
    incorrect = torch.ones(energies.shape[-1], dtype=torch.bool, device=energies.device)
    incorrect[y] = False
    return torch.relu(margin + energies[y] - energies[incorrect].min())


def cost_augmented_loss(energies: torch.Tensor, y, costs) -> torch.Tensor:
    """L_cost = max_{y'} [costs[y'] + E(y) - E(y')]^+, the loss-augmented hinge of A3 4(e):
    every answer y' must sit at least costs[y'] above the correct answer's energy."""
    costs = torch.as_tensor(costs, dtype=energies.dtype, device=energies.device)
    return torch.relu(costs + energies[y] - energies).max()
