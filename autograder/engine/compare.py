"""Comparing a student's answer with an expected one, within a tolerance the check states.

Tolerances are set by each check from its inputs (see ``float32_tolerance``): the contract
lets a float32 implementation of a correct formula pass, so the allowed error grows with the
magnitude of the terms a value is computed from, not only with the value itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np

from autograder.engine.outcomes import Mismatch

# Unit roundoff of float32: what one rounding to float32 costs, relatively.
FLOAT32_ROUNDOFF = 2.0**-24


@dataclass(frozen=True)
class Tolerance:
    """|got - expected| <= atol + rtol * |expected|, elementwise."""

    atol: float
    rtol: float = 0.0

    def accepts(self, got: np.ndarray, expected: np.ndarray) -> bool:
        same_non_finite = ~np.isfinite(expected) & (
            (got == expected) | (np.isnan(got) & np.isnan(expected)))
        with np.errstate(invalid="ignore", over="ignore"):
            near = np.abs(got - expected) <= self.atol + self.rtol * np.abs(expected)
        return bool(np.all(near | same_non_finite))


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


def recognise(got: np.ndarray, tolerance: Tolerance, candidates: Candidates) -> str | None:
    """The description of the first known mistake whose output ``got`` matches, if any."""
    for description, compute in candidates:
        with np.errstate(all="ignore"):
            try:
                value = np.asarray(compute(), dtype=np.float64)
            except (ArithmeticError, RuntimeError, ValueError, IndexError):
                continue
        if value.shape == got.shape and tolerance.accepts(got, value):
            return description
    return None


def expect_close(function: str, got, expected, *, inputs: dict, tolerance: Tolerance,
                 mistakes: Candidates = (), unstable_hint: str | None = None,
                 also_accept: Iterable = (), problem: str | None = None) -> np.ndarray:
    """Raise ``Mismatch`` unless ``got`` matches ``expected`` or one of ``also_accept`` (other
    right answers, such as subgradients at a kink); name a known mistake if one fits."""
    expected = np.asarray(expected, dtype=np.float64)
    array = as_float_array(function, got, expected.shape, inputs)
    for accepted in (expected, *also_accept):
        if tolerance.accepts(array, np.asarray(accepted, dtype=np.float64)):
            return array
    hint = recognise(array, tolerance, mistakes)
    if hint is not None:
        hint = f"This looks like a known mistake: {hint}."
    finite_expected = bool(np.all(np.isfinite(expected)))
    if finite_expected and not np.all(np.isfinite(array)):
        raise Mismatch(function, inputs, got, expected, problem="returned inf or nan",
                       hint=hint or unstable_hint)
    raise Mismatch(function, inputs, got, expected, hint=hint,
                   problem=problem or "does not match the expected value")
