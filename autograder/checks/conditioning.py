"""How far a correct float32 implementation may stray on given inputs (see the contract).

An input of magnitude |E| carries |E| * 2**-24 of rounding in float32, and inside
exp(-beta E) that error is multiplied by beta; these helpers turn that into tolerances.
"""
from __future__ import annotations

import math

import numpy as np

from autograder.engine.compare import FLOAT32_ROUNDOFF


def log_probability_slack(energies, beta: float, roundings: int = 4) -> float:
    """Absolute error float32 can put on a log-probability computed from ``-beta * energies``:
    each of the two products in a difference -beta E_i + beta E_j is off by up to
    beta |E| 2**-24; ``roundings`` = 4 leaves a factor 2 of room on top of that."""
    return roundings * FLOAT32_ROUNDOFF * (1 + beta * float(np.abs(np.asarray(energies)).max()))


def probability_rtol(energies, beta: float, roundings: int = 4) -> float:
    """The matching relative error on the probabilities themselves."""
    return math.expm1(log_probability_slack(energies, beta, roundings)) + 16 * FLOAT32_ROUNDOFF
