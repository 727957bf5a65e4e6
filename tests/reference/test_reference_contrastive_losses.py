"""Independent proofs of the hw4 1.3 reference: the simple, log, square-square and hinge losses
and their gradients.

Expected values come from numbers worked out by hand, plain ``math`` formulas, 50-digit
``mpmath``, ``torch.autograd`` through a small linear energy model, and, at the kinks, the
definition of a subgradient. None is produced by the function under test.
"""
from __future__ import annotations

import math
import random

import mpmath
import pytest
import torch
from hypothesis import assume, given, settings, strategies as st

from reference import contrastive_losses as ref

HYPOTHESIS = settings(derandomize=True, database=None, deadline=None, max_examples=40)
LN2, LN3 = math.log(2.0), math.log(3.0)

# The losses written out by hand with the ``math`` module: f = F+, g = F-, m = margin.
HAND_LOSSES = {
    "simple": lambda f, g, m: max(f, 0.0) + max(m - g, 0.0),
    "log": lambda f, g, m: math.log1p(math.exp(f - g)),
    "square_square": lambda f, g, m: max(f, 0.0) ** 2 + max(m - g, 0.0) ** 2,
    "hinge": lambda f, g, m: max(f - g + m, 0.0),
}


def _s(value: float) -> torch.Tensor:
    return torch.tensor(value, dtype=torch.float64)


def _loss(name: str, f_pos, f_neg, margin):
    """The reference loss ``name``, called with the contract's arguments (log has no margin)."""
    if name == "log":
        return ref.log_loss(f_pos, f_neg)
    return getattr(ref, f"{name}_loss")(f_pos, f_neg, margin)


def _grad(name: str, f_pos, f_neg, grad_pos, grad_neg, margin):
    """The reference gradient of loss ``name``, called with the contract's arguments."""
    if name == "log":
        return ref.log_loss_grad(f_pos, f_neg, grad_pos, grad_neg)
    return getattr(ref, f"{name}_loss_grad")(f_pos, f_neg, grad_pos, grad_neg, margin)


# ----------------------------------------------------------------------------------- values


@pytest.mark.parametrize("name, f_pos, f_neg, margin, expected", [
    ("simple", 2.0, 1.0, 3.0, 4.0),  # [2]^+ + [3 - 1]^+ = 2 + 2
    ("simple", -1.0, 5.0, 3.0, 0.0),  # both terms inactive
    ("simple", 0.5, 2.5, 3.0, 1.0),  # 0.5 + 0.5
    ("simple", -2.0, -1.0, 0.5, 1.5),  # 0 + [0.5 + 1]^+
    ("simple", 0.0, 3.0, 3.0, 0.0),  # both terms at their kink
    ("log", 0.0, 0.0, None, LN2),  # log(1 + 1)
    ("log", 5.0, 5.0, None, LN2),  # only the difference matters
    ("log", LN3, 0.0, None, math.log(4.0)),  # log(1 + 3)
    ("log", 0.0, LN3, None, math.log(4.0 / 3.0)),  # log(1 + 1/3)
    ("square_square", 2.0, 1.0, 3.0, 8.0),  # 2^2 + (3 - 1)^2
    ("square_square", -1.0, 1.0, 3.0, 4.0),  # 0 + 2^2
    ("square_square", 1.5, 4.0, 3.0, 2.25),  # 1.5^2 + 0
    ("square_square", -3.0, 3.5, 3.0, 0.0),
    ("hinge", 2.0, 1.0, 3.0, 4.0),  # [2 - 1 + 3]^+
    ("hinge", 1.0, 5.0, 3.0, 0.0),  # [-1]^+
    ("hinge", 1.5, 2.0, 1.0, 0.5),
    ("hinge", 0.25, 1.75, 1.5, 0.0),  # at the kink
])
def test_loss_hand_computed_values(name, f_pos, f_neg, margin, expected):
    """Proves each loss at points whose value is worked out by hand in the comment beside it."""
    got = _loss(name, _s(f_pos), _s(f_neg), margin)
    assert got.shape == ()
    assert math.isclose(got.item(), expected, rel_tol=1e-14, abs_tol=1e-15)


@pytest.mark.parametrize("name", sorted(HAND_LOSSES))
@given(f_pos=st.floats(-30, 30), f_neg=st.floats(-30, 30), margin=st.floats(0, 10))
@HYPOTHESIS
def test_loss_matches_math_formula(name, f_pos, f_neg, margin):
    """Proves each loss on random points against its definition written with ``max``,
    ``math.log1p`` and ``math.exp`` (the HAND_LOSSES table)."""
    got = _loss(name, _s(f_pos), _s(f_neg), margin).item()
    # softplus returns x itself for x > 20, dropping log1p(exp(-x)) < 2.1e-9: relative < 1.1e-10.
    assert math.isclose(got, HAND_LOSSES[name](f_pos, f_neg, margin), rel_tol=2e-10, abs_tol=1e-12)


@pytest.mark.parametrize("f_pos, f_neg", [
    (1000.0, 0.0), (0.0, 1000.0), (-300.0, 400.0), (700.0, 0.0), (36.0, 0.0), (520.5, 500.0),
    (19.9, 0.0), (-40.0, 0.0), (1e-8, 0.0), (0.0, 1e-8), (0.0, 0.0), (-745.0, 0.0),
])
def test_log_loss_large_gaps_match_mpmath(f_pos, f_neg):
    """Proves log_loss where log(1 + exp(F+ - F-)) overflows or underflows in float64
    (|F+ - F-| up to 1000) against 50-digit ``mpmath.log1p(mpmath.exp(.))``: gap 1000 gives
    1000, gap -1000 gives the true value e^-1000 ~ 5e-435 rounded to float64 (0), never
    negative, inf or nan; in between the relative error is at most 1e-9 (the gap of 520.5 - 500
    = 20.5 is where softplus switches to returning its argument)."""
    got = ref.log_loss(_s(f_pos), _s(f_neg)).item()
    with mpmath.workdps(50):
        expected = float(mpmath.log1p(mpmath.exp(mpmath.mpf(f_pos) - mpmath.mpf(f_neg))))
    assert math.isfinite(got) and got >= 0.0
    assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-320)


# ------------------------------------------------------------------------ gradients (smooth)

vectors = st.lists(st.floats(-3, 3), min_size=3, max_size=3)


@pytest.mark.parametrize("name", sorted(HAND_LOSSES))
@given(a=vectors, b=vectors, w=vectors, margin=st.floats(0, 5))
@HYPOTHESIS
def test_grad_matches_autograd_through_a_linear_model(name, a, b, w, margin):
    """Proves each gradient away from the kinks against ``torch.autograd.grad`` of the loss
    (proven above) through the model F+ = a . W, F- = b . W, whose gradients are exactly
    grad_pos = a and grad_neg = b."""
    a_t, b_t = torch.tensor(a, dtype=torch.float64), torch.tensor(b, dtype=torch.float64)
    w_t = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    f_pos, f_neg = a_t @ w_t, b_t @ w_t
    # Stay clear of the kinks of every loss: F+ = 0, F- = m, F+ - F- + m = 0.
    assume(min(abs(f_pos.item()), abs(margin - f_neg.item()),
               abs(f_pos.item() - f_neg.item() + margin)) > 1e-6)
    (expected,) = torch.autograd.grad(_loss(name, f_pos, f_neg, margin), w_t)
    got = _grad(name, f_pos.detach(), f_neg.detach(), a_t, b_t, margin)
    assert got.shape == (3,)
    torch.testing.assert_close(got, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("f_pos, f_neg, factor", [
    (1000.0, 0.0, 1.0), (0.0, 1000.0, 0.0), (0.0, 0.0, 0.5), (LN3, 0.0, 0.75), (0.0, LN3, 0.25),
])
def test_log_loss_grad_hand_computed_values(f_pos, f_neg, factor):
    """Proves the factor sigmoid(F+ - F-) in front of grad_pos - grad_neg at hand-computed
    points (1 at a gap of 1000, 0 at -1000, 1/2, 3/4 = 3/(1+3), 1/4), with no inf or nan."""
    grad_pos, grad_neg = torch.tensor([2.0, -1.0, 0.5], dtype=torch.float64), \
        torch.tensor([0.5, 3.0, -1.0], dtype=torch.float64)
    got = ref.log_loss_grad(_s(f_pos), _s(f_neg), grad_pos, grad_neg)
    assert torch.isfinite(got).all()
    torch.testing.assert_close(got, factor * torch.tensor([1.5, -4.0, 1.5], dtype=torch.float64),
                               rtol=1e-14, atol=1e-15)


# -------------------------------------------------------------------------- gradients (kinks)

A = (2.0, -1.0, 0.5)  # grad_pos
B = (0.5, 3.0, -1.0)  # grad_neg


@pytest.mark.parametrize("name, f_pos, f_neg, margin, base, jumps", [
    # base and jumps are (coefficient of grad_pos, coefficient of grad_neg), worked out by hand.
    ("simple", 0.0, 3.0, 1.5, (0, 0), [(1, 0)]),  # [F+]^+ kinks: slope 0 or grad_pos
    ("simple", 2.0, 1.5, 1.5, (1, 0), [(0, -1)]),  # [m - F-]^+ kinks: adds 0 or -grad_neg
    ("simple", 0.0, 1.5, 1.5, (0, 0), [(1, 0), (0, -1)]),  # both kink at once
    ("simple", 0.0, 0.5, 1.5, (0, -1), [(1, 0)]),
    ("square_square", 0.0, 3.0, 1.5, (0, 0), []),  # ([x]^+)^2 is smooth: both sides give 0
    ("square_square", 0.0, 1.5, 1.5, (0, 0), []),
    ("square_square", 2.0, 1.5, 1.5, (4, 0), []),  # 2 * 2 grad_pos
    ("square_square", 0.0, 0.5, 1.5, (0, -2), []),  # -2 (1.5 - 0.5) grad_neg
    ("hinge", 0.25, 1.75, 1.5, (0, 0), [(1, -1)]),  # F+ - F- + m = 0 exactly
    ("hinge", -1.0, 0.5, 1.5, (0, 0), [(1, -1)]),
    ("hinge", 0.0, 1.5, 1.5, (0, 0), [(1, -1)]),
])
def test_grad_at_kinks_is_a_subgradient(name, f_pos, f_neg, margin, base, jumps):
    """Proves that at a kink the returned gradient is a valid subgradient, two ways. (1) It lies
    in the convex hull of the one-sided gradients, worked out by hand as base + sum_i t_i jump_i
    with every t_i in [0, 1] (one jump per kinked term, from its left to its right slope).
    (2) The subgradient inequality L(W + d) >= L(W) + g . d holds for 200 random directions d,
    with the convex loss of the affine model F+ = f_pos + A . d, F- = f_neg + B . d evaluated by
    the ``math`` formulas of HAND_LOSSES."""
    a, b = torch.tensor(A, dtype=torch.float64), torch.tensor(B, dtype=torch.float64)
    got = _grad(name, _s(f_pos), _s(f_neg), a, b, margin)
    assert got.shape == (3,)

    offset = got - (base[0] * a + base[1] * b)
    if jumps:
        directions = torch.stack([ca * a + cb * b for ca, cb in jumps], dim=1)
        coefficients = torch.linalg.lstsq(directions, offset[:, None]).solution[:, 0]
        torch.testing.assert_close(directions @ coefficients, offset, rtol=0.0, atol=1e-12)
        assert ((coefficients >= -1e-12) & (coefficients <= 1 + 1e-12)).all(), coefficients
    else:
        torch.testing.assert_close(offset, torch.zeros(3, dtype=torch.float64), rtol=0.0, atol=0.0)

    loss, g = HAND_LOSSES[name], got.tolist()
    at_kink = loss(f_pos, f_neg, margin)
    rng = random.Random(0)
    for _ in range(200):
        d = [rng.uniform(-1, 1) * 10.0 ** rng.randint(-6, 0) for _ in range(3)]
        moved = loss(f_pos + math.fsum(x * y for x, y in zip(A, d)),
                     f_neg + math.fsum(x * y for x, y in zip(B, d)), margin)
        assert moved >= at_kink + math.fsum(x * y for x, y in zip(g, d)) - 1e-12
