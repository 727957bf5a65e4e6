"""Grading gives the same verdicts wherever it runs (issue 11's done-when, (a) to (e)).

Every assignment's example is graded (a) as on Gradescope here, in the confined mode with this
interpreter; then each assignment's example again in one of the other environments (the
environment, not the homework, is what (b) to (e) test, and one grading each keeps the suite
fast while every assignment, the notebook one included, meets a second environment):
(b) by an interpreter in a virtual environment under /tmp (the worker's private /tmp would hide
    it if the sandbox did not mount it back in);
(c) in the portable mode, with ``fcntl`` and ``resource`` unavailable (as on Windows);
(d) in the portable mode, chosen by itself, as an unprivileged user whose torch and NumPy are
    in the user site (``pip install --user``), visible only to an interpreter that honours it;
(e) by a worker that reserves 4 GB of address space without touching it (as the CUDA build of
    torch does on import).
Each must give the same tests, points and feedback as (a). And where the worker cannot start,
nobody is scored: the staff read why, and ``run_autograder`` exits non-zero.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest

from autograder.engine.config import load_assignment
from tests.support import ROOT, validate

ASSIGNMENTS = ("hw4", "final", "a3", "hw4_impl")
# Which example each of (b) to (e) grades.
GRADED_IN = {"b": "hw4_impl", "c": "final", "d": "a3", "e": "hw4"}
LAPTOP_UID = 62000
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the confined mode, "
                                                           "another user)")
pytestmark = [pytest.mark.slow, needs_root]

# Imported first by the submission: 4 GB of address space, reserved and never touched.
ADDRESS_SPACE_HOG = ("import mmap\n"
                     "RESERVED = mmap.mmap(-1, 4 * 2**30, flags=mmap.MAP_PRIVATE | "
                     "mmap.MAP_ANONYMOUS, prot=0)\n")


def _grade_command(python: str, assignment: str, submission: Path, results: Path,
                   prelude: str = "") -> list[str]:
    """``python -m autograder grade ...``, after ``prelude`` (run in the same interpreter)."""
    arguments = ["grade", "--assignment", assignment, "--submission", str(submission),
                 "--results", str(results)]
    code = (f"{prelude}\nimport sys\nfrom autograder.cli import main\n"
            f"sys.exit(main({arguments!r}))")
    return [python, "-c", code]


def _verdicts(results: Path) -> list[tuple]:
    data = json.loads(results.read_text())
    validate(data)
    return [(test["name"], test["score"], test["status"], test["output"])
            for test in data["tests"]]


def _run(command, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, **kwargs)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def _example(assignment: str) -> Path:
    return load_assignment(assignment).example_submission


def _grade(python: str, assignment: str, project_copy: Path, results: Path,
           submission: Path | None = None, prelude: str = "", **options) -> list[tuple]:
    """The verdicts of grading ``assignment``'s example (or ``submission``) in a process of its
    own, run with ``options`` (an environment, a user)."""
    submission = submission or project_copy / "examples" / assignment
    _run(_grade_command(python, assignment, submission, results, prelude),
         cwd=project_copy / "project", **options)
    return _verdicts(results)


@pytest.fixture(scope="module")
def project_copy():
    """The packages and the examples, copied once for every grading here (so that all of them
    grade the same code) under /tmp, as a student's download may be, and owned by the student
    of (d): a grading as root closes the project to everyone but its owner."""
    with tempfile.TemporaryDirectory(prefix="autograder-env-") as folder:
        for name in ("autograder", "reference"):
            shutil.copytree(ROOT / name, Path(folder) / "project" / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        for assignment in ASSIGNMENTS:
            shutil.copytree(_example(assignment), Path(folder) / "examples" / assignment)
        for path in [Path(folder), *Path(folder).rglob("*")]:
            os.lchown(path, LAPTOP_UID, LAPTOP_UID)
        yield Path(folder)


@pytest.fixture(scope="module")
def expected(project_copy):
    """(a): each example graded as Gradescope grades it here."""
    return {assignment: _grade(sys.executable, assignment, project_copy,
                               project_copy / f"a-{assignment}.json")
            for assignment in ASSIGNMENTS}


def test_a_every_example_is_graded_with_points_lost_and_kept(expected):
    for assignment, verdicts in expected.items():
        total = sum(score for _, score, _, _ in verdicts)
        assert 0 < total < load_assignment(assignment).points, assignment


def test_b_an_interpreter_in_a_virtual_environment_under_tmp(project_copy, expected, tmp_path):
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        venv = Path(folder) / "venv"
        _run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)])
        python = str(venv / "bin" / "python")
        # What setup.sh does as root: the worker's user may traverse to the interpreter.
        _run([python, "-c", "from autograder.engine.isolation import prepare_machine; "
                            "prepare_machine()"], cwd=project_copy / "project")
        assignment = GRADED_IN["b"]
        verdicts = _grade(python, assignment, project_copy, tmp_path / f"{assignment}.json")
        assert verdicts == expected[assignment]


def test_c_the_portable_mode_without_fcntl_or_resource(project_copy, expected, tmp_path):
    unavailable = "import sys\nsys.modules['fcntl'] = sys.modules['resource'] = None"
    assignment = GRADED_IN["c"]
    verdicts = _grade(sys.executable, assignment, project_copy, tmp_path / f"{assignment}.json",
                      prelude=unavailable, env={**os.environ, "AUTOGRADER_SANDBOX": "portable"})
    assert verdicts == expected[assignment]


def _interpreter_with_packages_in_the_user_site(folder: Path, home: Path,
                                                moved=("torch", "numpy")) -> Path:
    """A copy of this interpreter's installation whose own site-packages lack ``moved``,
    which are in ``home``'s user site instead (as ``pip install --user`` puts them)."""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    base = Path(sys.base_prefix)
    prefix = folder / "python"
    (prefix / "bin").mkdir(parents=True)
    # A copy, not a link: the interpreter finds its library next to where it lies.
    python = prefix / "bin" / version
    shutil.copy2(os.path.realpath(sys.executable), python)
    library = prefix / "lib" / version
    library.mkdir(parents=True)
    for entry in (base / "lib" / version).iterdir():
        if entry.name != "site-packages":
            (library / entry.name).symlink_to(entry)
    system_site = Path(sysconfig.get_paths()["purelib"])
    user_site = home / ".local" / "lib" / version / "site-packages"
    for destination in (library / "site-packages", user_site):
        destination.mkdir(parents=True)
    for entry in system_site.iterdir():
        in_user_site = entry.name.split("-")[0].split(".")[0].lower() in moved
        ((user_site if in_user_site else library / "site-packages") / entry.name).symlink_to(entry)
    return python


def test_d_the_portable_mode_as_a_user_with_packages_in_the_user_site(project_copy, expected):
    with tempfile.TemporaryDirectory(dir="/tmp") as folder:
        home = Path(folder) / "home"
        python = _interpreter_with_packages_in_the_user_site(Path(folder), home)
        for path in [Path(folder), *Path(folder).rglob("*")]:
            os.lchown(path, LAPTOP_UID, LAPTOP_UID)
        as_student = dict(env={"PATH": os.environ["PATH"], "HOME": str(home)}, user=LAPTOP_UID,
                          group=LAPTOP_UID, extra_groups=[])
        where = _run([str(python), "-c", "import torch; print(torch.__file__)"], **as_student)
        assert where.stdout.startswith(str(home)), where.stdout  # from the user site only
        hidden = subprocess.run([str(python), "-s", "-c", "import torch"], capture_output=True,
                                **as_student)
        assert hidden.returncode != 0  # what `python -E -s` would have missed
        assignment = GRADED_IN["d"]
        verdicts = _grade(str(python), assignment, project_copy,
                          Path(folder) / f"{assignment}.json", **as_student)
        assert verdicts == expected[assignment]


def test_e_a_worker_that_reserves_4_gb_of_address_space(project_copy, expected, tmp_path):
    assignment = GRADED_IN["e"]
    submission = tmp_path / assignment
    shutil.copytree(project_copy / "examples" / assignment, submission)
    (submission / "address_space_hog.py").write_text(ADDRESS_SPACE_HOG)
    [file] = [path for path in submission.iterdir() if path.stem != "address_space_hog"]
    file.write_text("import address_space_hog\n" + file.read_text())
    verdicts = _grade(sys.executable, assignment, project_copy, tmp_path / f"{assignment}.json",
                      submission=submission)
    assert verdicts == expected[assignment]
