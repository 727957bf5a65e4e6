"""Assignment 3: energy-based losses, latent variables and structured outputs, as code.

Plain torch. Free energies use logsumexp/softmax so large energies and large beta are fine.
Sparse coding is solved with ISTA (proximal gradient, fixed step 1/L).
"""
import torch


# ------------------------------------------------------- Lecture: inference and free energy

def map_inference(energies):
    """t.infer: argmin_y E(y)."""
    return int(torch.argmin(energies))


def gibbs_distribution(energies, beta):
    """t.gibbs: P(y) = exp(-beta E(y)) / Z."""
    return torch.softmax(-beta * energies, dim=0)


def free_energy(energies, beta):
    """t.free: F = -(1/beta) log sum_y exp(-beta E(y))."""
    return -torch.logsumexp(-beta * energies, dim=0) / beta


def partition_function(energies, beta):
    """t.Z: Z = sum_y exp(-beta E(y)) (through logsumexp, can overflow to inf)."""
    return torch.exp(torch.logsumexp(-beta * energies, dim=0))


# ------------------------------------------------------------------ Lecture: loss functions

def energy_loss(energies, y):
    return energies[y]


def perceptron_loss(energies, y):
    return energies[y] - energies.min()


def log_likelihood_loss(energies, y, beta):
    return energies[y] + torch.logsumexp(-beta * energies, dim=0) / beta


def margin_loss(energies, y, margin):
    """t.hinge: [m + E(y) - min_{y' != y} E(y')]^+."""
    mask = torch.ones_like(energies, dtype=torch.bool)
    mask[y] = False
    most_offending = energies[mask].min()
    return torch.relu(margin + energies[y] - most_offending)


def cost_augmented_loss(energies, y, costs):
    """t.cost: max_{y'} [costs[y'] + E(y) - E(y')]^+."""
    return torch.relu((costs + energies[y] - energies).max())


# ------------------------------------------------ Lecture: gradients of three classic models

def linear_regression_grad(w, x, y):
    return (w @ x - y) * x


def perceptron_grad(w, x, y):
    r = w @ x
    s = 1.0 if r > 0 else -1.0  # sign(0) = -1 like in the lecture
    return -(y - s) * x


def logistic_regression_grad(w, x, y):
    return -((y + 1) / 2 - torch.sigmoid(w @ x)) * x


# --------------------------------------------------------------- Lecture: latent variables

def latent_map_inference(G):
    idx = int(torch.argmin(G))
    n_z = G.shape[1]
    return idx // n_z, idx % n_z


def latent_free_energy(G, beta):
    return -torch.logsumexp(-beta * G, dim=1) / beta


def latent_gibbs_distribution(G, beta):
    # P(y) is a softmax of the per-y log partition functions
    return torch.softmax(torch.logsumexp(-beta * G, dim=1), dim=0)


# ------------------------------------------------------------------- A3 1: sequence models

def sequence_nll(log_probs, tags):
    T = log_probs.shape[0]
    return -log_probs[torch.arange(T), tags].sum()


# ------------------------------------------------------- A3 3: inference by table look-up

def table_inference(energy_table, x):
    return int(torch.argmin(energy_table[x]))


def count_pairs(vocab_size, n_tags, length):
    return int(vocab_size) ** int(length) * int(n_tags) ** int(length)


def count_lookups(n_tags, length):
    return int(n_tags) ** int(length)


# ------------------------------------------------ A3 4: inference by gradient descent on y

def gradient_descent_inference(energy_fn, y0, lr, n_steps):
    y = y0.detach().clone()
    for _ in range(n_steps):
        y.requires_grad_(True)
        E = energy_fn(y)
        (g,) = torch.autograd.grad(E, y)
        y = (y - lr * g).detach()
    return y


# ------------------------------------------------- A3 5: free energies of latent models

def _objective(y, W, lam, z):
    return ((y - W @ z) ** 2).sum() + lam * z.abs().sum()


MAX_ITER = 2000000
TOL = 1e-9  # stop when no coordinate of z moves by more than TOL * max(1, max|z|)


def sparse_coding_free_energy(y, W, lam):
    """F(y) = min_z ||y - W z||^2 + lam ||z||_1, solved with ISTA (step 1/L)."""
    WtW = W.T @ W
    Wty = W.T @ y
    # the gradient of ||y - Wz||^2 is 2 (W^T W z - W^T y): Lipschitz with L = 2 lambda_max(W^T W)
    L = 2 * float(torch.linalg.eigvalsh(WtW)[-1])
    step = 1.0 / L
    thr = float(lam) * step
    z = torch.zeros(W.shape[1], dtype=W.dtype)
    for _ in range(MAX_ITER):
        grad = 2 * (WtW @ z - Wty)
        z_new = torch.nn.functional.softshrink(z - step * grad, thr)
        change = float((z_new - z).abs().max())
        z = z_new
        if change <= TOL * max(1.0, float(z.abs().max())):
            break
    F = _objective(y, W, lam, z)  # F evaluated at the returned z
    return F, z


def kmeans_free_energy(y, W):
    d2 = ((y[:, None] - W) ** 2).sum(dim=0)
    k = int(torch.argmin(d2))
    return d2[k], k
