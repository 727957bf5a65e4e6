"""Hidden checks for latent-variable inference (a3 t.latF, t.latP, a3.4d, a3.5b, a3.5e).
Sparse coding is graded on the objective: the student's F must be the true minimum."""
from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from autograder.checks.conditioning import probability_rtol
from autograder.checks.hidden.common import comparison
from autograder.checks.strategies import as_tensor, dictionary_cases, latent_tables, reals
from autograder.engine.checks import check
from autograder.engine.compare import Tolerance, as_float_array, float32_tolerance, recognise
from autograder.engine.outcomes import Mismatch
from reference import latent_variables as ref
from reference.mistakes import mistakes_for

UNSTABLE = "Large energies overflow exp(): use torch.logsumexp / torch.softmax."


def _table_tolerance(case):
    return float32_tolerance(1 + float(case["G"].abs().max()))


latent_free_energy_value = comparison("latent_free_energy", ref.latent_free_energy,
                                      latent_tables(), _table_tolerance, unstable_hint=UNSTABLE)
latent_free_energy_stability = comparison("latent_free_energy", ref.latent_free_energy,
                                          latent_tables(large=True), _table_tolerance,
                                          unstable_hint=UNSTABLE)
latent_gibbs_value = comparison(
    "latent_gibbs_distribution", ref.latent_gibbs_distribution, latent_tables(),
    lambda case: Tolerance(1e-6, probability_rtol(case["G"], case["beta"])),
    unstable_hint=UNSTABLE)
kmeans_value = comparison("kmeans_free_energy", ref.kmeans_free_energy,
                          dictionary_cases(lam=False),
                          lambda case: float32_tolerance((1 + 10.0) ** 2))


@st.composite
def descent_problems(draw):
    """A quadratic or a small network's energy, built in the worker from these parameters."""
    d = draw(st.integers(1, 4))
    if draw(st.booleans()):
        A = draw(arrays(np.float64, (d, d), elements=reals(2.0))) + 3 * np.eye(d)
        energy = {"__build__": "quadratic_energy", "A": A.tolist(),
                  "b": draw(arrays(np.float64, d, elements=reals(5.0))).tolist()}
        lr = 0.5 / float(np.linalg.norm(A, 2) ** 2)
    else:
        hidden = draw(st.integers(1, 4))
        energy = {"__build__": "network_energy",
                  "w1": draw(arrays(np.float64, (hidden, d), elements=reals(1.0))).tolist(),
                  "b1": draw(arrays(np.float64, hidden, elements=reals(1.0))).tolist(),
                  "w2": draw(arrays(np.float64, hidden, elements=reals(1.0))).tolist()}
        lr = 0.1
    return {"energy_fn": energy, "y0": as_tensor(draw(arrays(np.float64, d, elements=reals(5.0)))),
            "lr": lr, "n_steps": draw(st.integers(0, 10))}


descent_value = comparison("gradient_descent_inference", ref.gradient_descent_inference,
                           descent_problems(), lambda case: float32_tolerance(100.0),
                           max_examples=40)


@check()
@given(case=dictionary_cases())
def sparse_coding_reaches_the_minimum(student, case):
    """F within tolerance of the true minimum (the reference's, proven by the lasso's
    optimality conditions), and attained by the returned z."""
    y, W, lam = case["y"].numpy(), case["W"].numpy(), case["lam"]
    best = float(ref.sparse_coding_free_energy(**case)[0])
    got = student.call("sparse_coding_free_energy", **case)
    if not isinstance(got, list) or len(got) != 2:
        raise Mismatch("sparse_coding_free_energy", case, got, problem="should return (F, z)")
    F = float(as_float_array("sparse_coding_free_energy", got[0], (), case))
    z = as_float_array("sparse_coding_free_energy", got[1], (W.shape[1],), case)
    attained = float(((y - W @ z) ** 2).sum() + lam * np.abs(z).sum())
    tolerance = Tolerance(1e-5 * (1 + best), 1e-5)
    if not (tolerance.accepts(np.asarray(F), np.asarray(best))
            and tolerance.accepts(np.asarray(attained), np.asarray(best))):
        candidates = [(m.description, lambda m=m: m.implementation(**case)[0])
                      for m in mistakes_for("sparse_coding_free_energy")]
        raise Mismatch("sparse_coding_free_energy", case, F, best,
                       problem=f"is not the minimum: F = {F:.6g}, objective at your z = "
                               f"{attained:.6g}",
                       mistakes=recognise([np.asarray(F)], tolerance, candidates))
