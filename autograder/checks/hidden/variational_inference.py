"""Hidden checks for the variational lower bound (final 2.1-2.4) against the reference."""
from __future__ import annotations

from hypothesis import strategies as st

from autograder.checks.hidden.common import comparison
from autograder.checks.hidden.gmm import log_density_tolerance
from autograder.checks.strategies import as_tensor, gmm_cases, points, posterior_cases
from autograder.engine.compare import float32_tolerance
from reference import variational_inference as ref
from reference.gmm import log_joint


@st.composite
def gap_cases(draw):
    x = as_tensor(draw(points(draw(st.integers(1, 10)), 15.0)))
    return {"x": x, "K": draw(st.integers(1, 12)), "R": draw(st.floats(0.5, 15.0, width=32))}


def _gap_tolerance(case):
    return float32_tolerance((1 + float(case["x"].abs().max()) + case["R"]) ** 2 * case["K"])


log_joint_value = comparison("log_joint", log_joint, gmm_cases(), log_density_tolerance)
elbo_value = comparison("elbo", ref.elbo, posterior_cases(), log_density_tolerance)
elbo_uniform_value = comparison("elbo_uniform", ref.elbo_uniform, gmm_cases(),
                                log_density_tolerance)
elbo_posterior_value = comparison("elbo_posterior", ref.elbo_posterior, gmm_cases(),
                                  log_density_tolerance)
kl_value = comparison("kl_to_posterior", ref.kl_to_posterior, posterior_cases(),
                      log_density_tolerance)
gap_value = comparison("elbo_gap_uniform", ref.elbo_gap_uniform, gap_cases(), _gap_tolerance)
