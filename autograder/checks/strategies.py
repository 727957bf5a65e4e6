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


# ---- the final assignment: points in the plane, mixtures, models, importance samples ----

def points(n, magnitude: float = 15.0):
    """(n, 2) points with coordinates in [-magnitude, magnitude]."""
    return arrays(np.float64, (n, 2), elements=reals(magnitude))


@st.composite
def far_points(draw, n):
    """(n, 2) points 300 to 1000 away from the origin on each axis: every Gaussian density of
    a mean within 15 of the origin underflows there, so only log-domain code stays finite."""
    signs = draw(arrays(np.float64, (n, 2), elements=st.sampled_from([-1.0, 1.0])))
    sizes = draw(arrays(np.float64, (n, 2), elements=st.floats(300.0, 1000.0, width=32)))
    return signs * sizes


@st.composite
def mixtures(draw, max_components: int = 5, magnitude: float = 10.0):
    """{"weights": (K,) on the simplex, "means": (K, 2)}."""
    K = draw(st.integers(1, max_components))
    raw = draw(arrays(np.float64, K, elements=st.floats(0.0625, 1.0, width=32)))
    return {"weights": as_tensor(raw / raw.sum()),
            "means": as_tensor(draw(arrays(np.float64, (K, 2), elements=reals(magnitude))))}


@st.composite
def gmm_cases(draw, *, far: bool = False, sizes=st.integers(1, 12), magnitude: float = 15.0):
    """{"x", "weights", "means"} in the contract's order."""
    mixture = draw(mixtures())
    n = draw(sizes)
    x = draw(far_points(n)) if far else draw(points(n, magnitude))
    return {"x": as_tensor(x), **mixture}


@st.composite
def posterior_cases(draw):
    """{"x", "q", "weights", "means"}: q rows on the simplex, some entries exactly 0."""
    case = draw(gmm_cases())
    n, K = len(case["x"]), len(case["weights"])
    raw = draw(arrays(np.float64, (n, K), elements=st.sampled_from([0.0]) | st.floats(0.01, 1.0)))
    raw[:, 0] += 1e-3  # no row of zeros
    q = as_tensor(raw / raw.sum(axis=1, keepdims=True))
    return {"x": case["x"], "q": q, "weights": case["weights"], "means": case["means"]}


@st.composite
def kde_cases(draw, *, far: bool = False):
    """{"x_query", "x_train", "sigma"}; sigma is a variance from 0.01 to 25."""
    m, n = draw(st.integers(1, 8)), draw(st.integers(1, 12))
    query = draw(far_points(m)) if far else draw(points(m, 10.0))
    return {"x_query": as_tensor(query), "x_train": as_tensor(draw(points(n, 10.0))),
            "sigma": draw(st.sampled_from([0.01, 0.25, 1.0, 4.0, 25.0]) | st.floats(0.015625, 25.0, width=32))}


@st.composite
def energy_net_specs(draw, *, offset=None):
    """A spec of the grader's ShallowEnergyNet (see sandbox.builders) with drawn parameters;
    ``offset`` draws the output bias (large ones test the log domain)."""
    hidden = draw(st.integers(1, 6))
    return {"__build__": "energy_net",
            "w1": draw(arrays(np.float64, (hidden, 2), elements=reals(2.0))).tolist(),
            "b1": draw(arrays(np.float64, hidden, elements=reals(2.0))).tolist(),
            "w2": draw(arrays(np.float64, hidden, elements=reals(2.0))).tolist(),
            "b2": draw(offset if offset is not None else reals(2.0))}


def large_offsets():
    return st.floats(800.0, 1000.0, width=32).map(float) | st.floats(-1000.0, -800.0, width=32)


@st.composite
def importance_samples(draw, *, large: bool = False, sizes=st.integers(1, 40)):
    """{"log_target", "log_q"} for M samples; large: log_target of magnitude 800 to 1000."""
    M = draw(sizes)
    target = (draw(large_energy_vectors(M)) if large
              else draw(arrays(np.float64, M, elements=reals(MODERATE))))
    return {"log_target": as_tensor(target),
            "log_q": as_tensor(draw(arrays(np.float64, M, elements=st.floats(-20.0, 0.0, width=32))))}


# ---- the OCR notebook: path matrices, energies over 27 classes, target sequences ----

CLASSES = 27


@st.composite
def path_matrices(draw, *, ties: bool = False):
    """{"pm": (L, T)} with 1 <= T <= L <= 9; ``ties``: small integers, so that several
    alignments share the minimum."""
    T = draw(st.integers(1, 6))
    L = draw(st.integers(T, T + 4))
    elements = st.integers(0, 2).map(float) if ties else reals(MODERATE)
    return {"pm": as_tensor(draw(arrays(np.float64, (L, T), elements=elements)))}


@st.composite
def energies_and_targets(draw):
    """{"energies": (B, L, 27), "targets": (B, T) long}."""
    B, L, T = draw(st.integers(1, 3)), draw(st.integers(1, 6)), draw(st.integers(1, 6))
    energies = draw(arrays(np.float64, (B, L, CLASSES), elements=reals(MODERATE)))
    targets = draw(arrays(np.int64, (B, T), elements=st.integers(0, CLASSES - 1)))
    return {"energies": as_tensor(energies), "targets": torch.from_numpy(targets)}


@st.composite
def window_classes(draw):
    """A 1-D long tensor of per-window argmin classes, separators (26) frequent."""
    values = draw(st.lists(st.integers(0, 3) | st.just(26), min_size=0, max_size=20))
    return {"indices": torch.tensor(values, dtype=torch.long)}


@st.composite
def alignments(draw, L: int, T: int) -> list[int]:
    """A valid alignment of L windows to T <= L targets: 0 at the start, T-1 at the end."""
    steps = draw(st.permutations([1] * (T - 1) + [0] * (L - T)))
    return [int(j) for j in np.concatenate([[0], np.cumsum(steps)])]


# ---- a3: weight vectors, latent energy tables, small vectors and dictionaries ----


@st.composite
def linear_cases(draw):
    """{"w", "x", "y"} with y in {-1, +1}; w.x = 0 exactly in some cases (w or x zero)."""
    d = draw(st.integers(1, 5))
    w = draw(arrays(np.float64, d, elements=reals(MODERATE)))
    x = draw(arrays(np.float64, d, elements=reals(MODERATE)))
    if draw(st.booleans()) and draw(st.booleans()):
        x = np.zeros(d)
    return {"w": as_tensor(w), "x": as_tensor(x), "y": draw(st.sampled_from([-1.0, 1.0]))}


@st.composite
def latent_tables(draw, *, beta: bool = True, large: bool = False):
    """{"G": (n_y, n_z)[, "beta"]}."""
    n_y, n_z = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    table = (draw(large_energy_vectors(n_y * n_z)).reshape(n_y, n_z) if large
             else draw(arrays(np.float64, (n_y, n_z), elements=reals(MODERATE))))
    case = {"G": as_tensor(table)}
    if beta:
        case["beta"] = draw(large_betas() if large else moderate_betas())
    return case


def _coordinates(magnitude: float):
    """Zero or at least 1e-3 in size: a dictionary atom of size 1e-28 is degenerate data,
    which no float32 solver can be asked to handle."""
    return reals(magnitude).filter(lambda value: value == 0 or abs(value) >= 1e-3)


@st.composite
def dictionary_cases(draw, *, lam: bool = True):
    """{"y": (d,), "W": (d, k)[, "lam"]} for sparse coding and k-means."""
    d, k = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    case = {"y": as_tensor(draw(arrays(np.float64, d, elements=_coordinates(5.0)))),
            "W": as_tensor(draw(arrays(np.float64, (d, k), elements=_coordinates(3.0))))}
    if lam:
        case["lam"] = draw(st.floats(0.0625, 4.0, width=32))
    return case
