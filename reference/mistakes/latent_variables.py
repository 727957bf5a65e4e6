"""Known mistakes of latent-variable inference (a3 t.latF, a3.5b, a3.5e)."""
from __future__ import annotations

import torch

from reference import latent_variables
from reference.mistakes import mistake
from reference.mistakes.energy_models import LECTURE_SIGN


@mistake("latent_free_energy", LECTURE_SIGN)
def latent_free_energy_with_lecture_sign(G, beta):
    return -latent_variables.latent_free_energy(G, beta)


@mistake("sparse_coding_free_energy", "the L1 term is missing its factor lambda: "
         "F = min_z |y - W z|^2 + lambda |z|_1")
def sparse_coding_without_lambda(y, W, lam):
    return latent_variables.sparse_coding_free_energy(y, W, 1.0)


@mistake("kmeans_free_energy", "the free energy is the distance to the nearest centroid, "
         "not its square: F = min_k |y - W[:, k]|^2")
def kmeans_distance_not_squared(y, W):
    energy, k = latent_variables.kmeans_free_energy(y, W)
    return torch.sqrt(torch.as_tensor(energy)), k



