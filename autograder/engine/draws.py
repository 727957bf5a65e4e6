"""Recorded draws: the inputs each check draws, recorded once and replayed at every grading.

Drawing inputs is about half of a grading's time, yet for a check that passes, what hypothesis
draws depends on nothing but the check's declaration (strategies, seed, number of examples) and
the code and libraries that draw, never on the student. So a grading of the reference records
every example each check runs (``Draws.recorder``), and later gradings replay them in order
(``Draws.replay``). A submission that passes all of them has passed exactly the examples
hypothesis would have run. At the first one it fails, the check is run by hypothesis from the
start, so the example shown (shrunk), the message and the known mistake named are those of a
grading without a recording: a recording changes a grading's time, never its results. (A hang
or a crash ends the part at once, at the same example in both: the replay reports it itself.)

A recording holds for the code and versions it was made with (``fingerprint``): a change to the
sources of ``autograder`` or ``reference``, or to hypothesis, NumPy, torch or Python, makes it
stale, and a stale recording is never replayed. setup.sh records (``python3 -m autograder
record``), never a grading. The files sit in the package, protected from the worker as the
hidden checks are (they hold hidden inputs; no zip ships them), and a grading reads them before
any student code runs.
"""
from __future__ import annotations

import functools
import hashlib
import io
import pickle
import sys
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import hypothesis
import numpy
import torch
from hypothesis.errors import HypothesisDeprecationWarning, UnsatisfiedAssumption
from hypothesis.strategies import DataObject

from autograder.engine.check_runner import CheckResult
from autograder.engine.failures import Abort, mistakes_seen
from autograder.engine.paths import PACKAGE_DIR, REFERENCE_DIR

RECORDINGS_DIR = PACKAGE_DIR / ".draws"

UNPICKLABLE = (pickle.PicklingError, TypeError, AttributeError)  # a check left unrecorded


def fingerprint() -> str:
    """A digest of everything that decides what the checks draw: the project's sources and the
    versions of the libraries and of Python."""
    digest = hashlib.sha256()
    versions = (hypothesis.__version__, numpy.__version__, torch.__version__,
                sys.version_info[:2])
    digest.update(repr(versions).encode())
    for folder in (PACKAGE_DIR, REFERENCE_DIR):
        for path in sorted(folder.rglob("*.py")):
            digest.update(path.relative_to(folder.parent).as_posix().encode() + b"\0")
            digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _tensor(array: numpy.ndarray) -> torch.Tensor:
    return torch.from_numpy(array).clone()  # a tensor of its own, resizable as any other


class _Pickler(pickle.Pickler):
    """Pickles a plain tensor that owns its whole storage as its NumPy array: unpickling
    torch's own format takes a fifth of a replayed grading, this a few percent."""

    def reducer_override(self, obj):
        if (type(obj) is torch.Tensor and obj.layout == torch.strided and obj.device.type == "cpu"
                and not obj.requires_grad and obj.is_contiguous() and obj.storage_offset() == 0
                and obj.untyped_storage().nbytes() == obj.numel() * obj.element_size()):
            try:
                return _tensor, (obj.numpy(),)
            except (TypeError, RuntimeError):  # a dtype NumPy has not (bfloat16)
                pass
        return NotImplemented


def _dumps(value) -> bytes:
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def recording_path(assignment_name: str) -> Path:
    return RECORDINGS_DIR / f"{assignment_name}.pickle"


class Draws:
    """The recorded examples of one assignment's checks, by check path; or a recorder that
    collects them while the reference is graded."""

    def __init__(self, examples: dict[str, list["Example"]] | None = None,
                 recording: bool = False):
        self.examples = examples or {}
        self.is_recorder = recording

    @classmethod
    def recorder(cls) -> Draws:
        return cls(recording=True)

    @classmethod
    def load(cls, assignment_name: str) -> Draws:
        """The assignment's recording where there is one made by this very code, else none
        (then every check draws as hypothesis does). The file is its fingerprint on a line,
        then the pickle: a recording of other code is never even unpickled."""
        try:
            header, _, body = recording_path(assignment_name).read_bytes().partition(b"\n")
        except OSError:
            return cls()
        if header != fingerprint().encode():
            return cls()
        try:
            return cls(pickle.loads(body))
        except Exception:  # noqa: BLE001 - a damaged recording: draw as without one
            return cls()

    def save(self, assignment_name: str) -> Path:
        """Write the recording (beside, then renamed: a reader never sees half a file)."""
        RECORDINGS_DIR.mkdir(mode=0o700, exist_ok=True)
        path = recording_path(assignment_name)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(fingerprint().encode() + b"\n"
                            + _dumps(self.examples))
        partial.replace(path)
        return path

    def replay(self, path: str, check: Callable, student) -> CheckResult | None:
        """Run ``check`` (by ``path``) on its recorded examples, in order: its result where
        every example passed, or where one ended the part (``Abort``: a hang, a crash, the
        part's time), as it would have ended hypothesis's run at the same example. None
        where there is no recording or an example failed: then hypothesis runs the check,
        with a fresh student, to find and shrink the failing example itself."""
        examples = self.examples.get(path)
        if not examples or not hasattr(check, "hypothesis"):
            return None
        body = check.hypothesis.inner_test
        # A check may call ``assume``, which hypothesis deprecates outside its own runs; here
        # it rejects the very examples it rejected when recorded.
        with mistakes_seen(), warnings.catch_warnings():
            warnings.simplefilter("ignore", HypothesisDeprecationWarning)
            for example in examples:
                replayed = {name: _Replayed(values, example.stopped)
                            for name, values in example.drawn.items()}
                try:
                    body(student, **pickle.loads(example.arguments), **replayed)
                except (UnsatisfiedAssumption, _Stopped):
                    continue
                except Abort as abort:
                    return CheckResult(False, abort.message)
                except Exception:  # noqa: BLE001 - hypothesis's to find again and shrink
                    return None
                if any(data.unread for data in replayed.values()):
                    return None  # drew less than the reference did: not the recorded run
        return CheckResult(True)

    @contextmanager
    def recording(self, path: str, check: Callable):
        """While the block runs ``check``, record every example it runs; ``keep`` (called with
        whether the check passed) stores them. A no-op but for a recorder."""
        if not self.is_recorder or not hasattr(check, "hypothesis"):
            yield lambda passed: None
            return
        examples: list[Example] = []
        unrecordable: list[Exception] = []
        body = check.hypothesis.inner_test

        @functools.wraps(body)  # hypothesis seeds an unseeded check from its body's digest
        def recorded(*args, **kwargs):
            arguments = {name: kwargs[name] for name in check.drawn_arguments}
            data = {name: value for name, value in arguments.items()
                    if isinstance(value, DataObject)}
            plain = {name: value for name, value in arguments.items() if name not in data}
            try:
                example = Example(_dumps(plain),
                                  {name: [] for name in data})
            except UNPICKLABLE as error:
                unrecordable.append(error)
                return body(*args, **kwargs)
            examples.append(example)
            for name in data:
                kwargs[name] = _Recording(data[name], example, name, unrecordable)
            return body(*args, **kwargs)

        def keep(passed: bool) -> None:
            if passed and not unrecordable:
                self.examples[path] = examples

        check.hypothesis.inner_test = recorded
        try:
            yield keep
        finally:
            check.hypothesis.inner_test = body


@dataclass
class Example:
    """One example as a check ran it: its drawn arguments (pickled before the check could
    change them), and for each ``st.data()`` argument the values the check drew from it, in
    order; ``stopped`` where hypothesis ended it inside such a draw (out of data, or a draw
    its strategy rejected), after the check had perhaps called the student already."""
    arguments: bytes
    drawn: dict[str, list[bytes]]
    stopped: bool = False


class _Recording:
    """An ``st.data()`` argument that keeps in ``example`` what the check draws from it."""

    def __init__(self, data: DataObject, example: Example, name: str,
                 unrecordable: list[Exception]):
        self._data = data
        self._example = example
        self._values = example.drawn[name]
        self._unrecordable = unrecordable

    def draw(self, strategy, label=None):
        try:
            value = self._data.draw(strategy, label)
        except BaseException:
            self._example.stopped = True
            raise
        try:
            self._values.append(_dumps(value))
        except UNPICKLABLE as error:
            self._unrecordable.append(error)
        return value


class _Misaligned(Exception):
    """The check drew more from ``st.data()`` than it did when recorded."""


class _Stopped(BaseException):
    """Where hypothesis ended the recorded example (a BaseException, as hypothesis's own
    ``StopTest``, so that no check's ``except Exception`` takes it)."""


class _Replayed:
    """An ``st.data()`` argument that gives back, in order, what the recorded run drew."""

    def __init__(self, values: list[bytes], stopped: bool):
        self._values = list(values)
        self._stopped = stopped

    @property
    def unread(self) -> bool:
        return bool(self._values)

    def draw(self, strategy, label=None):
        if not self._values:
            raise _Stopped if self._stopped else _Misaligned
        return pickle.loads(self._values.pop(0))
