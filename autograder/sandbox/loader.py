"""Loading a notebook (or a .py file) by its definitions only, as a student's notebook is graded.

A notebook is a script of cells that train for minutes, plot, download and call the shell.
The grader keeps only what defines the functions it calls, and runs that in cell order, so
that the last definition of a name wins, as in the notebook. Exactly these top-level
statements are kept:

- ``import`` and ``from ... import`` statements, but those of the grader's own package (the
  student's check cell, ``from autograder import check``), each run on its own. A module
  that cannot be imported on the grader (``gtn``, ``google.colab``, a failing build) costs
  nothing at load time: each name the import would bind (unless an earlier import bound it)
  stands for the missing module, and any use of it raises ``ModuleNotFoundError("module X is
  not available on the grader ...")``, so only a function that uses it fails, and says why
  (a decorator from such a module, ``@njit``, is left out: the function runs undecorated);
- ``def`` and ``class`` statements (with their decorators);
- assignments (``=``, annotated) whose targets are plain names and whose value is built from
  literals, names, attributes, subscripts and operators, and calls only of functions of the
  pure modules in ``PURE_MODULES`` (``math``, ``numpy``, ``torch``'s tensor functions, ...),
  e.g. ``ALPHABET_SIZE = 27``, ``LOG2PI = math.log(2 * math.pi)``, ``dtype = torch.float32``
  or ``device = torch.device("cuda" if torch.cuda.is_available() else "cpu")``.

Everything else is dropped: expressions (plots, calls), loops (training), ``with``, ``if``
blocks, assignments that call anything else (``model = SimpleNet()``, data loaders), and the
lines of IPython magics (``%matplotlib inline``, ``!pip install ...``). A cell magic that only
measures or silences its cell (``%%time``, ``%%timeit``, ``%%capture``, with any arguments)
is a blank line and the rest of its cell is loaded by these rules; any other
(``%%bash``, ``%%writefile``, ``%%html``, ...) drops its cell. A cell with a syntax error is
dropped whole, a cell magic that drops a cell holding definitions is named, and a kept
statement that fails when run is skipped; each is reported by cell, so that a function they
would have defined is reported missing with the reason.

Plotting and widget libraries get stand-ins (``StandIns``, which the worker installs before
it loads any submission, a notebook or a .py file): ``matplotlib`` and its submodules,
``IPython`` (``IPython.display``) and ``ipywidgets`` are inert, ``tqdm.notebook`` is the plain
``tqdm`` (its widget needs ipywidgets), so that a graded function that draws a plot or a
progress bar runs, silently and at no cost; ``TQDM_DISABLE`` silences the real ``tqdm`` too.

The grader has no GPU: ``.cuda()`` and ``.to("cuda")`` run on the CPU when there is none, and
a kept constant naming a CUDA device (``device = "cuda"``, ``torch.device("cuda:0")``) names
the CPU instead, so that functions creating tensors on ``device`` run.
"""
from __future__ import annotations

import ast
import copy
import importlib.abc
import importlib.machinery
import json
import os
import re
import sys
import types

PURE_MODULES = frozenset(["math", "numpy", "torch", "string", "itertools", "functools",
                          "operator", "collections", "re", "random"])
# Calls under these names are not pure even in a pure module: they load, download or train.
IMPURE_PARTS = frozenset(["load", "save", "hub", "utils", "datasets", "download", "compile"])
# Cell magics that time or silence their cell but leave its code as it is; IPython reads
# the magic's name from the first line of the cell.
MEASURING_CELL_MAGICS = ("time", "timeit", "capture")
CUDA_DEVICE_NAME = re.compile(r"cuda(:\d+)?")
# The grader's own package, which a notebook imports for the student's check cell
# (``from autograder import check``): the grading needs nothing of it.
GRADER_PACKAGE = "autograder"
# Packages (with every submodule) that only draw or show: inert stand-ins replace them.
INERT_PACKAGES = frozenset(["matplotlib", "IPython", "ipywidgets"])
# tqdm's notebook bar needs ipywidgets; its stand-in is the plain bar.
TQDM_NOTEBOOK = "tqdm.notebook"


class Inert:
    """A plot, a figure, a widget: every attribute, call and item is the same inert object,
    it iterates over nothing and serves as a context manager, so drawing code runs through."""

    def __getattr__(self, name):
        if name.startswith("__"):  # introspection (copy, pickle, inspect) finds nothing
            raise AttributeError(name)
        return self

    def __call__(self, *args, **kwargs):
        return self

    def __getitem__(self, key):
        return self

    def __iter__(self):
        return iter(())

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        return False


INERT = Inert()


def _subplots(nrows=1, ncols=1, *args, squeeze=True, **kwargs):
    """A figure and its axes, as matplotlib lays them out (one, a row or a grid), so that
    ``fig, (left, right) = plt.subplots(1, 2)`` and ``axes[0, 1]`` work."""
    import numpy

    axes = numpy.empty((int(nrows), int(ncols)), dtype=object)
    for cell in numpy.ndindex(axes.shape):
        axes[cell] = INERT
    if squeeze:
        axes = axes.item() if axes.size == 1 else axes.squeeze()
    return INERT, axes


class StandIns(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``INERT_PACKAGES`` and ``tqdm.notebook`` as stand-ins, installed or not: an
    empty module each, nothing loaded, so importing one costs no memory."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname.split(".")[0] in INERT_PACKAGES or fullname == TQDM_NOTEBOOK:
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        return None  # the default module

    def exec_module(self, module):
        if module.__name__ == TQDM_NOTEBOOK:
            from tqdm import std

            module.tqdm = module.tqdm_notebook = std.tqdm
            module.trange = module.tnrange = std.trange
            return
        module.subplots = _subplots
        module.__getattr__ = INERT.__getattr__  # every other name: the inert object


def install_stand_ins() -> None:
    """Put the stand-ins first in the import system (once), and silence the real tqdm: a
    progress bar would only fill the part's captured output. The worker calls it before it
    loads a submission, a notebook or a .py file."""
    os.environ.setdefault("TQDM_DISABLE", "1")
    if not any(isinstance(finder, StandIns) for finder in sys.meta_path):
        sys.meta_path.insert(0, StandIns())


class Unavailable:
    """A name bound by an import that failed on the grader: any use raises
    ModuleNotFoundError naming the module, so only the functions that use it fail."""

    def __init__(self, module: str, where: str):
        self._module = module
        self._message = f"module {module} is not available on the grader (imported in {where})"

    def _fail(self, *args, **kwargs):
        raise ModuleNotFoundError(self._message, name=self._module)

    def __getattr__(self, name):
        if name.startswith("__"):  # introspection (copy, pickle, inspect) finds nothing
            raise AttributeError(name)
        self._fail()

    __call__ = __getitem__ = __iter__ = __enter__ = __exit__ = __mro_entries__ = _fail

    def __repr__(self):
        return f"<{self._message}>"


def cells_of(path: str) -> list[tuple[str, str]]:
    """(label, source) of each code cell of a notebook, or the whole of a .py file."""
    if not path.endswith(".ipynb"):
        with open(path, encoding="utf-8") as stream:
            return [(path.rsplit("/", 1)[-1], stream.read())]
    with open(path, encoding="utf-8") as stream:
        notebook = json.load(stream)
    cells = []
    for number, cell in enumerate(notebook.get("cells", []), start=1):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            cells.append((f"cell {number}", "".join(source) if isinstance(source, list) else source))
    return cells


def cell_magic(source: str) -> str | None:
    """The name of the cell magic a cell starts with ("%%timeit -n 3" -> "timeit"), or None."""
    first = next((line.strip() for line in source.splitlines() if line.strip()), "")
    return (first[2:].split() or [""])[0] if first.startswith("%%") else None


def without_magics(source: str) -> str:
    """The cell's Python: IPython magic and shell lines become blank (line numbers stay), the
    first line of a cell magic included; whether a cell magic drops its cell is
    ``load_definitions``'s to decide."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.splitlines())


def _skipped_cell_problem(label: str, magic: str, source: str) -> str | None:
    """Why the functions and classes of a cell dropped for its cell magic are missing; None
    where it defines none (a shell script, HTML), since no graded function can miss it."""
    try:
        tree = ast.parse(without_magics(source))
    except SyntaxError:
        return None
    names = [statement.name for statement in tree.body if isinstance(
        statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    if not names:
        return None
    return (f"{label} defines {', '.join(names)}, but the cell starting with %%{magic} was "
            "skipped: only %%time, %%timeit and %%capture cells are graded")


def _dotted(node) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def _pure_call(node: ast.Call, aliases: dict[str, str]) -> bool:
    name = _dotted(node.func)
    if name is None:
        return False
    root, *rest = name.split(".")
    module = aliases.get(root, "").split(".")[0]
    return module in PURE_MODULES and not IMPURE_PARTS.intersection(rest)


def _is_constant_expression(node, aliases: dict[str, str]) -> bool:
    for child in ast.walk(node):
        if isinstance(child, ast.Call) and not _pure_call(child, aliases):
            return False
        if isinstance(child, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
                              ast.GeneratorExp, ast.Await, ast.Yield, ast.YieldFrom,
                              ast.NamedExpr)):
            return False
    return True


def _imported_aliases(statement) -> dict[str, str]:
    if isinstance(statement, ast.Import):
        return {(alias.asname or alias.name.split(".")[0]): alias.name
                for alias in statement.names}
    if isinstance(statement, ast.ImportFrom) and statement.module:
        return {(alias.asname or alias.name): f"{statement.module}.{alias.name}"
                for alias in statement.names}
    return {}


def _imports_the_grader(statement) -> bool:
    modules = ([alias.name for alias in statement.names] if isinstance(statement, ast.Import)
               else [statement.module or ""])
    return any(module.split(".")[0] == GRADER_PACKAGE for module in modules)


def kept(statement, aliases: dict[str, str]) -> bool:
    """Whether a top-level statement is a definition the grader keeps (see the module doc)."""
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return not _imports_the_grader(statement)
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(statement, ast.Assign):
        return (all(isinstance(target, ast.Name) for target in statement.targets)
                and _is_constant_expression(statement.value, aliases))
    if isinstance(statement, ast.AnnAssign):
        return (isinstance(statement.target, ast.Name) and statement.value is not None
                and _is_constant_expression(statement.value, aliases))
    return False


def _imported_module(statement) -> str:
    """The module an import statement names ("import a.b as c", "from a.b import c": a.b)."""
    if isinstance(statement, ast.Import):
        return ", ".join(alias.name for alias in statement.names)
    return "." * statement.level + (statement.module or "")


def _bind_unavailable(statement, label: str, namespace: dict) -> None:
    """After ``statement`` (an import) failed: each name it would bind and that no earlier
    import bound stands for the module that is not there."""
    where = f"{label}, line {statement.lineno}"
    for name in _imported_aliases(statement):
        if name != "*" and name not in namespace:
            namespace[name] = Unavailable(_imported_module(statement), where)


def _without_unavailable_decorators(statement, namespace: dict):
    """A def or class without its decorators that name a module the grader lacks (``@njit``
    of numba, ``@profile`` of line_profiler): they speed up or measure what they decorate,
    which runs as written without them. Any other statement as it is."""
    if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return statement
    decorators = [decorator for decorator in statement.decorator_list if not any(
        isinstance(node, ast.Name) and isinstance(namespace.get(node.id), Unavailable)
        for node in ast.walk(decorator))]
    if len(decorators) == len(statement.decorator_list):
        return statement
    undecorated = copy.copy(statement)
    undecorated.decorator_list = decorators
    return undecorated


def load_definitions(path: str, namespace: dict) -> list[str]:
    """Run the kept statements of ``path`` in ``namespace``; returns what was dropped for
    an error, one line each ("cell 4: SyntaxError ..."). An import that fails is not one
    of them (see the module doc)."""
    problems = []
    aliases: dict[str, str] = {}
    for label, source in cells_of(path):
        magic = cell_magic(source)
        if magic is not None and magic not in MEASURING_CELL_MAGICS:
            problem = _skipped_cell_problem(label, magic, source)
            if problem:
                problems.append(problem)
            continue
        try:
            tree = ast.parse(without_magics(source), filename=label)
        except SyntaxError as error:
            problems.append(f"{label} has a syntax error (line {error.lineno}): {error.msg}; "
                            "nothing it defines was loaded")
            continue
        for statement in tree.body:
            aliases.update(_imported_aliases(statement))
            if not kept(statement, aliases):
                continue
            statement = _without_unavailable_decorators(statement, namespace)
            code = compile(ast.Module(body=[statement], type_ignores=[]), label, "exec")
            try:
                exec(code, namespace)  # noqa: S102 - this is the sandboxed worker
            except Exception as error:  # noqa: BLE001 - one failing statement costs only itself
                if isinstance(statement, (ast.Import, ast.ImportFrom)):
                    _bind_unavailable(statement, label, namespace)
                    continue
                problems.append(f"{label}, line {statement.lineno}: "
                                f"{type(error).__name__}: {error}")
                continue
            for name in _assigned_names(statement):
                namespace[name] = on_this_machine(namespace[name])
    return problems


def _assigned_names(statement) -> list[str]:
    if isinstance(statement, ast.Assign):
        return [target.id for target in statement.targets]
    if isinstance(statement, ast.AnnAssign):
        return [statement.target.id]
    return []


def on_this_machine(device):
    """``device`` as this machine can honour it: where it names a GPU ("cuda", "cuda:0", or a
    ``torch.device`` of them) and there is none, the CPU, in the same type (a student's code
    may read ``device.type``); any other value as it is."""
    torch = sys.modules.get("torch")
    if torch is None:  # nothing can create a tensor yet, so no value is a device
        return device
    if isinstance(device, torch.device):
        names_gpu, cpu = device.type == "cuda", torch.device("cpu")
    elif isinstance(device, str):
        names_gpu, cpu = CUDA_DEVICE_NAME.fullmatch(device.strip()) is not None, "cpu"
    else:
        return device
    return cpu if names_gpu and not torch.cuda.is_available() else device


def run_cuda_on_cpu() -> None:
    """Without a GPU, ``.cuda()`` and ``.to("cuda")`` keep tensors and modules on the CPU."""
    import torch

    if torch.cuda.is_available():
        return

    def to(original):
        def moved(self, *args, **kwargs):
            args = tuple(on_this_machine(arg) for arg in args)
            if "device" in kwargs:
                kwargs["device"] = on_this_machine(kwargs["device"])
            return original(self, *args, **kwargs)
        return moved

    torch.Tensor.cuda = lambda self, *args, **kwargs: self
    torch.nn.Module.cuda = lambda self, *args, **kwargs: self
    torch.Tensor.to = to(torch.Tensor.to)
    torch.nn.Module.to = to(torch.nn.Module.to)
