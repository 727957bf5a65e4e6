"""Assignment 3: energy-based losses, latent variables and structured outputs, as code.

The first part (ids t.*) turns the quantities of the lecture (LeCun's tutorial on
energy-based models) into functions; the second part (ids a3.*) follows the questions of
the assignment. Replace every `raise NotImplementedError` with your implementation and keep
the names and signatures as they are: the autograder calls them. You may add helper
functions, and you may keep experiments under `if __name__ == "__main__":` (they are not
run when grading).

Conventions
-----------
* Tensors arrive as torch.float64. Indices and counts (`y`, `x`, `length`, ...) are Python
  ints; `tags` is a torch.long tensor.
* `energies` is a tensor of shape (n,) holding E(y) for every answer y = 0, ..., n-1 of a
  discrete answer set (for one fixed input), and `y` is the index of the correct answer.
  `beta > 0` is the inverse temperature. Low energy means a good answer.
* The free energy has the standard sign:

      F_beta = -(1/beta) log sum_y exp(-beta E(y)),

  which tends to min_y E(y) as beta grows. The lecture writes it once with the opposite
  sign; the grader uses the sign above.
* With latent variables, `G` has shape (n_y, n_z) and G[y, z] = E(y, z).
* Be numerically stable: the grader also tries large energies (|E| up to 1000) and large
  beta. Work with log-sum-exp and softmax rather than exp(...) followed by log(...), so that
  nothing overflows or underflows to inf / nan. (The partition function itself may overflow
  for large beta; it is graded only where it is finite.)
* You may return a torch tensor (float32 or float64, with or without grad, on the CPU), a
  NumPy array, a Python number or a (nested) list of numbers. "scalar" means a 0-d tensor
  or a Python float. Where a function says it returns an int, return a Python int (for
  example int(torch.argmin(...))). Where an argmin is tied, any of the tied answers counts.

Check your work before you submit:  python3 -m autograder check --assignment a3 --submission .
"""
import torch


# ------------------------------------------------------- Lecture: inference and free energy

def map_inference(energies):
    """t.infer: the answer with the lowest energy, argmin_y E(y).

    Returns a Python int in 0..n-1.
    """
    raise NotImplementedError


def gibbs_distribution(energies, beta):
    """t.gibbs: the Gibbs distribution P(y) = exp(-beta E(y)) / sum_y' exp(-beta E(y')).

    Returns a tensor of shape (n,) that sums to one.
    """
    raise NotImplementedError


def free_energy(energies, beta):
    """t.free: the free energy F_beta = -(1/beta) log sum_y exp(-beta E(y)).

    Returns a scalar. Mind the sign (see the conventions above).
    """
    raise NotImplementedError


def partition_function(energies, beta):
    """t.Z: the partition function Z = sum_y exp(-beta E(y)).

    Returns a scalar (it may be inf when it overflows; it is graded only where finite).
    """
    raise NotImplementedError


# ------------------------------------------------------------------ Lecture: loss functions

def energy_loss(energies, y):
    """t.energy: the energy loss, E(y) of the correct answer y. Returns a scalar."""
    raise NotImplementedError


def perceptron_loss(energies, y):
    """t.perc: the perceptron loss E(y) - min_y' E(y'). Returns a scalar (>= 0)."""
    raise NotImplementedError


def log_likelihood_loss(energies, y, beta):
    """t.nll: the negative log-likelihood loss E(y) + (1/beta) log sum_y' exp(-beta E(y')).

    Returns a scalar.
    """
    raise NotImplementedError


def margin_loss(energies, y, margin):
    """t.hinge: the margin (hinge) loss against the most offending incorrect answer,

        [m + E(y) - min_{y' != y} E(y')]^+ .

    `margin` is the margin m (a float). Returns a scalar; with a single answer (n = 1)
    there is no incorrect answer and the loss is 0.0.
    """
    raise NotImplementedError


def cost_augmented_loss(energies, y, costs):
    """t.cost: the cost-augmented (loss-augmented) hinge of A3 4(e),

        max_{y'} [costs[y'] + E(y) - E(y')]^+ ,

    where `costs` (n,) >= 0 is the cost of answering y' instead of y (costs[y] = 0).
    Returns a scalar.
    """
    raise NotImplementedError


# ------------------------------------------------ Lecture: gradients of three classic models

def linear_regression_grad(w, x, y):
    """t.linreg: the gradient with respect to w of E = 1/2 (y - w.x)^2.

    w and x have shape (d,), y is a scalar. Returns a tensor of shape (d,).
    """
    raise NotImplementedError


def perceptron_grad(w, x, y):
    """t.percgrad: the perceptron update direction -(y - sign(w.x)) x.

    y is -1 or +1, and sign(0) = -1 as in the lecture. Returns a tensor of shape (d,).
    """
    raise NotImplementedError


def logistic_regression_grad(w, x, y):
    """t.logreg: the gradient with respect to w of L = log(1 + exp(-y w.x)),
    written -((y + 1)/2 - sigmoid(w.x)) x.

    y is -1 or +1. Returns a tensor of shape (d,).
    """
    raise NotImplementedError


# --------------------------------------------------------------- Lecture: latent variables

def latent_map_inference(G):
    """t.latinf: the pair (y, z) with the lowest energy G[y, z].

    Returns a tuple of two Python ints (y, z).
    """
    raise NotImplementedError


def latent_free_energy(G, beta):
    """t.latF: the free energy of every answer with the latent variable marginalised out,

        F_beta(y) = -(1/beta) log sum_z exp(-beta G[y, z]).

    Returns a tensor of shape (n_y,).
    """
    raise NotImplementedError


def latent_gibbs_distribution(G, beta):
    """t.latP: the marginal Gibbs distribution of the answer,

        P(y) = sum_z exp(-beta G[y, z]) / sum_{y', z} exp(-beta G[y', z]).

    Returns a tensor of shape (n_y,) that sums to one.
    """
    raise NotImplementedError


# ------------------------------------------------------------------- A3 1: sequence models

def sequence_nll(log_probs, tags):
    """a3.1a: the negative log-likelihood of a tag sequence, -sum_t log_probs[t, tags[t]].

    log_probs (T, C) holds the per-position log-probabilities of the C tags, tags (T,) is a
    torch.long tensor of the correct tags. Returns a scalar.
    """
    raise NotImplementedError


# ------------------------------------------------------- A3 3: inference by table look-up

def table_inference(energy_table, x):
    """a3.3a: the answer of lowest energy for input x, argmin_y energy_table[x, y].

    energy_table has shape (n_x, n_y) (the 27 x 64 table of A3 3(a)), x is a row index.
    Returns a Python int in 0..n_y-1.
    """
    raise NotImplementedError


def count_pairs(vocab_size, n_tags, length):
    """a3.3b: the number of (input, output) pairs for sequences of `length` words from a
    vocabulary of `vocab_size` and tags from a set of `n_tags`.

    Returns an exact Python int (beware of floats and fixed-width integers: they overflow
    or round for long sequences).
    """
    raise NotImplementedError


def count_lookups(n_tags, length):
    """a3.3b: the number of energies to look up for one input sequence of `length` words
    when every tag sequence is tried.

    Returns an exact Python int.
    """
    raise NotImplementedError


# ------------------------------------------------ A3 4: inference by gradient descent on y

def gradient_descent_inference(energy_fn, y0, lr, n_steps):
    """a3.4d: gradient descent on the answer: y <- y - lr * dE/dy, n_steps times, from y0.

    `energy_fn` maps a tensor y (the shape of y0) to a scalar tensor E(y); compute dE/dy
    with autograd. Start from a copy of y0 (do not modify y0). Returns the final y, a
    tensor of the shape of y0.
    """
    raise NotImplementedError


# ------------------------------------------------- A3 5: free energies of latent models

def sparse_coding_free_energy(y, W, lam):
    """a3.5b: the free energy of sparse coding and the code that achieves it,

        F(y) = min_z ||y - W z||^2 + lam * ||z||_1 ,

    with y of shape (d,), W of shape (d, k) and lam >= 0.

    Returns a tuple (F, z): F a scalar, z a tensor of shape (k,). The grader checks that
    the objective at your z equals your F, and that F is the true minimum (so minimise to
    high precision).
    """
    raise NotImplementedError


def kmeans_free_energy(y, W):
    """a3.5e: the free energy of K-means, F(y) = min_k ||y - W[:, k]||^2, where the columns
    of W (d, k) are the centroids.

    Returns a tuple (F, k): F a scalar, k the winning centroid (a Python int).
    """
    raise NotImplementedError
