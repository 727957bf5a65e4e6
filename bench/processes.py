"""Running a command pinned to some cores while sampling the memory of its whole process tree."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            parent = int(stat.rsplit(")", 1)[1].split()[1])
            tree.setdefault(parent, []).append(int(entry.name))
    return tree


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * PAGE
        except OSError:
            pass
        todo.extend(tree.get(pid, ()))
    return total


def run_sampled(command: list[str], cpus: int) -> tuple[float, int]:
    """Run ``command`` on the first ``cpus`` cores; its wall time and the peak resident bytes
    of it and all its descendants together, sampled every 20 ms."""
    started = time.monotonic()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               preexec_fn=lambda: os.sched_setaffinity(0, range(cpus)))
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.02)
    if process.returncode:
        raise RuntimeError(f"{command} failed with exit code {process.returncode}")
    return time.monotonic() - started, peak
