"""What every assignment's example, template and known mistakes earn, byte for byte as
recorded (``tests/behaviour/``), and what each of them must earn in any case.

A refactor of the grader must change nothing a student or a TA sees: each results.json,
apart from ``execution_time``, equals the one recorded before. The corpus of correct solutions
is compared the same way by ``tests/test_fairness_corpus.py``, which grades it anyway.
"""
from __future__ import annotations

import pytest

from autograder.engine.config import assignment_names
from tests.behaviour import recorded, results_of, subjects, without_measurements

OWN_SUBJECTS = [(name, subject) for name in assignment_names() for subject in subjects(name)
                if subject in ("example", "template", "constant_answers")
                or subject.startswith("mistakes_")]


def _failed(results: dict) -> list[str]:
    return [test["name"] for test in results["tests"] if test["status"] != "passed"]


@pytest.mark.slow
@pytest.mark.parametrize("name,subject", OWN_SUBJECTS, ids=[f"{n}/{s}" for n, s in OWN_SUBJECTS])
def test_results_are_as_recorded(tmp_path, name, subject):
    results = results_of(name, subject, tmp_path)
    if subject == "template":
        assert results["score"] == 0
        assert all("not implemented" in test["output"] for test in results["tests"])
    elif subject == "constant_answers":
        assert results["score"] == 0, _failed(results)
    elif subject.startswith("mistakes_"):
        assert _failed(results), "a submission full of known mistakes lost nothing"
        assert any("known mistake" in test["output"] for test in results["tests"])
    assert without_measurements(results) == without_measurements(recorded(name, subject))


def test_every_subject_was_recorded():
    for name in assignment_names():
        for subject in subjects(name):
            assert recorded(name, subject)["tests"], (name, subject)


def test_only_progress_bars_are_taken_for_measurements():
    def printed(rate, loss):
        return {"output": f"Your code printed:\r  0%|   | 0/8 [00:00<?, ?it/s]\repoch 1: 100%|###| "
                          f"8/8 [00:00<00:00, {rate}it/s, loss={loss}]\nloss {loss}\n"}

    assert without_measurements(printed(34.1, 3.2)) == without_measurements(printed(750.7, 3.2))
    assert without_measurements(printed(34.1, 3.2)) != without_measurements(printed(34.1, 3.3))
