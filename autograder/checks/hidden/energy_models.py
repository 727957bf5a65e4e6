"""Hidden checks for the Gibbs distribution and the NLL loss (hw4 1.2) against the reference.

Each function has a ``value`` check on moderate inputs and a ``stability`` check with
|energies| and beta up to 1e3, where only a log-domain computation stays finite.
"""
from __future__ import annotations

import numpy as np

from autograder.checks.api import FLOAT32_ROUNDOFF, Tolerance
from autograder.checks.conditioning import LOG_DOMAIN_HINT, energy_tolerance, probability_rtol
from autograder.checks.hidden.common import comparison
from autograder.checks.strategies import cases
from reference import energy_models as ref


def _gibbs_tolerance(case) -> Tolerance:
    return Tolerance(atol=1e-6, rtol=probability_rtol(case["energies"], case["beta"]))


def _nll_grad_tolerance(case) -> Tolerance:
    """Probability errors times |dF/dW|, plus float32 rounding of the gradients themselves."""
    p = ref.gibbs_distribution(case["energies"], case["beta"]).numpy()
    grads = np.abs(case["energy_grads"].numpy())
    atol = probability_rtol(case["energies"], case["beta"]) * (p @ grads)
    return Tolerance(atol=atol + 64 * FLOAT32_ROUNDOFF * (1 + grads.max()),
                     rtol=64 * FLOAT32_ROUNDOFF)


gibbs_value = comparison("gibbs_distribution", ref.gibbs_distribution,
                         cases("gibbs_distribution"), _gibbs_tolerance,
                         unstable_hint=LOG_DOMAIN_HINT)
gibbs_stability = comparison("gibbs_distribution", ref.gibbs_distribution,
                             cases("gibbs_distribution", "large"), _gibbs_tolerance,
                             unstable_hint=LOG_DOMAIN_HINT)
nll_value = comparison("nll_loss", ref.nll_loss, cases("nll_loss"), energy_tolerance,
                       unstable_hint=LOG_DOMAIN_HINT)
nll_stability = comparison("nll_loss", ref.nll_loss, cases("nll_loss", "large"),
                           energy_tolerance, unstable_hint=LOG_DOMAIN_HINT)
nll_grad_value = comparison("nll_loss_grad", ref.nll_loss_grad, cases("nll_loss_grad"),
                            _nll_grad_tolerance, unstable_hint=LOG_DOMAIN_HINT)
nll_grad_stability = comparison("nll_loss_grad", ref.nll_loss_grad,
                                cases("nll_loss_grad", "large"), _nll_grad_tolerance,
                                unstable_hint=LOG_DOMAIN_HINT)


# ---- a3: free energy and partition function ----

free_energy_value = comparison("free_energy", ref.free_energy, cases("free_energy"),
                               energy_tolerance, unstable_hint=LOG_DOMAIN_HINT)
free_energy_stability = comparison("free_energy", ref.free_energy, cases("free_energy", "large"),
                                   energy_tolerance, unstable_hint=LOG_DOMAIN_HINT)
partition_function_value = comparison(
    "partition_function", ref.partition_function, cases("partition_function", "finite"),
    lambda case: Tolerance(atol=0.0, rtol=probability_rtol(case["energies"], case["beta"])))
