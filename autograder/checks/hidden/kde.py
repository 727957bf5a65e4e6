"""Hidden checks for the kernel density estimator (final 1.3) against the reference."""
from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from autograder.checks.hidden.common import comparison
from autograder.checks.strategies import as_tensor, kde_cases, points
from autograder.engine.checks import check
from autograder.engine.compare import Tolerance, expect_close, float32_tolerance
from reference import kde as ref

UNSTABLE = ("For small sigma or far queries every kernel underflows: use torch.logsumexp over "
            "the log-kernels.")


def kde_tolerance(case) -> Tolerance:
    spread = max(float(case[key].abs().max()) for key in ("x_query", "x_train"))
    return float32_tolerance((1 + 2 * spread) ** 2 / case["sigma"] + len(case["x_train"]))


kde_value = comparison("kde_log_density", ref.kde_log_density, kde_cases(), kde_tolerance,
                       unstable_hint=UNSTABLE)
kde_stability = comparison("kde_log_density", ref.kde_log_density, kde_cases(far=True),
                           kde_tolerance, unstable_hint=UNSTABLE)


@st.composite
def selection_cases(draw):
    train, validation = (as_tensor(draw(points(draw(st.integers(2, 15)), 10.0))) for _ in "tv")
    sigmas = draw(st.lists(st.sampled_from([0.05, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0]),
                           min_size=1, max_size=5))
    return {"x_train": train, "x_val": validation, "sigmas": sigmas}


@check(max_examples=30)
@given(case=selection_cases())
def selection_value(student, case):
    """The best sigma; where float32 cannot tell candidates apart, any of them is right."""
    scores = np.array([float(ref.kde_log_density(case["x_val"], case["x_train"], s).mean())
                       for s in case["sigmas"]])
    slack = max(kde_tolerance({"x_query": case["x_val"], "x_train": case["x_train"],
                               "sigma": s}).atol for s in case["sigmas"])
    near_best = [s for s, score in zip(case["sigmas"], scores) if score >= scores.max() - slack]
    got = student.call("select_kde_sigma", **case)
    expect_close("select_kde_sigma", got, ref.select_kde_sigma(**case), inputs=case,
                 tolerance=Tolerance(atol=1e-6, rtol=1e-6), also_accept=near_best)
