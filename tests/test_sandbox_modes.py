"""The sandbox's two modes, the kill switch the confined one relies on, and what happens when
the grader's own environment fails (the staff are told, and nobody is scored)."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder.engine.isolation import _descendants, become_subreaper, kill_descendants
from autograder import cli
from autograder.engine.isolation import (SPARED, GraderEnvironmentError, Limits, Sandbox,
                                         choose_mode)
from autograder.engine import worker_client, zygote_client
from autograder.engine.replies import TimedOut, WorkerDied
from autograder.engine.worker_client import WorkerClient, preflight
from tests.support import ROOT, gradescope_layout, validate

LAPTOP_UID = 62000


needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (the confined mode)")


@needs_root
def test_an_unprivileged_user_grades_quietly():
    """A student's laptop: no root, so no uid switch and no namespaces; grading still works,
    and nothing alarming is printed."""
    with tempfile.TemporaryDirectory() as folder:  # pytest's own tmp_path is root's alone
        copy = Path(folder) / "project"
        for name in ("autograder", "reference"):
            shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy2(ROOT / "run_autograder", copy / "run_autograder")
        for path in [Path(folder), *Path(folder).rglob("*")]:
            os.chown(path, LAPTOP_UID, LAPTOP_UID)
        done = _run_as_laptop_user(copy)
    assert done.returncode == 0, done.stderr
    assert "Total: 21.75 / 27" in done.stdout
    assert done.stderr == ""


def _run_as_laptop_user(copy: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(copy / "run_autograder"), "--results", str(copy / "results.json")],
        cwd=copy, user=LAPTOP_UID, group=LAPTOP_UID, extra_groups=[], capture_output=True,
        text=True, timeout=300, env={"PATH": os.environ["PATH"], "HOME": str(copy)})


def test_the_grading_process_is_left_with_no_descendant():
    """A process tree that detaches (setsid, double fork) is still found and killed."""
    script = ("import os, time\n"
              "if os.fork() == 0:\n    os.setsid()\n    os.fork()\n    time.sleep(60)\n"
              "time.sleep(60)\n")
    become_subreaper()
    process = subprocess.Popen([sys.executable, "-c", script])
    time.sleep(0.5)
    assert len(_descendants(os.getpid())) >= 3
    kill_descendants()
    process.wait()
    assert _descendants(os.getpid()) == []


def test_a_students_environment_and_caches_are_not_copied_into_the_sandbox(tmp_path):
    from autograder.engine.isolation import Sandbox

    (tmp_path / "hw4_theory.py").write_text("x = 1\n")
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "util.py").write_text("y = 2\n")
    for cache in (".venv/lib", "venv/lib", ".git/objects", ".ipynb_checkpoints", "__pycache__"):
        (tmp_path / cache).mkdir(parents=True)
        (tmp_path / cache / "big.bin").write_bytes(b"0" * 1024)
    sandbox = Sandbox()
    try:
        _, copied = sandbox.stage(tmp_path)
        kept = sorted(str(path.relative_to(copied)) for path in copied.rglob("*"))
    finally:
        sandbox.close()
    assert kept == ["helpers", "helpers/util.py", "hw4_theory.py"]


def test_the_mode_is_confined_as_root_on_linux_and_portable_when_asked(monkeypatch):
    monkeypatch.delenv("AUTOGRADER_SANDBOX", raising=False)
    assert choose_mode() == ("confined" if os.geteuid() == 0 else "portable")
    assert choose_mode("portable") == "portable"
    monkeypatch.setenv("AUTOGRADER_SANDBOX", "portable")
    assert choose_mode() == "portable"
    monkeypatch.setenv("AUTOGRADER_SANDBOX", "sideways")
    with pytest.raises(GraderEnvironmentError, match="sideways"):
        choose_mode()


@pytest.mark.parametrize("mode", ["portable", pytest.param("confined", marks=needs_root)])
def test_a_worker_says_hello_with_its_runtime_before_anything_is_loaded(mode):
    import torch

    greeting = preflight(Limits(), mode=mode)
    assert greeting["ok"] and greeting["torch"] == torch.__version__
    assert 50 < greeting["memory_mb"] < Limits().memory_mb  # the runtime's writable memory


@pytest.mark.parametrize("mode", ["portable", pytest.param("confined", marks=needs_root)])
def test_every_call_starts_from_the_same_random_state(tmp_path, mode):
    """The worker seeds random, NumPy and torch before each call (the devices' queued seeding
    only once: see ``Worker.seed_torch``): a function that draws returns the same values on
    every call, those of a fresh process seeded with 0."""
    import random

    import numpy as np
    import torch

    (tmp_path / "draws.py").write_text(
        "import random\nimport numpy as np\nimport torch\n\n"
        "def draw():\n"
        "    return [random.random(), float(np.random.rand()), torch.rand(3).tolist()]\n")
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    expected = [random.random(), float(np.random.rand()), torch.rand(3).tolist()]
    with WorkerClient(tmp_path / "draws.py", "draws", Sandbox(mode=mode)) as client:
        values = [client.call("draw", [], 10).value for _ in range(5)]
    assert values == [expected] * 5


CHANNEL_SUBJECT = """
import os, time

def echo(x):
    return x

def hang(x):
    while True:
        time.sleep(0.01)

def leave(x):
    os._exit(7)
"""


@pytest.mark.parametrize("polls", [True, False], ids=["polled", "threaded (Windows)"])
def test_an_exchange_keeps_its_deadline_however_the_channel_waits(tmp_path, monkeypatch,
                                                                  polls):
    """Frames of megabytes cross in both directions; a hang is stopped at the deadline and a
    worker that leaves is reported; the next call has a fresh worker. Alike where the pipes
    are polled and where (Windows) each exchange runs in a thread."""
    import numpy as np

    monkeypatch.setattr(worker_client, "CHANNEL_POLLS", polls)
    (tmp_path / "subject.py").write_text(CHANNEL_SUBJECT)
    big = np.arange(3_000_000, dtype=np.float64)
    with WorkerClient(tmp_path / "subject.py", "subject", Sandbox()) as client:
        assert np.array_equal(client.call("echo", [big], 30).value, big)
        started = time.monotonic()
        assert client.call("hang", [0], 1.0) == TimedOut(1.0)
        assert time.monotonic() - started < 5
        left = client.call("leave", [0], 10)
        assert isinstance(left, WorkerDied) and "exited with status 7" in left.reason
        assert client.call("echo", [[1.5]], 10).value == [1.5]


PROBE = """
import ctypes, os, resource, sys

def probe():
    open_files = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            open_files.append(os.readlink(f"/proc/self/fd/{fd}").split(":")[0])
        except FileNotFoundError:  # listdir's own, closed since
            pass
    open_files.sort()
    try:
        project = str(os.listdir(PROJECT))
    except OSError as error:
        project = type(error).__name__
    limits = [resource.getrlimit(getattr(resource, name)) for name in
              ("RLIMIT_DATA", "RLIMIT_CPU", "RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_NOFILE")]
    # A uid of the sandbox's range (which one: the slot free at the time)
    sandbox_uid = os.getuid() >= 61000 and os.getgid() == os.getuid()
    return [sandbox_uid, os.getgroups(), open_files, project, str(limits),
            os.listdir("/tmp"), os.getsid(0) == os.getpid(), os.getppid(),
            os.getcwd() == os.environ["HOME"], str(sorted(os.environ)),
            ctypes.CDLL(None).prctl(3, 0, 0, 0, 0),  # PR_GET_DUMPABLE
            hasattr(sys.modules["__main__"], "BoundedText")]  # the worker runs as __main__
"""


def _probe_worker(folder: Path) -> tuple[str, list]:
    with WorkerClient(folder / "probe.py", "probe", Sandbox()) as client:
        answer = client.call("probe", [], 30)
        assert hasattr(answer, "value"), answer
        return type(client.process).__name__, answer.value


@needs_root
def test_a_worker_the_zygote_forks_is_confined_as_one_started_afresh(tmp_path):
    """Its uid, groups, open files (the channel only: never the zygote's socket), project
    access, limits, private /tmp, session, parent (the grading process) and environment. The
    zygote serves once a fresh worker has imported the runtime under the same limits; killed,
    it is replaced, and grading goes on."""
    (tmp_path / "probe.py").write_text(f"PROJECT = {str(ROOT)!r}\n" + PROBE)
    zygote_client.abandon()  # whatever earlier tests of this process left
    fresh = _probe_worker(tmp_path)
    forked = _probe_worker(tmp_path)
    assert (fresh[0], forked[0]) == ("Popen", "AdoptedWorker")
    assert forked[1] == fresh[1], (forked, fresh)
    # The project is out of reach: unreadable, or out of sight under a private /tmp.
    assert fresh[1][0] is True and fresh[1][3] in ("PermissionError", "FileNotFoundError")
    assert fresh[1][7] == os.getpid()
    (zygote,) = SPARED
    kill_descendants()  # a zygote killed, as a regrade's grading process does at its end
    again = _probe_worker(tmp_path)
    assert again == fresh, (again, fresh)  # started afresh in its place
    again = _probe_worker(tmp_path)
    assert again == forked and len(SPARED) == 1 and SPARED != {zygote}, (again, SPARED, zygote)


@needs_root
def test_a_forked_worker_that_fails_its_hello_is_started_afresh(tmp_path, monkeypatch):
    """Only a worker started afresh may fail the grader's environment: one the zygote forked
    that fails its hello is replaced by a fresh one, and the zygote serves no more until a
    fresh worker has proven the runtime again."""
    (tmp_path / "probe.py").write_text(f"PROJECT = {str(ROOT)!r}\n" + PROBE)
    zygote_client.abandon()
    assert [_probe_worker(tmp_path)[0] for _ in range(2)] == ["Popen", "AdoptedWorker"]
    assert SPARED  # a zygote serves
    failing = []

    def fork_one_that_dies(config):
        if failing:
            return None
        dying = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, start_new_session=True)
        failing.append(dying)
        return zygote_client.AdoptedWorker(dying.pid, dying.stdin, dying.stdout, dying.stderr)

    monkeypatch.setattr(zygote_client, "spawn", fork_one_that_dies)
    assert _probe_worker(tmp_path)[0] == "Popen" and failing
    assert not SPARED  # the zygote is closed; the fresh worker proved the runtime again
    monkeypatch.undo()
    assert _probe_worker(tmp_path)[0] == "AdoptedWorker"


def test_an_interpreter_that_cannot_be_started_is_the_graders_fault(tmp_path, monkeypatch,
                                                                   capsys):
    (tmp_path / "hw4_theory.py").write_text("def nll_loss(*args):\n    return 0.0\n")
    monkeypatch.setattr(sys, "executable", str(tmp_path / "gone" / "python3"))
    client = WorkerClient(tmp_path / "hw4_theory.py", "hw4_theory", Sandbox(mode="portable"))
    with pytest.raises(GraderEnvironmentError) as failure, client:
        client.call("nll_loss", [], timeout=10)
    message = str(failure.value)
    assert "not visible" in message and "gone/python3" in message
    assert "not the student's fault" in message and "sys.exit" not in message
    # The student's check says so in words meant for a student, and fails.
    assert cli.main(["check", "--assignment", "hw4", "--submission", str(tmp_path)]) == 1
    assert "this says nothing about your code" in capsys.readouterr().err


@needs_root
def test_a_worker_that_cannot_import_torch_scores_no_one(tmp_path):
    """Gradescope as it would be with a torch build too big for the worker's limits:
    run_autograder fails, results.json says the autograder is misconfigured and scores no
    one, and no test is charged with "sys.exit or os._exit in your code?"."""
    root = gradescope_layout(tmp_path, ROOT / "autograder" / "assignments" / "hw4" /
                             "example_submission")
    config = root / "source" / "autograder" / "assignments" / "hw4" / "assignment.toml"
    text = config.read_text()
    config.write_text(text.replace("memory_mb = 1024", "memory_mb = 40"))
    assert "memory_mb = 40" in config.read_text()
    done = subprocess.run([str(root / "run_autograder")], cwd="/", capture_output=True,
                          text=True, timeout=300,
                          env={**os.environ, "AUTOGRADER_GRADESCOPE_ROOT": str(root)})
    assert done.returncode != 0
    assert "could not start and import torch under the sandbox's limits (40 MB" in done.stderr
    data = json.loads((root / "results" / "results.json").read_text())
    validate(data)
    assert "score" not in data and data["tests"] == []
    assert "misconfigured" in data["output"] and "40 MB" in data["output"]
    assert "sys.exit" not in data["output"]
