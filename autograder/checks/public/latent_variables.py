"""Public checks for latent-variable inference (a3 t.latinf, t.latF, t.latP, a3.4d, a3.5b,
a3.5e): properties that follow from the definitions."""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from autograder.checks.api import Mismatch, Tolerance, as_float_array, check, expect_close, spec
from autograder.checks.strategies import (
    as_tensor, dictionary_cases, latent_tables, reals, round_to_float32)


@check(case=latent_tables(beta=False))
def latent_map_is_the_lowest_cell(student, case):
    """(y, z) of a lowest G[y, z], as two ints."""
    G = case["G"].numpy()
    got = student.call("latent_map_inference", **case)
    if (not isinstance(got, list) or len(got) != 2 or not all(isinstance(v, int) for v in got)
            or not (0 <= got[0] < G.shape[0] and 0 <= got[1] < G.shape[1])
            or G[got[0], got[1]] != G.min()):
        raise Mismatch("latent_map_inference", case, got,
                       problem="is not the (y, z) of a lowest energy G[y, z], as two ints")


@check(case=latent_tables())
def latent_free_energy_is_a_soft_minimum(student, case):
    """For each y: min_z G - log(n_z)/beta <= F(y) <= min_z G."""
    G, beta = case["G"].numpy(), case["beta"]
    got = student.call_array("latent_free_energy", (G.shape[0],), **case)
    low, high = G.min(axis=1) - np.log(G.shape[1]) / beta, G.min(axis=1)
    slack = 1e-4 * (1 + np.abs(G).max())
    if np.any(got < low - slack) or np.any(got > high + slack):
        raise Mismatch("latent_free_energy", case, got, problem="is not, for each y, between "
                       "min_z G - log(n_z)/beta and min_z G (a soft minimum over z)")


@check(case=latent_tables())
def latent_gibbs_is_a_distribution(student, case):
    """A distribution over y that favours the y whose best z is lower by a clear margin."""
    G, beta = case["G"].numpy(), case["beta"]
    p = student.call_array("latent_gibbs_distribution", (G.shape[0],), **case)
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


@check(case=dictionary_cases())
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
    at_zero = float((y ** 2).sum())
    if F > at_zero + 1e-5 * (1 + at_zero):  # float32 rounds |y|^2 by that much
        raise Mismatch("sparse_coding_free_energy", case, F, problem="is above the objective "
                       "at z = 0: it is not a minimum")


def _kmeans(student, inputs) -> tuple[float, int]:
    """The student's (F, k), checked: k an int naming a centroid, F its squared distance."""
    y, W = inputs["y"].numpy(), inputs["W"].numpy()
    got = student.call("kmeans_free_energy", **inputs)
    if not isinstance(got, list) or len(got) != 2 or not isinstance(got[1], int) \
            or not 0 <= got[1] < W.shape[1]:
        raise Mismatch("kmeans_free_energy", inputs, got, problem="should return (F, k), k an "
                       "int naming a column of W")
    F = float(as_float_array("kmeans_free_energy", got[0], (), inputs))
    attained = float(((y - W[:, got[1]]) ** 2).sum())
    if abs(F - attained) > 1e-5 * (1 + attained):
        raise Mismatch("kmeans_free_energy", inputs, got, problem=f"returns F = {F:.6g}, but "
                       f"|y - W[:, k]|^2 = {attained:.6g} for the k it returns")
    return F, got[1]


@check(case=dictionary_cases(lam=False), data=st.data())
def kmeans_picks_the_nearest_centroid(student, case, data):
    """(F, k) with F = |y - W[:, k]|^2; 0 when y is a centroid; a centroid added farther than
    F changes nothing, one added nearer wins."""
    F, _ = _kmeans(student, case)
    W = case["W"]
    j = data.draw(st.integers(0, W.shape[1] - 1))
    on = dict(case, y=W[:, j].clone())
    expect_close("kmeans_free_energy", _kmeans(student, on)[0], 0.0, inputs=on,
                 tolerance=Tolerance(1e-6), problem="is not 0 when y is centroid "
                 f"W[:, {j}]")
    direction = np.zeros((W.shape[0], 1))
    direction[0] = 1.0
    for distance, wins in ((np.sqrt(F) + 1.0, False), (np.sqrt(F) / 2, True)):
        if wins and F < 1e-4:
            continue
        added = dict(case, W=torch.cat([W, case["y"][:, None] + as_tensor(
            round_to_float32(distance * direction))], dim=1))
        new_F, new_k = _kmeans(student, added)
        if wins != (new_k == W.shape[1]) or (not wins and abs(new_F - F) > 1e-5 * (1 + F)):
            raise Mismatch("kmeans_free_energy", added, [new_F, new_k], problem="does not pick "
                           "the nearest centroid: a centroid added at distance "
                           f"{distance:.4g} from y {'wins' if wins else 'changes nothing'} "
                           f"where the nearest was at distance {np.sqrt(F):.4g}")


@st.composite
def quadratic_problems(draw):
    d = draw(st.integers(1, 4))
    A = draw(arrays(np.float64, (d, d), elements=reals(2.0))) + 3 * np.eye(d)
    return {"energy_fn": spec("quadratic_energy", A=A.tolist(),
                              b=draw(arrays(np.float64, d, elements=reals(5.0))).tolist()),
            "y0": as_tensor(draw(arrays(np.float64, d, elements=reals(5.0))))}


@check(case=quadratic_problems(), examples=30)
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
    y = student.call_array("gradient_descent_inference", y0.shape, **moving)

    def energy(v):
        return 0.5 * float(((A @ v - b) ** 2).sum())

    if energy(y) > energy(y0) + 1e-9 or (energy(y0) > 1e-6 and not energy(y) < energy(y0)):
        raise Mismatch("gradient_descent_inference", moving, y, problem=f"does not lower the "
                       f"energy: {energy(y0):.6g} at y0, {energy(y):.6g} after 5 steps")
