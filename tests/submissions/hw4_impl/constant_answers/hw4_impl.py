"""Answers that ignore their inputs: each public check has a property they fail, so they
must earn nothing (tests/test_behaviour_unchanged.py)."""
import math

import torch
from torch import nn


class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        return self.scale * torch.zeros(x.shape[0], (x.shape[-1] - 18) // 4 + 1, 27)


def train_model(model, epochs, dataloader, criterion, optimizer):
    return []


def build_path_matrix(energies, targets):
    return torch.zeros(len(energies), energies.shape[1], targets.shape[1], requires_grad=True)


def build_ce_matrix(energies, targets):
    return torch.full((len(energies), energies.shape[1], targets.shape[1]), math.log(27))


def transform_word(s):
    return torch.full((2 * len(s),), 26, dtype=torch.long)


def path_energy(pm, path):
    return 0.0


def find_path(pm):
    L, T = pm.shape
    return 0.0, [(i, min(i, T - 1)) for i in range(L)], torch.zeros(L, T)


def path_cross_entropy(ce, path):
    return torch.zeros((), requires_grad=True)


def indices_to_str(indices):
    return ""


def train_ebm_model(model, num_epochs, train_loader, criterion, optimizer):
    return []
