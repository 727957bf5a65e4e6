"""A check is declared one way: ``@check(case=strategy, examples=N)``."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograder.engine.check_runner import check


def test_strategies_given_to_check_are_drawn_as_many_times_as_declared():
    drawn = []

    @check(examples=7, x=st.integers(0, 10**6), y=st.booleans())
    def record(student, x, y):
        drawn.append((student, x, y))

    record("the student")
    assert len(drawn) == 7 and {student for student, _, _ in drawn} == {"the student"}
    assert record.is_grading_check


def test_a_check_without_strategies_runs_once():
    calls = []

    @check()
    def once(student):
        calls.append(student)

    once("the student")
    assert calls == ["the student"]


def test_hypothesis_given_under_check_is_refused_with_the_way_to_write_it():
    with pytest.raises(TypeError, match=r"@check\(case=\.\.\.\)"):
        @check()
        @given(x=st.integers())
        def old_style(student, x):
            pass
