"""An EBM p_theta(x) = exp(E_theta(x) - A(theta)) fitted with importance sampling (final
1.4-1.7). E is an unnormalised LOG-density here (higher = more likely), as the homework
defines it. Samples x_m come from a base density q, with ``log_q`` = log q(x_m).
"""
from __future__ import annotations

import math

import torch
from torch import nn


class EnergyNet(nn.Module):
    """A shallow network E_theta: R^2 -> R (one hidden layer), float32 as torch's default."""

    def __init__(self, hidden: int = 32):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(2, hidden), nn.Softplus(), nn.Linear(hidden, 1))

    def forward(self, x):
        return self.layers(x).squeeze(-1)


def self_normalized_is(f_values, log_target, log_q) -> torch.Tensor:
    """sum_m w_m f(x_m) / sum_m w_m with w_m = exp(E(x_m) - log q(x_m)), in the log domain."""
    normalised = torch.softmax(log_target - log_q, dim=0)
    return torch.tensordot(normalised.to(f_values.dtype), f_values, dims=1)


def is_log_partition(log_target, log_q) -> torch.Tensor:
    """A-hat = log (1/M) sum_m exp(E(x_m) - log q(x_m))."""
    return torch.logsumexp(log_target - log_q, dim=0) - math.log(len(log_q))


def is_grad_log_partition(model, x_q, log_q) -> list[torch.Tensor]:
    """Self-normalised IS estimate of grad A = E_p[grad E]: one tensor per parameter."""
    energies = model(x_q)
    normalised = torch.softmax(energies.detach() - log_q, dim=0)
    return list(torch.autograd.grad((normalised * energies).sum(), list(model.parameters())))


def ebm_loglik_grad(model, x_train, x_q, log_q) -> list[torch.Tensor]:
    """Estimate of grad L = mean_i grad E(x_i) - grad A."""
    data = torch.autograd.grad(model(x_train).mean(), list(model.parameters()))
    return [d - a for d, a in zip(data, is_grad_log_partition(model, x_q, log_q))]


def ebm_test_log_likelihood(model, x_test, x_q, log_q) -> torch.Tensor:
    """mean_j E(x_test_j) - A-hat."""
    with torch.no_grad():
        return model(x_test).mean() - is_log_partition(model(x_q), log_q)


def train_ebm(model, x_train, x_q, log_q, n_steps: int, lr: float):
    """n_steps of gradient ascent on L(theta) with the IS gradient; returns the model."""
    for _ in range(n_steps):
        grads = ebm_loglik_grad(model, x_train, x_q, log_q)
        with torch.no_grad():
            for parameter, grad in zip(model.parameters(), grads):
                parameter += lr * grad
    return model
