"""Independent proofs of the final 1.1-1.2 reference: ``gmm_means``, ``gmm_log_density``,
``log_joint``, ``responsibilities``, ``sample_gmm``, ``em_step`` and ``fit_gmm_em``.

No expected value here is produced by the function under test. They come from closed forms
written out by hand, ``scipy.stats.multivariate_normal.logpdf`` combined with explicit sums and
``scipy.special.logsumexp``, hand-written NumPy loops of the E and M step formulas, and
statistical bounds (stated in each test) on samples drawn with a fixed ``torch.Generator``.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from reference import gmm as ref

HYPOTHESIS = settings(derandomize=True, database=None, deadline=None, max_examples=30)




SQ = math.sqrt(0.5)


def _t(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def _scipy_log_joint(x, weights, means) -> np.ndarray:
    """(n, K): log pi_k + log N(x_i; mu_k, I_2), one ``multivariate_normal.logpdf`` call per
    component (column k), plus ``math.log`` of the weight."""
    x, weights, means = np.asarray(x), np.asarray(weights), np.asarray(means)
    out = np.empty((len(x), len(weights)))
    for k in range(len(weights)):
        out[:, k] = math.log(weights[k]) + np.atleast_1d(
            multivariate_normal.logpdf(x, mean=means[k], cov=np.eye(2)))
    return out


def _scipy_log_density(x, weights, means) -> np.ndarray:
    return logsumexp(_scipy_log_joint(x, weights, means), axis=1)


def _random_problem(seed: int, n: int, K: int, scale: float = 3.0):
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.ones(K))
    means = rng.normal(scale=scale, size=(K, 2))
    x = rng.normal(scale=scale, size=(n, 2))
    return x, weights, means


def _as_set(points: torch.Tensor) -> list[tuple[float, float]]:
    return sorted((round(float(a), 9) + 0.0, round(float(b), 9) + 0.0) for a, b in points)


# --------------------------------------------------------------------------------- gmm_means


def test_gmm_means_closed_form_K4_R2():
    """Proves K = 4, R = 2 against the four points written out by hand, (0, 2), (-2, 0),
    (0, -2), (2, 0), compared as a set (the contract grades the means as a set)."""
    got = ref.gmm_means(4, 2.0)
    assert got.shape == (4, 2)
    assert _as_set(got) == sorted([(0.0, 2.0), (-2.0, 0.0), (0.0, -2.0), (2.0, 0.0)])
    torch.testing.assert_close(torch.linalg.norm(got, dim=1), torch.full((4,), 2.0,
                               dtype=torch.float64), rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("R", [1.0, 10.0, 0.5])
def test_gmm_means_K1_is_the_point_at_angle_zero(R):
    """Proves K = 1: the single mean is R (cos 2 pi, sin 2 pi) = (R, 0), by hand."""
    got = ref.gmm_means(1, R)
    assert got.shape == (1, 2)
    torch.testing.assert_close(got, _t([[R, 0.0]]), rtol=0.0, atol=1e-14)


@pytest.mark.parametrize("K, R, expected", [
    (2, 1.0, [(1.0, 0.0), (-1.0, 0.0)]),
    (8, 1.0, [(1, 0), (SQ, SQ), (0, 1), (-SQ, SQ), (-1, 0), (-SQ, -SQ), (0, -1), (SQ, -SQ)]),
])
def test_gmm_means_other_hand_values(K, R, expected):
    """Proves K = 2 and K = 8 on the unit circle against coordinates written out by hand
    (multiples of 1 and sqrt(1/2)), as a set."""
    got = ref.gmm_means(K, R)
    assert _as_set(got) == _as_set(_t([list(p) for p in expected]))


@pytest.mark.parametrize("K", [3, 5, 10])
def test_gmm_means_are_the_regular_polygon(K):
    """Proves the general K against the definition evaluated with ``math.cos``/``math.sin`` for
    k = 0..K-1 (the other order allowed by the contract): same set of points."""
    R = 10.0
    expected = [(R * math.cos(2 * math.pi * k / K), R * math.sin(2 * math.pi * k / K))
                for k in range(K)]
    got = ref.gmm_means(K, R)
    assert got.shape == (K, 2) and got.dtype == torch.float64
    assert _as_set(got) == _as_set(_t(expected))


# ----------------------------------------------------- gmm_log_density, log_joint, responsibilities


@pytest.mark.parametrize("seed, n, K", [(0, 7, 1), (1, 5, 3), (2, 30, 10), (3, 40, 4)])
def test_log_joint_density_and_responsibilities_match_scipy(seed, n, K):
    """Proves the three quantities against scipy: log_joint against log pi_k +
    ``multivariate_normal.logpdf`` (cov I) point by point; gmm_log_density against
    ``scipy.special.logsumexp`` of those; responsibilities against exp(log joint - log density)
    (rows then sum to 1). n = 30 and 40 exercise torch's matrix-product distance path."""
    x, w, mu = _random_problem(seed, n, K)
    expected_joint = _scipy_log_joint(x, w, mu)
    expected_density = logsumexp(expected_joint, axis=1)
    expected_r = np.exp(expected_joint - expected_density[:, None])
    np.testing.assert_allclose(ref.log_joint(_t(x), _t(w), _t(mu)).numpy(), expected_joint,
                               rtol=1e-11, atol=1e-11)
    np.testing.assert_allclose(ref.gmm_log_density(_t(x), _t(w), _t(mu)).numpy(),
                               expected_density, rtol=1e-11, atol=1e-11)
    r = ref.responsibilities(_t(x), _t(w), _t(mu)).numpy()
    assert r.shape == (n, K)
    np.testing.assert_allclose(r, expected_r, rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(r.sum(axis=1), 1.0, rtol=0, atol=1e-13)


def test_gmm_log_density_by_explicit_sum():
    """Proves gmm_log_density where nothing underflows, against log of the explicit sum
    sum_k pi_k (1 / 2 pi) exp(-|x - mu_k|^2 / 2) in a plain ``math`` loop."""
    x, w, mu = _random_problem(11, 6, 3, scale=1.0)
    expected = []
    for xi in x:
        total = 0.0
        for k in range(3):
            d2 = (xi[0] - mu[k][0]) ** 2 + (xi[1] - mu[k][1]) ** 2
            total += w[k] * math.exp(-d2 / 2) / (2 * math.pi)
        expected.append(math.log(total))
    np.testing.assert_allclose(ref.gmm_log_density(_t(x), _t(w), _t(mu)).numpy(), expected,
                               rtol=1e-12)


@given(seed=st.integers(0, 10_000), n=st.integers(1, 40), K=st.integers(1, 6))
@HYPOTHESIS
def test_gmm_log_density_property_against_scipy(seed, n, K):
    """Proves gmm_log_density on hypothesis-chosen sizes and data against scipy logpdf +
    logsumexp."""
    x, w, mu = _random_problem(seed, n, K)
    np.testing.assert_allclose(ref.gmm_log_density(_t(x), _t(w), _t(mu)).numpy(),
                               _scipy_log_density(x, w, mu), rtol=1e-11, atol=1e-11)


@pytest.mark.parametrize("n", [4, 30])
def test_far_away_points_are_finite_and_exact(n):
    """Proves the log-domain computation at |x| ~ 1e3, where every density N(x; mu_k, I) is
    exp(-5e5) and underflows to 0 in float64 (checked: the naive sum is 0, its log -inf), but the
    log-density must be finite and equal to scipy's logpdf + logsumexp; responsibilities must
    stay a distribution and match scipy."""
    rng = np.random.default_rng(5)
    angles = rng.uniform(0, 2 * np.pi, n)
    x = 1e3 * np.stack([np.cos(angles), np.sin(angles)], axis=1) + rng.normal(size=(n, 2))
    w = np.array([0.2, 0.3, 0.5])
    mu = np.array([[1.0, 0.0], [-2.0, 1.0], [0.5, -3.0]])
    naive = sum(w[k] * math.exp(-np.sum((x[0] - mu[k]) ** 2) / 2) for k in range(3))
    assert naive == 0.0  # the density really underflows here
    expected_joint = _scipy_log_joint(x, w, mu)
    expected = logsumexp(expected_joint, axis=1)
    got = ref.gmm_log_density(_t(x), _t(w), _t(mu)).numpy()
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    r = ref.responsibilities(_t(x), _t(w), _t(mu)).numpy()
    assert np.all(np.isfinite(r))
    np.testing.assert_allclose(r.sum(axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(r, np.exp(expected_joint - expected[:, None]), atol=1e-6)


# -------------------------------------------------------------------------------- sample_gmm


def test_sample_gmm_shape_dtype_and_determinism():
    """Proves the shape (n, 2) and dtype float64, that the same generator seed gives the
    identical sample whatever the global torch RNG does in between, and that another seed gives
    a different sample (the generator is really used)."""
    weights, means = _t([0.25, 0.75]), _t([[0.0, 0.0], [5.0, 5.0]])
    torch.manual_seed(1)
    a = ref.sample_gmm(50, weights, means, torch.Generator().manual_seed(123))
    torch.manual_seed(999)
    torch.rand(17)
    b = ref.sample_gmm(50, weights, means, torch.Generator().manual_seed(123))
    c = ref.sample_gmm(50, weights, means, torch.Generator().manual_seed(124))
    assert a.shape == (50, 2) and a.dtype == torch.float64
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


@pytest.mark.parametrize("seed", [0, 1])
def test_sample_gmm_statistics(seed):
    """Proves the law of the draws statistically with n = 20000 from K = 4, R = 20 with weights
    (0.1, 0.2, 0.3, 0.4). The means are 28 standard deviations apart, so each draw is labelled by
    its nearest mean without error in practice (a misclassification has probability < 1e-40).
    Bounds, each 6 standard errors (a two-sided normal tail of 2e-9 per check):
    frequency |f_k - pi_k| <= 6 sqrt(pi_k (1 - pi_k) / n); per-component mean, each coordinate
    within 6 / sqrt(n_k) of mu_k; per-component covariance entries: diagonal within
    6 sqrt(2 / n_k) of 1, off-diagonal within 6 / sqrt(n_k) of 0. A sampler with covariance 2 I
    (diagonal 2, bound ~0.15), wrong weights (e.g. uniform: |0.25 - 0.1| >> 0.013) or means
    shifted by more than ~0.13 fails these bounds."""
    n = 20000
    weights = np.array([0.1, 0.2, 0.3, 0.4])
    means = np.array([[20.0, 0.0], [0.0, 20.0], [-20.0, 0.0], [0.0, -20.0]])
    x = ref.sample_gmm(n, _t(weights), _t(means), torch.Generator().manual_seed(seed)).numpy()
    labels = np.argmin(((x[:, None, :] - means[None]) ** 2).sum(-1), axis=1)
    for k in range(4):
        xk = x[labels == k]
        nk = len(xk)
        assert abs(nk / n - weights[k]) <= 6 * math.sqrt(weights[k] * (1 - weights[k]) / n)
        assert np.all(np.abs(xk.mean(axis=0) - means[k]) <= 6 / math.sqrt(nk))
        cov = np.cov(xk, rowvar=False)
        assert abs(cov[0, 0] - 1) <= 6 * math.sqrt(2 / nk)
        assert abs(cov[1, 1] - 1) <= 6 * math.sqrt(2 / nk)
        assert abs(cov[0, 1]) <= 6 / math.sqrt(nk)


def test_sample_gmm_zero_weight_component_never_drawn():
    """Proves that a component of weight 0 is never drawn: no point of 5000 lands near its
    mean (100 standard deviations from the others)."""
    x = ref.sample_gmm(5000, _t([0.5, 0.0, 0.5]), _t([[0.0, 0.0], [100.0, 0.0], [0.0, -10.0]]),
                       torch.Generator().manual_seed(3))
    assert float(x[:, 0].max()) < 50.0


# ----------------------------------------------------------------------------------- em_step


def _em_step_numpy(x, weights, means):
    """One EM step by explicit loops: r_ik = pi_k N(x_i; mu_k, I) / sum_j pi_j N(x_i; mu_j, I)
    (with the row's largest exponent subtracted first), N_k = sum_i r_ik, pi_k = N_k / n,
    mu_k = sum_i r_ik x_i / N_k."""
    n, K = len(x), len(weights)
    r = np.zeros((n, K))
    for i in range(n):
        logs = [math.log(weights[k]) - 0.5 * ((x[i, 0] - means[k, 0]) ** 2
                                              + (x[i, 1] - means[k, 1]) ** 2) for k in range(K)]
        top = max(logs)
        unnorm = [math.exp(value - top) for value in logs]
        total = sum(unnorm)
        for k in range(K):
            r[i, k] = unnorm[k] / total
    new_w = np.zeros(K)
    new_mu = np.zeros((K, 2))
    for k in range(K):
        nk = 0.0
        s0 = s1 = 0.0
        for i in range(n):
            nk += r[i, k]
            s0 += r[i, k] * x[i, 0]
            s1 += r[i, k] * x[i, 1]
        new_w[k] = nk / n
        new_mu[k] = [s0 / nk, s1 / nk]
    return new_w, new_mu


@pytest.mark.parametrize("seed, n, K", [(0, 12, 1), (1, 20, 3), (2, 50, 5), (3, 40, 10)])
def test_em_step_matches_numpy_loops(seed, n, K):
    """Proves one EM step against the E and M step formulas written as NumPy/``math`` loops,
    component by component in the given order (so the component order is kept)."""
    x, w, mu = _random_problem(seed, n, K, scale=2.0)
    exp_w, exp_mu = _em_step_numpy(x, w, mu)
    got_w, got_mu = ref.em_step(_t(x), _t(w), _t(mu))
    assert got_w.shape == (K,) and got_mu.shape == (K, 2)
    np.testing.assert_allclose(got_w.numpy(), exp_w, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(got_mu.numpy(), exp_mu, rtol=1e-9, atol=1e-10)
    assert abs(float(got_w.sum()) - 1.0) < 1e-13


def test_em_step_keeps_component_order_on_separated_clusters():
    """Proves the component order by hand: two clusters of 3 points around (10, 0) and (-10, 0)
    with the initial means given in the order (-9, 0), (9, 0). Responsibilities are 0/1 up to
    exp(-90), so the M step gives by hand weights (1/2, 1/2) and means (cluster at -10, cluster at
    10) in that same order."""
    x = _t([[10, 1], [11, 0], [9, -1], [-10, 2], [-12, 0], [-11, 1]])
    w, mu = ref.em_step(x, _t([0.7, 0.3]), _t([[-9.0, 0.0], [9.0, 0.0]]))
    torch.testing.assert_close(w, _t([0.5, 0.5]), rtol=0, atol=1e-30)
    torch.testing.assert_close(mu, _t([[-11.0, 1.0], [10.0, 0.0]]), rtol=1e-14, atol=1e-14)


def _homework_data(seed: int, R: float, n: int = 500) -> torch.Tensor:
    weights = torch.full((10,), 0.1, dtype=torch.float64)
    means = _t([[R * math.cos(2 * math.pi * k / 10), R * math.sin(2 * math.pi * k / 10)]
                for k in range(10)])
    return ref.sample_gmm(n, weights, means, torch.Generator().manual_seed(seed))


def _random_init(seed: int, x: torch.Tensor, K: int = 10):
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.ones(K))
    means = x.numpy()[rng.choice(len(x), K, replace=False)] + rng.normal(scale=0.5, size=(K, 2))
    return _t(weights), _t(means)


@pytest.mark.parametrize("R", [10.0, 1.0])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_em_is_monotone(R, seed):
    """Proves the EM ascent property: iterating ``em_step`` 30 times from a random start on data
    of the K = 10 GMM (R = 10 and R = 1), the mean log-likelihood, evaluated independently with
    scipy logpdf + logsumexp, never decreases (up to 1e-10 of rounding); the history of
    ``fit_gmm_em`` is non-decreasing too and agrees with the scipy values at every step."""
    x = _homework_data(seed, R, n=200)
    w, mu = _random_init(seed + 100, x)
    values = [float(np.mean(_scipy_log_density(x.numpy(), w.numpy(), mu.numpy())))]
    for _ in range(30):
        w, mu = ref.em_step(x, w, mu)
        values.append(float(np.mean(_scipy_log_density(x.numpy(), w.numpy(), mu.numpy()))))
    assert all(b >= a - 1e-10 for a, b in zip(values, values[1:]))
    assert values[-1] > values[0]
    w0, mu0 = _random_init(seed + 100, x)
    _, _, history = ref.fit_gmm_em(x, w0, mu0, 30)
    history = history.numpy()
    assert history.shape == (31,)
    assert np.all(np.diff(history) >= -1e-10)
    np.testing.assert_allclose(history, values, rtol=1e-10)


@pytest.mark.parametrize("seed", [0, 1])
def test_em_fixed_point(seed):
    """Proves that EM reaches a fixed point: from the parameters ``fit_gmm_em`` returns after 500
    iterations (K = 10, R = 10 data, n = 150; start: random Dirichlet weights and the true means
    moved by N(0, I) noise, so that no two components compete for one cluster, where EM is only
    sub-linearly convergent), one more step computed by the NumPy loops of the E and M formulas
    changes weights and means by at most 1e-8."""
    x = _homework_data(seed, 10.0, n=150)
    rng = np.random.default_rng(seed)
    angles = 2 * math.pi * np.arange(10) / 10
    true_means = 10 * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    w0 = _t(rng.dirichlet(np.ones(10)))
    mu0 = _t(true_means + rng.normal(size=(10, 2)))
    w, mu, _ = ref.fit_gmm_em(x, w0, mu0, 500)
    w_next, mu_next = _em_step_numpy(x.numpy(), w.numpy(), mu.numpy())
    np.testing.assert_allclose(w_next, w.numpy(), rtol=0, atol=1e-8)
    np.testing.assert_allclose(mu_next, mu.numpy(), rtol=0, atol=1e-8)


# -------------------------------------------------------------------------------- fit_gmm_em


@pytest.mark.parametrize("n_iters", [0, 1, 7])
def test_fit_gmm_em_history_ends(n_iters):
    """Proves history[0] = the scipy mean log-density at the initial parameters,
    history[-1] = the scipy mean log-density at the returned parameters, and len = n_iters + 1;
    for n_iters = 0 the initial parameters are returned unchanged; for n_iters = 1 the returned
    parameters are one EM step by the NumPy loops."""
    x = _homework_data(4, 10.0, n=150)
    w0, mu0 = _random_init(9, x)
    w, mu, history = ref.fit_gmm_em(x, w0, mu0, n_iters)
    assert history.shape == (n_iters + 1,)
    start = float(np.mean(_scipy_log_density(x.numpy(), w0.numpy(), mu0.numpy())))
    end = float(np.mean(_scipy_log_density(x.numpy(), w.numpy(), mu.numpy())))
    assert math.isclose(float(history[0]), start, rel_tol=1e-11)
    assert math.isclose(float(history[-1]), end, rel_tol=1e-11)
    if n_iters == 0:
        assert torch.equal(w, w0) and torch.equal(mu, mu0)
    if n_iters == 1:
        exp_w, exp_mu = _em_step_numpy(x.numpy(), w0.numpy(), mu0.numpy())
        np.testing.assert_allclose(w.numpy(), exp_w, rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(mu.numpy(), exp_mu, rtol=1e-9, atol=1e-10)
