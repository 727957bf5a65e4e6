"""results.json follows Gradescope's schema, for a graded run and for a grader failure."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from autograder.engine import results
from tests.support import ROOT, grade_folder, validate

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
