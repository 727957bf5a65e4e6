"""Helpers for the project's tests: submissions built from the reference (``staff/samples.py``,
which the benchmarks use too), grading them, running the commands, and checking results.json.
Test modules share helpers through this module only, never by importing each other.
"""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import jsonschema
import pytest

from autograder.engine.config import Assignment
from autograder.engine.grading import GradingResult, grade
from autograder.staff import samples
from autograder.staff.samples import gradescope_export  # noqa: F401 - the tests' export

ROOT = Path(__file__).resolve().parent.parent


# A notebook submission's first cells are what graders must skip: shell and magic lines, a
# ten-minute training loop, a plot.
SKIPPED_CELLS = ("!pip install torch\n%matplotlib inline\nimport time",
                 "for epoch in range(100):\n    time.sleep(6)  # ten minutes of training",
                 "plot_losses = print\nplot_losses([1.0, 0.5])")


def reference_submission(folder: Path, assignment: Assignment, mistakes=(), extra_code: str = "",
                         package: str = "reference") -> Path:
    """``samples.reference_submission``, a notebook's cell after ``SKIPPED_CELLS``."""
    return samples.reference_submission(folder, assignment, mistakes, extra_code, package,
                                        cells_before=SKIPPED_CELLS)


def only_questions(assignment: Assignment, numbers) -> Assignment:
    chosen = tuple(q for q in assignment.questions if q.number in set(numbers))
    assert chosen, f"no question among {numbers}"
    return dataclasses.replace(assignment, questions=chosen)


def grade_folder(folder: Path, assignment: Assignment, **limits) -> GradingResult:
    """Grade ``folder``; ``limits`` override the assignment's (e.g. call_time_limit=2)."""
    return grade(dataclasses.replace(assignment, **limits), folder)


def outcomes(result: GradingResult) -> dict[str, tuple[bool, str]]:
    """check id -> (passed, feedback) for every part graded."""
    return {part.part.check: (part.passed, part.feedback) for part in result.parts}


def gradescope_layout(base: Path, submission: Path, source: Path | None = None) -> Path:
    """/autograder as Gradescope lays it out, under ``base``: source/ (a copy of ``source``,
    an unzipped autograder zip, or else of this checkout's packages), run_autograder beside
    it, submission/ (a copy of ``submission``) and an empty results/. Returns the root."""
    root = base / "autograder"
    if source is None:
        for name in ("autograder", "reference"):
            shutil.copytree(ROOT / name, root / "source" / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
    else:
        shutil.copytree(source, root / "source")
    shutil.copy2((source or ROOT) / "run_autograder", root / "run_autograder")
    shutil.copytree(submission, root / "submission")
    (root / "results").mkdir()
    return root


def unzip(archive: Path, destination: Path) -> Path:
    """Extract ``archive`` into ``destination`` as ``unzip`` does, permissions included
    (``zipfile`` alone drops them, and the scripts of a Gradescope zip must stay executable)."""
    with zipfile.ZipFile(archive) as opened:
        for info in opened.infolist():
            path = Path(opened.extract(info, destination))
            if info.external_attr >> 16 & 0o777:
                path.chmod(info.external_attr >> 16 & 0o777)
    return destination


def assert_full_marks(folder: Path, assignment: Assignment) -> None:
    result = grade_folder(folder, assignment)
    assert [part.feedback for part in result.parts if not part.passed] == []
    assert result.score == assignment.points


def template_functions(assignment: Assignment) -> list[str]:
    """The functions a student fills in: those the assignment's template defines."""
    import ast

    source = (ROOT / "student_template" / assignment.submission).read_text()
    if assignment.submission.endswith(".ipynb"):
        source = "\n".join("".join(cell["source"]) for cell in json.loads(source)["cells"]
                           if cell["cell_type"] == "code")
    return sorted(node.name for node in ast.parse(source).body
                  if isinstance(node, ast.FunctionDef))


def results_but_timing(path: Path) -> dict:
    """A results.json without ``execution_time``, the one field that is a measurement."""
    data = json.loads(Path(path).read_text())
    data.pop("execution_time")
    return data


EXAMPLE = ROOT / "autograder" / "assignments" / "hw4" / "example_submission"
SCHEMA = json.loads((Path(__file__).with_name("gradescope_results.schema.json")).read_text())


def run(args, cwd=ROOT, **env):
    """Run a command as people do (``./run_autograder``, ``python3 -m autograder``), with
    ``env`` added to the environment; its output as text."""
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **env})


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
