"""Hidden checks for the variational lower bound (final 2.1-2.4) against the reference."""
from __future__ import annotations

from autograder.checks.api import float32_tolerance
from autograder.checks.conditioning import log_density_tolerance
from autograder.checks.hidden.common import comparison
from autograder.checks.strategies import cases
from reference import variational_inference as ref
from reference.gmm import log_joint


def _gap_tolerance(case):
    return float32_tolerance((1 + float(case["x"].abs().max()) + case["R"]) ** 2 * case["K"])


log_joint_value = comparison("log_joint", log_joint, cases("log_joint"), log_density_tolerance)
elbo_value = comparison("elbo", ref.elbo, cases("elbo"), log_density_tolerance)
elbo_uniform_value = comparison("elbo_uniform", ref.elbo_uniform, cases("elbo_uniform"),
                                log_density_tolerance)
elbo_posterior_value = comparison("elbo_posterior", ref.elbo_posterior, cases("elbo_posterior"),
                                  log_density_tolerance)
kl_value = comparison("kl_to_posterior", ref.kl_to_posterior, cases("kl_to_posterior"),
                      log_density_tolerance)
gap_value = comparison("elbo_gap_uniform", ref.elbo_gap_uniform, cases("elbo_gap_uniform"),
                       _gap_tolerance)
