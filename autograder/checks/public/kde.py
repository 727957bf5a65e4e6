"""Public checks for the kernel density estimator (final 1.3)."""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.checks.strategies import kde_cases
from autograder.engine.checks import check
from autograder.engine.compare import Tolerance, as_float_array, expect_close
from autograder.engine.outcomes import Mismatch


@check()
@given(case=kde_cases(), copies=st.integers(2, 4))
def kde_properties(student, case, copies):
    """At a lone training point the estimate is -log(2 pi sigma) (sigma is the variance of
    the kernel); repeating every training point changes nothing (an average of kernels)."""
    point = case["x_train"][:1]
    alone = {"x_query": point, "x_train": point, "sigma": case["sigma"]}
    expect_close("kde_log_density", student.call("kde_log_density", **alone),
                 [-math.log(2 * math.pi * case["sigma"])], inputs=alone,
                 tolerance=Tolerance(1e-4),
                 problem="at its only training point is not -log(2 pi sigma), the peak of a "
                         "Gaussian with covariance sigma I_2")
    got = student.call("kde_log_density", **case)
    repeated = dict(case, x_train=case["x_train"].repeat(copies, 1))
    expect_close("kde_log_density", student.call("kde_log_density", **repeated),
                 as_float_array("kde_log_density", got, (len(case["x_query"]),), case),
                 inputs=repeated, tolerance=Tolerance(1e-4, 1e-5),
                 problem="changes when every training point is repeated; the estimator is "
                         "an average of kernels")


@check(max_examples=30)
@given(case=kde_cases(), sigmas=st.lists(st.floats(0.0625, 30.0, width=32), min_size=1,
                                         max_size=4))
def selected_sigma_is_a_candidate(student, case, sigmas):
    inputs = {"x_train": case["x_train"], "x_val": case["x_query"], "sigmas": sigmas}
    got = float(as_float_array("select_kde_sigma", student.call("select_kde_sigma", **inputs),
                               (), inputs))
    if not np.any(np.isclose(got, sigmas, rtol=1e-6)):
        raise Mismatch("select_kde_sigma", inputs, got, problem="returned a value that is not "
                       "one of the candidate sigmas")
