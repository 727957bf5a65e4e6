"""What a request to the worker came to, one type per kind of ending.

The worker runs the student's code, so what it sends may be anything: ``worker_client``
parses each of its replies once, checking every field, into one of these types. ``Student``
and ``failures`` read the types (``isinstance``, ``match``), never the worker's dicts nor the
words of a message, so a new kind of ending is a new type that a reader of this module sees.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    """The worker answered; ``output`` is what the student's code printed meanwhile."""

    output: str


@dataclass(frozen=True)
class Loaded(Answer):
    """The submission was loaded; ``problems``: what loading it reported nonetheless (the
    definitions of a notebook that could not be read), shown when a function is missing."""

    problems: tuple[str, ...]


@dataclass(frozen=True)
class LoadFailed(Answer):
    """The submission could not be loaded; ``reason`` says why, in words for the student.
    Every call answers this, since nothing of the submission can run."""

    reason: str


@dataclass(frozen=True)
class Value(Answer):
    """The function returned ``value``, reduced to plain data by the worker."""

    value: object


@dataclass(frozen=True)
class MissingFunction(Answer):
    """The submission defines no function of that name; ``load_problems`` may say why."""

    load_problems: tuple[str, ...]


@dataclass(frozen=True)
class UnsupportedReturn(Answer):
    """The function returned something that is not numeric data, ``description`` of it
    (e.g. "an object of type Liar")."""

    description: str


@dataclass(frozen=True)
class Raised(Answer):
    """The student's code raised an exception of type ``type_name`` saying ``message``;
    ``where``: the line of the student's file it came through; ``signature``: the function's."""

    type_name: str
    message: str
    where: str | None
    signature: str | None

    @property
    def not_implemented(self) -> bool:
        """The function says it is not written yet."""
        return self.type_name == "NotImplementedError"

    @property
    def exited(self) -> bool:
        """The function asked to end the program instead of returning."""
        return self.type_name in ("SystemExit", "KeyboardInterrupt")


@dataclass(frozen=True)
class LimitHit(Answer):
    """The call hit a resource limit of the sandbox; ``limit`` says which, in plain words
    (e.g. "ran out of memory (the limit is 1024 MB)"). The worker is stopped: what it left
    behind must not reach the next part."""

    limit: str


@dataclass(frozen=True)
class TimedOut:
    """The worker did not answer within ``seconds``, and was stopped."""

    seconds: float

    @property
    def reason(self) -> str:
        return f"took longer than {self.seconds:g} s"


@dataclass(frozen=True)
class WorkerDied:
    """The worker is gone for another ``reason`` (a crash, an exit, an unreadable answer)."""

    reason: str


# What a call can come to.
CallReply = Value | MissingFunction | UnsupportedReturn | Raised | LimitHit | LoadFailed \
    | TimedOut | WorkerDied
