"""The course staff's subcommands of ``python3 -m autograder``: validate, build, regrade,
detail."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from autograder.engine.config import ConfigError, load_assignment
from autograder.staff.export import ExportError


def add_commands(commands, default_assignment) -> None:
    validate = commands.add_parser(
        "validate", help="check an assignment before it ships (build runs this first)",
        description="Check that every check path resolves, configuration keys are known, "
                    "points add up, the handout imports only what it ships, every template "
                    "function has a public and a hidden part, the reference scores full marks "
                    "and the template 0 with no grader error. Exit 2 with the problems if not.")
    validate.add_argument("--assignment", help="assignment name (default: the DEFAULT one)")
    validate.set_defaults(run=_validate, default_assignment=default_assignment)

    build = commands.add_parser(
        "build", help="build the Gradescope autograder zip and the student handout zip",
        description="Write NAME_gradescope.zip (upload it as the autograder: setup.sh and "
                    "run_autograder at its root) and NAME_handout.zip (template, public checks "
                    "and the check command; no reference, no hidden test).")
    build.add_argument("--assignment", help="assignment name (default: the DEFAULT one)")
    build.add_argument("--out", type=Path, default=Path("dist"),
                       help="folder for the two zips (default: %(default)s)")
    build.set_defaults(run=_build, default_assignment=default_assignment)

    regrade = commands.add_parser(
        "regrade", help="grade a whole Gradescope export in parallel",
        description="Grade every submission of a Gradescope export (its zip, or the folder it "
                    "unzips to) and write OUT/grades.csv, OUT/gradescope_scores.csv (one row "
                    "per student, to import), OUT/report.md, OUT/histogram.svg, OUT/changes.md "
                    "(every score that differs from the one Gradescope recorded, and why) and "
                    "each submission's results.json. Run it again after an interruption: "
                    "finished gradings are kept.")
    regrade.add_argument("export", type=Path, help="the export zip or folder")
    regrade.add_argument("--assignment", help="assignment name (default: the one whose file "
                                              "the export holds)")
    regrade.add_argument("--out", type=Path, default=Path("regrade"),
                         help="output folder (default: %(default)s)")
    regrade.add_argument("--jobs", type=int, default=None,
                         help="gradings at a time (default: the number of cores)")
    regrade.add_argument("--timeout", type=float, default=1800.0,
                         help="seconds one grading may take (default: %(default)s)")
    regrade.add_argument("--compare", type=Path, metavar="EARLIER_CSV",
                         help="compare with an earlier grades.csv or Gradescope's Download "
                              "Grades CSV instead of the scores recorded in the export")
    regrade.set_defaults(run=_regrade)

    detail = commands.add_parser(
        "detail", help="one submission in detail: every test, hidden ones included",
        description="Grade one submission and show every part, hidden ones included, with "
                    "the inputs, the expected and the received values.")
    detail.add_argument("--assignment", help="assignment name (default: the one whose file "
                                             "the submission holds)")
    where = detail.add_mutually_exclusive_group(required=True)
    where.add_argument("--submission", type=Path, help="folder holding the submitted file")
    where.add_argument("--export", type=Path, help="a Gradescope export (with --student)")
    detail.add_argument("--student", help="part of a name, email, sid or submission id")
    detail.add_argument("--failing", action="store_true", help="show only the failing parts")
    detail.add_argument("--question", metavar="N", help="grade and show question N only")
    detail.set_defaults(run=_detail)


def _assignment(args):
    return load_assignment(args.assignment or args.default_assignment())


def _staff_errors(command):
    def run(args) -> int:
        try:
            return command(args)
        except (ConfigError, ExportError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    return run


@_staff_errors
def _validate(args) -> int:
    from autograder.staff.validate import validate

    assignment = validate(args.assignment or args.default_assignment()).assignment
    print(f"{assignment.name} is valid: {assignment.points:g} points in "
          f"{len(assignment.questions)} questions")
    return 0


@_staff_errors
def _build(args) -> int:
    from autograder.staff.build import build

    for path in build(_assignment(args).name, args.out):
        print(path)
    return 0


@_staff_errors
def _regrade(args) -> int:
    from autograder.staff.regrade import regrade

    try:
        records = regrade(args.assignment, args.export, args.out, jobs=args.jobs,
                          timeout=args.timeout, compare_with=args.compare)
    except KeyboardInterrupt:
        return 130  # regrade has said how to resume
    print(f"{len(records)} submissions: " + ", ".join(str(args.out / name) for name in (
        "grades.csv", "gradescope_scores.csv", "report.md", "histogram.svg", "changes.md")))
    return 0


@_staff_errors
def _detail(args) -> int:
    from autograder.staff.detail import detail, find_in_export
    from autograder.staff.export import Submission, infer_assignment

    with tempfile.TemporaryDirectory(prefix="detail-") as unpacked:
        if args.export is not None:
            if not args.student:
                raise ExportError("--export needs --student NAME, EMAIL, SID or SUBMISSION_ID")
            found = find_in_export(args.export, args.student, Path(unpacked))
            print(f"{found.id}: {found.describe('name')} <{found.describe('email')}>")
        else:
            found = Submission(str(args.submission), args.submission, ())
        name = args.assignment or infer_assignment([found])[0]
        print(detail(load_assignment(name), found.folder, shown_as=found.id,
                     failing=args.failing, question=args.question))
    return 0
