"""Notebooks graded by their definitions only: the rules of autograder/sandbox/loader.py, and
a notebook written the way students write them graded in seconds."""
from __future__ import annotations

import ast
import dataclasses
import json

import pytest
import torch

from autograder.sandbox.loader import (cell_magic, kept, load_definitions, on_this_machine,
                                       without_magics)
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
    ("device = torch.device('mps' if torch.backends.mps.is_available() else 'cpu')", True),
    ("device = 'cuda'", True),
    ("dtype = torch.float32", True),
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
    ("from autograder import check", False),  # the student's check cell: the grader's own
    ("import autograder.engine.notebook_check", False),
    ("import autograder_helpers", True),
])
def test_which_top_level_statements_are_kept(statement, keep):
    assert kept(ast.parse(statement).body[0], ALIASES) is keep


def test_magics_become_blank_lines():
    assert without_magics("%matplotlib inline\n!pip install x\nimport torch") == "\n\nimport torch"
    assert without_magics("  !ls\nx = 1") == "\nx = 1"
    assert without_magics("%%capture out\nimport torch") == "\nimport torch"


@pytest.mark.parametrize("source,magic", [
    ("%%time\nx = 1", "time"),
    ("%%timeit -n 3\nx = 1", "timeit"),
    ("\n%%capture out\nx = 1", "capture"),
    ("%%writefile helpers.py\ndef f():\n    pass", "writefile"),
    ("%matplotlib inline\nx = 1", None),
    ("x = 1\n%%time", None),
])
def test_a_cell_magic_is_read_from_the_first_line(source, magic):
    assert cell_magic(source) == magic


def test_timing_and_capturing_cells_keep_their_definitions_and_other_cell_magics_are_named(
        tmp_path):
    path = write_notebook(tmp_path / "n.ipynb", [
        "%%time\ndef timed():\n    return 1\nwhile True:\n    pass",
        "%%capture out\n%matplotlib inline\ndef captured():\n    return 2",
        "%%timeit -n 3\ndef repeated():\n    return 3",
        "%%bash\necho this is not Python",
        "%%writefile helpers.py\nimport math\n\ndef written():\n    return 4\n\n"
        "class Helper:\n    pass",
        "%%html\n<b>bold</b>",
    ])
    namespace: dict = {}
    problems = load_definitions(str(path), namespace)
    assert [namespace[name]() for name in ("timed", "captured", "repeated")] == [1, 2, 3]
    assert "written" not in namespace and "math" not in namespace
    assert problems == ["cell 6 defines written, Helper, but the cell starting with %%writefile "
                        "was skipped: only %%time, %%timeit and %%capture cells are graded"]


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is there to use")
@pytest.mark.parametrize("value,on_cpu", [
    (torch.device("cuda"), torch.device("cpu")),
    (torch.device("cuda:1"), torch.device("cpu")),
    ("cuda", "cpu"),
    ("cuda:0", "cpu"),
    (torch.device("cpu"), torch.device("cpu")),
    ("barracuda", "barracuda"),
    (torch.float32, torch.float32),
])
def test_a_constant_naming_a_missing_gpu_names_the_cpu(value, on_cpu):
    assert on_this_machine(value) == on_cpu


def write_notebook(path, cells):
    """A notebook of ``cells`` (code) after a markdown title, as Jupyter saves it."""
    notebook = {"cells": [{"cell_type": "markdown", "source": "# Homework"}] + [
        {"cell_type": "code", "source": source.splitlines(keepends=True), "outputs": []}
        for source in cells], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(notebook))
    return path


def grade_notebook(folder, hw4, numbers, cells):
    """Grade the questions ``numbers`` of hw4's theory part, submitted as a notebook."""
    write_notebook(folder / "hw4_theory.ipynb", cells)
    assignment = dataclasses.replace(only_questions(hw4, numbers), submission="hw4_theory.ipynb",
                                     load_mode="definitions")
    return grade_folder(folder, assignment)


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
    # had a loop run, loading would time out
    result = grade_notebook(tmp_path, hw4, ["1.2.i", "1.2.ii"], CELLS)
    for part in result.parts:
        if part.question.number == "1.2.i":  # the later definition wins, and runs on the CPU
            assert part.passed, part.feedback
        else:
            assert not part.passed
            assert "'nll_loss' is not defined in hw4_theory.ipynb" in part.feedback
            assert "cell 7 has a syntax error (line 1)" in part.feedback
            assert "cell 2, line 5: ModuleNotFoundError" in part.feedback  # google.colab


GIBBS = ("def gibbs_distribution(energies, beta):\n"
         "    return torch.softmax(-beta * torch.as_tensor(energies, device={device}), dim=0)")
NLL = ("def nll_loss(energies, y, beta):\n"
       "    energies = torch.as_tensor(energies, device={device})\n"
       "    return energies[y] + torch.logsumexp(-beta * energies, dim=0) / beta")
NLL_GRAD = ("def nll_loss_grad(energies, energy_grads, y, beta):\n"
            "    p = torch.softmax(-beta * torch.as_tensor(energies, device={device}), dim=0)\n"
            "    return energy_grads[y] - p @ energy_grads")


def test_timing_and_capturing_cells_are_graded_and_a_skipped_cell_is_named(tmp_path, hw4):
    cpu = "'cpu'"
    result = grade_notebook(tmp_path, hw4, ["1.2.i", "1.2.ii", "1.2.iii", "1.3.a", "1.3.b"], [
        "import torch",
        "%%time\n" + GIBBS.format(device=cpu),
        "%%capture out\n" + NLL.format(device=cpu) + "\nnll_loss(torch.zeros(2), 0, 1.0)",
        "%%timeit -n 3\n" + NLL_GRAD.format(device=cpu),
        "%%bash\ndef simple_loss(f_pos, f_neg, margin):\n    return f_pos",
        "%%writefile losses.py\ndef log_loss(f_pos, f_neg):\n    return f_pos",
    ])
    failing = {part.part.check: part.feedback for part in result.parts if not part.passed}
    assert {part.question.number for part in result.parts if part.passed} == {
        "1.2.i", "1.2.ii", "1.2.iii"}, failing
    for check, cell, magic, function in [("simple_value", 6, "bash", "simple_loss"),
                                         ("log_value", 7, "writefile", "log_loss")]:
        feedback = failing[f"hidden.contrastive_losses.{check}"]
        assert feedback.startswith(f"'{function}' is not defined in hw4_theory.ipynb. Loading "
                                   "it reported: "), feedback
        assert (f"cell {cell} defines {function}, but the cell starting with %%{magic} was "
                "skipped: only %%time, %%timeit and %%capture cells are graded") in feedback


def test_module_level_devices_naming_a_missing_gpu_run_on_the_cpu(tmp_path, hw4):
    result = grade_notebook(tmp_path, hw4, ["1.2.i", "1.2.ii", "1.2.iii"], [
        "import torch",
        "device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')\n"
        "DEVICE = 'cuda'\ngpu = torch.device('cuda:0')",
        GIBBS.format(device="device"),
        NLL.format(device="DEVICE"),
        NLL_GRAD.format(device="gpu"),
    ])
    assert [part.feedback for part in result.parts if not part.passed] == []
