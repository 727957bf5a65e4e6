"""The build workflow: the handout holds nothing of the reference (no file, no import, no value
it computed) and works on its own; the Gradescope zip is laid out as Gradescope runs it; both
zips are the same bytes every time they are built."""
from __future__ import annotations

import ast
import inspect
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from autograder.engine.config import ConfigError, load_assignment
from autograder.staff import build, leaks
from autograder.staff.validate import (
    coverage_problems, graded_functions, imported_modules, notebook_cells)
from tests.support import ROOT, reference_submission, run, unzip

ASSIGNMENTS = sorted(path.parent.name for path in
                     (ROOT / "autograder" / "assignments").glob("*/assignment.toml"))
TEXT_SUFFIXES = (".py", ".toml", ".md", ".txt", ".ipynb")
FORBIDDEN_MODULES = ("reference", "autograder.checks.hidden")
# A notebook template ends with the cell that runs the student check in the notebook
# (autograder.engine.notebook_check): given, and it computes nothing of the homework.
CHECK_CELL = "from autograder import check; check()"
# A decimal number with more than 6 significant digits looks like a value someone computed
# (with the reference, perhaps) and pasted in; nothing in the handout needs one.
DECIMAL = re.compile(r"(?<![\w.])(\d+\.\d*|\.\d+|\d+(?=[eE]))([eE][-+]?\d+)?")


def significant_digits(number: str) -> int:
    return len(number.replace(".", "").strip("0"))


@pytest.fixture(scope="module")
def handouts(tmp_path_factory):
    out = tmp_path_factory.mktemp("handouts")
    return {name: build.build_handout_zip(name, out) for name in ASSIGNMENTS}


def contents(archive: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive) as opened:
        return {name: opened.read(name) for name in opened.namelist()}


def python_sources(files: dict[str, bytes]) -> list[tuple[str, str, list[str]]]:
    """(where, source, package) for every .py file and every code cell of a notebook."""
    found = []
    for name, data in sorted(files.items()):
        package = list(PurePosixPath(name).parts[1:-1])  # below the handout's top folder
        if name.endswith(".py"):
            found.append((name, data.decode(), package))
        elif name.endswith(".ipynb"):
            found.extend((f"{name} cell {index}", cell, package)
                         for index, cell in enumerate(notebook_cells(data.decode())))
    return found


def is_stub_statement(node: ast.stmt, function: str) -> bool:
    """``pass``, ``...``, ``raise NotImplementedError[(...)]``, and in ``__init__`` the
    ``super().__init__()`` that a torch module needs before it can raise."""
    if isinstance(node, ast.Pass):
        return True
    if isinstance(node, ast.Raise) and node.exc is not None:
        raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"
    if not isinstance(node, ast.Expr):
        return False
    if isinstance(node.value, ast.Constant):
        return node.value.value is Ellipsis
    return (function == "__init__" and ast.unparse(node.value).startswith("super().__init__(")
            and not node.value.args)


def not_stubs(tree: ast.Module, given=()) -> list[str]:
    """What a template must not hold: a function that does something, or a top-level statement
    that computes (anything but a docstring, an import, a definition or a literal constant)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name not in given:
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            if not all(is_stub_statement(statement, node.name) for statement in body):
                found.append(f"{node.name} (line {node.lineno})")
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue
        if isinstance(node, ast.Assign):
            try:
                ast.literal_eval(node.value)
                continue
            except ValueError:
                pass
        found.append(f"top-level {type(node).__name__} (line {node.lineno})")
    return found


# ---------------------------------------------------------------- the handout is pure

@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_handout_holds_no_reference_hidden_check_example_or_data(handouts, name):
    assignment = load_assignment(name)
    files = contents(handouts[name])
    for path in files:
        parts = PurePosixPath(path).parts
        assert parts[0] == name, path
        assert parts[1] != "reference" and "example_submission" not in parts, path
        assert "checks/hidden/" not in path, path
        assert path.endswith(TEXT_SUFFIXES) or parts[-1] == "DEFAULT", path
    assert f"{name}/{assignment.submission}" in files
    assert files[f"{name}/autograder/assignments/DEFAULT"].decode().strip() == name
    assert [path for path in files if "/assignments/" in path and path.endswith(".toml")] == [
        f"{name}/autograder/assignments/{name}/assignment.toml"]


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_handout_code_imports_the_reference_or_the_hidden_checks(handouts, name):
    sources = python_sources(contents(handouts[name]))
    assert len(sources) > 20  # the engine is in: this looked at the right files
    for where, source, package in sources:
        for module in imported_modules(ast.walk(ast.parse(source, where)), package):
            assert not any(module == forbidden or module.startswith(forbidden + ".")
                           for forbidden in FORBIDDEN_MODULES), f"{where} imports {module}"


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_the_template_is_stubs_only(handouts, name):
    submission = load_assignment(name).submission
    text = contents(handouts[name])[f"{name}/{submission}"].decode()
    given = set(load_assignment(name).given)  # the homework gives them: not stubs
    if submission.endswith(".ipynb"):
        for cell in json.loads(text)["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, cell["source"]
        assert notebook_cells(text)[-1] == CHECK_CELL
        trees = [ast.parse(cell) for cell in notebook_cells(text)[:-1]]
    else:
        trees = [ast.parse(text)]
    defined = {node.name for tree in trees for node in ast.walk(tree)
               if isinstance(node, ast.FunctionDef)}
    assert len(defined - given) >= 8 and given <= defined
    assert [problem for tree in trees for problem in not_stubs(tree, given)] == []


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_handout_file_holds_a_long_decimal(handouts, name):
    """Code, docstrings, comments, notebook and configuration alike."""
    long = [(path, match.group(0)) for path, data in contents(handouts[name]).items()
            for match in DECIMAL.finditer(data.decode())
            if significant_digits(match.group(1)) > 6]
    assert long == []


def test_long_decimals_are_recognised():
    found = [match.group(0) for match in DECIMAL.finditer(
        "x = 0.6931471806 + 1.5e-3 * 1234567.0 - 2.718282e10 + 1e-7, version 6.155.2, 1.2.iii")]
    assert [number for number in found if significant_digits(DECIMAL.match(number).group(1)) > 6
            ] == ["0.6931471806", "1234567.0", "2.718282e10"]


BLOCKED_BUILD = """
import sys
from importlib.abc import MetaPathFinder


class Refuse(MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] == "reference" or name.startswith("autograder.checks.hidden"):
            raise ImportError(f"{name} is blocked: the handout must be built without it")
        return None


sys.meta_path.insert(0, Refuse())
try:
    import reference
    raise SystemExit("reference was importable: the block does not work")
except ImportError:
    pass
from autograder.staff.build import build_handout_zip

build_handout_zip(sys.argv[1], sys.argv[2])
"""


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_handout_is_built_the_same_without_the_reference(handouts, tmp_path, name):
    """Byte-identical with the reference unimportable: no value in it came from the reference."""
    done = run([sys.executable, "-c", BLOCKED_BUILD, name, str(tmp_path)])
    assert done.returncode == 0, done.stderr
    assert (tmp_path / handouts[name].name).read_bytes() == handouts[name].read_bytes()


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_handout_readme_says_what_to_do_and_where_the_points_are(handouts, name):
    assignment = load_assignment(name)
    readme = contents(handouts[name])[f"{name}/README.md"].decode()
    for needed in (assignment.submission, "pip install -r requirements.txt",
                   "python3 -m autograder check", "after you submit"):
        assert needed in readme
    assert (CHECK_CELL in readme) == assignment.submission.endswith(".ipynb")
    for question in assignment.questions:
        public = sum(part.points for part in question.parts if part.public)
        assert (f"| {question.number} | {question.title} | {question.points:g} | {public:g} | "
                f"{question.points - public:g} |") in readme


# ---------------------------------------------------------------- no answer in the handout

@pytest.fixture(scope="module")
def recorded():
    """Every assignment's parts run against the reference: the calls their checks make."""
    return {name: leaks.record_reference_calls(load_assignment(name)) for name in ASSIGNMENTS}


def handout_python(name: str, *extra: tuple[str, Path]) -> list[tuple[str, Path]]:
    """The handout's Python files (what the build hands the leak detector), and ``extra``."""
    return [(entry, source) for entry, source in build.handout_entries(load_assignment(name))
            if isinstance(source, Path) and source.suffix in (".py", ".ipynb")] + list(extra)


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_graded_function_has_a_public_part(recorded, name):
    """A student sees each graded function run on their machine: every function of the
    template is called by a public part (and by a hidden one unless declared public_only),
    and every question has a public part (what ``validate`` requires)."""
    assignment = load_assignment(name)
    called = graded_functions(assignment, recorded[name])
    assert coverage_problems(assignment, called) == []
    publicly = set().union(*(functions for check, functions in called.items()
                             if check.startswith("public.")))
    assert set().union(*called.values()) - publicly == set()  # beyond the template's too


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_no_shipped_handout_function_computes_a_graded_answer(recorded, name):
    assert len(leaks.handout_functions(handout_python(name))) > 100  # the engine is in
    leaks.refuse_answers(load_assignment(name), handout_python(name), recorded[name])


# Two helpers one might write for a public check: a NumPy Gibbs distribution (the answer of
# hw4 1.2.i, recomputed) and the reference's own NLL, copied in with its source.
PLANTED = """
import math

import numpy as np
import torch


def boltzmann_weights(energies, beta):
    scores = -beta * np.asarray(energies, dtype=np.float64)
    weights = np.exp(scores - scores.max())
    return weights / weights.sum()


{nll_source}
"""


def test_build_refuses_a_handout_helper_that_computes_a_graded_answer(tmp_path, monkeypatch):
    from reference import energy_models

    helper = tmp_path / "helpers.py"
    helper.write_text(PLANTED.format(nll_source=inspect.getsource(energy_models.nll_loss)))
    entries = build.handout_entries
    monkeypatch.setattr(build, "handout_entries", lambda assignment: entries(assignment) + [
        (f"{assignment.name}/autograder/checks/public/helpers.py", helper)])
    with pytest.raises(leaks.HandoutLeak) as refused:
        build.build("hw4", tmp_path / "out", validate=False)
    message = str(refused.value)
    assert "helpers.py: boltzmann_weights computes the graded 'gibbs_distribution': it passes " \
           "hidden.energy_models.gibbs_value" in message, message
    assert "helpers.py: nll_loss computes the graded 'nll_loss'" in message, message
    assert message.count(" computes the graded ") == 2, message
    assert not (tmp_path / "out").exists()


SIDE_EFFECTS = """
import os
import signal


def writes(energies, beta):
    with open({marker!r}, "w") as stream:
        stream.write("written")


def kills(energies, beta):
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_detector_refuses_every_side_effect_of_what_it_calls(recorded, tmp_path):
    """Handout functions are called with homework inputs (the engine's own kill and chmod
    functions among them): a file written or a signal sent would reach the machine, so the
    search runs with both refused, and a function that tries is simply not a match."""
    marker = tmp_path / "written"
    helper = tmp_path / "machine.py"
    helper.write_text(SIDE_EFFECTS.format(marker=str(marker)))
    leaks.refuse_answers(load_assignment("hw4"), handout_python("hw4", ("machine.py", helper)),
                         recorded["hw4"])
    assert not marker.exists()


# ---------------------------------------------------------------- the handout works alone

def run_in_handout(folder: Path, *args: str) -> subprocess.CompletedProcess:
    """Python in the handout folder with only that folder on its path, as a student runs it."""
    return run([sys.executable, *args], cwd=folder, PYTHONPATH=str(folder))


WHERE_FROM = ("import importlib.util, json, sys, autograder; print(json.dumps([autograder.__file__,"
              " importlib.util.find_spec('reference') is None, sys.path]))")


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_handout_checks_the_untouched_template_on_its_own(handouts, tmp_path, name):
    folder = unzip(handouts[name], tmp_path) / name
    engine, no_reference, path = json.loads(run_in_handout(folder, "-c", WHERE_FROM).stdout)
    assert Path(engine).resolve().is_relative_to(folder.resolve()), engine
    assert no_reference and str(ROOT) not in path, path
    done = run_in_handout(folder, "-m", "autograder", "check")
    assert done.returncode == 0, done.stderr
    assert "hidden tests run after you submit" in done.stdout
    assert "not implemented" in done.stdout and "Visible total: 0 /" in done.stdout, done.stdout


@pytest.mark.parametrize("name", ["hw4", "final"])
def test_handout_gives_a_correct_submission_every_public_point(handouts, tmp_path, name):
    """The submission is written beside the handout: it carries a copy of the reference, which
    must not land in the handout folder."""
    assignment = load_assignment(name)
    folder = unzip(handouts[name], tmp_path / "handout") / name
    submission = reference_submission(tmp_path / "submission", assignment)
    done = run_in_handout(folder, "-m", "autograder", "check", "--submission", str(submission))
    assert done.returncode == 0, done.stderr
    public = sum(part.points for question in assignment.questions for part in question.parts
                 if part.check.startswith("public."))
    assert f"Visible total: {public:g} / {public:g}" in done.stdout, done.stdout
    assert "hidden tests run after you submit" in done.stdout


# ---------------------------------------------------------------- both zips

@pytest.mark.slow
def test_builds_are_byte_identical(tmp_path):
    """The command line validates first (its progress on standard error, the zips' paths on
    standard output); the second build, through the module, skips that."""
    said = run([sys.executable, "-m", "autograder", "build", "--assignment", "hw4", "--out",
                str(tmp_path / "first")])
    assert said.returncode == 0, said.stderr
    stages = [line.split(": ")[1] for line in said.stderr.splitlines()
              if line.startswith("validate hw4: ")]
    assert stages == ["configuration, check paths, points, handout imports",
                      "every template function graded by a public and a hidden part",
                      "the reference scores full marks",
                      "the template scores 0 with no grader error"], said.stderr
    assert len(re.findall(r"^validate hw4: .*: ok \(\d+\.\d s\)$", said.stderr, re.M)) == 4
    first = [Path(line) for line in said.stdout.split()]
    second = build.build("hw4", tmp_path / "second", validate=False)
    assert [path.name for path in first] == ["hw4_gradescope.zip", "hw4_handout.zip"]
    for one, two in zip(first, second):
        assert one.read_bytes() == two.read_bytes()


def test_an_unknown_assignment_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(ConfigError, match="no assignment 'nope'"):
        build.build("nope", tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_gradescope_zip_is_laid_out_as_gradescope_runs_it(tmp_path, name):
    with zipfile.ZipFile(build.build_gradescope_zip(name, tmp_path)) as opened:
        infos = opened.infolist()
        default = opened.read("autograder/assignments/DEFAULT").decode()
    names = [info.filename for info in infos]
    assert names == sorted(names)
    assert {info.date_time for info in infos} == {(1980, 1, 1, 0, 0, 0)}
    modes = {info.filename: info.external_attr >> 16 for info in infos}
    assert {name for name, mode in modes.items() if mode == 0o100755} == {"setup.sh",
                                                                         "run_autograder"}
    assert set(modes.values()) == {0o100755, 0o100644}
    assert {name.split("/")[0] for name in names} == {
        "setup.sh", "run_autograder", "requirements.txt", "autograder", "reference"}
    assert default.strip() == name
    assert [path for path in names if path.startswith("autograder/assignments/")] == [
        "autograder/assignments/DEFAULT", f"autograder/assignments/{name}/assignment.toml"]
    for needed in ("autograder/__main__.py", "autograder/cli.py",
                   "autograder/sandbox/worker.py", "autograder/checks/public/__init__.py",
                   "autograder/checks/hidden/__init__.py", "autograder/checks/strategies.py",
                   "reference/__init__.py", "reference/mistakes/__init__.py"):
        assert needed in names
    assert not [path for path in names if re.search(r"__pycache__|\.pyc$|\.hypothesis|staff/",
                                                    path)]
    unzip(tmp_path / f"{name}_gradescope.zip", tmp_path / "source")
    assert all(os.access(tmp_path / "source" / script, os.X_OK)
               for script in ("setup.sh", "run_autograder"))
