"""Notebooks graded by their definitions only: the rules of autograder/sandbox/loader.py, and
a notebook written the way students write them graded in seconds."""
from __future__ import annotations

import ast
import dataclasses
import json
from pathlib import Path

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
            # google.colab cannot be imported, but no graded function uses it
            assert "colab" not in part.feedback


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


IMPORTS_BESIDE_DEFINITIONS = """\
import torch
from tqdm import tqdm
import gtn
from tqdm.not_a_module import tqdm
from torchvision.not_a_module import transforms, utils as vutils
from google.colab import drive

def uses_gtn():
    return gtn.Graph()

def uses_transforms(image):
    return transforms.ToTensor()(image)

class UsesVutils(vutils.Dataset):
    pass

def plain(x):
    return torch.as_tensor(x) + 1

from numba import njit

@torch.no_grad()
@njit(cache=True)
def compiled(x):
    return x * 2
"""


def test_an_import_that_fails_keeps_every_definition_and_names_its_module_when_used(tmp_path):
    namespace: dict = {}
    problems = load_definitions(str(write_notebook(tmp_path / "n.ipynb", [
        IMPORTS_BESIDE_DEFINITIONS])), namespace)
    assert namespace["plain"](1) == 2
    assert namespace["compiled"](torch.ones(1, requires_grad=True)).requires_grad is False
    for call, module, line in [(namespace["uses_gtn"], "gtn", 3),
                               (lambda: namespace["uses_transforms"](None),
                                "torchvision.not_a_module", 5)]:
        with pytest.raises(ModuleNotFoundError) as error:
            call()
        assert str(error.value) == (f"module {module} is not available on the grader "
                                    f"(imported in cell 2, line {line})")
    # a class built on the missing module is the only definition lost, and says why
    assert problems == ["cell 2, line 14: ModuleNotFoundError: module torchvision.not_a_module "
                        "is not available on the grader (imported in cell 2, line 5)"]
    assert "UsesVutils" not in namespace
    # a name an earlier import bound keeps it; a name only the failed import binds is there
    import tqdm

    assert namespace["tqdm"] is tqdm.tqdm
    assert "not available" in repr(namespace["drive"])


STAND_INS_SCRIPT = """
import sys
sys.path.insert(0, sys.argv[1])
import loader
loader.install_stand_ins()
import numpy, torch, tqdm, tqdm.std  # as in the worker: its runtime, and the real tqdm
before = set(sys.modules)
import matplotlib
import matplotlib.pyplot as plt
from matplotlib import patches
from IPython.display import clear_output, display
import ipywidgets
from tqdm.notebook import tqdm as notebook_tqdm, trange
loaded = sorted(set(sys.modules) - before)

def train(epochs):
    losses = []
    bar = notebook_tqdm(range(epochs), desc="training")
    for epoch in bar:
        losses.append(1.0 / (epoch + 1))
        bar.set_postfix({"loss": losses[-1]})
        clear_output(wait=True)
        fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3))
        left.plot(losses)
        right.imshow([[0, 1]])
        for ax in plt.subplots(nrows=2, ncols=3)[1].flat:
            ax.axis("off")
        plt.title(f"epoch {epoch}")
        plt.show()
        display(fig)
    with plt.style.context("ggplot"):
        plt.figure().add_subplot(111).add_patch(patches.Rectangle((0, 0), 1, 1))
    for _ in trange(2):
        pass
    return losses

print(train(3))
print(loaded)
"""


def test_plots_widgets_and_notebook_progress_bars_run_on_stand_ins_that_load_nothing(tmp_path):
    import subprocess
    import sys

    from autograder.sandbox import loader

    sandbox = str(Path(loader.__file__).parent)
    ran = subprocess.run([sys.executable, "-c", STAND_INS_SCRIPT, sandbox],
                         capture_output=True, text=True, timeout=60)
    assert ran.returncode == 0, ran.stderr
    losses, loaded = ran.stdout.splitlines()
    assert losses == str([1.0, 0.5, 1 / 3])
    # nothing but the stand-ins themselves was imported: no plotting, widget or shell code
    assert eval(loaded) == ["IPython", "IPython.display", "ipywidgets", "matplotlib",
                            "matplotlib.pyplot", "tqdm.notebook"]
    assert ran.stderr == ""  # the progress bars are silent
