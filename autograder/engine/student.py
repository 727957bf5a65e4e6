"""What a check sees of the student: ``student.call(name, **inputs)`` returns plain data.

The proxy turns every way a call can go wrong into the right ending (see ``failures``) and
keeps the part within its time budget. It knows nothing of any homework.
"""
from __future__ import annotations

import errno
import time

from autograder.engine.compare import as_float_array
from autograder.engine.formatting import format_inputs
from autograder.engine.failures import Abort, CallError
from autograder.engine.worker_client import WorkerClient, WorkerDied

OUTPUT_LIMIT = 8192


class Student:
    """Calls into the worker on behalf of one part of one question."""

    def __init__(self, client: WorkerClient, submission_name: str, call_time_limit: float,
                 part_time_limit: float):
        self._client = client
        self._submission_name = submission_name
        self._call_time_limit = call_time_limit
        self._part_time_limit = part_time_limit
        self._deadline = time.monotonic() + part_time_limit
        self._output: list[str] = []
        self._output_size = 0
        self._output_cut = False
        self.calls = 0
        self.last_call: dict | None = None  # what a staff member's detail view shows

    @property
    def output(self) -> str:
        """What the student's code printed during this part, cut to OUTPUT_LIMIT characters."""
        cut = "\n... [more output not shown]" if self._output_cut else ""
        return "".join(self._output) + cut

    def _keep_output(self, text: str) -> None:
        room = OUTPUT_LIMIT - self._output_size
        if text and room > 0:
            self._output.append(text[:room])
            self._output_size += min(room, len(text))
        self._output_cut |= len(text) > max(room, 0)

    def call(self, function: str, **inputs):
        """Call ``function`` with ``inputs`` (positionally, in order) and return its value.
        An input may be a spec of an object for the worker to build (``sandbox.builders``)."""
        return self.call_projected(function, None, **inputs)

    def call_array(self, function: str, shape: tuple, **inputs):
        """``call``, with the value as a float64 NumPy array of ``shape`` (a scalar: ``()``);
        any other value is a ``Mismatch`` that says what came back."""
        return as_float_array(function, self.call(function, **inputs), shape, inputs)

    def call_projected(self, function: str, projections, **inputs):
        """Like ``call``, but the returned object is reduced by ``projections`` in the worker:
        the value is the list of their results."""
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise Abort(f"This part took longer than {self._part_time_limit:g} s in total; "
                        "the remaining checks were not run.")
        timeout = min(self._call_time_limit, remaining)
        try:
            reply = self._client.call(function, list(inputs.values()), timeout, projections)
        except WorkerDied as death:
            if timeout < self._call_time_limit and "took longer" in death.reason:
                raise Abort(f"This part took longer than {self._part_time_limit:g} s in "
                            "total; the remaining checks were not run.") from None
            raise Abort(f"'{function}' {death.reason} when called with "
                        f"{format_inputs(inputs)}.") from None
        self._keep_output(reply.get("output", ""))
        self.calls += 1
        self.last_call = {"function": function, "inputs": inputs, "received": reply.get("value")}
        if reply.get("ok"):
            return reply.get("value")
        return self._fail(function, inputs, reply)

    def note_expected(self, value) -> None:
        """Record what the last call should have returned (for the detail view)."""
        if self.last_call is not None:
            self.last_call["expected"] = value

    def _fail(self, function: str, inputs: dict, reply: dict):
        error_type = str(reply.get("error_type", "Error"))
        error = str(reply.get("error", ""))
        if self._client.load_error is not None:
            reason = f"{error_type}: {error}" if error_type else error
            if reply.get("where"):
                reason += f" (at {reply['where']})"
            raise Abort(f"{self._submission_name} could not be loaded: {reason}")
        if error_type == "MissingFunction":
            reasons = self._client.load_problems
            detail = f" Loading it reported: {'; '.join(reasons[:3])}." if reasons else ""
            raise Abort(f"'{function}' is not defined in {self._submission_name}.{detail}")
        if error_type == "NotImplementedError":
            raise Abort(f"'{function}' is not implemented yet (it raises NotImplementedError).")
        if error_type in ("SystemExit", "KeyboardInterrupt"):
            raise Abort(f"'{function}' raised {error_type} when called with "
                        f"{format_inputs(inputs)}; a graded function must return a value.")
        limit = self._limit_hit(reply)
        if limit is not None:
            self._client.stop()  # whatever the worker left behind must not reach the next part
            raise Abort(f"'{function}' {limit} when called with {format_inputs(inputs)}.")
        raise CallError(function, error_type, error, inputs,
                        signature=reply.get("signature"), where=reply.get("where"))

    def _limit_hit(self, reply: dict) -> str | None:
        """A resource limit of the sandbox, in plain words, if the error was one."""
        limits = self._client.sandbox.limits
        if reply.get("out_of_memory"):
            return f"ran out of memory (the limit is {limits.memory_mb} MB)"
        number = reply.get("errno")
        if number == errno.EFBIG:
            return f"wrote a file larger than the limit of {limits.file_mb} MB"
        if number == errno.EMFILE:
            return f"opened more files than the limit of {limits.open_files}"
        if number == errno.EAGAIN and reply.get("error_type") == "BlockingIOError":
            return f"started more processes than the limit of {limits.processes}"
        return None
