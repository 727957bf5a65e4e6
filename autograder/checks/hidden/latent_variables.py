"""Hidden checks for latent-variable inference (a3 t.latF, t.latP, a3.4d, a3.5b, a3.5e).
Sparse coding is graded on the objective: the student's F must be the true minimum, within
the instructor's tolerance, and attained by the student's z."""
from __future__ import annotations

import numpy as np

from autograder.checks.api import (Mismatch, Tolerance, as_float_array, check, float32_tolerance,
                                   recognise)
from autograder.checks.conditioning import (
    lasso_objective_tolerance, minimum_tolerance, probability_rtol)
from autograder.checks.hidden.common import comparison
from autograder.checks.strategies import cases
from reference import latent_variables as ref
from reference.mistakes import mistakes_for

UNSTABLE = "Large energies overflow exp(): use torch.logsumexp / torch.softmax."


def _table_tolerance(case):
    return float32_tolerance(1 + float(case["G"].abs().max()))


latent_free_energy_value = comparison("latent_free_energy", ref.latent_free_energy,
                                      cases("latent_free_energy"), _table_tolerance,
                                      unstable_hint=UNSTABLE)
latent_free_energy_stability = comparison("latent_free_energy", ref.latent_free_energy,
                                          cases("latent_free_energy", "large"), _table_tolerance,
                                          unstable_hint=UNSTABLE)
# Moderate and large tables in one part (the part's points are the homework's): the naive
# sum of exp(-beta G) agrees with the reference on moderate tables and overflows on large ones.
latent_gibbs_value = comparison(
    "latent_gibbs_distribution", ref.latent_gibbs_distribution,
    cases("latent_gibbs_distribution") | cases("latent_gibbs_distribution", "large"),
    lambda case: Tolerance(1e-6, probability_rtol(case["G"], case["beta"])),
    unstable_hint=UNSTABLE)
kmeans_value = comparison("kmeans_free_energy", ref.kmeans_free_energy,
                          cases("kmeans_free_energy"),
                          lambda case: float32_tolerance((1 + 10.0) ** 2))
descent_value = comparison("gradient_descent_inference", ref.gradient_descent_inference,
                           cases("gradient_descent_inference"),
                           lambda case: float32_tolerance(100.0), examples=40)


@check(case=cases("sparse_coding_free_energy"))
def sparse_coding_reaches_the_minimum(student, case):
    """The objective at the returned z equals the returned F (to float32 rounding of its
    terms), and F is within 1e-3 max(1, F*) of the true minimum F* (the reference's, proven by
    the lasso's optimality conditions)."""
    y, W, lam = case["y"].numpy(), case["W"].numpy(), case["lam"]
    best = float(ref.sparse_coding_free_energy(**case)[0])
    got = student.call("sparse_coding_free_energy", **case)
    if not isinstance(got, list) or len(got) != 2:
        raise Mismatch("sparse_coding_free_energy", case, got, problem="should return (F, z)")
    F = float(as_float_array("sparse_coding_free_energy", got[0], (), case))
    z = as_float_array("sparse_coding_free_energy", got[1], (W.shape[1],), case)
    attained = float(((y - W @ z) ** 2).sum() + lam * np.abs(z).sum())
    rounding = lasso_objective_tolerance(y, W, z, lam)
    consistent = rounding.accepts(np.asarray(F), np.asarray(attained))
    if consistent and minimum_tolerance(best).accepts(np.asarray(F), np.asarray(best)):
        return
    candidates = [(m.description, lambda m=m: m.implementation(**case)[0])
                  for m in mistakes_for("sparse_coding_free_energy")]
    mistakes = recognise([np.asarray(F)], rounding, candidates)
    if not consistent:
        raise Mismatch("sparse_coding_free_energy", case, got, mistakes=mistakes,
                       problem=f"returns F = {F:.6g} but its z gives |y - W z|^2 + lambda "
                               f"|z|_1 = {attained:.6g}")
    raise Mismatch("sparse_coding_free_energy", case, F, best, mistakes=mistakes,
                   problem=f"is not the minimum: F = {F:.6g}, objective at your z = "
                           f"{attained:.6g}")
