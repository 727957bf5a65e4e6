"""Fairness: every correct solution in the corpus scores full marks.

``tests/submissions/<assignment>/`` holds correct solutions written independently of the
grader, in the styles students use (plain torch, NumPy with loops, float32 throughout, a Colab
notebook...), several of them written from the contract (``quantities.md``) alone. A correct
solution that loses a point is a grader defect (an input outside the contract's domain, a
dtype the homework's code would not pass, a tolerance tighter than float32, a sentinel the
contract allows): this test is how such defects are found. ``constant_answers`` is the one
folder that is not a solution (answers that ignore their inputs, which must score 0: see
``tests/test_behaviour_unchanged.py``). Each solution's results.json must also be, byte for
byte, the one recorded before the last refactor (``tests/behaviour/``).
"""
from __future__ import annotations

import pytest

from autograder.engine.config import assignment_names
from tests.behaviour import SUBMISSIONS, recorded, results_of, without_measurements

ASSIGNMENTS = assignment_names()
NOT_SOLUTIONS = {"constant_answers"}


def solutions(assignment: str) -> list[str]:
    return sorted(folder.name for folder in (SUBMISSIONS / assignment).iterdir()
                  if folder.is_dir() and folder.name not in NOT_SOLUTIONS)


CORPUS = [(assignment, folder) for assignment in ASSIGNMENTS for folder in solutions(assignment)]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_assignment_has_several_independent_solutions(assignment):
    assert len(solutions(assignment)) >= 3, solutions(assignment)


@pytest.mark.slow
@pytest.mark.parametrize("assignment,folder", CORPUS, ids=[f"{a}/{f}" for a, f in CORPUS])
def test_a_correct_solution_scores_full_marks_as_recorded(tmp_path, assignment, folder):
    results = results_of(assignment, folder, tmp_path)
    assert [test["output"] for test in results["tests"] if test["status"] != "passed"] == []
    assert without_measurements(results) == without_measurements(recorded(assignment, folder))
