"""Validating an assignment before it ships: ``python3 -m autograder validate --assignment NAME``,
and the first thing ``build`` does (it refuses to build an assignment that fails).

A mistake in an assignment's configuration or checks would otherwise reach students: a typo
in a hidden check's path scored that part 0 on Gradescope, one in a configuration key was
silently ignored, a function nobody grades went unnoticed. Validation runs in stages, the
cheap ones first, and stops after the first stage that finds a problem (what follows would
only repeat it, slowly), listing every problem of that stage:

Times are those of the development machine (2 cores shared with other work, loaded).

1. **The configuration and the files** (1 to 3 s, mostly imports): every key is known (loading
   refuses a typo by name, ``[limits]`` and ``[leaderboard]`` included); every check path
   (and the leaderboard's metric) resolves to a grading check; every part has points and the
   total the configuration states, if it states one, is their sum; the template exists; and
   the handout's Python code imports nothing that the handout does not ship: no project
   module left out of it (the reference, a hidden check, the staff's code) and no package
   beyond the students' requirements and Python's standard library.
2. **What each part grades** (10 to 30 s): every part runs against the reference in this
   process (``leaks.record_reference_calls``) and the functions it calls are recorded; each
   function of the template (but those the homework gives: ``given``) must be called by a
   public part, and by a hidden part unless the configuration declares it graded fully by
   its public parts (``public_only``); every question has a public part.
3. **Grading** (the reference: 25 s for hw4_impl, 45 s for hw4, 55 s for a3, 100 to 140 s
   for the final; the template: 6 to 13 s): exactly as Gradescope grades, the reference must
   score full marks (and have a value on the leaderboard, if the assignment has one), and the
   untouched template 0 with no grader error on any part. All four stages: 1 to 2.5 minutes.
"""
from __future__ import annotations

import ast
import dataclasses
import json
import math
import re
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from autograder.engine.check_runner import load_check
from autograder.engine.config import ASSIGNMENTS_DIR, Assignment, ConfigError, load_assignment
from autograder.engine.grading import grade
from autograder.engine.paths import PROJECT_ROOT
from autograder.engine.leaderboard import load_metric
from autograder.engine.reference_copy import reference_submission
from autograder.staff import build

PROJECT_PACKAGES = ("autograder", "reference")


@dataclass
class Validated:
    """A valid assignment, and the calls its parts made of the reference (stage 2), which the
    leak detector needs too (``leaks.refuse_answers``): recorded once for both."""

    assignment: Assignment
    calls: list = field(default_factory=list)


class InvalidAssignment(ConfigError):
    """The assignment must not ship: ``problems`` says why, one line each."""

    def __init__(self, name: str, problems: list[str]):
        self.problems = problems
        super().__init__(f"assignment '{name}' is not valid:\n" +
                         "\n".join(f"  - {problem}" for problem in problems))


def validate(name: str, assignments_dir: Path = ASSIGNMENTS_DIR, say=print) -> Validated:
    """Validate the assignment ``name`` (see the module's docstring), saying each stage's
    outcome and time through ``say``; raise ``InvalidAssignment`` at the first stage that
    finds a problem."""
    validated = Validated(load_assignment(name, assignments_dir))
    stages = [("configuration, check paths, points, handout imports", _static_problems),
              ("every template function graded by a public and a hidden part", _coverage),
              ("the reference scores full marks", _reference_problems),
              ("the template scores 0 with no grader error", _template_problems)]
    for title, stage in stages:
        started = time.monotonic()
        problems = stage(validated)
        say(f"validate {name}: {title}: {'FAILED' if problems else 'ok'} "
            f"({time.monotonic() - started:.1f} s)")
        if problems:
            raise InvalidAssignment(name, problems)
    return validated


def _parts(assignment: Assignment):
    return [(question, part) for question in assignment.questions for part in question.parts]


# ---------------------------------------------------------------- stage 1: static

def _static_problems(validated: Validated) -> list[str]:
    assignment = validated.assignment
    problems = []
    paths = [(f"question {q.number}, part '{p.name}'", p.check, load_check)
             for q, p in _parts(assignment)]
    if assignment.leaderboard is not None:
        paths.append(("the leaderboard", assignment.leaderboard.metric, load_metric))
    for where, path, load in paths:
        try:
            load(path)
        except (ImportError, LookupError) as error:
            problems.append(f"{where}: {path} does not resolve ({error})")
    for question, part in _parts(assignment):
        if not (math.isfinite(part.points) and part.points > 0):
            problems.append(f"question {question.number}, part '{part.name}': points must be "
                            f"a positive number, not {part.points:g}")
    declared = assignment.declared_points
    if declared is not None and abs(declared - assignment.points) > 1e-9:
        problems.append(f"the parts' points add up to {assignment.points:g}, not the "
                        f"{declared:g} points the configuration states")
    try:
        entries = build.handout_entries(assignment)
    except ConfigError as error:
        return problems + [str(error)]
    return problems + handout_import_problems(entries)


def _requirement_names(path: Path) -> set[str]:
    names = set()
    for line in path.read_text().splitlines():
        found = re.match(r"\s*([A-Za-z0-9_.-]+)", line.split("#")[0])
        if found:
            names.add(found.group(1).lower().replace("-", "_"))
    return names


def handout_import_problems(entries) -> list[str]:
    """What the handout's Python files (``entries``, as ``build.handout_entries`` lists them)
    import that a student's machine would not have: a module of this project that the handout
    leaves out (unless asked for first with ``find_spec``, as the staff's commands are, or
    imported under ``except ImportError``), or,
    at import time (outside functions, which run only where they are called), a package that
    is neither in the students' requirements nor in Python's standard library."""
    shipped = {_module_of(PurePosixPath(*PurePosixPath(name).parts[1:]))
               for name, source in entries if name.endswith(".py")}
    allowed = (_requirement_names(build.TEMPLATES_DIR / "requirements.txt")
               | set(sys.stdlib_module_names) | {"__future__"})
    problems = []
    for name, source in entries:
        if not name.endswith(".py"):
            continue
        relative = PurePosixPath(*PurePosixPath(name).parts[1:])
        tree = ast.parse(Path(source).read_text(), name)
        package = list(relative.parts[:-1])
        optional = imported_modules(_guarded(tree), package)
        for module in sorted(imported_modules(ast.walk(tree), package) - optional):
            module = _as_sibling(module, package)
            if module.split(".")[0] in PROJECT_PACKAGES and _is_project_module(module) \
                    and module not in shipped:
                problems.append(f"{relative} imports {module}, which the handout does not ship")
        for module in sorted(imported_modules(_at_import_time(tree), package)):
            top = _as_sibling(module, package).split(".")[0]
            if top not in allowed and top not in PROJECT_PACKAGES:
                problems.append(f"{relative} imports {top}, which is neither in the students' "
                                "requirements nor in Python's standard library")
    return problems


def _as_sibling(module: str, package: list[str]) -> str:
    """A script's plain ``import wire`` of the file beside it, as the project module it is."""
    top = module.split(".")[0]
    if package and PROJECT_ROOT.joinpath(*package, f"{top}.py").is_file():
        return ".".join([*package, module])
    return module


def _module_of(path: PurePosixPath) -> str:
    parts = path.with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_project_module(module: str) -> bool:
    path = PROJECT_ROOT.joinpath(*module.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _guarded(tree: ast.AST):
    """The nodes of imports that may be absent: inside an ``if`` that asks the import system
    first (``find_spec``: the command line's staff commands), or inside a ``try`` that
    catches ImportError."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "find_spec" in ast.unparse(node.test) or \
                isinstance(node, ast.Try) and any(
                    handler.type is not None and ast.unparse(handler.type).endswith(
                        ("ImportError", "ModuleNotFoundError")) for handler in node.handlers):
            for statement in node.body:
                yield from ast.walk(statement)


def _at_import_time(tree: ast.AST):
    """The nodes that run when the module is imported: all but the bodies of functions."""
    pending = [tree]
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            pending.extend(ast.iter_child_nodes(node))


def imported_modules(nodes, package: list[str]) -> set[str]:
    """Every module that an ``import``, ``from ... import`` (relative ones resolved against
    ``package``; each imported name too, as it may be a module), ``import_module("...")`` or
    ``__import__("...")`` among ``nodes`` (say, ``ast.walk(tree)``) names."""
    found = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
        elif (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
              and getattr(node.func, "attr", getattr(node.func, "id", None))
              in ("import_module", "__import__")):
            found.add(str(node.args[0].value))
    return found


# ---------------------------------------------------------------- stage 2: coverage

def notebook_cells(text: str) -> list[str]:
    """The code cells of a notebook as Python: shell and magic lines become comments."""
    cells = [cell for cell in json.loads(text)["cells"] if cell["cell_type"] == "code"]
    sources = ["".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
               for cell in cells]
    return [re.sub(r"(?m)^(\s*)([!%])", r"\1# \2", source) for source in sources]


def template_functions(assignment: Assignment) -> list[str]:
    """The functions and classes the assignment's template defines at its top level (in any
    code cell of a notebook): what students fill in, and what the homework gives."""
    text = (build.TEMPLATES_DIR / assignment.submission).read_text()
    cells = notebook_cells(text) if assignment.submission.endswith(".ipynb") else [text]
    return sorted(node.name for cell in cells for node in ast.parse(cell).body
                  if isinstance(node, (ast.FunctionDef, ast.ClassDef)))


def graded_functions(assignment: Assignment, calls) -> dict[str, set[str]]:
    """Part's check -> the functions it called (``calls``: ``leaks.Call`` records)."""
    called = {part.check: set() for _, part in _parts(assignment)}
    for call in calls:
        called[call.part].add(call.function)
    return called


def _coverage(validated: Validated) -> list[str]:
    from autograder.staff.leaks import record_reference_calls

    validated.calls = record_reference_calls(validated.assignment)
    return coverage_problems(validated.assignment,
                             graded_functions(validated.assignment, validated.calls))


def coverage_problems(assignment: Assignment, called: dict[str, set[str]]) -> list[str]:
    """Each template function must be graded by a public part, and by a hidden part unless it
    is declared ``public_only``; a function declared ``given`` by no part; the declarations
    must name template functions, and a ``public_only`` one must have no hidden part."""
    template = template_functions(assignment)
    public = set().union(*(names for check, names in called.items()
                           if check.startswith("public.")))
    hidden = set().union(*(names for check, names in called.items()
                           if check.startswith("hidden.")))
    problems = [f"the part {check} calls no function of the submission"
                for check, names in called.items() if not names]
    problems += [f"'{name}' in `{key}` is not a function of the template"
                 for key in ("given", "public_only") for name in getattr(assignment, key)
                 if name not in template]
    for name in template:
        if name in assignment.given:
            if name in public | hidden:
                problems.append(f"'{name}' is declared given but a part grades it")
            continue
        if name not in public:
            problems.append(f"'{name}' of the template has no public part")
        if name in assignment.public_only:
            if name in hidden:
                problems.append(f"'{name}' is declared public_only but has a hidden part")
        elif name not in hidden:
            problems.append(f"'{name}' of the template has no hidden part (declare it in "
                            "`public_only` if its public parts grade it fully)")
    problems += [f"question {question.number} has no public part"
                 for question in assignment.questions
                 if not any(part.public for part in question.parts)]
    return problems


# ---------------------------------------------------------------- stage 3: grading

def _reference_problems(validated: Validated) -> list[str]:
    """The reference must pass every part and, where there is a leaderboard (enabled or not:
    it is measured here either way), have a value on it."""
    assignment = validated.assignment
    board = assignment.leaderboard
    if board is not None:
        assignment = dataclasses.replace(assignment,
                                         leaderboard=dataclasses.replace(board, enabled=True))
    with tempfile.TemporaryDirectory(prefix="validate-") as folder:
        result = grade(assignment, reference_submission(Path(folder), assignment))
    problems = [f"the reference fails question {part.question.number}, part "
                f"'{part.part.name}' ({part.part.check}): "
                f"{' '.join(part.feedback.split())[:300]}"
                for part in result.parts if not part.passed]
    if board is not None and not result.leaderboard:
        problems.append(f"the reference has no value on the leaderboard ({board.metric})")
    return problems


def _template_problems(validated: Validated) -> list[str]:
    result = grade(validated.assignment, build.TEMPLATES_DIR)
    return [f"the template {'passes' if part.passed else 'hits a grader error in'} "
            f"question {part.question.number}, part '{part.part.name}' ({part.part.check})"
            for part in result.parts if part.passed or part.internal_error]
