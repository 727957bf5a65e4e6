"""Public checks for the kernel density estimator (final 1.3)."""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st

from autograder.checks.api import Mismatch, Tolerance, check, expect_close
from autograder.checks.strategies import kde_cases


@check(case=kde_cases(), copies=st.integers(2, 4))
def kde_properties(student, case, copies):
    """With one training point the estimate is that kernel: -log(2 pi sigma) - d^2 / (2 sigma)
    at distance d (sigma is the variance of the kernel); repeating every training point
    changes nothing (an average of kernels)."""
    point = case["x_train"][:1]
    alone = {"x_query": case["x_query"], "x_train": point, "sigma": case["sigma"]}
    squared = ((case["x_query"] - point) ** 2).sum(dim=1).numpy()
    expected = -math.log(2 * math.pi * case["sigma"]) - squared / (2 * case["sigma"])
    expect_close("kde_log_density", student.call("kde_log_density", **alone), expected,
                 inputs=alone, tolerance=Tolerance(1e-4 * (1 + np.abs(expected).max())),
                 problem="with one training point is not log N(x; x_1, sigma I_2) = "
                         "-log(2 pi sigma) - |x - x_1|^2 / (2 sigma)")
    got = student.call_array("kde_log_density", (len(case["x_query"]),), **case)
    repeated = dict(case, x_train=case["x_train"].repeat(copies, 1))
    expect_close("kde_log_density", student.call("kde_log_density", **repeated), got,
                 inputs=repeated, tolerance=Tolerance(1e-4, 1e-5),
                 problem="changes when every training point is repeated; the estimator is "
                         "an average of kernels")


@check(case=kde_cases(), order=st.permutations([1e-4, 1.0, 100.0]), examples=30)
def selected_sigma_is_a_candidate(student, case, order):
    """The answer is one of the candidates; validated on the training points themselves,
    the narrowest kernel wins (each point sits on its own kernel's peak)."""
    train = torch.unique(case["x_train"], dim=0)
    inputs = {"x_train": train, "x_val": train, "sigmas": list(order)}
    got = float(student.call_array("select_kde_sigma", (), **inputs))
    if not np.any(np.isclose(got, order, rtol=1e-6)):
        raise Mismatch("select_kde_sigma", inputs, got, problem="returned a value that is not "
                       "one of the candidate sigmas")
    if not np.isclose(got, 1e-4):
        raise Mismatch("select_kde_sigma", inputs, got, 1e-4, problem="validated on its own "
                       "training points does not pick the narrowest kernel")
