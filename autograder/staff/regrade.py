"""Regrade a whole Gradescope export, in parallel, resumably.

Each submission is graded in a process of its own (the kill switch of a grading takes every
descendant of its process), by ``grading.grade_and_write``: the very function behind
``run_autograder``, so a regrade gives each submission the score a single grading gives it.
The processes are forked from a server that has already imported torch and the checks, which
saves each grading a second or two of imports.

What a regrade leaves in its output folder::

    submissions/<id>/results.json   what Gradescope would have shown the student
    submissions/<id>/grading.json   points, pass/fail and recognised mistakes of every part
    submissions/<id>/grading.log    what the grader printed (internal errors, if any)
    grades.csv                      one row per submission: points per question, status
    gradescope_scores.csv           one row per student, for Gradescope's or an LMS's import
    report.md, histogram.svg        the distribution, pass rates, mistakes, missing files
    changes.md                      every score that differs from Gradescope's (or --compare's)

A submission whose grading.json exists and whose fingerprint (its files, the assignment, the
grader's code) is unchanged is not graded again: an interrupted regrade resumes where it
stopped, and a regrade after a fix of the reference or the checks grades everything anew.
"""
from __future__ import annotations

import contextlib
import ctypes
import functools
import hashlib
import json
import multiprocessing
import os
import signal
import sys
import time
import traceback
from multiprocessing.connection import wait
from pathlib import Path

from autograder.engine import grading, results
from autograder.engine.config import Assignment, load_assignment
from autograder.engine.grading import GradingResult
from autograder.engine.isolation import kill_descendants
from autograder.engine.paths import PROJECT_ROOT
from autograder.staff import summary
from autograder.staff.build import project_files
from autograder.staff.export import Submission, infer_assignment, read_export
from autograder.staff.progress import Progress
from autograder.staff.summary import GRADED, GRADER_ERROR, MISSING, TIMED_OUT

STOP_GRACE_SECONDS = 10
PR_SET_PDEATHSIG = 1  # prctl(2)


def regrade(assignment_name: str | None, export: Path, out: Path, *, jobs: int | None = None,
            timeout: float = 1800.0, compare_with: Path | None = None,
            progress_stream=None) -> list[dict]:
    """Grade every submission of ``export`` not graded yet, then write the CSVs, the report
    and the changes since ``compare_with`` (an earlier grades.csv or Gradescope's grades), or
    else since the scores Gradescope recorded in the export; returns one record per
    submission. With no ``assignment_name``, the assignment is the one whose file the export
    holds (said on ``progress_stream``)."""
    earlier = summary.read_csv(Path(compare_with)) if compare_with is not None else None
    out = Path(out)
    submissions = read_export(export, out / "export")
    if assignment_name is None:
        assignment_name, said = infer_assignment(submissions)
        print(said, file=progress_stream or sys.stderr)
    assignment = load_assignment(assignment_name)
    fingerprints = {s.id: fingerprint(assignment, s.folder) for s in submissions}
    pending = [s for s in submissions if _unfinished(_record(out, s.id, fingerprints[s.id]))]
    if pending:
        print(f"Grading {len(pending)} of {len(submissions)} submissions "
              f"({len(submissions) - len(pending)} already graded) with "
              f"{jobs or default_jobs()} processes.", file=progress_stream or sys.stderr)
        run_all(assignment, pending, out, fingerprints, jobs or default_jobs(), timeout,
                 Progress(len(pending), "regrade", progress_stream))
    records = [_record(out, s.id, fingerprints[s.id]) for s in submissions]
    headline = summary.write_all(assignment, submissions, records, out, earlier,
                                 summary.RECORDED if compare_with is None else str(compare_with))
    print(f"Changes: {headline} (changes.md)", file=progress_stream or sys.stderr)
    return records


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def fingerprint(assignment: Assignment, folder: Path) -> str:
    """Changes whenever the submission, the assignment or the grader's code changes."""
    digest = hashlib.sha256(f"{assignment.name}\0{_grader_digest()}\0".encode())
    for path in project_files(folder) if folder.is_dir() else ():
        digest.update(f"{path.relative_to(folder)}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@functools.cache
def _grader_digest() -> str:
    """A digest of everything that decides a score: the engine, the checks, the reference
    and the assignments' configuration (not this staff package)."""
    digest = hashlib.sha256()
    for folder in ("autograder", "reference"):
        for path in project_files(PROJECT_ROOT / folder):
            if path.suffix in (".py", ".toml") and "staff" not in path.parts:
                digest.update(str(path.relative_to(PROJECT_ROOT)).encode() + b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _folder(out: Path, submission_id: str) -> Path:
    return out / "submissions" / submission_id


def _record(out: Path, submission_id: str, expected_fingerprint: str) -> dict | None:
    """The last grading of a submission, if it is still current: its results.json and its
    grading.json (written last) exist, and nothing it depends on has changed since."""
    folder = _folder(out, submission_id)
    try:
        record = json.loads((folder / "grading.json").read_text())
    except (OSError, ValueError):
        return None
    if record.get("fingerprint") != expected_fingerprint or not (folder / "results.json").is_file():
        return None
    return record


def _unfinished(record: dict | None) -> bool:
    """Never graded, out of date, or stopped by the grader's own failure (tried again)."""
    return record is None or record["status"] in (GRADER_ERROR, TIMED_OUT)


def run_all(assignment: Assignment, pending: list[Submission], out: Path, fingerprints: dict,
            jobs: int, timeout: float, progress: Progress) -> None:
    """Grade every submission of ``pending`` into ``out/submissions/<id>/``, ``jobs`` at a time,
    each in a process of its own forked from a server that has imported the checks, with its
    ``fingerprints`` entry recorded and ``timeout`` seconds at most; ``progress`` advances
    once per submission. Public for ``bench/mutation.py``, which grades its mutants so."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["autograder.staff.regrade", *_check_modules(assignment)])
    queue = list(reversed(pending))
    running: dict[object, tuple] = {}  # sentinel -> (process, submission, started)
    for stop in (signal.SIGTERM, signal.SIGHUP):  # a scheduler, `timeout`, a closed ssh
        signal.signal(stop, _interrupt)
    try:
        while queue or running:
            while queue and len(running) < jobs:
                submission = queue.pop()
                folder = _folder(out, submission.id)
                folder.mkdir(parents=True, exist_ok=True)
                for stale in (folder / "grading.json", *folder.glob(".results-*")):
                    stale.unlink(missing_ok=True)  # a stopped grading's unfinished writes
                process = context.Process(target=_grade_one, args=(
                    assignment, submission.folder, folder, fingerprints[submission.id]))
                with _signals_held():  # a Ctrl-C now must not miss the grading it starts
                    process.start()
                    running[process.sentinel] = (process, submission, time.monotonic())
            for sentinel in wait(list(running), timeout=1.0):
                process, submission, _ = running.pop(sentinel)
                process.join()
                progress.advance(problem=_settle(process, submission, out, fingerprints))
            for sentinel, (process, submission, started) in list(running.items()):
                if time.monotonic() - started > timeout:
                    _stop(process)
                    running.pop(sentinel)
                    _write_failure(_folder(out, submission.id), fingerprints[submission.id],
                                   TIMED_OUT, f"grading took longer than {timeout:g} s")
                    progress.advance(problem=True)
    except KeyboardInterrupt:
        for process, _, _ in running.values():
            _stop(process)
        print("\nInterrupted: run the same command again to resume.", file=sys.stderr)
        raise


@contextlib.contextmanager
def _signals_held():
    """Hold back the signals that stop a regrade until the block is over."""
    stops = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    signal.pthread_sigmask(signal.SIG_BLOCK, stops)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stops)


def _interrupt(signum, frame):
    raise KeyboardInterrupt  # handled as Ctrl-C is: the gradings stop, the next run resumes


def _check_modules(assignment: Assignment) -> list[str]:
    topics = {part.check.rpartition(".")[0] for q in assignment.questions for part in q.parts}
    return sorted(f"autograder.checks.{topic}" for topic in topics)


def _stop(process) -> None:
    """SIGTERM first, so the grading closes its sandbox (killing the worker), then SIGKILL."""
    process.terminate()
    process.join(STOP_GRACE_SECONDS)
    if process.is_alive():
        process.kill()
        process.join()


def _settle(process, submission: Submission, out: Path, fingerprints: dict) -> bool:
    """After a grading process ends: True if the submission could not be graded."""
    record = _record(out, submission.id, fingerprints[submission.id])
    if record is None:
        _write_failure(_folder(out, submission.id), fingerprints[submission.id], GRADER_ERROR,
                       f"the grading process ended with exit code {process.exitcode}")
        return True
    return _unfinished(record)


def _grade_one(assignment: Assignment, submission: Path, folder: Path, fingerprint: str) -> None:
    """Runs in a process of its own: results.json first, then grading.json, which marks the
    grading as finished. The assignment travels whole, so that a caller may grade a selection
    of its parts (bench/mutation.py grades a mutant on the parts that call its function)."""
    log = os.open(folder / "grading.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    signal.signal(signal.SIGTERM, _stop_now)
    _die_with_parent()
    try:
        result = grading.grade_and_write(assignment, submission, folder / "results.json")
    except Exception as error:  # noqa: BLE001 - recorded, and retried by the next run
        traceback.print_exc()
        _write_failure(folder, fingerprint, GRADER_ERROR, f"{type(error).__name__}: {error}")
        return
    finally:
        sys.stdout.flush()
    results.write_results(grading_record(result, fingerprint), folder / "grading.json")


def _stop_now(signum, frame):
    """Stop at once, the worker too. Not by an exception: hypothesis would take one raised
    inside a check for a failing example and go on shrinking. No grading.json is written, so
    the submission counts as not graded."""
    kill_descendants()  # this process is a subreaper: the worker and all it started
    os._exit(128 + signum)


def _die_with_parent() -> None:
    """SIGTERM this grading when the fork server exits (it does when the regrade dies, however
    it dies), so that no grading outlives its regrade."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the regrade's own handlers still stop us
        return
    if os.getppid() == 1:  # the fork server died before the line above
        os._exit(128 + signal.SIGTERM)


def grading_record(result: GradingResult, fingerprint: str) -> dict:
    """What the CSV, the report and the comparison are made from."""
    return {
        "fingerprint": fingerprint,
        "status": GRADED if result.submission is not None else MISSING,
        "message": "",
        "file_note": result.file_note,  # the file graded under another name, or why none was
        "score": round(result.score, 6),
        "max_score": round(result.assignment.points, 6),
        "parts": [{"question": part.question.number, "part": part.part.name,
                   "check": part.part.check, "points": part.part.points,
                   "score": round(part.score, 6), "passed": part.passed,
                   "mistakes": list(part.mistakes), "feedback": part.feedback}
                  for part in result.parts],
    }


def _write_failure(folder: Path, fingerprint: str, status: str, message: str) -> None:
    """A submission the grader could not grade: a results.json that says so, and a record."""
    folder.mkdir(parents=True, exist_ok=True)
    results.write_results(results.failure_results(message), folder / "results.json")
    results.write_results({"fingerprint": fingerprint, "status": status, "message": message,
                           "score": 0.0, "max_score": None, "parts": []},
                          folder / "grading.json")
