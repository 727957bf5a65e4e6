"""Assignment 3 -- torch in float32.

Every input is cast with .float() and every computation stays in float32, in stable forms
(logsumexp, softmax, sigmoid). Sparse coding by ISTA with momentum (FISTA) in float32,
finished by an exact solve on the support it finds.
"""
import torch


def _f(x):
    return torch.as_tensor(x).float()


# ------------------------------------------------------- Lecture: inference and free energy

def map_inference(energies):
    return int(energies.float().argmin())


def gibbs_distribution(energies, beta):
    return torch.softmax(-float(beta) * energies.float(), dim=0)


def free_energy(energies, beta):
    beta = float(beta)
    return -torch.logsumexp(-beta * energies.float(), dim=0) / beta


def partition_function(energies, beta):
    return torch.exp(-float(beta) * energies.float()).sum()


# ------------------------------------------------------------------ Lecture: loss functions

def energy_loss(energies, y):
    return energies.float()[y]


def perceptron_loss(energies, y):
    e = energies.float()
    return e[y] - e.min()


def log_likelihood_loss(energies, y, beta):
    e = energies.float()
    beta = float(beta)
    return e[y] + torch.logsumexp(-beta * e, dim=0) / beta


def margin_loss(energies, y, margin):
    e = energies.float()
    if e.numel() == 1:
        return 0.0
    mask = torch.ones_like(e, dtype=torch.bool)
    mask[y] = False
    return torch.relu(float(margin) + e[y] - e[mask].min())


def cost_augmented_loss(energies, y, costs):
    e = energies.float()
    return torch.relu(_f(costs) + e[y] - e).max()


# ------------------------------------------------ Lecture: gradients of three classic models

def linear_regression_grad(w, x, y):
    w, x = w.float(), x.float()
    return (torch.dot(w, x) - float(y)) * x


def perceptron_grad(w, x, y):
    w, x = w.float(), x.float()
    wx = torch.dot(w, x)
    s = torch.where(wx > 0, torch.tensor(1.0), torch.tensor(-1.0))
    return -(float(y) - s) * x


def logistic_regression_grad(w, x, y):
    w, x = w.float(), x.float()
    return -((float(y) + 1) / 2 - torch.sigmoid(torch.dot(w, x))) * x


# --------------------------------------------------------------- Lecture: latent variables

def latent_map_inference(G):
    G = G.float()
    flat = int(G.argmin())
    return flat // G.shape[1], flat % G.shape[1]


def latent_free_energy(G, beta):
    beta = float(beta)
    return -torch.logsumexp(-beta * G.float(), dim=1) / beta


def latent_gibbs_distribution(G, beta):
    # joint Gibbs distribution over (y, z), then sum out z
    G = G.float()
    joint = torch.softmax((-float(beta) * G).reshape(-1), dim=0).reshape(G.shape)
    return joint.sum(dim=1)


# ------------------------------------------------------------------- A3 1: sequence models

def sequence_nll(log_probs, tags):
    lp = log_probs.float()
    T = lp.shape[0]
    return -lp[torch.arange(T), tags].sum()


# ------------------------------------------------------- A3 3: inference by table look-up

def table_inference(energy_table, x):
    return int(energy_table.float()[x].argmin())


def count_pairs(vocab_size, n_tags, length):
    return (vocab_size * n_tags) ** length


def count_lookups(n_tags, length):
    return n_tags ** length


# ------------------------------------------------ A3 4: inference by gradient descent on y

def gradient_descent_inference(energy_fn, y0, lr, n_steps):
    y = y0.detach().float().clone()
    for _ in range(n_steps):
        y.requires_grad_(True)
        energy = energy_fn(y)
        energy.backward()
        with torch.no_grad():
            y = y - lr * y.grad
    return y


# ------------------------------------------------- A3 5: free energies of latent models

def _objective(y, W, lam, z):
    r = y - W @ z
    return r @ r + lam * z.abs().sum()


def _refit(y, W, lam, z):
    # exact minimiser with the support and signs of z fixed, by QR of W_S (no normal
    # equations: they would square the condition number, which float32 cannot afford)
    S = z != 0
    if not S.any() or S.sum() > W.shape[0]:
        return None
    s = torch.sign(z[S])
    Q, R = torch.linalg.qr(W[:, S])
    if R.diagonal().abs().min() <= 1e-6 * R.diagonal().abs().max():
        return None
    # R^T R z = R^T Q^T y - lam/2 s  <=>  R z = Q^T y - lam/2 R^{-T} s
    u = torch.linalg.solve_triangular(R.T, s[:, None], upper=False)[:, 0]
    zs = torch.linalg.solve_triangular(R, (Q.T @ y - lam / 2 * u)[:, None], upper=True)[:, 0]
    if (torch.sign(zs) != s).any():
        return None
    out = torch.zeros_like(z)
    out[S] = zs
    return out


def sparse_coding_free_energy(y, W, lam):
    y, W = y.float(), W.float()
    lam = float(lam)
    z = torch.zeros(W.shape[1])
    L = 2 * torch.linalg.matrix_norm(W, ord=2).item() ** 2
    if L == 0:
        return (y @ y), z
    step = 1 / L
    v, t = z.clone(), 1.0
    for it in range(20000):
        u = v - step * 2 * W.T @ (W @ v - y)
        z_new = torch.sign(u) * torch.relu(u.abs() - lam * step)
        if torch.dot(v - z_new, z_new - z) > 0:      # restart the momentum
            t = 1.0
        t_new = (1 + (1 + 4 * t * t) ** 0.5) / 2
        v = z_new + (t - 1) / t_new * (z_new - z)
        done = torch.equal(z_new, z)
        z, t = z_new, t_new
        if done or it % 200 == 199:
            # float32 gradients stall before the minimum when W is badly conditioned:
            # finish with an exact solve on the support found, once it is optimal there
            zr = _refit(y, W, lam, z)
            if zr is not None and _objective(y, W, lam, zr) <= _objective(y, W, lam, z):
                u = zr - step * 2 * W.T @ (W @ zr - y)
                moved = torch.sign(u) * torch.relu(u.abs() - lam * step) - zr
                if done or moved.abs().max() <= 1e-5 * (1 + zr.abs().max()):
                    z = zr
                    break
            if done:
                break
    return _objective(y, W, lam, z), z


def kmeans_free_energy(y, W):
    y, W = y.float(), W.float()
    d2 = ((W - y[:, None]) ** 2).sum(0)
    k = int(d2.argmin())
    return d2[k], k
