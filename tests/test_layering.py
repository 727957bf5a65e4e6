"""Imports run one way: entry points (``autograder/cli.py``, ``__main__``, the package's
``__init__``) -> staff -> engine -> sandbox; the checks and the reference are content the
engine loads by name. Read from the source (every import statement, in functions too), so that
a module that imports against the direction fails here before anyone relies on it.

Also: nothing outside ``tests/`` imports the tests (the benchmarks included), test modules share
helpers through ``tests/support.py`` only, and no import of the project's own modules sits under
``except ImportError``, where a real error in it would pass for a missing optional part.
"""
from __future__ import annotations

import ast
import functools
import sys
from pathlib import PurePosixPath

import pytest

from autograder import cli
from autograder.staff.validate import imported_modules
from tests.support import ROOT

# Not the project's code: students' files, and what the tests grade as theirs.
NOT_PROJECT_CODE = ("submissions", "example_submission", "student_template")
PROJECT_PACKAGES = ("autograder", "reference", "tests", "bench")
ENTRY_POINTS = ("autograder", "autograder.__main__", "autograder.cli")
OPTIONAL_IMPORT_ERRORS = ("ImportError", "ModuleNotFoundError")


def module_of(relative: PurePosixPath) -> str:
    parts = relative.with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@functools.lru_cache(maxsize=1)
def project_sources() -> dict[str, ast.Module]:
    """Module name -> syntax tree of every Python file of the project's packages."""
    found = {}
    for package in PROJECT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = PurePosixPath(path.relative_to(ROOT).as_posix())
            if not set(NOT_PROJECT_CODE) & set(relative.parts):
                found[module_of(relative)] = ast.parse(path.read_text(), str(relative))
    return found


def resolved(modules, importer: str) -> set[str]:
    """``modules`` as imported by ``importer``, a plain ``import wire`` of a file beside it (the
    sandbox's scripts import each other so) named as the project module it is."""
    package = importer.split(".")[:-1]
    beside = ROOT.joinpath(*package)
    return {".".join([*package, module]) if package and
            (beside / f"{module.split('.')[0]}.py").is_file() else module
            for module in modules}


def imports_of(tree: ast.AST, importer: str) -> set[str]:
    package = importer.split(".") if _is_package(importer) else importer.split(".")[:-1]
    return resolved(imported_modules(ast.walk(tree), package), importer)


def _is_package(module: str) -> bool:
    return (ROOT.joinpath(*module.split(".")) / "__init__.py").is_file()


def within(module: str, *packages: str) -> bool:
    """Whether ``module`` is one of ``packages`` or in one; an entry point is one module (the
    package ``autograder`` as an entry point is its ``__init__``, not all below it)."""
    return any(module == package or package not in ENTRY_POINTS
               and module.startswith(package + ".") for package in packages)


def is_test_module(module: str) -> bool:
    return module.startswith("tests.") and module.rsplit(".", 1)[-1].startswith(
        ("test_", "conftest"))


# What each part of the project must not import (its own modules aside).
FORBIDDEN = {
    "autograder.sandbox": ("autograder.engine", "autograder.staff", "autograder.checks",
                           *ENTRY_POINTS, "reference"),
    "autograder.engine": ("autograder.staff", "autograder.checks", *ENTRY_POINTS, "reference"),
    "autograder.staff": ENTRY_POINTS,
    "autograder.checks": ("autograder.staff", *ENTRY_POINTS),
    "reference": ("autograder", "tests", "bench"),
    "autograder": ("tests", "bench"),
    "bench": ("tests",),
}


def layering_problems(sources: dict[str, ast.Module]) -> list[str]:
    problems = []
    for importer, tree in sources.items():
        for part, forbidden in FORBIDDEN.items():
            if within(importer, part):
                problems += [f"{importer} imports {module}" for module in
                             sorted(imports_of(tree, importer))
                             if within(module, *forbidden) and not within(module, part)]
    return problems


def test_imports_run_one_way():
    assert layering_problems(project_sources()) == []


def optional_project_imports(sources: dict[str, ast.Module]) -> list[str]:
    """Imports of the project's modules inside a ``try`` that catches ImportError."""
    problems = []
    for importer, tree in sources.items():
        for node in ast.walk(tree):
            if isinstance(node, ast.Try) and any(
                    handler.type is None or ast.unparse(handler.type).endswith(
                        OPTIONAL_IMPORT_ERRORS) for handler in node.handlers):
                guarded = imports_of(ast.Module(body=node.body, type_ignores=[]), importer)
                problems += [f"{importer} imports {module} under except ImportError"
                             for module in sorted(guarded) if within(module, *PROJECT_PACKAGES)]
    return problems


def test_no_project_module_is_imported_as_optional():
    assert optional_project_imports(project_sources()) == []


def test_an_import_error_in_the_staff_code_is_raised_not_taken_for_a_handout(monkeypatch):
    monkeypatch.setitem(sys.modules, "autograder.staff.commands", None)  # import fails
    with pytest.raises(ImportError):
        cli.build_parser()


def test_no_test_module_imports_another():
    assert cross_test_imports(project_sources()) == []


def cross_test_imports(sources: dict[str, ast.Module]) -> list[str]:
    return [f"{importer} imports {module}" for importer, tree in sources.items()
            if is_test_module(importer)
            for module in sorted(imports_of(tree, importer))
            if is_test_module(module) and module != importer]


def test_the_scan_sees_what_it_looks_for():
    """Each rule flags a module that breaks it, and the scan reads the real tree: the command
    line imports the staff's commands, the worker its sibling ``wire``."""
    sources = project_sources()
    assert "autograder.staff.commands" in imports_of(sources["autograder.cli"], "autograder.cli")
    assert "autograder.sandbox.wire" in imports_of(sources["autograder.sandbox.worker"],
                                                   "autograder.sandbox.worker")
    planted = {
        "autograder.sandbox.worker": ast.parse("def f():\n    from autograder.engine import x"),
        "autograder.engine.results": ast.parse("from autograder.engine import grading\n"
                                               "from autograder.staff import build"),
        "bench.grade": ast.parse("from tests.support import ROOT"),
        "autograder.engine.config": ast.parse("try:\n    import reference\n"
                                              "except ImportError:\n    pass"),
        "tests.test_build": ast.parse("from tests.test_commands import run"),
    }
    assert sorted(layering_problems(planted)) == [
        "autograder.engine.config imports reference",
        "autograder.engine.results imports autograder.staff",
        "autograder.engine.results imports autograder.staff.build",
        "autograder.sandbox.worker imports autograder.engine",
        "autograder.sandbox.worker imports autograder.engine.x",
        "bench.grade imports tests.support",
        "bench.grade imports tests.support.ROOT"]
    assert optional_project_imports(planted) == [
        "autograder.engine.config imports reference under except ImportError"]
    assert cross_test_imports(planted) == ["tests.test_build imports tests.test_commands"]
