"""Independent proofs of the hw4 1.2 reference: ``gibbs_distribution``, ``nll_loss``, ``nll_loss_grad``.

No expected value here is produced by the function under test. They come from closed forms
written out by hand, exact rational arithmetic (``fractions.Fraction``), explicit loops over the
Python ``math`` module, 50-digit ``mpmath``, finite differences, and ``torch.autograd`` through a
small energy model.
"""
from __future__ import annotations

import math
import random
from fractions import Fraction

import mpmath
import pytest
import torch
from hypothesis import given, settings, strategies as st

from reference import energy_models as ref

HYPOTHESIS = settings(derandomize=True, database=None, deadline=None, max_examples=40)
LN2 = math.log(2.0)
LN3 = math.log(3.0)


def _t(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def _gibbs_math(energies: list[float], beta: float) -> list[float]:
    """p(y) = exp(-beta F_y) / sum exp(-beta F_y'), by explicit loops over ``math`` with the
    minimum energy subtracted first (so no term overflows and the largest weight is exactly 1)."""
    lowest = min(energies)
    weights = [math.exp(-beta * (energy - lowest)) for energy in energies]
    total = 0.0
    for weight in weights:
        total += weight
    return [weight / total for weight in weights]


def _nll_mpmath(energies: list[float], y: int, beta: float) -> mpmath.mpf:
    """F_y + (1/beta) log sum exp(-beta F_y') with 50 significant digits: the ground truth where
    float64 would overflow if computed naively."""
    with mpmath.workdps(50):
        beta_mp = mpmath.mpf(beta)
        total = mpmath.fsum(mpmath.exp(-beta_mp * mpmath.mpf(energy)) for energy in energies)
        return mpmath.mpf(energies[y]) + mpmath.log(total) / beta_mp


energy_lists = st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=8)
betas = st.floats(1e-3, 1e3)


# --------------------------------------------------------------------------- gibbs_distribution


@pytest.mark.parametrize("energies, beta, expected", [
    ([0.0, LN3], 1.0, [0.75, 0.25]),  # weights 1 and 1/3
    ([LN3, 0.0], 2.0, [0.1, 0.9]),  # weights 1/9 and 1
    ([0.0, 0.0, LN2], 1.0, [0.4, 0.4, 0.2]),  # weights 1, 1, 1/2
    ([5.0, 5.0 + LN2 / 3.0], 3.0, [2 / 3, 1 / 3]),  # beta scales the gap: weights 1 and 1/2
])
def test_gibbs_hand_computed_values(energies, beta, expected):
    """Proves the values at points chosen so that the weights exp(-beta F) are 1, 1/2, 1/3 or
    1/9: the probabilities are then simple fractions written out by hand."""
    got = ref.gibbs_distribution(_t(energies), beta)
    torch.testing.assert_close(got, _t(expected), rtol=1e-14, atol=1e-15)


@given(f0=st.floats(-10, 10), f1=st.floats(-10, 10), beta=st.floats(1e-3, 10))
@HYPOTHESIS
def test_gibbs_two_classes_is_a_sigmoid(f0, f1, beta):
    """Proves the two-class case against the closed form p(0) = sigmoid(beta (F1 - F0)),
    p(1) = sigmoid(beta (F0 - F1)), each evaluated as 1 / (1 + math.exp(.))."""
    got = ref.gibbs_distribution(_t([f0, f1]), beta).tolist()
    expected = [1.0 / (1.0 + math.exp(-beta * (f1 - f0))), 1.0 / (1.0 + math.exp(-beta * (f0 - f1)))]
    for g, e in zip(got, expected):
        assert math.isclose(g, e, rel_tol=1e-12, abs_tol=1e-300)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 27])
@pytest.mark.parametrize("energy, beta", [(0.0, 1.0), (-3.5, 0.25), (812.0, 1e3)])
def test_gibbs_equal_energies_give_the_uniform_distribution(n, energy, beta):
    """Proves that n equal energies give exactly 1/n each, whatever the energy and beta
    (including a single answer, which must get probability 1)."""
    got = ref.gibbs_distribution(torch.full((n,), energy, dtype=torch.float64), beta)
    torch.testing.assert_close(got, torch.full((n,), 1.0 / n, dtype=torch.float64),
                               rtol=1e-14, atol=0.0)


@pytest.mark.parametrize("energies", [[0, 1], [3, 1, 4, 1, 5], [-2, 0, 7, 7, 1, -2], [10, 40, 20]])
def test_gibbs_matches_exact_fractions(energies):
    """Proves the values for integer energies at beta = ln 2, where exp(-beta F) = 2^-F exactly:
    the expected probabilities are exact rationals 2^-F_y / sum 2^-F_y' (``fractions.Fraction``)."""
    weights = [Fraction(1, 2 ** k) if k >= 0 else Fraction(2 ** -k) for k in energies]
    total = sum(weights)
    expected = [float(weight / total) for weight in weights]
    got = ref.gibbs_distribution(_t([float(k) for k in energies]), LN2).tolist()
    for g, e in zip(got, expected):
        assert math.isclose(g, e, rel_tol=1e-13)


@given(energies=st.lists(st.floats(-30, 30), min_size=1, max_size=8), beta=st.floats(1e-3, 10))
@HYPOTHESIS
def test_gibbs_matches_naive_math_loops(energies, beta):
    """Proves the definition itself where it cannot overflow (beta |F| <= 300): every
    exp(-beta F_y) is computed with ``math.exp`` in a plain loop, summed and divided, with no
    stabilisation at all."""
    weights = []
    for energy in energies:
        weights.append(math.exp(-beta * energy))
    total = math.fsum(weights)
    got = ref.gibbs_distribution(_t(energies), beta).tolist()
    for g, weight in zip(got, weights):
        assert math.isclose(g, weight / total, rel_tol=1e-11, abs_tol=1e-300)


@given(energies=energy_lists, beta=betas, shift=st.floats(-1e3, 1e3))
@HYPOTHESIS
def test_gibbs_is_invariant_to_adding_a_constant(energies, beta, shift):
    """Proves the invariance p(F + c) = p(F) that follows from exp(-beta c) cancelling between
    numerator and denominator, for |F|, |c| up to 1e3 and beta up to 1e3."""
    base = ref.gibbs_distribution(_t(energies), beta)
    shifted = ref.gibbs_distribution(_t([energy + shift for energy in energies]), beta)
    # F + c is rounded to ~1e-16 |F + c|, an error in the exponent that beta multiplies.
    largest = max(map(abs, energies)) + abs(shift)
    torch.testing.assert_close(shifted, base, rtol=0.0, atol=1e-14 + 4e-15 * beta * largest)


@pytest.mark.parametrize("energies, argmin", [
    ([0.3, 0.1, 0.2], 1),
    ([-1.0, 5.0, -0.9, 2.0], 0),
    ([7.0, 6.5, 8.0, 6.4], 3),
])
def test_gibbs_large_beta_is_one_hot_on_the_argmin(energies, argmin):
    """Proves the zero-temperature limit: with the smallest energy gap 0.1 and beta = 1e4, every
    other weight is at most exp(-1000) relative to the argmin's, so the result is one-hot."""
    got = ref.gibbs_distribution(_t(energies), 1e4)
    expected = torch.zeros(len(energies), dtype=torch.float64)
    expected[argmin] = 1.0
    torch.testing.assert_close(got, expected, rtol=0.0, atol=1e-300)


@given(energies=energy_lists, beta=betas)
@HYPOTHESIS
def test_gibbs_is_stable_for_large_energies_and_beta(energies, beta):
    """Proves numerical stability for |F| up to 1e3 and beta up to 1e3 (beta |F| up to 1e6, far
    past exp's overflow): the result is finite, sums to 1 and matches ``math`` loops that
    subtract the minimum energy before exponentiating."""
    got = ref.gibbs_distribution(_t(energies), beta)
    assert torch.isfinite(got).all()
    assert math.isclose(got.sum().item(), 1.0, rel_tol=1e-12)
    expected = _gibbs_math(energies, beta)
    # beta F is rounded to ~1e-16 |beta F| (up to ~1e-10 here) before exp: a relative error.
    tolerance = 1e-13 + 2e-15 * beta * max(map(abs, energies))
    for g, e in zip(got.tolist(), expected):
        assert math.isclose(g, e, rel_tol=tolerance, abs_tol=1e-300)


# ------------------------------------------------------------------------------------- nll_loss


@pytest.mark.parametrize("energies, y, beta, expected", [
    ([0.0, LN3], 1, 1.0, math.log(4.0)),  # p(1) = 1/4
    ([0.0, LN3], 0, 1.0, math.log(4.0 / 3.0)),  # p(0) = 3/4
    ([2.0, 2.0], 0, 1.0, LN2),  # n equal energies: p = 1/n, loss ln(n) / beta whatever F is
    ([-1.5, -1.5, -1.5, -1.5], 3, 0.5, 2.0 * math.log(4.0)),
    ([4.0], 0, 7.3, 0.0),  # a single answer: p = 1, -log 1 = 0
    ([0.0, 1.0, 3.0], 2, LN2, math.log2(13.0)),  # weights 1, 1/2, 1/8: p(2) = 1/13
])
def test_nll_hand_computed_values(energies, y, beta, expected):
    """Proves the NLL multiplied by 1/beta, F_y + (1/beta) log sum exp(-beta F), at points whose
    value is a closed form worked out by hand."""
    got = ref.nll_loss(_t(energies), y, beta).item()
    assert math.isclose(got, expected, rel_tol=1e-14, abs_tol=1e-15)


@given(energies=st.lists(st.floats(-30, 30), min_size=1, max_size=8), beta=st.floats(1e-2, 10),
       data=st.data())
@HYPOTHESIS
def test_nll_is_minus_log_probability_over_beta(energies, beta, data):
    """Proves nll = -(1/beta) log p(y) where p(y) = exp(-beta F_y) / sum exp(-beta F_y') is
    computed directly with ``math.exp`` and ``math.log`` (no overflow possible here)."""
    y = data.draw(st.integers(0, len(energies) - 1))
    total = math.fsum(math.exp(-beta * energy) for energy in energies)
    expected = -math.log(math.exp(-beta * energies[y]) / total) / beta
    got = ref.nll_loss(_t(energies), y, beta).item()
    assert math.isclose(got, expected, rel_tol=1e-10, abs_tol=1e-10 * max(1.0, max(map(abs, energies))))


@given(energies=energy_lists, beta=st.floats(0.05, 1e3))
@HYPOTHESIS
def test_nll_exponentials_sum_to_one(energies, beta):
    """Proves the normalisation sum_y exp(-beta nll(y)) = sum_y p(y) = 1, summed with
    ``math.fsum`` over the values the reference returns for each y."""
    got = [ref.nll_loss(_t(energies), y, beta).item() for y in range(len(energies))]
    assert all(math.isfinite(value) and value >= -1e-9 for value in got)  # -log p >= 0
    # exp(-beta nll) carries the absolute error of nll (~1e-16 |F|) multiplied by beta.
    tolerance = 1e-13 + 4e-15 * beta * max(map(abs, energies))
    assert math.isclose(math.fsum(math.exp(-beta * value) for value in got), 1.0, rel_tol=tolerance)


@pytest.mark.parametrize("energies, beta", [
    ([1000.0, -1000.0, 3.0], 1e3),
    ([-999.5, -1000.0, -998.0, -1000.0], 1e3),
    ([1000.0, 1000.0 + 1e-3, 999.0], 1e3),
    ([750.25, -20.0, 0.0, 999.9], 1.0),
    ([-1000.0, 1000.0], 0.75),
])
def test_nll_matches_mpmath_at_large_energies_and_beta(energies, beta):
    """Proves the value at |F| ~ 1e3 and beta ~ 1e3, where exp(-beta F) overflows float64,
    against a 50-digit ``mpmath`` evaluation of F_y + (1/beta) log sum exp(-beta F)."""
    for y in range(len(energies)):
        got = ref.nll_loss(_t(energies), y, beta).item()
        assert math.isfinite(got)
        assert math.isclose(got, float(_nll_mpmath(energies, y, beta)), rel_tol=1e-12, abs_tol=1e-9)


@pytest.mark.parametrize("energies", [[0.3, 0.1, 0.2], [-1.0, 5.0, -0.9, 2.0], [7.0, 7.0, 6.4]])
def test_nll_large_beta_tends_to_the_perceptron_loss(energies):
    """Proves the zero-temperature limit: as beta grows, (1/beta) log sum exp(-beta F) tends to
    -min F, so nll(y) tends to F_y - min F (the perceptron loss); checked at beta = 1e6, where
    the remaining term (1/beta) log(number of minima) is below 1e-6."""
    for y in range(len(energies)):
        got = ref.nll_loss(_t(energies), y, 1e6).item()
        assert math.isclose(got, energies[y] - min(energies), abs_tol=1e-5)


# -------------------------------------------------------------------------------- nll_loss_grad

GRAD_CASES = [  # (model, beta, scale of the energies, seed)
    ("tanh", 0.5, 1.0, 0),
    ("tanh", 1.0, 1.0, 1),
    ("tanh", 7.3, 1.0, 2),
    ("tanh", 7.3, 3.0, 3),
    ("tanh", 1e3, 1e3, 4),  # |F| ~ 1e3 and beta = 1e3: exp(-beta F) overflows float64
    ("linear", 1.0, 1.0, 5),
    ("linear", 1e3, 1e3, 6),  # two energies 1e-3 apart near -1e3: p is far from one-hot
]


def _model_case(kind: str, scale: float, seed: int, n: int = 5, p: int = 4):
    """A small energy model F_W(x, .) with n answers and p weights, and the point W0 where it is
    evaluated. "tanh": F = scale tanh(a W). "linear": F = offsets + a (W - W0), whose two lowest
    offsets are 1e-6 * scale apart (at scale = beta = 1e3 their Gibbs weights differ by e^-1)."""
    generator = torch.Generator().manual_seed(seed)
    a = torch.randn(n, p, generator=generator, dtype=torch.float64)
    w0 = torch.randn(p, generator=generator, dtype=torch.float64) * 0.5
    if kind == "tanh":
        return (lambda w: scale * torch.tanh(a @ w)), w0
    offsets = scale * _t([-1.0, -0.999999, 0.5, 1.0, -0.25])
    return (lambda w: offsets + a @ (w - w0)), w0


@pytest.mark.parametrize("kind, beta, scale, seed", GRAD_CASES)
def test_nll_grad_matches_autograd_through_a_model(kind, beta, scale, seed):
    """Proves d nll / dW against ``torch.autograd.grad`` of nll_loss (itself proven above) through
    a small energy model F_W(x, y); the Jacobian dF/dW handed to the reference comes from
    ``torch.autograd.functional.jacobian``. Every y is checked."""
    model, w0 = _model_case(kind, scale, seed)
    jacobian = torch.autograd.functional.jacobian(model, w0)
    energies = model(w0)
    for y in range(energies.shape[0]):
        w = w0.clone().requires_grad_(True)
        (expected,) = torch.autograd.grad(ref.nll_loss(model(w), y, beta), w)
        got = ref.nll_loss_grad(energies, jacobian, y, beta)
        assert got.shape == w0.shape
        assert torch.isfinite(got).all()
        torch.testing.assert_close(got, expected, rtol=1e-10, atol=1e-10 * scale)


@pytest.mark.parametrize("kind, beta, scale, seed", GRAD_CASES)
def test_nll_grad_matches_mpmath_expectation(kind, beta, scale, seed):
    """Proves grad = dF_y/dW - sum_y' p(y') dF_y'/dW with the Gibbs weights p and the weighted
    sum evaluated in 50-digit ``mpmath`` (finite where float64 exp would overflow)."""
    model, w0 = _model_case(kind, scale, seed)
    energies = model(w0)
    jacobian = torch.autograd.functional.jacobian(model, w0)
    rows = jacobian.tolist()
    with mpmath.workdps(50):
        beta_mp = mpmath.mpf(beta)
        weights = [mpmath.exp(-beta_mp * mpmath.mpf(energy)) for energy in energies.tolist()]
        total = mpmath.fsum(weights)
        for y in range(len(rows)):
            expected = [float(mpmath.mpf(rows[y][j])
                              - mpmath.fsum(weights[k] / total * rows[k][j] for k in range(len(rows))))
                        for j in range(len(rows[y]))]
            got = ref.nll_loss_grad(energies, jacobian, y, beta)
            assert torch.isfinite(got).all()
            # beta F is rounded to ~1e-16 |beta F|: an error in the exponent of up to ~1e-10 here.
            torch.testing.assert_close(got, _t(expected), rtol=1e-9, atol=1e-9 * scale)


@pytest.mark.parametrize("beta, scale, seed", [case[1:] for case in GRAD_CASES[:4]])
def test_nll_grad_matches_finite_differences(beta, scale, seed):
    """Proves the gradient by central finite differences (h = 1e-6) of the NLL written out with
    the ``math`` module, through F_W(x, y) = scale tanh(a_y . W), whose Jacobian
    dF_y/dW_j = scale (1 - tanh(a_y . W)^2) a_yj is also written out by hand: no torch autograd."""
    generator = torch.Generator().manual_seed(seed)
    a_rows = torch.randn(5, 4, generator=generator, dtype=torch.float64).tolist()
    w_list = (torch.randn(4, generator=generator, dtype=torch.float64) * 0.5).tolist()

    def energies_math(w):
        return [scale * math.tanh(math.fsum(x * v for x, v in zip(row, w))) for row in a_rows]

    def nll_math(w, y):
        energies = energies_math(w)
        lowest = min(energies)
        return energies[y] - lowest + math.log(
            math.fsum(math.exp(-beta * (energy - lowest)) for energy in energies)) / beta

    jacobian = _t([[scale * (1.0 - math.tanh(math.fsum(x * v for x, v in zip(row, w_list))) ** 2) * x
                    for x in row] for row in a_rows])
    h = 1e-6
    for y in range(len(a_rows)):
        expected = []
        for j in range(len(w_list)):
            up, down = list(w_list), list(w_list)
            up[j] += h
            down[j] -= h
            expected.append((nll_math(up, y) - nll_math(down, y)) / (2 * h))
        got = ref.nll_loss_grad(_t(energies_math(w_list)), jacobian, y, beta)
        torch.testing.assert_close(got, _t(expected), rtol=1e-6, atol=1e-7)


def test_nll_grad_linear_model_closed_form():
    """Proves a hand-worked case: linear energies F = A W with A = I (so dF/dW = I),
    F = (0, ln 3), beta = 1 gives p = (3/4, 1/4), hence grad at y = 0 is e_0 - p = (1/4, -1/4)
    and at y = 1 is e_1 - p = (-3/4, 3/4)."""
    energies, jacobian = _t([0.0, LN3]), torch.eye(2, dtype=torch.float64)
    torch.testing.assert_close(ref.nll_loss_grad(energies, jacobian, 0, 1.0), _t([0.25, -0.25]),
                               rtol=0.0, atol=1e-15)
    torch.testing.assert_close(ref.nll_loss_grad(energies, jacobian, 1, 1.0), _t([-0.75, 0.75]),
                               rtol=0.0, atol=1e-15)


def test_nll_grad_vanishes_when_all_energy_gradients_are_equal():
    """Proves that when every dF_y/dW is the same vector g, the gradient is g - (sum_y p_y) g = 0
    for any energies (the probabilities sum to one), here with random F and beta = 7.3."""
    rng = random.Random(7)
    energies = _t([rng.uniform(-5, 5) for _ in range(6)])
    jacobian = _t([[1.5, -2.0, 0.25]] * 6)
    for y in range(6):
        torch.testing.assert_close(ref.nll_loss_grad(energies, jacobian, y, 7.3),
                                   torch.zeros(3, dtype=torch.float64), rtol=0.0, atol=1e-14)
