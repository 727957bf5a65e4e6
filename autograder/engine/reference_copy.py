"""A submission made of the reference: a copy of ``reference/`` and a submission file that
re-exports it. What a grader records its draws from and validation grades (the reference must
score full marks), and what the staff's samples build on. The copy keeps the worker
independent of the project's own files, which it may not read.
"""
from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

from autograder.engine.config import Assignment
from autograder.engine.notebook_check import notebook_of_cells
from autograder.engine.paths import REFERENCE_DIR


def reference_submission(folder: Path, assignment: Assignment, extra_code: str = "",
                         package: str = "reference", cells_before=()) -> Path:
    """Write into ``folder`` the reference (copied there as ``package``) and ``assignment``'s
    submission file importing every topic of it, then ``extra_code`` (which may redefine
    functions). A notebook holds the code cells ``cells_before``, then one cell with all this."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REFERENCE_DIR, folder / package,
                    ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    topics = [path.stem for path in sorted(REFERENCE_DIR.glob("*.py"))
              if path.name != "__init__.py"]
    lines = [f"from {package}.{topic} import *  # noqa: F401,F403" for topic in topics]
    source = "\n".join(lines) + "\n" + textwrap.dedent(extra_code)
    if assignment.submission.endswith(".ipynb"):
        source = json.dumps(notebook_of_cells([*cells_before, source]))
    (folder / assignment.submission).write_text(source)
    return folder
