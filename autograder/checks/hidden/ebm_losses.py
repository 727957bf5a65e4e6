"""Hidden checks for a3's losses (t.energy, t.perc, t.nll, t.hinge, t.cost) against the
reference; the NLL is hw4's, under a3's name."""
from __future__ import annotations

import torch
from hypothesis import strategies as st

from autograder.checks.hidden.common import comparison
from autograder.checks.hidden.energy_models import UNSTABLE, _nll_tolerance
from autograder.checks.strategies import energy_cases
from reference import ebm_losses as ref


@st.composite
def margin_cases(draw):
    case = draw(energy_cases(label=True))
    return {"energies": case["energies"], "y": case["y"],
            "margin": draw(st.floats(0.0, 5.0, width=32))}


@st.composite
def cost_cases(draw):
    case = draw(energy_cases(label=True))
    n = len(case["energies"])
    costs = torch.tensor(draw(st.lists(st.floats(0.0, 5.0, width=32), min_size=n, max_size=n)),
                         dtype=torch.float64)
    costs[case["y"]] = 0.0
    return {"energies": case["energies"], "y": case["y"], "costs": costs}


def _without_beta(case):
    return {"energies": case["energies"], "y": case["y"]}


energy_loss_value = comparison("energy_loss", ref.energy_loss,
                               energy_cases(label=True).map(_without_beta), _nll_tolerance)
perceptron_loss_value = comparison("perceptron_loss", ref.perceptron_loss,
                                   energy_cases(label=True).map(_without_beta), _nll_tolerance)
log_likelihood_value = comparison("log_likelihood_loss", ref.log_likelihood_loss,
                                  energy_cases(label=True), _nll_tolerance,
                                  unstable_hint=UNSTABLE)
log_likelihood_stability = comparison("log_likelihood_loss", ref.log_likelihood_loss,
                                      energy_cases(label=True, large=True), _nll_tolerance,
                                      unstable_hint=UNSTABLE)
margin_value = comparison("margin_loss", ref.margin_loss, margin_cases(), _nll_tolerance)
cost_value = comparison("cost_augmented_loss", ref.cost_augmented_loss, cost_cases(),
                        _nll_tolerance)
