"""Public checks for a3's losses over a discrete answer set (a3 t.perc, t.hinge, t.cost)."""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import given
from hypothesis import strategies as st

from autograder.checks.strategies import energy_cases
from autograder.engine.checks import check
from autograder.engine.compare import Tolerance, as_float_array, expect_close
from autograder.engine.outcomes import Mismatch


def _loss(student, function, inputs) -> float:
    return float(as_float_array(function, student.call(function, **inputs), (), inputs))


@check()
@given(case=energy_cases(label=True))
def perceptron_loss_is_zero_at_the_winner(student, case):
    """>= 0; 0 when y has the lowest energy; E(y) - E(y') grows it one for one."""
    inputs = {"energies": case["energies"], "y": case["y"]}
    got = _loss(student, "perceptron_loss", inputs)
    if got < -1e-6:
        raise Mismatch("perceptron_loss", inputs, got, problem="is negative")
    winner = dict(inputs, y=int(case["energies"].argmin()))
    expect_close("perceptron_loss", student.call("perceptron_loss", **winner), 0.0,
                 inputs=winner, tolerance=Tolerance(1e-5),
                 problem="is not 0 when the correct answer has the lowest energy")
    raised = dict(inputs, energies=case["energies"].clone())
    raised["energies"][case["y"]] += 5 + float(case["energies"].max() - case["energies"].min())
    expect_close("perceptron_loss", student.call("perceptron_loss", **raised),
                 float(raised["energies"][case["y"]] - raised["energies"].min()), inputs=raised,
                 tolerance=Tolerance(1e-4 * (1 + float(raised["energies"].abs().max()))),
                 problem="of a correct answer above all others is not E(y) - min E")


@check()
@given(case=energy_cases(label=True, sizes=st.integers(2, 8)),
       margin=st.floats(0.0, 5.0, width=32))
def margin_loss_is_a_hinge_on_the_best_wrong_answer(student, case, margin):
    """>= 0; 0 once every wrong answer is above E(y) + m; m + E(y) - E(y') otherwise."""
    inputs = {"energies": case["energies"], "y": case["y"], "margin": margin}
    got = _loss(student, "margin_loss", inputs)
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


@check()
@given(case=energy_cases(label=True), data=st.data())
def cost_augmented_loss_is_zero_with_enough_room(student, case, data):
    """>= 0; 0 when every E(y') - E(y) exceeds its cost."""
    n = len(case["energies"])
    costs = torch.tensor(data.draw(st.lists(st.floats(0.0, 3.0), min_size=n, max_size=n)),
                         dtype=torch.float64)
    costs[case["y"]] = 0.0
    inputs = {"energies": case["energies"], "y": case["y"], "costs": costs}
    if _loss(student, "cost_augmented_loss", inputs) < -1e-6:
        raise Mismatch("cost_augmented_loss", inputs, None, problem="is negative")
    roomy = dict(inputs, energies=case["energies"].clone())
    roomy["energies"][case["y"]] = float(case["energies"].min()) - 4
    others = np.delete(np.arange(n), case["y"])
    roomy["energies"][others] = torch.maximum(roomy["energies"][others],
                                              roomy["energies"][case["y"]] + costs[others] + 1)
    expect_close("cost_augmented_loss", student.call("cost_augmented_loss", **roomy), 0.0,
                 inputs=roomy, tolerance=Tolerance(1e-5),
                 problem="is not 0 when every wrong answer is above E(y) by more than its cost")
