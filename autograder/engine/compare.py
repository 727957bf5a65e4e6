"""Comparing a student's answer with an expected one, within a tolerance the check states.

Tolerances are set by each check from its inputs (see ``float32_tolerance``): the contract
lets a float32 implementation of a correct formula pass, so the allowed error grows with the
magnitude of the terms a value is computed from, not only with the value itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from autograder.engine.failures import Mismatch

# Unit roundoff of float32: what one rounding to float32 costs, relatively.
FLOAT32_ROUNDOFF = 2.0**-24


@dataclass(frozen=True)
class Tolerance:
    """|got - expected| <= atol + rtol * |expected|, elementwise."""

    atol: float
    rtol: float = 0.0

    def accepts(self, got: np.ndarray, expected: np.ndarray) -> bool:
        return self.distance(got, expected) <= 1.0

    def distance(self, got: np.ndarray, expected: np.ndarray) -> float:
        """The largest error of ``got`` in units of what this tolerance allows, so that
        ``accepts`` is ``distance <= 1``: 0 where equal, inf where a non-finite value differs
        (a relative tolerance must not swallow an infinite expectation)."""
        got, expected = np.asarray(got, np.float64), np.asarray(expected, np.float64)
        finite = np.isfinite(expected)
        same_non_finite = ~finite & ((got == expected) | (np.isnan(got) & np.isnan(expected)))
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            error = np.abs(got - expected)
            # equal values are at 0 even where the allowance is 0
            ratio = np.where(error == 0, 0.0, error / (self.atol + self.rtol * np.abs(expected)))
        ratio = np.where(finite & ~np.isnan(ratio), ratio, np.where(same_non_finite, 0.0, np.inf))
        return float(np.max(ratio, initial=0.0))


def float32_tolerance(scale: float, operations: float = 64.0, floor: float = 1e-9) -> Tolerance:
    """Room for a float32 computation over terms of magnitude ``scale``.

    ``operations`` bounds the number of roundings that can pile up; 64 is generous for the
    short formulas of these homeworks, yet far below the gap that any known mistake makes.
    """
    return Tolerance(atol=floor + operations * FLOAT32_ROUNDOFF * scale,
                     rtol=operations * FLOAT32_ROUNDOFF)


def as_float_array(function: str, value, shape: tuple, inputs: dict) -> np.ndarray:
    """The student's value as float64 of ``shape``; a scalar may come as any size-1 array."""
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Mismatch(function, inputs, value,
                       problem="returned something that is not a number or an array of numbers")
    if shape == () and array.size == 1:
        return array.reshape(())
    if array.shape != tuple(shape):
        raise Mismatch(function, inputs, value,
                       problem=f"returned shape {tuple(array.shape)} where shape {tuple(shape)} "
                               "is expected")
    return array


Candidates = Iterable[tuple[str, Callable[[], object]]]


def _parts(value) -> list:
    """A value as the list of its arrays: a tuple or list of arrays stays one item each."""
    if isinstance(value, (tuple, list)) and value and all(
            hasattr(item, "shape") or isinstance(item, (list, tuple)) for item in value):
        return [np.asarray(item, dtype=np.float64) for item in value]
    return [np.asarray(value, dtype=np.float64)]


def _student_parts(function: str, got, expected: list, inputs: dict) -> list:
    if len(expected) == 1:
        return [as_float_array(function, got, expected[0].shape, inputs)]
    if not isinstance(got, list) or len(got) != len(expected):
        raise Mismatch(function, inputs, got,
                       problem=f"returned {_count(got)} where {len(expected)} values (a tuple "
                               "or list) are expected")
    return [as_float_array(function, item, part.shape, inputs)
            for item, part in zip(got, expected)]


def _count(value) -> str:
    return f"{len(value)} values" if isinstance(value, list) else "a single value"


def _distance(tolerance: Tolerance, got: list, expected: list) -> float:
    """The largest ``Tolerance.distance`` over the values; inf where their shapes differ."""
    if len(got) != len(expected) or any(g.shape != e.shape for g, e in zip(got, expected)):
        return np.inf
    return max((tolerance.distance(g, e) for g, e in zip(got, expected)), default=0.0)


def _accepts(tolerance: Tolerance, got: list, expected: list) -> bool:
    return _distance(tolerance, got, expected) <= 1.0


def recognise(got: list, tolerance: Tolerance, candidates: Candidates,
              canonical: Callable = lambda parts: parts) -> tuple[str, ...]:
    """The descriptions of the known mistakes whose output ``got`` matches, the closest first
    (in units of ``tolerance``; ties keep the candidates' order, the registry's). On one input
    several mistakes can give the same (often non-finite) value; ``failures.the_mistake``
    picks the one to name from every failing input of the check."""
    matches = []
    for description, compute in candidates:
        with np.errstate(all="ignore"):
            try:
                value = canonical(_parts(compute()))
            except (ArithmeticError, RuntimeError, ValueError, IndexError):
                continue
        distance = _distance(tolerance, got, value)
        if distance <= 1.0:
            matches.append((distance, description))
    return tuple(description for _, description in sorted(matches, key=lambda m: m[0]))


def expect_close(function: str, got, expected, *, inputs: dict, tolerance: Tolerance,
                 mistakes: Candidates = (), unstable_hint: str | None = None,
                 also_accept: Iterable = (), problem: str | None = None,
                 canonical: Callable = lambda parts: parts) -> list:
    """Raise ``Mismatch`` unless ``got`` matches ``expected`` or one of ``also_accept`` (other
    right answers, such as subgradients at a kink); name a known mistake if one fits.

    ``expected`` is an array-like or a tuple of them (a function returning several values);
    ``canonical`` maps a list of arrays to a canonical form before comparing (for answers
    defined only up to an order). Returns the student's arrays."""
    expected_parts = _parts(expected)
    got_parts = canonical(_student_parts(function, got, expected_parts, inputs))
    for accepted in (expected, *also_accept):
        if _accepts(tolerance, got_parts, canonical(_parts(accepted))):
            return got_parts
    recognised = recognise(got_parts, tolerance, mistakes, canonical)
    finite_expected = all(np.all(np.isfinite(part)) for part in expected_parts)
    if finite_expected and not all(np.all(np.isfinite(part)) for part in got_parts):
        raise Mismatch(function, inputs, got, expected, problem="returned inf or nan",
                       mistakes=recognised, hint=unstable_hint)
    raise Mismatch(function, inputs, got, expected, mistakes=recognised,
                   problem=problem or "does not match the expected value")
