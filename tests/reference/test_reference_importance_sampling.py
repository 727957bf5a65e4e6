"""Independent proofs of the final 1.4-1.7 reference: ``self_normalized_is``,
``is_log_partition``, ``is_grad_log_partition``, ``ebm_loglik_grad``,
``ebm_test_log_likelihood`` and ``train_ebm``.

No expected value here is produced by the function under test. They come from the direct
formulas evaluated with ``math`` (small values) or 50-digit ``mpmath`` (large values),
``scipy.special.logsumexp``, ``scipy.integrate.dblquad`` of exp(E) for a model with a known
parameterisation (re-implemented in NumPy from its weights), ``torch.autograd`` through the
importance-sampling estimate of the log-partition written out inline, per-sample gradients
combined by explicit weights, and a hand-written gradient-ascent loop. ``ShallowEnergyNet`` (the
grader's own tanh network) serves as E_theta.
"""
from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from scipy.integrate import dblquad
from scipy.special import logsumexp

from autograder.sandbox.builders import ShallowEnergyNet
from reference import importance_sampling as ref
from reference.gmm import gmm_log_density, gmm_means, sample_gmm

HYPOTHESIS = settings(derandomize=True, database=None, deadline=None, max_examples=40)




def _t(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def _net(seed: int, hidden: int = 8, scale: float = 1.0) -> ShallowEnergyNet:
    rng = np.random.default_rng(seed)
    return ShallowEnergyNet(rng.normal(size=(hidden, 2)) * scale, rng.normal(size=hidden),
                            rng.normal(size=hidden) * scale / 2, rng.normal())


def _net_numpy(net: ShallowEnergyNet):
    """E(x) = w2 . tanh(W1 x + b1) + b2 re-implemented in NumPy from the net's weights."""
    w1 = net.hidden.weight.detach().numpy().copy()
    b1 = net.hidden.bias.detach().numpy().copy()
    w2 = net.out.weight.detach().numpy()[0].copy()
    b2 = float(net.out.bias.detach())
    return lambda x: np.tanh(np.asarray(x) @ w1.T + b1) @ w2 + b2


class _Confined(torch.nn.Module):
    """E(x) = net(x) - |x|^2 / 2: a ShallowEnergyNet plus a Gaussian term, so that exp(E) is
    integrable and A(theta) = log int exp(E) is finite. Its parameters are the net's."""

    def __init__(self, net: ShallowEnergyNet):
        super().__init__()
        self.net = net

    def forward(self, x):
        return self.net(x) - 0.5 * (x ** 2).sum(-1)


def _snis_math(f, e, lq) -> float:
    """sum_m w_m f_m / sum_m w_m with w_m = math.exp(E_m - log q_m), no stabilisation."""
    w = [math.exp(a - b) for a, b in zip(e, lq)]
    return math.fsum(wi * fi for wi, fi in zip(w, f)) / math.fsum(w)


def _snis_mpmath(f, e, lq) -> mpmath.mpf:
    with mpmath.workdps(50):
        w = [mpmath.exp(mpmath.mpf(a) - mpmath.mpf(b)) for a, b in zip(e, lq)]
        return mpmath.fsum(wi * mpmath.mpf(fi) for wi, fi in zip(w, f)) / mpmath.fsum(w)


def _log_partition_mpmath(e, lq) -> mpmath.mpf:
    with mpmath.workdps(50):
        total = mpmath.fsum(mpmath.exp(mpmath.mpf(a) - mpmath.mpf(b)) for a, b in zip(e, lq))
        return mpmath.log(total / len(e))


small = st.floats(-5, 5)
triples = st.lists(st.tuples(st.floats(-10, 10), small, small), min_size=1, max_size=10)


# ---------------------------------------------------------------------------- self_normalized_is


@given(rows=triples)
@HYPOTHESIS
def test_snis_matches_direct_formula(rows):
    """Proves self_normalized_is against sum(w f) / sum(w), w = exp(E - log q), evaluated
    directly with ``math.exp`` where nothing can overflow (|E|, |log q| <= 5)."""
    f, e, lq = (list(c) for c in zip(*rows))
    got = float(ref.self_normalized_is(_t(f), _t(e), _t(lq)))
    assert math.isclose(got, _snis_math(f, e, lq), rel_tol=1e-12, abs_tol=1e-12)


def test_snis_hand_value():
    """Proves one value by hand: log weights (0, log 3) give weights 1/4, 3/4, so the average of
    f = (4, 8) is 1 + 6 = 7."""
    got = float(ref.self_normalized_is(_t([4.0, 8.0]), _t([1.0, 1.0 + math.log(3)]),
                                       _t([1.0, 1.0])))
    assert math.isclose(got, 7.0, rel_tol=1e-14)


@given(rows=triples, shift=st.floats(-1e3, 1e3))
@HYPOTHESIS
def test_snis_invariant_to_a_constant_in_log_target(rows, shift):
    """Proves invariance to adding a constant c (|c| <= 1e3) to log_target: the result equals the
    direct ``math`` formula on the UNshifted values (which cannot overflow), even when the
    shifted weights exp(E + c - log q) would overflow or underflow in float64."""
    f, e, lq = (list(c) for c in zip(*rows))
    got = float(ref.self_normalized_is(_t(f), _t(e) + shift, _t(lq)))
    assert math.isclose(got, _snis_math(f, e, lq), rel_tol=1e-10, abs_tol=1e-10)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_snis_large_values_match_mpmath(seed):
    """Proves the log-domain computation at |E| ~ 1e3 (exp(E) overflows or underflows in float64)
    against the formula evaluated in 50-digit mpmath: finite and equal to 1e-12."""
    rng = np.random.default_rng(seed)
    e = (rng.choice([-1, 1], 6) * 1e3 + rng.normal(scale=3, size=6)).tolist()
    lq = rng.normal(scale=3, size=6).tolist()
    f = rng.normal(size=6).tolist()
    got = float(ref.self_normalized_is(_t(f), _t(e), _t(lq)))
    assert math.isfinite(got)
    assert math.isclose(got, float(_snis_mpmath(f, e, lq)), rel_tol=1e-12, abs_tol=1e-12)


def test_snis_trailing_dimensions():
    """Proves f_values of shape (M, 3): the result has shape (3,) and each column equals the
    direct ``math`` formula applied to that column; also (M, 2, 2) gives (2, 2) entrywise."""
    rng = np.random.default_rng(4)
    e, lq = rng.normal(size=7).tolist(), rng.normal(size=7).tolist()
    f = rng.normal(size=(7, 3))
    got = ref.self_normalized_is(_t(f), _t(e), _t(lq))
    assert got.shape == (3,)
    for j in range(3):
        assert math.isclose(float(got[j]), _snis_math(f[:, j].tolist(), e, lq), rel_tol=1e-12,
                            abs_tol=1e-13)
    f4 = rng.normal(size=(7, 2, 2))
    got4 = ref.self_normalized_is(_t(f4), _t(e), _t(lq))
    assert got4.shape == (2, 2)
    for i in range(2):
        for j in range(2):
            assert math.isclose(float(got4[i, j]), _snis_math(f4[:, i, j].tolist(), e, lq),
                                rel_tol=1e-12, abs_tol=1e-13)


# ----------------------------------------------------------------------------- is_log_partition


@pytest.mark.parametrize("M", [1, 2, 3, 7, 1000, 5000])
def test_log_partition_is_zero_for_the_true_density(M):
    """Proves A-hat = 0 when q is the normalised density exp(E) itself: E(x) = log N(x; 0, I)
    at M Gaussian points, log q the same tensor, so every weight is exactly 1 and
    log (1/M) sum 1 = 0 exactly. With log q computed independently (in NumPy, by another
    expression of the same density) the weights are 1 up to rounding and A-hat is 0 to 1e-13."""
    x = torch.randn(M, 2, generator=torch.Generator().manual_seed(M), dtype=torch.float64)
    energy = -0.5 * (x ** 2).sum(-1) - math.log(2 * math.pi)
    assert float(ref.is_log_partition(energy, energy.clone())) == 0.0
    xn = x.numpy()
    log_q = -(xn[:, 0] * xn[:, 0] + xn[:, 1] * xn[:, 1]) / 2 - math.log(2 * math.pi)
    assert abs(float(ref.is_log_partition(energy, _t(log_q)))) < 1e-13


@given(pairs=st.lists(st.tuples(small, small), min_size=1, max_size=10))
@HYPOTHESIS
def test_log_partition_matches_math(pairs):
    """Proves A-hat = log (1/M) sum exp(E - log q) against ``math`` where nothing overflows."""
    e, lq = (list(c) for c in zip(*pairs))
    expected = math.log(math.fsum(math.exp(a - b) for a, b in zip(e, lq)) / len(e))
    assert math.isclose(float(ref.is_log_partition(_t(e), _t(lq))), expected, rel_tol=1e-12,
                        abs_tol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_log_partition_large_values_match_mpmath(seed):
    """Proves A-hat at |E| ~ 1e3 (weights overflow/underflow in float64) against 50-digit
    mpmath: finite and equal to 1e-12 relative."""
    rng = np.random.default_rng(seed)
    sign = 1 if seed % 2 == 0 else -1
    e = (sign * 1e3 + rng.normal(scale=5, size=8)).tolist()
    lq = rng.normal(scale=5, size=8).tolist()
    got = float(ref.is_log_partition(_t(e), _t(lq)))
    assert math.isfinite(got)
    assert math.isclose(got, float(_log_partition_mpmath(e, lq)), rel_tol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_log_partition_estimates_the_true_integral(seed):
    """Proves A-hat is a consistent estimate of A(theta) = log int exp(E): for
    E(x) = ShallowEnergyNet(x) - |x|^2 / 2, A is computed by ``scipy.integrate.dblquad`` over
    [-12, 12]^2 of exp(E) with E re-implemented in NumPy (outside the box exp(E) < exp(|w2|_1 +
    |b2| - 72), negligible); A-hat uses M = 200000 samples of q = N(0, 4 I) from a fixed
    torch.Generator. The tolerance is 5 standard errors of A-hat, the delta-method estimate
    SE = std(w) / (mean(w) sqrt(M)) computed from the same weights (SE ~ 3e-3 here); the bias
    of a log of a mean is O(SE^2), negligible."""
    net = _net(seed)
    model = _Confined(net)
    energy_np = _net_numpy(net)

    def density(y, x):
        return math.exp(float(energy_np([x, y])) - 0.5 * (x * x + y * y))

    integral, error = dblquad(density, -12, 12, -12, 12, epsabs=1e-11, epsrel=1e-11)
    assert error < 1e-8 * integral
    true_a = math.log(integral)

    M = 200_000
    x_q = 2.0 * torch.randn(M, 2, generator=torch.Generator().manual_seed(100 + seed),
                            dtype=torch.float64)
    xn = x_q.numpy()
    log_q = -(xn ** 2).sum(1) / 8 - math.log(8 * math.pi)
    with torch.no_grad():
        energies = model(x_q)
    got = float(ref.is_log_partition(energies, _t(log_q)))
    log_w = energy_np(xn) - 0.5 * (xn ** 2).sum(1) - log_q
    w = np.exp(log_w - log_w.max())
    se = float(w.std() / (w.mean() * math.sqrt(M)))
    assert se < 0.01
    assert abs(got - true_a) <= 5 * se
    # And exactly the estimator of the contract on these weights (scipy logsumexp).
    assert math.isclose(got, float(logsumexp(log_w) - math.log(M)), rel_tol=1e-12, abs_tol=1e-12)


# ------------------------------------------------------------------------ is_grad_log_partition


def _sample_q(seed: int, M: int):
    x_q = 2.0 * torch.randn(M, 2, generator=torch.Generator().manual_seed(seed),
                            dtype=torch.float64)
    log_q = -(x_q ** 2).sum(-1) / 8 - math.log(8 * math.pi)
    return x_q, log_q


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_grad_log_partition_is_autograd_of_the_estimate(seed):
    """Proves, for 3 random ShallowEnergyNets, that the returned gradient equals
    ``torch.autograd.grad`` of A-hat(theta) = logsumexp(model(x_q) - log q) - log M written out
    inline (the gradient of the IS log-partition estimate IS the self-normalised average of
    grad E), one tensor per parameter in ``model.parameters()`` order with the same shapes;
    and that it leaves no gradient accumulated in ``.grad``."""
    model = _net(seed, hidden=6)
    x_q, log_q = _sample_q(50 + seed, 400)
    got = ref.is_grad_log_partition(model, x_q, log_q)
    a_hat = torch.logsumexp(model(x_q) - log_q, dim=0) - math.log(400)
    expected = torch.autograd.grad(a_hat, list(model.parameters()))
    assert len(got) == len(expected) == 4
    for g, e, p in zip(got, expected, model.parameters()):
        assert g.shape == p.shape
        torch.testing.assert_close(g, e, rtol=1e-11, atol=1e-13)
    assert all(p.grad is None for p in model.parameters())


def test_grad_log_partition_per_sample_weights():
    """Proves the self-normalised average directly for M = 5: per-sample gradients of E(x_m)
    (one autograd call per sample) combined with weights w_m = math.exp(E_m - log q_m) / sum."""
    model = _net(7, hidden=4)
    x_q, log_q = _sample_q(8, 5)
    params = list(model.parameters())
    per_sample = [torch.autograd.grad(model(x_q[m:m + 1])[0], params) for m in range(5)]
    with torch.no_grad():
        energies = model(x_q).tolist()
    w = [math.exp(a - b) for a, b in zip(energies, log_q.tolist())]
    total = math.fsum(w)
    got = ref.is_grad_log_partition(model, x_q, log_q)
    for j, p in enumerate(params):
        expected = sum(w[m] / total * per_sample[m][j] for m in range(5))
        torch.testing.assert_close(got[j], expected, rtol=1e-11, atol=1e-13)


# ---------------------------------------------------------------------------- ebm_loglik_grad


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_loglik_grad_is_autograd_of_the_objective(seed):
    """Proves ebm_loglik_grad = ``torch.autograd.grad`` of L-hat(theta) = mean_i E(x_i) -
    [logsumexp(E(x_q) - log q) - log M], written out inline, for 3 random nets."""
    model = _net(10 + seed, hidden=5)
    x_train = torch.randn(60, 2, generator=torch.Generator().manual_seed(seed),
                          dtype=torch.float64)
    x_q, log_q = _sample_q(20 + seed, 300)
    got = ref.ebm_loglik_grad(model, x_train, x_q, log_q)
    objective = model(x_train).mean() - (torch.logsumexp(model(x_q) - log_q, dim=0)
                                         - math.log(300))
    expected = torch.autograd.grad(objective, list(model.parameters()))
    assert len(got) == 4
    for g, e, p in zip(got, expected, model.parameters()):
        assert g.shape == p.shape
        torch.testing.assert_close(g, e, rtol=1e-11, atol=1e-13)


# ----------------------------------------------------------- ebm_test_log_likelihood, train_ebm


def _homework_data(seed: int):
    """K = 10, R = 10 GMM: train 400, test 400 and M = 2000 samples of q = the true GMM."""
    weights = torch.full((10,), 0.1, dtype=torch.float64)
    means = gmm_means(10, 10.0)
    generator = torch.Generator().manual_seed(seed)
    x_train = sample_gmm(400, weights, means, generator)
    x_test = sample_gmm(400, weights, means, generator)
    x_q = sample_gmm(2000, weights, means, generator)
    return x_train, x_test, x_q, gmm_log_density(x_q, weights, means)


def _test_ll_numpy(model, x_test, x_q, log_q) -> float:
    """mean_j E(x_test_j) - (scipy logsumexp(E(x_q) - log q) - log M), with E from the NumPy
    re-implementation of the net."""
    energy = _net_numpy(model)
    log_w = energy(x_q.numpy()) - log_q.numpy()
    return float(np.mean(energy(x_test.numpy())) - (logsumexp(log_w) - math.log(len(log_w))))


@pytest.mark.parametrize("seed", [0, 1])
def test_ebm_test_log_likelihood_formula(seed):
    """Proves ebm_test_log_likelihood = mean E(x_test) - A-hat with both terms recomputed in
    NumPy/scipy, on GMM data with q = the true GMM."""
    x_train, x_test, x_q, log_q = _homework_data(seed)
    model = _net(30 + seed, scale=0.3)
    got = float(ref.ebm_test_log_likelihood(model, x_test, x_q, log_q))
    assert math.isclose(got, _test_ll_numpy(model, x_test, x_q, log_q), rel_tol=1e-11,
                        abs_tol=1e-11)


@pytest.mark.parametrize("seed", [0, 1])
def test_train_ebm_is_gradient_ascent_and_improves(seed):
    """Proves train_ebm on K = 10, R = 10 GMM data (q = the true GMM, log q = gmm_log_density):
    20 steps with lr = 0.05 (i) give the same parameters as a hand-written loop
    theta <- theta + lr * autograd grad [mean E(x_train) - logsumexp(E(x_q) - log q) + log M]
    on a copy of the net, to 1e-10; (ii) raise the test log-likelihood, computed independently
    in NumPy/scipy, on held-out data."""
    x_train, x_test, x_q, log_q = _homework_data(seed)
    model = _net(40 + seed, scale=0.3)
    twin = _net(40 + seed, scale=0.3)
    before = _test_ll_numpy(model, x_test, x_q, log_q)
    returned = ref.train_ebm(model, x_train, x_q, log_q, 20, 0.05)
    params = list(twin.parameters())
    for _ in range(20):
        objective = twin(x_train).mean() - (torch.logsumexp(twin(x_q) - log_q, dim=0)
                                            - math.log(len(log_q)))
        grads = torch.autograd.grad(objective, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p.add_(0.05 * g)
    for got, expected in zip(returned.parameters(), params):
        torch.testing.assert_close(got.detach(), expected.detach(), rtol=1e-10, atol=1e-12)
    after = _test_ll_numpy(returned, x_test, x_q, log_q)
    assert after > before + 1e-3
