"""The command line as people use it: run_autograder (local and bundled example), the student's
check, --help; and grading that gives the same results.json twice."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from autograder.cli import main
from tests.support import (EXAMPLE, ROOT, gradescope_layout, reference_submission,
                           results_but_timing, run, validate)

def test_help_is_there_for_each_command(capsys):
    done = run(["./run_autograder", "--help"])
    assert done.returncode == 0 and "usage:" in done.stdout, done.stderr
    assert "--results" in done.stdout
    # The subcommands' help in this process: the parser is the one ``python3 -m autograder`` runs.
    for args, mentions in (([], "check"), (["check"], "public"), (["build"], "handout"),
                           (["validate"], "--assignment"), (["regrade"], "--compare"),
                           (["detail"], "--student")):
        with pytest.raises(SystemExit) as exited:
            main([*args, "--help"])
        assert exited.value.code == 0
        shown = capsys.readouterr().out
        assert "usage:" in shown and mentions in shown, args


def test_run_autograder_without_arguments_grades_the_bundled_example(tmp_path):
    done = run([str(ROOT / "run_autograder")], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "grading the bundled example" in done.stdout
    assert "Total: 21.75 / 27" in done.stdout
    assert "1/beta factor is missing" in " ".join(done.stdout.split())
    validate(json.loads((tmp_path / "results.json").read_text()))


def test_grading_is_deterministic(tmp_path):
    """Same submission, two runs, different hash seeds: identical results.json but the timing."""
    outputs = []
    for seed in ("1", "2"):
        path = tmp_path / f"results-{seed}.json"
        done = run(["./run_autograder", "--assignment", "hw4", "--submission", str(EXAMPLE),
                    "--results", str(path)], PYTHONHASHSEED=seed)
        assert done.returncode == 0, done.stderr
        outputs.append(results_but_timing(path))
    assert outputs[0] == outputs[1]


def test_student_check_runs_public_checks_only(tmp_path, hw4):
    folder = reference_submission(tmp_path, hw4, ["nll_without_inverse_beta"])
    done = run([sys.executable, "-m", "autograder", "check", "--assignment", "hw4",
                "--submission", str(folder)])
    assert done.returncode == 0, done.stderr
    public = sum(p.points for q in hw4.questions for p in q.parts if p.public)
    assert f"Visible total: {public - 1:g} / {public:g}" in done.stdout
    assert "hidden tests run after you submit" in done.stdout
    assert "known mistake" not in done.stdout  # recognising mistakes needs the reference


def test_student_check_grades_a_file_a_browser_renamed_and_says_so_first(tmp_path, hw4):
    folder = reference_submission(tmp_path, hw4)
    (folder / "hw4_theory.py").rename(folder / "hw4_theory (2).py")
    done = run([sys.executable, "-m", "autograder", "check", "--assignment", "hw4",
                "--submission", str(folder)])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[2] == ("Note: graded hw4_theory (2).py as your "
                                           "hw4_theory.py; please name it hw4_theory.py next time.")
    public = sum(p.points for q in hw4.questions for p in q.parts if p.public)
    assert f"Visible total: {public:g} / {public:g}" in done.stdout  # the reference: all pass


def test_template_check_says_not_implemented():
    done = run([sys.executable, "-m", "autograder", "check", "--submission",
                str(ROOT / "student_template")])
    assert done.returncode == 0
    assert done.stdout.count("not implemented") == 7  # one per public part
    assert "Visible total: 0 /" in done.stdout


def test_unknown_assignment_still_writes_results(tmp_path):
    path = tmp_path / "results.json"
    done = run(["./run_autograder", "--assignment", "nope", "--submission", str(EXAMPLE),
                "--results", str(path)])
    assert done.returncode == 2 and "no assignment 'nope'" in done.stderr
    validate(json.loads(path.read_text()))


def test_run_autograder_as_gradescope_calls_it(tmp_path):
    """No argument, our files in source/, the script copied beside it, results/ to fill."""
    root = gradescope_layout(tmp_path, EXAMPLE)
    done = run([str(root / "run_autograder")], cwd="/", AUTOGRADER_GRADESCOPE_ROOT=str(root))
    assert done.returncode == 0, done.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    validate(data)
    assert data["score"] == 21.75
