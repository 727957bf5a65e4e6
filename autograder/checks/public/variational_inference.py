"""Public checks for the variational lower bound (final 2.1-2.4)."""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.checks.densities import mixture_log_density, mixture_log_joint, mixture_posterior
from autograder.checks.strategies import as_tensor, gmm_cases, points, posterior_cases
from autograder.engine.checks import check
from autograder.engine.compare import Tolerance, as_float_array, expect_close
from autograder.engine.outcomes import Mismatch


def _slack(case) -> float:
    return 1e-4 * (1 + float(case["x"].abs().max()) + float(case["means"].abs().max())) ** 2


@check()
@given(case=gmm_cases(), data=st.data())
def log_joint_properties(student, case, data):
    """log p(x, k) moves by log pi'_k - log pi_k when the weights change, and its
    log-sum-exp over k is the mixture's log-density."""
    n, K = len(case["x"]), len(case["weights"])
    joint = as_float_array("log_joint", student.call("log_joint", **case), (n, K), case)
    top = joint.max(axis=1, keepdims=True)
    total = (top + np.log(np.exp(joint - top).sum(axis=1, keepdims=True)))[:, 0]
    expect_close("log_joint", total, mixture_log_density(**case), inputs=case,
                 tolerance=Tolerance(_slack(case)),
                 problem="does not sum (over k, in the log domain) to log p(x)")
    raw = np.asarray(data.draw(st.lists(st.floats(0.05, 1.0), min_size=K, max_size=K)))
    reweighted = dict(case, weights=torch.from_numpy(raw / raw.sum()))
    moved = as_float_array("log_joint", student.call("log_joint", **reweighted), (n, K),
                           reweighted)
    shift = np.log(raw / raw.sum()) - np.log(case["weights"].numpy())
    expect_close("log_joint", moved - joint, np.broadcast_to(shift, (n, K)), inputs=reweighted,
                 tolerance=Tolerance(_slack(case)),
                 problem="does not move by log pi'_k - log pi_k when the weights change")


@check()
@given(case=posterior_cases())
def elbo_is_a_lower_bound(student, case):
    """ELBO(q) <= log p(x), with equality at q = p(z | x); at q = 1[z = k] it is log p(x, k)."""
    log_p = mixture_log_density(case["x"], case["weights"], case["means"])
    n = len(case["x"])
    bound = as_float_array("elbo", student.call("elbo", **case), (n,), case)
    if np.any(bound > log_p + _slack(case)):
        raise Mismatch("elbo", case, bound, log_p, problem="exceeds log p(x)")
    at_posterior = dict(case, q=torch.from_numpy(
        mixture_posterior(case["x"], case["weights"], case["means"])))
    expect_close("elbo", student.call("elbo", **at_posterior), log_p, inputs=at_posterior,
                 tolerance=Tolerance(_slack(case)), problem="at q = p(z | x) is not log p(x)")
    certain = dict(case, q=_one_hot(case))
    expect_close("elbo", student.call("elbo", **certain),
                 mixture_log_joint(case["x"], case["weights"], case["means"])[:, 0],
                 inputs=certain, tolerance=Tolerance(_slack(case)),
                 problem="at q = 1[z = 0] is not log p(x, z = 0) (with 0 log 0 = 0)")


def _one_hot(case) -> torch.Tensor:
    q = torch.zeros_like(case["q"])
    q[:, 0] = 1.0
    return q


@check()
@given(case=posterior_cases())
def kl_properties(student, case):
    """KL(q || p(z | x)) >= 0, 0 at q = p(z | x), and -log p(z = 0 | x) at q = 1[z = 0]."""
    n = len(case["x"])
    kl = as_float_array("kl_to_posterior", student.call("kl_to_posterior", **case), (n,), case)
    if np.any(kl < -_slack(case)):
        raise Mismatch("kl_to_posterior", case, kl, problem="is negative")
    at_posterior = dict(case, q=torch.from_numpy(
        mixture_posterior(case["x"], case["weights"], case["means"])))
    expect_close("kl_to_posterior", student.call("kl_to_posterior", **at_posterior),
                 np.zeros(n), inputs=at_posterior, tolerance=Tolerance(_slack(case)),
                 problem="is not 0 at q = p(z | x)")
    certain = dict(case, q=_one_hot(case))
    posterior = mixture_posterior(case["x"], case["weights"], case["means"])[:, 0]
    with np.errstate(divide="ignore"):
        expected = -np.log(posterior)
    expect_close("kl_to_posterior", student.call("kl_to_posterior", **certain), expected,
                 inputs=certain, tolerance=Tolerance(_slack(case), 1e-4),
                 problem="at q = 1[z = 0] is not -log p(z = 0 | x)")


@check()
@given(n=st.integers(1, 10), K=st.integers(1, 12), R=st.floats(0.5, 15.0, width=32),
       data=st.data())
def gap_properties(student, n, K, R, data):
    """log p(x) - ELBO_uniform >= 0, 0 for a single component, and in general the KL
    divergence from the uniform q to the posterior."""
    x = as_tensor(data.draw(points(n, 15.0)))
    inputs = {"x": x, "K": K, "R": R}
    gap = as_float_array("elbo_gap_uniform", student.call("elbo_gap_uniform", **inputs), (n,),
                         inputs)
    if np.any(gap < -1e-4 * (1 + R) ** 2):
        raise Mismatch("elbo_gap_uniform", inputs, gap, problem="is negative; the ELBO is a "
                       "lower bound of log p(x)")
    angles = 2 * np.pi * np.arange(1, K + 1) / K
    means = R * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    posterior = mixture_posterior(x, np.full(K, 1.0 / K), means)
    with np.errstate(divide="ignore"):
        kl = -np.log(K) - np.log(posterior).mean(axis=1)
    expect_close("elbo_gap_uniform", gap, kl, inputs=inputs,
                 tolerance=Tolerance(1e-4 * (1 + R + float(x.abs().max())) ** 2, 1e-4),
                 problem="is not KL(uniform || p(z | x)), which log p(x) - ELBO is by 2.1")
    single = {"x": x, "K": 1, "R": R}
    expect_close("elbo_gap_uniform", student.call("elbo_gap_uniform", **single), np.zeros(n),
                 inputs=single, tolerance=Tolerance(1e-4 * (1 + R) ** 2),
                 problem="is not 0 with one component (q uniform is then the posterior)")
