"""Helpers for the project's tests: submissions built from the reference, and grading them.

A reference submission is a folder holding a copy of ``reference/`` and a submission file that
re-exports it, optionally with some functions swapped for named known mistakes or for code the
test supplies. The copy keeps the worker independent of the repository's own files.
"""
from __future__ import annotations

import dataclasses
import json
import pkgutil
import shutil
import textwrap
import zipfile
from pathlib import Path

from autograder.engine.config import Assignment
from autograder.engine.grading import GradingResult, grade
import reference
from reference.mistakes import all_mistakes

ROOT = Path(__file__).resolve().parent.parent


def reference_submission(folder: Path, assignment: Assignment, mistakes=(), extra_code: str = "",
                         package: str = "reference") -> Path:
    """Write a submission for ``assignment`` into ``folder``: the reference (copied there as
    ``package``), with each named mistake replacing the function it imitates, then
    ``extra_code`` (which may redefine more). Mistakes need the copy named ``reference``."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "reference", folder / package,
                    ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    topics = [module.name for module in pkgutil.iter_modules(reference.__path__)
              if module.name != "mistakes"]
    lines = [f"from {package}.{topic} import *  # noqa: F401,F403" for topic in topics]
    by_name = {entry.name: entry for entry in all_mistakes()}
    for name in mistakes:
        entry = by_name[name]
        lines.append(f"from {entry.implementation.__module__} import {entry.name} "
                     f"as {entry.function}")
    source = "\n".join(lines) + "\n" + textwrap.dedent(extra_code)
    if assignment.submission.endswith(".ipynb"):
        source = json.dumps(notebook_of(source))
    (folder / assignment.submission).write_text(source)
    return folder


def notebook_of(source: str) -> dict:
    """``source`` as the last cell of a notebook whose first cells are what graders must
    skip: shell and magic lines, a ten-minute training loop, a plot."""
    cells = ["!pip install torch\n%matplotlib inline\nimport time",
             "for epoch in range(100):\n    time.sleep(6)  # ten minutes of training",
             "plot_losses = print\nplot_losses([1.0, 0.5])", source]
    return {"cells": [{"cell_type": "code", "source": cell, "metadata": {}, "outputs": [],
                       "execution_count": None} for cell in cells],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 5}


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


def assert_mistakes_cost_exactly(folder: Path, assignment: Assignment, question_of: dict,
                                 names, failing: set, named_instead: dict | None = None) -> None:
    """Grade the reference with the named mistakes in it, on the questions they touch: the
    parts in ``failing`` (and no other) fail, the score drops by their points, and each failing
    hidden part names one of the mistakes, or the known mistake ``named_instead`` gives for it
    (check -> name: one whose output coincides with theirs on every input the part tries)."""
    by_name = {entry.name: entry for entry in all_mistakes()}
    entries = [entry for entry in all_mistakes() if entry.name in set(names)]
    assert len(entries) == len(set(names)), names
    chosen = only_questions(assignment, {question_of[entry.function] for entry in entries})
    result = grade_folder(reference_submission(folder, assignment, names), chosen)
    graded = outcomes(result)
    assert {check for check, (passed, _) in graded.items() if not passed} == failing, graded
    lost = sum(part.part.points for part in result.parts if part.part.check in failing)
    assert abs(result.score - (chosen.points - lost)) < 1e-9
    for check in failing:
        if check.startswith("hidden."):
            feedback = " ".join(graded[check][1].split())
            named = [by_name[named_instead[check]]] if check in (named_instead or {}) else entries
            assert "known mistake" in feedback and any(
                entry.description in feedback for entry in named), feedback


def assert_full_marks(folder: Path, assignment: Assignment) -> None:
    result = grade_folder(folder, assignment)
    assert [part.feedback for part in result.parts if not part.passed] == []
    assert result.score == assignment.points


def assert_not_implemented_everywhere(assignment: Assignment) -> None:
    """The student template: 0 points, and every part says "not implemented"."""
    result = grade_folder(ROOT / "student_template", assignment)
    assert result.score == 0
    for part in result.parts:
        assert "not implemented" in part.feedback, part.feedback


def template_functions(assignment: Assignment) -> list[str]:
    """The functions a student fills in: those the assignment's template defines."""
    import ast

    source = (ROOT / "student_template" / assignment.submission).read_text()
    if assignment.submission.endswith(".ipynb"):
        source = "\n".join("".join(cell["source"]) for cell in json.loads(source)["cells"]
                           if cell["cell_type"] == "code")
    return sorted(node.name for node in ast.parse(source).body
                  if isinstance(node, ast.FunctionDef))


def gradescope_export(base: Path, assignment: Assignment, count: int = 50,
                      variants=None) -> Path:
    """A Gradescope export of ``count`` varied submissions, laid out as Gradescope zips it
    (``base/assignment_1_export/`` with ``submission_metadata.yml`` and one folder per
    submission): right answers (some in a subfolder), each known mistake of the assignment
    alone, unfinished work (the first k functions done, the others still raising
    NotImplementedError), then pairs of mistakes, the untouched template, a syntax error, a wrongly named file,
    a group submission, a submitter with a non-ASCII name and one whose name is a
    spreadsheet formula. ``variants`` picks others:
    "correct", "template", "syntax_error", "wrong_name", "partial_K" or a tuple of mistake
    names."""
    root = base / "assignment_1_export"
    graded = set(template_functions(assignment))
    function_of = {entry.name: entry.function for entry in all_mistakes()
                   if entry.function in graded}
    mistakes = list(function_of)
    pairs = [(a, b) for index, a in enumerate(mistakes) for b in mistakes[index + 1:]
             if function_of[a] != function_of[b]]
    partials = [f"partial_{done}" for done in range(1, len(graded))]
    variants = variants or ["correct", "correct_in_subfolder", "template", "syntax_error",
                            "wrong_name", *[(name,) for name in mistakes], "correct",
                            *partials, *pairs]
    assert len(variants) >= count, f"only {len(variants)} variants for {assignment.name}"
    metadata = []
    for index, variant in enumerate(variants[:count]):
        folder = root / f"submission_{1000 + index}"
        _write_variant(folder, assignment, variant)
        people = [(f"Student {index}", f"s{index}@university.edu", f"{100000 + index}")]
        if index == 7:
            people.append(("Partner Seven", "p7@university.edu", "200007"))
        if index == 9:
            people = [("Zoë Ångström", "zoe@university.edu", "100009")]
        if index == 11:  # a name chosen to run in a spreadsheet
            people = [("=HYPERLINK(\"http://evil.example\")", "e@university.edu", "100011")]
        metadata.append(f"submission_{1000 + index}:\n  :submitters:\n" + "".join(
            f"  - :name: {name}\n    :sid: '{sid}'\n    :email: {email}\n"
            for name, email, sid in people)
            + "  :created_at: 2026-11-20 23:59:00.000000000 -05:00\n  :score: 0.0\n")
    (root / "submission_metadata.yml").write_text("".join(metadata), encoding="utf-8")
    return root


def _write_variant(folder: Path, assignment: Assignment, variant) -> None:
    if variant == "correct_in_subfolder":
        reference_submission(folder / "my_homework", assignment)
    elif variant == "template":
        folder.mkdir(parents=True)
        shutil.copy(ROOT / "student_template" / assignment.submission, folder)
    elif variant == "syntax_error":
        reference_submission(folder, assignment, extra_code="def broken(:\n    pass\n")
    elif isinstance(variant, str) and variant.startswith("partial_"):
        undone = template_functions(assignment)[int(variant.split("_")[1]):]
        reference_submission(folder, assignment, extra_code="".join(
            f"\n\ndef {name}(*args, **kwargs):\n    raise NotImplementedError\n"
            for name in undone))
    elif variant == "wrong_name":
        reference_submission(folder, assignment)
        (folder / assignment.submission).rename(folder / f"my_{assignment.submission}")
    else:
        reference_submission(folder, assignment, () if variant == "correct" else variant)


def results_but_timing(path: Path) -> dict:
    """A results.json without ``execution_time``, the one field that is a measurement."""
    data = json.loads(Path(path).read_text())
    data.pop("execution_time")
    return data
