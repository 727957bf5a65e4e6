"""Turns a freshly started process into a confined worker, then executes the worker.

    python -I launcher.py CONFIG_JSON PYTHON -E -s worker.py

Started by the trusted side (``autograder.engine.isolation``). In order:

1. As root, where the kernel allows it: private mount and network namespaces, so that the
   worker has no network and gets fresh, small, private /tmp, /var/tmp and /dev/shm instead
   of the machine's (writes there vanish with it). An interpreter that lives in one of them
   (a virtual environment under /tmp) is mounted into the private one, read-only, at the same
   path. Where namespaces are refused (a container without CAP_SYS_ADMIN) this step is
   skipped and the others still hold.
2. As root: drop every privilege for good, to the unprivileged uid/gid in CONFIG (no
   supplementary groups).
3. Resource limits: writable memory (the data segment, not address space: the CUDA build of
   torch reserves gigabytes of address space it never uses), CPU time, processes, file size,
   open files, no core dumps.
   SIGXFSZ is ignored, so writing past the file-size limit fails with an error the student
   sees instead of killing the worker.
4. exec the worker; its standard input and output are the channel to the trusted side, and
   its standard error shows the trusted side why a worker could not start.
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
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = (
    0x1, 0x2, 0x4, 0x20, 0x1000, 0x4000, 0x40000)
PRIVATE_TEMPORARY_DIRS = ("/tmp", "/var/tmp", "/dev/shm")


def interpreter_folders() -> list[str]:
    """The folders the worker's Python needs: its prefixes, its executable's folder and every
    folder on its path (this launcher runs the same interpreter, isolated as the worker)."""
    candidates = [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix,
                  os.path.dirname(os.path.abspath(sys.executable)),
                  os.path.dirname(os.path.realpath(sys.executable)), *sys.path]
    folders = sorted({os.path.realpath(path) for path in candidates if os.path.isdir(path)}
                     | {os.path.abspath(path) for path in candidates if os.path.isdir(path)})
    # A folder inside another kept one comes with it.
    return [path for path in folders
            if not any(path.startswith(other + os.sep) for other in folders)]


def _inside(path: str, folder: str) -> bool:
    real = os.path.realpath(folder)
    return path == real or path.startswith(real + os.sep) or path.startswith(folder + os.sep)


def enter_private_namespaces() -> bool:
    """Best effort: no network, private temporary folders. False where the kernel refuses."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNS | CLONE_NEWNET) != 0:
        return False
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return False
    needed = interpreter_folders()
    for folder in PRIVATE_TEMPORARY_DIRS:
        if not os.path.isdir(folder):
            continue
        # Held open before the private tmpfs hides them, then mounted back in through /proc.
        kept = [(path, os.open(path, os.O_PATH)) for path in needed if _inside(path, folder)]
        libc.mount(b"tmpfs", folder.encode(), b"tmpfs", MS_NOSUID | MS_NODEV,
                   b"size=64m,mode=1777")
        for path, handle in kept:
            os.makedirs(path, mode=0o755, exist_ok=True)
            source = f"/proc/self/fd/{handle}".encode()
            libc.mount(source, path.encode(), None, MS_BIND | MS_REC, None)
            libc.mount(None, path.encode(), None, MS_REMOUNT | MS_BIND | MS_RDONLY, None)
            os.close(handle)
    return True


def drop_privileges(uid: int, gid: int) -> None:
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise SystemExit("launcher: could not drop privileges")


def apply_limits(limits: dict) -> None:
    memory = limits["memory_mb"] * 2**20
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"]))
    file_size = limits["file_mb"] * 2**20
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size, file_size))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits["open_files"], limits["open_files"]))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if limits.get("processes"):
        resource.setrlimit(resource.RLIMIT_NPROC, (limits["processes"], limits["processes"]))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def confine(config: dict) -> None:
    """Steps 1 to 3 on this process, then into the worker's home."""
    if config.get("uid") is not None:
        if config.get("namespaces", True):
            enter_private_namespaces()
        drop_privileges(config["uid"], config["gid"])
    apply_limits(config["limits"])
    os.chdir(config["home"])


def main() -> None:
    config = json.loads(sys.argv[1])
    command = sys.argv[2:]
    confine(config)
    os.execve(command[0], command, config["environment"])


if __name__ == "__main__":
    main()
