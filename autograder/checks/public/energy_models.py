"""Public checks for the Gibbs distribution and the NLL loss (hw4 1.2): properties only.

Each property follows from the definitions in the homework, so a correct answer passes them
all; none needs the reference solution.
"""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from autograder.checks.api import Mismatch, Tolerance, check, expect_close
from autograder.checks.conditioning import probability_rtol
from autograder.checks.strategies import energy_cases


def _lower_energy_never_less_likely(function, inputs, energies, likelihood, slack,
                                    beta: float) -> None:
    """For every pair with E_i < E_j: likelihood_i >= likelihood_j (up to ``slack``); and the
    lowest energy strictly more likely than the next where beta (E_j - E_i) >= 0.1, so that
    an answer ignoring the energies does not pass."""
    order = np.argsort(energies, kind="stable")
    for rank, (low, high) in enumerate(zip(order[:-1], order[1:])):
        if energies[low] == energies[high]:
            continue
        strict = rank == 0 and beta * (energies[high] - energies[low]) >= 0.1
        if likelihood[low] < likelihood[high] - slack or (
                strict and not likelihood[low] > likelihood[high] + slack):
            raise Mismatch(function, inputs, likelihood,
                           problem=f"does not make answer {low} (energy {energies[low]:g}) "
                                   f"more likely than answer {high} (energy {energies[high]:g})",
                           hint="Lower energy must mean higher probability.")


@check(case=energy_cases())
def gibbs_is_a_distribution(student, case):
    """Non-negative, sums to 1, and lower energy never means lower probability."""
    energies = case["energies"].numpy()
    p = student.call_array("gibbs_distribution", energies.shape, **case)
    slack = probability_rtol(energies, case["beta"]) + 1e-6
    if not np.all(np.isfinite(p)) or np.any(p < -1e-7) or abs(p.sum() - 1) > slack:
        raise Mismatch("gibbs_distribution", case, p,
                       problem="is not a probability distribution (entries >= 0 summing to 1)")
    _lower_energy_never_less_likely("gibbs_distribution", case, energies, p, slack,
                                    case["beta"])


@check(case=energy_cases())
def nll_is_a_negative_log_probability(student, case):
    """sum_y exp(-beta * nll_loss(E, y, beta)) = 1, and a lower-energy label costs less."""
    expect_negative_log_probability(student, "nll_loss", case)


def expect_negative_log_probability(student, function: str, case) -> None:
    """``function`` (energies, y, beta) is (1/beta) times -log p(y | x) for the Gibbs
    distribution: over all labels y, exp(-beta * loss) sums to 1, and a label of lower
    energy never costs more (strictly less where the energies differ clearly)."""
    energies, beta = case["energies"].numpy(), case["beta"]
    losses = []
    for y in range(len(energies)):
        inputs = {"energies": case["energies"], "y": y, "beta": beta}
        losses.append(float(student.call_array(function, (), **inputs)))
    losses = np.array(losses)
    slack = probability_rtol(energies, beta, roundings=8) + 1e-6
    with np.errstate(over="ignore"):
        total = float(np.exp(-beta * losses).sum())
    if not abs(total - 1) <= slack:
        raise Mismatch(function, {"energies": case["energies"], "beta": beta}, losses,
                       problem=f"is not (1/beta) times a negative log-probability: over all "
                               f"labels y, exp(-beta * loss) sums to {total:.6g} instead of 1")
    _lower_energy_never_less_likely(function, case, energies, -losses,
                                    slack * (1 + np.abs(losses).max()), beta)


@check(case=energy_cases(label=True, grads=True),
       pair=energy_cases(label=True, grads=True, sizes=st.just(2)),
       shift_seed=st.integers(0, 2**16))
def nll_grad_properties(student, case, pair, shift_seed):
    """Shape (p,); zero for one class; unchanged when every dF/dW moves by the same vector;
    for two classes a multiple c in [0, 1] of dF_y/dW - dF_other/dW."""
    got = _gradient(student, case)
    grads = case["energy_grads"].numpy()
    slack = 1e-4 * (1 + np.abs(grads).max())
    if len(grads) == 1 and np.abs(got).max() > slack:
        raise Mismatch("nll_loss_grad", case, got,
                       problem="is not zero with a single class (p(y|x) = 1 there)")
    shift = np.random.default_rng(shift_seed).uniform(-5, 5, size=grads.shape[1])
    shifted = dict(case, energy_grads=case["energy_grads"] + torch.from_numpy(shift))
    moved = _gradient(student, shifted)
    if np.abs(moved - got).max() > slack * 10:
        raise Mismatch("nll_loss_grad", shifted, moved,
                       problem="changes when the same vector is added to every row of "
                               "energy_grads, although the probabilities sum to 1")
    _two_classes_push_the_right_way(student, pair)


def _gradient(student, case) -> np.ndarray:
    shape = (case["energy_grads"].shape[1],)
    return student.call_array("nll_loss_grad", shape, **case)


def _two_classes_push_the_right_way(student, case) -> None:
    """With two classes the gradient is c (dF_y/dW - dF_other/dW) with c = 1 - p(y|x) in
    [0, 1], and c >= 1/2 when y does not have the lower energy."""
    got = _gradient(student, case)
    grads = case["energy_grads"].numpy()
    difference = grads[case["y"]] - grads[1 - case["y"]]
    norm = float(difference @ difference)
    if norm <= 1e-6:
        return
    c = float(got @ difference) / norm
    residual = got - c * difference
    energies = case["energies"].numpy()
    least = 0.5 - 1e-4 if energies[case["y"]] >= energies[1 - case["y"]] else -1e-4
    if not (least <= c <= 1 + 1e-4) or np.abs(residual).max() > 1e-4 * (1 + np.abs(grads).max()):
        raise Mismatch("nll_loss_grad", case, got,
                       problem="with two classes should be c * (dF_y/dW - dF_other/dW) "
                               f"with c = 1 - p(y|x) in [0, 1]; here c = {c:.4g}")


# ---- a3: inference, free energy and partition function over a discrete answer set ----


@check(case=energy_cases())
def map_inference_is_an_argmin(student, case):
    """The returned answer has the lowest energy (any of them on ties)."""
    energies = case["energies"].numpy()
    inputs = {"energies": case["energies"]}
    got = student.call("map_inference", **inputs)
    if not isinstance(got, int) or not 0 <= got < len(energies) or energies[got] != energies.min():
        raise Mismatch("map_inference", inputs, got,
                       problem="does not return the index of a lowest energy (an int)")


@check(case=energy_cases())
def free_energy_lies_below_the_minimum(student, case):
    """min E - log(n) / beta <= F <= min E: the free energy is a soft minimum."""
    energies, beta = case["energies"].numpy(), case["beta"]
    got = float(student.call_array("free_energy", (), **case))
    low, high = energies.min() - np.log(len(energies)) / beta, energies.min()
    slack = 1e-4 * (1 + np.abs(energies).max())
    if not low - slack <= got <= high + slack:
        raise Mismatch("free_energy", case, got, problem=f"is not between min E - log(n)/beta "
                       f"= {low:.6g} and min E = {high:.6g}: F = -(1/beta) log sum exp(-beta E) "
                       "is a soft minimum of the energies")


@check(case=energy_cases(), shift=st.floats(-5.0, 5.0, width=32))
def partition_function_scales_with_shifts(student, case, shift):
    """Z >= exp(-beta min E), and Z(E + c) = Z(E) exp(-beta c)."""
    energies, beta = case["energies"].numpy(), case["beta"]
    if beta * (np.abs(energies).max() + abs(shift)) > 60:
        return  # Z may overflow there: the contract grades it only where it is finite
    z = float(student.call_array("partition_function", (), **case))
    if not z >= np.exp(-beta * energies.min()) * (1 - 1e-5):
        raise Mismatch("partition_function", case, z, problem="is smaller than its largest term "
                       "exp(-beta min E)")
    moved = dict(case, energies=case["energies"] + shift)
    expect_close("partition_function", student.call("partition_function", **moved),
                 z * np.exp(-beta * shift), inputs=moved, tolerance=Tolerance(0, 1e-4),
                 problem="does not scale by exp(-beta c) when c is added to every energy")
