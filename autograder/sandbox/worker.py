"""The worker: the only process in which a student's code runs.

It is started by ``autograder.engine.worker_client`` as ``python worker.py`` (``-E -s`` in the
confined mode) with this folder as its only project path, so it can import nothing of the
grader but ``wire``. Its standard input and output are the channel. Before anything of the
student's is loaded it says hello: it proves that it started, imported its runtime (torch,
NumPy) and read its own files, or says which of these failed (the grader's environment,
never the student's fault). Then it answers requests:

- ``{"op": "load", "path": ..., "module": ...}`` imports the submission file;
- ``{"op": "call", "function": ..., "args": [...], "seed": ..., "project": [...]}`` calls one
  function; arguments may be specs of objects to build and ``project`` reduces the returned
  object to data (see ``builders``).

Every reply is data only (see ``wire``): the student's return value is reduced here to
numbers, strings, lists and numeric arrays. What the student's code prints through Python
is captured per request and truncated; file descriptors 0, 1 and 2 lead nowhere, so neither
input nor raw output can disturb the protocol.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import inspect
import io
import os
import random
import sys
import traceback
import types

import wire

# Imported by ``hello``, so that a runtime that cannot be imported is reported, not fatal.
np = builders = loader = None

OUTPUT_LIMIT = 8192
MESSAGE_LIMIT = 2000
MAX_DEPTH = 32


class Unsupported(Exception):
    """The student's function returned something that is not plain numeric data."""


class BoundedText(io.TextIOBase):
    """A text stream that keeps the first OUTPUT_LIMIT characters and counts the rest."""

    def __init__(self):
        super().__init__()
        self.kept: list[str] = []
        self.size = 0
        self.dropped = 0

    def writable(self):
        return True

    def write(self, text):
        text = str(text)
        room = OUTPUT_LIMIT - self.size
        if room > 0:
            self.kept.append(text[:room])
            self.size += min(room, len(text))
        self.dropped += max(0, len(text) - max(room, 0))
        return len(text)

    def text(self) -> str:
        kept = "".join(self.kept)
        if self.dropped:
            kept += f"\n... [{self.dropped} more characters not shown]"
        return kept


def to_plain(value, depth=0):
    """Reduce a student's return value to data, using base-class methods only."""
    import torch

    if depth > MAX_DEPTH:
        raise Unsupported("a value nested too deeply")
    if isinstance(value, torch.Tensor):
        tensor = torch.Tensor.as_subclass(value, torch.Tensor).detach().cpu()
        if tensor.is_complex():
            raise Unsupported("a complex tensor")
        if tensor.dtype in (torch.bfloat16, torch.float16):
            tensor = tensor.float()
        return np.array(tensor.numpy(), copy=True)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise Unsupported(f"a NumPy array of dtype {value.dtype}")
        return np.array(value, copy=True, subok=False)
    if isinstance(value, np.generic):
        if value.dtype.kind not in "biuf":
            raise Unsupported(f"a NumPy scalar of dtype {value.dtype}")
        return to_plain(value.item(), depth + 1)
    if isinstance(value, bool):
        return value is True
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, float):
        return float.__float__(value)
    if isinstance(value, str):
        return str.__str__(value)
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        items = [to_plain(item, depth + 1) for item in list.__iter__(list(value))]
        return _as_array(items)
    raise Unsupported(f"an object of type {type(value).__name__}")


def _as_array(items: list):
    """A long list of numbers as one float64 array (so it travels as a blob); else the list."""
    if len(items) > 16 and all(type(item) in (int, float) for item in items):
        try:
            return np.array(items, dtype=np.float64)
        except OverflowError:
            return items
    return items


def from_wire(array, tag):
    if tag == "tensor":
        import torch

        return torch.from_numpy(array)
    return array


def _where_in_submission(error: BaseException, folder: str | None) -> str | None:
    """The last line of the student's own files that the error passed through."""
    if folder is None:
        return None
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if frame.filename.startswith(folder + os.sep)]
    if not frames:
        return None
    frame = frames[-1]
    return (f"{os.path.relpath(frame.filename, folder)}, line {frame.lineno}, in {frame.name}: "
            f"{(frame.line or '').strip()}")[:MESSAGE_LIMIT]


def error_reply(error: BaseException, function=None, folder: str | None = None) -> dict:
    reply = {
        "ok": False,
        "error_type": type(error).__name__,
        "error": str(error)[:MESSAGE_LIMIT],
        "where": _where_in_submission(error, folder),
        # Which limit was hit, if any: the trusted side words it for the student.
        "out_of_memory": isinstance(error, MemoryError) or "can't allocate memory" in str(error),
        "errno": getattr(error, "errno", None) if isinstance(error, OSError) else None,
    }
    if function is not None:
        try:
            reply["signature"] = str(inspect.signature(function))
        except (TypeError, ValueError):
            pass
    return reply


class Worker:
    def __init__(self):
        self.module = None
        self.folder = None
        self.devices_seeded = False

    def load(self, request):
        """Import the submission whole ("module"), or only its definitions ("definitions",
        for notebooks: see ``loader``)."""
        # The submission's folder comes first, so a student's helper modules import as at home.
        self.folder = os.path.dirname(request["path"])
        sys.path.insert(0, self.folder)
        loader.install_stand_ins()  # plots and progress bars run, drawing nothing
        problems = []
        if request.get("mode") == "definitions":
            loader.run_cuda_on_cpu()
            module = types.ModuleType(request["module"])
            module.__file__ = request["path"]
            sys.modules[request["module"]] = module
            problems = loader.load_definitions(request["path"], vars(module))
        else:
            # Whatever the file's name ends with ("VI.py.txt" too), it is Python source.
            spec = importlib.util.spec_from_file_location(
                request["module"], request["path"],
                loader=importlib.machinery.SourceFileLoader(request["module"], request["path"]))
            module = importlib.util.module_from_spec(spec)
            sys.modules[request["module"]] = module
            spec.loader.exec_module(module)
        self.module = module
        return {"ok": True, "problems": problems}

    def call(self, request):
        name = request["function"]
        function = getattr(self.module, name, None)
        if function is None or not callable(function):
            return {"ok": False, "error_type": "MissingFunction", "error": name}
        seed = int(request.get("seed", 0))
        random.seed(seed)
        np.random.seed(seed % 2**32)
        self.seed_torch(seed)
        try:
            args = builders.build_all(request.get("args", []), self.module)
            value = function(*args)
            projections = request.get("project")
            if projections is not None:
                value = [builders.project(value, projection, args) for projection in projections]
        except BaseException as error:  # noqa: BLE001 - sys.exit and Ctrl-C are answers too
            return error_reply(error, function, self.folder)
        try:
            return {"ok": True, "value": to_plain(value)}
        except Unsupported as error:
            return {"ok": False, "error_type": "Unsupported", "error": str(error)}

    def seed_torch(self, seed: int) -> None:
        """``torch.manual_seed`` queues a seeding of each device not yet in use (CUDA, XPU,
        MTIA) for when it starts, formatting a stack trace for each: half a millisecond per
        call, and a queue that grows by three entries per call. So every device is seeded once,
        then the CPU and the devices in use at each call: the same streams."""
        import torch

        if not self.devices_seeded:
            torch.manual_seed(seed)
            self.devices_seeded = True
            return
        torch.random.default_generator.manual_seed(seed)
        if torch.cuda.is_initialized():
            torch.cuda.manual_seed_all(seed)
        if torch.backends.mps.is_available():  # seeded at once, as torch.manual_seed does
            torch.mps.manual_seed(seed)

    def handle(self, request):
        op = request.get("op")
        if op == "load":
            return self.load(request)
        if op == "call":
            return self.call(request)
        if op == "ping":
            return {"ok": True, "nonce": request.get("nonce")}
        return {"ok": False, "error_type": "Protocol", "error": f"unknown op {op!r}"}


def take_channel() -> tuple[int, int]:
    """The request and reply descriptors (standard input and output, moved aside), with
    0, 1 and 2 pointing at the null device from then on."""
    in_fd, out_fd = os.dup(0), os.dup(1)
    if sys.platform == "win32":
        import msvcrt

        for fd in (in_fd, out_fd):
            msvcrt.setmode(fd, os.O_BINARY)
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1):
        os.dup2(null, fd)
    os.close(null)
    return in_fd, out_fd


def hello() -> dict:
    """Import the runtime and the worker's own helpers; say what worked, or what did not."""
    global np, builders, loader
    try:
        import numpy as np
        import torch

        torch.set_num_threads(1)
        import builders
        import loader
    except BaseException as error:  # noqa: BLE001 - whatever it is, the staff must hear it
        return {"ok": False, "op": "hello", "error_type": type(error).__name__,
                "error": str(error)[:MESSAGE_LIMIT], "module": getattr(error, "name", None)}
    return {"ok": True, "op": "hello", "python": sys.version.split()[0],
            "torch": torch.__version__, "numpy": np.__version__, "memory_mb": _memory_mb()}


def _memory_mb() -> int | None:
    """The writable memory the runtime took (Linux), against which the limit counts."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        pass
    return None


def main():
    in_fd, out_fd = take_channel()
    greeting = hello()
    # Until now standard error told the trusted side why a start failed; from here on the
    # student's code runs, and what it prints is captured per request instead.
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 2)
    os.close(null)
    wire.write_frame(out_fd, wire.encode(greeting))
    if not greeting["ok"]:
        return
    worker = Worker()
    main_pid = os.getpid()
    while True:
        try:
            request = wire.decode(wire.read_frame(in_fd), from_wire)
        except wire.WireError:
            return
        capture = BoundedText()
        sys.stdout = sys.stderr = capture
        try:
            reply = worker.handle(request)
        except BaseException as error:  # noqa: BLE001 - a failing import is an answer too
            reply = error_reply(error, folder=worker.folder)
        finally:
            sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
        if os.getpid() != main_pid:
            os._exit(0)  # a process the student forked came back here: only the worker answers
        reply["output"] = capture.text()
        try:
            frame = wire.encode(reply, to_array=None)
        except wire.WireError as error:
            frame = wire.encode({"ok": False, "error_type": "Unsupported", "error": str(error),
                                 "output": reply["output"]})
        wire.write_frame(out_fd, frame)


if __name__ == "__main__":
    main()
