"""Fairness: every correct solution in the corpus scores full marks.

``tests/submissions/<assignment>/`` holds correct solutions written independently of the
grader, in the styles students use (plain torch, NumPy with loops, float32 throughout, a Colab
notebook...), several of them written from the contract (``quantities.md``) alone. A correct
solution that loses a point is a grader defect (an input outside the contract's domain, a
dtype the homework's code would not pass, a tolerance tighter than float32, a sentinel the
contract allows): this test is how such defects are found. ``constant_answers`` is the one
folder that is not a solution (answers that ignore their inputs, which must score 0: see
``tests/test_grading_*.py``).
"""
from __future__ import annotations

import pytest

from autograder.engine.config import load_assignment
from tests.support import ROOT, assert_full_marks

SUBMISSIONS = ROOT / "tests" / "submissions"
ASSIGNMENTS = ("hw4", "a3", "final", "hw4_impl")
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
def test_a_correct_solution_scores_full_marks(assignment, folder):
    assert_full_marks(SUBMISSIONS / assignment / folder, load_assignment(assignment))
