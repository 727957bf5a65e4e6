"""Energy-based models over a discrete answer set: the Gibbs distribution and the NLL loss.

Notation (hw4 1.2, a3): ``energies[y]`` = F_W(x, y) for the n answers y; ``energy_grads[y]`` =
dF_W(x, y)/dW flattened to p numbers; ``beta > 0`` is the inverse temperature.
"""
from __future__ import annotations

import torch


def gibbs_distribution(energies: torch.Tensor, beta: float) -> torch.Tensor:
    """p(y | x) = exp(-beta F_y) / sum_y' exp(-beta F_y'), as softmax(-beta F) for stability."""
    return torch.softmax(-beta * energies, dim=-1)


def nll_loss(energies: torch.Tensor, y: int, beta: float) -> torch.Tensor:
    """(1/beta) * -log p(y | x) = F_y + (1/beta) log sum_y' exp(-beta F_y')."""
    return energies[y] + torch.logsumexp(-beta * energies, dim=-1) / beta


def nll_loss_grad(energies: torch.Tensor, energy_grads: torch.Tensor, y: int,
                  beta: float) -> torch.Tensor:
    """d nll_loss / dW = dF_y/dW - sum_y' p(y' | x) dF_y'/dW."""
    return energy_grads[y] - gibbs_distribution(energies, beta) @ energy_grads
