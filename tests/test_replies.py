"""The worker's replies, parsed once on the trusted side into one type per ending
(``engine/replies``), and what ``Student`` makes of each type: the message a student sees.

No worker runs here: replies are the dicts a worker (honest or not) could send, and the
client of ``Student`` is a stand-in that answers a chosen reply.
"""
from __future__ import annotations

import errno
from pathlib import Path
from types import SimpleNamespace

import pytest

from autograder.engine import worker_client
from autograder.engine.failures import Abort, CallError
from autograder.engine.isolation import Limits
from autograder.engine.replies import (LimitHit, Loaded, LoadFailed, MissingFunction, Raised,
                                       TimedOut, UnsupportedReturn, Value, WorkerDied)
from autograder.engine.student import Student
from autograder.engine.worker_client import (WorkerClient, WorkerLost, parse_call_reply,
                                             parse_load_reply)

# Unusual numbers, so that a limit worded from anything but these would show.
LIMITS = Limits(memory_mb=321, processes=7, file_mb=9, open_files=11)


def parsed(fields: dict, load_problems=()):
    return parse_call_reply(fields, LIMITS, tuple(load_problems))


def exception(error_type: str, error: str = "bad", **fields) -> dict:
    """A reply to a call that raised, as the worker's ``error_reply`` makes it."""
    return {"ok": False, "error_type": error_type, "error": error, "where": None,
            "out_of_memory": False, "errno": None, "output": "", **fields}


# -- parsing: each kind of reply -----------------------------------------------------------

def test_a_value_keeps_what_was_printed():
    assert parsed({"ok": True, "value": [1.5, 2], "output": "hi"}) == Value("hi", [1.5, 2])


def test_a_missing_function_carries_what_loading_reported():
    reply = parsed({"ok": False, "error_type": "MissingFunction", "error": "f", "output": ""},
                   load_problems=["cell 3: NameError"])
    assert reply == MissingFunction("", ("cell 3: NameError",))


def test_an_unsupported_return_says_what_came_back():
    reply = parsed({"ok": False, "error_type": "Unsupported", "output": "x",
                    "error": "an object of type Liar"})
    assert reply == UnsupportedReturn("x", "an object of type Liar")


def test_an_exception_keeps_its_type_message_place_and_signature():
    reply = parsed(exception("ValueError", "no", where="f.py, line 2, in f: x", output="o",
                             signature="(a, b)"))
    assert reply == Raised("o", "ValueError", "no", "f.py, line 2, in f: x", "(a, b)")


@pytest.mark.parametrize("fields, limit", [
    ({"error_type": "MemoryError", "out_of_memory": True},
     "ran out of memory (the limit is 321 MB)"),
    ({"error_type": "OSError", "errno": errno.EFBIG},
     "wrote a file larger than the limit of 9 MB"),
    ({"error_type": "OSError", "errno": errno.EMFILE},
     "opened more files than the limit of 11"),
    ({"error_type": "BlockingIOError", "errno": errno.EAGAIN},
     "started more processes than the limit of 7"),
])
def test_a_resource_limit_is_worded_from_the_sandboxs_limits(fields, limit):
    assert parsed(exception(**fields)) == LimitHit("", limit)


def test_eagain_is_a_process_limit_only_from_a_blocking_io_error():
    assert isinstance(parsed(exception("OSError", errno=errno.EAGAIN)), Raised)


@pytest.mark.parametrize("error_type", ["NotImplementedError", "SystemExit", "KeyboardInterrupt"])
def test_a_function_that_stops_on_purpose_is_never_a_limit(error_type):
    reply = parsed(exception(error_type, "can't allocate memory", out_of_memory=True))
    assert reply == Raised("", error_type, "can't allocate memory", None, None)


def test_a_loaded_submission_keeps_what_loading_reported_cut_to_size():
    reply = parse_load_reply({"ok": True, "output": "loading", "problems": ["p" * 600] + [3] * 30})
    assert reply.output == "loading"
    assert reply.problems == ("p" * 500,) + ("3",) * 19


def test_a_load_failure_says_why_and_where():
    reply = parse_load_reply(exception("ImportError", "no module x", where="f.py, line 1",
                                       output="printed"))
    assert reply == LoadFailed("printed", "ImportError: no module x (at f.py, line 1)")


def test_a_load_failure_without_an_exception_type_is_its_message_alone():
    assert parse_load_reply(exception("", "why")) == LoadFailed("", "why")


# -- parsing: what a hostile worker may send ---------------------------------------------

def test_texts_are_cut_to_their_limits():
    reply = parsed(exception("E" * 500, "m" * 10**6, where="w" * 10**6, signature="s" * 10**6,
                             output="o" * 10**6))
    assert reply == Raised("o" * 8192, "E" * 100, "m" * 2000, "w" * 2000, "s" * 500)


def test_fields_of_the_wrong_type_are_dropped():
    reply = parsed({"ok": False, "error_type": ["ValueError"], "error": {"a": 1}, "where": 3,
                    "signature": 2.5, "output": ["not", "text"]})
    assert reply == Raised("", "Error", "", None, None)


def test_only_true_is_ok_and_only_true_is_out_of_memory():
    assert parsed({"ok": 1, "value": 5.0}) == Raised("", "Error", "", None, None)
    assert isinstance(parsed(exception("MemoryError", out_of_memory="yes")), Raised)


def test_an_unknown_error_type_is_an_exception_of_that_name():
    assert parsed(exception("Protocol", "unknown op")) == Raised("", "Protocol", "unknown op",
                                                                None, None)


@pytest.mark.parametrize("number, kept", [(True, None), (False, None), ("24", None),
                                          (24.0, None), (errno.EMFILE, errno.EMFILE)])
def test_errno_is_an_integer_or_nothing(number, kept):
    # No limit's errno is 0 or 1, so a bool could not be mistaken for one in a reply: the
    # rule is checked where it is applied.
    assert worker_client._errno({"errno": number}) == kept


def test_load_problems_of_the_wrong_type_are_dropped():
    assert parse_load_reply({"ok": True, "problems": "not a list"}) == Loaded("", ())


# -- the client: one reply per call ------------------------------------------------------

class Exchanges:
    """Stands in for the worker's channel: answers each exchange in turn, and counts stops."""

    def __init__(self, client: WorkerClient, *answers):
        self.answers = list(answers)
        self.stops = 0
        client._exchange = self.exchange
        client.stop = self.stop

    def exchange(self, request, timeout):
        answer = self.answers.pop(0)
        if isinstance(answer, (TimedOut, WorkerDied)):
            raise WorkerLost(answer)
        return answer

    def stop(self):
        self.stops += 1


def client_with(*answers) -> tuple[WorkerClient, Exchanges]:
    """A client whose worker runs (no start) and has loaded a file that reported a problem."""
    client = WorkerClient(__file__, "x", SimpleNamespace(limits=LIMITS))
    client.process = "running"
    client._loaded = Loaded("", ("cell 2 failed",))
    return client, Exchanges(client, *answers)


def test_the_client_parses_each_call_reply_with_its_limits_and_load_problems():
    client, _ = client_with({"ok": False, "error_type": "MissingFunction", "error": "f"})
    assert client.call("f", [], 1.0) == MissingFunction("", ("cell 2 failed",))


def test_the_client_stops_a_worker_that_hit_a_limit():
    client, channel = client_with(exception("MemoryError", out_of_memory=True),
                                  exception("ValueError"))
    assert isinstance(client.call("f", [], 1.0), LimitHit) and channel.stops == 1
    assert isinstance(client.call("f", [], 1.0), Raised) and channel.stops == 1


def test_a_lost_worker_is_the_calls_ending():
    client, _ = client_with(TimedOut(2.5), WorkerDied("crashed"))
    assert client.call("f", [], 2.5) == TimedOut(2.5)
    assert client.call("f", [], 2.5) == WorkerDied("crashed")


def test_a_submission_that_could_not_be_loaded_answers_every_call_without_a_worker():
    client, channel = client_with()
    client._loaded = LoadFailed("printed", "SyntaxError: x")
    assert client.call("f", [], 1.0) == LoadFailed("printed", "SyntaxError: x")
    assert channel.answers == [] and client.load_output == "printed"


def test_a_worker_lost_while_loading_is_a_load_failure_not_tried_again(monkeypatch):
    client, channel = client_with(TimedOut(60.0))
    client.process = None
    monkeypatch.setattr(client, "launch", lambda: Path("/scratch"))
    assert client.call("f", [], 1.0) == LoadFailed("", "importing it took longer than 60 s")
    assert client.call("f", [], 1.0) == LoadFailed("", "importing it took longer than 60 s")


# -- Student: each ending, as the student reads it ----------------------------------------

class Answers:
    """A client that answers each call with the next of ``replies``."""

    def __init__(self, *replies):
        self.replies = list(replies)
        self.timeouts: list[float] = []

    def call(self, function, args, timeout, projections=None):
        self.timeouts.append(timeout)
        return self.replies.pop(0)


def student(*replies, call_time_limit=5.0, part_time_limit=60.0) -> Student:
    return Student(Answers(*replies), "hw.py", call_time_limit, part_time_limit)


def abort_message(reply, **limits) -> str:
    with pytest.raises(Abort) as abort:
        student(reply, **limits).call("f", x=2)
    return abort.value.message


def test_a_value_is_returned_and_its_output_kept():
    graded = student(Value("printed", 3.0))
    assert graded.call("f", x=2) == 3.0
    assert graded.output == "printed" and graded.calls == 1
    assert graded.last_call == {"function": "f", "inputs": {"x": 2}, "received": 3.0}


@pytest.mark.parametrize("reply, message", [
    (LoadFailed("", "SyntaxError: bad (at hw.py, line 1)"),
     "hw.py could not be loaded: SyntaxError: bad (at hw.py, line 1)"),
    (MissingFunction("", ()), "'f' is not defined in hw.py."),
    (MissingFunction("", ("a", "b", "c", "d")),
     "'f' is not defined in hw.py. Loading it reported: a; b; c."),
    (Raised("", "NotImplementedError", "", None, None),
     "'f' is not implemented yet (it raises NotImplementedError)."),
    (Raised("", "SystemExit", "3", None, None),
     "'f' raised SystemExit when called with x=2; a graded function must return a value."),
    (Raised("", "KeyboardInterrupt", "", None, None),
     "'f' raised KeyboardInterrupt when called with x=2; a graded function must return a "
     "value."),
    (LimitHit("", "ran out of memory (the limit is 321 MB)"),
     "'f' ran out of memory (the limit is 321 MB) when called with x=2."),
    (TimedOut(5.0), "'f' took longer than 5 s when called with x=2."),
    (WorkerDied("crashed with a segmentation fault"),
     "'f' crashed with a segmentation fault when called with x=2."),
])
def test_each_ending_that_ends_the_part_says_why(reply, message):
    assert abort_message(reply) == message


def test_a_timeout_cut_short_by_the_parts_budget_is_the_budget():
    graded = student(TimedOut(3.0), call_time_limit=5.0, part_time_limit=3.0)
    with pytest.raises(Abort) as abort:
        graded.call("f", x=2)
    assert abort.value.message == ("This part took longer than 3 s in total; the remaining "
                                   "checks were not run.")
    assert graded._client.timeouts[0] <= 3.0  # the call had only what was left of the part


def test_a_spent_budget_calls_nothing():
    graded = student(Value("", 1.0), part_time_limit=0.0)
    with pytest.raises(Abort) as abort:
        graded.call("f", x=2)
    assert abort.value.message == ("This part took longer than 0 s in total; the remaining "
                                   "checks were not run.")
    assert graded._client.timeouts == []


def test_a_lost_worker_is_not_a_call_and_keeps_no_output():
    graded = student(WorkerDied("crashed"))
    with pytest.raises(Abort):
        graded.call("f", x=2)
    assert graded.calls == 0 and graded.last_call is None and graded.output == ""


def call_error(reply) -> CallError:
    graded = student(reply)
    with pytest.raises(CallError) as error:
        graded.call("f", x=2)
    assert graded.output == reply.output and graded.last_call["received"] is None
    return error.value


def test_an_exception_is_a_call_error_that_says_where():
    error = call_error(Raised("printed", "ValueError", "no", "hw.py, line 3, in f: x", None))
    assert error.error == "no"
    assert error.feedback(show_inputs=True) == (
        "'f' raised ValueError: no for x=2. The error came from hw.py, line 3, in f: x.")


def test_a_type_error_shows_the_signature_against_the_call():
    error = call_error(Raised("", "TypeError", "missing b", None, "(a, b)"))
    assert error.feedback(show_inputs=False) == (
        "'f' raised TypeError: missing b. Your signature is f(a, b); the grader calls f(x).")


def test_an_unsupported_return_is_a_call_error_that_says_what_to_return():
    error = call_error(UnsupportedReturn("", "a complex tensor"))
    assert error.error == "a complex tensor"
    assert error.feedback(show_inputs=True) == (
        "'f' returned a complex tensor for x=2; return a torch tensor, a NumPy array, a number "
        "or a list of numbers.")
