"""``pip install .`` gives a working ``autograder`` command: installed into a fresh virtual
environment (torch, NumPy and hypothesis come from this machine's site-packages; nothing is
downloaded), it builds the final's zips from a folder outside the checkout, byte for byte the
zips the checkout builds, and the installed package holds every assignment's configuration and
no example solution."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from autograder.staff import build
from tests.support import ROOT

pytestmark = pytest.mark.slow  # an install, then a validated build of the final: minutes

ASSIGNMENTS = sorted(path.parent.name for path in
                     (ROOT / "autograder" / "assignments").glob("*/assignment.toml"))
# What installing would leave in the checkout (build/, *.egg-info), or what is not the package.
NOT_COPIED = (".git", "__pycache__", ".hypothesis", "build", "*.egg-info", "tests", "bench")


def _run(args, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    """``args`` with no trace of the checkout on the module path."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    done = subprocess.run([str(arg) for arg in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed():
    """A venv under /tmp (the worker's user must reach its interpreter, as setup.sh arranges)
    with a copy of the checkout pip-installed into it: (venv, an empty folder elsewhere)."""
    with tempfile.TemporaryDirectory(dir="/tmp", prefix="packaging-") as folder:
        folder = Path(folder)
        source = folder / "source"
        shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*NOT_COPIED))
        venv = folder / "venv"
        _run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", venv],
             folder)
        python = venv / "bin" / "python"
        _run([python, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
              "--disable-pip-version-check", source], folder)
        shutil.rmtree(source)  # the installed package must not need it
        elsewhere = folder / "elsewhere"
        elsewhere.mkdir()
        _run([python, "-c", "from autograder.engine.isolation import prepare_machine; "
                            "prepare_machine()"], elsewhere)
        yield venv, elsewhere


def site_packages(venv: Path) -> Path:
    found = list(venv.glob("lib/python*/site-packages"))
    assert len(found) == 1, found
    return found[0]


def test_the_installed_command_builds_the_final_as_the_checkout_does(installed, tmp_path):
    venv, elsewhere = installed
    done = _run([venv / "bin" / "autograder", "build", "--assignment", "final", "--out",
                 elsewhere / "dist"], elsewhere)
    assert "validate final: the reference scores full marks: ok" in done.stderr, done.stderr
    made = [Path(line) for line in done.stdout.split()]
    assert [path.name for path in made] == ["final_gradescope.zip", "final_handout.zip"]
    checkout = (build.build_gradescope_zip("final", tmp_path),
                build.build_handout_zip("final", tmp_path))
    for installed_zip, checkout_zip in zip(made, checkout):
        assert (elsewhere / "dist" / installed_zip.name).read_bytes() == \
            checkout_zip.read_bytes(), installed_zip.name
    with zipfile.ZipFile(made[0]) as opened:
        names = set(opened.namelist())
    assert {"setup.sh", "run_autograder", "requirements.txt", "reference/gmm.py",
            "autograder/checks/hidden/gmm.py", "autograder/assignments/final/assignment.toml"
            } <= names


def test_the_package_holds_every_configuration_and_no_example_solution(installed):
    venv, elsewhere = installed
    package = site_packages(venv) / "autograder"
    assert sorted(path.parent.name for path in package.glob("assignments/*/assignment.toml")) \
        == ASSIGNMENTS
    assert not list(package.rglob("example_submission*"))
    for template in (ROOT / "student_template").iterdir():
        assert (package / build.INSTALLED_FILES / "student_template" / template.name
                ).read_bytes() == template.read_bytes()
    assert (site_packages(venv) / "reference" / "mistakes" / "__init__.py").is_file()


def test_the_readme_commands_work_both_ways(installed):
    """``autograder ...`` and ``python3 -m autograder ...`` (the installed one), anywhere."""
    venv, elsewhere = installed
    for command, usage in (([venv / "bin" / "autograder"], "usage: autograder "),
                           ([venv / "bin" / "python", "-m", "autograder"],
                            "usage: python3 -m autograder ")):
        for args, mentions in ((["--help"], "validate"), (["build", "--help"], "handout"),
                               (["validate", "--help"], "reference"),
                               (["check", "--help"], "public")):
            said = _run([*command, *args], elsewhere).stdout
            assert said.startswith(usage) and mentions in said, said
    located = _run([venv / "bin" / "python", "-c", "import autograder; print(autograder.__file__)"],
                   elsewhere).stdout
    assert Path(located.strip()).is_relative_to(site_packages(venv))
