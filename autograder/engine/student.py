"""What a check sees of the student: ``student.call(name, **inputs)`` returns plain data.

The proxy turns every way a call can go wrong into the right ending (see ``failures``) and
keeps the part within its time budget. It knows nothing of any homework.
"""
from __future__ import annotations

import time

from autograder.engine.compare import as_float_array
from autograder.engine.formatting import format_inputs
from autograder.engine.failures import Abort, CallError
from autograder.engine.replies import (Answer, LimitHit, LoadFailed, MissingFunction, Raised,
                                       TimedOut, Value, WorkerDied)
from autograder.engine.worker_client import WorkerClient

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
            raise self._out_of_time()
        timeout = min(self._call_time_limit, remaining)
        reply = self._client.call(function, list(inputs.values()), timeout, projections)
        if isinstance(reply, TimedOut) and timeout < self._call_time_limit:
            raise self._out_of_time()
        if isinstance(reply, (TimedOut, WorkerDied)):
            raise Abort(f"'{function}' {reply.reason} when called with "
                        f"{format_inputs(inputs)}.")
        self._keep_output(reply.output)
        self.calls += 1
        received = reply.value if isinstance(reply, Value) else None
        self.last_call = {"function": function, "inputs": inputs, "received": received}
        if isinstance(reply, Value):
            return reply.value
        return self._fail(function, inputs, reply)

    def _out_of_time(self) -> Abort:
        """The part's time budget is spent (its last call cut short by it, or none left)."""
        return Abort(f"This part took longer than {self._part_time_limit:g} s in total; "
                     "the remaining checks were not run.")

    def note_expected(self, value) -> None:
        """Record what the last call should have returned (for the detail view)."""
        if self.last_call is not None:
            self.last_call["expected"] = value

    def _fail(self, function: str, inputs: dict, reply: Answer):
        """Raise the ending of a call that returned no value."""
        match reply:
            case LoadFailed(reason=reason):
                raise Abort(f"{self._submission_name} could not be loaded: {reason}")
            case MissingFunction(load_problems=reasons):
                detail = f" Loading it reported: {'; '.join(reasons[:3])}." if reasons else ""
                raise Abort(f"'{function}' is not defined in {self._submission_name}.{detail}")
            case Raised(not_implemented=True):
                raise Abort(f"'{function}' is not implemented yet (it raises "
                            "NotImplementedError).")
            case Raised(exited=True, type_name=type_name):
                raise Abort(f"'{function}' raised {type_name} when called with "
                            f"{format_inputs(inputs)}; a graded function must return a value.")
            case LimitHit(limit=limit):
                raise Abort(f"'{function}' {limit} when called with {format_inputs(inputs)}.")
        raise CallError(function, reply, inputs)
