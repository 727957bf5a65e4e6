"""The check inside a notebook: ``from autograder import check; check()`` run in a real IPython
kernel grades the cells the kernel ran before it exactly as ``python3 -m autograder check``
grades the same cells written to a notebook file, and shows the result as a table."""
from __future__ import annotations

import json
import subprocess
import sys

import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

from autograder import check
from autograder import cli
from autograder.engine.config import load_assignment
from autograder.engine.notebook_check import choose_assignment
from tests.support import ROOT

# What a student runs before checking: right functions, one wrong (+energies as logits), a
# shell line and a %%time cell, which the check must see as typed (as they stand in the file).
BEFORE_CHECK = [
    """\
!echo preparing the data
import torch
BETWEEN = 26


def build_path_matrix(energies, targets):
    index = targets.long().unsqueeze(1).expand(-1, energies.shape[1], -1)
    return torch.gather(energies, 2, index)
""",
    """\
%%time
def transform_word(s):
    return torch.tensor([k for c in s for k in (ord(c) - ord("a"), BETWEEN)])
""",
    """\
def path_energy(pm, path):
    path = [int(j) for j in path]
    steps = all(b - a in (0, 1) for a, b in zip(path, path[1:]))
    if path[0] != 0 or path[-1] != pm.shape[1] - 1 or not steps:
        return torch.tensor(2.0 ** 30)
    return pm[torch.arange(len(path)), torch.tensor(path)].sum()
""",
    """\
def build_ce_matrix(energies, targets):
    return build_path_matrix(-energies, targets) + torch.logsumexp(energies, -1, keepdim=True)
""",
]
# The cell that calls check() also fixes build_ce_matrix: it must not be graded, so the wrong
# one above still fails.
CHECK_CELL = """\
def build_ce_matrix(energies, targets):
    return build_path_matrix(energies, targets) + torch.logsumexp(-energies, -1, keepdim=True)


from autograder import check
threads = torch.get_num_threads()
r = check()
"""
AFTER_CHECK = [
    """\
import json
from autograder.engine.notebook_check import executed_cells
print(json.dumps({"threads": [threads, torch.get_num_threads()], "parts": [
    [p.part.check, p.passed, p.ran, p.feedback] for p in r.parts],
    "history": executed_cells(get_ipython())}))
""",
    "r",
]
# transform_word sits in the %%time cell: whether such a cell is graded is the loader's rule,
# held to the command line's verdict by the comparison, so it is left out here.
CHECKS = "public.structured_prediction."
PASSING = {CHECKS + "path_matrix_keeps_the_graph", CHECKS + "path_energy_rejects_invalid_paths"}
TIMED = CHECKS + "words_become_letters_and_separators"


def kernel_manager(folder) -> KernelManager:
    """A kernel of this very interpreter with the project importable, whatever kernels the
    machine has installed (an installed "python3" may name another Python)."""
    spec = folder / "kernels" / "this-python"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "this Python", "language": "python", "env": {"PYTHONPATH": str(ROOT)}}))
    return KernelManager(kernel_name="this-python",
                         kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)]))


def notebook(cells) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(cell) for cell in cells])


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """The notebook after a kernel ran it, in a folder that holds no notebook file."""
    folder = tmp_path_factory.mktemp("kernel")
    executed = notebook([*BEFORE_CHECK, CHECK_CELL, *AFTER_CHECK])
    NotebookClient(executed, km=kernel_manager(folder), timeout=240,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return executed.cells


def outputs(cell, output_type: str) -> list:
    return [output for output in cell.outputs if output.output_type == output_type]


def without_path_and_time(report: str) -> list[str]:
    return [line for line in report.splitlines()
            if not line.startswith(("submission: ", "Graded in "))]


def test_kernel_check_reports_what_the_command_line_reports(ran, tmp_path, capsys):
    """The command line's own function, in this process: the same report, line for line."""
    (shown,) = outputs(ran[len(BEFORE_CHECK)], "display_data")
    nbformat.write(notebook(BEFORE_CHECK), tmp_path / "hw4_impl.ipynb")
    assert cli.main(["check", "--assignment", "hw4_impl", "--submission", str(tmp_path)]) == 0
    assert without_path_and_time(shown.data["text/plain"]) == without_path_and_time(
        capsys.readouterr().out)


def test_kernel_check_grades_the_cells_before_it_as_typed(ran):
    (printed,) = outputs(ran[len(BEFORE_CHECK) + 1], "stream")
    graded = json.loads(printed.text)
    # Raw history: the %%time and ! lines as typed, not IPython's translation of them (IPython
    # stores a cell without its final newlines).
    assert graded["history"][:len(BEFORE_CHECK) + 1] == [
        cell.rstrip("\n") for cell in (*BEFORE_CHECK, CHECK_CELL)]
    parts = {check: (passed, feedback)
             for check, passed, graded_here, feedback in graded["parts"] if graded_here}
    assert {key for key, (passed, _) in parts.items() if passed} - {TIMED} == PASSING
    # The right build_ce_matrix of the cell that called check() was not graded.
    assert "lowest cross-entropy" in parts[CHECKS + "ce_matrix_is_a_cross_entropy"][1]
    assert "'find_path' is not defined" in parts[CHECKS + "find_path_returns_an_alignment"][1]
    # The grader pinned torch to one thread while it ran; the student's kernel gets its own back.
    assert graded["threads"][0] == graded["threads"][1]


def test_kernel_check_shows_a_table_and_a_one_line_result(ran):
    (shown,) = outputs(ran[len(BEFORE_CHECK)], "display_data")
    table, text = shown.data["text/html"], shown.data["text/plain"]
    parts = [part for question in load_assignment("hw4_impl").questions
             for part in question.parts]
    assert "<table" in table and table.count("<tr") == 1 + len(parts)
    assert "does not give the lowest-energy class the lowest cross-entropy" in table
    (total,) = [line for line in text.splitlines() if line.startswith("Visible total:")]
    assert total in table and "hidden tests run after you submit" in total
    (echoed,) = outputs(ran[-1], "execute_result")
    score, visible = total.split()[2], total.split()[4]
    assert echoed.data["text/plain"] == f"<hw4_impl check: {score} / {visible} visible points>"


def test_a_notebook_kernel_prefers_the_notebook_assignment():
    default = (ROOT / "autograder" / "assignments" / "DEFAULT").read_text().strip()
    assert default != "hw4_impl"  # otherwise the preference below is not tested
    assert choose_assignment(None, in_notebook=False).name == default
    assert choose_assignment(None, in_notebook=True).name == "hw4_impl"
    assert choose_assignment("hw4", in_notebook=True).name == "hw4"


def test_outside_ipython_check_grades_the_current_folder_as_text(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    result = check("hw4_impl")
    printed = capsys.readouterr().out
    assert result.score == 0 and "hw4_impl.ipynb was not found" in printed
    assert "hidden tests run after you submit" in printed and "<table" not in printed


def test_importing_autograder_stays_light():
    """No torch, no sandbox, nothing platform-specific: only the notebook check's module."""
    done = subprocess.run(
        [sys.executable, "-c", "import json, sys, autograder; print(json.dumps(sorted("
         "name for name in sys.modules if name.split('.')[0] in ('autograder', 'torch'))))"],
        cwd=ROOT, capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == ["autograder", "autograder.engine",
                                       "autograder.engine.notebook_check"]
