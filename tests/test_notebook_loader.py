"""Notebooks graded by their definitions only: the rules of autograder/sandbox/loader.py, and
a notebook written the way students write them graded in seconds."""
from __future__ import annotations

import ast
import dataclasses
import json

import pytest

from autograder.sandbox.loader import kept, without_magics
from tests.support import grade_folder, only_questions

ALIASES = {"torch": "torch", "math": "math", "np": "numpy", "nn": "torch.nn", "os": "os"}


@pytest.mark.parametrize("statement,keep", [
    ("import torch", True),
    ("from torch import nn", True),
    ("def f(x):\n    return x", True),
    ("@torch.no_grad()\ndef f(x):\n    return x", True),
    ("class Net(nn.Module):\n    pass", True),
    ("ALPHABET_SIZE = 27", True),
    ("BETWEEN: int = 26", True),
    ("LOG2PI = math.log(2 * math.pi)", True),
    ("device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')", True),
    ("LETTERS = 'abc' + 'def'", True),
    ("model = SimpleNet()", False),
    ("weights = torch.load('model.pt')", False),
    ("loader = torch.utils.data.DataLoader(dataset)", False),
    ("files = os.listdir('.')", False),
    ("a, b = 1, 2", False),
    ("for epoch in range(100):\n    train()", False),
    ("plt.plot([1, 2])", False),
    ("if True:\n    X = 1", False),
    ("squares = [i * i for i in range(10)]", False),
])
def test_which_top_level_statements_are_kept(statement, keep):
    assert kept(ast.parse(statement).body[0], ALIASES) is keep


def test_magics_become_blank_lines_and_cell_magics_drop_the_cell():
    assert without_magics("%matplotlib inline\n!pip install x\nimport torch") == "\n\nimport torch"
    assert without_magics("  !ls\nx = 1") == "\nx = 1"
    assert without_magics("%%capture\nimport torch") == ""


CELLS = [
    "!pip install torch\n%matplotlib inline\nimport time\nimport torch\nfrom google.colab import drive",
    "def gibbs_distribution(energies, beta):\n    return torch.ones_like(energies) / len(energies)",
    "for epoch in range(10**6):  # ten minutes of training\n    time.sleep(600)",
    "def gibbs_distribution(energies, beta):\n"
    "    p = torch.softmax(-beta * energies.cuda(), dim=0)\n    return p.to('cuda').cpu()",
    "model = torch.nn.Linear(2, 2).cuda()\ndrive.mount('/content/drive')\nprint(model)",
    "def nll_loss(energies, y, beta)\n    return energies[y]",
    "%%time\nwhile True:\n    pass",
]


def test_a_notebook_written_like_a_students_grades_in_seconds(tmp_path, hw4):
    notebook = {"cells": [{"cell_type": "markdown", "source": "# Homework"}] + [
        {"cell_type": "code", "source": source.splitlines(keepends=True), "outputs": []}
        for source in CELLS], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "hw4_theory.ipynb").write_text(json.dumps(notebook))
    assignment = dataclasses.replace(only_questions(hw4, ["1.2.i", "1.2.ii"]),
                                     submission="hw4_theory.ipynb", load_mode="definitions")
    result = grade_folder(tmp_path, assignment)  # had a loop run, loading would time out
    for part in result.parts:
        if part.question.number == "1.2.i":  # the later definition wins, and runs on the CPU
            assert part.passed, part.feedback
        else:
            assert not part.passed
            assert "'nll_loss' is not defined in hw4_theory.ipynb" in part.feedback
            assert "cell 7 has a syntax error (line 1)" in part.feedback
            assert "cell 2, line 5: ModuleNotFoundError" in part.feedback  # google.colab
