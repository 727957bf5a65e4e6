"""Turns a freshly started process into a confined worker, then executes the worker.

    python -I launcher.py CONFIG_JSON PYTHON -E -s worker.py IN_FD OUT_FD

Started by the trusted side (``autograder.engine.isolation``). In order:

1. As root, where the kernel allows it: private mount and network namespaces, so that the
   worker has no network and gets fresh, small, private /tmp, /var/tmp and /dev/shm instead
   of the machine's (writes there vanish with it). Where namespaces are refused (a container
   without CAP_SYS_ADMIN) this step is skipped and the others still hold.
2. As root: drop every privilege for good, to the unprivileged uid/gid in CONFIG (no
   supplementary groups).
3. Resource limits: address space, CPU time, processes, file size, open files, no core dumps.
   SIGXFSZ is ignored, so writing past the file-size limit fails with an error the student
   sees instead of killing the worker.
4. exec the worker; the pipes given by the trusted side are the only descriptors passed on.
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x4000, 0x40000
PRIVATE_TEMPORARY_DIRS = ("/tmp", "/var/tmp", "/dev/shm")


def enter_private_namespaces() -> bool:
    """Best effort: no network, private temporary folders. False where the kernel refuses."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS | CLONE_NEWNET) != 0:
        return False
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return False
    for folder in PRIVATE_TEMPORARY_DIRS:
        if os.path.isdir(folder):
            libc.mount(b"tmpfs", folder.encode(), b"tmpfs", MS_NOSUID | MS_NODEV,
                       b"size=64m,mode=1777")
    return True


def drop_privileges(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise SystemExit("launcher: could not drop privileges")


def apply_limits(limits: dict) -> None:
    memory = limits["memory_mb"] * 2**20
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"]))
    file_size = limits["file_mb"] * 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"], limits["open_files"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limits.get("processes"):
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"], limits["processes"]))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def main() -> None:
    config = json.loads(sys.argv[1])
    command = sys.argv[2:]
    if config.get("uid") is not None:
        if config.get("namespaces", True):
            enter_private_namespaces()
        drop_privileges(config["uid"], config["gid"])
    apply_limits(config["limits"])
    os.chdir(config["home"])
    os.execve(command[0], command, config["environment"])


if __name__ == "__main__":
    main()
