"""Hidden checks for the Gibbs distribution and the NLL loss (hw4 1.2) against the reference.

Each function has a ``value`` check on moderate inputs and a ``stability`` check with
|energies| and beta up to 1e3, where only a log-domain computation stays finite.
"""
from __future__ import annotations

import numpy as np
from hypothesis import given

from autograder.checks.conditioning import probability_rtol
from autograder.checks.hidden.common import comparison, matches_reference
from autograder.checks.strategies import cases
from autograder.engine.check_runner import check
from autograder.engine.compare import FLOAT32_ROUNDOFF, Tolerance, float32_tolerance
from reference import energy_models as ref

UNSTABLE = ("Large energies or beta overflow exp(): compute in the log domain "
            "(torch.softmax, torch.logsumexp).")


def _gibbs_tolerance(case) -> Tolerance:
    return Tolerance(atol=1e-6, rtol=probability_rtol(case["energies"], case["beta"]))


def _nll_tolerance(case) -> Tolerance:
    return float32_tolerance(1 + float(case["energies"].abs().max()))


def _nll_grad_tolerance(case) -> Tolerance:
    """Probability errors times |dF/dW|, plus float32 rounding of the gradients themselves."""
    p = ref.gibbs_distribution(case["energies"], case["beta"]).numpy()
    grads = np.abs(case["energy_grads"].numpy())
    atol = probability_rtol(case["energies"], case["beta"]) * (p @ grads)
    return Tolerance(atol=atol + 64 * FLOAT32_ROUNDOFF * (1 + grads.max()),
                     rtol=64 * FLOAT32_ROUNDOFF)


@check()
@given(case=cases("gibbs_distribution"))
def gibbs_value(student, case):
    matches_reference(student, "gibbs_distribution", ref.gibbs_distribution, case,
                      _gibbs_tolerance(case), unstable_hint=UNSTABLE)


@check()
@given(case=cases("gibbs_distribution", "large"))
def gibbs_stability(student, case):
    matches_reference(student, "gibbs_distribution", ref.gibbs_distribution, case,
                      _gibbs_tolerance(case), unstable_hint=UNSTABLE)


@check()
@given(case=cases("nll_loss"))
def nll_value(student, case):
    matches_reference(student, "nll_loss", ref.nll_loss, case, _nll_tolerance(case),
                      unstable_hint=UNSTABLE)


@check()
@given(case=cases("nll_loss", "large"))
def nll_stability(student, case):
    matches_reference(student, "nll_loss", ref.nll_loss, case, _nll_tolerance(case),
                      unstable_hint=UNSTABLE)


@check()
@given(case=cases("nll_loss_grad"))
def nll_grad_value(student, case):
    matches_reference(student, "nll_loss_grad", ref.nll_loss_grad, case,
                      _nll_grad_tolerance(case), unstable_hint=UNSTABLE)


@check()
@given(case=cases("nll_loss_grad", "large"))
def nll_grad_stability(student, case):
    matches_reference(student, "nll_loss_grad", ref.nll_loss_grad, case,
                      _nll_grad_tolerance(case), unstable_hint=UNSTABLE)


# ---- a3: free energy and partition function ----

free_energy_value = comparison("free_energy", ref.free_energy, cases("free_energy"),
                               _nll_tolerance, unstable_hint=UNSTABLE)
free_energy_stability = comparison("free_energy", ref.free_energy, cases("free_energy", "large"),
                                   _nll_tolerance, unstable_hint=UNSTABLE)
partition_function_value = comparison(
    "partition_function", ref.partition_function, cases("partition_function", "finite"),
    lambda case: Tolerance(atol=0.0, rtol=probability_rtol(case["energies"], case["beta"])))
