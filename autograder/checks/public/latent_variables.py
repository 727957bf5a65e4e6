"""Public checks for latent-variable inference (a3 t.latinf, t.latF, t.latP, a3.4d, a3.5b,
a3.5e): properties that follow from the definitions."""
from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from autograder.checks.strategies import as_tensor, dictionary_cases, latent_tables, reals
from autograder.engine.checks import check
from autograder.engine.compare import Tolerance, as_float_array, expect_close
from autograder.engine.outcomes import Mismatch


@check()
@given(case=latent_tables(beta=False))
def latent_map_is_the_lowest_cell(student, case):
    """(y, z) of a lowest G[y, z], as two ints."""
    G = case["G"].numpy()
    got = student.call("latent_map_inference", **case)
    if (not isinstance(got, list) or len(got) != 2 or not all(isinstance(v, int) for v in got)
            or not (0 <= got[0] < G.shape[0] and 0 <= got[1] < G.shape[1])
            or G[got[0], got[1]] != G.min()):
        raise Mismatch("latent_map_inference", case, got,
                       problem="is not the (y, z) of a lowest energy G[y, z], as two ints")


@check()
@given(case=latent_tables())
def latent_free_energy_is_a_soft_minimum(student, case):
    """For each y: min_z G - log(n_z)/beta <= F(y) <= min_z G."""
    G, beta = case["G"].numpy(), case["beta"]
    got = as_float_array("latent_free_energy", student.call("latent_free_energy", **case),
                         (G.shape[0],), case)
    low, high = G.min(axis=1) - np.log(G.shape[1]) / beta, G.min(axis=1)
    slack = 1e-4 * (1 + np.abs(G).max())
    if np.any(got < low - slack) or np.any(got > high + slack):
        raise Mismatch("latent_free_energy", case, got, problem="is not, for each y, between "
                       "min_z G - log(n_z)/beta and min_z G (a soft minimum over z)")


@check()
@given(case=latent_tables())
def latent_gibbs_is_a_distribution(student, case):
    """A distribution over y that favours the y whose best z is lower by a clear margin."""
    G, beta = case["G"].numpy(), case["beta"]
    p = as_float_array("latent_gibbs_distribution",
                       student.call("latent_gibbs_distribution", **case), (G.shape[0],), case)
    if np.any(p < -1e-7) or abs(p.sum() - 1) > 1e-5:
        raise Mismatch("latent_gibbs_distribution", case, p,
                       problem="is not a distribution over y (entries >= 0 summing to 1)")
    rows = np.argsort(G.min(axis=1))
    if len(rows) > 1:
        best, second = rows[0], rows[1]
        gap = G[second].min() - G[best].min()
        if beta * gap > np.log(G.shape[1]) + 1 and not p[best] > p[second]:
            raise Mismatch("latent_gibbs_distribution", case, p, problem=f"does not favour "
                           f"y = {best}, whose lowest energy is lower by {gap:.4g}")


@check()
@given(case=dictionary_cases())
def sparse_code_attains_its_free_energy(student, case):
    """The returned z attains the returned F, and F is no more than the objective at z = 0."""
    y, W, lam = case["y"].numpy(), case["W"].numpy(), case["lam"]
    got = student.call("sparse_coding_free_energy", **case)
    if not isinstance(got, list) or len(got) != 2:
        raise Mismatch("sparse_coding_free_energy", case, got, problem="should return (F, z)")
    F = float(as_float_array("sparse_coding_free_energy", got[0], (), case))
    z = as_float_array("sparse_coding_free_energy", got[1], (W.shape[1],), case)
    objective = float(((y - W @ z) ** 2).sum() + lam * np.abs(z).sum())
    if abs(objective - F) > 1e-4 * (1 + objective):
        raise Mismatch("sparse_coding_free_energy", case, got, problem=f"returns F = {F:.6g} "
                       f"but its z gives |y - W z|^2 + lambda |z|_1 = {objective:.6g}")
    if F > float((y ** 2).sum()) + 1e-6:
        raise Mismatch("sparse_coding_free_energy", case, F, problem="is above the objective "
                       "at z = 0: it is not a minimum")


@check()
@given(case=dictionary_cases(lam=False))
def kmeans_picks_the_nearest_centroid(student, case):
    """(F, k): F the squared distance to centroid k, no centroid nearer."""
    y, W = case["y"].numpy(), case["W"].numpy()
    got = student.call("kmeans_free_energy", **case)
    if not isinstance(got, list) or len(got) != 2 or not isinstance(got[1], int):
        raise Mismatch("kmeans_free_energy", case, got, problem="should return (F, k), k an int")
    squared = ((y[:, None] - W) ** 2).sum(axis=0)
    F = float(as_float_array("kmeans_free_energy", got[0], (), case))
    if not 0 <= got[1] < W.shape[1] or squared[got[1]] > squared.min() + 1e-9 or \
            abs(F - squared[got[1]]) > 1e-5 * (1 + squared.max()):
        raise Mismatch("kmeans_free_energy", case, got, problem="is not (|y - W[:, k]|^2, k) "
                       "for the nearest centroid k")


@st.composite
def quadratic_problems(draw):
    d = draw(st.integers(1, 4))
    A = draw(arrays(np.float64, (d, d), elements=reals(2.0))) + 3 * np.eye(d)
    return {"energy_fn": {"__build__": "quadratic_energy", "A": A.tolist(),
                          "b": draw(arrays(np.float64, d, elements=reals(5.0))).tolist()},
            "y0": as_tensor(draw(arrays(np.float64, d, elements=reals(5.0))))}


@check(max_examples=30)
@given(case=quadratic_problems())
def gradient_descent_lowers_the_energy(student, case):
    """With lr = 0 nothing moves; with a small step the energy goes down."""
    A, b = np.array(case["energy_fn"]["A"]), np.array(case["energy_fn"]["b"])
    y0 = case["y0"].numpy()
    still = dict(case, lr=0.0, n_steps=3)
    expect_close("gradient_descent_inference", student.call("gradient_descent_inference", **still),
                 y0, inputs=still, tolerance=Tolerance(1e-6),
                 problem="moves y although the learning rate is 0")
    lr = 0.5 / float(np.linalg.norm(A, 2) ** 2)
    moving = dict(case, lr=lr, n_steps=5)
    y = as_float_array("gradient_descent_inference",
                       student.call("gradient_descent_inference", **moving), y0.shape, moving)

    def energy(v):
        return 0.5 * float(((A @ v - b) ** 2).sum())

    if energy(y) > energy(y0) + 1e-9 or (energy(y0) > 1e-6 and not energy(y) < energy(y0)):
        raise Mismatch("gradient_descent_inference", moving, y, problem=f"does not lower the "
                       f"energy: {energy(y0):.6g} at y0, {energy(y):.6g} after 5 steps")
