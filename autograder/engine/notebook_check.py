"""The student check from inside a notebook: ``from autograder import check; check()``.

A student of a notebook assignment works in Jupyter or Colab, where the notebook file may not
be on disk at all (Colab) and, when it is, may differ from what the kernel has run. So in an
IPython kernel the check grades what the kernel ran: IPython's raw input history (each cell as
typed, ``%%time`` and ``!pip`` lines included, as they stand in the ``.ipynb`` file that
Gradescope receives; not ``In``, which holds the cells already translated to Python), up to
and without the cell that calls ``check()``. Those cells are written, in the order they ran,
as a notebook named as the assignment's submission into a fresh temporary folder, and that
folder is graded by the same function and report as ``python3 -m autograder check``
(``grading.grade(..., public_only=True)`` and ``report.render``): a verdict here is the
verdict there, and the definitions-only loader treats the cells as it treats the file.
Notebook cell k is the cell that ran as ``In [k]``, so a message about "cell 7" points at
the cell that showed ``[7]``.

Outside IPython, or for an assignment whose submission is not a notebook (a ``.py`` file the
student edits beside the notebook), ``check()`` grades the current folder, as the command
line does by default.

``import autograder`` imports this module, so it imports nothing heavy or platform-specific
at import time: the grader (torch, the sandbox) is imported when ``check`` runs.
"""
from __future__ import annotations

import html
import json
import tempfile
from pathlib import Path

ROW_COLOURS = {"PASS": "#e6f4ea", "FAIL": "#fce8e6", "hidden": "#f1f3f4"}
NOTHING_RAN = ("No cell ran in this kernel before check(): run the cells above first (after a "
               "restart too), then check() again.")


def _ipython():
    """The running IPython shell, or None (plain Python, or IPython not installed)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def executed_cells(shell) -> list[str]:
    """The raw source of every cell the kernel ran before the one running now, in order:
    element k - 1 is ``In [k]``. While a cell runs, IPython has stored it at index
    ``execution_count`` (index 0 is an empty placeholder); a cell run without history (a
    silent execution) is not stored, and then every stored cell came before it."""
    history = shell.history_manager.input_hist_raw
    return list(history[1:shell.execution_count])


def notebook_of_cells(sources: list[str]) -> dict:
    """A notebook (nbformat 4) with one code cell per source, no outputs."""
    return {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {},
                       "outputs": [], "source": source} for source in sources],
            "metadata": {}, "nbformat": 4, "nbformat_minor": 4}


def choose_assignment(name: str | None, in_notebook: bool):
    """The named assignment, else the handout's default; in a notebook kernel whose default
    assignment is not submitted as a notebook, the first (by name) that is, since only a
    notebook assignment can be graded from a kernel's cells."""
    from autograder.engine.config import assignment_names, default_assignment, load_assignment

    chosen = load_assignment(name or default_assignment())
    if name is None and in_notebook and not chosen.submission.endswith(".ipynb"):
        notebooks = [found for found in map(load_assignment, assignment_names())
                     if found.submission.endswith(".ipynb")]
        chosen = notebooks[0] if notebooks else chosen
    return chosen


def html_report(result, text: str, graded: str) -> str:
    """The result as a compact HTML table: question, part, points, status and, for a failing
    part, its feedback (and what the code printed); then the report's total line and notes.
    ``graded`` says what was graded (the cells, or a file)."""
    rows = []
    current = None
    for part in result.parts:
        status = ("PASS" if part.passed else "FAIL") if part.ran else "hidden"
        points = f"{part.score:g}/{part.part.points:g}" if part.ran else f"-/{part.part.points:g}"
        detail = html.escape(part.feedback) if part.ran and not part.passed else ""
        if part.output:
            detail += f"<br>your code printed:<pre>{html.escape(part.output[:2000])}</pre>"
        number = ""
        if part.question is not current:
            current = part.question
            number = html.escape(f"{current.number} {current.title}")
        rows.append(f'<tr style="background:{ROW_COLOURS[status]}"><td>{number}</td>'
                    f"<td>{html.escape(part.part.name)}</td><td>{points}</td>"
                    f"<td>{status}</td>"
                    f'<td style="text-align:left;white-space:pre-wrap">{detail}</td></tr>')
    # The total and the notes are taken from the report, so that both forms say the same.
    lines = text.splitlines()
    total = next((line for line in lines if line.startswith(("Visible total:", "Total:"))), "")
    notes = "".join(f"<pre>{html.escape(note)}</pre>" for note in result.notes)
    header = "".join(f"<th>{title}</th>" for title in
                     ("question", "part", "points", "status", "feedback"))
    return (f"<div><b>{html.escape(result.assignment.title)}</b>: public checks of "
            f"{html.escape(graded)}"
            + (f"<p>{html.escape(result.file_note)}</p>" if result.file_note else "")
            + f'<table style="text-align:left"><tr>{header}</tr>{"".join(rows)}</table>'
            f"<p><b>{html.escape(total)}</b></p>{notes}</div>")


def _compact_in_outputs(shell, result_type) -> None:
    """``check()`` as a cell's last line would show the returned GradingResult's dataclass
    repr (every part, every question: pages of it) under the table: one line instead."""
    def one_line(result, printer, cycle):
        printer.text(f"<{result.assignment.name} check: {result.score:g} / "
                     f"{result.max_score:g} visible points>")
    shell.display_formatter.formatters["text/plain"].for_type(result_type, one_line)


def check(assignment: str | None = None):
    """Run the public checks, as ``python3 -m autograder check`` does, on the cells this
    kernel has run so far (in IPython, for a notebook assignment) or on the current folder;
    show the result (an HTML table in a notebook, the text report elsewhere) and return the
    ``GradingResult``. ``assignment`` defaults to the handout's (see ``choose_assignment``)."""
    import torch

    from autograder.engine import grading, report

    shell = _ipython()
    chosen = choose_assignment(assignment, shell is not None)
    in_cells = shell is not None and chosen.submission.endswith(".ipynb")
    cells = executed_cells(shell) if in_cells else []
    # grade() pins torch to one thread for the grader's process, which here is the student's
    # kernel: their training afterwards must get its threads back.
    threads = torch.get_num_threads()
    try:
        if in_cells:
            # Cleanup errors are ignored: on Windows a worker that has just exited may still
            # hold the file for a moment, and a leftover temporary file harms no one.
            with tempfile.TemporaryDirectory(prefix="autograder-check-",
                                             ignore_cleanup_errors=True) as folder:
                (Path(folder) / chosen.submission).write_text(
                    json.dumps(notebook_of_cells(cells), indent=1), encoding="utf-8")
                result = grading.grade(chosen, Path(folder), public_only=True)
        else:
            result = grading.grade(chosen, Path("."), public_only=True)
    finally:
        torch.set_num_threads(threads)
    if in_cells and not any(cell.strip() for cell in cells):
        result.notes.append(NOTHING_RAN)
    text = report.render(result, public_only=True)
    if shell is None:
        print(text)
        return result
    from IPython.display import display

    graded = (f"the cells In [1] to In [{len(cells)}], run before this one" if in_cells
              else str(result.submission or Path(".").resolve()))
    _compact_in_outputs(shell, grading.GradingResult)
    # Both forms: a notebook shows the table, a terminal IPython the text report.
    display({"text/plain": text, "text/html": html_report(result, text, graded)}, raw=True)
    return result
