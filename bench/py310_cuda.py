"""Gradescope's worst case: Python 3.10 with PyPI's torch 2.13.0, the CUDA build.

    python3 bench/py310_cuda.py [--venv DIR] [--python PYTHON3.10]

Not part of CI: it downloads about 3 GB once (kept in ``--venv``). It makes a virtual
environment of Python 3.10 (found under pyenv or on PATH), installs requirements.txt there
from PyPI (where the only cp310 wheel of torch 2.13.0 is the CUDA build, ``+cu130``: what
setup.sh falls back to when PyTorch's CPU index is out of reach), runs the worker's preflight
with it, then grades the hw4 and final examples with it and with this interpreter, and says
whether every test got the same points, status and feedback.
"""
from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ("hw4", "final")
DEFAULT_VENV = Path.home() / ".cache" / "ebm-bench" / "py310-cuda"


def find_python310() -> str:
    found = sorted(glob.glob(str(Path.home() / ".pyenv/versions/3.10.*/bin/python3.10")))
    found += [path for path in [shutil.which("python3.10")] if path]
    if not found:
        sys.exit("no Python 3.10 found (pyenv or PATH); give one with --python")
    return found[-1]


def ensure_venv(venv: Path, python: str) -> str:
    interpreter = venv / "bin" / "python"
    if not interpreter.exists():
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run([str(interpreter), "-c", "import torch"], capture_output=True)
    if probe.returncode != 0:
        print("installing requirements.txt from PyPI (about 3 GB, once)...", flush=True)
        subprocess.run([str(interpreter), "-m", "pip", "install", "--quiet",
                        "--disable-pip-version-check", "-r", str(ROOT / "requirements.txt")],
                       check=True)
    return str(interpreter)


def grade(python: str, assignment: str, project: Path) -> dict:
    results = Path(tempfile.mkdtemp(prefix="bench-")) / "results.json"
    submission = project / "autograder" / "assignments" / assignment / "example_submission"
    done = subprocess.run([python, "-m", "autograder", "grade", "--assignment", assignment,
                           "--submission", str(submission), "--results", str(results)],
                          cwd=project, capture_output=True, text=True)
    if done.returncode != 0:
        print(done.stderr[-2000:])
    return json.loads(results.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--python", help="a Python 3.10 interpreter (default: pyenv's)")
    args = parser.parse_args()
    python = ensure_venv(args.venv, args.python or find_python310())
    version = subprocess.run(
        [python, "-c", "import sys, torch; print(sys.version.split()[0], torch.__version__, "
                       "torch.version.cuda)"], capture_output=True, text=True, check=True)
    print(f"Python, torch, CUDA: {version.stdout.strip()}")
    # A copy of the packages: a grading as root closes the checkout to others.
    with tempfile.TemporaryDirectory() as folder:
        project = Path(folder)
        for name in ("autograder", "reference"):
            shutil.copytree(ROOT / name, project / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
        preflight = subprocess.run([python, "-m", "autograder", "preflight"], cwd=project,
                                   capture_output=True, text=True)
        print((preflight.stdout + preflight.stderr).strip())
        same = preflight.returncode == 0
        for assignment in ASSIGNMENTS:
            theirs = grade(python, assignment, project)
            ours = grade(sys.executable, assignment, project)
            verdicts = [[(t["name"], t["score"], t["status"], t["output"]) for t in data["tests"]]
                        for data in (theirs, ours)]
            identical = verdicts[0] == verdicts[1] and bool(verdicts[0])
            same &= identical
            print(f"{assignment}: Python 3.10 + CUDA build {theirs.get('score')} "
                  f"(graded in {theirs['execution_time']} s); this interpreter "
                  f"{ours.get('score')}; every test identical: {identical}")
    print("same verdicts everywhere" if same else "DIFFERENT verdicts")
    return 0 if same else 1


if __name__ == "__main__":
    os.umask(0o022)
    sys.exit(main())
