"""gradescope-utils as the oracle of Gradescope's ``results.json``.

Its ``JSONTestRunner`` runs tests in the grading process, which cannot host a sandboxed worker,
so the project writes results.json itself (``engine/results.py``). gradescope-utils is the
authority on the format all the same: here it runs a small unittest suite with its decorators
(weight, number, visibility, leaderboard), and every field it writes must be in the project's
results.json for a real grading, with the same JSON type, at the top level, in each test and in
each leaderboard entry. One deliberate difference: gradescope-utils writes ``execution_time``
as a string ("0.02"), where Gradescope's specification of the format says a number, which the
project writes.
"""
from __future__ import annotations

import dataclasses
import io
import json
import unittest

import pytest

from gradescope_utils.autograder_utils.decorators import leaderboard, number, visibility, weight
from gradescope_utils.autograder_utils.json_test_runner import JSONTestRunner

from autograder.engine.config import load_assignment
from autograder.engine.results import gradescope_results, write_results
from tests.support import grade_folder, only_questions, reference_submission

# Fields whose type gradescope-utils gets wrong by Gradescope's own specification.
NOT_AS_GRADESCOPE_UTILS = {"execution_time": "number"}


class Suite(unittest.TestCase):
    """Run by gradescope-utils' runner below, not by pytest (one of its tests fails on purpose)."""

    __test__ = False

    @weight(2.5)
    @number("1.7")
    @visibility("visible")
    def test_passes(self):
        """A visible part that passes"""
        print("the student's code printed this")

    @weight(1.5)
    @number("1.7")
    @visibility("after_published")
    def test_fails(self):
        """A hidden part that fails"""
        self.fail("does not match the expected value")

    @leaderboard("EBM test log-likelihood (nats)", "desc")
    def test_leaderboard(self, set_leaderboard_value=None):
        set_leaderboard_value(-6.5)


def json_type(value) -> str:
    for python, name in ((bool, "boolean"), ((int, float), "number"), (str, "string"),
                         (list, "array"), (dict, "object")):
        if isinstance(value, python):
            return name
    assert value is None, value
    return "null"


def types(entry: dict) -> dict[str, str]:
    return {key: json_type(value) for key, value in entry.items()}


@pytest.fixture(scope="module")
def oracle() -> dict:
    stream = io.StringIO()
    JSONTestRunner(stream=stream, visibility="visible", stdout_visibility="hidden").run(
        unittest.defaultTestLoader.loadTestsFromTestCase(Suite))
    data = json.loads(stream.getvalue())
    assert len(data["tests"]) == 2 and len(data["leaderboard"]) == 1  # the suite ran
    return data


@pytest.fixture(scope="module")
def ours(tmp_path_factory) -> dict:
    """results.json of the final's 1.7 graded for the reference with the leaderboard on."""
    final = only_questions(load_assignment("final"), ["1.7"])
    final = dataclasses.replace(final, leaderboard=dataclasses.replace(final.leaderboard,
                                                                       enabled=True))
    folder = tmp_path_factory.mktemp("reference")
    path = folder / "results.json"
    write_results(gradescope_results(grade_folder(reference_submission(folder / "submission",
                                                                       final), final)), path)
    return json.loads(path.read_text())


def test_every_top_level_field_is_there_with_its_type(oracle, ours):
    expected = {**types(oracle), **NOT_AS_GRADESCOPE_UTILS}
    assert types(oracle)["execution_time"] == "string"  # why it is listed as an exception
    assert {key: types(ours).get(key) for key in expected} == expected


def test_every_field_of_a_test_is_there_with_its_type(oracle, ours):
    expected = {}
    for test in oracle["tests"]:
        expected.update(types(test))
    assert set(expected) >= {"name", "score", "max_score", "status", "output", "visibility",
                             "number"}
    assert ours["tests"]
    for test in ours["tests"]:
        assert {key: types(test).get(key) for key in expected} == expected, test["name"]


def test_the_leaderboard_is_written_as_gradescope_utils_writes_it(oracle, ours):
    [entry] = oracle["leaderboard"]
    assert [types(mine) for mine in ours["leaderboard"]] == [types(entry)]
    assert ours["leaderboard"][0]["name"] == "EBM test log-likelihood (nats)"
    assert ours["leaderboard"][0]["order"] == entry["order"] == "desc"
