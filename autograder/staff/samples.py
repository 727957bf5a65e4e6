"""Submissions made from the reference, and a Gradescope export of them: what validation grades
(the reference must score full marks), what the benchmarks time, and what the project's tests
build on (``tests/support.py``).

A reference submission is the engine's (``reference_copy``), optionally with some functions
swapped for named known mistakes or for code the caller supplies.
"""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from autograder.engine import reference_copy
from autograder.engine.config import Assignment
from autograder.staff.build import TEMPLATES_DIR
from autograder.staff.validate import template_functions
from reference.mistakes import all_mistakes


def reference_submission(folder: Path, assignment: Assignment, mistakes=(), extra_code: str = "",
                         package: str = "reference", cells_before=()) -> Path:
    """The engine's reference submission (``reference_copy``), with each named mistake
    replacing the function it imitates before ``extra_code``. Mistakes need the copy named
    ``reference``."""
    by_name = {entry.name: entry for entry in all_mistakes()}
    swaps = "".join(f"from {by_name[name].implementation.__module__} import {name} "
                    f"as {by_name[name].function}\n" for name in mistakes)
    return reference_copy.reference_submission(
        folder, assignment, swaps + textwrap.dedent(extra_code), package, cells_before)


def gradescope_export(base: Path, assignment: Assignment, count: int = 50,
                      variants=None) -> Path:
    """A Gradescope export of ``count`` varied submissions, laid out as Gradescope zips it
    (``base/assignment_1_export/`` with ``submission_metadata.yml`` and one folder per
    submission): right answers (some in a subfolder), each known mistake of the assignment
    alone, unfinished work (the first k functions done, the others still raising
    NotImplementedError), then pairs of mistakes, the untouched template, a syntax error, a
    wrongly named file, a group submission, a submitter with a non-ASCII name and one whose
    name is a spreadsheet formula. ``variants`` picks others:
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
        shutil.copy(TEMPLATES_DIR / assignment.submission, folder)
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
