"""Hidden checks for a3's losses (t.energy, t.perc, t.nll, t.hinge, t.cost) against the
reference; the NLL is hw4's, under a3's name. Cases come from each function's declared
domain (``strategies``): the margin loss, a minimum over the incorrect answers, gets n >= 2."""
from __future__ import annotations

from autograder.checks.conditioning import LOG_DOMAIN_HINT, energy_tolerance
from autograder.checks.hidden.common import comparison
from autograder.checks.strategies import cases
from reference import ebm_losses as ref

energy_loss_value = comparison("energy_loss", ref.energy_loss, cases("energy_loss"),
                               energy_tolerance)
perceptron_loss_value = comparison("perceptron_loss", ref.perceptron_loss,
                                   cases("perceptron_loss"), energy_tolerance)
log_likelihood_value = comparison("log_likelihood_loss", ref.log_likelihood_loss,
                                  cases("log_likelihood_loss"), energy_tolerance,
                                  unstable_hint=LOG_DOMAIN_HINT)
log_likelihood_stability = comparison("log_likelihood_loss", ref.log_likelihood_loss,
                                      cases("log_likelihood_loss", "large"), energy_tolerance,
                                      unstable_hint=LOG_DOMAIN_HINT)
margin_value = comparison("margin_loss", ref.margin_loss, cases("margin_loss"), energy_tolerance)
cost_value = comparison("cost_augmented_loss", ref.cost_augmented_loss,
                        cases("cost_augmented_loss"), energy_tolerance)
