"""The sandbox outside root mode, and the kill switch both modes rely on."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder.engine.isolation import _descendants, become_subreaper, kill_descendants
from tests.support import ROOT

LAPTOP_UID = 62000


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user")
def test_an_unprivileged_user_grades_quietly():
    """A student's laptop: no root, so no uid switch and no namespaces; grading still works,
    and nothing alarming is printed."""
    with tempfile.TemporaryDirectory() as folder:  # pytest's own tmp_path is root's alone
        copy = Path(folder) / "project"
        for name in ("autograder", "reference"):
            shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(ROOT / "run_autograder", copy / "run_autograder")
        for path in [Path(folder), *Path(folder).rglob("*")]:
            os.chown(path, LAPTOP_UID, LAPTOP_UID)
        done = _run_as_laptop_user(copy)
    assert done.returncode == 0, done.stderr
    assert "Total: 21.75 / 27" in done.stdout
    assert done.stderr == ""


def _run_as_laptop_user(copy: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(copy / "run_autograder"), "--results", str(copy / "results.json")],
        cwd=copy, user=LAPTOP_UID, group=LAPTOP_UID, extra_groups=[], capture_output=True,
        text=True, timeout=300, env={"PATH": os.environ["PATH"], "HOME": str(copy)})


def test_the_grading_process_is_left_with_no_descendant():
    """A process tree that detaches (setsid, double fork) is still found and killed."""
    script = ("import os, time\n"
              "if os.fork() == 0:\n    os.setsid()\n    os.fork()\n    time.sleep(60)\n"
              "time.sleep(60)\n")
    become_subreaper()
    process = subprocess.Popen([sys.executable, "-c", script])
    time.sleep(0.5)
    assert len(_descendants(os.getpid())) >= 3
    kill_descendants()
    process.wait()
    assert _descendants(os.getpid()) == []


def test_a_students_environment_and_caches_are_not_copied_into_the_sandbox(tmp_path):
    from autograder.engine.isolation import Sandbox

    (tmp_path / "hw4_theory.py").write_text("x = 1\n")
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "util.py").write_text("y = 2\n")
    for cache in (".venv/lib", "venv/lib", ".git/objects", ".ipynb_checkpoints", "__pycache__"):
        (tmp_path / cache).mkdir(parents=True)
        (tmp_path / cache / "big.bin").write_bytes(b"0" * 1024)
    sandbox = Sandbox()
    try:
        _, copied = sandbox.stage(tmp_path)
        kept = sorted(str(path.relative_to(copied)) for path in copied.rglob("*"))
    finally:
        sandbox.close()
    assert kept == ["helpers", "helpers/util.py", "hw4_theory.py"]
