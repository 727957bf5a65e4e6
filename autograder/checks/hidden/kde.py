"""Hidden checks for the kernel density estimator (final 1.3) against the reference."""
from __future__ import annotations

import numpy as np

from autograder.checks.api import Tolerance, check, float32_tolerance
from autograder.checks.hidden.common import comparison, matches_reference
from autograder.checks.strategies import cases
from reference import kde as ref

UNSTABLE = ("For small sigma or far queries every kernel underflows: use torch.logsumexp over "
            "the log-kernels.")


def kde_tolerance(case) -> Tolerance:
    spread = max(float(case[key].abs().max()) for key in ("x_query", "x_train"))
    return float32_tolerance((1 + 2 * spread) ** 2 / case["sigma"] + len(case["x_train"]))


kde_value = comparison("kde_log_density", ref.kde_log_density, cases("kde_log_density"),
                       kde_tolerance, unstable_hint=UNSTABLE)
kde_stability = comparison("kde_log_density", ref.kde_log_density,
                           cases("kde_log_density", "far"), kde_tolerance,
                           unstable_hint=UNSTABLE)


@check(case=cases("select_kde_sigma"), examples=30)
def selection_value(student, case):
    """The best sigma; where float32 cannot tell candidates apart, any of them is right."""
    scores = np.array([float(ref.kde_log_density(case["x_val"], case["x_train"], s).mean())
                       for s in case["sigmas"]])
    slack = max(kde_tolerance({"x_query": case["x_val"], "x_train": case["x_train"],
                               "sigma": s}).atol for s in case["sigmas"])
    near_best = [s for s, score in zip(case["sigmas"], scores) if score >= scores.max() - slack]
    matches_reference(student, "select_kde_sigma", ref.select_kde_sigma, case,
                      Tolerance(atol=1e-6, rtol=1e-6), also_accept=near_best)
