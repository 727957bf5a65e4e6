"""Assignment 3 -- idiomatic torch in float64.

Log-sum-exp and softmax for everything that exponentiates, autograd for gradient descent on
the answer, and FISTA (with adaptive restart, then an exact solve on the support) for
sparse coding.
"""
import torch


def _t(a):
    return torch.as_tensor(a, dtype=torch.float64)


# ------------------------------------------------------- Lecture: inference and free energy

def map_inference(energies):
    return int(torch.argmin(_t(energies)))


def gibbs_distribution(energies, beta):
    return torch.softmax(-float(beta) * _t(energies), dim=0)


def free_energy(energies, beta):
    beta = float(beta)
    return -torch.logsumexp(-beta * _t(energies), dim=0) / beta


def partition_function(energies, beta):
    return torch.exp(torch.logsumexp(-float(beta) * _t(energies), dim=0))


# ------------------------------------------------------------------ Lecture: loss functions

def energy_loss(energies, y):
    return _t(energies)[int(y)]


def perceptron_loss(energies, y):
    e = _t(energies)
    return e[int(y)] - e.min()


def log_likelihood_loss(energies, y, beta):
    e = _t(energies)
    beta = float(beta)
    return e[int(y)] + torch.logsumexp(-beta * e, dim=0) / beta


def margin_loss(energies, y, margin):
    e = _t(energies)
    y = int(y)
    if e.numel() < 2:
        return torch.zeros((), dtype=torch.float64)
    others = torch.cat((e[:y], e[y + 1:]))
    return torch.clamp(float(margin) + e[y] - others.min(), min=0.0)


def cost_augmented_loss(energies, y, costs):
    e = _t(energies)
    c = _t(costs)
    return torch.clamp(c + e[int(y)] - e, min=0.0).max()


# ------------------------------------------------ Lecture: gradients of three classic models

def linear_regression_grad(w, x, y):
    w, x = _t(w), _t(x)
    return (w @ x - _t(y)) * x


def perceptron_grad(w, x, y):
    w, x = _t(w), _t(x)
    s = 1.0 if float(w @ x) > 0 else -1.0
    return -(float(y) - s) * x


def logistic_regression_grad(w, x, y):
    w, x = _t(w), _t(x)
    return -((float(y) + 1.0) / 2.0 - torch.sigmoid(w @ x)) * x


# --------------------------------------------------------------- Lecture: latent variables

def latent_map_inference(G):
    G = _t(G)
    idx = int(torch.argmin(G))
    y, z = divmod(idx, G.shape[1])
    return int(y), int(z)


def latent_free_energy(G, beta):
    beta = float(beta)
    return -torch.logsumexp(-beta * _t(G), dim=1) / beta


def latent_gibbs_distribution(G, beta):
    # softmax over the marginal log-weights log sum_z exp(-beta G[y, z])
    return torch.softmax(torch.logsumexp(-float(beta) * _t(G), dim=1), dim=0)


# ------------------------------------------------------------------- A3 1: sequence models

def sequence_nll(log_probs, tags):
    lp = _t(log_probs)
    tags = torch.as_tensor(tags, dtype=torch.long)
    return -lp.gather(1, tags.view(-1, 1)).sum()


# ------------------------------------------------------- A3 3: inference by table look-up

def table_inference(energy_table, x):
    return int(torch.argmin(_t(energy_table)[int(x)]))


def count_pairs(vocab_size, n_tags, length):
    length = int(length)
    return int(vocab_size) ** length * int(n_tags) ** length


def count_lookups(n_tags, length):
    return int(n_tags) ** int(length)


# ------------------------------------------------ A3 4: inference by gradient descent on y

def gradient_descent_inference(energy_fn, y0, lr, n_steps):
    y = y0.detach().clone()
    for _ in range(int(n_steps)):
        y.requires_grad_(True)
        (g,) = torch.autograd.grad(energy_fn(y), y)
        y = (y - lr * g).detach()
    return y


# ------------------------------------------------- A3 5: free energies of latent models

def _sc_objective(y, W, lam, z):
    r = y - W @ z
    return r @ r + lam * z.abs().sum()


def _soft(v, t):
    return torch.sign(v) * torch.clamp(v.abs() - t, min=0.0)


def _polish(y, W, lam, z):
    """Solve exactly on the support of z with its signs fixed (the caller keeps the result
    only if it lowers the objective).

    On the support S with signs s the objective is the smooth ||y - W_S z||^2 + lam s.z,
    which equals ||(y - c) - W_S z||^2 + const with c = (lam/2) pinv(W_S)^T s.
    """
    support = z != 0
    if not bool(support.any()):
        return None
    Ws = W[:, support]
    s = torch.sign(z[support])
    c = 0.5 * lam * torch.linalg.pinv(Ws).T @ s
    zs = torch.linalg.lstsq(Ws, (y - c).unsqueeze(1), driver="gelsd").solution.squeeze(1)
    if bool((torch.sign(zs) != s).any()):
        return None
    out = torch.zeros_like(z)
    out[support] = zs
    return out


def sparse_coding_free_energy(y, W, lam):
    y, W = _t(y), _t(W)
    lam = float(lam)
    k = W.shape[1]
    z = torch.zeros(k, dtype=torch.float64)
    L = 2.0 * float(torch.linalg.matrix_norm(W, ord=2)) ** 2
    if L == 0:
        return _sc_objective(y, W, lam, z), z
    step = 1.0 / L

    def prox_grad(v):
        return _soft(v - step * 2.0 * (W.T @ (W @ v - y)), lam * step)

    def is_minimiser(v):
        # the minimisers are exactly the fixed points of the proximal gradient step
        return float((prox_grad(v) - v).abs().max()) <= 1e-12 * (1.0 + float(v.abs().max()))

    v, t = z.clone(), 1.0
    for it in range(50000):
        z_new = prox_grad(v)
        # adaptive restart: drop the momentum when it points uphill
        if float((v - z_new) @ (z_new - z)) > 0:
            t = 1.0
        t_new = (1.0 + (1.0 + 4.0 * t * t) ** 0.5) / 2.0
        v = z_new + ((t - 1.0) / t_new) * (z_new - z)
        done = float((z_new - z).abs().max()) <= 1e-14 * (1.0 + float(z_new.abs().max()))
        z, t = z_new, t_new
        if done or it % 200 == 199:
            # FISTA is slow when W is badly conditioned: try the exact solution on the
            # support found so far
            polished = _polish(y, W, lam, z)
            if polished is not None and _sc_objective(y, W, lam, polished) <= _sc_objective(y, W, lam, z):
                if done or is_minimiser(polished):
                    z = polished
                    break
            if done:
                break
    return _sc_objective(y, W, lam, z), z


def kmeans_free_energy(y, W):
    y, W = _t(y), _t(W)
    d2 = ((W - y.unsqueeze(1)) ** 2).sum(dim=0)
    k = int(torch.argmin(d2))
    return d2[k], k
