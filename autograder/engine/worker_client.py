"""The trusted side's handle on a worker process (see ``autograder/sandbox/worker.py``).

One worker serves a whole grading run while it lives. A call that times out, a crash, a
``sys.exit`` that escaped, or an ``os._exit`` kills the worker's whole process group and raises
``WorkerDied``; the next call starts a fresh worker, so only the part in progress is lost.
"""
from __future__ import annotations

import os
import select
import signal
import subprocess
import time
from pathlib import Path

from autograder.engine.isolation import Sandbox
from autograder.sandbox import wire


class WorkerDied(Exception):
    """The worker is gone; ``reason`` says why in plain words."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class _Deadline(Exception):
    pass


def _tensor_to_array(node):
    if hasattr(node, "detach") and hasattr(node, "numpy"):
        return node.detach().cpu().numpy(), "tensor"
    return None


def _describe_exit(returncode: int | None, sandbox: Sandbox) -> str:
    if returncode is None:
        return "stopped answering"
    if returncode < 0:
        number = -returncode
        if number == signal.SIGKILL:
            return "was killed (SIGKILL), most likely because it ran out of memory"
        if number == signal.SIGSEGV:
            return "crashed with a segmentation fault"
        if number == signal.SIGXCPU:
            return f"used more than its {sandbox.limits.cpu_seconds} s of CPU time"
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        return f"was killed by {name}"
    return f"exited with status {returncode} (sys.exit or os._exit in your code?)"


# What the worker says in words reaches students and TAs; the worker's own caps are the
# student's to change, so the trusted side cuts every text again, and drops wrong types.
TEXT_LIMITS = {"output": 8192, "error": 2000, "error_type": 100, "where": 2000,
               "signature": 500}


def _sanitised(reply: dict) -> dict:
    clean = dict(reply)
    for key, limit in TEXT_LIMITS.items():
        value = reply.get(key)
        if value is None and key != "output":
            continue
        clean[key] = value[:limit] if isinstance(value, str) else ""
    for key in ("ok", "out_of_memory"):
        clean[key] = reply.get(key) is True
    if not isinstance(reply.get("errno"), int) or isinstance(reply.get("errno"), bool):
        clean["errno"] = None
    return clean


class WorkerClient:
    """Starts, feeds and kills workers for one submission file, inside ``sandbox``."""

    def __init__(self, submission: Path, module: str, sandbox: Sandbox,
                 load_timeout: float = 60.0, load_mode: str = "module"):
        self.submission = Path(submission).resolve()
        self.module = module
        self.load_mode = load_mode
        self.load_problems: list[str] = []
        self.sandbox = sandbox
        self.load_timeout = load_timeout
        self.process: subprocess.Popen | None = None
        self.load_error: dict | None = None
        self.load_output = ""

    # -- life cycle -------------------------------------------------------------------
    def start(self) -> None:
        """A fresh worker in a fresh scratch, with the submission loaded."""
        worker, submission_folder = self.sandbox.stage(self.submission.parent)
        request_read, self._request_write = os.pipe()
        self._reply_read, reply_write = os.pipe()
        self.process = subprocess.Popen(
            self.sandbox.command([str(worker), str(request_read), str(reply_write)]),
            pass_fds=(request_read, reply_write),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            cwd=self.sandbox.scratch, env={"PATH": "/usr/bin:/bin"}, start_new_session=True,
        )
        os.close(request_read)
        os.close(reply_write)
        os.set_blocking(self._request_write, False)
        try:
            reply = self._exchange(
                {"op": "load", "path": str(submission_folder / self.submission.name),
                 "module": self.module, "mode": self.load_mode}, self.load_timeout)
        except WorkerDied as death:
            # Importing is deterministic: a file that kills its worker is not loaded again.
            reply = {"ok": False, "error_type": "", "error": f"importing it {death.reason}"}
        self.load_output = reply.get("output") or ""
        self.load_error = None if reply.get("ok") else reply
        problems = reply.get("problems")
        self.load_problems = [str(p)[:500] for p in problems[:20]] if isinstance(problems, list) else []

    def stop(self) -> None:
        """Kill the worker and everything it started, however it detached."""
        if self.process is None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.wait()
        self.sandbox.kill_all()
        for fd in (self._request_write, self._reply_read):
            try:
                os.close(fd)
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
    def call(self, function: str, args: list, timeout: float, projections=None) -> dict:
        """Run one function; returns the worker's reply (``ok``, ``value`` or ``error``...)."""
        if self.load_error is None and self.process is None:
            self.start()
        if self.load_error is not None:
            return self.load_error
        request = {"op": "call", "function": function, "args": args, "seed": 0}
        if projections is not None:
            request["project"] = projections
        return self._exchange(request, timeout)

    def check_health(self, timeout: float = 5.0) -> None:
        """Stop a worker that no longer answers in turn (threads writing to the channel, a
        patched protocol): a nonce must come back in the very next answer."""
        if self.process is None:
            return
        nonce = os.urandom(8).hex()
        try:
            reply = self._exchange({"op": "ping", "nonce": nonce}, timeout)
        except WorkerDied:
            return
        if reply.get("nonce") != nonce:
            self.stop()

    def _exchange(self, request: dict, timeout: float) -> dict:
        deadline = time.monotonic() + timeout

        def wait(fd, writing=False):
            remaining = deadline - time.monotonic()
            ready = select.select([], [fd], [], max(remaining, 0)) if writing else \
                select.select([fd], [], [], max(remaining, 0))
            if remaining <= 0 or not any(ready):
                raise _Deadline

        frame = wire.encode(request, to_array=_tensor_to_array)  # a failure here is the grader's
        try:
            # A worker that stops reading must not block the grader: writes wait under the
            # same deadline as the answer.
            wire.write_frame(self._request_write, frame, wait=lambda fd: wait(fd, writing=True))
            reply = wire.decode(wire.read_frame(self._reply_read, wait))
        except _Deadline:
            self.stop()
            raise WorkerDied(f"took longer than {timeout:g} s") from None
        except (wire.WireError, OSError) as error:
            returncode = self.process.poll() if self.process else None
            if returncode is None and self.process is not None:
                try:
                    returncode = self.process.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    returncode = None
            self.stop()
            if returncode is None:
                raise WorkerDied(f"sent an unreadable answer ({error})") from None
            raise WorkerDied(_describe_exit(returncode, self.sandbox)) from None
        if not isinstance(reply, dict):
            self.stop()
            raise WorkerDied("sent an unreadable answer")
        return _sanitised(reply)
