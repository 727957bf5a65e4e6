"""The leak detector that ``build`` runs: no function shipped in a handout computes the answer
of a graded function.

The handout holds the public checks, their helpers, the engine and the template, all in
Python that students read and can call. A helper that computes a graded answer (a mixture's
log-density written out to check a property against, say) would hand that answer over.

The search, for one assignment:

1. Every part of the assignment (its check) runs in this process against the reference,
   answered as the worker would answer (``InProcessStudent``): the inputs each check draws
   and the reference's answers are recorded, ``CALLS_PER_PART`` calls per part.
2. Every function defined at the top level of the handout's Python files (grading checks
   excepted: they take a student and return nothing) is called on those inputs, wherever its
   signature accepts them. One that gives the reference's answer on every input of a part is
   a suspect: for a function with hidden parts, on the inputs of a hidden part; for one
   graded by public parts only, on those of a public part.
3. A suspect of a hidden part runs that part's check in place of the student: if it passes,
   under the check's own tolerance, the build is refused. A suspect of a public-only
   function is refused as it is (no check states a tolerance for its value).

Calls that raise, take longer than ``CALL_SECONDS`` or do not fit the signature are not
matches. Steps 2 and 3 run in a forked process with an audit hook that refuses every side
effect (writing or deleting files, starting processes, signals, sockets, resource limits):
the engine's own functions are called with homework inputs there, and whatever they would do
with them must not touch the machine. (``isolation.kill_uid``, handed the energies
``tensor([0.])``, would SIGKILL every process of root: a process's uid 0 equals that tensor.)
"""
from __future__ import annotations

import functools
import importlib
import inspect
import io
import multiprocessing
import os
import pkgutil
import random
import signal
import sys
import time
import types
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from autograder.engine.check_runner import load_check
from autograder.engine.compare import as_float_array
from autograder.engine.config import Assignment
from autograder.engine.paths import PROJECT_ROOT
from autograder.sandbox import builders, loader, wire

CALLS_PER_PART = 12  # inputs recorded per part: a few dozen per graded function
CALL_SECONDS = 2.0  # one call of a handout function; slower is not a match
REPLAY_SECONDS = 20.0  # one suspect running one hidden part
SEARCH_SECONDS = 600.0  # the whole search, in its forked process
# Audit events (see the table in Python's documentation) that the search refuses.
SIDE_EFFECTS = frozenset([
    "os.chmod", "os.chown", "os.exec", "os.fork", "os.forkpty", "os.kill", "os.killpg",
    "os.link", "os.mkdir", "os.posix_spawn", "os.putenv", "os.remove", "os.rename",
    "os.rmdir", "os.spawn", "os.startfile", "os.symlink", "os.system", "os.truncate",
    "os.unsetenv", "os.utime", "resource.prlimit", "resource.setrlimit", "shutil.chown",
    "shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree", "shutil.move",
    "shutil.rmtree", "signal.pthread_kill", "socket.bind", "socket.connect",
    "subprocess.Popen", "ctypes.dlopen", "ctypes.dlsym",
])
WRITING = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


class HandoutLeak(Exception):
    """The handout holds a function that computes a graded answer."""


class _Stop(BaseException):
    """Ends a check at once. A BaseException: hypothesis lets it through without shrinking."""


class _Enough(_Stop):
    """The part has made CALLS_PER_PART calls: enough is recorded (or replayed)."""


class _Failed(_Stop):
    """The function answering a call raised, or took too long: not a match."""


@dataclass
class Call:
    """One call a check made: the function, its inputs as the check passed them (object
    specs unbuilt), the projections of the answer, the reference's answer as the check
    received it (plain data), and the part (its check's path) that made it."""

    function: str
    inputs: dict
    projections: list | None
    answer: object
    part: str


def reference_namespace() -> dict:
    """Every public name of the reference's topic modules, as a submission that imports them
    all with ``from reference.<topic> import *`` would hold them (the tests' reference
    submission)."""
    import reference

    namespace = {}
    for module in pkgutil.iter_modules(reference.__path__):
        if module.name != "mistakes":
            topic = importlib.import_module(f"reference.{module.name}")
            namespace.update({name: value for name, value in vars(topic).items()
                              if not name.startswith("_")})
    return namespace


def _plain(value):
    """``value`` reduced to data as the worker reduces an answer (``worker.to_plain``)."""
    if isinstance(value, torch.Tensor):
        tensor = value.detach().cpu()
        return (tensor.float() if tensor.dtype in (torch.bfloat16, torch.float16)
                else tensor).numpy().copy()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        items = [_plain(item) for item in value]
        if len(items) > 16 and all(type(item) in (int, float) for item in items):
            return np.array(items, dtype=np.float64)
        return items
    return value


def _as_sent(node):
    return (node.detach().cpu().numpy(), "tensor") if isinstance(node, torch.Tensor) else None


def _as_received(array, tag):
    return torch.from_numpy(array) if tag == "tensor" else array


def answer_as_the_worker(namespace: dict, function: str, inputs: dict, projections):
    """Call ``namespace[function]`` as the worker calls a student's function: on fresh copies
    of the inputs as they cross the wire, built from their specs, after the worker's seeds;
    the answer (or its projections) comes back as the trusted side receives it."""
    module = types.SimpleNamespace(**namespace)
    args = wire.decode(wire.encode(list(inputs.values()), to_array=_as_sent), _as_received)
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    args = builders.build_all(args, module)
    value = getattr(module, function)(*args)
    if projections is not None:
        value = [builders.project(value, projection, args) for projection in projections]
    return wire.decode(wire.encode(_plain(value)))


class InProcessStudent:
    """What a check sees of a submission (``call``, ``call_array``, ``call_projected``,
    ``note_expected``, as in ``engine.student``), answered in this process by ``namespace``.
    It stops the check with ``_Enough`` at its ``limit``-th call, and with ``_Failed`` when an
    answer raises or, with ``guarded``, when it takes longer than CALL_SECONDS. Calls are
    appended to ``calls``. ``models_only_named``: a call with no inputs (a class the check instantiates:
    a model) is recorded without an answer and ends the check, since no handout function
    can be compared with a model."""

    def __init__(self, namespace: dict, part: str, limit: int = CALLS_PER_PART,
                 guarded: bool = False, deadline: float = float("inf"),
                 models_only_named: bool = False):
        self.namespace, self.part, self.limit = namespace, part, limit
        self.guarded, self.deadline = guarded, deadline
        self.models_only_named = models_only_named
        self.calls: list[Call] = []

    def call(self, function: str, **inputs):
        return self.call_projected(function, None, **inputs)

    def call_array(self, function: str, shape: tuple, **inputs):
        """``call``, read as ``engine.student.Student.call_array`` reads it."""
        return as_float_array(function, self.call(function, **inputs), shape, inputs)

    def call_projected(self, function: str, projections, **inputs):
        if len(self.calls) >= self.limit:
            raise _Enough
        if time.monotonic() > self.deadline:
            raise _Failed
        if self.models_only_named and not inputs:
            self.calls.append(Call(function, inputs, projections, None, self.part))
            raise _Enough
        try:
            with _time_limit(CALL_SECONDS if self.guarded else None):
                answer = answer_as_the_worker(self.namespace, function, inputs, projections)
        except _Stop:
            raise
        except BaseException as error:  # noqa: BLE001 - sys.exit included: not an answer
            raise _Failed from error
        self.calls.append(Call(function, inputs, projections, answer, self.part))
        return answer

    def note_expected(self, value) -> None:
        pass


class _time_limit:
    """Raise ``_Failed`` in the code it wraps after ``seconds`` (None: no limit)."""

    def __init__(self, seconds: float | None):
        self.seconds = seconds

    def __enter__(self):
        if self.seconds is not None:
            self.previous = signal.signal(signal.SIGALRM, self._expire)
            signal.setitimer(signal.ITIMER_REAL, self.seconds)

    def __exit__(self, *exc):
        if self.seconds is not None:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)

    @staticmethod
    def _expire(signum, frame):
        raise _Failed


def run_part(check_path: str, student: InProcessStudent) -> bool:
    """Run one part's check against ``student``: True if it passed, or reached the student's
    call limit without failing."""
    try:
        load_check(check_path)(student)
    except _Enough:
        return True
    except BaseException:  # noqa: BLE001 - any other ending is a failure of the part
        return False
    return True


def record_reference_calls(assignment: Assignment) -> list[Call]:
    """Every part of ``assignment`` run against the reference: the calls its checks make
    (up to CALLS_PER_PART per part), with the reference's answers."""
    namespace = reference_namespace()
    calls = []
    for question in assignment.questions:
        for part in question.parts:
            student = InProcessStudent(namespace, part.check, models_only_named=True)
            run_part(part.check, student)
            calls += student.calls
    return calls


# Files of the package that run as scripts, never imported as its modules: ``python3 -m
# autograder``'s entry, and the worker, which imports the sandbox's files beside it as
# top-level modules (``import wire``).
RUN_AS_SCRIPTS = ("__main__.py", "sandbox/worker.py", "sandbox/zygote.py")


def handout_functions(files) -> list[tuple[str, types.FunctionType]]:
    """("file: name", function) for each function defined at the top level of the Python
    files ``files`` ((name in the handout, path) pairs), grading checks excepted. A module
    of this project is imported as itself (an error in it is raised, not taken for a file
    that is no module); a script (``RUN_AS_SCRIPTS``) and the template (a .py or a
    notebook) are loaded by their definitions only (``sandbox.loader``), as a notebook is
    graded, so that loading runs nothing."""
    found = []
    for name, path in files:
        namespace = _definitions(Path(path))
        for attribute, value in namespace.items():
            if (inspect.isfunction(value) and value.__globals__ is namespace
                    and not getattr(value, "is_grading_check", False)):
                found.append((f"{name}: {attribute}", value))
    return found


def _definitions(path: Path) -> dict:
    module = _module_name(path)
    if module is not None:
        return vars(importlib.import_module(module))
    namespace = {"__name__": f"handout {path.name}", "__file__": str(path)}
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        loader.load_definitions(str(path), namespace)
    return namespace


def _module_name(path: Path) -> str | None:
    """The module a file of this project's ``autograder`` package is, if it is one and is
    imported as one (not a script: ``RUN_AS_SCRIPTS``)."""
    try:
        relative = path.resolve().relative_to(PROJECT_ROOT / "autograder")
    except ValueError:
        return None
    if path.suffix != ".py" or relative.as_posix() in RUN_AS_SCRIPTS:
        return None
    parts = ["autograder", *relative.with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _matches(candidate, calls: list[Call], namespace: dict) -> bool:
    """Whether ``candidate``, called in place of the graded function, gives the recorded
    answer to every one of ``calls`` (a loose comparison: the suspects it lets through are
    judged by the checks themselves)."""
    try:
        _signature(candidate).bind(*calls[0].inputs.values())
    except (TypeError, ValueError):
        return False
    for call in calls:
        try:
            with _time_limit(CALL_SECONDS):
                got = answer_as_the_worker(dict(namespace, **{call.function: candidate}),
                                           call.function, call.inputs, call.projections)
        except BaseException:  # noqa: BLE001 - a call that fails (or exits) is not a match
            return False
        if not _close(got, call.answer):
            return False
    return True


@functools.cache
def _signature(function) -> inspect.Signature:
    return inspect.signature(function)


def _close(got, expected) -> bool:
    if isinstance(expected, list):
        return (isinstance(got, list) and len(got) == len(expected)
                and all(_close(g, e) for g, e in zip(got, expected)))
    if expected is None or isinstance(expected, (str, bool)):
        return type(got) is type(expected) and got == expected
    try:
        got, expected = (np.asarray(value, dtype=np.float64) for value in (got, expected))
    except (TypeError, ValueError):
        return False
    if got.size == expected.size == 1:
        got, expected = got.reshape(()), expected.reshape(())
    if got.shape != expected.shape:
        return False
    finite = np.isfinite(expected)
    scale = 1 + float(np.abs(expected[finite]).max(initial=0.0))
    with np.errstate(invalid="ignore"):
        return bool(np.all(np.where(finite, np.abs(got - expected) <= 1e-4 * scale,
                                    (got == expected) | (np.isnan(got) & np.isnan(expected)))))


def find_leaks(calls: list[Call], candidates, namespace: dict) -> list[str]:
    """The leaks among ``candidates`` (see the module's docstring), in words: at most one per
    candidate."""
    by_part: dict[tuple[str, str], list[Call]] = {}
    for call in calls:
        if call.inputs:  # a class called with nothing (a model): no answer to compare
            by_part.setdefault((call.function, call.part), []).append(call)
    hidden = {function for function, part in by_part if part.startswith("hidden.")}
    leaks = []
    for label, candidate in candidates:
        for (function, part), part_calls in by_part.items():
            leak = _leak(label, candidate, function, part, part_calls, hidden, namespace)
            if leak is not None:
                leaks.append(leak)
                break
    return leaks


def _leak(label, candidate, function, part, part_calls, hidden, namespace) -> str | None:
    """Why ``candidate`` computes ``function``, judged on the calls of ``part``, if it does."""
    if part.startswith("hidden.") != (function in hidden):
        return None  # a function with hidden parts is judged on those alone
    if not _matches(candidate, part_calls, namespace):
        return None
    if function not in hidden:
        return (f"{label} computes the graded '{function}': it gives the reference's answer "
                f"to every input of {part}")
    if _passes(candidate, function, part, namespace):
        return f"{label} computes the graded '{function}': it passes {part}"
    return None


def _passes(candidate, function: str, part: str, namespace: dict) -> bool:
    """Whether ``candidate``, submitted as ``function``, passes the check of ``part``."""
    student = InProcessStudent(dict(namespace, **{function: candidate}), part, guarded=True,
                               deadline=time.monotonic() + REPLAY_SECONDS)
    return run_part(part, student)


def _refuse_side_effects(event: str, args) -> None:
    if event in SIDE_EFFECTS or (event == "open" and len(args) >= 3 and (
            (isinstance(args[1], str) and any(mode in args[1] for mode in "wax+"))
            or (isinstance(args[2], int) and args[2] & WRITING))):
        raise PermissionError(f"the leak detector refuses {event}")


def _search(connection, calls, candidates, namespace) -> None:
    """The forked process: steps 2 and 3, with every side effect refused."""
    sys.dont_write_bytecode = True
    sys.addaudithook(_refuse_side_effects)
    with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
        leaks = find_leaks(calls, candidates, namespace)
    connection.send(leaks)


def refuse_answers(assignment: Assignment, files, calls: list[Call] | None = None) -> None:
    """Raise ``HandoutLeak`` naming each handout function (of the Python ``files``, (name,
    path) pairs) that computes a graded function's answer; see the module's docstring.
    ``calls``: ``record_reference_calls(assignment)``, if already made."""
    torch.set_num_threads(1)
    if calls is None:
        calls = record_reference_calls(assignment)
    candidates = handout_functions(files)
    context = multiprocessing.get_context("fork")
    receiving, sending = context.Pipe(duplex=False)
    search = context.Process(target=_search, args=(sending, calls, candidates,
                                                   reference_namespace()), daemon=True)
    search.start()
    sending.close()
    try:
        if not receiving.poll(SEARCH_SECONDS):
            raise RuntimeError(f"the leak detector did not finish in {SEARCH_SECONDS:g} s")
        leaks = receiving.recv()
    except EOFError:
        raise RuntimeError(f"the leak detector stopped (exit code {search.exitcode})") from None
    finally:
        if search.is_alive():
            search.kill()
        search.join()
    if leaks:
        raise HandoutLeak(f"the handout of '{assignment.name}' would give answers away; "
                          "these functions compute a graded function's answer:\n  "
                          + "\n  ".join(leaks))
