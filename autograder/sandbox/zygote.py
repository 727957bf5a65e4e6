"""Starts confined workers by forking, with the runtime already imported.

    python -E -s zygote.py        (as root; its standard input is a Unix socket)

A worker spends about two seconds importing torch, once per grading and again after every
crash, hang or limit hit. The zygote imports the runtime once, for all the gradings of its
grading process (``autograder.engine.worker_client`` starts it, confined mode only), and then
answers each request on its socket: a JSON config (as ``launcher``'s) with three descriptors,
the worker's standard input, output and error. For each, it forks a child that forks the
worker and exits, so that the worker is adopted by the grading process (a child subreaper):
the grading process waits for it, reads how it ended and kills it as its own child. The zygote
replies with the worker's pid.

The worker then does what ``launcher`` does to a fresh process (namespaces, privileges,
limits, environment) and runs ``worker.main``. It keeps no descriptor of the zygote's (least
of all the socket, through which it could start processes as root), and the zygote holds
nothing secret: it has imported the sandbox's own modules, NumPy and torch, nothing else.
"""
from __future__ import annotations

import ctypes
import json
import os
import shutil
import socket
import struct
import sys
import tempfile
import traceback

import launcher
import worker

CONFIG_LIMIT = 1 << 20
PID = struct.Struct(">q")
PR_SET_DUMPABLE = 4


def start_worker(config: dict, descriptors: list[int]) -> int:
    """Fork the worker through a child that exits at once; returns the worker's pid, once
    the child is gone (and so the worker adopted by the grading process). The worker's steps
    run only in the fork: called any other way (the leak detector calls every handout
    function), this function forks nothing and changes nothing."""
    if (len(descriptors) != 3 or not isinstance(config, dict)
            or not isinstance(config.get("uid"), int)):
        raise ValueError("a worker needs its three descriptors and its own uid")
    read_pid, write_pid = os.pipe()
    try:
        child = os.fork()
    except OSError:
        os.close(read_pid)
        os.close(write_pid)
        raise
    if child == 0:
        status = 0
        try:
            os.close(read_pid)
            worker_pid = os.fork()
            if worker_pid != 0:
                os.write(write_pid, PID.pack(worker_pid))
            else:  # the worker: its channel on 0, 1 and 2 and nothing else open, confined
                try:
                    os.setsid()
                    for target, descriptor in enumerate(descriptors):
                        os.dup2(descriptor, target)
                    os.closerange(3, os.sysconf("SC_OPEN_MAX"))
                    os.environ.clear()
                    os.environ.update(config["environment"])
                    tempfile.tempdir = None  # found again, in this worker's environment
                    launcher.confine(config)
                    # As after the launcher's exec: inspectable by its own processes, and
                    # running as the main module.
                    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)
                    sys.modules["__main__"] = worker
                    sys.argv = [worker.__file__]
                    worker.main()
                except BaseException:  # noqa: BLE001 - on standard error, read by the grader
                    traceback.print_exc()
                    status = 1
        finally:
            os._exit(status)  # neither the child nor the worker returns into the zygote's loop
    os.close(write_pid)
    data = os.read(read_pid, PID.size)
    os.close(read_pid)
    os.waitpid(child, 0)
    return PID.unpack(data)[0] if len(data) == PID.size else -1


def main() -> None:
    channel = socket.socket(fileno=0)
    worker.hello()  # the runtime, imported once for every worker (a failure is said by each)
    # Everything is imported: the copy of the sandbox's code is not needed any more, and
    # removed now, nothing is left behind however the zygote ends.
    shutil.rmtree(os.path.dirname(os.path.abspath(__file__)), ignore_errors=True)
    serve(channel)


def serve(channel: socket.socket) -> None:
    """Fork a worker for each request, until the grading process closes the socket."""
    while True:
        try:
            message, descriptors, flags, _ = socket.recv_fds(channel, CONFIG_LIMIT, 3)
        except OSError:
            return
        if not message:
            return
        try:
            if flags & (socket.MSG_CTRUNC | socket.MSG_TRUNC):
                raise ValueError("a request cut short")
            pid = start_worker(json.loads(message), descriptors)
        except (OSError, ValueError):
            pid = -1
        finally:
            for descriptor in descriptors:
                os.close(descriptor)
        channel.sendall(PID.pack(pid))


if __name__ == "__main__":
    main()
