"""Hidden checks for the Gaussian mixture and EM (final 1.1, 1.2) against the reference.
Component order is part of the contract for EM (it starts from the given parameters), so
answers are compared directly, component by component."""
from __future__ import annotations

import math

import numpy as np

from autograder.checks.api import FLOAT32_ROUNDOFF, Tolerance, float32_tolerance
from autograder.checks.conditioning import log_density_tolerance, squared_scale
from autograder.checks.hidden.common import comparison
from autograder.checks.strategies import cases
from reference import gmm as ref

UNSTABLE = ("Far from every mean the Gaussian densities underflow: work with log pi_k + "
            "log N(x; mu_k, I) and torch.logsumexp / torch.softmax.")


def probability_tolerance(case) -> Tolerance:
    return Tolerance(atol=1e-6, rtol=math.expm1(8 * FLOAT32_ROUNDOFF * squared_scale(case)))


def _em_tolerance(case) -> Tolerance:
    spread = 1 + 2 * float(np.abs(case["x"].numpy()).max())
    return float32_tolerance(spread**2 * len(case["x"]))


log_density_value = comparison("gmm_log_density", ref.gmm_log_density,
                               cases("gmm_log_density"), log_density_tolerance,
                               unstable_hint=UNSTABLE)
log_density_stability = comparison("gmm_log_density", ref.gmm_log_density,
                                   cases("gmm_log_density", "far"), log_density_tolerance,
                                   unstable_hint=UNSTABLE)
responsibilities_value = comparison("responsibilities", ref.responsibilities,
                                    cases("responsibilities"), probability_tolerance,
                                    unstable_hint=UNSTABLE)
responsibilities_stability = comparison("responsibilities", ref.responsibilities,
                                        cases("responsibilities", "far"), probability_tolerance,
                                        unstable_hint=UNSTABLE)
em_step_value = comparison("em_step", ref.em_step, cases("em_step"), _em_tolerance)
fit_value = comparison(
    "fit_gmm_em", ref.fit_gmm_em, cases("fit_gmm_em"),
    lambda case: _em_tolerance({"x": case["x"]}), examples=30)
