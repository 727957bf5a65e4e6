"""The grading process's zygote (see ``autograder/sandbox/zygote.py``): confined workers forked
with the runtime already imported, instead of started afresh.

One zygote serves every grading of the process (the suite's, a TA's batch, the workers that
replace a crashed or timed-out one on Gradescope). It is an accelerator only: where it cannot
start or stops answering, ``spawn`` returns None and the worker is started afresh through the
launcher, which also reports a broken environment in plain words.
"""
from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograder.engine.isolation import ROOT_SCRATCH_BASE, SPARED, copy_worker_code

ANSWER_TIMEOUT = 60.0  # seconds, as a worker's hello: its first answer waits for its imports
PID = struct.Struct(">q")


class AdoptedWorker:
    """A worker the zygote forked and this process adopted (it is a child subreaper): the
    parts of ``subprocess.Popen`` that ``WorkerClient`` uses."""

    def __init__(self, pid: int, stdin, stdout, stderr):
        self.pid = pid
        self.stdin, self.stdout, self.stderr = stdin, stdout, stderr
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:  # reaped elsewhere: how it ended is lost
                self.returncode = 0
                return self.returncode
            if pid == self.pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.002)
        return self.returncode


class Zygote:
    """A zygote process, its copy of the sandbox's modules, and the socket to it."""

    def __init__(self, environment: dict):
        self.folder = Path(tempfile.mkdtemp(prefix="zygote-", dir=ROOT_SCRATCH_BASE))
        copy_worker_code(self.folder)  # removed by the zygote once it has imported it
        self.executable = sys.executable
        self.socket, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.socket.settimeout(ANSWER_TIMEOUT)
        try:
            # No grading's home: each worker takes its own environment, and home, at its fork.
            self.process = subprocess.Popen(
                [self.executable, "-E", "-s", str(self.folder / "zygote.py")], stdin=theirs,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/",
                env={**environment, "HOME": "/nonexistent", "TMPDIR": "/nonexistent"},
                start_new_session=True)
        except OSError:
            self.socket.close()
            shutil.rmtree(self.folder, ignore_errors=True)
            raise
        finally:
            theirs.close()
        SPARED.add(self.process.pid)  # killing all a worker started spares it

    def spawn(self, config: dict) -> AdoptedWorker:
        """A worker confined by ``config``; raises ``OSError`` where the zygote fails."""
        stdin_read, stdin_write = os.pipe()
        stdout_read, stdout_write = os.pipe()
        stderr_read, stderr_write = os.pipe()
        ours = [stdin_write, stdout_read, stderr_read]
        theirs = [stdin_read, stdout_write, stderr_write]
        try:
            socket.send_fds(self.socket, [json.dumps(config).encode()], theirs)
            answer = self.socket.recv(PID.size)
            pid = PID.unpack(answer)[0] if len(answer) == PID.size else -1
            if pid <= 0:
                raise OSError("the zygote could not fork a worker")
        except BaseException:
            for descriptor in ours:
                os.close(descriptor)
            raise
        finally:
            for descriptor in theirs:
                os.close(descriptor)
        return AdoptedWorker(pid, os.fdopen(ours[0], "wb", buffering=0),
                             os.fdopen(ours[1], "rb", buffering=0), os.fdopen(ours[2], "rb"))

    def close(self) -> None:
        SPARED.discard(self.process.pid)
        self.socket.close()  # the zygote reads the end of its socket and exits
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


_zygote: Zygote | None = None
_proven: set[str] = set()  # the runtimes a worker started afresh has imported


def _runtime(config: dict) -> str:
    """What decides whether a worker can import its runtime: the interpreter and the limits."""
    return json.dumps([sys.executable, config["limits"]], sort_keys=True)


def runtime_proven(config: dict) -> None:
    """A worker started afresh, as its uid, under ``config``'s limits, has imported the
    runtime: the zygote may serve the next ones under the same. (The zygote imports it as
    root and without limits: were the runtime unreadable to the workers or too big for their
    limits, only a fresh worker would tell.) So a grading whose first worker serves it to the
    end (on Gradescope, most) starts no zygote."""
    _proven.add(_runtime(config))


def abandon() -> None:
    """A worker the zygote forked failed its hello: the zygote serves no more, until a worker
    started afresh has proven the runtime again."""
    close()
    _proven.clear()


def spawn(config: dict) -> AdoptedWorker | None:
    """A worker confined by ``config``, forked by this process's zygote (started at the first
    call); None where none serves yet or can, and the worker must be started afresh."""
    global _zygote
    if _runtime(config) not in _proven:
        return None
    if _zygote is not None and _zygote.executable != sys.executable:
        close()
    if _zygote is None:
        try:
            _zygote = Zygote(config["environment"])
        except OSError:
            return None
    try:
        return _zygote.spawn(config)
    except OSError:
        close()  # a later grading starts another
        return None


@atexit.register
def close() -> None:
    global _zygote
    if _zygote is not None:
        _zygote, closing = None, _zygote
        closing.close()


def _forget_in_a_forked_child() -> None:
    """A process forked from this one (the leak detector's search) is not the zygote's parent:
    it must never talk on the socket, nor spare a process it did not start."""
    global _zygote
    _zygote = None
    _proven.clear()
    SPARED.clear()


if hasattr(os, "register_at_fork"):  # Windows cannot fork
    os.register_at_fork(after_in_child=_forget_in_a_forked_child)
