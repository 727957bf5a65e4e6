"""Dress rehearsal for Gradescope: the built zip unzipped into /autograder/source, setup.sh run
there once as Gradescope's image build does, run_autograder copied beside source/ and run with
no argument, as Gradescope runs it, on a correct, a partly wrong and a broken submission."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from autograder.engine.config import load_assignment
from autograder.staff.build import build_gradescope_zip
from reference.mistakes import all_mistakes
from tests.grading_tables import tables
from tests.support import (gradescope_layout, grade_folder, only_questions,
                           reference_submission, run, unzip, validate)

# assignment -> (named mistakes submitted together, the questions they cost), as each
# assignment's table in tests/grading_tables declares it (an assignment that declares none is
# not rehearsed)
PARTLY_WRONG = {name: table.PARTLY_WRONG for name, table in tables().items()
                if hasattr(table, "PARTLY_WRONG")}
BROKEN = "import torch\n\n\ndef helper(x)\n    return x\n"  # line 4: the colon is missing


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """name -> (assignment, source): its Gradescope zip unzipped into source/ and setup.sh run
    there, once per assignment (and per test process)."""
    done = {}

    def install(name):
        if name not in done:
            base = tmp_path_factory.mktemp(f"gradescope-{name}")
            source = unzip(build_gradescope_zip(name, base), base / "source")
            setup = run(["bash", "setup.sh"], cwd=source)
            assert setup.returncode == 0, setup.stdout + setup.stderr
            assert (source / "autograder" / ".draws" / f"{name}.pickle").is_file()
            done[name] = load_assignment(name), source
        return done[name]

    return install


def metadata(assignment) -> dict:
    """submission_metadata.json as Gradescope writes it beside submission/."""
    return {
        "id": 246813579,
        "created_at": "2025-04-18T22:41:07.532541-07:00",
        "submission_method": "upload",
        "assignment": {
            "id": 5123456, "course_id": 812345, "title": assignment.title,
            "total_points": f"{assignment.points:.1f}", "group_submission": False,
            "group_size": None, "release_date": "2025-04-01T09:00:00.000000-07:00",
            "due_date": "2025-04-20T23:59:00.000000-07:00", "late_due_date": None,
            "outline": [],
        },
        "users": [{"id": 1357911, "name": "Ada Lovelace", "email": "al1234@university.edu",
                   "sid": "N12345678",
                   "assignment": {"release_date": "2025-04-01T09:00:00.000000-07:00",
                                  "due_date": "2025-04-20T23:59:00.000000-07:00"}}],
        "previous_submissions": [],
    }


def run_as_gradescope(tmp_path, assignment, source, student) -> tuple[dict, Path]:
    """Lay out /autograder under ``tmp_path`` (``source`` installed, ``student`` submitted) and
    run run_autograder there with no argument and nothing of this checkout on its path;
    returns (results.json, the /autograder root)."""
    root = gradescope_layout(tmp_path, student, source=source)
    (root / "submission_metadata.json").write_text(json.dumps(metadata(assignment), indent=2))
    done = run(["/bin/bash", str(root / "run_autograder")], cwd=root, PYTHONPATH="",
               AUTOGRADER_GRADESCOPE_ROOT=str(root))
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    validate(data)
    assert len(data["tests"]) == sum(len(question.parts) for question in assignment.questions)
    return data, root


ASSIGNMENTS = pytest.mark.parametrize("name", sorted(PARTLY_WRONG))


@ASSIGNMENTS
def test_a_correct_submission_gets_every_point(installed, tmp_path, name):
    assignment, source = installed(name)
    data, _ = run_as_gradescope(tmp_path, assignment, source,
                                reference_submission(tmp_path / "student", assignment))
    assert [test["output"] for test in data["tests"] if test["status"] != "passed"] == []
    assert data["score"] == assignment.points


@ASSIGNMENTS
def test_a_partly_wrong_submission_scores_as_graded_in_process(installed, tmp_path, name):
    assignment, source = installed(name)
    names, questions = PARTLY_WRONG[name]
    data, root = run_as_gradescope(tmp_path, assignment, source,
                                   reference_submission(tmp_path / "student", assignment, names))
    assert 0 < data["score"] < assignment.points
    # Graded in this process on the questions the mistakes touch, the rest being right.
    touched = only_questions(assignment, questions)
    lost = touched.points - grade_folder(root / "submission", touched).score
    assert data["score"] == pytest.approx(assignment.points - lost, abs=1e-6)
    failing = [test for test in data["tests"] if test["status"] == "failed"]
    assert {test["number"] for test in failing} == questions
    assert all(test["name"].startswith(test["number"] + " ") for test in failing)
    said = " ".join(" ".join(test["output"].split()) for test in failing)
    for entry in all_mistakes():
        if entry.name in names:
            assert " ".join(entry.description.split()) in said, entry.name


@ASSIGNMENTS
def test_a_broken_submission_scores_zero_with_the_reason(installed, tmp_path, name):
    assignment, source = installed(name)
    student = tmp_path / "student"
    student.mkdir()
    (student / assignment.submission).write_text(BROKEN)
    data, _ = run_as_gradescope(tmp_path, assignment, source, student)
    assert data["score"] == 0
    for test in data["tests"]:
        assert "SyntaxError" in test["output"] and "line 4" in test["output"], test["output"]
