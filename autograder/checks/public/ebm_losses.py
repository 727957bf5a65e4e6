"""Public checks for a3's losses over a discrete answer set (a3 t.energy, t.perc, t.nll, t.hinge,
t.cost)."""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from autograder.checks.api import Mismatch, Tolerance, check, expect_close
from autograder.checks.public.energy_models import expect_negative_log_probability
from autograder.checks.strategies import energy_cases

# Generated energies lie within [-10, 10]: an energy set beyond this is above or below all.
BEYOND = 100.0


@check(case=energy_cases(label=True), shift=st.floats(-5.0, 5.0, width=32))
def energy_loss_follows_the_correct_answer(student, case, shift):
    """Moving E(y) by c moves the loss by c, moving the other energies changes nothing, and
    the energies [1, -2, 3] with y = 1 cost -2."""
    inputs = {"energies": case["energies"], "y": case["y"]}
    base = float(student.call_array("energy_loss", (), **inputs))
    tolerance = Tolerance(1e-5 * (1 + float(case["energies"].abs().max()) + abs(shift)))
    only_y = dict(inputs, energies=case["energies"].clone())
    only_y["energies"][case["y"]] += shift
    others = dict(inputs, energies=case["energies"] + shift)
    others["energies"][case["y"]] = case["energies"][case["y"]]
    for moved, expected, problem in (
            (only_y, base + shift, "does not move by c when E(y) moves by c"),
            (others, base, "changes when only the energies of the other answers move")):
        expect_close("energy_loss", student.call("energy_loss", **moved), expected,
                     inputs=moved, tolerance=tolerance, problem=problem)
    example = {"energies": torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64), "y": 1}
    expect_close("energy_loss", student.call("energy_loss", **example), -2.0, inputs=example,
                 tolerance=Tolerance(1e-6), problem="is not the energy of the correct answer")


@check(case=energy_cases(label=True), shift=st.floats(0.0, 5.0, width=32))
def perceptron_loss_is_zero_at_the_winner(student, case, shift):
    """>= 0; 0 when y has the lowest energy; raising E(y) above all others raises the loss one
    for one; the energies [0, 1, 3] cost 3 with y = 2."""
    inputs = {"energies": case["energies"], "y": case["y"]}
    if float(student.call_array("perceptron_loss", (), **inputs)) < -1e-6:
        raise Mismatch("perceptron_loss", inputs, None, problem="is negative")
    tolerance = Tolerance(1e-4 * (1 + BEYOND))
    winner = dict(inputs, energies=case["energies"].clone())
    winner["energies"][case["y"]] = -BEYOND
    expect_close("perceptron_loss", student.call("perceptron_loss", **winner), 0.0,
                 inputs=winner, tolerance=tolerance,
                 problem="is not 0 when the correct answer has the lowest energy")
    if len(case["energies"]) > 1:
        above = dict(inputs, energies=case["energies"].clone())
        above["energies"][case["y"]] = BEYOND
        higher = dict(inputs, energies=above["energies"].clone())
        higher["energies"][case["y"]] += shift
        expect_close("perceptron_loss", student.call("perceptron_loss", **higher),
                     float(student.call_array("perceptron_loss", (), **above)) + shift,
                     inputs=higher, tolerance=tolerance, problem="of a correct answer above "
                     "all others does not grow one for one with E(y)")
    example = {"energies": torch.tensor([0.0, 1.0, 3.0], dtype=torch.float64), "y": 2}
    expect_close("perceptron_loss", student.call("perceptron_loss", **example), 3.0,
                 inputs=example, tolerance=Tolerance(1e-6),
                 problem="is not E(y) - min E")


@check(case=energy_cases(label=True, sizes=st.integers(2, 8)),
       margin=st.floats(0.0, 5.0, width=32))
def margin_loss_is_a_hinge_on_the_best_wrong_answer(student, case, margin):
    """>= 0; 0 once every wrong answer is above E(y) + m; m + E(y) - E(y') otherwise."""
    inputs = {"energies": case["energies"], "y": case["y"], "margin": margin}
    got = float(student.call_array("margin_loss", (), **inputs))
    if got < -1e-6:
        raise Mismatch("margin_loss", inputs, got, problem="is negative")
    apart = dict(inputs, energies=case["energies"].clone())
    apart["energies"][case["y"]] = float(case["energies"].min()) - margin - 1
    expect_close("margin_loss", student.call("margin_loss", **apart), 0.0, inputs=apart,
                 tolerance=Tolerance(1e-5),
                 problem="is not 0 when every wrong answer is more than m above E(y)")
    tied = dict(inputs, energies=torch.zeros_like(case["energies"]))
    expect_close("margin_loss", student.call("margin_loss", **tied), margin, inputs=tied,
                 tolerance=Tolerance(1e-5), problem="is not m when all energies are equal")


@check(case=energy_cases(label=True), data=st.data())
def cost_augmented_loss_is_zero_with_enough_room(student, case, data):
    """>= 0; 0 when every E(y') - E(y) exceeds its cost; the largest cost when all energies
    are equal."""
    n = len(case["energies"])
    costs = torch.tensor(data.draw(st.lists(st.floats(0.0, 3.0), min_size=n, max_size=n)),
                         dtype=torch.float64)
    costs[case["y"]] = 0.0
    inputs = {"energies": case["energies"], "y": case["y"], "costs": costs}
    if float(student.call_array("cost_augmented_loss", (), **inputs)) < -1e-6:
        raise Mismatch("cost_augmented_loss", inputs, None, problem="is negative")
    roomy = dict(inputs, energies=case["energies"].clone())
    roomy["energies"][case["y"]] = float(case["energies"].min()) - 4
    others = np.delete(np.arange(n), case["y"])
    roomy["energies"][others] = torch.maximum(roomy["energies"][others],
                                              roomy["energies"][case["y"]] + costs[others] + 1)
    expect_close("cost_augmented_loss", student.call("cost_augmented_loss", **roomy), 0.0,
                 inputs=roomy, tolerance=Tolerance(1e-5),
                 problem="is not 0 when every wrong answer is above E(y) by more than its cost")
    tied = dict(inputs, energies=torch.zeros_like(case["energies"]))
    expect_close("cost_augmented_loss", student.call("cost_augmented_loss", **tied),
                 float(costs.max()), inputs=tied, tolerance=Tolerance(1e-5),
                 problem="is not the largest cost when all energies are equal")


@check(case=energy_cases(label=True))
def log_likelihood_is_a_negative_log_probability(student, case):
    """sum_y exp(-beta * loss(E, y, beta)) = 1, and a lower-energy label costs less (hw4's NLL
    under a3's name)."""
    expect_negative_log_probability(student, "log_likelihood_loss", case)
