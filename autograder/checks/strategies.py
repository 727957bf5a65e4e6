"""Hypothesis strategies for the graded functions' inputs, in the contract's argument order.

Every generated float is exactly representable in float32, so a float32 implementation loses
nothing when it converts its inputs, and only its arithmetic is judged. Each strategy returns
a dict whose keys are the contract's parameter names, in order.
"""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

MODERATE = 10.0
LARGE = 1e3


def reals(magnitude: float):
    return st.floats(-magnitude, magnitude, allow_nan=False, allow_infinity=False, width=32)


def as_tensor(values) -> torch.Tensor:
    return torch.tensor(np.asarray(values, dtype=np.float64), dtype=torch.float64)


def moderate_betas():
    return st.floats(0.125, 10.0, width=32)


def large_betas():
    return st.sampled_from([1.0, 10.0, 100.0, 1000.0]) | st.floats(1.0, 1000.0, width=32)


def round_to_float32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float32).astype(np.float64)


@st.composite
def large_energy_vectors(draw, n: int):
    """Energies of magnitude 800 to 1000 (a common offset plus a spread of up to 200): with
    beta >= 1, exp(-beta E) overflows or underflows for every entry, so only a log-domain
    computation stays finite, however far hypothesis shrinks the case."""
    offset = draw(st.floats(800.0, 900.0, width=32)) * draw(st.sampled_from([1.0, -1.0]))
    spread = draw(arrays(np.float64, n, elements=st.floats(0.0, 100.0, width=32)))
    return round_to_float32(offset + np.sign(offset) * spread)


@st.composite
def energy_cases(draw, *, label: bool = False, grads: bool = False, large: bool = False,
                 sizes=st.integers(1, 8)):
    """Inputs for gibbs_distribution / nll_loss / nll_loss_grad, in their argument order;
    ``large``: |energies| from 800 to 1000 and beta from 1 to 1000."""
    n = draw(sizes)
    energies = (draw(large_energy_vectors(n)) if large
                else draw(arrays(np.float64, n, elements=reals(MODERATE))))
    case = {"energies": as_tensor(energies)}
    if grads:
        p = draw(st.integers(1, 5))
        case["energy_grads"] = as_tensor(draw(arrays(np.float64, (n, p),
                                                     elements=reals(MODERATE))))
    if label:
        case["y"] = draw(st.integers(0, n - 1))
    case["beta"] = draw(large_betas() if large else moderate_betas())
    return case


@st.composite
def contrastive_cases(draw, *, grads: bool = False, margin: bool = True,
                      magnitude: float = MODERATE):
    """Inputs for the contrastive losses (grads=False) or their gradients (grads=True)."""
    case = {"f_pos": as_tensor(draw(reals(magnitude))), "f_neg": as_tensor(draw(reals(magnitude)))}
    if grads:
        p = draw(st.integers(1, 5))
        case["grad_pos"] = as_tensor(draw(arrays(np.float64, p, elements=reals(MODERATE))))
        case["grad_neg"] = as_tensor(draw(arrays(np.float64, p, elements=reals(MODERATE))))
    if margin:
        case["margin"] = draw(st.floats(0.0, magnitude, width=32))
    return case
