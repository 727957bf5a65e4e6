"""Final homework, coding part: Gaussian mixtures, kernel density estimation, an
energy-based model trained with importance sampling, and variational inference.

Every question of the coding part becomes one or more functions here. Replace every
`raise NotImplementedError` with your implementation and keep the names and signatures as
they are: the autograder calls them. You may add helper functions, and you may keep your
experiments and plots under `if __name__ == "__main__":` (they are not run when grading).

Conventions
-----------
* Tensors arrive as torch.float64. The data are two-dimensional (d = 2): `x` has shape
  (n, 2), `weights` has shape (K,) (nonnegative, summing to one) and `means` has shape
  (K, 2). Every mixture component has the identity covariance I_2.
* Log-likelihoods and log-densities are natural logarithms (nats).
* In the kernel density estimator, `sigma` is the VARIANCE of the kernel: phi_sigma is the
  pdf of N(0, sigma I_2), as the homework says ("covariance sigma I_2"). It is not a
  standard deviation.
* The homework writes the energy-based model as p_theta(x) = exp(E_theta(x) - A(theta)).
  So E_theta is an unnormalised LOG-density: higher E means more likely. This is the
  opposite sign of the usual "low energy = likely" convention; follow the homework's.
* A function that samples takes a torch.Generator and must draw ALL of its randomness from
  it (pass `generator=generator` to torch.multinomial, torch.randn, ...). Do not use the
  global random state.
* Be numerically stable: the grader also tries large values (log-densities and energies in
  the hundreds or thousands, points far from every mean, tiny kernel variances). Work in
  the log domain (log-sum-exp, softmax) so that nothing overflows or underflows to
  inf / nan.
* You may return a torch tensor (float32 or float64, with or without grad, on the CPU), a
  NumPy array, a Python number or a (nested) list of numbers. "scalar" means a 0-d tensor
  or a Python float.
* Your EnergyNet may keep the default float32 parameters: the grader feeds a model inputs
  of its parameters' dtype.

Check your work before you submit:  python3 -m autograder check --assignment final --submission .
"""
import torch
import torch.nn as nn

# The sizes the homework fixes.
N = 1000    # number of data points in each of the training, validation and test sets
K = 10      # number of mixture components
R = 10.0    # radius of the circle the means sit on (the homework also asks for R = 1)
M = 5000    # number of importance samples


# ------------------------------------------------------------ 1.1 The Gaussian mixture model

def gmm_means(K, R):
    """1.1: the means mu_k = R (cos(2 pi k / K), sin(2 pi k / K)) for k = 1, ..., K.

    Returns a tensor of shape (K, 2) whose row k - 1 is mu_k.
    """
    raise NotImplementedError


def sample_gmm(n, weights, means, generator):
    """1.1: n i.i.d. draws from the mixture sum_k pi_k N(mu_k, I_2).

    `weights` (K,) holds the pi_k and `means` (K, 2) the mu_k. Draw the component of each
    point and its Gaussian noise with `generator`. Returns a tensor of shape (n, 2).
    """
    raise NotImplementedError


def gmm_log_density(x, weights, means):
    """1.1: the log of the mixture density, log p(x_i) = log sum_k pi_k N(x_i; mu_k, I_2).

    Returns a tensor of shape (n,).
    """
    raise NotImplementedError


# ------------------------------------------------------------------------ 1.2 The EM algorithm

def responsibilities(x, weights, means):
    """1.2 (E-step): the posterior r_ik = p(z_i = k | x_i) of each component for each point.

    Returns a tensor of shape (n, K); each row sums to one.
    """
    raise NotImplementedError


def em_step(x, weights, means):
    """1.2: one E-step followed by one M-step, with every covariance fixed to I_2.

    With N_k = sum_i r_ik: pi_k = N_k / n and mu_k = sum_i r_ik x_i / N_k. Keep the order of
    the components. Returns the pair (weights (K,), means (K, 2)).
    """
    raise NotImplementedError


def fit_gmm_em(x, init_weights, init_means, n_iters):
    """1.2: n_iters EM steps starting from (init_weights, init_means).

    Returns the triple (weights (K,), means (K, 2), history (n_iters + 1,)), where history[t]
    is the mean log-likelihood (1/n) sum_i log p(x_i) of the parameters before step t + 1,
    and history[n_iters] that of the final parameters. EM never decreases it.
    """
    raise NotImplementedError


# ------------------------------------------------------------- 1.3 Kernel density estimation

def kde_log_density(x_query, x_train, sigma):
    """1.3: log p-hat(x) = log (1/n) sum_i phi_sigma(x - x_i) at every query point.

    `x_query` has shape (m, 2), `x_train` shape (n, 2), and phi_sigma is the pdf of
    N(0, sigma I_2): sigma is the VARIANCE. Returns a tensor of shape (m,).
    """
    raise NotImplementedError


def select_kde_sigma(x_train, x_val, sigmas):
    """1.3: tune sigma on the validation set.

    Returns the value in `sigmas` (a list of floats) whose estimator built on `x_train` has
    the highest mean log-likelihood (1/n) sum_i log p-hat(x'_i) on `x_val`; on a tie, the
    first such value. Returns a float.
    """
    raise NotImplementedError


# --------------------------------------------------------------- 1.4 The energy-based model

class EnergyNet(nn.Module):
    """1.4: a shallow network (one hidden layer of `hidden` units) computing E_theta(x).

    The model is p_theta(x) = exp(E_theta(x) - A(theta)): E_theta is an unnormalised
    log-density, so higher E_theta(x) means x is more likely.
    """

    def __init__(self, hidden=32):
        super().__init__()
        raise NotImplementedError

    def forward(self, x):
        """E_theta(x) for a batch x of shape (n, 2). Returns a tensor of shape (n,)."""
        raise NotImplementedError


# ---------------------------------------------------------------- 1.5 Importance sampling

def self_normalized_is(f_values, log_target, log_q):
    """1.5: the importance-sampling estimate F-hat = N-hat / D-hat of E_{x ~ p_theta} f(x).

    The x_m are drawn from q. `f_values` has shape (M, ...) and holds f(x_m); `log_target`
    (M,) holds E_theta(x_m) and `log_q` (M,) holds log q(x_m). Returns
    sum_m w_m f(x_m) / sum_m w_m with w_m = exp(E_theta(x_m)) / q(x_m), a tensor of shape
    f_values.shape[1:] (a scalar when f_values has shape (M,)).
    """
    raise NotImplementedError


# ------------------------------------------------ 1.6 The gradient of the log-partition A

def is_grad_log_partition(model, x_q, log_q):
    """1.6: the importance-sampling estimate of grad_theta A(theta) = E_{p_theta} grad E_theta.

    `model` is an EnergyNet (or any module computing E_theta), `x_q` (M, 2) are samples from
    q and `log_q` (M,) is log q(x_q). Returns a list with one tensor per
    model.parameters(), in the same order and with the same shapes.
    """
    raise NotImplementedError


def ebm_loglik_grad(model, x_train, x_q, log_q):
    """1.4 and 1.6: the estimate of grad_theta L(theta), where
    L(theta) = (1/n) sum_i E_theta(x_i) - A(theta), with grad A estimated as in 1.6.

    Returns a list with one tensor per model.parameters(), in the same order and shapes.
    """
    raise NotImplementedError


# ---------------------------------------------- 1.7 The log-partition and test likelihood

def is_log_partition(log_target, log_q):
    """1.7: the importance-sampling estimate of A(theta),
    A-hat = log (1/M) sum_m exp(E_theta(x_m)) / q(x_m).

    `log_target` (M,) holds E_theta(x_m) and `log_q` (M,) holds log q(x_m). Returns a scalar.
    """
    raise NotImplementedError


def ebm_test_log_likelihood(model, x_test, x_q, log_q):
    """1.7: the test log-likelihood (1/n) sum_j log p_theta(x~_j) of the EBM, with A(theta)
    replaced by its importance-sampling estimate A-hat on (x_q, log_q). Returns a scalar.
    """
    raise NotImplementedError


def train_ebm(model, x_train, x_q, log_q, n_steps, lr):
    """1.6 and 1.7: fit the EBM by maximum likelihood.

    Runs n_steps of gradient ASCENT on L(theta) (theta <- theta + lr * grad), the gradient
    being your ebm_loglik_grad with the fixed importance samples (x_q, log_q). Returns the
    trained model.
    """
    raise NotImplementedError


# ---------------------------------------------------------- 2 Variational inference (GMM)

def log_joint(x, weights, means):
    """2.3: log p(x_i, z = k) = log pi_k + log N(x_i; mu_k, I_2).

    Returns a tensor of shape (n, K).
    """
    raise NotImplementedError


def elbo(x, q, weights, means):
    """2.3: the variational lower bound L(q, theta) = sum_k q_ik (log p(x_i, k) - log q_ik).

    `q` has shape (n, K); row i is a distribution over the K components for point x_i.
    Use the convention 0 log 0 = 0. Returns a tensor of shape (n,).
    """
    raise NotImplementedError


def elbo_uniform(x, weights, means):
    """2.3 (i): the ELBO with q = Unif{1, ..., K} for every point. Returns shape (n,)."""
    raise NotImplementedError


def elbo_posterior(x, weights, means):
    """2.3 (ii): the ELBO with q = p(z | x, theta), the posterior under the given parameters.

    Returns a tensor of shape (n,).
    """
    raise NotImplementedError


def kl_to_posterior(x, q, weights, means):
    """2.1: D_KL(q || p(z | x, theta)) for each point, so that log p(x) = elbo + KL.

    `q` has shape (n, K). Returns a tensor of shape (n,) (nonnegative).
    """
    raise NotImplementedError


def elbo_gap_uniform(x, K, R):
    """2.4: the gap log p(x) - L(Unif, theta) for the K-component model of 1.1, that is
    equal weights 1/K and means gmm_means(K, R).

    Returns a tensor of shape (n,). Study how it grows with K.
    """
    raise NotImplementedError
