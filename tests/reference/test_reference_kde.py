"""Independent proofs of the final 1.3 reference: ``kde_log_density`` and ``select_kde_sigma``.

No expected value here is produced by the function under test. They come from a brute-force
double loop over the ``math`` module, ``scipy.stats.multivariate_normal`` with covariance
sigma I (sigma is the VARIANCE), numerical integration with ``scipy.integrate.dblquad``, and an
argmax over validation scores computed with the formula written out in NumPy.
"""
from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st
from scipy.integrate import dblquad
from scipy.special import logsumexp
from scipy.stats import multivariate_normal

from reference import kde as ref

HYPOTHESIS = settings(derandomize=True, database=None, deadline=None, max_examples=40)




def _t(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def _kde_math(queries, train, sigma: float) -> list[float]:
    """log (1/n) sum_i (1 / (2 pi sigma)) exp(-|x - x_i|^2 / (2 sigma)) by a plain double loop
    with ``math.exp``, no stabilisation (only used where nothing underflows)."""
    out = []
    for xq in queries:
        total = 0.0
        for xi in train:
            d2 = (xq[0] - xi[0]) ** 2 + (xq[1] - xi[1]) ** 2
            total += math.exp(-d2 / (2 * sigma)) / (2 * math.pi * sigma)
        out.append(math.log(total / len(train)))
    return out


def _kde_scipy(queries, train, sigma: float) -> np.ndarray:
    """log (1/n) sum_i N(x; x_i, sigma I_2) with scipy's logpdf (cov = sigma I) and logsumexp."""
    queries, train = np.asarray(queries), np.asarray(train)
    logs = np.stack([np.atleast_1d(multivariate_normal.logpdf(queries, mean=xi,
                                                              cov=sigma * np.eye(2)))
                     for xi in train], axis=1)
    return logsumexp(logs, axis=1) - math.log(len(train))


points = st.tuples(st.floats(-3, 3), st.floats(-3, 3))


@given(train=st.lists(points, min_size=1, max_size=6), queries=st.lists(points, min_size=1,
       max_size=4), sigma=st.floats(0.3, 5.0))
@HYPOTHESIS
def test_kde_matches_brute_force_math_loop(train, queries, sigma):
    """Proves the definition on small inputs (n <= 6 training points, m <= 4 queries) against a
    double loop with ``math.exp``, with sigma the variance of the kernel."""
    got = ref.kde_log_density(_t(queries), _t(train), sigma).tolist()
    expected = _kde_math(queries, train, sigma)
    assert len(got) == len(queries)
    for g, e in zip(got, expected):
        assert math.isclose(g, e, rel_tol=1e-11, abs_tol=1e-11)


def test_kde_single_point_hand_value():
    """Proves one value by hand: one training point at 0, query at distance^2 = 2 sigma with
    sigma = 2 (variance): log N = -1 - log(2 pi 2) = -1 - log(4 pi). A kernel using sigma as a
    standard deviation would give -1/4 - log(8 pi) instead."""
    got = float(ref.kde_log_density(_t([[2.0, 0.0]]), _t([[0.0, 0.0]]), 2.0)[0])
    assert math.isclose(got, -1.0 - math.log(4 * math.pi), rel_tol=1e-14)


@pytest.mark.parametrize("seed, n, m", [(0, 5, 3), (1, 40, 30), (2, 200, 50)])
@pytest.mark.parametrize("sigma", [0.05, 1.0, 9.0])
def test_kde_matches_scipy_with_variance_sigma(seed, n, m, sigma):
    """Proves the KDE against scipy ``multivariate_normal.logpdf`` with cov = sigma I (sigma is
    the VARIANCE) and ``logsumexp``, including sizes that use torch's matrix-product distances
    and a small sigma where the naive sum would lose most terms."""
    rng = np.random.default_rng(seed)
    train = rng.normal(scale=2.0, size=(n, 2))
    queries = rng.normal(scale=2.0, size=(m, 2))
    got = ref.kde_log_density(_t(queries), _t(train), sigma).numpy()
    assert got.shape == (m,)
    np.testing.assert_allclose(got, _kde_scipy(queries, train, sigma), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("sigma", [0.3, 2.0])
def test_kde_integrates_to_one(sigma):
    """Proves normalisation: exp(kde) integrated with ``scipy.integrate.dblquad`` over the box
    [-L, L]^2, L = 1 + 12 sqrt(sigma) (every kernel's mass outside is below exp(-70)), equals 1
    to 1e-6 for 3 training points. A wrong constant (a missing 1/n, 1/(2 pi sigma) written with
    sigma^2 while the exponent uses sigma, ...) changes the mass; which of variance and standard
    deviation sigma is, is settled by the scipy comparison and the hand value above."""
    train = _t([[0.0, 0.0], [1.0, -0.5], [-0.7, 0.8]])
    bound = 1.0 + 12.0 * math.sqrt(sigma)

    def density(y, x):
        return float(torch.exp(ref.kde_log_density(_t([[x, y]]), train, sigma))[0])

    value, error = dblquad(density, -bound, bound, -bound, bound, epsabs=1e-8, epsrel=1e-8)
    assert error < 1e-7
    assert abs(value - 1.0) < 1e-6


def test_kde_far_queries_are_finite():
    """Proves the log-domain computation at queries ~1e3 away with sigma = 0.1: every kernel
    value exp(-5e6) underflows to 0 (checked), yet the log-density is finite and equals scipy's
    logpdf + logsumexp (relative 1e-12)."""
    train = np.array([[0.0, 0.0], [1.0, 1.0], [-1.0, 2.0]])
    queries = np.array([[1e3, 0.0], [-700.0, 700.0], [0.0, -1e3]])
    assert math.exp(-(1e3 ** 2) / (2 * 0.1)) == 0.0
    got = ref.kde_log_density(_t(queries), _t(train), 0.1).numpy()
    assert np.all(np.isfinite(got))
    np.testing.assert_allclose(got, _kde_scipy(queries, train, 0.1), rtol=1e-12)


# ----------------------------------------------------------------------------- select_kde_sigma


def _val_scores(train, val, sigmas) -> list[float]:
    """Mean validation log-likelihood per sigma, from the formula written out in NumPy:
    log (1/n) sum_i exp(-|v - x_i|^2 / (2 sigma)) / (2 pi sigma), via scipy logsumexp."""
    train, val = np.asarray(train, dtype=float), np.asarray(val, dtype=float)
    d2 = ((val[:, None, :] - train[None, :, :]) ** 2).sum(-1)
    return [float(np.mean(logsumexp(-d2 / (2 * s) - math.log(2 * math.pi * s), axis=1)
                          - math.log(len(train)))) for s in sigmas]


def _first_argmax(scores: list[float]) -> int:
    best = 0
    for index, score in enumerate(scores):
        if score > scores[best]:
            best = index
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("order", ["increasing", "decreasing", "shuffled"])
def test_select_kde_sigma_is_the_argmax(seed, order):
    """Proves the choice against the argmax of the mean validation log-likelihood computed with
    the NumPy formula, for sigmas given in increasing, decreasing and shuffled order (so the result cannot be
    a position), on GMM-like data where the best sigma is interior; the scores at the chosen
    sigma are checked to be a strict maximum over the others here."""
    rng = np.random.default_rng(seed)
    centres = np.array([[3.0, 0.0], [-3.0, 0.0], [0.0, 3.0]])
    train = centres[rng.integers(0, 3, 150)] + rng.normal(size=(150, 2))
    val = centres[rng.integers(0, 3, 60)] + rng.normal(size=(60, 2))
    sigmas = [0.01, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 20.0]
    if order == "decreasing":
        sigmas = sigmas[::-1]
    elif order == "shuffled":
        sigmas = [sigmas[i] for i in rng.permutation(len(sigmas))]
    scores = _val_scores(train, val, sigmas)
    best = _first_argmax(scores)
    assert sigmas[best] not in (0.01, 20.0)
    got = ref.select_kde_sigma(_t(train), _t(val), sigmas)
    assert isinstance(got, float)
    assert got == sigmas[best]


def test_select_kde_sigma_tie_goes_to_the_first():
    """Proves the tie rule. (1) The same sigma passed twice ties, and the returned value is that
    sigma, whether the duplicate comes first or later, and with the list in decreasing order
    ([5.0, 2.0, 0.5, 0.5], s* = 0.5 best by the NumPy scores). (2) A tie between two DIFFERENT
    sigmas, observable by value: one training point at 0 and one validation point at distance^2
    = 4 give the score -2 / s - log(2 pi s), maximal at s = 2 (by hand: derivative 2 / s^2 - 1 / s);
    s = 2 and s' = 2 + 1 ulp differ in score by ~1e-32 (second order at the maximum), so the
    float64 scores are identical (checked with ``math`` and with the NumPy formula). The first
    given must win in both orders."""
    rng = np.random.default_rng(3)
    train = rng.normal(size=(40, 2))
    val = rng.normal(size=(20, 2))
    assert _first_argmax(_val_scores(train, val, [5.0, 2.0, 0.5])) == 2
    assert ref.select_kde_sigma(_t(train), _t(val), [0.5, 5.0, 0.5]) == 0.5
    assert ref.select_kde_sigma(_t(train), _t(val), [5.0, 2.0, 0.5, 0.5]) == 0.5

    s1, s2 = 2.0, float(np.nextafter(2.0, 3.0))
    assert s1 != s2
    by_hand = [-4.0 / (2 * s) - math.log(2 * math.pi * s) for s in (s1, s2)]
    assert by_hand[0] == by_hand[1]
    numpy_scores = _val_scores([[0.0, 0.0]], [[2.0, 0.0]], [s1, s2])
    assert numpy_scores[0] == numpy_scores[1]
    one, point = _t([[0.0, 0.0]]), _t([[2.0, 0.0]])
    assert ref.select_kde_sigma(one, point, [s1, s2]) == s1
    assert ref.select_kde_sigma(one, point, [s2, s1]) == s2
    assert ref.select_kde_sigma(one, point, [3.0, s2, s1, 1.0]) == s2


def test_select_kde_sigma_accepts_a_tensor_and_single_sigma():
    """Proves that sigmas may be a tensor (value returned as a Python float equal to the NumPy
    argmax) and that a single candidate is returned as is."""
    rng = np.random.default_rng(4)
    train, val = rng.normal(size=(30, 2)), rng.normal(size=(10, 2))
    sigmas = [3.0, 0.7, 0.1]
    best = sigmas[_first_argmax(_val_scores(train, val, sigmas))]
    got = ref.select_kde_sigma(_t(train), _t(val), _t(sigmas))
    assert isinstance(got, float) and got == best
    assert ref.select_kde_sigma(_t(train), _t(val), [0.37]) == 0.37
