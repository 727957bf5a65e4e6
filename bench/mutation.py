"""Mutation score of the grader: the share of small wrong variants of the reference that lose points.

    python3 bench/mutation.py --assignment hw4 [--function nll_loss] [--jobs 2] [--json PATH]

For every graded function (each function or class the assignment's checks call), mutants of
its reference implementation are made at the AST level, one mutation each, with the operators
of ``OPERATORS`` (the mistakes students of this course make: a sign, ``*`` for ``/``, a factor
dropped or applied twice, a stable form replaced by the naive one, ``sum``/``mean``,
``min``/``max``, ``argmin``/``argmax``, a reduction axis, off by one in a range or a slice,
``<``/``<=``, two arguments swapped, an expression replaced by zeros or ones of its shape).

Each mutant is then

1. compared with the reference on many inputs of the function's domain (the inputs the
   checks draw, recorded by running every part against the reference, and draws from every
   strategy of ``strategies.DOMAINS``), in float64 where the reference runs in float64, with
   each call made as the worker makes it. Same answers everywhere: **equivalent** (not a
   miss, and not graded). A mutant that raises on every input the reference answers is
   **discarded**: it is not the mutant the operator meant (a swap of two arguments of
   different shapes, zeros of a float), and a crash is caught trivially;
2. written as a submission (``staff.samples.reference_submission``: the reference, with this
   one function replaced by its mutant, the rest correct) and graded by the normal grading
   function (``grading.grade_and_write``) through the regrade's parallel runner, on the parts
   whose checks call the mutated function (no other part can see it): **caught** if one of
   them fails, else **survived**.

Output: per function, mutants generated (discarded ones excluded), caught, equivalent,
survived; every survivor as a diff; a summary line with the mutation score, caught divided
by non-equivalent; the whole as JSON (``bench/mutation/<assignment>.json`` for a run over a
whole assignment).

Why a small ``ast.NodeTransformer`` rather than mutmut (3.8) or cosmic-ray (8.7): both mutate
a whole project's files and judge a mutant by a test command's exit status, so each mutant
would cost a pytest run over the reference, and neither can write "this function mutated,
the rest correct" as a student submission nor grade it with the grader. Their operators are
generic (every constant, every string); the ones here are the course's mistakes, and they
know torch (``logsumexp``, ``softmax``, ``dim=``).
"""
from __future__ import annotations

import argparse
import ast
import copy
import difflib
import importlib
import inspect
import json
import pkgutil
import shutil
import signal
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from hypothesis import HealthCheck, Phase, given, settings

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import reference  # noqa: E402
from autograder.checks.strategies import DOMAINS, LARGE  # noqa: E402
from autograder.engine.config import Assignment, load_assignment  # noqa: E402
from autograder.staff import leaks, regrade  # noqa: E402
from autograder.staff.export import Submission  # noqa: E402
from autograder.staff.progress import Progress  # noqa: E402
from autograder.staff.samples import reference_submission  # noqa: E402

RESULTS = ROOT / "bench" / "mutation"
MAX_PER_OPERATOR = 8  # mutants of one operator in one function, spread over its sites
DRAWS_PER_VARIANT = 100  # random inputs per strategy of the function's domain
WIDENING = 100.0  # each draw also scaled up by this much, within the contract's magnitudes
CALL_SECONDS = 5.0  # one call in the equivalence test; a slower mutant is not equivalent
GRADING_TIMEOUT = 600.0  # one mutant's grading
RTOL, ATOL = 1e-9, 1e-12  # equivalent: equal to float64 rounding of a reassociated sum

# ---- the mutation operators: each maps an AST node to its mutants, (label, new node) ----

Mutations = list[tuple[str, ast.AST]]


def _expr(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def _src(node: ast.AST) -> str:
    return ast.unparse(node)


def _call_name(node: ast.AST) -> str | None:
    """``torch.logsumexp(...)``, ``x.sum(...)``, ``max(...)`` -> the called name."""
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute):
            return node.func.attr
        if isinstance(node.func, ast.Name):
            return node.func.id
    return None


def _renamed(node: ast.Call, name: str) -> ast.Call:
    new = copy.deepcopy(node)
    if isinstance(new.func, ast.Attribute):
        new.func.attr = name
    else:
        new.func.id = name
    return new


def sign(node: ast.AST) -> Mutations:
    """``+`` <-> ``-``, a unary minus dropped."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        flipped = ast.BinOp(node.left, ast.Sub() if isinstance(node.op, ast.Add) else ast.Add(),
                            node.right)
        return [("+ <-> -", flipped)]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return [("minus dropped", node.operand)]
    return []


def _sign(node: ast.AST, parent: ast.AST | None) -> Mutations:
    """``sign``, but not on an axis (``dim=-1``): changing an axis is ``axis``'s."""
    return [] if isinstance(parent, ast.keyword) else sign(node)


def mul_div(node: ast.AST) -> Mutations:
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
        return [("* <-> /", ast.BinOp(node.left, ast.Div() if isinstance(node.op, ast.Mult)
                                      else ast.Mult(), node.right))]
    return []


def factor(node: ast.AST) -> Mutations:
    """A factor dropped (either side of ``*``, the divisor of ``/``) or applied twice; a number
    in a product or a quotient doubled."""
    found = []
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        found += [("factor dropped", node.left), ("factor dropped", node.right),
                  ("factor applied twice", ast.BinOp(node, ast.Mult(), node.right))]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        found += [("divisor dropped", node.left),
                  ("divisor applied twice", ast.BinOp(node, ast.Div(), node.right))]
    return found


def number_doubled(node: ast.AST, parent: ast.AST | None) -> Mutations:
    if (isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value
            and isinstance(parent, ast.BinOp)):
        return [("number doubled", ast.Constant(node.value * 2))]
    return []


# name -> the naive form, from the stable call's first argument X and its axis D
NAIVE = {
    "logsumexp": "torch.log(torch.exp({x}).sum(dim={d}))",
    "softmax": "torch.exp({x}) / torch.exp({x}).sum(dim={d}, keepdim=True)",
    "log_softmax": "torch.log(torch.softmax({x}, dim={d}))",
    "softplus": "torch.log(1 + torch.exp({x}))",
    "sigmoid": "1 / (1 + torch.exp(-({x})))",
    "xlogy": "{x} * torch.log({y})",
}


def _operands(node: ast.Call) -> tuple[list[ast.expr], dict]:
    """The positional operands of a call, the receiver first for a method (``x.sum(1)``)."""
    receiver = node.func.value if isinstance(node.func, ast.Attribute) else None
    module_call = isinstance(receiver, (ast.Name, ast.Attribute)) and _src(receiver) in (
        "torch", "F", "torch.special", "torch.nn.functional", "math", "np")
    args = list(node.args) if module_call or receiver is None else [receiver, *node.args]
    return args, {keyword.arg: keyword.value for keyword in node.keywords}


def naive(node: ast.AST) -> Mutations:
    """A stable form replaced by the naive one: logsumexp -> log(sum(exp)), softplus ->
    log(1 + exp), log_softmax -> log(softmax), softmax and sigmoid written out."""
    name = _call_name(node)
    if name not in NAIVE:
        return []
    args, keywords = _operands(node)
    if not args:
        return []
    dim = keywords.get("dim", args[1] if len(args) > 1 and name != "xlogy" else None)
    if "{d}" in NAIVE[name] and dim is None:
        return []
    text = NAIVE[name].format(x=_src(args[0]), d=_src(dim) if dim is not None else "",
                              y=_src(args[1]) if len(args) > 1 else "")
    return [(f"{name} written naively", _expr(text))]


SWAPS = {"sum": "mean", "mean": "sum", "min": "max", "max": "min", "argmin": "argmax",
         "argmax": "argmin", "amin": "amax", "amax": "amin"}


def reduction(node: ast.AST) -> Mutations:
    """sum <-> mean, min <-> max, argmin <-> argmax (methods, torch functions, builtins)."""
    name = _call_name(node)
    return [(f"{name} -> {SWAPS[name]}", _renamed(node, SWAPS[name]))] if name in SWAPS else []


AXIS_CALLS = {"sum", "mean", "logsumexp", "softmax", "log_softmax", "argmin", "argmax", "min",
              "max", "amin", "amax", "cumsum", "stack", "cat", "norm", "squeeze", "unsqueeze"}


def axis(node: ast.AST) -> Mutations:
    """The reduction axis changed: 0 -> 1, any other -> 0 (``dim=`` or positional)."""
    name = _call_name(node)
    if name not in AXIS_CALLS:
        return []
    args, keywords = _operands(node)
    dim = keywords.get("dim", args[1] if len(args) > 1 else None)
    if not (isinstance(dim, ast.Constant) and type(dim.value) is int) and not (
            isinstance(dim, ast.UnaryOp) and isinstance(dim.operand, ast.Constant)):
        return []
    new = copy.deepcopy(node)
    target = ast.Constant(1 if _src(dim) == "0" else 0)
    if "dim" in keywords:
        next(k for k in new.keywords if k.arg == "dim").value = target
    else:
        new.args[node.args.index(dim)] = target
    return [(f"axis {_src(dim)} -> {target.value}", new)]


def _plus(expr: ast.expr | None, amount: int) -> ast.expr:
    if expr is None:
        return ast.Constant(amount)
    return ast.BinOp(expr, ast.Add() if amount > 0 else ast.Sub(), ast.Constant(abs(amount)))


def off_by_one(node: ast.AST) -> Mutations:
    """A range (``range``, ``torch.arange``) or a slice one longer or one shorter."""
    found = []
    if _call_name(node) in ("range", "arange") and node.args:
        stop = len(node.args) - 1 if len(node.args) <= 2 else 1
        for amount in (1, -1):
            new = copy.deepcopy(node)
            new.args[stop] = _plus(node.args[stop], amount)
            found.append((f"range end {amount:+d}", new))
        new = copy.deepcopy(node)
        if len(node.args) == 1:
            new.args.insert(0, ast.Constant(1))
        else:
            new.args[0] = _plus(node.args[0], 1)
        found.append(("range start +1", new))
    if isinstance(node, ast.Slice):
        for end in ("lower", "upper"):
            for amount in (1, -1):
                new = copy.deepcopy(node)
                setattr(new, end, _plus(getattr(node, end), amount))
                found.append((f"slice {end} {amount:+d}", new))
    return found


COMPARISONS = {ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt}


def comparison(node: ast.AST) -> Mutations:
    if isinstance(node, ast.Compare) and type(node.ops[0]) in COMPARISONS:
        new = copy.deepcopy(node)
        new.ops[0] = COMPARISONS[type(node.ops[0])]()
        return [("< <-> <=", new)]
    return []


def swap_arguments(node: ast.AST) -> Mutations:
    """Two adjacent positional arguments of a call swapped, or the operands of ``-``, ``/``,
    ``@``, ``**``."""
    found = []
    if isinstance(node, ast.Call):
        for index in range(len(node.args) - 1):
            new = copy.deepcopy(node)
            new.args[index], new.args[index + 1] = new.args[index + 1], new.args[index]
            found.append(("arguments swapped", new))
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Sub, ast.Div, ast.MatMult,
                                                            ast.Pow)):
        found.append(("operands swapped", ast.BinOp(node.right, node.op, node.left)))
    return found


def constant(node: ast.AST, parent: ast.AST | None) -> Mutations:
    """A computed value (a call or an arithmetic expression, as an operand, an argument or the
    value returned) replaced by zeros, or ones, of its shape."""
    if isinstance(node, (ast.Call, ast.BinOp)) and isinstance(parent, (ast.BinOp, ast.Call,
                                                                       ast.Return)):
        if isinstance(parent, ast.Call) and parent.func is node:
            return []
        return [(f"replaced by {kind} of its shape", _expr(f"torch.{kind}_like({_src(node)})"))
                for kind in ("zeros", "ones")]
    return []


OPERATORS: dict[str, Callable] = {
    "sign": _sign, "mul_div": mul_div, "factor": factor, "number": number_doubled,
    "naive": naive, "reduction": reduction, "axis": axis, "off_by_one": off_by_one,
    "comparison": comparison, "swap": swap_arguments, "constant": constant,
}
WITH_PARENT = {"sign", "number", "constant"}


# ---- mutants of one function ----

@dataclass
class Mutant:
    id: str
    function: str
    operator: str
    label: str
    line: int  # in the function's source
    source: str  # the whole mutated definition
    diff: str
    status: str = "pending"  # equivalent, discarded, caught, survived
    caught_by: list = field(default_factory=list)
    mistakes: list = field(default_factory=list)


def _sites(definition: ast.AST):
    """(node, parent) for every node of the definition's body that may be mutated: not the
    docstring, annotations, decorators, strings, or what a ``raise`` says."""
    body = definition.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    stack = [(statement, definition) for statement in reversed(body)]
    while stack:
        node, parent = stack.pop()
        if isinstance(node, (ast.Raise, ast.JoinedStr, ast.arg, ast.arguments)) or (
                isinstance(node, ast.Constant) and isinstance(node.value, str)):
            continue
        yield node, parent
        children = [child for name, child in ast.iter_fields(node)
                    if name not in ("returns", "annotation", "decorator_list")
                    for child in (child if isinstance(child, list) else [child])
                    if isinstance(child, ast.AST)]
        stack.extend((child, node) for child in reversed(children))


def _replace_in(parent: ast.AST, old: ast.AST, new: ast.AST) -> Callable[[], None]:
    """Put ``new`` where ``old`` is in ``parent``; returns the undo."""
    for name, value in ast.iter_fields(parent):
        if value is old:
            setattr(parent, name, new)
            return lambda: setattr(parent, name, old)
        if isinstance(value, list) and any(item is old for item in value):
            index = next(i for i, item in enumerate(value) if item is old)
            value[index] = new
            return lambda: value.__setitem__(index, old)
    raise LookupError("node not found in its parent")


def _spread(items: list, most: int) -> list:
    """At most ``most`` of ``items``, evenly spread (deterministic)."""
    if len(items) <= most:
        return items
    return [items[round(i * (len(items) - 1) / (most - 1))] for i in range(most)]


def make_mutants(function: str, source: str) -> list[Mutant]:
    """Every mutant of ``source`` (one top-level def or class) the operators make, at most
    MAX_PER_OPERATOR per operator, without duplicates or no-ops."""
    tree = ast.parse(textwrap.dedent(source))
    definition = tree.body[0]
    original = _src(definition)
    by_operator: dict[str, list] = {name: [] for name in OPERATORS}
    seen = {original}
    for node, parent in list(_sites(definition)):
        for name, operator in OPERATORS.items():
            for label, new in (operator(node, parent) if name in WITH_PARENT else operator(node)):
                undo = _replace_in(parent, node, new)
                text = _src(definition)
                undo()
                if text not in seen:
                    seen.add(text)
                    by_operator[name].append((label, getattr(node, "lineno", 0), text))
    mutants = []
    for name, found in by_operator.items():
        for label, line, text in _spread(found, MAX_PER_OPERATOR):
            diff = "".join(difflib.unified_diff((original + "\n").splitlines(True),
                                                (text + "\n").splitlines(True),
                                                "reference", "mutant", n=1))
            mutants.append(Mutant(f"{function}-{len(mutants) + 1:03d}", function, name, label,
                                  line, text + "\n", diff))
    return mutants


# ---- the graded functions of an assignment ----

@dataclass
class Graded:
    name: str
    module: object  # its reference module
    parts: list  # the checks that call it
    calls: list  # the calls those checks made of the reference (inputs, projections)
    uses: set = field(default_factory=set)  # the names its reference source mentions


def _names(source: str) -> set[str]:
    return {node.id for node in ast.walk(ast.parse(textwrap.dedent(source)))
            if isinstance(node, ast.Name)}


def graded_functions(assignment: Assignment) -> dict[str, Graded]:
    """Every function (or class) the assignment's checks call, with its reference module, the
    parts that call it and the calls they made, from a run of every part on the reference."""
    modules = [importlib.import_module(f"reference.{info.name}")
               for info in pkgutil.iter_modules(reference.__path__) if info.name != "mistakes"]
    found: dict[str, Graded] = {}
    for call in leaks.record_reference_calls(assignment):
        if call.function not in found:
            module = next(m for m in modules if getattr(getattr(m, call.function, None),
                                                        "__module__", None) == m.__name__)
            found[call.function] = Graded(call.function, module, [], [], _names(
                inspect.getsource(getattr(module, call.function))))
        graded = found[call.function]
        graded.calls.append(call)
        if call.part not in graded.parts:
            graded.parts.append(call.part)
    return found


# ---- equivalence on the domain ----

class _TooSlow(Exception):
    pass


def _expire(signum, frame):
    raise _TooSlow


def draws(strategy, count: int) -> list[dict]:
    """``count`` cases of ``strategy``, the same on every run."""
    found = []

    @settings(max_examples=count, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.generate])
    @given(case=strategy)
    def collect(case):
        found.append(case)

    collect()
    return found


def _widened(value):
    """Float32 tensors and model specs in float64: mutant and reference compared without
    float32 rounding (an exact widening of the grader's float32 inputs)."""
    if isinstance(value, torch.Tensor) and value.dtype == torch.float32:
        return value.double()
    if isinstance(value, dict):
        return {key: ("float64" if key == "dtype" and item == "float32" else _widened(item))
                for key, item in value.items()}
    if isinstance(value, list):
        return [_widened(item) for item in value]
    return value


def _answer(namespace: dict, function: str, inputs: dict, projections):
    """The answer as the trusted side receives it, or the exception, within CALL_SECONDS."""
    previous = signal.signal(signal.SIGALRM, _expire)
    # Repeated every second after the first: an alarm raised where Python swallows it (in a
    # garbage-collector callback) must not let a looping mutant run for ever.
    signal.setitimer(signal.ITIMER_REAL, CALL_SECONDS, 1.0)
    try:
        return leaks.answer_as_the_worker(namespace, function, inputs, projections)
    except Exception as error:  # noqa: BLE001 - an error is an answer that differs from a value
        return error
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def same(got, expected) -> bool:
    """Equal answers: the same structure and types, numbers equal up to float64 rounding
    (NaN equal to NaN, infinities equal to themselves)."""
    if isinstance(expected, (list, tuple)):
        return (isinstance(got, (list, tuple)) and len(got) == len(expected)
                and all(same(g, e) for g, e in zip(got, expected)))
    if expected is None or isinstance(expected, (str, bool, int)):
        return type(got) is type(expected) and got == expected
    try:
        got, expected = (np.asarray(value, dtype=np.float64) for value in (got, expected))
    except (TypeError, ValueError):
        return False
    if got.shape != expected.shape:
        return False
    close = np.isclose(got, expected, rtol=RTOL, atol=ATOL * (1 + np.nanmax(
        np.abs(np.where(np.isfinite(expected), expected, 0)), initial=0)), equal_nan=True)
    return bool(np.all(close | (got == expected)))


def answered(namespace: dict, function: str, raw: list) -> list[tuple]:
    """(inputs, projections, answer of ``namespace[function]``) for each (inputs, projections)
    of ``raw``, widened to float64 wherever the function accepts that; inputs on which it
    raises are left out."""
    cases = []
    for inputs, projections in raw:
        for candidate in (_widened(inputs), inputs):
            answer = _answer(namespace, function, candidate, projections)
            if not isinstance(answer, BaseException):
                cases.append((candidate, projections, answer))
                break
    return cases


def widest(case: dict) -> dict:
    """``case`` with its float64 tensors scaled together as far as the contract's magnitudes
    go (entries up to LARGE = 1e3, as its large energies), at most by WIDENING: the domain
    reaches beyond the moderate values most strategies draw, and a naive form that overflows
    only there differs on the domain."""
    tensors = [value for value in case.values()
               if isinstance(value, torch.Tensor) and value.dtype == torch.float64]
    largest = max((float(t.abs().max()) for t in tensors if t.numel()), default=0.0)
    factor = min(WIDENING, LARGE / largest) if largest > 0 else 1.0
    return {name: value * factor if any(value is t for t in tensors) else value
            for name, value in case.items()}


def equivalence_inputs(graded: Graded) -> list[tuple]:
    """The calls the checks made, DRAWS_PER_VARIANT draws of every strategy of the function's
    domain and each draw widened (``widest``) where it stays in the domain, with the
    reference's answers (computed once per function)."""
    raw = [(call.inputs, call.projections) for call in graded.calls]
    domain = DOMAINS.get(graded.name)
    for strategy in (domain.variants.values() if domain else ()):
        drawn = draws(strategy, DRAWS_PER_VARIANT)
        raw += [(case, None) for case in drawn]
        raw += [(wide, None) for wide in map(widest, drawn) if domain.violation(wide) is None]
    return answered(leaks.reference_namespace(), graded.name, raw)


def compiled(mutant: Mutant, module) -> object:
    """The mutant's function or class, its globals a copy of its reference module's: what it
    calls is the reference's own."""
    namespace = dict(vars(module))
    exec(compile(mutant.source, f"<mutant {mutant.id}>", "exec"), namespace)  # noqa: S102
    return namespace[mutant.function]


def judge_equivalence(mutant: Mutant, module, cases: list[tuple]) -> str:
    """"equivalent" (the reference's answer to every case of ``equivalence_inputs``),
    "discarded" (raises on every case) or "differs" (another answer somewhere: graded)."""
    try:
        candidate = compiled(mutant, module)
    except Exception:  # noqa: BLE001 - a mutant that cannot even be defined
        return "discarded"
    namespace = dict(leaks.reference_namespace(), **{mutant.function: candidate})
    differs, raised = False, 0
    for case, projections, expected in cases:
        got = _answer(namespace, mutant.function, case, projections)
        if isinstance(got, BaseException):
            raised += 1
            differs = True
            if isinstance(got, _TooSlow):
                break  # one slow call is enough: no need to wait for the others
            continue
        if not same(got, expected):
            differs = True
            break  # it differs: enough to know it must be graded
    if not cases:
        return "differs"  # no input the reference answers as data (a model): graded
    if raised == len(cases):
        return "discarded"
    return "differs" if differs else "equivalent"


# ---- grading the mutants ----

def _submission_code(mutant: Mutant, module) -> str:
    """The mutant as the end of a submission: the names of its reference module it uses (its
    private helpers included), then its definition."""
    used = sorted({node.id for node in ast.walk(ast.parse(mutant.source))
                   if isinstance(node, ast.Name) and node.id in vars(module)
                   and node.id != mutant.function and not node.id.startswith("__")})
    imports = f"from {module.__name__} import {', '.join(used)}\n" if used else ""
    return imports + mutant.source


def _apart(first: Graded, second: Graded) -> bool:
    """Whether mutants of the two can share a submission: no part calls both (a public check
    of a gradient calls the loss too), and neither calls the other (the reference's
    ``nll_loss_grad`` calls ``gibbs_distribution``: a mutated one would change it)."""
    return not (set(first.parts) & set(second.parts) or first.name in second.uses
                or second.name in first.uses)


def lanes(functions: dict[str, Graded]) -> list[list[str]]:
    """The functions split into lanes of functions pairwise ``_apart``: mutants of one lane
    share a submission, each judged by its own function's parts alone."""
    found: list[list[str]] = []
    for name in functions:
        lane = next((lane for lane in found if all(
            _apart(functions[name], functions[other]) for other in lane)), None)
        if lane is None:
            found.append([name])
        else:
            lane.append(name)
    return found


def rounds(lane: list[str], pending: dict[str, list[Mutant]]) -> list[list[Mutant]]:
    """Round r holds the r-th mutant of each function of the lane that has one: one
    submission, one worker, for several mutants."""
    depth = max((len(pending[name]) for name in lane), default=0)
    return [[pending[name][r] for name in lane if r < len(pending[name])] for r in range(depth)]


def grade_rounds(assignment: Assignment, functions: dict[str, Graded], batch: list[list[Mutant]],
                 work: Path, jobs: int, progress: Progress) -> None:
    """Grade rounds of mutants of the same functions, in parallel (the regrade's runner), on
    the parts that call those functions; set each mutant's status, the parts of its function
    that failed and the known mistakes they named."""
    checks = {check for mutant in batch[0] for check in functions[mutant.function].parts}
    questions = tuple(replace(q, parts=tuple(p for p in q.parts if p.check in checks))
                      for q in assignment.questions)
    selection = replace(assignment, questions=tuple(q for q in questions if q.parts))
    submissions = []
    for mutants in batch:
        name = f"round-{mutants[0].id}"  # each mutant is in one round
        code = "\n\n".join(_submission_code(m, functions[m.function].module) for m in mutants)
        reference_submission(work / "made" / name, assignment, extra_code=code)
        submissions.append(Submission(name, work / "made" / name, ()))
    regrade.run_all(selection, submissions, work / "graded", {s.id: s.id for s in submissions},
                     jobs, GRADING_TIMEOUT, progress)
    for submission, mutants in zip(submissions, batch):
        record = json.loads((work / "graded" / "submissions" / submission.id /
                             "grading.json").read_text())
        for mutant in mutants:
            own = set(functions[mutant.function].parts)
            failing = [part for part in record["parts"]
                       if part["check"] in own and not part["passed"]]
            mutant.caught_by = [part["check"] for part in failing]
            mutant.mistakes = sorted({name for part in failing for name in part["mistakes"]})
            mutant.status = ("caught" if failing else "survived"
                             if record["status"] == regrade.GRADED else "not graded")


def grade_all(assignment: Assignment, functions: dict[str, Graded],
              pending: dict[str, list[Mutant]], jobs: int) -> int:
    """Grade every pending mutant; returns the number of gradings it took. Consecutive rounds
    of a lane with the same functions are graded together, ``jobs`` at a time."""
    batches = []
    for lane in lanes(functions):
        for mutants in rounds(lane, pending):
            same_functions = batches and [m.function for m in batches[-1][-1]] == [
                m.function for m in mutants]
            if same_functions:
                batches[-1].append(mutants)
            else:
                batches.append([mutants])
    progress = Progress(sum(len(batch) for batch in batches), "gradings")
    work = Path(tempfile.mkdtemp(prefix="mutation-"))
    try:
        for batch in batches:
            grade_rounds(assignment, functions, batch, work, jobs, progress)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return progress.total


# ---- the run ----

def run(assignment_name: str, function: str | None, jobs: int, stream=sys.stdout) -> dict:
    """Make, judge and grade the mutants of every graded function of the assignment (or of
    ``function``), print the report on ``stream`` and return it."""
    started = time.monotonic()
    assignment = load_assignment(assignment_name)
    functions = graded_functions(assignment)
    if function is not None:
        if function not in functions:
            raise SystemExit(f"{function} is not graded in {assignment_name} "
                             f"(graded: {', '.join(sorted(functions))})")
        functions = {function: functions[function]}
    all_mutants: dict[str, list[Mutant]] = {}
    for name, graded in functions.items():
        mutants = make_mutants(name, inspect.getsource(getattr(graded.module, name)))
        inputs = equivalence_inputs(graded)
        for mutant in mutants:
            verdict = judge_equivalence(mutant, graded.module, inputs)
            mutant.status = "pending" if verdict == "differs" else verdict
        all_mutants[name] = mutants
    judged = time.monotonic()
    pending = sum(m.status == "pending" for ms in all_mutants.values() for m in ms)
    print(f"{assignment_name}: {pending} mutants to grade (equivalence judged in "
          f"{judged - started:.0f} s)", file=sys.stderr)
    gradings = grade_all(assignment, functions, {
        name: [m for m in mutants if m.status == "pending"] for name, mutants in all_mutants.items()},
        jobs)
    report = summarise(assignment_name, all_mutants, {
        "jobs": jobs, "gradings": gradings, "seconds": round(time.monotonic() - started),
        "equivalence_seconds": round(judged - started)})
    print_report(report, stream)
    return report


def _counts(mutants: list[Mutant]) -> dict:
    kept = [m for m in mutants if m.status != "discarded"]
    counts = {status: sum(m.status == status for m in kept)
              for status in ("caught", "equivalent", "survived", "not graded")}
    counts["generated"] = len(kept)
    counts["discarded"] = len(mutants) - len(kept)
    return counts


def _score(counts: dict) -> float | None:
    judged = counts["caught"] + counts["survived"]
    return round(100 * counts["caught"] / judged, 1) if judged else None


def summarise(assignment: str, all_mutants: dict, measured: dict) -> dict:
    """The JSON record: counts and score per function and in total, every mutant kept (with
    its diff where it was not caught), and what the run measured (jobs, gradings, seconds)."""
    totals = _counts([m for ms in all_mutants.values() for m in ms])
    return {
        "assignment": assignment,
        "command": f"python3 bench/mutation.py --assignment {assignment} --jobs {measured['jobs']}",
        **measured,
        "totals": dict(totals, score=_score(totals)),
        "functions": {
            name: dict(_counts(mutants), score=_score(_counts(mutants)), mutants=[
                {"id": m.id, "operator": m.operator, "label": m.label, "line": m.line,
                 "status": m.status, "caught_by": m.caught_by, "mistakes": m.mistakes,
                 **({"diff": m.diff} if m.status in ("survived", "equivalent") else {})}
                for m in mutants if m.status != "discarded"])
            for name, mutants in all_mutants.items()},
    }


def print_report(report: dict, stream) -> None:
    header = f"{'function':32} {'generated':>9} {'caught':>7} {'equiv.':>7} {'survived':>8}  score"
    print(header, file=stream)
    for name, counts in report["functions"].items():
        score = "-" if counts["score"] is None else f"{counts['score']:.1f} %"
        print(f"{name:32} {counts['generated']:9} {counts['caught']:7} "
              f"{counts['equivalent']:7} {counts['survived']:8}  {score}", file=stream)
    for name, counts in report["functions"].items():
        for mutant in counts["mutants"]:
            if mutant["status"] == "survived":
                print(f"\nSURVIVED {mutant['id']} ({mutant['operator']}: {mutant['label']})\n"
                      f"{mutant['diff']}", file=stream)
    totals = report["totals"]
    print(f"\n{report['assignment']}: {totals['generated']} mutants, {totals['caught']} caught, "
          f"{totals['equivalent']} equivalent, {totals['survived']} survived "
          f"({totals['discarded']} discarded: they raise on every input); mutation score "
          f"{totals['score']} % of the non-equivalent; {report['seconds']} s, "
          f"{report['gradings']} gradings, {report['jobs']} jobs", file=stream)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", required=True)
    parser.add_argument("--function", help="one graded function only")
    parser.add_argument("--jobs", type=int, default=regrade.default_jobs())
    parser.add_argument("--json", type=Path,
                        help="where to write the results (default, for a whole assignment: "
                             "bench/mutation/<assignment>.json)")
    args = parser.parse_args()
    report = run(args.assignment, args.function, args.jobs)
    path = args.json or (None if args.function else RESULTS / f"{args.assignment}.json")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
