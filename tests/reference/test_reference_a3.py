"""Independent proofs of the a3 reference: MAP inference, free energy and partition function
(``energy_models``), the EBM losses (``ebm_losses``), the gradients of three linear machines
(``linear_models``), latent-variable inference and free energies (``latent_variables``) and the
structured-output counts (``structured_outputs``).

No expected value here is produced by the function under test. They come from closed forms
worked out by hand, plain Python loops over lists with the ``math`` module, 50-digit ``mpmath``,
exact rational arithmetic (``fractions.Fraction``: the lasso minimum by brute force over every
sign pattern, least-squares solutions), ``torch.autograd`` of the losses as the lecture states
them, ``torch.nn.functional.nll_loss``, and exact Python integer products.
"""
from __future__ import annotations

import itertools
import math
from fractions import Fraction

import mpmath
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings, strategies as st

from reference import ebm_losses, energy_models, latent_variables, linear_models
from reference import structured_outputs

HYPOTHESIS = settings(derandomize=True, database=None, deadline=None, max_examples=40)
FEW = settings(derandomize=True, database=None, deadline=None, max_examples=15)
LN2 = math.log(2.0)
LN3 = math.log(3.0)


def _t(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def _first_argmin(values: list) -> int:
    """The first index of the smallest value, by a loop with a strict comparison."""
    best = 0
    for index, value in enumerate(values):
        if value < values[best]:
            best = index
    return best


def _log_sum_exp_mpmath(values: list[float], beta: float) -> mpmath.mpf:
    """log sum exp(-beta v) with 50 significant digits (finite where float64 exp overflows)."""
    with mpmath.workdps(50):
        beta_mp = mpmath.mpf(beta)
        return mpmath.log(mpmath.fsum(mpmath.exp(-beta_mp * mpmath.mpf(v)) for v in values))


energy_lists = st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=8)
small_energy_lists = st.lists(st.floats(-30, 30), min_size=1, max_size=8)
tied_energy_lists = st.lists(st.sampled_from([-2.0, -1.0, 0.0, 0.5, 3.0]), min_size=1, max_size=9)


# ------------------------------------------------------------------- map_inference (t.infer)


@pytest.mark.parametrize("energies, expected", [
    ([0.3, 0.1, 0.2], 1),
    ([-1.0, 5.0, -0.9], 0),
    ([7.0], 0),
    ([2.0, 1.0, 1.0, 3.0], 1),  # tie: the first lowest
    ([0.0, 0.0, 0.0], 0),
    ([5.0, -1e3, 4.0, -1e3], 1),
])
def test_map_inference_hand_values(energies, expected):
    """Proves argmin on hand-checked lists, including ties (the first lowest index) and a single
    answer; the result is a Python int."""
    got = energy_models.map_inference(_t(energies))
    assert type(got) is int and got == expected


@given(energies=st.one_of(energy_lists, tied_energy_lists))
@HYPOTHESIS
def test_map_inference_matches_a_loop(energies):
    """Proves argmin against a Python loop keeping the first strictly smaller value, on lists with
    many ties as well as arbitrary floats."""
    assert energy_models.map_inference(_t(energies)) == _first_argmin(energies)


# -------------------------------------------------------------------- free_energy (t.free)


@pytest.mark.parametrize("energies, beta, expected", [
    ([0.0, LN3], 1.0, -math.log(4.0 / 3.0)),  # Z = 1 + 1/3
    ([2.0, 2.0], 1.0, 2.0 - LN2),  # n equal energies: F = E - ln(n) / beta
    ([-1.5, -1.5, -1.5, -1.5], 0.5, -1.5 - 2.0 * math.log(4.0)),
    ([4.0], 7.3, 4.0),  # a single answer: F = E
    ([0.0, 1.0, 3.0], LN2, -math.log2(1.625)),  # weights 1, 1/2, 1/8
])
def test_free_energy_hand_values(energies, beta, expected):
    """Proves F = -(1/beta) log sum exp(-beta E) at points whose Z is a simple sum worked out by
    hand, and that the result is a 0-d tensor (the standard sign: F <= min E)."""
    got = energy_models.free_energy(_t(energies), beta)
    assert got.shape == ()
    assert math.isclose(got.item(), expected, rel_tol=1e-14, abs_tol=1e-15)


@given(energies=small_energy_lists, beta=st.floats(1e-2, 10))
@HYPOTHESIS
def test_free_energy_is_minus_log_z_over_beta(energies, beta):
    """Proves F = -(1/beta) log Z with Z = math.fsum of math.exp(-beta E) (no overflow possible
    at beta |E| <= 300), and the same relation between the reference's own free_energy and
    partition_function (through math.log)."""
    z_math = math.fsum(math.exp(-beta * energy) for energy in energies)
    got = energy_models.free_energy(_t(energies), beta).item()
    tolerance = 1e-12 * max(1.0, max(map(abs, energies)))
    assert math.isclose(got, -math.log(z_math) / beta, rel_tol=1e-12, abs_tol=tolerance)
    z_ref = energy_models.partition_function(_t(energies), beta).item()
    assert math.isclose(got, -math.log(z_ref) / beta, rel_tol=1e-12, abs_tol=tolerance)


@given(energies=energy_lists, beta=st.floats(1e-3, 1e3))
@HYPOTHESIS
def test_free_energy_is_between_min_minus_log_n_over_beta_and_min(energies, beta):
    """Proves the bounds min E - ln(n)/beta <= F <= min E (Z lies between exp(-beta min E) and
    n exp(-beta min E)), which give F -> min E as beta grows; |E| up to 1e3, beta up to 1e3,
    where exp(-beta E) overflows, so the result must also be finite."""
    got = energy_models.free_energy(_t(energies), beta).item()
    lowest, slack = min(energies), 1e-12 * max(1.0, max(map(abs, energies)))
    assert math.isfinite(got)
    assert lowest - math.log(len(energies)) / beta - slack <= got <= lowest + slack


@pytest.mark.parametrize("energies, beta", [
    ([1000.0, -1000.0, 3.0], 1e3),
    ([-999.5, -1000.0, -998.0, -1000.0], 1e3),
    ([750.25, -20.0, 0.0, 999.9], 1.0),
    ([1000.0, 1000.0 + 1e-3, 999.0], 1e3),
])
def test_free_energy_matches_mpmath_at_large_energies(energies, beta):
    """Proves the value where exp(-beta E) overflows float64, against a 50-digit ``mpmath``
    evaluation of -(1/beta) log sum exp(-beta E)."""
    got = energy_models.free_energy(_t(energies), beta).item()
    expected = float(-_log_sum_exp_mpmath(energies, beta) / beta)
    assert math.isclose(got, expected, rel_tol=1e-13, abs_tol=1e-12)


@pytest.mark.parametrize("energies", [[0.3, 0.1, 0.2], [-1.0, 5.0, -0.9, 2.0], [7.0, 7.0, 6.4]])
def test_free_energy_tends_to_the_minimum_energy(energies):
    """Proves lim_{beta -> inf} F = min E: at beta = 1e6 the remaining -(1/beta) log(number of
    minima) and the exp(-beta gap) terms are below 1e-6."""
    assert math.isclose(energy_models.free_energy(_t(energies), 1e6).item(), min(energies),
                        abs_tol=1e-6)


# ------------------------------------------------------------------ partition_function (t.Z)


@pytest.mark.parametrize("energies, beta, expected", [
    ([0.0, LN2, math.log(4.0)], 1.0, 1.75),  # 1 + 1/2 + 1/4
    ([0.0, 0.0, 0.0], 3.0, 3.0),
    ([-LN3], 2.0, 9.0),
    ([1.0, 2.0], LN2, 0.75),  # 2^-1 + 2^-2
])
def test_partition_function_hand_values(energies, beta, expected):
    """Proves Z = sum exp(-beta E) at points where each term is 1, 1/2, 1/4 or 9, and that the
    result is a 0-d tensor."""
    got = energy_models.partition_function(_t(energies), beta)
    assert got.shape == ()
    assert math.isclose(got.item(), expected, rel_tol=1e-14)


@given(energies=st.lists(st.floats(-70, 70), min_size=1, max_size=8), beta=st.floats(1e-3, 10))
@HYPOTHESIS
def test_partition_function_matches_math_fsum(energies, beta):
    """Proves Z against ``math.fsum`` of ``math.exp(-beta E)`` in a plain loop (beta |E| <= 700:
    every term is finite)."""
    expected = math.fsum(math.exp(-beta * energy) for energy in energies)
    got = energy_models.partition_function(_t(energies), beta).item()
    # exp(-beta E) carries the rounding of beta E (~1e-16 beta |E|) as a relative error.
    assert math.isclose(got, expected, rel_tol=1e-13 + 4e-16 * beta * max(map(abs, energies)))


def test_partition_function_overflows_and_underflows_like_float64():
    """Proves the documented behaviour at the edges of float64: Z = inf when some exp(-beta E)
    exceeds the largest double (math.exp raises OverflowError there), and Z = 0 when every term
    is below the smallest subnormal (math.exp returns 0.0)."""
    with pytest.raises(OverflowError):
        math.exp(1000.0)
    assert energy_models.partition_function(_t([-1000.0, 0.0]), 1.0).item() == math.inf
    assert energy_models.partition_function(_t([1.0, -1.0]), 1e3).item() == math.inf
    assert math.exp(-1000.0) == 0.0
    assert energy_models.partition_function(_t([1000.0, 800.0]), 1.0).item() == 0.0


# ------------------------------------------------------------- energy and perceptron losses


@given(energies=energy_lists, data=st.data())
@HYPOTHESIS
def test_energy_loss_is_the_energy_of_the_correct_answer(energies, data):
    """Proves L_energy = E(y) exactly (a lookup), for y as a Python int and as a 0-d long tensor;
    the result is 0-d."""
    y = data.draw(st.integers(0, len(energies) - 1))
    for index in (y, torch.tensor(y)):
        got = ebm_losses.energy_loss(_t(energies), index)
        assert got.shape == () and got.item() == energies[y]


@given(energies=st.one_of(energy_lists, tied_energy_lists), data=st.data())
@HYPOTHESIS
def test_perceptron_loss_matches_a_loop(energies, data):
    """Proves L_perceptron = E(y) - min E with the minimum found by a Python loop (exact: one
    subtraction of two doubles), and that it is 0 exactly at every lowest-energy answer."""
    y = data.draw(st.integers(0, len(energies) - 1))
    lowest = energies[0]
    for energy in energies:
        lowest = min(lowest, energy)
    got = ebm_losses.perceptron_loss(_t(energies), y).item()
    assert got == energies[y] - lowest
    assert (got == 0.0) == (energies[y] == lowest)


def test_perceptron_loss_hand_values():
    """Proves hand values: E = (3, 1, 2) gives losses 2, 0, 1."""
    energies = _t([3.0, 1.0, 2.0])
    assert [ebm_losses.perceptron_loss(energies, y).item() for y in range(3)] == [2, 0, 1]


# --------------------------------------------------------------- log_likelihood_loss (t.nll)


@pytest.mark.parametrize("energies, y, beta, expected", [
    ([0.0, LN3], 1, 1.0, math.log(4.0)),  # p(1) = 1/4
    ([0.0, LN3], 0, 1.0, math.log(4.0 / 3.0)),
    ([4.0], 0, 7.3, 0.0),
    ([0.0, 1.0, 3.0], 2, LN2, math.log2(13.0)),  # weights 1, 1/2, 1/8: p(2) = 1/13
])
def test_log_likelihood_loss_hand_values(energies, y, beta, expected):
    """Proves L_ll = E(y) + (1/beta) log sum exp(-beta E) = -(1/beta) log p(y) at points whose
    probability p(y) is a simple fraction."""
    got = ebm_losses.log_likelihood_loss(_t(energies), y, beta).item()
    assert math.isclose(got, expected, rel_tol=1e-14, abs_tol=1e-15)


@given(energies=small_energy_lists, beta=st.floats(1e-2, 10), data=st.data())
@HYPOTHESIS
def test_log_likelihood_loss_is_minus_log_probability_over_beta(energies, beta, data):
    """Proves L_ll = -(1/beta) log p(y), p computed with ``math.exp`` in a loop."""
    y = data.draw(st.integers(0, len(energies) - 1))
    total = math.fsum(math.exp(-beta * energy) for energy in energies)
    expected = -math.log(math.exp(-beta * energies[y]) / total) / beta
    got = ebm_losses.log_likelihood_loss(_t(energies), y, beta).item()
    assert math.isclose(got, expected, rel_tol=1e-10,
                        abs_tol=1e-10 * max(1.0, max(map(abs, energies))))


@pytest.mark.parametrize("energies, beta", [([1000.0, -1000.0, 3.0], 1e3),
                                             ([-1000.0, 1000.0], 0.75)])
def test_log_likelihood_loss_matches_mpmath_at_large_energies(energies, beta):
    """Proves stability where exp(-beta E) overflows, against 50-digit ``mpmath``."""
    for y in range(len(energies)):
        got = ebm_losses.log_likelihood_loss(_t(energies), y, beta).item()
        expected = float(energies[y] + _log_sum_exp_mpmath(energies, beta) / beta)
        assert math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-9)


def test_log_likelihood_loss_reuses_hw4_nll_loss(monkeypatch):
    """Proves that the a3 loss is hw4's ``nll_loss`` called, not a copy of its formula: replacing
    the imported function changes what log_likelihood_loss returns, arguments passed through."""
    calls = []

    def sentinel(energies, y, beta):
        calls.append((energies.tolist(), y, beta))
        return torch.tensor(-42.0, dtype=torch.float64)

    monkeypatch.setattr(ebm_losses, "nll_loss", sentinel)
    assert ebm_losses.log_likelihood_loss(_t([1.0, 2.0]), 1, 0.5).item() == -42.0
    assert calls == [([1.0, 2.0], 1, 0.5)]


# ------------------------------------------------------------------------ margin_loss (t.hinge)


def _margin_loop(energies: list[float], y: int, margin: float) -> float:
    """[m + E(y) - E(y')]^+ maximised over every incorrect y' != y by a loop (0 when none)."""
    worst = 0.0
    for other, energy in enumerate(energies):
        if other != y:
            worst = max(worst, margin + energies[y] - energy)
    return worst


@pytest.mark.parametrize("energies, y, margin, expected", [
    ([1.0, 3.0, 2.0], 0, 0.5, 0.0),  # nearest incorrect 2.0 is 1.0 above: margin met
    ([1.0, 3.0, 2.0], 0, 1.5, 0.5),  # 1.5 + 1 - 2
    ([1.0, 3.0, 2.0], 1, 1.0, 3.0),  # 1 + 3 - 1: the most offending answer is the lowest one
    ([2.0, 2.0], 1, 1.0, 1.0),  # a tie with an incorrect answer violates the margin fully
    ([5.0], 0, 10.0, 0.0),  # n = 1: no incorrect answer, loss 0
])
def test_margin_loss_hand_values(energies, y, margin, expected):
    """Proves hand values, including ties between the correct and an incorrect answer and the
    documented n = 1 case (no incorrect answer: 0.0); the result is 0-d."""
    got = ebm_losses.margin_loss(_t(energies), y, margin)
    assert got.shape == () and got.item() == expected


@given(energies=st.one_of(energy_lists, tied_energy_lists), margin=st.floats(0, 10), data=st.data())
@HYPOTHESIS
def test_margin_loss_matches_brute_force(energies, margin, data):
    """Proves L_hinge against a Python loop over every incorrect answer y' != y, for y as a
    Python int and as a 0-d long tensor."""
    y = data.draw(st.integers(0, len(energies) - 1))
    expected = _margin_loop(energies, y, margin)
    for index in (y, torch.tensor(y)):
        got = ebm_losses.margin_loss(_t(energies), index, margin).item()
        assert math.isclose(got, expected, rel_tol=1e-15, abs_tol=1e-12)


# ------------------------------------------------------------------- cost_augmented_loss (t.cost)


@pytest.mark.parametrize("energies, y, costs, expected", [
    ([1.0, 3.0, 2.0], 0, [0.0, 1.0, 2.0], 1.0),  # y'=2: 2 + 1 - 2 = 1 beats y'=1: 1 + 1 - 3 < 0
    ([1.0, 3.0, 2.0], 0, [0.0, 1.0, 0.5], 0.0),  # every answer far enough above
    ([1.0, 3.0, 2.0], 1, [1.0, 0.0, 1.0], 3.0),  # y'=0: 1 + 3 - 1
    ([4.0], 0, [0.0], 0.0),
])
def test_cost_augmented_loss_hand_values(energies, y, costs, expected):
    """Proves hand values of max_y' [costs[y'] + E(y) - E(y')]^+; the result is 0-d."""
    got = ebm_losses.cost_augmented_loss(_t(energies), y, _t(costs))
    assert got.shape == () and got.item() == expected


@given(energies=st.one_of(energy_lists, tied_energy_lists), data=st.data())
@HYPOTHESIS
def test_cost_augmented_loss_matches_a_loop(energies, data):
    """Proves the loss against a Python loop over every y' of max(0, costs[y'] + E(y) - E(y')),
    with random costs >= 0 and costs[y] = 0."""
    n = len(energies)
    y = data.draw(st.integers(0, n - 1))
    costs = data.draw(st.lists(st.floats(0, 10), min_size=n, max_size=n))
    costs[y] = 0.0
    expected = 0.0
    for other in range(n):
        expected = max(expected, costs[other] + energies[y] - energies[other])
    got = ebm_losses.cost_augmented_loss(_t(energies), y, _t(costs)).item()
    assert math.isclose(got, expected, rel_tol=1e-15, abs_tol=1e-12)


@given(energies=st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=8), margin=st.floats(0, 10),
       data=st.data())
@HYPOTHESIS
def test_cost_augmented_loss_special_cases(energies, margin, data):
    """Proves two reductions worked out by hand: with every cost 0 the loss is
    max_y' [E(y) - E(y')]^+ = E(y) - min E (the perceptron loss, by a loop); with costs m on
    every incorrect answer it is the margin loss [m + E(y) - min_{y' != y} E(y')]^+ (by a loop)."""
    n = len(energies)
    y = data.draw(st.integers(0, n - 1))
    zero = ebm_losses.cost_augmented_loss(_t(energies), y, torch.zeros(n, dtype=torch.float64))
    assert zero.item() == energies[y] - min(energies)
    costs = [0.0 if other == y else margin for other in range(n)]
    got = ebm_losses.cost_augmented_loss(_t(energies), y, _t(costs)).item()
    assert math.isclose(got, _margin_loop(energies, y, margin), rel_tol=1e-15, abs_tol=1e-12)


# ----------------------------------------------------------------------------- linear machines

vectors = st.integers(1, 6).flatmap(
    lambda d: st.tuples(st.lists(st.floats(-3, 3), min_size=d, max_size=d),
                        st.lists(st.floats(-3, 3), min_size=d, max_size=d)))
labels = st.sampled_from([-1.0, 1.0])


def _dot(a: list[float], b: list[float]) -> float:
    return math.fsum(u * v for u, v in zip(a, b))


def test_linear_regression_grad_hand_value():
    """Proves (w.x - y) x at w = (1, 2), x = (3, -1), y = 4: w.x = 1, so the gradient is
    -3 x = (-9, 3)."""
    got = linear_models.linear_regression_grad(_t([1.0, 2.0]), _t([3.0, -1.0]), 4.0)
    torch.testing.assert_close(got, _t([-9.0, 3.0]), rtol=0.0, atol=0.0)


@given(wx=vectors, y=st.floats(-10, 10))
@HYPOTHESIS
def test_linear_regression_grad_matches_autograd(wx, y):
    """Proves dL/dw against ``torch.autograd.grad`` of the stated loss L = 1/2 (y - w.x)^2."""
    w_list, x_list = wx
    w = _t(w_list).requires_grad_(True)
    (expected,) = torch.autograd.grad(0.5 * (y - w @ _t(x_list)) ** 2, w)
    got = linear_models.linear_regression_grad(_t(w_list), _t(x_list), y)
    assert got.shape == (len(w_list),)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("w, x, y, expected", [
    ([1.0, 2.0], [1.0, 1.0], 1.0, [0.0, 0.0]),  # R = 3 > 0, sign +1 = y: no update
    ([1.0, 2.0], [1.0, 1.0], -1.0, [2.0, 2.0]),  # -(-1 - 1) x = 2 x
    ([-1.0, 0.5], [2.0, 1.0], -1.0, [0.0, 0.0]),  # R = -1.5 < 0, sign -1 = y
    ([-1.0, 0.5], [2.0, 1.0], 1.0, [-4.0, -2.0]),  # -(1 + 1) x
    ([1.0, -1.0], [2.0, 2.0], 1.0, [-4.0, -4.0]),  # R = 0 exactly: sign(0) = -1, -(1 + 1) x
    ([1.0, -1.0], [2.0, 2.0], -1.0, [0.0, 0.0]),  # R = 0: sign -1 = y
    ([0.0, 0.0, 0.0], [1.0, -2.0, 3.0], 1.0, [-2.0, 4.0, -6.0]),  # w = 0: R = 0
])
def test_perceptron_grad_by_cases(w, x, y, expected):
    """Proves -(y - sign(w.x)) x case by case (R > 0, R < 0, R = 0 exactly, each with y = +1 and
    -1), with sign(0) = -1 as in the lecture: 0 when classified right, -2 y x otherwise."""
    got = linear_models.perceptron_grad(_t(w), _t(x), y)
    torch.testing.assert_close(got, _t(expected), rtol=0.0, atol=0.0)


@given(wx=vectors, y=labels)
@HYPOTHESIS
def test_perceptron_grad_matches_the_rule(wx, y):
    """Proves the gradient on random inputs against the rule written as a Python branch on
    R = w.x (math.fsum): zero vector when y == (1 if R > 0 else -1), else -2 y x."""
    w_list, x_list = wx
    sign = 1.0 if _dot(w_list, x_list) > 0 else -1.0
    expected = [0.0] * len(x_list) if y == sign else [-2.0 * y * v for v in x_list]
    got = linear_models.perceptron_grad(_t(w_list), _t(x_list), y)
    if abs(_dot(w_list, x_list)) > 1e-12:  # away from R = 0 the two dot products agree in sign
        torch.testing.assert_close(got, _t(expected), rtol=0.0, atol=0.0)


@given(wx=vectors, y=labels)
@HYPOTHESIS
def test_logistic_regression_grad_matches_autograd(wx, y):
    """Proves dL/dw against ``torch.autograd.grad`` of the loss written as the lecture states it,
    L = log(1 + exp(-y w.x)) (|w.x| <= 54 here: no overflow), and against the contract's
    -((y + 1)/2 - 1/(1 + exp(-w.x))) x evaluated with ``math``."""
    w_list, x_list = wx
    w = _t(w_list).requires_grad_(True)
    (expected,) = torch.autograd.grad(torch.log1p(torch.exp(-y * (w @ _t(x_list)))), w)
    got = linear_models.logistic_regression_grad(_t(w_list), _t(x_list), y)
    assert got.shape == (len(w_list),)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-15)
    r = _dot(w_list, x_list)
    contract = [-((y + 1) / 2 - 1 / (1 + math.exp(-r))) * v for v in x_list]
    torch.testing.assert_close(got, _t(contract), rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("r", [-700.0, -200.0, -40.0, 0.0, 40.0, 200.0, 700.0])
@pytest.mark.parametrize("y", [-1.0, 1.0])
def test_logistic_regression_grad_is_accurate_for_large_margins(r, y):
    """Proves the relative accuracy of the gradient for |w.x| up to 700, against
    -y x / (1 + exp(y w.x)) in ``math`` (the derivative of log(1 + exp(-y R)) written with no
    cancellation): a well-classified sample's gradient ~exp(-|R|) keeps its digits instead of
    rounding to 0, and a badly classified one gives -y x."""
    x = [2.0, -0.5, 1.0]
    w = [r / 2.0, 0.0, 0.0]  # w.x = r exactly
    expected = [-y * v / (1.0 + math.exp(y * r)) for v in x]
    got = linear_models.logistic_regression_grad(_t(w), _t(x), y).tolist()
    for g, e in zip(got, expected):
        assert math.isclose(g, e, rel_tol=1e-13, abs_tol=0.0)


# ---------------------------------------------------------------------------- latent variables

tables = st.integers(1, 5).flatmap(lambda n_y: st.integers(1, 5).flatmap(
    lambda n_z: st.lists(st.lists(st.floats(-30, 30), min_size=n_z, max_size=n_z),
                         min_size=n_y, max_size=n_y)))
tied_tables = st.integers(1, 4).flatmap(lambda n_y: st.integers(1, 4).flatmap(
    lambda n_z: st.lists(st.lists(st.sampled_from([0.0, 1.0, 2.0]), min_size=n_z, max_size=n_z),
                         min_size=n_y, max_size=n_y)))


@given(G=st.one_of(tables, tied_tables))
@HYPOTHESIS
def test_latent_map_inference_matches_a_loop(G):
    """Proves argmin_{y, z} G[y, z] against nested loops over y then z keeping the first strictly
    smaller energy (the first in row-major order on ties); the result is two Python ints."""
    best = (0, 0)
    for y, row in enumerate(G):
        for z, energy in enumerate(row):
            if energy < G[best[0]][best[1]]:
                best = (y, z)
    got = latent_variables.latent_map_inference(_t(G))
    assert tuple(got) == best and all(type(v) is int for v in got)


def test_latent_map_inference_hand_value():
    """Proves a hand case: the lowest of [[3, 1, 4], [1, 0.5, 9]] is G[1, 1] = 0.5, and the
    first of two tied minima wins for [[2, 0], [0, 5]]."""
    assert tuple(latent_variables.latent_map_inference(_t([[3, 1, 4], [1, 0.5, 9]]))) == (1, 1)
    assert tuple(latent_variables.latent_map_inference(_t([[2, 0], [0, 5]]))) == (0, 1)


@given(G=tables, beta=st.floats(1e-2, 10))
@HYPOTHESIS
def test_latent_free_energy_matches_math_loops(G, beta):
    """Proves F_beta(y) = -(1/beta) log sum_z exp(-beta G[y, z]) for every y, each row summed with
    ``math.fsum`` of ``math.exp`` (beta |G| <= 300: no overflow)."""
    got = latent_variables.latent_free_energy(_t(G), beta)
    assert got.shape == (len(G),)
    for value, row in zip(got.tolist(), G):
        expected = -math.log(math.fsum(math.exp(-beta * energy) for energy in row)) / beta
        assert math.isclose(value, expected, rel_tol=1e-12, abs_tol=1e-11)


def test_latent_free_energy_special_cases():
    """Proves by hand: one latent value gives F(y) = G[y, 0]; equal energies over n_z latent
    values give G - ln(n_z)/beta; and at beta = 1e6 F(y) is min_z G[y, z] to 1e-5."""
    G = _t([[1.0], [-2.5], [7.0]])
    torch.testing.assert_close(latent_variables.latent_free_energy(G, 3.0), G[:, 0], rtol=1e-15,
                               atol=0.0)
    got = latent_variables.latent_free_energy(_t([[2.0, 2.0, 2.0, 2.0], [-1.0] * 4]), 0.5)
    torch.testing.assert_close(got, _t([2.0 - 2 * math.log(4.0), -1.0 - 2 * math.log(4.0)]),
                               rtol=1e-14, atol=1e-14)
    G = [[0.3, 0.1, 0.2], [5.0, -1.0, -0.9]]
    got = latent_variables.latent_free_energy(_t(G), 1e6).tolist()
    assert all(math.isclose(g, min(row), abs_tol=1e-5) for g, row in zip(got, G))


@pytest.mark.parametrize("G, beta", [
    ([[1000.0, -1000.0], [3.0, 999.0]], 1e3),
    ([[-999.5, -1000.0, -998.0], [-1000.0, 1000.0, 0.0]], 1e3),
])
def test_latent_free_energy_and_distribution_match_mpmath(G, beta):
    """Proves F_beta(y) and P(y) where exp(-beta G) overflows float64, against 50-digit
    ``mpmath`` sums over z and over (y, z)."""
    free = latent_variables.latent_free_energy(_t(G), beta).tolist()
    probabilities = latent_variables.latent_gibbs_distribution(_t(G), beta).tolist()
    everything = _log_sum_exp_mpmath([energy for row in G for energy in row], beta)
    for row, f, p in zip(G, free, probabilities):
        row_lse = _log_sum_exp_mpmath(row, beta)
        assert math.isclose(f, float(-row_lse / beta), rel_tol=1e-13, abs_tol=1e-12)
        with mpmath.workdps(50):
            assert math.isclose(p, float(mpmath.exp(row_lse - everything)), rel_tol=1e-9,
                                abs_tol=1e-300)


@given(G=tables, beta=st.floats(1e-2, 10))
@HYPOTHESIS
def test_latent_gibbs_distribution_matches_math_loops(G, beta):
    """Proves P(y) = sum_z exp(-beta G[y, z]) / sum_{y', z} exp(-beta G[y', z]), with every
    exponential from ``math.exp`` in nested loops and the sums by ``math.fsum``; it sums to 1."""
    weights = [[math.exp(-beta * energy) for energy in row] for row in G]
    total = math.fsum(w for row in weights for w in row)
    got = latent_variables.latent_gibbs_distribution(_t(G), beta)
    assert got.shape == (len(G),)
    assert math.isclose(got.sum().item(), 1.0, rel_tol=1e-13)
    for value, row in zip(got.tolist(), weights):
        assert math.isclose(value, math.fsum(row) / total, rel_tol=1e-11, abs_tol=1e-300)


def test_latent_gibbs_distribution_hand_value():
    """Proves a hand case at beta = ln 2 (exp(-beta G) = 2^-G): G = [[0, 1], [1, 2]] gives row
    weights 1 + 1/2 and 1/2 + 1/4, so P = (2/3, 1/3)."""
    got = latent_variables.latent_gibbs_distribution(_t([[0.0, 1.0], [1.0, 2.0]]), LN2)
    torch.testing.assert_close(got, _t([2 / 3, 1 / 3]), rtol=1e-14, atol=0.0)


# ---------------------------------------------------------------- gradient_descent_inference


def _quadratic_descent(A: list[list[float]], b: list[float], y0: list[float], lr: float,
                       n_steps: int) -> list[float]:
    """The closed-form iteration for E(y) = 1/2 ||A y - b||^2, whose gradient is A^T (A y - b):
    y <- y - lr A^T (A y - b), by Python loops (no autograd)."""
    y = list(y0)
    for _ in range(n_steps):
        residual = [math.fsum(a * v for a, v in zip(row, y)) - target for row, target in zip(A, b)]
        gradient = [math.fsum(A[i][j] * residual[i] for i in range(len(A))) for j in range(len(y))]
        y = [v - lr * g for v, g in zip(y, gradient)]
    return y


def _quadratic_energy(A: list[list[float]], b: list[float]):
    A_t, b_t = _t(A), _t(b)
    return lambda y: 0.5 * ((A_t @ y - b_t) ** 2).sum()


systems = st.integers(1, 4).flatmap(lambda d: st.integers(1, 4).flatmap(
    lambda m: st.tuples(st.lists(st.lists(st.floats(-1, 1), min_size=d, max_size=d),
                                 min_size=m, max_size=m),
                        st.lists(st.floats(-3, 3), min_size=m, max_size=m),
                        st.lists(st.floats(-3, 3), min_size=d, max_size=d))))


@given(system=systems, lr=st.floats(1e-3, 0.2), n_steps=st.integers(0, 25))
@FEW
def test_gradient_descent_matches_the_closed_form_iteration(system, lr, n_steps):
    """Proves n_steps of y <- y - lr dE/dy on E = 1/2 ||A y - b||^2 against the same iteration
    with the gradient A^T (A y - b) written out by hand in Python loops (lr <= 0.2 with entries
    of A in [-1, 1]: at most 16 for the top eigenvalue of A^T A, the iteration cannot blow up)."""
    A, b, y0 = system
    got = latent_variables.gradient_descent_inference(_quadratic_energy(A, b), _t(y0), lr, n_steps)
    expected = _quadratic_descent(A, b, y0, lr, n_steps)
    assert got.shape == (len(y0),) and not got.requires_grad
    torch.testing.assert_close(got, _t(expected), rtol=1e-12, atol=1e-12)


def _solve_exact(matrix: list[list[Fraction]], rhs: list[Fraction]) -> list[Fraction] | None:
    """Gauss-Jordan elimination in exact rationals; None when the matrix is singular."""
    n = len(rhs)
    rows = [list(row) + [value] for row, value in zip(matrix, rhs)]
    for col in range(n):
        pivot = next((r for r in range(col, n) if rows[r][col] != 0), None)
        if pivot is None:
            return None
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(n):
            if r != col and rows[r][col] != 0:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * c for a, c in zip(rows[r], rows[col])]
    return [rows[i][n] / rows[i][i] for i in range(n)]


def test_gradient_descent_converges_to_the_least_squares_solution():
    """Proves convergence: with A = [[2, 0], [0, 1], [1, 1]] (A^T A has eigenvalues
    (7 +- sqrt 13)/2, about 5.30 and 1.70) and lr = 0.18 the error contracts by 0.70 per step, so
    after 200 steps y equals the least-squares solution of the normal equations
    A^T A y = A^T b, solved in exact rationals."""
    A, b = [[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]], [1.0, -2.0, 4.0]
    gram = [[Fraction(sum(A[i][r] * A[i][c] for i in range(3))) for c in range(2)]
            for r in range(2)]
    rhs = [Fraction(sum(A[i][r] * b[i] for i in range(3))) for r in range(2)]
    solution = [float(v) for v in _solve_exact(gram, rhs)]
    got = latent_variables.gradient_descent_inference(_quadratic_energy(A, b), _t([10.0, -10.0]),
                                                      0.18, 200)
    torch.testing.assert_close(got, _t(solution), rtol=0.0, atol=1e-13)


def test_gradient_descent_keeps_shape_and_copies_y0():
    """Proves on E = sum c y^2 over a (2, 3) y0, whose iteration is y_n = (1 - 2 lr c)^n y0
    elementwise (by hand), that the result has y0's shape, is detached, leaves y0 untouched
    (even when y0 requires grad), works inside ``torch.no_grad``, and that n_steps = 0 returns
    an equal copy, not y0 itself."""
    c = _t([[1.0, 2.0, 0.5], [0.25, 3.0, 1.0]])
    y0 = _t([[1.0, -2.0, 3.0], [0.5, 0.25, -1.0]]).requires_grad_(True)
    before = y0.detach().clone()
    lr, n = 0.1, 7
    with torch.no_grad():
        got = latent_variables.gradient_descent_inference(lambda y: (c * y ** 2).sum(), y0, lr, n)
    assert got.shape == (2, 3) and not got.requires_grad
    torch.testing.assert_close(got, before * (1 - 2 * lr * c) ** n, rtol=1e-14, atol=1e-15)
    assert torch.equal(y0.detach(), before) and y0.grad is None
    copy = latent_variables.gradient_descent_inference(lambda y: (y ** 2).sum(), y0, lr, 0)
    assert torch.equal(copy, before) and copy is not y0 and not copy.requires_grad


def test_gradient_descent_with_an_energy_independent_of_y():
    """Proves that an energy that does not depend on y (constant, or of y's values only through a
    detached copy) has gradient 0: y stays at y0."""
    y0 = _t([1.5, -2.0])
    for energy_fn in (lambda y: torch.tensor(3.0, dtype=torch.float64),
                      lambda y: (y.detach() ** 2).sum()):
        got = latent_variables.gradient_descent_inference(energy_fn, y0, 0.5, 5)
        assert torch.equal(got, y0)


# ---------------------------------------------------------------- sparse_coding_free_energy


def _lasso_objective_math(y: list[float], W: list[list[float]], z: list[float],
                          lam: float) -> float:
    """||y - W z||^2 + lam ||z||_1 by loops over ``math.fsum``."""
    residual = [yi - math.fsum(w * zj for w, zj in zip(row, z)) for yi, row in zip(y, W)]
    return math.fsum(r * r for r in residual) + lam * math.fsum(abs(v) for v in z)


def _lasso_brute_force(y: list[float], W: list[list[float]], lam: float) -> Fraction:
    """The exact lasso minimum, by brute force over every sign pattern s in {-1, 0, +1}^k: on the
    support S = {s_i != 0}, the only stationary point with signs s solves
    W_S^T W_S z_S = W_S^T y - lam s_S / 2 (exact rationals); it counts when its signs are s. Some
    minimiser has linearly independent atoms on its support (Tibshirani 2013, Lemma 2), so
    patterns with a singular W_S^T W_S can be skipped; s = 0 gives ||y||^2."""
    d, k = len(W), len(W[0])
    y_q = [Fraction(v) for v in y]
    W_q = [[Fraction(v) for v in row] for row in W]
    lam_q = Fraction(lam)

    def objective(z):
        residual = [y_q[i] - sum(W_q[i][j] * z[j] for j in range(k)) for i in range(d)]
        return sum(r * r for r in residual) + lam_q * sum(abs(v) for v in z)

    best = objective([Fraction(0)] * k)
    for signs in itertools.product((-1, 0, 1), repeat=k):
        support = [j for j in range(k) if signs[j] != 0]
        if not support:
            continue
        gram = [[sum(W_q[i][r] * W_q[i][c] for i in range(d)) for c in support] for r in support]
        rhs = [sum(W_q[i][r] * y_q[i] for i in range(d)) - lam_q * signs[r] / 2 for r in support]
        z_s = _solve_exact(gram, rhs)
        if z_s is None or any((v > 0) != (signs[j] > 0) or v == 0 for v, j in zip(z_s, support)):
            continue
        z = [Fraction(0)] * k
        for v, j in zip(z_s, support):
            z[j] = v
        best = min(best, objective(z))
    return best


def _assert_lasso_optimal(y: list[float], W: list[list[float]], lam: float, z: list[float]):
    """The lasso optimality (KKT) conditions at z, with g = 2 W^T (W z - y) from ``math.fsum``:
    g_i + lam sign(z_i) = 0 where z_i != 0 and |g_i| <= lam where z_i = 0, to 1e-6 (relative to
    the size of the terms)."""
    residual = [math.fsum(w * zj for w, zj in zip(row, z)) - yi for yi, row in zip(y, W)]
    scale = 1.0 + lam + max(abs(v) for v in y) + max(abs(v) for v in z)
    for i in range(len(z)):
        g = 2 * math.fsum(W[r][i] * residual[r] for r in range(len(W)))
        if z[i] != 0.0:
            assert abs(g + lam * math.copysign(1.0, z[i])) <= 1e-6 * scale
        else:
            assert abs(g) <= lam + 1e-6 * scale


# Entries on a grid of step 2^-10 in [-2, 2]: the rationals of the brute force stay small, and
# the grid often makes atoms exactly dependent, parallel or zero (the degenerate cases).
entries = st.integers(-2048, 2048).map(lambda i: i / 1024)
lasso_problems = st.integers(1, 4).flatmap(lambda d: st.integers(1, 3).flatmap(
    lambda k: st.tuples(st.lists(entries, min_size=d, max_size=d),
                        st.lists(st.lists(entries, min_size=k, max_size=k),
                                 min_size=d, max_size=d))))


# Arbitrary floats too, 0 or of magnitude in [1e-3, 2]: an atom like (1e-220) would need
# z ~ 1e220 and its W^T W underflows, a problem no grader input resembles.
float_entries = st.one_of(st.just(0.0), st.floats(1e-3, 2), st.floats(-2, -1e-3))
float_lasso_problems = st.integers(1, 4).flatmap(lambda d: st.integers(1, 3).flatmap(
    lambda k: st.tuples(st.lists(float_entries, min_size=d, max_size=d),
                        st.lists(st.lists(float_entries, min_size=k, max_size=k),
                                 min_size=d, max_size=d))))


@given(problem=st.one_of(lasso_problems, float_lasso_problems),
       lam=st.one_of(st.just(0.0), st.floats(1e-3, 4)))
@settings(derandomize=True, database=None, deadline=None, max_examples=150)
def test_sparse_coding_matches_brute_force_over_sign_patterns(problem, lam):
    """Proves, for k <= 3 atoms of dimension d <= 4 (including k > d, dependent, parallel and
    zero atoms, and lam = 0): the returned z attains the returned F (objective recomputed with
    ``math``), z satisfies the lasso optimality conditions, and F equals the exact minimum found
    by brute force over all 3^k sign patterns in rational arithmetic."""
    y, W = problem
    value, z = latent_variables.sparse_coding_free_energy(_t(y), _t(W), lam)
    assert value.shape == () and z.shape == (len(W[0]),)
    z_list = z.tolist()
    scale = 1.0 + math.fsum(v * v for v in y)
    assert math.isclose(value.item(), _lasso_objective_math(y, W, z_list, lam), rel_tol=1e-13,
                        abs_tol=1e-14 * scale)
    _assert_lasso_optimal(y, W, lam, z_list)
    assert math.isclose(value.item(), float(_lasso_brute_force(y, W, lam)), rel_tol=1e-10,
                        abs_tol=1e-12 * scale)


@pytest.mark.parametrize("y, W, lam", [
    ([1.0, 2e-4], [[1.0, 1.0], [0.0, 1e-4]], 1e-6),  # two atoms 1e-4 rad apart: condition 4e8
    ([0.3, -1.0, 2.0], [[1.0, 1.0, 0.0], [1.0, 1.0 + 1e-6, 0.0], [0.0, 0.0, 1.0]], 0.01),
    ([1.0, 1.0], [[1.0, 1.0, 2.0], [1.0, 1.0, 2.0]], 0.5),  # three parallel atoms
    ([1.0, -1.0], [[0.0, 1.0], [0.0, 0.0]], 0.25),  # an all-zero atom
    ([2.0, 3.0], [[1.0, 0.0], [0.0, 1.0]], 0.0),  # lam = 0, invertible: z = W^-1 y, F = 0
])
def test_sparse_coding_hard_cases(y, W, lam):
    """Proves the hardest cases for an iterative solver (nearly collinear atoms, parallel atoms,
    a zero atom, no penalty) by the same three independent means: objective at z, optimality
    conditions, exact brute-force minimum."""
    value, z = latent_variables.sparse_coding_free_energy(_t(y), _t(W), lam)
    z_list = z.tolist()
    assert math.isclose(value.item(), _lasso_objective_math(y, W, z_list, lam), rel_tol=1e-13,
                        abs_tol=1e-15)
    _assert_lasso_optimal(y, W, lam, z_list)
    assert math.isclose(value.item(), float(_lasso_brute_force(y, W, lam)), rel_tol=1e-10,
                        abs_tol=1e-13)


@given(y=st.lists(st.floats(-3, 3), min_size=4, max_size=4), lam=st.floats(0, 5))
@FEW
def test_sparse_coding_orthonormal_atoms_soft_threshold(y, lam):
    """Proves the closed form for W = I: the problem separates into min (y_i - z_i)^2 +
    lam |z_i|, solved by soft-thresholding z_i = sign(y_i) max(|y_i| - lam/2, 0), with
    F = sum min(y_i^2, lam |y_i| - lam^2/4) (worked out by hand)."""
    identity = torch.eye(4, dtype=torch.float64)
    value, z = latent_variables.sparse_coding_free_energy(_t(y), identity, lam)
    expected_z = [math.copysign(max(abs(v) - lam / 2, 0.0), v) for v in y]
    expected_f = math.fsum(v * v if abs(v) <= lam / 2 else lam * abs(v) - lam * lam / 4 for v in y)
    torch.testing.assert_close(z, _t(expected_z), rtol=1e-12, atol=1e-12)
    assert math.isclose(value.item(), expected_f, rel_tol=1e-12, abs_tol=1e-12)


def test_sparse_coding_large_penalty_gives_zero_code():
    """Proves z = 0 and F = ||y||^2 exactly when lam >= 2 ||W^T y||_inf (then |g_i| <= lam at
    z = 0), on a random 5 x 8 dictionary."""
    generator = torch.Generator().manual_seed(3)
    W = torch.randn(5, 8, generator=generator, dtype=torch.float64)
    y = torch.randn(5, generator=generator, dtype=torch.float64)
    lam = 2 * (W.T @ y).abs().max().item() * 1.0001
    value, z = latent_variables.sparse_coding_free_energy(y, W, lam)
    assert torch.equal(z, torch.zeros(8, dtype=torch.float64))
    assert value.item() == math.fsum(v * v for v in y.tolist())


@pytest.mark.parametrize("d, k, seed", [(5, 8, 0), (8, 5, 1), (10, 16, 2)])
def test_sparse_coding_larger_dictionaries_are_optimal(d, k, seed):
    """Proves optimality past brute-force sizes (k up to 16, over-complete dictionaries): the
    objective at z is F and z satisfies the lasso optimality conditions, which for this convex
    problem certify a global minimum."""
    generator = torch.Generator().manual_seed(seed)
    W = torch.randn(d, k, generator=generator, dtype=torch.float64).tolist()
    y = torch.randn(d, generator=generator, dtype=torch.float64).tolist()
    value, z = latent_variables.sparse_coding_free_energy(_t(y), _t(W), 0.3)
    assert math.isclose(value.item(), _lasso_objective_math(y, W, z.tolist(), 0.3), rel_tol=1e-13)
    _assert_lasso_optimal(y, W, 0.3, z.tolist())


# ------------------------------------------------------------------------ kmeans_free_energy


@given(data=st.data(), d=st.integers(1, 4), k=st.integers(1, 6))
@HYPOTHESIS
def test_kmeans_free_energy_matches_a_loop(data, d, k):
    """Proves F = min_k ||y - W[:, k]||^2 and the first winning k against a loop over the columns
    with ``math.fsum`` squared distances (coordinates from a small grid, so ties occur)."""
    grid = st.sampled_from([-1.0, -0.5, 0.0, 0.5, 1.0])
    y = data.draw(st.lists(grid, min_size=d, max_size=d))
    W = data.draw(st.lists(st.lists(grid, min_size=k, max_size=k), min_size=d, max_size=d))
    distances = [math.fsum((y[i] - W[i][c]) ** 2 for i in range(d)) for c in range(k)]
    winner = _first_argmin(distances)
    value, got_k = latent_variables.kmeans_free_energy(_t(y), _t(W))
    assert type(got_k) is int and got_k == winner
    assert value.shape == () and value.item() == distances[winner]


def test_kmeans_free_energy_hand_values():
    """Proves by hand: y = (1, 1) against centroids (0, 0), (1, 2), (3, 1) has squared distances
    2, 1, 4, so F = 1 at k = 1; y on a centroid gives F = 0 at that centroid."""
    W = _t([[0.0, 1.0, 3.0], [0.0, 2.0, 1.0]])
    value, k = latent_variables.kmeans_free_energy(_t([1.0, 1.0]), W)
    assert (value.item(), k) == (1.0, 1)
    value, k = latent_variables.kmeans_free_energy(_t([3.0, 1.0]), W)
    assert (value.item(), k) == (0.0, 2)


# ------------------------------------------------------------------------ structured outputs


@given(data=st.data(), length=st.integers(0, 6), n_tags=st.integers(1, 5))
@HYPOTHESIS
def test_sequence_nll_matches_a_loop_and_torch_nll(data, length, n_tags):
    """Proves -sum_t log_probs[t, tags[t]] against a Python loop with ``math.fsum`` and against
    ``torch.nn.functional.nll_loss(reduction="sum")``, for tags as a long tensor and as a list;
    an empty sentence gives 0."""
    logits = data.draw(st.lists(st.lists(st.floats(-5, 5), min_size=n_tags, max_size=n_tags),
                                min_size=length, max_size=length))
    tags = data.draw(st.lists(st.integers(0, n_tags - 1), min_size=length, max_size=length))
    log_probs = torch.log_softmax(_t(logits).reshape(length, n_tags), dim=1)
    rows = log_probs.tolist()
    expected = -math.fsum(rows[t][tags[t]] for t in range(length))
    for given_tags in (torch.tensor(tags, dtype=torch.long), tags):
        got = structured_outputs.sequence_nll(log_probs, given_tags)
        assert got.shape == ()
        assert math.isclose(got.item(), expected, rel_tol=1e-13, abs_tol=1e-13)
    if length:
        torch_value = F.nll_loss(log_probs, torch.tensor(tags), reduction="sum").item()
        assert math.isclose(got.item(), torch_value, rel_tol=1e-13, abs_tol=1e-13)


def test_sequence_nll_hand_value():
    """Proves a hand case: probabilities 1/2 then 1/4 at the gold tags give NLL ln 2 + ln 4."""
    log_probs = torch.log(_t([[0.5, 0.5], [0.75, 0.25]]))
    assert math.isclose(structured_outputs.sequence_nll(log_probs, [1, 1]).item(),
                        3 * LN2, rel_tol=1e-15)


@given(data=st.data(), n_x=st.integers(1, 5), n_y=st.integers(1, 8))
@HYPOTHESIS
def test_table_inference_matches_a_loop(data, n_x, n_y):
    """Proves argmin over row x of the energy table against a loop (first lowest on ties)."""
    values = st.one_of(st.floats(-1e3, 1e3), st.sampled_from([0.0, 1.0]))
    table = data.draw(st.lists(st.lists(values, min_size=n_y, max_size=n_y), min_size=n_x,
                               max_size=n_x))
    x = data.draw(st.integers(0, n_x - 1))
    got = structured_outputs.table_inference(_t(table), x)
    assert type(got) is int and got == _first_argmin(table[x])


def test_table_inference_on_the_27_by_64_table():
    """Proves the A3 3(a) setting: 27 sentences by 64 tag sequences, each row's lowest energy
    planted at column (7 x + 3) mod 64 with every other entry larger."""
    table = [[10.0 + ((x * 64 + y) % 13) for y in range(64)] for x in range(27)]
    for x in range(27):
        table[x][(7 * x + 3) % 64] = -1.0
    for x in range(27):
        assert structured_outputs.table_inference(_t(table), x) == (7 * x + 3) % 64


def _product(factor: int, times: int) -> int:
    result = 1
    for _ in range(times):
        result *= factor
    return result


def test_counts_of_the_assignment_are_exact_ints():
    """Proves A3 3(b) exactly: count_pairs(27, 64, 3) = 27^3 64^3 and count_pairs(50000, 20, 15)
    = (50000 x 20)^15 = 10^90 exactly, a value no float holds (int(1e90) != 10**90);
    count_lookups(20, 15) = 20^15 and count_lookups(64, 1) = 64. All are Python ints."""
    assert int(1e90) != 10 ** 90
    cases = [
        (structured_outputs.count_pairs(27, 64, 3), 27 ** 3 * 64 ** 3),
        (structured_outputs.count_pairs(50000, 20, 15), 10 ** 90),
        (structured_outputs.count_lookups(20, 15), 32768000000000000000),
        (structured_outputs.count_lookups(64, 1), 64),
    ]
    for got, expected in cases:
        assert type(got) is int and got == expected


@given(vocab=st.integers(1, 60000), tags=st.integers(1, 64), length=st.integers(0, 40))
@HYPOTHESIS
def test_counts_match_repeated_multiplication(vocab, tags, length):
    """Proves both counts for lengths up to 40 (up to ~10^264, far beyond float64's exact
    integers) against repeated multiplication of Python ints; length 0 gives 1."""
    pairs = structured_outputs.count_pairs(vocab, tags, length)
    lookups = structured_outputs.count_lookups(tags, length)
    assert type(pairs) is int and pairs == _product(vocab, length) * _product(tags, length)
    assert type(lookups) is int and lookups == _product(tags, length)


def test_counts_reject_non_integers():
    """Proves that a float or a negative length is refused rather than turned into a float
    count, and that a 0-d long tensor is accepted as an integer."""
    with pytest.raises(TypeError):
        structured_outputs.count_pairs(27.0, 64, 3)
    with pytest.raises(TypeError):
        structured_outputs.count_lookups(64, 3.0)
    with pytest.raises(ValueError):
        structured_outputs.count_lookups(64, -1)
    got = structured_outputs.count_pairs(torch.tensor(27), 64, torch.tensor(3))
    assert type(got) is int and got == 27 ** 3 * 64 ** 3
