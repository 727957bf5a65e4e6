"""Public checks for the Gaussian mixture and EM (final 1.1, 1.2): properties and statistics
that follow from the homework's definitions."""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from autograder.checks.api import Mismatch, Tolerance, as_float_array, check, expect_close, spec
from autograder.checks.strategies import as_tensor, em_cases, gmm_cases

# The sampler's statistics are z-scores checked at |z| <= 6: a correct sampler fails one with
# probability about 2e-9, and the 20-odd statistics below together with less than 1e-7.
Z_LIMIT = 6.0
SAMPLES = 20000
# Cluster centres this far apart make every responsibility 0 or 1 to machine precision: the
# log-odds between two components differ by more than 10000 nats for points within 15 of
# their own centre.
SEPARATION = 200.0
SAMPLER_CASES = [
    {"weights": [0.5, 0.3, 0.2], "means": [[-20.0, 0.0], [20.0, 0.0], [0.0, 30.0]], "seed": 11},
    {"weights": [1.0], "means": [[3.0, -4.0]], "seed": 12},
    {"weights": [0.1, 0.9], "means": [[0.0, -25.0], [0.0, 25.0]], "seed": 13},
]


def unit_gaussian_log_density(x, mean) -> np.ndarray:
    """log N(x; mean, I_2) = -log(2 pi) - |x - mean|^2 / 2 for each row of x (n, 2): the
    textbook density of one component, which every mixture quantity of the homework reduces
    to when there is a single component (or all components coincide)."""
    x, mean = np.asarray(x, dtype=np.float64), np.asarray(mean, dtype=np.float64)
    return -math.log(2 * math.pi) - ((x - mean.reshape(1, 2)) ** 2).sum(axis=1) / 2


@check(K=st.integers(1, 12), R=st.floats(0.5, 20.0, width=32))
def means_form_a_regular_polygon(student, K, R):
    """A regular K-gon of radius R about the origin with a vertex at (R, 0): every mean at
    distance R, the mean (R, 0) among them, and the others each 2 pi / K further round than
    the one before."""
    inputs = {"K": K, "R": R}
    means = student.call_array("gmm_means", (K, 2), **inputs)
    turns = np.mod(np.arctan2(means[:, 1], means[:, 0]) / (2 * np.pi), 1.0)
    turns = np.sort(np.where(turns > 1 - 1e-6, turns - 1, turns))  # just below 0 is 0
    steps = np.diff(np.append(turns, turns[0] + 1.0))
    if not (np.allclose(np.hypot(means[:, 0], means[:, 1]), R, rtol=1e-5)
            and abs(turns[0]) <= 1e-6 and np.allclose(steps, 1.0 / K, atol=1e-6)):
        raise Mismatch("gmm_means", inputs, means, problem="are not R (cos(2 pi k / K), "
                       "sin(2 pi k / K)) for k = 1..K: a regular K-gon of radius R with a "
                       "vertex at (R, 0)")


def _sample(student, case, n, seed):
    inputs = {"n": n, "weights": torch.tensor(case["weights"], dtype=torch.float64),
              "means": torch.tensor(case["means"], dtype=torch.float64),
              "generator": spec("generator", seed=seed)}
    return inputs, student.call_array("sample_gmm", (n, 2), **inputs)


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


@check(case=gmm_cases(), data=st.data())
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
    expect_one_component("gmm_log_density", student, case)


def one_component(case) -> dict:
    """``case`` (x, weights, means) reduced to its first component, of weight 1."""
    return dict(case, weights=torch.ones(1, dtype=torch.float64), means=case["means"][:1])


def expect_one_component(function: str, student, case, column: bool = False) -> None:
    """With a single component of weight 1, ``function`` (the mixture's log-density, its log
    joint, or a bound on the log-density that is tight there) is log N(x; mu, I) =
    -log(2 pi) - |x - mu|^2 / 2; ``column``: the answer is (n, 1), one column per component."""
    single = one_component(case)
    expected = unit_gaussian_log_density(single["x"], single["means"][0])
    expect_close(function, student.call(function, **single),
                 expected[:, None] if column else expected, inputs=single,
                 tolerance=Tolerance(1e-4 * (1 + np.abs(expected).max())),
                 problem="with one component is not log N(x; mu, I) = -log(2 pi) - "
                         "|x - mu|^2 / 2")


@check(case=gmm_cases())
def responsibilities_are_a_posterior(student, case):
    """Each row is a distribution over the components, and with equal weights the nearest
    mean is the most responsible."""
    n, K = len(case["x"]), len(case["weights"])
    r = student.call_array("responsibilities", (n, K), **case)
    if np.any(r < -1e-7) or not np.allclose(r.sum(axis=1), 1, atol=1e-5):
        raise Mismatch("responsibilities", case, r,
                       problem="are not distributions over the components (rows >= 0, sum 1)")
    equal = dict(case, weights=torch.full((K,), 1.0 / K, dtype=torch.float64))
    r = student.call_array("responsibilities", (n, K), **equal)
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


def separated_clusters(case) -> tuple[dict, np.ndarray, np.ndarray]:
    """An EM start whose answer needs no density: the points of ``case`` dealt round-robin to
    min(K, n) centres SEPARATION apart, one component started near each centre. Every point
    belongs to its own centre's component with responsibility 1, so one EM step gives each
    component the share of points it owns and their average. Returns (inputs, expected
    weights, expected means)."""
    x = case["x"].numpy()
    K = min(len(case["weights"]), len(x))
    centres = np.stack([SEPARATION * np.arange(K), np.zeros(K)], axis=1)
    owner = np.arange(len(x)) % K
    moved = x + centres[owner]
    weights = case["weights"].numpy()[:K]
    inputs = {"x": as_tensor(moved), "weights": as_tensor(weights / weights.sum()),
              "means": as_tensor(centres + case["means"].numpy()[:K] / 10)}
    counts = np.bincount(owner, minlength=K)
    averages = np.stack([moved[owner == k].mean(axis=0) for k in range(K)])
    return inputs, counts / len(x), averages


def _weights_and_means(student, inputs, K: int):
    got = student.call("em_step", **inputs)
    if not isinstance(got, list) or len(got) != 2:
        raise Mismatch("em_step", inputs, got, problem="should return (weights, means)")
    return got, as_float_array("em_step", got[0], (K,), inputs), as_float_array(
        "em_step", got[1], (K, 2), inputs)


@check(case=em_cases())
def em_step_follows_separated_clusters(student, case):
    """New weights on the simplex and means of shape (K, 2); on well separated clusters each
    component takes the share and the average of its own points; with one component, the
    mean of the data."""
    _, weights, _ = _weights_and_means(student, case, len(case["weights"]))
    if np.any(weights < -1e-7) or abs(weights.sum() - 1) > 1e-5:
        raise Mismatch("em_step", case, weights, problem="returns weights off the simplex")
    separated, shares, averages = separated_clusters(case)
    got, _, _ = _weights_and_means(student, separated, len(shares))
    expect_close("em_step", got, (shares, averages), inputs=separated,
                 tolerance=Tolerance(1e-3, 1e-5),
                 problem="on clusters 200 apart does not give each component the share and "
                         "the average of the points it owns (their responsibilities are 0 or 1)")
    single = {"x": case["x"], "weights": torch.ones(1, dtype=torch.float64),
              "means": case["means"][:1] + 1.0}
    moved = student.call("em_step", **single)
    if not isinstance(moved, list) or len(moved) != 2 or not np.allclose(
            as_float_array("em_step", moved[1], (1, 2), single),
            case["x"].numpy().mean(axis=0, keepdims=True), atol=1e-4):
        raise Mismatch("em_step", single, moved, problem="with one component should move the "
                       "mean to the mean of the data")


@check(case=em_cases(), n_iters=st.integers(0, 6), examples=30)
def fit_history_is_monotone(student, case, n_iters):
    """n_iters + 1 values, never decreasing; with one component the history is the mean
    log-likelihood of a single Gaussian: at the start's mean first, then at the data's mean,
    where the fit ends."""
    inputs = {"x": case["x"], "init_weights": case["weights"], "init_means": case["means"],
              "n_iters": n_iters}
    history = _fit(student, inputs)[2]
    if np.any(np.diff(history) < -1e-4 * (1 + np.abs(history[:-1]))):
        raise Mismatch("fit_gmm_em", inputs, history, problem="history decreases; EM never "
                       "lowers the likelihood")
    x = case["x"].numpy()
    single = dict(inputs, init_weights=torch.ones(1, dtype=torch.float64),
                  init_means=case["means"][:1])
    _, means, history = _fit(student, single)
    expected = np.array([unit_gaussian_log_density(x, case["means"][0]).mean()] + n_iters * [
        unit_gaussian_log_density(x, x.mean(axis=0)).mean()])
    expect_close("fit_gmm_em", history, expected, inputs=single,
                 tolerance=Tolerance(1e-4 * (1 + abs(expected[0]))),
                 problem="with one component is not the mean log-likelihood of that Gaussian "
                         "(at the start, then at the mean of the data)")
    if n_iters >= 1 and not np.allclose(means[0], x.mean(axis=0), atol=1e-4):
        raise Mismatch("fit_gmm_em", single, means, problem="with one component does not end "
                       "at the mean of the data")


def _fit(student, inputs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The student's (weights, means, history), each checked for its shape."""
    got = student.call("fit_gmm_em", **inputs)
    if not isinstance(got, list) or len(got) != 3:
        raise Mismatch("fit_gmm_em", inputs, got, problem="should return (weights, means, "
                       "history)")
    K = len(inputs["init_weights"])
    return (as_float_array("fit_gmm_em", got[0], (K,), inputs),
            as_float_array("fit_gmm_em", got[1], (K, 2), inputs),
            as_float_array("fit_gmm_em", got[2], (inputs["n_iters"] + 1,), inputs))
