"""results.json follows Gradescope's schema, for a graded run and for a grader failure."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from autograder.engine import results
from tests.support import ROOT, grade_folder

SCHEMA = json.loads((Path(__file__).with_name("gradescope_results.schema.json")).read_text())


def validate(data: dict) -> None:
    """Gradescope's schema, and our own rule: a score is the sum of its tests, and results
    without a test (the grader failed) carry no score at all."""
    jsonschema.validate(data, SCHEMA)
    if not data["tests"]:
        assert "score" not in data
        return
    assert data["score"] == pytest.approx(sum(test["score"] for test in data["tests"]))
    for test in data["tests"]:
        assert 0 <= test["score"] <= test["max_score"]
        assert (test["status"] == "passed") == (test["score"] == test["max_score"])


def test_schema_rejects_what_gradescope_would_misread():
    with pytest.raises(jsonschema.ValidationError):
        validate(dict(results.failure_results("x"), execution_time="3 s"))
    with pytest.raises(jsonschema.ValidationError):
        validate(dict(results.failure_results("x"), visibilty="visible"))


def test_graded_results_follow_the_schema(hw4, tmp_path):
    result = grade_folder(ROOT / "autograder" / "assignments" / "hw4" / "example_submission", hw4)
    data = results.gradescope_results(result)
    validate(data)
    assert len(data["tests"]) == sum(len(q.parts) for q in hw4.questions)
    assert {test["visibility"] for test in data["tests"]} == {"visible", "after_published"}
    assert 0 < data["score"] < hw4.points


def test_failure_results_follow_the_schema_and_score_no_one():
    data = results.failure_results("the configuration is broken")
    validate(data)
    assert "not your fault" in data["output"] and "misconfigured" in data["output"]
    assert "score" not in data and data["tests"] == []
