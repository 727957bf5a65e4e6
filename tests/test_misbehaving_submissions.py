"""A submission that hangs, crashes, exits or floods its output loses at most the question it
does so in; grading goes on with a fresh worker and results.json stays valid and complete."""
from __future__ import annotations

import json

from autograder.engine import results
from tests.support import grade_folder, outcomes, reference_submission, validate

MISBEHAVIOUR = """
    import ctypes, os, sys, time
    import torch

    def gibbs_distribution(energies, beta):      # 1.2.i hangs
        while True:
            time.sleep(0.01)

    def nll_loss(energies, y, beta):             # 1.2.ii segfaults
        ctypes.string_at(0)

    def nll_loss_grad(energies, energy_grads, y, beta):  # 1.2.iii leaves without a word
        os._exit(7)

    def simple_loss(f_pos, f_neg, margin):       # 1.3.a calls sys.exit
        sys.exit(3)

    _log_loss = log_loss
    def log_loss(f_pos, f_neg):                  # 1.3.b right, but prints megabytes
        print("x" * 5_000_000)
        sys.stderr.write("y" * 5_000_000)
        return _log_loss(f_pos, f_neg)

    def square_square_loss(f_pos, f_neg, margin):  # 1.3.c raises KeyboardInterrupt
        raise KeyboardInterrupt
"""

EXPECTED_FAILURES = {
    "1.2.i": "took longer than 2 s",
    "1.2.ii": "segmentation fault",
    "1.2.iii": "exited with status 7",
    "1.3.a": "SystemExit",
    "1.3.c": "KeyboardInterrupt",
}
# Parts that never call the misbehaving function keep their points.
STILL_PASSING = {
    "hidden.contrastive_losses.simple_gradient",
    "hidden.contrastive_losses.square_square_gradient",
}


def test_each_misbehaviour_costs_only_its_own_question(tmp_path, hw4):
    folder = reference_submission(tmp_path / "submission", hw4, extra_code=MISBEHAVIOUR)
    result = grade_folder(folder, hw4, call_time_limit=2.0)
    graded = outcomes(result)
    for part in result.parts:
        number, check = part.question.number, part.part.check
        if number in EXPECTED_FAILURES and check not in STILL_PASSING:
            assert not part.passed and EXPECTED_FAILURES[number] in part.feedback, (check, part)
        else:
            assert part.passed, (check, part.feedback)
    printed = [part.output for part in result.parts if part.question.number == "1.3.b"]
    assert any(output for output in printed)
    assert all(len(output) <= 8192 + 100 for output in printed)
    assert "not shown" in "".join(printed)
    assert len(graded) == sum(len(q.parts) for q in hw4.questions)

    data = results.gradescope_results(result)
    validate(data)
    assert len(data["tests"]) == len(graded)
    path = tmp_path / "results.json"
    results.write_results(data, path)
    assert json.loads(path.read_text())["score"] == result.score


def test_a_submission_that_cannot_be_imported_fails_every_part_with_the_reason(tmp_path, hw4):
    (tmp_path / "hw4_theory.py").write_text("def gibbs_distribution(energies, beta)\n    pass\n")
    result = grade_folder(tmp_path, hw4)
    assert result.score == 0
    assert all("could not be loaded: SyntaxError" in part.feedback for part in result.parts)


def test_exiting_while_loading_is_reported(tmp_path, hw4):
    (tmp_path / "hw4_theory.py").write_text("import os\nos._exit(0)\n")
    result = grade_folder(tmp_path, hw4)
    assert result.score == 0
    assert all("exited with status 0" in part.feedback for part in result.parts)
