"""Answers that ignore their inputs: each public check has a property they fail, so they
must earn nothing (tests/test_behaviour_unchanged.py)."""
import math

import torch


def map_inference(energies):
    return 0


def gibbs_distribution(energies, beta):
    return torch.full((len(energies),), 1.0 / len(energies))


def free_energy(energies, beta):
    return 0.0


def partition_function(energies, beta):
    return float(len(energies))


def energy_loss(energies, y):
    return 0.0


def perceptron_loss(energies, y):
    return 0.0


def log_likelihood_loss(energies, y, beta):
    return math.log(len(energies)) / beta


def margin_loss(energies, y, margin):
    return 0.0


def cost_augmented_loss(energies, y, costs):
    return 0.0


def linear_regression_grad(w, x, y):
    return torch.zeros(len(w))


def perceptron_grad(w, x, y):
    return torch.zeros(len(w))


def logistic_regression_grad(w, x, y):
    return torch.zeros(len(w))


def latent_map_inference(G):
    return 0, 0


def latent_free_energy(G, beta):
    return torch.zeros(G.shape[0])


def latent_gibbs_distribution(G, beta):
    return torch.full((G.shape[0],), 1.0 / G.shape[0])


def sequence_nll(log_probs, tags):
    return 0.0


def table_inference(energy_table, x):
    return 0


def count_pairs(vocab_size, n_tags, length):
    return 1


def count_lookups(n_tags, length):
    return 1


def gradient_descent_inference(energy_fn, y0, lr, n_steps):
    return y0


def sparse_coding_free_energy(y, W, lam):
    return 0.0, torch.zeros(W.shape[1])


def kmeans_free_energy(y, W):
    return 0.0, 0
