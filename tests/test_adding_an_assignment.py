"""README.md's "Adding an assignment", followed step by step in a copy of the project: a tiny
assignment (one function, a softmax) gets its configuration, reference, known mistake,
strategies, public and hidden checks, template and example, all as new files; the copy's own
``validate`` and ``build`` accept it, and its ``grade`` scores the example (the known mistake)
as a student would be scored. No file of the project is edited: were a list to need an entry,
this would fail, and that list would be a discovery bug.
"""
from __future__ import annotations

import json
import shutil
import sys
import zipfile

from tests.support import ROOT, run

# What of the checkout the copy needs: the packages, the templates, and what build ships.
COPIED = ("autograder", "reference", "student_template", "setup.sh", "run_autograder",
          "requirements.txt")
NAME, TOPIC, FUNCTION = "tiny", "tiny_softmax", "tiny_softmax"
MISTAKE = "the sign of x is flipped: softmax(x)_i = exp(x_i) / sum_j exp(x_j)"

# Each step of the checklist: where, what.
STEPS = {
    # 1. configuration
    f"autograder/assignments/{NAME}/assignment.toml": f'''
title = "A tiny assignment"
submission = "{NAME}.py"

[[questions]]
number = "1"
title = "Softmax"
parts = [
  {{ name = "is a distribution", check = "public.{TOPIC}.is_a_distribution", points = 1.0 }},
  {{ name = "matches the reference", check = "hidden.{TOPIC}.softmax_value", points = 2.0 }},
]
''',
    # 2. reference
    f"reference/{TOPIC}.py": f'''
"""The tiny assignment's softmax."""
import torch


def {FUNCTION}(x):
    """(n,): exp(x_i) / sum_j exp(x_j), stable for large x."""
    return torch.softmax(x, dim=0)
''',
    # 3. known mistakes
    f"reference/mistakes/{TOPIC}.py": f'''
"""Known mistakes of the tiny softmax."""
import torch

from reference.mistakes import mistake


@mistake("{FUNCTION}", "{MISTAKE}")
def softmax_of_minus_x(x):
    return torch.softmax(-x, dim=0)
''',
    # 4. strategies and 5. public checks
    f"autograder/checks/public/{TOPIC}.py": f'''
"""Public checks of the tiny softmax: it is a probability distribution."""
import numpy as np
from hypothesis import strategies as st

from autograder.checks.api import Mismatch, check
from autograder.checks.strategies import as_tensor, cases, declare, reals, tensor

declare("{FUNCTION}", "x", tensor("x", 1, shape="(n,)"),
        value=st.lists(reals(10.0), min_size=1, max_size=6).map(lambda x: {{"x": as_tensor(x)}}))


@check(case=cases("{FUNCTION}"))
def is_a_distribution(student, case):
    """Positive entries adding up to 1."""
    got = student.call_array("{FUNCTION}", (len(case["x"]),), **case)
    if not (np.all(got > 0) and abs(got.sum() - 1) < 1e-6):
        raise Mismatch("{FUNCTION}", case, got, problem="is not a probability distribution")
''',
    # 6. hidden checks
    f"autograder/checks/hidden/{TOPIC}.py": f'''
"""Hidden checks of the tiny softmax against the reference."""
from autograder.checks.api import Tolerance
from autograder.checks.hidden.common import comparison
from autograder.checks.public import {TOPIC} as public  # noqa: F401 - declares the domain
from autograder.checks.strategies import cases
from reference import {TOPIC} as reference

softmax_value = comparison("{FUNCTION}", reference.{FUNCTION}, cases("{FUNCTION}"),
                           lambda case: Tolerance(1e-6, 1e-6), examples=20)
''',
    # 7. template
    f"student_template/{NAME}.py": f'''
"""A tiny assignment."""


def {FUNCTION}(x):
    """(n,): the softmax of the vector x."""
    raise NotImplementedError
''',
    # 8. example: a realistic submission, with the known mistake of step 3
    f"autograder/assignments/{NAME}/example_submission/{NAME}.py": f'''
import torch


def {FUNCTION}(x):
    return torch.exp(-x) / torch.exp(-x).sum()
''',
}


def test_an_assignment_added_by_the_checklist_validates_builds_and_grades(tmp_path):
    project = tmp_path / "project"
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, project / name,
                            ignore=shutil.ignore_patterns("__pycache__", "example_submission"))
        else:
            shutil.copy2(source, project / name)
    for where, text in STEPS.items():
        path = project / where
        assert not path.exists(), f"{where} exists: the checklist adds files only"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.lstrip())
    autograder = [sys.executable, "-m", "autograder"]
    home = {"PYTHONPATH": str(project)}  # the copy's packages, never the checkout's

    # 9. validate (and 10. build, which validates first: once, to keep this test short)
    built = run([*autograder, "build", "--assignment", NAME, "--out", str(tmp_path / "dist")],
                cwd=project, **home)
    assert built.returncode == 0, built.stderr
    for stage in ("the reference scores full marks: ok",
                  "the template scores 0 with no grader error: ok"):
        assert stage in built.stderr, built.stderr
    with zipfile.ZipFile(tmp_path / "dist" / f"{NAME}_handout.zip") as handout:
        shipped = set(handout.namelist())
    assert f"{NAME}/autograder/checks/public/{TOPIC}.py" in shipped
    # neither the reference package nor the hidden checks (a folder of either name, at any depth)
    assert not [name for name in shipped if {"hidden", "reference"} & set(name.split("/")[:-1])]

    results = tmp_path / "results.json"
    graded = run([*autograder, "grade", "--assignment", NAME, "--results", str(results)],
                 cwd=project, **home)
    assert graded.returncode == 0, graded.stderr
    tests = {test["name"]: test for test in json.loads(results.read_text())["tests"]}
    public, hidden = tests["1 Softmax: is a distribution"], tests["1 Softmax: matches the reference"]
    assert (public["score"], hidden["score"]) == (1.0, 0.0)
    assert MISTAKE in " ".join(hidden["output"].split())
