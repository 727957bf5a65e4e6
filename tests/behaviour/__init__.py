"""Behaviour recorded before a refactor, to prove the refactor changed nothing a user sees.

``recorded/<assignment>/<subject>.json`` holds the results.json (without ``execution_time``)
that each subject earned when it was recorded: the assignment's example, the student template,
every folder of ``tests/submissions/<assignment>/``, and submissions that make known mistakes in
every function at once (``mistakes_K``: the K-th known mistake of each function that has one).
Re-record only on purpose, when a change of behaviour is meant:
``python3 -m tests.behaviour [ASSIGNMENT...]``.
"""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

from autograder.engine.config import load_assignment
from autograder.engine.results import gradescope_results
from reference.mistakes import all_mistakes
from tests.support import ROOT, grade_folder, reference_submission, template_functions

RECORDED = Path(__file__).resolve().parent / "recorded"
SUBMISSIONS = ROOT / "tests" / "submissions"


def mistake_rounds(assignment) -> list[tuple[str, ...]]:
    """Round K names the K-th known mistake of every graded function that has one."""
    graded = set(template_functions(assignment))
    by_function = defaultdict(list)
    for entry in all_mistakes():
        if entry.function in graded:
            by_function[entry.function].append(entry.name)
    depth = max(map(len, by_function.values()), default=0)
    return [tuple(names[k] for names in by_function.values() if k < len(names))
            for k in range(depth)]


def subjects(name: str) -> list[str]:
    assignment = load_assignment(name)
    corpus = sorted(folder.name for folder in (SUBMISSIONS / name).iterdir() if folder.is_dir())
    rounds = [f"mistakes_{k}" for k in range(len(mistake_rounds(assignment)))]
    return ["example", "template", *corpus, *rounds]


def folder_of(name: str, subject: str, scratch: Path) -> Path:
    """The folder graded for ``subject``; mistake rounds are written under ``scratch``."""
    assignment = load_assignment(name)
    if subject == "example":
        return assignment.example_submission
    if subject == "template":
        return ROOT / "student_template"
    if subject.startswith("mistakes_"):
        names = mistake_rounds(assignment)[int(subject.split("_")[1])]
        return reference_submission(scratch / subject, assignment, names)
    return SUBMISSIONS / name / subject


def results_of(name: str, subject: str, scratch: Path) -> dict:
    data = gradescope_results(grade_folder(folder_of(name, subject, scratch),
                                           load_assignment(name)))
    data.pop("execution_time")
    return json.loads(json.dumps(data))


def recorded(name: str, subject: str) -> dict:
    return json.loads((RECORDED / name / f"{subject}.json").read_text())


# A progress bar a student's code printed, its description included:
# "\repoch 1/3:  50%|#####     | 4/8 [00:00<00:00, 34.14it/s, loss=3.2]".
# Its rate, and how often it is redrawn, are measurements of the machine, like execution_time.
PROGRESS_BAR = re.compile(r"\r[^\r\n|]*\d+%\|[^|\n]*\|[^\[\n]*\[[^\]\n]*\]")


def without_measurements(data):
    """``data`` with the progress bars of the student's printed output removed, which is all
    that differs between two gradings of the same submission apart from ``execution_time``."""
    if isinstance(data, dict):
        return {key: without_measurements(value) for key, value in data.items()}
    if isinstance(data, list):
        return [without_measurements(item) for item in data]
    return PROGRESS_BAR.sub("", data) if isinstance(data, str) else data


def record(name: str, subject: str, scratch: Path) -> None:
    path = RECORDED / name / f"{subject}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results_of(name, subject, scratch), indent=2, sort_keys=True)
                    + "\n")
