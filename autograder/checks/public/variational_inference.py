"""Public checks for the variational lower bound (final 2.1-2.4).

They ship to students, so none of them computes a mixture's density, joint or posterior (those
are graded answers). Each property is an invariance, a relation between two calls of the
student's own function, a case where the answer is one Gaussian (a single component, or
components that coincide: the posterior is then the prior and log p(x) = log N(x; mu, I)), or
a fixed value that the project's tests derive independently.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from autograder.checks.api import Mismatch, Tolerance, check, expect_close
from autograder.checks.public.gmm import expect_one_component, unit_gaussian_log_density
from autograder.checks.strategies import (
    as_tensor, gmm_cases, points, posterior_cases, round_to_float32)

# log p(x) - ELBO_uniform for the model of question 1.1 (K equal weights, the means of
# gmm_means(K, R)) at fixed points, to 6 significant digits. tests/test_grading.py derives
# each value from the definition with mpmath.
GAP_VALUES = [
    ({"x": [[1.0, 0.0], [-0.5, 2.0]], "K": 2, "R": 1.0}, [0.433781, 0.120115]),
    ({"x": [[0.5, 0.25]], "K": 3, "R": 2.0}, [0.299328]),
    ({"x": [[3.0, -1.0]], "K": 5, "R": 1.5}, [3.07070]),
    ({"x": [[1.0, 1.0], [-4.0, 0.5]], "K": 10, "R": 1.0}, [0.448578, 2.45190]),
]


def _slack(case) -> float:
    return 1e-4 * (1 + float(case["x"].abs().max()) + float(case["means"].abs().max())) ** 2


def _coinciding(case) -> dict:
    """``case`` with every mean moved onto the first one: the posterior is then the prior
    (the weights) and log p(x) = log N(x; mu_0, I), whatever the weights."""
    return dict(case, means=case["means"][:1].expand_as(case["means"]).clone())


def _reweighted(case, data) -> tuple[dict, np.ndarray]:
    """``case`` with new weights pi' drawn by ``data``, and log pi'_k - log pi_k."""
    K = len(case["weights"])
    raw = np.asarray(data.draw(st.lists(st.floats(0.05, 1.0), min_size=K, max_size=K)))
    new = raw / raw.sum()
    return dict(case, weights=torch.from_numpy(new)), np.log(new) - np.log(case["weights"].numpy())


def _one_hot(case, k: int = 0) -> torch.Tensor:
    q = torch.zeros(len(case["x"]), len(case["weights"]), dtype=torch.float64)
    q[:, k] = 1.0
    return q


def _values(student, function: str, case: dict) -> np.ndarray:
    """The student's (n,) answer for ``case``; inf or nan is a failure of its own (every
    input here has a finite answer; q with zero entries included, since 0 log 0 = 0)."""
    got = student.call_array(function, (len(case["x"]),), **case)
    if not np.all(np.isfinite(got)):
        raise Mismatch(function, case, got, problem="returned inf or nan"
                       + (" (0 log 0 is 0 in the ELBO)" if "q" in case else ""))
    return got


@check(case=gmm_cases(), data=st.data())
def log_joint_properties(student, case, data):
    """With one component, log N(x; mu, I); new weights move column k by log pi'_k - log pi_k;
    moving the other components' means leaves column 0 as it is (each column belongs to its
    own component)."""
    expect_one_component("log_joint", student, case, column=True)
    n, K = len(case["x"]), len(case["weights"])
    joint = student.call_array("log_joint", (n, K), **case)
    reweighted, shift = _reweighted(case, data)
    moved = student.call_array("log_joint", (n, K), **reweighted)
    expect_close("log_joint", moved - joint, np.broadcast_to(shift, (n, K)), inputs=reweighted,
                 tolerance=Tolerance(_slack(case)),
                 problem="does not move by log pi'_k - log pi_k when the weights change")
    if K > 1:
        others = dict(case, means=case["means"].clone())
        others["means"][1:] += 3.0
        column = student.call_array("log_joint", (n, K), **others)[:, 0]
        expect_close("log_joint", column, joint[:, 0], inputs=others,
                     tolerance=Tolerance(_slack(others)),
                     problem="changes in column 0 when only the other components' means move")


@check(case=posterior_cases(), data=st.data())
def elbo_is_a_lower_bound(student, case, data):
    """With coinciding means: ELBO(q) <= log p(x), equal at q = p(z | x) (the weights there)
    and log p(x, z = 0) = log pi_0 + log p(x) at q = 1[z = 0] (0 log 0 = 0). New weights move
    ELBO(q) by sum_k q_k (log pi'_k - log pi_k)."""
    same = _coinciding(case)
    log_p = unit_gaussian_log_density(case["x"], case["means"][0])
    bound = _values(student, "elbo", same)
    if np.any(bound > log_p + _slack(case)):
        raise Mismatch("elbo", same, bound, problem="exceeds log p(x) (the means coincide, so "
                       "log p(x) = log N(x; mu, I))")
    n, K = case["q"].shape
    at_posterior = dict(same, q=case["weights"].expand(n, K).clone())
    expect_close("elbo", student.call("elbo", **at_posterior), log_p, inputs=at_posterior,
                 tolerance=Tolerance(_slack(case)),
                 problem="at q = p(z | x) is not log p(x) (the means coincide: the posterior "
                         "is the prior pi, and log p(x) = log N(x; mu, I))")
    certain = dict(same, q=_one_hot(case))
    expect_close("elbo", _values(student, "elbo", certain),
                 log_p + math.log(float(case["weights"][0])), inputs=certain,
                 tolerance=Tolerance(_slack(case)),
                 problem="at q = 1[z = 0] is not log p(x, z = 0) = log pi_0 + log N(x; mu, I) "
                         "(with 0 log 0 = 0)")
    reweighted, shift = _reweighted(case, data)
    moved = _values(student, "elbo", reweighted) - _values(student, "elbo", case)
    expect_close("elbo", moved, case["q"].numpy() @ shift, inputs=reweighted,
                 tolerance=Tolerance(_slack(case)),
                 problem="does not move by sum_k q_k (log pi'_k - log pi_k) when the weights "
                         "change")


@check(case=gmm_cases(), data=st.data())
def elbo_uniform_properties(student, case, data):
    """q uniform is the posterior when there is one component, or when K components of equal
    weights coincide: the ELBO is then log N(x; mu, I). New weights move it by the mean over k
    of log pi'_k - log pi_k."""
    expect_one_component("elbo_uniform", student, case)
    K = len(case["weights"])
    equal = dict(_coinciding(case), weights=torch.full((K,), 1.0 / K, dtype=torch.float64))
    expected = unit_gaussian_log_density(case["x"], case["means"][0])
    expect_close("elbo_uniform", _values(student, "elbo_uniform", equal), expected,
                 inputs=equal, tolerance=Tolerance(_slack(case)),
                 problem="is not log N(x; mu, I) when K components of equal weights coincide "
                         "(q uniform is then the posterior, and the ELBO is log p(x))")
    reweighted, shift = _reweighted(case, data)
    moved = _values(student, "elbo_uniform", reweighted) - _values(student, "elbo_uniform", case)
    expect_close("elbo_uniform", moved, np.full(len(case["x"]), shift.mean()),
                 inputs=reweighted, tolerance=Tolerance(_slack(case)),
                 problem="does not move by (1/K) sum_k (log pi'_k - log pi_k) when the weights "
                         "change")


@check(case=gmm_cases(), data=st.data())
def elbo_posterior_properties(student, case, data):
    """The ELBO at the posterior is log p(x): log N(x; mu, I) for one component or coinciding
    means, unchanged when the components are listed in another order, and unchanged when a
    component is split into two halves of its weight."""
    expect_one_component("elbo_posterior", student, case)
    expected = unit_gaussian_log_density(case["x"], case["means"][0])
    same = _coinciding(case)
    expect_close("elbo_posterior", _values(student, "elbo_posterior", same), expected,
                 inputs=same, tolerance=Tolerance(_slack(case)),
                 problem="is not log p(x) = log N(x; mu, I) when the means coincide")
    got = _values(student, "elbo_posterior", case)
    order = list(data.draw(st.permutations(range(len(case["weights"])))))
    permuted = dict(case, weights=case["weights"][order], means=case["means"][order])
    expect_close("elbo_posterior", _values(student, "elbo_posterior", permuted), got,
                 inputs=permuted, tolerance=Tolerance(_slack(case)),
                 problem="changes when the components are listed in another order")
    split = dict(case, weights=torch.cat([case["weights"][:1] / 2, case["weights"][:1] / 2,
                                          case["weights"][1:]]),
                 means=torch.cat([case["means"][:1], case["means"]]))
    expect_close("elbo_posterior", _values(student, "elbo_posterior", split), got,
                 inputs=split, tolerance=Tolerance(_slack(case)),
                 problem="changes when component 0 is split into two halves of its weight "
                         "(log p(x) does not change: it is the same mixture)")


@check(case=posterior_cases())
def kl_properties(student, case):
    """KL(q || p(z | x)) >= 0. At q = 1[z = k] it is -log p(z = k | x), so exp(-KL) over the K
    one-hot q sums to 1. With coinciding means the posterior is the prior: KL is 0 at q = pi
    and -log pi_0 at q = 1[z = 0]."""
    n, K = case["q"].shape
    kl = student.call_array("kl_to_posterior", (n,), **case)
    if np.any(kl < -_slack(case)):
        raise Mismatch("kl_to_posterior", case, kl, problem="is negative")
    total = np.zeros(n)
    for k in range(K):
        certain = dict(case, q=_one_hot(case, k))
        value = student.call_array("kl_to_posterior", (n,), **certain)
        with np.errstate(over="ignore", invalid="ignore"):
            total += np.exp(-value)
    expect_close("kl_to_posterior", total, np.ones(n), inputs=dict(case, q="each 1[z = k]"),
                 tolerance=Tolerance(_slack(case)),
                 problem="at q = 1[z = k] is not -log p(z = k | x): exp(-KL) summed over the "
                         "K one-hot q is not 1")
    same = _coinciding(case)
    at_prior = dict(same, q=case["weights"].expand(n, K).clone())
    expect_close("kl_to_posterior", student.call("kl_to_posterior", **at_prior), np.zeros(n),
                 inputs=at_prior, tolerance=Tolerance(_slack(case)),
                 problem="is not 0 at q = p(z | x) (the means coincide: the posterior is pi)")
    certain = dict(same, q=_one_hot(case))
    expect_close("kl_to_posterior", student.call("kl_to_posterior", **certain),
                 np.full(n, -math.log(float(case["weights"][0]))), inputs=certain,
                 tolerance=Tolerance(_slack(case), 1e-4),
                 problem="at q = 1[z = 0] is not -log p(z = 0 | x) = -log pi_0 (the means "
                         "coincide: the posterior is pi)")


def _turned(x: torch.Tensor, K: int) -> torch.Tensor:
    """x rotated by 2 pi / K about the origin (rounded to float32, as every input is)."""
    angle = 2 * math.pi / K
    rotation = np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
    return as_tensor(round_to_float32(x.numpy() @ rotation.T))


@check(n=st.integers(1, 10), K=st.integers(1, 12), R=st.floats(0.5, 15.0, width=32),
       data=st.data())
def gap_properties(student, n, K, R, data):
    """log p(x) - ELBO_uniform >= 0; 0 with one component and at x = 0 (every mean is as far:
    the posterior is uniform there); unchanged when x turns by 2 pi / K (the means form a
    regular K-gon); and the fixed values of GAP_VALUES."""
    x = as_tensor(data.draw(points(n, 15.0)))
    inputs = {"x": x, "K": K, "R": R}
    scale = 1e-4 * (1 + R + float(x.abs().max())) ** 2
    gap = student.call_array("elbo_gap_uniform", (n,), **inputs)
    if np.any(gap < -scale):
        raise Mismatch("elbo_gap_uniform", inputs, gap, problem="is negative; the ELBO is a "
                       "lower bound of log p(x)")
    turned = dict(inputs, x=_turned(x, K))
    expect_close("elbo_gap_uniform", student.call("elbo_gap_uniform", **turned), gap,
                 inputs=turned, tolerance=Tolerance(scale, 1e-4),
                 problem="changes when x turns by 2 pi / K about the origin, which maps the "
                         "regular K-gon of means onto itself")
    for zero in ({"x": torch.zeros(1, 2, dtype=torch.float64), "K": K, "R": R},
                 {"x": x, "K": 1, "R": R}):
        expect_close("elbo_gap_uniform", student.call("elbo_gap_uniform", **zero),
                     np.zeros(len(zero["x"])), inputs=zero, tolerance=Tolerance(scale),
                     problem="is not 0 where q uniform is the posterior (one component, or "
                             "x = 0, as far from every mean)")
    for fixed, expected in GAP_VALUES:
        fixed = dict(fixed, x=torch.tensor(fixed["x"], dtype=torch.float64))
        expect_close("elbo_gap_uniform", student.call("elbo_gap_uniform", **fixed), expected,
                     inputs=fixed, tolerance=Tolerance(1e-4, 1e-4),
                     problem="is not log p(x) - ELBO_uniform")
