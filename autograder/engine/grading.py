"""The one grading function behind every entry point (Gradescope, the student's check, regrades).

``grade`` finds the submission, starts a worker for it, runs every part of every question
with a fresh time budget, and returns a ``GradingResult``; its formats are someone else's
job (``results``, ``report``), and ``grade_and_write`` joins grading with writing
``results.json``. Nothing here depends on a particular homework.
"""
from __future__ import annotations

import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from autograder.engine import results
from autograder.engine.check_runner import load_check, run_check
from autograder.engine.config import Assignment, Part, Question
from autograder.engine.draws import Draws
from autograder.engine.isolation import GraderEnvironmentError, Sandbox
from autograder.engine.leaderboard import measure
from autograder.engine.reference_copy import reference_submission
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
    ran: bool = True  # False for hidden parts in the student's check (not installed there)
    mistakes: tuple[str, ...] = ()  # known mistakes recognised in a wrong answer
    calls: int = 0  # calls of the student's code this part made
    last_call: dict | None = None  # function, inputs, received (and expected, if compared)
    internal_error: str | None = None  # the grader's own failure in this part: its traceback

    @property
    def passed(self) -> bool:
        return self.ran and self.score >= self.part.points


@dataclass
class GradingResult:
    assignment: Assignment
    submission: Path | None
    parts: list[PartResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    leaderboard: list[dict] = field(default_factory=list)  # Gradescope's entries, if enabled
    file_note: str = ""  # which file was graded, or why none was (shown first)
    execution_time: float = 0.0

    @property
    def score(self) -> float:
        return sum(part.score for part in self.parts)

    @property
    def max_score(self) -> float:
        return sum(part.part.points for part in self.parts if part.ran)


# Folders and files that are never what a student meant to submit: macOS's resource forks,
# Jupyter's checkpoints, caches. Skipped, or ``VI-checkpoint.ipynb`` would be a candidate.
IGNORED_FOLDERS = frozenset({"__MACOSX", "__pycache__", ".ipynb_checkpoints", ".git"})
SOURCE_SUFFIXES = (".py", ".ipynb")
# A copy's mark that browsers and file managers add: "VI (1)", "VI copy", "VI - Copy", "VI 2".
COPY_MARK = re.compile(r"(\s*\(\d+\)|\s*-?\s*copy(\s*\d+)?|\s+\d+)$", re.IGNORECASE)
NOT_GRADED = "Not graded: there is no file to grade (the reason is at the top)."
LISTED = 10


@dataclass(frozen=True)
class Found:
    """The file of a submission to grade, and a one-line note when it is not named as
    expected (which file was taken, or why none was)."""
    path: Path | None
    note: str = ""


def find_submission(folder: Path, names: tuple[str, ...]) -> Found:
    """The file to grade in ``folder``, named as students name it. ``names`` are the expected
    names, the preferred first. In order: a file named exactly so (at the top, else the first
    below); else the only file named so up to case, a copy's mark ("VI (1).py"), an added
    ".txt" or the other of .py and .ipynb; else the only .py or .ipynb file. Several
    candidates at a step are refused with their list, never guessed between."""
    folder = Path(folder)
    files = submitted_files(folder)
    for name in names:
        exact = [path for path in files if path.name == name]
        if exact:
            return Found(min(exact, key=lambda path: len(path.parts)))
    expected = names[0]
    close = [path for path in files if resembles(path.name, names)]
    sources = [path for path in files if path.suffix in SOURCE_SUFFIXES]
    for candidates in (close, sources):
        shown = [str(path.relative_to(folder)) for path in candidates]
        if len(candidates) == 1:
            return Found(candidates[0], f"Note: graded {shown[0]} as your {expected}; "
                                        f"please name it {expected} next time.")
        if candidates:
            return Found(None, f"Not graded: {len(shown)} files could be your {expected} ("
                               f"{', '.join(shown[:LISTED])}{', ...' * (len(shown) > LISTED)}). "
                               f"Submit only one, named {expected}.")
    listing = ", ".join(path.name for path in files[:LISTED]) or "no files"
    return Found(None, f"Not graded: {expected} was not found in your submission (it holds "
                       f"{listing}).")


def submitted_files(folder: Path) -> list[Path]:
    """Every file of a submission folder a student may have meant, in a stable order."""
    return [path for path in sorted(folder.rglob("*")) if path.is_file()
            and not path.name.startswith(".")
            and not IGNORED_FOLDERS & set(path.relative_to(folder).parts)]


def resembles(filename: str, names: tuple[str, ...]) -> bool:
    """Whether ``filename`` is one of ``names`` up to case, a copy's mark, an added ".txt" or
    the other of .py and .ipynb."""
    return _stem_and_suffix(filename)[0] in {Path(name).stem.lower() for name in names}


def _stem_and_suffix(name: str) -> tuple[str | None, str | None]:
    """A file name as (stem without a copy's mark, lowercase; .py or .ipynb), or (None, None)
    for a file that is not Python source. "VI.py.txt" is Python source (an editor's doing)."""
    name = name.lower()
    if name.endswith(".py.txt"):
        name = name[:-len(".txt")]
    path = Path(name)
    if path.suffix not in SOURCE_SUFFIXES:
        return None, None
    return COPY_MARK.sub("", path.stem), path.suffix


def grade(assignment: Assignment, submission_dir: Path, *, public_only: bool = False,
          reveal: bool = False, draws: Draws | None = None) -> GradingResult:
    """Grade the submission in ``submission_dir``; hidden parts run only where installed.

    ``reveal`` (course staff only) puts the expected values and what the code printed into the
    feedback of every part, whatever its visibility. ``draws`` are the recorded inputs to
    replay (by default the assignment's recording, if current) or a recorder."""
    started = time.monotonic()
    if draws is None:  # read before any student code runs
        draws = Draws.load(assignment.name)
    # The grader's own tensors are small; more threads would only contend with the worker
    # for Gradescope's half a vCPU.
    torch.set_num_threads(1)
    found = find_submission(submission_dir, (assignment.submission, *assignment.alternatives))
    path = found.path
    result = GradingResult(assignment, path, file_note=found.note)
    if path is None:
        result.parts = [PartResult(q, p, 0.0, NOT_GRADED)
                        for q in assignment.questions for p in q.parts]
        result.execution_time = time.monotonic() - started
        return result
    # The student's check protects nothing secret: it runs portably, with the student's own
    # interpreter and packages, on any machine.
    sandbox = Sandbox(assignment.worker_limits, mode="portable" if public_only else None)
    # Loaded under the expected module name whatever the file is called; a notebook handed
    # in for a .py is read by its definitions, as notebooks are.
    notebook = _stem_and_suffix(path.name)[1] == ".ipynb"
    load_mode = "definitions" if notebook else assignment.load_mode
    with WorkerClient(path, module=Path(assignment.submission).stem, sandbox=sandbox,
                      load_mode=load_mode) as client:
        for question in assignment.questions:
            parts = [_grade_part(assignment, question, part, client, public_only, reveal,
                                 draws) for part in question.parts]
            result.parts.extend(parts)
            if any(part.ran and not part.passed for part in parts):
                # A question that failed may have left the channel out of turn (threads
                # answering for the worker): such a worker is replaced before the next one.
                client.check_health()
        board = assignment.leaderboard
        if board is not None and board.enabled and not public_only:
            result.leaderboard = measure(assignment, _student(assignment, client))
        if client.load_output:
            result.notes.append(f"Your file printed while loading:\n{client.load_output}")
    result.execution_time = time.monotonic() - started
    return result


def _student(assignment: Assignment, client: WorkerClient) -> Student:
    return Student(client, assignment.submission, assignment.call_time_limit,
                   assignment.part_time_limit)


def _grade_part(assignment: Assignment, question: Question, part: Part, client: WorkerClient,
                public_only: bool, reveal: bool, draws: Draws) -> PartResult:
    if public_only and not part.public:
        return PartResult(question, part, 0.0, HIDDEN_NOT_HERE, ran=False)
    try:
        check = load_check(part.check)
    except (ImportError, LookupError) as error:
        # Only the student's check leaves the hidden parts out (above). In a full grading a
        # check that cannot be loaded is the grader's failure: no one may be scored on it.
        raise GraderEnvironmentError(
            f"the check {part.check} (question {question.number}) cannot be loaded: {error}. "
            "The autograder is incomplete; run `python3 -m autograder validate`.") from error
    student = _student(assignment, client)
    outcome = draws.replay(part.check, check, student)
    if outcome is None:
        student = _student(assignment, client)  # hypothesis starts afresh: calls, output, time
        with draws.recording(part.check, check) as keep:
            outcome = run_check(check, student, show_inputs=True,
                                show_expected=reveal or part.visibility == "visible")
            keep(outcome.passed)
    if outcome.internal_error:
        print(f"internal error in {part.check}:\n{outcome.internal_error}", file=sys.stderr)
    shows_output = reveal or part.public or assignment.show_output_of_hidden
    output = student.output if shows_output else ""
    return PartResult(question, part, part.points if outcome.passed else 0.0,
                      outcome.feedback, output, mistakes=outcome.mistakes,
                      calls=student.calls, last_call=student.last_call,
                      internal_error=outcome.internal_error)


def record_draws(assignment: Assignment) -> Path:
    """Grade the reference, recording what every check draws, and save it for later gradings
    to replay (``draws``). Raises ``GraderEnvironmentError`` if the reference loses a point:
    then nothing could be trusted to be recorded."""
    recorder = Draws.recorder()
    with tempfile.TemporaryDirectory(prefix="draws-") as folder:
        result = grade(assignment, reference_submission(Path(folder), assignment),
                       draws=recorder)
    failed = [f"{part.question.number} {part.part.name}" for part in result.parts
              if not part.passed]
    if failed:
        raise GraderEnvironmentError(f"the reference fails {', '.join(failed)} of "
                                     f"{assignment.name}: no draws recorded")
    return recorder.save(assignment.name)


def grade_and_write(assignment: Assignment, submission: Path, path: Path) -> GradingResult:
    """The one way from a submission to its ``results.json`` (Gradescope, a TA's grading, each
    job of a regrade). If the grader itself fails, the results.json written says so, and the
    error is raised again for the caller to report."""
    try:
        result = grade(assignment, Path(submission))
    except GraderEnvironmentError as error:
        results.write_results(results.failure_results(str(error)), path)
        raise
    except Exception as error:
        results.write_results(results.failure_results(f"{type(error).__name__}: {error}"), path)
        raise
    results.write_results(results.gradescope_results(result), path)
    return result
