"""Hidden checks for the importance-sampling estimators of the EBM (final 1.5-1.7)."""
from __future__ import annotations

import math

import numpy as np
import torch

from autograder.checks.api import (FLOAT32_ROUNDOFF, Mismatch, Tolerance, build, check,
                                   float32_tolerance)
from autograder.checks.public.importance_sampling import (
    model_log_likelihood, trained_log_likelihoods)
from autograder.checks.hidden.common import comparison, in_float64
from autograder.checks.strategies import cases
from reference import importance_sampling as ref

UNSTABLE = ("exp(E - log q) overflows for large E: normalise the weights in the log domain "
            "(torch.softmax / torch.logsumexp of E - log q).")


def _weight_slack(log_target, log_q) -> float:
    """Relative error float32 can put on the normalised weights."""
    scale = 1 + float(np.abs(np.asarray(log_target)).max()) + float(np.abs(np.asarray(log_q)).max())
    return math.expm1(8 * FLOAT32_ROUNDOFF * scale)


def _snis_tolerance(case) -> Tolerance:
    f = 1 + float(case["f_values"].abs().max())
    slack = _weight_slack(case["log_target"], case["log_q"])
    return Tolerance(atol=(slack + 64 * FLOAT32_ROUNDOFF) * f)


def _log_partition_tolerance(case) -> Tolerance:
    return float32_tolerance(1 + float(case["log_target"].abs().max())
                             + float(case["log_q"].abs().max()))


def _gradient_tolerance(case) -> Tolerance:
    model = build(case["model"])
    with torch.no_grad():
        energies = model(case["x_q"])
    gradient_scale = 10 * (1 + float(case["x_q"].abs().max()))
    slack = _weight_slack(energies, case["log_q"])
    return Tolerance(atol=(slack + 64 * FLOAT32_ROUNDOFF) * gradient_scale)


def _test_likelihood_tolerance(case) -> Tolerance:
    with torch.no_grad():
        energies = build(case["model"])(case["x_q"])
    return float32_tolerance(1 + float(energies.abs().max()) + float(case["log_q"].abs().max()))


snis_value = comparison("self_normalized_is", ref.self_normalized_is,
                        cases("self_normalized_is"), _snis_tolerance, unstable_hint=UNSTABLE)
snis_stability = comparison("self_normalized_is", ref.self_normalized_is,
                            cases("self_normalized_is", "large"), _snis_tolerance,
                            unstable_hint=UNSTABLE)
log_partition_value = comparison("is_log_partition", ref.is_log_partition,
                                 cases("is_log_partition"), _log_partition_tolerance,
                                 unstable_hint=UNSTABLE)
log_partition_stability = comparison("is_log_partition", ref.is_log_partition,
                                     cases("is_log_partition", "large"), _log_partition_tolerance,
                                     unstable_hint=UNSTABLE)
grad_log_partition_value = comparison("is_grad_log_partition",
                                      in_float64(ref.is_grad_log_partition),
                                      cases("is_grad_log_partition"), _gradient_tolerance,
                                      examples=40, unstable_hint=UNSTABLE)
grad_log_partition_stability = comparison("is_grad_log_partition",
                                          in_float64(ref.is_grad_log_partition),
                                          cases("is_grad_log_partition", "large"),
                                          _gradient_tolerance, examples=40,
                                          unstable_hint=UNSTABLE)
loglik_grad_value = comparison("ebm_loglik_grad", in_float64(ref.ebm_loglik_grad),
                               cases("ebm_loglik_grad"), _gradient_tolerance, examples=40)
test_log_likelihood_value = comparison("ebm_test_log_likelihood",
                                       in_float64(ref.ebm_test_log_likelihood),
                                       cases("ebm_test_log_likelihood"),
                                       _test_likelihood_tolerance, examples=40)


@check()
def train_ebm_matches_gradient_ascent(student):
    """After the same short run, the student's model is at least as good on held-out data as
    plain gradient ascent with the IS gradient, up to a small margin."""
    case, before, after = trained_log_likelihoods(student)
    model = build(case["model"])
    built = {**case, "model": model}
    ref.train_ebm(**built)
    reference_after = model_log_likelihood(model)  # the same measure as the student's
    margin = 0.05 * abs(reference_after - before) + 1e-3
    if after < reference_after - margin:
        raise Mismatch("train_ebm", {key: case[key] for key in ("n_steps", "lr")}, after,
                       reference_after, problem="leaves a model whose test log-likelihood is "
                       f"lower than {case['n_steps']} steps of gradient ascent reach")
