"""Hidden checks for the OCR notebook (hw4 2.*) against the reference.

Energies, pm and ce come from a model in the notebook, so they are float32 here (see the
domains in ``strategies``); the reference is evaluated on them in float64."""
from __future__ import annotations

from itertools import product

import numpy as np

from autograder.checks.api import (Mismatch, Tolerance, as_float_array, check, float32_tolerance,
                                   recognise)
from autograder.checks.public.structured_prediction import alignment_problem
from autograder.checks.hidden.common import comparison, in_float64
from autograder.checks.strategies import cases
from reference import structured_prediction as ref
from reference.mistakes import mistakes_for

# An unreachable dp cell may hold inf or any sentinel from here up (2**30, 1e9, with or
# without pm added: in float32, 2**30 + pm[i, j] may round below 2**30).
SENTINEL_FLOOR = 2**29


def path_sum(pm, path) -> float:
    """The energy of an alignment given as (i, j) pairs (here, not in the public checks: it
    is the answer of path_cross_entropy)."""
    return float(sum(pm[int(i), int(j)] for i, j in path))


def _matrix_tolerance(case) -> Tolerance:
    return float32_tolerance(1 + float(case["energies"].abs().max()))


path_matrix_value = comparison("build_path_matrix", in_float64(ref.build_path_matrix),
                               cases("build_path_matrix"), _matrix_tolerance)
ce_matrix_value = comparison("build_ce_matrix", in_float64(ref.build_ce_matrix),
                             cases("build_ce_matrix"), _matrix_tolerance)
path_energy_value = comparison(
    "path_energy", in_float64(ref.path_energy), cases("path_energy"),
    lambda case: float32_tolerance(1 + float(case["pm"].abs().sum())))
path_cross_entropy_value = comparison(
    "path_cross_entropy",
    in_float64(lambda ce, path: ref.path_cross_entropy(ce, [tuple(p) for p in path])),
    cases("path_cross_entropy"),
    lambda case: float32_tolerance(1 + float(case["ce"].abs().sum())))


def _find_path_mistakes(case, got_free_energy, tolerance) -> str | None:
    candidates = [(m.description, lambda m=m: m.implementation(**case)[0])
                  for m in mistakes_for("find_path")]
    return recognise([np.asarray(got_free_energy)], tolerance, candidates)


@check(case=cases("find_path") | cases("find_path", "ties"))
def find_path_value(student, case):
    """The free energy is the minimum over all alignments, the path one that attains it, and
    dp matches the recursion where cells are reachable; an unreachable cell may hold inf or
    any sentinel >= 2**29, as the contract allows."""
    pm = case["pm"]
    L, T = pm.shape
    expected_free, _, expected_dp = ref.find_path(pm)
    got = student.call("find_path", **case)
    if not isinstance(got, list) or len(got) != 3:
        raise Mismatch("find_path", case, got, problem="should return (free_energy, path, dp)")
    tolerance = float32_tolerance(1 + float(pm.abs().sum()))
    free = float(as_float_array("find_path", got[0], (), case))
    if not tolerance.accepts(np.asarray(free), np.asarray(float(expected_free))):
        raise Mismatch("find_path", case, free, float(expected_free),
                       problem="returns a free energy that is not the lowest alignment energy",
                       mistakes=_find_path_mistakes(case, free, tolerance))
    problem = alignment_problem(got[1], L, T) if isinstance(got[1], list) else "is not a list"
    if problem:
        mistakes = _path_mistakes(got[1], L, T) if "not a list" not in problem and \
            "pairs" not in problem else ()
        raise Mismatch("find_path", case, got[1], problem=f"returns a path that {problem}",
                       mistakes=mistakes)
    if not tolerance.accepts(np.asarray(path_sum(pm.numpy(), got[1])), np.asarray(free)):
        raise Mismatch("find_path", case, got[1], problem="returns a path whose energy is not "
                       "the free energy")
    dp = as_float_array("find_path", got[2], (L, T), case)
    reachable = np.isfinite(expected_dp.numpy())
    unreachable_ok = np.all(dp[~reachable] >= SENTINEL_FLOOR)  # inf included, nan not
    if not unreachable_ok or not tolerance.accepts(dp[reachable], expected_dp.numpy()[reachable]):
        raise Mismatch("find_path", case, dp, problem="returns a dp table that does not follow "
                       "dp[i, j] = min(dp[i-1, j], dp[i-1, j-1]) + pm[i, j] (unreachable "
                       "cells: inf or a sentinel of at least 2**29)")


def _path_mistakes(path, L: int, T: int) -> tuple[str, ...]:
    """The known mistake a malformed path points to: one point short, or an alignment that
    starts right but ends on another target of the last window (the row's minimum)."""
    names = {m.name: m.description for m in mistakes_for("find_path")}
    points = [(int(i), int(j)) for i, j in path]
    if len(points) == L - 1:
        return (names["find_path_one_point_short"],)
    if len(points) == L and points[0] == (0, 0) and points[-1][0] == L - 1 \
            and points[-1][1] != T - 1:
        return (names["find_path_ending_at_row_minimum"],)
    return ()


def _tied_readings(indices) -> set[str]:
    """Every reading that keeps one of the most common letters of each segment."""
    segments, current = [], []
    for index in [int(v) for v in indices.tolist()] + [26]:
        if index == 26:
            if current:
                counts = {letter: current.count(letter) for letter in current}
                top = max(counts.values())
                segments.append([chr(97 + letter) for letter, n in counts.items() if n == top])
            current = []
        else:
            current.append(index)
    return {"".join(choice) for choice in product(*segments)}


@check(case=cases("indices_to_str"))
def decode_value(student, case):
    got = student.call("indices_to_str", **case)
    accepted = _tied_readings(case["indices"])
    if got not in accepted:
        matches = tuple(m.description for m in mistakes_for("indices_to_str")
                        if m.implementation(**case) == got)
        raise Mismatch("indices_to_str", case, got, ref.indices_to_str(**case),
                       problem="does not decode the windows", mistakes=matches)
