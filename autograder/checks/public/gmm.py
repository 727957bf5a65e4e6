"""Public checks for the Gaussian mixture and EM (final 1.1, 1.2): properties and statistics
that follow from the homework's definitions."""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.checks.densities import mixture_log_density
from autograder.checks.strategies import gmm_cases, mixtures, points, as_tensor
from autograder.engine.checks import check
from autograder.engine.compare import Tolerance, as_float_array, expect_close
from autograder.engine.outcomes import Mismatch

# The sampler's statistics are z-scores checked at |z| <= 6: a correct sampler fails one with
# probability about 2e-9, and the 20-odd statistics below together with less than 1e-7.
Z_LIMIT = 6.0
SAMPLES = 20000
SAMPLER_CASES = [
    {"weights": [0.5, 0.3, 0.2], "means": [[-20.0, 0.0], [20.0, 0.0], [0.0, 30.0]], "seed": 11},
    {"weights": [1.0], "means": [[3.0, -4.0]], "seed": 12},
    {"weights": [0.1, 0.9], "means": [[0.0, -25.0], [0.0, 25.0]], "seed": 13},
]


@check()
@given(K=st.integers(1, 12), R=st.floats(0.5, 20.0, width=32))
def means_form_a_regular_polygon(student, K, R):
    """K points at distance R from the origin, one of them at angle 0, 2 pi / K apart."""
    inputs = {"K": K, "R": R}
    means = as_float_array("gmm_means", student.call("gmm_means", **inputs), (K, 2), inputs)
    angles = np.sort(np.mod(np.arctan2(means[:, 1], means[:, 0]), 2 * np.pi))
    angles[np.isclose(angles, 2 * np.pi, atol=1e-5)] = 0.0
    expected = np.sort(np.mod(2 * np.pi * np.arange(1, K + 1) / K, 2 * np.pi))
    expected[np.isclose(expected, 2 * np.pi)] = 0.0
    radii_ok = np.allclose(np.hypot(means[:, 0], means[:, 1]), R, rtol=1e-5)
    if not radii_ok or not np.allclose(np.sort(angles), np.sort(expected), atol=1e-5):
        raise Mismatch("gmm_means", inputs, means, problem="are not R (cos(2 pi k / K), "
                       "sin(2 pi k / K)) for k = 1..K")


def _sample(student, case, n, seed):
    inputs = {"n": n, "weights": torch.tensor(case["weights"], dtype=torch.float64),
              "means": torch.tensor(case["means"], dtype=torch.float64),
              "generator": {"__build__": "generator", "seed": seed}}
    return inputs, as_float_array("sample_gmm", student.call("sample_gmm", **inputs), (n, 2),
                                  inputs)


def _z_fail(inputs, samples, what: str, z: float):
    raise Mismatch("sample_gmm", inputs, samples,
                   problem=f"does not follow the mixture: {what} is {abs(z):.1f} standard "
                           f"errors from what the weights and means imply (limit {Z_LIMIT:g})")


@check()
def sampler_follows_the_mixture(student):
    """Component frequencies, means and unit covariances of 20000 draws, and the generator
    used for all randomness (same seed, same draws; new seed, new draws)."""
    for case in SAMPLER_CASES:
        inputs, samples = _sample(student, case, SAMPLES, case["seed"])
        means, weights = np.array(case["means"]), np.array(case["weights"])
        nearest = np.argmin(((samples[:, None, :] - means[None]) ** 2).sum(axis=2), axis=1)
        for k, (mean, weight) in enumerate(zip(means, weights)):
            own = samples[nearest == k]
            z = (len(own) - SAMPLES * weight) / math.sqrt(SAMPLES * weight * (1 - weight) or 1)
            if abs(z) > Z_LIMIT:
                _z_fail(inputs, samples, f"the frequency of component {k}", z)
            for axis in range(2):
                z = (own[:, axis].mean() - mean[axis]) * math.sqrt(len(own))
                if abs(z) > Z_LIMIT:
                    _z_fail(inputs, samples, f"the mean of component {k} on axis {axis}", z)
                z = (own[:, axis].var() - 1) / math.sqrt(2 / len(own))
                if abs(z) > Z_LIMIT:
                    _z_fail(inputs, samples, f"the variance of component {k} on axis {axis} "
                            "(the covariance is I_2)", z)
            z = np.corrcoef(own.T)[0, 1] * math.sqrt(len(own))
            if abs(z) > Z_LIMIT:
                _z_fail(inputs, samples, f"the correlation of the axes in component {k}", z)
        again = _sample(student, case, SAMPLES, case["seed"])[1]
        other = _sample(student, case, SAMPLES, case["seed"] + 1000)[1]
        if not np.array_equal(samples, again) or np.array_equal(samples, other):
            raise Mismatch("sample_gmm", inputs, samples, problem="does not draw its "
                           "randomness from the generator it is given")


@check()
@given(case=gmm_cases(), data=st.data())
def log_density_properties(student, case, data):
    """Unchanged when the components are listed in another order; a single component has
    log-density -log(2 pi) - |x - mu|^2 / 2."""
    got = student.call("gmm_log_density", **case)
    order = data.draw(st.permutations(range(len(case["weights"]))))
    permuted = dict(case, weights=case["weights"][list(order)], means=case["means"][list(order)])
    expect_close("gmm_log_density", student.call("gmm_log_density", **permuted),
                 np.asarray(got, dtype=np.float64), inputs=permuted,
                 tolerance=Tolerance(1e-4, 1e-5),
                 problem="changes when the components are listed in another order")
    single = {"x": case["x"], "weights": torch.ones(1, dtype=torch.float64),
              "means": case["means"][:1]}
    squared = ((case["x"] - case["means"][:1]) ** 2).sum(dim=1).numpy()
    expect_close("gmm_log_density", student.call("gmm_log_density", **single),
                 -math.log(2 * math.pi) - squared / 2, inputs=single,
                 tolerance=Tolerance(1e-4 * (1 + squared.max())),
                 problem="of one component is not log N(x; mu, I) = -log(2 pi) - |x - mu|^2 / 2")


@check()
@given(case=gmm_cases())
def responsibilities_are_a_posterior(student, case):
    """Each row is a distribution over the components, and with equal weights the nearest
    mean is the most responsible."""
    n, K = len(case["x"]), len(case["weights"])
    r = as_float_array("responsibilities", student.call("responsibilities", **case), (n, K), case)
    if np.any(r < -1e-7) or not np.allclose(r.sum(axis=1), 1, atol=1e-5):
        raise Mismatch("responsibilities", case, r,
                       problem="are not distributions over the components (rows >= 0, sum 1)")
    equal = dict(case, weights=torch.full((K,), 1.0 / K, dtype=torch.float64))
    r = as_float_array("responsibilities", student.call("responsibilities", **equal), (n, K),
                       equal)
    distances = ((case["x"][:, None, :] - case["means"][None]) ** 2).sum(dim=2).numpy()
    nearest = distances.argmin(axis=1)
    runner_up = np.sort(distances, axis=1)[:, 1] if K > 1 else np.full(n, np.inf)
    clearly = runner_up - distances[np.arange(n), nearest] >= 1.0
    others = r.copy()
    others[np.arange(n), nearest] = -np.inf
    if np.any(r[np.arange(n), nearest] < r.max(axis=1) - 1e-5) or np.any(
            clearly & (r[np.arange(n), nearest] <= others.max(axis=1) + 1e-6)):
        raise Mismatch("responsibilities", equal, r, problem="with equal weights do not make "
                       "the nearest mean the most responsible")


@st.composite
def _em_start(draw):
    mixture = draw(mixtures())
    return {"x": as_tensor(draw(points(draw(st.integers(2, 30)), 10.0))), **mixture}


@check()
@given(case=_em_start())
def em_never_lowers_the_likelihood(student, case):
    """New weights on the simplex, means of shape (K, 2), and a likelihood that does not go
    down; with one component, the mean of the data."""
    K = len(case["weights"])
    got = student.call("em_step", **case)
    if not isinstance(got, list) or len(got) != 2:
        raise Mismatch("em_step", case, got, problem="should return (weights, means)")
    weights = as_float_array("em_step", got[0], (K,), case)
    means = as_float_array("em_step", got[1], (K, 2), case)
    if np.any(weights < -1e-7) or abs(weights.sum() - 1) > 1e-5:
        raise Mismatch("em_step", case, weights, problem="returns weights off the simplex")
    before = mixture_log_density(case["x"], case["weights"], case["means"]).mean()
    after = mixture_log_density(case["x"], np.clip(weights, 1e-300, None), means).mean()
    if not after >= before - 1e-4 * (1 + abs(before)):
        raise Mismatch("em_step", case, got, problem=f"lowers the mean log-likelihood from "
                       f"{before:.6g} to {after:.6g}; an EM step never does")
    single = {"x": case["x"], "weights": torch.ones(1, dtype=torch.float64),
              "means": case["means"][:1] + 1.0}
    moved = student.call("em_step", **single)
    if not isinstance(moved, list) or len(moved) != 2 or not np.allclose(
            as_float_array("em_step", moved[1], (1, 2), single),
            case["x"].numpy().mean(axis=0, keepdims=True), atol=1e-4):
        raise Mismatch("em_step", single, moved, problem="with one component should move the "
                       "mean to the mean of the data")


@check(max_examples=30)
@given(case=_em_start(), n_iters=st.integers(0, 6))
def fit_history_is_monotone(student, case, n_iters):
    """n_iters + 1 values, the first the start's mean log-likelihood, never decreasing."""
    inputs = {"x": case["x"], "init_weights": case["weights"], "init_means": case["means"],
              "n_iters": n_iters}
    got = student.call("fit_gmm_em", **inputs)
    if not isinstance(got, list) or len(got) != 3:
        raise Mismatch("fit_gmm_em", inputs, got, problem="should return (weights, means, "
                       "history)")
    history = as_float_array("fit_gmm_em", got[2], (n_iters + 1,), inputs)
    start = mixture_log_density(case["x"], case["weights"], case["means"]).mean()
    if abs(history[0] - start) > 1e-4 * (1 + abs(start)):
        raise Mismatch("fit_gmm_em", inputs, history, problem=f"history[0] = {history[0]:.6g} "
                       f"is not the mean log-likelihood at the start ({start:.6g})")
    if np.any(np.diff(history) < -1e-4 * (1 + np.abs(history[:-1]))):
        raise Mismatch("fit_gmm_em", inputs, history, problem="history decreases; EM never "
                       "lowers the likelihood")
    means = as_float_array("fit_gmm_em", got[1], tuple(case["means"].shape), inputs)
    if len(case["weights"]) == 1 and n_iters >= 1 and not np.allclose(
            means[0], case["x"].numpy().mean(axis=0), atol=1e-4):
        raise Mismatch("fit_gmm_em", inputs, means, problem="with one component does not end "
                       "at the mean of the data")
