"""Comparison rules: tolerances around infinities, answers with several values, and which
known mistakes fit an answer (the one named when several fit: tests/test_mistake_naming.py)."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.engine.compare import Tolerance, expect_close, recognise
from autograder.engine.failures import Mismatch

LOOSE = Tolerance(atol=1e-3, rtol=1e-3)


@pytest.mark.parametrize("got,expected,accepted", [
    (-800.0, np.inf, False),  # a relative tolerance must not swallow an infinite expectation
    (np.inf, np.inf, True),
    (-np.inf, np.inf, False),
    (np.nan, np.nan, True),
    (np.nan, 1.0, False),
    (1.0005, 1.0, True),
    (1.01, 1.0, False),
])
def test_tolerance_at_and_around_infinity(got, expected, accepted):
    assert LOOSE.accepts(np.array(got), np.array(expected)) is accepted


def test_several_values_are_compared_one_by_one():
    expected = (np.zeros(2), np.ones((2, 2)))
    expect_close("f", [[0.0, 0.0], [[1.0, 1.0], [1.0, 1.0]]], expected, inputs={},
                 tolerance=LOOSE)
    with pytest.raises(Mismatch, match="returned 3 values where 2 values"):
        expect_close("f", [[0.0, 0.0], np.ones((2, 2)), 1.0], expected, inputs={},
                     tolerance=LOOSE)
    with pytest.raises(Mismatch, match=r"shape \(3,\)"):
        expect_close("f", [[0.0, 0.0, 0.0], np.ones((2, 2))], expected, inputs={},
                     tolerance=LOOSE)


def test_every_matching_mistake_is_recognised_and_the_first_is_named():
    candidates = [("first", lambda: np.nan), ("second", lambda: 2.0), ("third", lambda: np.nan)]
    assert recognise([np.array(np.nan)], LOOSE, candidates) == ("first", "third")
    assert recognise([np.array(5.0)], LOOSE, candidates) == ()
    with pytest.raises(Mismatch) as several:
        expect_close("f", np.nan, 1.0, inputs={}, tolerance=LOOSE, mistakes=candidates,
                     unstable_hint="unused when a mistake is recognised")
    assert str(several.value).endswith("This looks like a known mistake: first.")
    with pytest.raises(Mismatch) as one:
        expect_close("f", 2.0, 1.0, inputs={}, tolerance=LOOSE, mistakes=candidates)
    assert one.value.mistakes == ("second",)
    assert str(one.value).endswith("This looks like a known mistake: second.")
