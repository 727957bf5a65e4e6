"""Homework 4, theory part, as code.

Each derivation you write in sections 1.2 and 1.3 of the homework becomes a function here.
Replace every `raise NotImplementedError` with your implementation and keep the names and
signatures as they are: the autograder calls them.

Conventions
-----------
* Tensors arrive as torch.float64. You may return a torch tensor (float32 or float64, with or
  without grad), a NumPy array, a Python number or a list of numbers.
* For one input x, `energies` is a tensor of shape (n,): energies[y] = F_W(x, y) for the
  classes y = 0, ..., n-1. `energy_grads` has shape (n, p): row y is dF_W(x, y)/dW
  flattened to p numbers. `beta > 0` is the constant multiplier of the Gibbs distribution.
* In section 1.3, `f_pos` = F_W(x, y) and `f_neg` = F_W(x, ybar) are 0-d tensors (the energies
  of the correct and of the incorrect answer), `grad_pos` and `grad_neg` their gradients with
  respect to W (shape (p,)), and `margin` is the margin m (a float).
* The grader also tries large energies (|F| up to 1000) and large beta (up to 1000): make
  sure nothing overflows there.

Check your work before you submit:  python3 -m autograder check --submission .
"""
import torch


# ---------------------------------------------------------------- 1.2 Negative log-likelihood

def gibbs_distribution(energies, beta):
    """1.2 (i): the Gibbs distribution over the n labels for one input x.

    Returns a tensor of shape (n,) whose entry y is p(y | x), the probability that the
    energy-based model with inverse temperature beta gives to label y.
    """
    raise NotImplementedError


def nll_loss(energies, y, beta):
    """1.2 (ii): the negative log-likelihood of the correct label y, multiplied by 1/beta.

    Returns a scalar. y is an int in 0..n-1.
    """
    raise NotImplementedError


def nll_loss_grad(energies, energy_grads, y, beta):
    """1.2 (iii): the gradient of your nll_loss with respect to W.

    Returns a tensor of shape (p,), written with energy_grads (the dF_W(x, y')/dW of every
    label) and the Gibbs distribution.
    """
    raise NotImplementedError


# --------------------------------------------------------------- 1.3 Contrastive loss functions

def simple_loss(f_pos, f_neg, margin):
    """1.3 (a): the simple loss [F_W(x, y)]^+ + [m - F_W(x, ybar)]^+ (a scalar)."""
    raise NotImplementedError


def simple_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    """1.3 (a): the gradient of the simple loss with respect to W (shape (p,)).

    At a kink, any subgradient is accepted.
    """
    raise NotImplementedError


def log_loss(f_pos, f_neg):
    """1.3 (b): the log loss log(1 + exp(F_W(x, y) - F_W(x, ybar))) (a scalar)."""
    raise NotImplementedError


def log_loss_grad(f_pos, f_neg, grad_pos, grad_neg):
    """1.3 (b): the gradient of the log loss with respect to W (shape (p,))."""
    raise NotImplementedError


def square_square_loss(f_pos, f_neg, margin):
    """1.3 (c): the square-square loss ([F_W(x, y)]^+)^2 + ([m - F_W(x, ybar)]^+)^2."""
    raise NotImplementedError


def square_square_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    """1.3 (c): the gradient of the square-square loss with respect to W (shape (p,))."""
    raise NotImplementedError


def hinge_loss(f_pos, f_neg, margin):
    """1.3 (d): the hinge loss [F_W(x, y) - F_W(x, ybar) + m]^+ (a scalar)."""
    raise NotImplementedError


def hinge_loss_grad(f_pos, f_neg, grad_pos, grad_neg, margin):
    """1.3 (d): the gradient of the hinge loss with respect to W (shape (p,)).

    At a kink, any subgradient is accepted.
    """
    raise NotImplementedError
