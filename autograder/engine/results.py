"""Gradescope's ``results.json``, written by the trusted side only, atomically and last.

Output only: it turns a ``GradingResult`` into Gradescope's format and writes it; grading and
writing are joined in ``grading.grade_and_write``."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.engine.text import printable_data

if TYPE_CHECKING:  # for the annotations only: output depends on no grading code
    from autograder.engine.grading import GradingResult


def _points(value: float) -> float:
    return round(value, 6)


def _part_output(part) -> str:
    text = part.feedback or "Passed."
    if part.output:
        text += f"\n\nYour code printed:\n{part.output}"
    return text


def gradescope_results(result: GradingResult) -> dict:
    tests = [
        {
            "name": f"{part.question.number} {part.question.title}: {part.part.name}",
            "number": part.question.number,
            "score": _points(part.score),
            "max_score": _points(part.part.points),
            "status": "passed" if part.passed else "failed",
            "output": _part_output(part),
            "output_format": "text",
            "visibility": part.part.visibility,
        }
        for part in result.parts
    ]
    summary = [*filter(None, [result.file_note]),  # which file was graded, or why none was
               f"{result.assignment.title}: {_points(result.score):g} / "
               f"{_points(result.assignment.points):g} points."]
    summary.extend(result.notes)
    return {
        "score": _points(result.score),
        "execution_time": round(result.execution_time, 3),
        "output": "\n\n".join(summary),
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
        "leaderboard": result.leaderboard,
    }


def failure_results(message: str) -> dict:
    """What Gradescope gets when the grader itself fails (its environment or its own code):
    no score and no test, so that no student is scored on the grader's failure, and a
    top-level output that says so to the course staff and to the student."""
    return {
        "execution_time": 0.0,
        "output": "The autograder is misconfigured: this is not a grade.\n\n"
                  f"It failed before it could grade this submission: {message}\n\n"
                  "This is not your fault. Your submission is saved; please tell the course "
                  "staff, who will fix the autograder and grade it again.",
        "output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
        "leaderboard": [],
    }


def write_results(data: dict, path: Path) -> None:
    """Write ``data`` as JSON at ``path`` atomically, every text in it ``printable`` (the
    student's output and messages reach it)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".results-")
    with os.fdopen(handle, "w") as stream:
        json.dump(printable_data(data), stream, indent=2, sort_keys=True)
        stream.write("\n")
    os.replace(temporary, path)
