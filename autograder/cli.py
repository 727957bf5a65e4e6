"""Command line: ``grade`` (what ``run_autograder`` calls) and ``check`` (the student's check),
``preflight`` and ``record`` (which setup.sh runs), and the course staff's commands
(``autograder.staff.commands``) where the staff package is there (not in a student's handout).

Both call ``grading.grade``; they differ only in which parts run and where the results go. It
sits above the engine and the staff's code (imports run entry points -> staff -> engine ->
sandbox), so that nothing of the engine depends on a command line.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
import traceback
from pathlib import Path

from autograder.engine import grading, report, results
from autograder.engine.config import (ConfigError, assignment_names, default_assignment,
                                      load_assignment)
from autograder.engine.isolation import GraderEnvironmentError, protect, running_as_root

# Overridable so that the tests can lay out a Gradescope tree of their own.
GRADESCOPE_ROOT = Path(os.environ.get("AUTOGRADER_GRADESCOPE_ROOT", "/autograder"))


def on_gradescope() -> bool:
    return (GRADESCOPE_ROOT / "submission").is_dir() and (GRADESCOPE_ROOT / "source").is_dir()


def _grade_command(args) -> int:
    gradescope = args.submission is None and on_gradescope()
    if gradescope:
        submission = GRADESCOPE_ROOT / "submission"
        results_path = args.results or GRADESCOPE_ROOT / "results" / "results.json"
        if running_as_root():
            protect(results_path.parent)
    else:
        results_path = args.results or Path("results.json")
    try:
        assignment = load_assignment(args.assignment or default_assignment())
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        results.write_results(results.failure_results(str(error)), results_path)
        return 2
    if not gradescope:
        submission = args.submission or assignment.example_submission
        if args.submission is None:
            print(f"No --submission given: grading the bundled example {submission}\n")
    try:
        result = grading.grade_and_write(assignment, Path(submission), results_path)
    except GraderEnvironmentError as error:  # results.json says so, and scores no one
        print(f"error: {error}", file=sys.stderr)
        return 1
    except Exception:  # noqa: BLE001 - results.json says so; the traceback is for the staff
        traceback.print_exc()
        return 1
    if not gradescope:
        print(report.render(result))
        print(f"\nresults.json written to {results_path}")
    return 0


def _check_command(args) -> int:
    try:
        assignment = load_assignment(args.assignment or default_assignment())
    except ConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        result = grading.grade(assignment, Path(args.submission), public_only=True)
    except GraderEnvironmentError as error:
        print(f"The check could not run with this Python ({sys.executable}); this says "
              f"nothing about your code.\n{error}\nMake sure that `{sys.executable} -c "
              "\"import torch, numpy, hypothesis\"` works (see the README).", file=sys.stderr)
        return 1
    print(report.render(result, public_only=True))
    return 0


def _preflight_command(args) -> int:
    """Start a worker as a grading would and report; non-zero when it cannot (setup.sh)."""
    from autograder.engine.worker_client import preflight

    try:
        assignment = load_assignment(args.assignment or default_assignment())
        greeting = preflight(assignment.worker_limits)
    except (ConfigError, GraderEnvironmentError) as error:
        print(f"preflight FAILED: {error}", file=sys.stderr)
        return 1
    limit = assignment.worker_limits.memory_mb
    used = greeting.get("memory_mb")
    print(f"preflight: the grading worker starts and imports torch {greeting.get('torch')} "
          f"(Python {greeting.get('python')}, NumPy {greeting.get('numpy')})"
          + (f"; its runtime takes {used} MB of the {limit} MB memory limit" if used else ""))
    if used and used > 0.7 * limit:
        print(f"preflight: warning: only {limit - used} MB are left for the students' code; "
              "the CPU build of torch takes far less than this one", file=sys.stderr)
    return 0


def _record_command(args) -> int:
    """Record what every check draws, from a grading of the reference, for gradings to replay
    (``engine.draws``); non-zero if the reference loses a point here (setup.sh)."""
    try:
        names = [args.assignment] if args.assignment else assignment_names()
        for name in names:
            started = time.monotonic()
            path = grading.record_draws(load_assignment(name))
            print(f"record: {name}: the draws of every check are in {path} "
                  f"({time.monotonic() - started:.0f} s)")
    except (ConfigError, GraderEnvironmentError) as error:
        print(f"record FAILED: {error}", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        # As it was started: the installed command (pip install .) or the module.
        prog="autograder" if Path(sys.argv[0]).name == "autograder" else "python3 -m autograder",
        description="Grade homework submissions against the reference (see README.md).")
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser(
        "grade", help="grade a submission with every test and write results.json",
        description="Grade a submission with public and hidden tests. On Gradescope (no "
                    "--submission and /autograder present) it reads /autograder/submission and "
                    "writes /autograder/results/results.json; elsewhere it prints a report too, "
                    "and with no --submission grades the assignment's bundled example.")
    grade.add_argument("--assignment", help="assignment name (default: the one in "
                                            "autograder/assignments/DEFAULT)")
    grade.add_argument("--submission", type=Path, help="folder holding the submitted file(s)")
    grade.add_argument("--results", type=Path, help="where to write results.json "
                                                    "(default: ./results.json)")
    grade.set_defaults(run=_grade_command)
    check = commands.add_parser(
        "check", help="run the public checks on your own files",
        description="Run the public checks only (what students run before submitting); "
                    "hidden tests run on Gradescope after you submit.")
    check.add_argument("--assignment", help="assignment name (default: %(default)s)")
    check.add_argument("--submission", type=Path, default=Path("."),
                       help="folder holding your file (default: the current folder)")
    check.set_defaults(run=_check_command)
    preflight = commands.add_parser(
        "preflight", help="prove that a grading worker starts and imports torch here",
        description="Start a grading worker exactly as a grading would (sandbox, limits of the "
                    "assignment) up to the point where it has imported torch and NumPy; exit "
                    "non-zero with the cause in plain words if it cannot. setup.sh runs it.")
    preflight.add_argument("--assignment", help="whose limits to use (default: the default "
                                                "assignment)")
    preflight.set_defaults(run=_preflight_command)
    record = commands.add_parser(
        "record", help="record what every check draws, so that gradings replay it",
        description="Grade the reference once, recording the inputs every check draws, so "
                    "that later gradings replay them instead of drawing them again (about half "
                    "of a grading's time; the results are the same). A recording holds until "
                    "the grader's code or its libraries change. Exits non-zero if the reference "
                    "does not get full marks here. setup.sh runs it.")
    record.add_argument("--assignment", help="the one assignment to record (default: all)")
    record.set_defaults(run=_record_command)
    # A student's handout ships without the staff's package. Asked of the import system rather
    # than by catching ImportError, so that a real error in the staff's code is raised, not
    # taken for a handout (validate's handout check knows this guard).
    if importlib.util.find_spec("autograder.staff") is not None:
        from autograder.staff.commands import add_commands

        add_commands(commands, default_assignment)
    return parser


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return args.run(args)
