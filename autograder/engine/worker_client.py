"""The trusted side's handle on a worker process (see ``autograder/sandbox/worker.py``).

One worker serves a whole grading run while it lives. Each reply is parsed here, once, into
one of the types of ``replies``. A call that times out, a crash, a ``sys.exit`` that escaped,
or an ``os._exit`` kills the worker's whole process group and comes back as ``TimedOut`` or
``WorkerDied``; the next call starts a fresh worker, so only the part in progress is lost.

A worker that cannot start, or cannot import its runtime, fails its hello: that is the
grader's environment failing, raised as ``GraderEnvironmentError`` with the cause in plain
words, and never charged to the student. The channel is the worker's standard input and
output; each exchange waits on it under a deadline (polling its pipes, or in a thread on
Windows, which cannot poll pipes), so a worker that stops answering never blocks the grader.
"""
from __future__ import annotations

import errno
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from autograder.engine import zygote_client
from autograder.engine.isolation import GraderEnvironmentError, Limits, Sandbox
from autograder.engine.replies import (CallReply, LimitHit, Loaded, LoadFailed, MissingFunction,
                                       Raised, TimedOut, UnsupportedReturn, Value, WorkerDied)
from autograder.sandbox import wire

STDERR_KEPT = 4000  # characters of a failed start's standard error shown to the staff


# Where the channel's pipes can be polled, an exchange waits on them under its deadline;
# elsewhere (Windows) it runs in a thread.
CHANNEL_POLLS = hasattr(select, "poll") and sys.platform != "win32"


class _Late(Exception):
    """An exchange's deadline passed."""


def _ready(fd: int, event: int, deadline: float) -> None:
    """Return when ``fd`` is ready for ``event`` (or closed at the other end); raises
    ``_Late`` if the deadline comes first."""
    poller = select.poll()
    poller.register(fd, event)
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise _Late
        if poller.poll(min(remaining, 3600) * 1000):
            return


class WorkerLost(Exception):
    """The worker is gone in the middle of an exchange; ``ending`` says how."""

    def __init__(self, ending: TimedOut | WorkerDied):
        super().__init__(ending.reason)
        self.ending = ending


def _tensor_to_array(node):
    if hasattr(node, "detach") and hasattr(node, "numpy"):
        return node.detach().cpu().numpy(), "tensor"
    return None


def _describe_exit(returncode: int | None, sandbox: Sandbox, student_code_ran: bool) -> str:
    """How a worker ended, in words; blames the student's code only where it could be."""
    if returncode is None:
        return "stopped answering"
    if returncode < 0:
        number = -returncode
        if number == signal.SIGKILL:
            return "was killed (SIGKILL), most likely because it ran out of memory"
        if number == signal.SIGSEGV:
            return "crashed with a segmentation fault"
        if number == getattr(signal, "SIGXCPU", None):
            return f"used more than its {sandbox.limits.cpu_seconds} s of CPU time"
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"was killed by {name}"
    if not student_code_ran:
        return f"exited with status {returncode}"
    return f"exited with status {returncode} (sys.exit or os._exit in your code?)"


def _startup_failure(greeting: dict | None, death: str | None, stderr: str,
                     sandbox: Sandbox) -> GraderEnvironmentError:
    """Why a worker failed its hello, in plain words for the course staff."""
    python = sys.executable
    last = " ".join(stderr.strip().splitlines()[-3:])[-1000:]
    limits = sandbox.limits
    under_limits = (f" under the sandbox's limits ({limits.memory_mb} MB of memory, "
                    f"{limits.open_files} open files)" if sandbox.mode == "confined" else "")
    if greeting is not None:
        cause = (f"the worker could not import {greeting.get('module') or 'its runtime'}"
                 f"{under_limits} ({_text(greeting, 'error_type')}: {_text(greeting, 'error')})")
    elif "No such file or directory" in stderr or "can't open file" in stderr:
        cause = (f"the worker could not start: the interpreter {python} or the worker's own "
                 f"files are not visible inside the sandbox ({last})")
    elif "Permission denied" in stderr:
        cause = (f"the worker could not start: its user may not run {python} or read its "
                 f"packages; run setup.sh as root ({last})")
    else:
        cause = (f"the worker could not start and import torch{under_limits}: it "
                 f"{death or 'failed'}" + (f" ({last})" if last else ""))
    return GraderEnvironmentError(
        f"The autograder's own environment failed before any student code ran: {cause}. "
        f"This is not the student's fault and no score was given (sandbox mode: "
        f"{sandbox.mode}, Python {sys.version.split()[0]}).")


# What the worker says in words reaches students and TAs; the worker's own caps are the
# student's to change, so the trusted side cuts every text again, and drops wrong types.
TEXT_LIMITS = {"output": 8192, "error": 2000, "error_type": 100, "where": 2000,
               "signature": 500}
PROBLEMS_KEPT, PROBLEM_LIMIT = 20, 500  # what loading reported: so many lines, so long


def _text(fields: dict, key: str) -> str | None:
    """The text ``fields[key]``, cut to its limit; None where it is missing or not text."""
    value = fields.get(key)
    return value[:TEXT_LIMITS[key]] if isinstance(value, str) else None


def _errno(fields: dict) -> int | None:
    """The exception's errno; None where there is none or it is not an integer (a bool is
    not one, though Python counts it as such)."""
    number = fields.get("errno")
    return number if isinstance(number, int) and not isinstance(number, bool) else None


def _error_type(fields: dict) -> str:
    """The type name of what the worker reports; "Error" where it gives none."""
    error_type = _text(fields, "error_type")
    return "Error" if error_type is None else error_type


def parse_load_reply(fields: dict) -> Loaded | LoadFailed:
    """What the worker's reply to ``load`` says, checked."""
    output = _text(fields, "output") or ""
    if fields.get("ok") is True:
        problems = fields.get("problems")
        kept = problems[:PROBLEMS_KEPT] if isinstance(problems, list) else []
        return Loaded(output, tuple(str(problem)[:PROBLEM_LIMIT] for problem in kept))
    error_type, error = _error_type(fields), _text(fields, "error") or ""
    reason = f"{error_type}: {error}" if error_type else error
    where = _text(fields, "where")
    return LoadFailed(output, reason + (f" (at {where})" if where else ""))


def parse_call_reply(fields: dict, limits: Limits, load_problems: tuple[str, ...]) -> CallReply:
    """What the worker's reply to ``call`` says, checked; ``limits`` word a limit hit and
    ``load_problems`` (what loading reported) go with a missing function."""
    output = _text(fields, "output") or ""
    if fields.get("ok") is True:
        return Value(output, fields.get("value"))
    error_type = _error_type(fields)
    if error_type == "MissingFunction":
        return MissingFunction(output, load_problems)
    error = _text(fields, "error") or ""
    if error_type == "Unsupported":
        return UnsupportedReturn(output, error)
    raised = Raised(output, error_type, error, _text(fields, "where"), _text(fields, "signature"))
    if raised.not_implemented or raised.exited:
        return raised  # a function that stops on purpose says so, whatever its message
    limit = _limit_hit(fields, error_type, limits)
    return raised if limit is None else LimitHit(output, limit)


def _limit_hit(fields: dict, error_type: str, limits: Limits) -> str | None:
    """A resource limit of the sandbox, in plain words, if the error was one."""
    if fields.get("out_of_memory") is True:
        return f"ran out of memory (the limit is {limits.memory_mb} MB)"
    number = _errno(fields)
    if number == errno.EFBIG:
        return f"wrote a file larger than the limit of {limits.file_mb} MB"
    if number == errno.EMFILE:
        return f"opened more files than the limit of {limits.open_files}"
    if number == errno.EAGAIN and error_type == "BlockingIOError":
        return f"started more processes than the limit of {limits.processes}"
    return None


def _keep_last_lines(stream, lines: list[str]) -> None:
    """Keep the end of what a worker writes on its standard error before its hello (after
    it, nothing comes: the worker points it at the null device)."""
    for line in iter(stream.readline, b""):
        lines.append(line.decode("utf-8", "replace"))
        del lines[:-40]


class WorkerClient:
    """Starts, feeds and kills workers for one submission file, inside ``sandbox``."""

    def __init__(self, submission: Path, module: str, sandbox: Sandbox,
                 load_timeout: float = 60.0, load_mode: str = "module"):
        self.submission = Path(submission).resolve()
        self.module = module
        self.load_mode = load_mode
        self.sandbox = sandbox
        self.load_timeout = load_timeout
        self.process: subprocess.Popen | None = None
        self._loaded: Loaded | LoadFailed | None = None  # the last loading's ending
        # Once a worker could not start, none will: every later start says so at once.
        self.environment_failure: GraderEnvironmentError | None = None
        self.greeting: dict = {}  # the last worker's hello: its Python, torch and memory

    # -- life cycle -------------------------------------------------------------------
    def start(self) -> None:
        """A fresh worker in a fresh scratch that has said hello, with the submission loaded.
        Raises ``GraderEnvironmentError`` when the worker cannot start or import its runtime."""
        submission_folder = self.launch()
        try:
            self._loaded = parse_load_reply(self._exchange(
                {"op": "load", "path": str(submission_folder / self.submission.name),
                 "module": self.module, "mode": self.load_mode}, self.load_timeout))
        except WorkerLost as lost:
            # Importing is deterministic: a file that kills its worker is not loaded again.
            self._loaded = LoadFailed("", f"importing it {lost.ending.reason}")

    @property
    def load_output(self) -> str:
        """What the submission printed while it was loaded last."""
        return "" if self._loaded is None else self._loaded.output

    def launch(self) -> Path:
        """Start a worker up to its hello (``self.greeting``), nothing of the student's loaded
        yet; returns the submission folder as the worker sees it."""
        if self.environment_failure is not None:
            raise self.environment_failure
        self.greeting = {}
        worker, submission_folder = self.sandbox.stage(self.submission.parent)
        command, environment = self.sandbox.command(worker)
        windows = sys.platform == "win32"
        try:
            self.process = self._forked() or subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                cwd=self.sandbox.home, env=environment, start_new_session=not windows,
                creationflags=subprocess.CREATE_NEW_PROCESS_GROUP if windows else 0)
        except OSError as error:
            self.environment_failure = _startup_failure(
                None, f"could not be started ({error})", str(error), self.sandbox)
            raise self.environment_failure from None
        self._request_write = self.process.stdin.fileno()
        self._reply_read = self.process.stdout.fileno()
        if windows:  # the channel carries bytes: no newline translation
            import msvcrt

            for fd in (self._request_write, self._reply_read):
                msvcrt.setmode(fd, os.O_BINARY)
        if CHANNEL_POLLS:  # an exchange waits on the pipes under its deadline, never in them
            for fd in (self._request_write, self._reply_read):
                os.set_blocking(fd, False)
        stderr: list[str] = []
        drain = threading.Thread(target=_keep_last_lines, args=(self.process.stderr, stderr),
                                 daemon=True)
        drain.start()
        forked = isinstance(self.process, zygote_client.AdoptedWorker)
        try:
            self._say_hello(drain, stderr)
        except GraderEnvironmentError:
            if not forked:
                raise
            # Only a worker started afresh may fail the environment: this one is started so.
            zygote_client.abandon()
            self.environment_failure = None
            return self.launch()
        return submission_folder

    def _forked(self) -> zygote_client.AdoptedWorker | None:
        """Confined mode: the worker forked by the zygote, where it serves; else None."""
        if self.sandbox.mode != "confined":
            return None
        return zygote_client.spawn(self.sandbox.confinement())

    def _say_hello(self, drain: threading.Thread, stderr: list[str]) -> None:
        greeting = death = None
        try:
            greeting = self._exchange(None, self.load_timeout)
        except WorkerLost as lost:
            death = lost.ending.reason
        if greeting is not None and greeting.get("ok") is True and greeting.get("op") == "hello":
            self.greeting = greeting
            if self.sandbox.mode == "confined" and isinstance(self.process, subprocess.Popen):
                zygote_client.runtime_proven(self.sandbox.confinement())
            return
        self.stop()
        drain.join(2)  # the worker is gone: what it wrote is all there
        self.environment_failure = _startup_failure(
            greeting, death, "".join(stderr)[-STDERR_KEPT:], self.sandbox)
        raise self.environment_failure

    def stop(self) -> None:
        """Kill the worker and everything it started, however it detached."""
        if self.process is None:
            return
        try:
            if hasattr(os, "killpg"):
                os.killpg(self.process.pid, signal.SIGKILL)
            else:
                self.process.kill()
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        self.sandbox.kill_all()
        for stream in (self.process.stdin, self.process.stdout, self.process.stderr):
            try:
                stream.close()
            except OSError:
                pass
        self.process = None

    def close(self) -> None:
        self.stop()
        self.sandbox.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- requests ---------------------------------------------------------------------
    def call(self, function: str, args: list, timeout: float, projections=None) -> CallReply:
        """Run one function (starting a worker if none runs); returns how the call ended."""
        if self.process is None and not isinstance(self._loaded, LoadFailed):
            self.start()
        if isinstance(self._loaded, LoadFailed):
            return self._loaded
        request = {"op": "call", "function": function, "args": args, "seed": 0}
        if projections is not None:
            request["project"] = projections
        try:
            fields = self._exchange(request, timeout)
        except WorkerLost as lost:
            return lost.ending
        reply = parse_call_reply(fields, self.sandbox.limits, self._loaded.problems)
        if isinstance(reply, LimitHit):
            self.stop()  # whatever the worker left behind must not reach the next part
        return reply

    def check_health(self, timeout: float = 5.0) -> None:
        """Stop a worker that no longer answers in turn (threads writing to the channel, a
        patched protocol): a nonce must come back in the very next answer."""
        if self.process is None:
            return
        nonce = os.urandom(8).hex()
        try:
            reply = self._exchange({"op": "ping", "nonce": nonce}, timeout)
        except WorkerLost:
            return
        if reply.get("nonce") != nonce:
            self.stop()

    def _talk(self, frame: bytes | None, timeout: float) -> bytes:
        """Write ``frame`` (if any) and read the reply's frame, within ``timeout``; raises
        ``_Late`` at the deadline, ``WireError`` or ``OSError`` where the channel broke."""
        if CHANNEL_POLLS:
            deadline = time.monotonic() + timeout
            if frame is not None:
                wire.write_frame(self._request_write, frame, lambda: _ready(
                    self._request_write, select.POLLOUT, deadline))
            return wire.read_frame(self._reply_read, lambda: _ready(
                self._reply_read, select.POLLIN, deadline))
        # Windows cannot poll a pipe: the exchange runs in a thread, abandoned at the deadline
        # (killing the worker closes its pipes, and the thread ends).
        outcome: dict = {}

        def talk():
            try:
                if frame is not None:
                    wire.write_frame(self._request_write, frame)
                outcome["reply"] = wire.read_frame(self._reply_read)
            except (wire.WireError, OSError) as error:
                outcome["error"] = error

        talker = threading.Thread(target=talk, daemon=True)
        talker.start()
        talker.join(timeout)
        if talker.is_alive():
            self.stop()
            talker.join(5)
            raise _Late
        if "error" in outcome:
            raise outcome["error"]
        return outcome["reply"]

    def _exchange(self, request: dict | None, timeout: float) -> dict:
        """Send ``request`` (None: only read) and return the reply's fields, unchecked but for
        being a dict, within ``timeout``; raises ``WorkerLost`` where the worker is gone. A
        worker that stops reading or answering cannot block the grader: at the deadline it is
        killed."""
        frame = None if request is None else wire.encode(request, to_array=_tensor_to_array)
        try:
            reply = self._talk(frame, timeout)
        except _Late:
            self.stop()
            raise WorkerLost(TimedOut(timeout)) from None
        except (wire.WireError, OSError) as error:
            try:
                returncode = self.process.wait(timeout=2)
            except subprocess.TimeoutExpired:
                returncode = None
            self.stop()
            if returncode is None:
                raise WorkerLost(WorkerDied(f"sent an unreadable answer ({error})")) from None
            raise WorkerLost(WorkerDied(_describe_exit(returncode, self.sandbox,
                                                       student_code_ran=bool(self.greeting))))
        try:
            reply = wire.decode(reply)
        except wire.WireError as error:
            self.stop()
            raise WorkerLost(WorkerDied(f"sent an unreadable answer ({error})")) from None
        if not isinstance(reply, dict):
            self.stop()
            raise WorkerLost(WorkerDied("sent an unreadable answer"))
        return reply


def preflight(limits: Limits, mode: str | None = None) -> dict:
    """Start a worker exactly as a grading would, under ``limits``, up to its hello, and
    return the greeting; raises ``GraderEnvironmentError`` with the cause if it fails.
    ``setup.sh`` runs it so that an image whose worker cannot load torch never ships."""
    with tempfile.TemporaryDirectory() as folder:
        client = WorkerClient(Path(folder) / "nothing.py", module="nothing",
                              sandbox=Sandbox(limits, mode=mode))
        try:
            client.launch()
            return client.greeting
        finally:
            client.close()
