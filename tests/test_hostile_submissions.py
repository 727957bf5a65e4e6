"""A corpus of hostile submissions: each attack lives in `nll_loss` (question 1.2.ii) of a
file whose other functions are honest. Each must be graded without harm: the attacked
question scores 0, the honest question in the same file (1.3.d) full marks, and nothing the
attack did survives grading or reaches the trusted side.

The defences of root mode (unprivileged uid, hidden files, namespaces) are what Gradescope
and CI run; these tests need root and are skipped elsewhere.
"""
from __future__ import annotations

import json
import os
import socket
import subprocess
import textwrap
import threading
import time
from pathlib import Path

import pytest

from autograder.engine.isolation import SPARED, _descendants
from tests.support import (EXAMPLE, ROOT, grade_folder, gradescope_layout, only_questions,
                           outcomes, reference_submission, run, validate)

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="the sandbox's root mode needs root")

# Each attack: the body of `nll_loss(energies, y, beta)`, and what the feedback must say.
ATTACKS = {
    "read the reference, the hidden checks and the configuration": ("""
        errors = []
        for path in ("reference/energy_models.py", "autograder/checks/hidden/energy_models.py",
                     "autograder/assignments/hw4/assignment.toml"):
            try:
                errors.append(open(f"{REPO}/{path}").read()[:20])
            except OSError as error:
                errors.append(denied(error))
        sys.path.insert(0, REPO)
        try:
            import reference.energy_models as leaked
            return leaked.nll_loss(energies, y, beta)
        except ImportError as error:
            errors.append(type(error).__name__)
        raise RuntimeError(f"blocked: {errors}")
    """, "blocked: ['denied', 'denied', 'denied', 'ModuleNotFoundError']"),
    "monkeypatch torch, numpy and builtins to fake comparisons": ("""
        import builtins, math
        import numpy
        torch.allclose = numpy.allclose = numpy.isclose = lambda *a, **k: True
        torch.Tensor.__eq__ = lambda *a: True
        builtins.abs = lambda x: 0
        math.isclose = lambda *a, **k: True
        return torch.tensor(12345.0)
    """, "does not match"),
    "return an object whose __eq__ and __float__ lie": ("""
        class Liar:
            def __eq__(self, other): return True
            def __float__(self): return 0.0
            def __array__(self, *args, **kwargs): return numpy.array(0.0)
        import numpy
        return Liar()
    """, "returned an object of type Liar"),
    "return a float subclass whose comparisons lie": ("""
        class LyingFloat(float):
            def __eq__(self, other): return True
            def __sub__(self, other): return 0.0
            def __abs__(self): return 0.0
            def __float__(self): return 0.0
        return LyingFloat(12345.0)
    """, "got 12345.0"),
    "return an ndarray subclass with overridden methods": ("""
        import numpy
        class Fake(numpy.ndarray):
            def __array__(self, *args, **kwargs): return numpy.zeros(())
            def tolist(self): return 0.0
            def astype(self, *args, **kwargs): return numpy.zeros(())
            def __float__(self): return 0.0
        return numpy.array(12345.0).view(Fake)
    """, "got 12345.0"),
    "return a tensor subclass with overridden methods": ("""
        class Fake(torch.Tensor):
            def numpy(self, *args, **kwargs): raise RuntimeError("gotcha")
            def detach(self): return torch.zeros(())
            def tolist(self): return 0.0
            def item(self): return 0.0
            def __float__(self): return 0.0
        return torch.tensor(12345.0).as_subclass(Fake)
    """, "got 12345.0"),
    "raise SystemExit": ("raise SystemExit(0)", "raised SystemExit"),
    "allocate 10 GB": ("return torch.empty(10 * 2**30 // 8, dtype=torch.float64).sum()",
                       "ran out of memory (the limit is 1024 MB)"),
    "allocate 2 GB with NumPy": ("""
        import numpy
        return float(numpy.ones(2 * 2**30 // 8).sum())
    """, "ran out of memory"),
    "fork bomb": ("""
        while True:
            os.fork()
    """, "started more processes than the limit of 64"),
    "write a file past the size limit": ("""
        with open("big.bin", "wb") as stream:
            for _ in range(100):
                stream.write(b"0" * 2**20)
    """, "wrote a file larger than the limit of 64 MB"),
    "open files without end": ("""
        handles = [open("/dev/null") for _ in range(100000)]
    """, "opened more files than the limit of 256"),
    "print 100 MB, and compute nothing": ("""
        print("x" * 100 * 2**20)
        return 0.0
    """, "does not match"),
    "read the grader's environment and memory": ("""
        found = [key for key in os.environ if "SECRET" in key]
        for path in (f"/proc/{os.getppid()}/environ", f"/proc/{os.getppid()}/mem",
                     "/proc/1/environ", f"/proc/{GRADER_PID}/environ",
                     f"/proc/{GRADER_PID}/mem"):
            try:
                with open(path, "rb") as stream:
                    found.append(stream.read(4096).decode(errors="replace"))
            except OSError as error:
                found.append(type(error).__name__)
        fds = sorted(os.listdir("/proc/self/fd"))
        raise RuntimeError(f"found {found} with descriptors {fds}")
    """, "PermissionError"),
    "lift the worker's caps on text and return output of the wrong type": ("""
        import __main__
        loop = sys.modules.get("worker", __main__)  # a fresh worker's, or a forked one's
        loop.MESSAGE_LIMIT = loop.OUTPUT_LIMIT = 10**9
        loop.BoundedText.text = lambda self: ["not", "a", "string"]
        print("y" * 2**20)
        raise ValueError("A" * 50 * 2**20)
    """, "sent an unreadable answer"),
    "send a reply frame of 250 MB of JSON, then hang": ("""
        import struct, time
        os.write(reply_fd(), struct.pack(">IQ", 250 * 2**20, 0) + b"[[],[],[],")
        time.sleep(10**6)
    """, "sent an unreadable answer"),
    "answer every request with fake replies and stop reading": ("""
        import threading, time, wire
        def flood():
            frame = wire.encode({"ok": True, "value": 0.0, "output": ""})
            while True:
                os.write(reply_fd(), frame)
        threading.Thread(target=flood, daemon=True).start()
        time.sleep(10**6)
    """, "does not match"),
    "write outside the scratch folder": ("""
        results = []
        for path in (f"{REPO}/hacked.txt", f"{SUBMISSION}/hacked.txt", "/var/tmp/" + TOKEN,
                     "/tmp/" + TOKEN, "/dev/shm/" + TOKEN, "/etc/" + TOKEN):
            try:
                with open(path, "w") as stream:
                    stream.write("x")
                results.append("written")
            except OSError as error:
                results.append(denied(error))
        raise RuntimeError(f"writes: {results}")
    """, "writes: ['denied'"),
}


# What every attack may call: whether an error means "you may not" (a file the worker may not
# read, or cannot even see: a checkout under /tmp is hidden by the worker's private /tmp), and
# the worker's reply channel, found as an attacker would (the pipe it holds open for writing).
ATTACK_HELPERS = """
def denied(error):
    return "denied" if isinstance(error, (PermissionError, FileNotFoundError)) else type(error).__name__
def reply_fd():
    import fcntl
    for name in os.listdir("/proc/self/fd"):
        try:
            pipe = os.readlink(f"/proc/self/fd/{name}").startswith("pipe:")
            if pipe and fcntl.fcntl(int(name), fcntl.F_GETFL) & os.O_ACCMODE == os.O_WRONLY:
                return int(name)
        except OSError:
            continue
"""


def _submission(folder: Path, hw4, body: str, **constants) -> Path:
    names = {"REPO": str(ROOT), "GRADER_PID": os.getpid(), "SUBMISSION": str(folder),
             "TOKEN": "autograder-attack-token", **constants}
    header = "".join(f"{name} = {value!r}\n" for name, value in names.items()) + ATTACK_HELPERS
    code = ("import os, sys, torch\n" + header + "def nll_loss(energies, y, beta):\n"
            + textwrap.indent(textwrap.dedent(body).strip(), "    ") + "\n")
    # The honest functions come from a copy named so that `import reference` finds nothing.
    return reference_submission(folder, hw4, extra_code=code, package="honest_copy")


def _processes_named(name: str) -> list[str]:
    alive = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if Path(entry.path, "comm").read_text().strip() == name:
                    alive.append(entry.name)
            except OSError:
                continue
    return alive


@needs_root
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_attack_scores_zero_and_harms_nothing_else(tmp_path, hw4, monkeypatch, attack):
    monkeypatch.setenv("AUTOGRADER_TEST_SECRET", "s3cr3t-value")
    body, feedback = ATTACKS[attack]
    folder = _submission(tmp_path / "submission", hw4, body)
    result = grade_folder(folder, only_questions(hw4, ["1.2.ii", "1.3.d"]), call_time_limit=5.0)
    graded = outcomes(result)
    for part in result.parts:
        if part.question.number == "1.3.d":
            assert part.passed, (attack, part.feedback)
        else:
            assert not part.passed, (attack, part.part.check)
    messages = " ".join(text for _, text in graded.values())
    assert feedback in " ".join(messages.split()), messages
    assert all(len(text) < 5000 for _, text in graded.values())
    assert all(len(part.output) < 8300 for part in result.parts)
    assert "s3cr3t-value" not in messages + "".join(part.output for part in result.parts)
    assert not (ROOT / "hacked.txt").exists() and not Path("/tmp/autograder-attack-token").exists()
    assert not Path("/var/tmp/autograder-attack-token").exists()
    # The grading process is a subreaper: none escaped (its zygote has run no student code).
    assert _descendants(os.getpid(), spare=SPARED) == []


@needs_root
def test_a_network_connection_goes_nowhere(tmp_path, hw4):
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    contacts = []

    def accept():
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not contacts:
            try:
                contacts.append(listener.accept())
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    body = """
        import socket
        socket.create_connection(("127.0.0.1", PORT), timeout=2).sendall(b"answers please")
        return 0.0
    """
    folder = _submission(tmp_path / "submission", hw4, body, PORT=port)
    result = grade_folder(folder, only_questions(hw4, ["1.2.ii"]))
    contacts.append(None)
    thread.join()
    listener.close()
    assert contacts == [None]
    assert result.score == 0
    assert all("OSError" in part.feedback or "unreachable" in part.feedback
               for part in result.parts), [part.feedback for part in result.parts]


@needs_root
def test_results_json_cannot_be_written_by_the_submission_even_later(tmp_path):
    """Gradescope layout: the attack writes results.json at once, and leaves a daemon behind
    to write it again after grading; the grader's own results.json is what remains."""
    root = gradescope_layout(tmp_path, EXAMPLE)
    results = root / "results" / "results.json"
    attack = f"""
import ctypes, os, json, time
def _write():
    try:
        with open({str(results)!r}, "w") as stream:
            json.dump({{"score": 1000, "tests": []}}, stream)
    except OSError:
        pass
_write()
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        ctypes.CDLL(None).prctl(15, b"hostile-daemon", 0, 0, 0)  # PR_SET_NAME
        time.sleep(3)
        _write()
    os._exit(0)
"""
    with open(root / "submission" / "hw4_theory.py", "a") as stream:
        stream.write(attack)
    done = run([str(root / "run_autograder")], cwd="/", AUTOGRADER_GRADESCOPE_ROOT=str(root))
    assert done.returncode == 0, done.stderr
    time.sleep(4)
    data = json.loads(results.read_text())
    validate(data)
    assert data["score"] == 21.75
    assert _processes_named("hostile-daemon") == []



@needs_root
def test_a_worker_cannot_read_a_submission_graded_at_the_same_time(tmp_path, hw4):
    """Another grading runs beside this one (a regrade in parallel): its worker's scratch
    folder, visible in /proc, must be closed to this worker."""
    victim = reference_submission(tmp_path / "victim", hw4, extra_code="""
        import time
        VICTIM_MARKER = 1
        def gibbs_distribution(energies, beta):
            time.sleep(8)
            return None
    """)
    neighbour = subprocess.Popen(
        [str(ROOT / "run_autograder"), "--submission", str(victim), "--results",
         str(tmp_path / "victim.json")], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(6)  # the neighbour's worker is up and sleeping in gibbs_distribution
        body = """
            import time
            seen, read = 0, []
            for pid in os.listdir("/proc"):
                try:
                    command = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0")
                    status = open(f"/proc/{pid}/status").read()
                except OSError:
                    continue
                # A worker started afresh names its scratch folder; one the zygote forked
                # (not the zygote itself, which runs as root) is found by its working folder.
                if (not any(argument.endswith((b"/worker.py", b"/zygote.py"))
                            for argument in command) or "\\nUid:\\t0\\t" in status):
                    continue
                seen += 1
                folders = [argument.decode()[:-len("sandbox/worker.py")] for argument in command
                           if argument.endswith(b"/sandbox/worker.py")]
                try:
                    folders.append(os.readlink(f"/proc/{pid}/cwd") + "/../")
                except OSError:
                    pass
                for folder in folders:
                    try:
                        text = open(folder + "submission/hw4_theory.py").read()
                        if "VICTIM" + "_MARKER = 1" in text:  # not this file's own text
                            read.append(folder)
                    except OSError:
                        pass
            raise RuntimeError(f"workers seen: {seen}, submissions read: {read}")
        """
        folder = _submission(tmp_path / "attacker", hw4, body)
        result = grade_folder(folder, only_questions(hw4, ["1.2.ii"]))
    finally:
        neighbour.kill()
        neighbour.wait()
    feedback = outcomes(result)["public.energy_models.nll_is_a_negative_log_probability"][1]
    assert "submissions read: []" in feedback, feedback
    assert "workers seen: 0," not in feedback and "workers seen: 1," not in feedback, feedback
