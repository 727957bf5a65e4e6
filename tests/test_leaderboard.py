"""The final's leaderboard: off by default; when enabled, the reference's trained EBM is ranked
by its held-out log-likelihood (recomputed here in this process, from the reference's own
training); a submission whose train_ebm does not work has no value on the board."""
from __future__ import annotations

import dataclasses

import pytest
import torch

from autograder.checks.hidden.leaderboards import EBM
from autograder.checks.public.importance_sampling import GRID, held_out_log_likelihood
from autograder.engine.config import load_assignment
from autograder.sandbox.builders import build
from reference import importance_sampling as ref
from tests.support import ROOT, grade_folder, only_questions, reference_submission


def final_with_board(enabled: bool):
    """The final reduced to its shortest question (the leaderboard does not depend on it)."""
    final = only_questions(load_assignment("final"), ["1.4"])
    return dataclasses.replace(final, leaderboard=dataclasses.replace(final.leaderboard,
                                                                      enabled=enabled))


def test_the_leaderboard_is_off_by_default():
    board = load_assignment("final").leaderboard
    assert board is not None and not board.enabled
    assert board.order == "desc"  # a higher log-likelihood ranks first


@pytest.fixture(scope="module")
def reference_folder(tmp_path_factory):
    return reference_submission(tmp_path_factory.mktemp("reference"), load_assignment("final"))


def test_the_reference_is_ranked_by_its_held_out_log_likelihood(reference_folder):
    result = grade_folder(reference_folder, final_with_board(True))
    model = build(EBM["train"]["model"])
    ref.train_ebm(model, **{key: value for key, value in EBM["train"].items() if key != "model"})
    with torch.no_grad():
        expected = held_out_log_likelihood(model(EBM["x_test"]), model(GRID))
    [entry] = result.leaderboard
    assert entry["name"] == load_assignment("final").leaderboard.name
    assert entry["value"] == pytest.approx(expected, abs=1e-4)
    untrained = build(EBM["train"]["model"])
    with torch.no_grad():  # the training is what is ranked: it must have gained
        assert entry["value"] > held_out_log_likelihood(untrained(EBM["x_test"]),
                                                        untrained(GRID)) + 0.5


def test_nothing_is_measured_when_the_leaderboard_is_off(reference_folder):
    assert grade_folder(reference_folder, final_with_board(False)).leaderboard == []


def test_a_train_ebm_that_does_not_work_has_no_value():
    assert grade_folder(ROOT / "student_template", final_with_board(True)).leaderboard == []
