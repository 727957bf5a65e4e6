"""Assignment 3: energy-based losses, latent variables and structured outputs, as code.

Everything is done in float32 (I cast every input to float32 first, like on a GPU).
logsumexp / softmax keep the free energies finite for large energies and large beta.
Sparse coding uses FISTA (with gradient restart) in float32.
"""
import torch

DT = torch.float32


def _f32(a):
    return torch.as_tensor(a).to(DT)


# ------------------------------------------------------- Lecture: inference and free energy

def map_inference(energies):
    return int(torch.argmin(_f32(energies)))


def gibbs_distribution(energies, beta):
    E, b = _f32(energies), _f32(beta)
    return torch.softmax(-b * E, dim=0)


def free_energy(energies, beta):
    E, b = _f32(energies), _f32(beta)
    return -torch.logsumexp(-b * E, dim=0) / b


def partition_function(energies, beta):
    E, b = _f32(energies), _f32(beta)
    return torch.exp(torch.logsumexp(-b * E, dim=0))


# ------------------------------------------------------------------ Lecture: loss functions

def energy_loss(energies, y):
    return _f32(energies)[y]


def perceptron_loss(energies, y):
    E = _f32(energies)
    return E[y] - E.min()


def log_likelihood_loss(energies, y, beta):
    E, b = _f32(energies), _f32(beta)
    return E[y] + torch.logsumexp(-b * E, dim=0) / b


def margin_loss(energies, y, margin):
    E = _f32(energies)
    others = torch.cat([E[:y], E[y + 1:]])
    if others.numel() == 0:  # only one answer -> no incorrect answer
        return torch.zeros((), dtype=DT)
    return torch.clamp(_f32(margin) + E[y] - others.min(), min=0)


def cost_augmented_loss(energies, y, costs):
    E, C = _f32(energies), _f32(costs)
    return torch.clamp((C + E[y] - E).max(), min=0)


# ------------------------------------------------ Lecture: gradients of three classic models

def linear_regression_grad(w, x, y):
    w, x, y = _f32(w), _f32(x), _f32(y)
    return (torch.dot(w, x) - y) * x


def perceptron_grad(w, x, y):
    w, x, y = _f32(w), _f32(x), _f32(y)
    r = torch.dot(w, x)
    s = torch.where(r > 0, torch.ones((), dtype=DT), -torch.ones((), dtype=DT))  # sign(0) = -1
    return -(y - s) * x


def logistic_regression_grad(w, x, y):
    w, x, y = _f32(w), _f32(x), _f32(y)
    return -((y + 1) / 2 - torch.sigmoid(torch.dot(w, x))) * x


# --------------------------------------------------------------- Lecture: latent variables

def latent_map_inference(G):
    G = _f32(G)
    flat = int(torch.argmin(G))
    return flat // G.shape[1], flat % G.shape[1]


def latent_free_energy(G, beta):
    G, b = _f32(G), _f32(beta)
    return -torch.logsumexp(-b * G, dim=1) / b


def latent_gibbs_distribution(G, beta):
    G, b = _f32(G), _f32(beta)
    log_Zy = torch.logsumexp(-b * G, dim=1)
    return torch.softmax(log_Zy, dim=0)


# ------------------------------------------------------------------- A3 1: sequence models

def sequence_nll(log_probs, tags):
    lp = _f32(log_probs)
    tags = torch.as_tensor(tags, dtype=torch.long)
    return -lp.gather(1, tags[:, None]).sum()


# ------------------------------------------------------- A3 3: inference by table look-up

def table_inference(energy_table, x):
    return int(torch.argmin(_f32(energy_table)[x]))


def count_pairs(vocab_size, n_tags, length):
    # exact python integers (float32 would be hopeless here)
    return int(vocab_size) ** int(length) * int(n_tags) ** int(length)


def count_lookups(n_tags, length):
    return int(n_tags) ** int(length)


# ------------------------------------------------ A3 4: inference by gradient descent on y

def gradient_descent_inference(energy_fn, y0, lr, n_steps):
    y = _f32(y0).detach().clone()
    for _ in range(n_steps):
        y.requires_grad_(True)
        E = energy_fn(y)
        (g,) = torch.autograd.grad(E, y)
        y = (y - lr * g).detach()
    return y


# ------------------------------------------------- A3 5: free energies of latent models

def _lasso_obj(y, W, lam, z):
    r = y - W @ z
    return float(r @ r + lam * z.abs().sum())


def sparse_coding_free_energy(y, W, lam):
    """min_z ||y - W z||^2 + lam ||z||_1 with FISTA in float32.

    FISTA with the gradient restart of O'Donoghue & Candes (momentum reset when it points
    uphill). Stopping: float32 only has ~7 digits, so I stop when 200 iterations improved
    the best objective by less than 1e-6 (relative), and return the best z seen.
    """
    y, W = _f32(y), _f32(W)
    lam = float(lam)
    WtW = W.T @ W
    Wty = W.T @ y
    L = 2 * float(torch.linalg.eigvalsh(WtW)[-1])  # Lipschitz const of the smooth part
    step = 1.0 / L
    z = torch.zeros(W.shape[1], dtype=DT)
    v = z.clone()  # extrapolated point
    t = 1.0
    best_z, best_F = z, _lasso_obj(y, W, lam, z)
    F_check = best_F
    for it in range(1, 50001):
        z_new = torch.nn.functional.softshrink(v - step * 2 * (WtW @ v - Wty), lam * step)
        if float((v - z_new) @ (z_new - z)) > 0:
            # momentum points the wrong way: restart
            t = 1.0
            v = z_new
        else:
            t_new = (1 + (1 + 4 * t * t) ** 0.5) / 2
            v = z_new + ((t - 1) / t_new) * (z_new - z)
            t = t_new
        z = z_new
        F_new = _lasso_obj(y, W, lam, z)
        if F_new < best_F:
            best_z, best_F = z, F_new
        if it % 200 == 0:
            if F_check - best_F <= 1e-6 * max(1.0, best_F):
                break
            F_check = best_F
    z = best_z
    F = torch.sum((y - W @ z) ** 2) + lam * z.abs().sum()  # float32 F at the returned z
    return F, z


def kmeans_free_energy(y, W):
    y, W = _f32(y), _f32(W)
    d2 = ((W - y[:, None]) ** 2).sum(dim=0)
    k = int(torch.argmin(d2))
    return d2[k], k
