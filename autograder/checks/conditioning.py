"""How far a correct float32 implementation may stray on given inputs (see the contract).

An input of magnitude |E| carries |E| * 2**-24 of rounding in float32, and inside
exp(-beta E) that error is multiplied by beta; these helpers turn that into tolerances. The
tolerances (and hints) that checks of several topics share live here, so that no check module
imports another's.
"""
from __future__ import annotations

import math

import numpy as np

from autograder.checks.api import FLOAT32_ROUNDOFF, Tolerance, float32_tolerance

# What a student whose Gibbs quantity (a distribution, a free energy, an NLL) overflows on large
# energies is told.
LOG_DOMAIN_HINT = ("Large energies or beta overflow exp(): compute in the log domain "
                   "(torch.softmax, torch.logsumexp).")


def log_probability_slack(energies, beta: float, roundings: int = 4) -> float:
    """Absolute error float32 can put on a log-probability computed from ``-beta * energies``:
    each of the two products in a difference -beta E_i + beta E_j is off by up to
    beta |E| 2**-24; ``roundings`` = 4 leaves a factor 2 of room on top of that."""
    return roundings * FLOAT32_ROUNDOFF * (1 + beta * float(np.abs(np.asarray(energies)).max()))


def probability_rtol(energies, beta: float, roundings: int = 4) -> float:
    """The matching relative error on the probabilities themselves."""
    return math.expm1(log_probability_slack(energies, beta, roundings)) + 16 * FLOAT32_ROUNDOFF


def energy_tolerance(case) -> Tolerance:
    """float32 rounding on a loss of the size of the energies it is made of (an NLL, a free
    energy, hw4's and a3's losses over a discrete answer set)."""
    return float32_tolerance(1 + float(case["energies"].abs().max()))


def squared_scale(case) -> float:
    """The magnitude of the squared distances a Gaussian mixture's log-density is made of."""
    spread = max(float(np.abs(np.asarray(case[key])).max()) for key in ("x", "means"))
    return (1 + 2 * spread) ** 2


def log_density_tolerance(case) -> Tolerance:
    """float32 rounding on a log-density (or a bound on one) of points ``x`` under a mixture
    with means ``means``."""
    return float32_tolerance(squared_scale(case))


# The instructor's tolerance on the sparse-coding free energy: F within this fraction of
# max(1, F*) of the true minimum F* (a plain ISTA, FISTA or coordinate descent run to
# convergence passes; a solver stopped 1 % short does not).
MINIMUM_RTOL = 1e-3


def minimum_tolerance(best: float) -> Tolerance:
    """|F - F*| <= MINIMUM_RTOL max(1, F*)."""
    return Tolerance(atol=MINIMUM_RTOL * max(1.0, best))


def lasso_objective_tolerance(y, W, z, lam: float) -> Tolerance:
    """How far a float32 evaluation of |y - W z|^2 + lam |z|_1 may stray from its float64
    value: the residual is a difference of terms of size |y_i| + sum_j |W_ij z_j|, so it is
    judged on the square of those terms, not on its own (possibly tiny) size."""
    y, W, z = (np.abs(np.asarray(v, dtype=np.float64)) for v in (y, W, z))
    return float32_tolerance(float(((y + W @ z) ** 2).sum() + lam * z.sum()))
