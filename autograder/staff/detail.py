"""One submission in detail, for course staff: every part, hidden ones included, with the
inputs of the last call, the value expected and the value received, the known mistakes
recognised, and everything the code printed."""
from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

from autograder.engine.config import Assignment, ConfigError
from autograder.engine.formatting import describe_value, format_inputs
from autograder.engine.grading import GradingResult, PartResult, grade
from autograder.engine.text import printable
from autograder.staff.export import ExportError, Submission, read_export

INDENT = " " * 8
WIDTH = 100


def one_question(assignment: Assignment, number: str) -> Assignment:
    """``assignment`` with its question ``number`` alone (``ConfigError`` if it has none)."""
    chosen = tuple(q for q in assignment.questions if q.number == number)
    if not chosen:
        raise ConfigError(f"{assignment.name} has no question {number!r} (its questions: "
                          f"{', '.join(q.number for q in assignment.questions)})")
    return dataclasses.replace(assignment, questions=chosen)


def detail(assignment: Assignment, submission: Path, *, shown_as: str | None = None,
           failing: bool = False, question: str | None = None) -> str:
    """Grade ``submission`` (a folder) revealing everything; ``question`` grades that question
    only, ``failing`` shows only the parts that fail. The file is shown as under ``shown_as``
    (default: the folder as given), never under a temporary folder's path."""
    if question is not None:
        assignment = one_question(assignment, question)
    result = grade(assignment, submission, reveal=True)
    where = Path(shown_as or str(submission))
    shown = where / result.submission.relative_to(submission) if result.submission else None
    return render(result, shown, failing)


def find_in_export(export: Path, who: str, unpack_to: Path) -> Submission:
    """The one submission of ``export`` whose id, or a submitter's email or sid, is ``who``, or
    else whose id, or a submitter's name, email or sid, contains it (ignoring case)."""
    needle = who.lower()
    submissions = read_export(export, unpack_to)
    exact = [s for s in submissions if needle == s.id.lower() or any(
        needle in (person.email.lower(), person.sid.lower()) for person in s.submitters)]
    found = exact if len(exact) == 1 else [
        s for s in submissions
        if needle in s.id.lower() or any(needle in value.lower() for person in s.submitters
                                          for value in (person.name, person.email, person.sid))]
    if len(found) != 1:
        listed = ", ".join(f"{s.id} ({s.describe('name') or 'no name'})" for s in found[:10])
        raise ExportError(f"'{who}' matches {len(found)} submissions" +
                          (f": {listed}" if found else ""))
    return found[0]


def render(result: GradingResult, shown: Path | None, failing: bool = False) -> str:
    """The detail of ``result``, its file shown as ``shown``; only failing parts if
    ``failing``."""
    lines = [f"{result.assignment.title} ({result.assignment.name}), in detail",
             f"submission: {shown or '(not found)'}", *filter(None, [result.file_note]), ""]
    current = None
    for part in result.parts:
        if failing and part.passed:
            continue
        if part.question is not current:
            current = part.question
            lines.append(f"{current.number} {current.title}")
        lines.extend(_part(part))
    if failing and all(part.passed for part in result.parts):
        lines.append("Every part passes.")
    lines += ["", f"Total: {result.score:g} / {result.assignment.points:g}", *result.notes]
    return printable("\n".join(lines))  # the student's output and messages are in it


def _part(part: PartResult) -> list[str]:
    mark = "PASS" if part.passed else "FAIL"
    lines = [f"  {mark} {part.score:g}/{part.part.points:g}  {part.part.name}  "
             f"[{part.part.check}, {part.part.visibility}]"]
    if part.feedback:
        lines += _wrapped(part.feedback)
    if part.mistakes:
        lines += _wrapped("recognised: " + "; ".join(part.mistakes))
    if part.last_call is not None:
        call = part.last_call
        text = (f"{part.calls} call{'s' * (part.calls != 1)}; the last: {call['function']}"
                f"({format_inputs(call['inputs'])}) returned {describe_value(call['received'])}")
        if "expected" in call:
            text += f", expected {describe_value(call['expected'])}"
        lines += _wrapped(text)
    if part.output:
        lines += [INDENT + "printed:", textwrap.indent(part.output.rstrip(), INDENT + "  ")]
    return lines


def _wrapped(text: str) -> list[str]:
    return textwrap.fill(text, WIDTH, initial_indent=INDENT, subsequent_indent=INDENT,
                         break_long_words=False).splitlines()
