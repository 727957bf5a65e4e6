"""The one grading function behind every entry point (Gradescope, the student's check, regrades).

``grade`` finds the submission, starts a worker for it, runs every part of every question
with a fresh time budget, and returns a ``GradingResult``; writing it out is someone else's
job (``results``, ``report``). Nothing here depends on a particular homework.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from autograder.engine.checks import CheckOutcome, load_check, run_check
from autograder.engine.config import Assignment, Part, Question
from autograder.engine.isolation import Sandbox
from autograder.engine.student import Student
from autograder.engine.worker_client import WorkerClient

HIDDEN_NOT_HERE = "Hidden test: it runs on Gradescope after you submit."


@dataclass
class PartResult:
    question: Question
    part: Part
    score: float
    feedback: str
    output: str = ""
    ran: bool = True  # False for hidden parts where the hidden tests are not installed
    mistakes: tuple[str, ...] = ()  # known mistakes recognised in a wrong answer
    calls: int = 0  # calls of the student's code this part made
    last_call: dict | None = None  # function, inputs, received (and expected, if compared)

    @property
    def passed(self) -> bool:
        return self.ran and self.score >= self.part.points


@dataclass
class GradingResult:
    assignment: Assignment
    submission: Path | None
    parts: list[PartResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    execution_time: float = 0.0

    @property
    def score(self) -> float:
        return sum(part.score for part in self.parts)

    @property
    def max_score(self) -> float:
        return sum(part.part.points for part in self.parts if part.ran)


def find_submission(folder: Path, filename: str) -> Path | None:
    """The submitted file: at the top of ``folder`` or, failing that, the first one below it."""
    folder = Path(folder)
    direct = folder / filename
    if direct.is_file():
        return direct
    found = sorted(path for path in folder.rglob(filename) if path.is_file())
    return found[0] if found else None


def _missing_file_feedback(folder: Path, filename: str) -> str:
    present = sorted(path.name for path in Path(folder).rglob("*") if path.is_file())[:10]
    listing = ", ".join(present) if present else "no files"
    return f"{filename} was not found in your submission (it holds {listing})."


def grade(assignment: Assignment, submission_dir: Path, *, public_only: bool = False,
          reveal: bool = False) -> GradingResult:
    """Grade the submission in ``submission_dir``; hidden parts run only where installed.

    ``reveal`` (course staff only) puts the expected values and what the code printed into the
    feedback of every part, whatever its visibility."""
    started = time.monotonic()
    # The grader's own tensors are small; more threads would only contend with the worker
    # for Gradescope's half a vCPU.
    torch.set_num_threads(1)
    path = next(filter(None, (find_submission(submission_dir, name) for name in
                              (assignment.submission, *assignment.alternatives))), None)
    result = GradingResult(assignment, path)
    if path is None:
        feedback = _missing_file_feedback(submission_dir, assignment.submission)
        result.parts = [PartResult(q, p, 0.0, feedback) for q in assignment.questions for p in q.parts]
        result.execution_time = time.monotonic() - started
        return result
    # The student's check protects nothing secret: it runs portably, with the student's own
    # interpreter and packages, on any machine.
    sandbox = Sandbox(assignment.worker_limits, mode="portable" if public_only else None)
    with WorkerClient(path, module=path.stem, sandbox=sandbox,
                      load_mode=assignment.load_mode) as client:
        for question in assignment.questions:
            parts = [_grade_part(assignment, question, part, client, public_only, reveal)
                     for part in question.parts]
            result.parts.extend(parts)
            if any(part.ran and not part.passed for part in parts):
                # A question that failed may have left the channel out of turn (threads
                # answering for the worker): such a worker is replaced before the next one.
                client.check_health()
        if client.load_output:
            result.notes.append(f"Your file printed while loading:\n{client.load_output}")
    result.execution_time = time.monotonic() - started
    return result


def _grade_part(assignment: Assignment, question: Question, part: Part, client: WorkerClient,
                public_only: bool, reveal: bool) -> PartResult:
    if public_only and not part.public:
        return PartResult(question, part, 0.0, HIDDEN_NOT_HERE, ran=False)
    try:
        check = load_check(part.check)
    except ModuleNotFoundError:
        if part.public:
            raise
        return PartResult(question, part, 0.0, HIDDEN_NOT_HERE, ran=False)
    student = Student(client, assignment.submission, assignment.call_time_limit,
                      assignment.part_time_limit)
    outcome: CheckOutcome = run_check(check, student, show_inputs=True,
                                      show_expected=reveal or part.visibility == "visible")
    if outcome.internal_error:
        print(f"internal error in {part.check}:\n{outcome.internal_error}", file=sys.stderr)
    shows_output = reveal or part.public or assignment.show_output_of_hidden
    output = student.output if shows_output else ""
    return PartResult(question, part, part.points if outcome.passed else 0.0,
                      outcome.feedback, output, mistakes=outcome.mistakes,
                      calls=student.calls, last_call=student.last_call)
