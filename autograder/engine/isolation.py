"""Where and as whom a worker runs, with which limits, and how all it started is killed.

Two modes, chosen by what the machine allows (``choose_mode``):

- **confined** (Linux as root: Gradescope, CI, Colab): the worker runs under an unprivileged
  uid of its own, taken from a range no account uses (``BASE_UID`` + slot, a slot per
  concurrent grading, held by a lock file), in the manner of IOI's isolate: no account to
  create, no home, no group. The project folder (reference, hidden checks, configuration)
  and the results folder are made unreadable to others; the worker writes only in its
  scratch home (and, where namespaces are allowed, in private temporary folders that vanish
  with it). Memory, CPU, processes, file size and open files are limited. The grading
  process is a child subreaper, so every process a worker starts, even one that detaches
  with ``setsid``, stays its descendant and is killed with the worker. (A worker is started
  afresh through ``sandbox/launcher.py``, or forked by the process's zygote and confined
  alike: see ``zygote_client``.)
- **portable** (everywhere else: macOS, Windows, Linux as a normal user; and the student's
  check, which has nothing secret to protect): the worker is a plain child process of the
  student's own interpreter, with the student's own environment and site packages (``pip
  install --user`` included). It keeps per-call wall-clock limits and crash isolation (a
  crash costs one part); nothing Linux-only is imported.

``AUTOGRADER_SANDBOX=portable`` (or ``confined``) forces a mode.
"""
from __future__ import annotations

import ctypes
import json
import os
import shutil
import signal
import stat
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from autograder.engine.paths import PROJECT_ROOT, SANDBOX_DIR

# What a worker must not read (the reference, hidden checks, configuration): the project's
# folder; or, where the package is installed (pip install .) into a site-packages that torch
# and NumPy share, which the worker must read, its two packages alone.
SECRET = ((PROJECT_ROOT / "autograder", PROJECT_ROOT / "reference")
          if PROJECT_ROOT.name in ("site-packages", "dist-packages") else (PROJECT_ROOT,))
# The worker's own code: every module of the sandbox package (it runs them as plain scripts,
# so the package's __init__ is not needed), found there so that a new one needs no list.
SANDBOX_FILES = tuple(sorted(path.name for path in SANDBOX_DIR.glob("*.py")
                             if path.name != "__init__.py"))
ROOT_SCRATCH_BASE = Path("/var/lib/autograder-sandbox")
BASE_UID = 61000
SLOTS = 64
PR_SET_CHILD_SUBREAPER = 36
MODE_VARIABLE = "AUTOGRADER_SANDBOX"
MODES = ("confined", "portable")


# Every worker's: single-threaded, no GPU (grading is on CPU), and where the interpreter reads
# PYTHON* variables (the portable mode: the confined one runs it with -E) fixed hashing.
QUIET = {"PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "OMP_NUM_THREADS": "1",
         "MKL_NUM_THREADS": "1", "CUDA_VISIBLE_DEVICES": ""}
# The grading process's own children that killing all a worker started spares: its zygote
# (``zygote_client``), which has run no student code.
SPARED: set[int] = set()


def copy_worker_code(folder: Path) -> None:
    """The worker's own code, in ``folder``, readable (by the worker: no secret in it)."""
    for name in SANDBOX_FILES:
        shutil.copyfile(SANDBOX_DIR / name, folder / name)
        os.chmod(folder / name, 0o644)


class GraderEnvironmentError(RuntimeError):
    """The grader's own environment failed (not the student's code): said to the course
    staff in plain words, and no student is scored on it."""


@dataclass(frozen=True)
class Limits:
    """What one worker may use; every limit hit is reported in plain words."""

    # Writable memory (the data segment), not address space: the CUDA build of torch maps
    # 3.2 GB of address space on import but writes little of it; importing torch uses about
    # 250 MB of this, leaving room to work.
    memory_mb: int = 1024
    cpu_seconds: int = 600  # for the worker's whole life; each call also has a wall limit
    processes: int = 64  # per worker uid, threads included (root mode only)
    file_mb: int = 64
    open_files: int = 256


def running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def why_not_confined() -> str | None:
    """Why the confined mode cannot run here, in plain words; None where it can."""
    if sys.platform != "linux":
        return f"the confined mode needs Linux (this is {sys.platform})"
    if not running_as_root():
        return "the confined mode needs root"
    try:
        import fcntl  # noqa: F401
        import resource  # noqa: F401
    except ImportError as error:
        return f"the confined mode needs the {error.name} module"
    if not os.path.isdir("/proc/self"):
        return "the confined mode needs /proc"
    try:
        ctypes.CDLL(None, use_errno=True).prctl
    except (AttributeError, OSError, TypeError):
        return "the confined mode needs prctl"
    return None


def choose_mode(requested: str | None = None) -> str:
    """``requested`` or the ``AUTOGRADER_SANDBOX`` variable, else confined where possible."""
    wanted = requested or os.environ.get(MODE_VARIABLE) or None
    if wanted not in (None, *MODES):
        raise GraderEnvironmentError(f"{MODE_VARIABLE}={wanted!r} is not one of {MODES}")
    if wanted == "portable":
        return "portable"
    reason = why_not_confined()
    if reason is None:
        return "confined"
    if wanted == "confined":
        raise GraderEnvironmentError(f"{MODE_VARIABLE}=confined, but {reason}")
    return "portable"


def become_subreaper() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)


def _live_processes():
    """(pid, parent pid, uid) of every process on the machine but zombies."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
            uid = os.stat(entry.path).st_uid
        except OSError:
            continue
        if fields[0] != "Z":
            yield int(entry.name), int(fields[1]), uid


def _descendants(root: int, spare=frozenset()) -> list[int]:
    """The live descendants of ``root``, but the processes ``spare`` and theirs."""
    children: dict[int, list[int]] = {}
    for pid, parent, _ in _live_processes():
        children.setdefault(parent, []).append(pid)
    found, todo = [], [pid for pid in children.get(root, ()) if pid not in spare]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(child for child in children.get(pid, ()) if child not in spare)
    return found


def _kill_until_none(find, timeout: float = 5.0) -> None:
    """SIGKILL the processes ``find()`` lists, again and again until it lists none."""
    deadline = time.monotonic() + timeout
    while True:
        alive = find()
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _reap_orphans()
        if not alive or time.monotonic() > deadline:
            return
        time.sleep(0.01)


def kill_descendants(spare=frozenset()) -> None:
    """Every live descendant of this process, however it detached (we are a subreaper), but
    the processes ``spare`` and theirs."""
    _kill_until_none(lambda: _descendants(os.getpid(), spare))


def kill_uid(uid: int) -> None:
    """Root only: every live process running as ``uid``, wherever it hangs in the tree."""
    _kill_until_none(lambda: [pid for pid, _, owner in _live_processes() if owner == uid])


def _reap_orphans() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        SPARED.discard(pid)  # its pid may be another process's next


def _interpreter_paths() -> list[Path]:
    """The interpreter as it is called (a virtual environment's link) and as it resolves."""
    called = Path(os.path.abspath(sys.executable))
    return list(dict.fromkeys((called, called.resolve())))


def _python_is_reachable_by_others() -> list[Path]:
    """The folders on the way to the interpreter that others cannot traverse."""
    blocked = []
    for python in _interpreter_paths():
        for folder in reversed(python.parents):
            if not os.stat(folder).st_mode & stat.S_IXOTH and folder not in blocked:
                blocked.append(folder)
    return blocked


def prepare_machine() -> None:
    """Root only, run by setup.sh: let the unprivileged worker run this Python (traverse-only
    permission on the folders above it, never read permission)."""
    if not running_as_root():
        return
    for folder in _python_is_reachable_by_others():
        os.chmod(folder, os.stat(folder).st_mode | stat.S_IXOTH)
        print(f"setup: made {folder} traversable (o+x) so that the grading worker can run "
              f"{sys.executable}")


def protect(*folders: Path) -> None:
    """Root only: nobody but root may enter ``folders`` (the project, the results)."""
    for folder in folders:
        if folder.is_dir() and os.stat(folder).st_mode & 0o077:
            os.chmod(folder, 0o700)


def _readable_not_writable(*folders: Path) -> None:
    """Whatever modes the originals had, the worker may read these copies but not change them."""
    for folder in folders:
        for path in [folder, *folder.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)


# What a student's folder may hold besides their work (a student's check runs on the folder
# they work in): environments and caches, which can be gigabytes, are not copied.
NOT_SUBMITTED = ("__pycache__", ".venv", "venv", ".git", ".ipynb_checkpoints", ".hypothesis")


class Sandbox:
    """One grading's confinement: a mode, a scratch folder, limits, a kill switch (and in the
    confined mode a uid slot)."""

    def __init__(self, limits: Limits = Limits(), protected=(), mode: str | None = None):
        self.limits = limits
        self.mode = choose_mode(mode)
        self.uid = self.gid = None
        self._slot_lock = None
        base = None
        if self.mode == "confined":
            become_subreaper()
            blocked = _python_is_reachable_by_others()
            if blocked:
                raise GraderEnvironmentError(
                    f"the sandbox's worker user cannot run {sys.executable}: {blocked[0]} is "
                    "not traversable by others; run setup.sh as root first")
            protect(*SECRET, *protected)
            ROOT_SCRATCH_BASE.mkdir(mode=0o711, parents=True, exist_ok=True)
            self.uid = self.gid = BASE_UID + self._take_slot()
            base = ROOT_SCRATCH_BASE
        self.scratch = Path(tempfile.mkdtemp(prefix="scratch-", dir=base))
        if self.mode == "confined":
            # Only this worker's uid may enter (by its group), and it may not change the copies;
            # workers of other gradings cannot read this submission.
            os.chown(self.scratch, 0, self.gid)
            os.chmod(self.scratch, 0o750)
        else:
            os.chmod(self.scratch, 0o700)

    def _take_slot(self) -> int:
        import fcntl

        for slot in range(SLOTS):
            handle = open(ROOT_SCRATCH_BASE / f"slot-{slot}.lock", "w")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            self._slot_lock = handle
            kill_uid(BASE_UID + slot)  # what a grader killed before its cleanup left behind
            return slot
        raise RuntimeError(f"all {SLOTS} sandbox slots are taken")

    def stage(self, submission_folder: Path) -> tuple[Path, Path]:
        """Copy the worker's code and the submission into a fresh scratch; returns the
        worker script and the submission folder as the worker sees them."""
        for name in ("sandbox", "submission", "home"):
            shutil.rmtree(self.scratch / name, ignore_errors=True)
        (self.scratch / "sandbox").mkdir()
        copy_worker_code(self.scratch / "sandbox")
        shutil.copytree(submission_folder, self.scratch / "submission", symlinks=False,
                        ignore=shutil.ignore_patterns(*NOT_SUBMITTED))
        _readable_not_writable(self.scratch / "sandbox", self.scratch / "submission")
        home = self.scratch / "home"
        home.mkdir(mode=0o700)
        if self.mode == "confined":
            os.chown(home, self.uid, self.gid)
        return self.scratch / "sandbox" / "worker.py", self.scratch / "submission"

    @property
    def home(self) -> Path:
        return self.scratch / "home"

    def command(self, worker: Path) -> tuple[list[str], dict]:
        """The command that starts a worker running ``worker``, and its environment."""
        if self.mode == "portable":
            # The student's own interpreter, environment and site packages (--user included):
            # whatever imports torch in their shell imports it in the worker.
            scratch_tmp = {name: str(self.home) for name in ("TMPDIR", "TEMP", "TMP")}
            return [sys.executable, str(worker)], {**os.environ, **scratch_tmp, **QUIET}
        launcher = worker.with_name("launcher.py")
        return ([sys.executable, "-I", str(launcher), json.dumps(self.confinement()),
                 sys.executable, "-E", "-s", str(worker)], {"PATH": "/usr/bin:/bin"})

    def confinement(self) -> dict:
        """Confined mode: what ``launcher.confine`` does to a process to make it this
        sandbox's worker (its uid, limits, home and environment)."""
        return {
            "uid": self.uid, "gid": self.gid, "limits": asdict(self.limits),
            "home": str(self.home),
            "environment": {
                "PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(self.home),
                "TMPDIR": str(self.home), "LANG": "C.UTF-8", "USER": "autograder-worker",
                "LOGNAME": "autograder-worker", **QUIET,
            },
        }

    def kill_all(self) -> None:
        """Confined mode: every process the worker started, however it detached. (In the
        portable mode the worker client kills the worker's process group.)"""
        if self.mode != "confined":
            return
        kill_descendants(spare=SPARED)
        kill_uid(self.uid)

    def close(self) -> None:
        self.kill_all()
        shutil.rmtree(self.scratch, ignore_errors=True)
        if self._slot_lock is not None:
            self._slot_lock.close()
            self._slot_lock = None
