"""How a check ends when it does not pass, and the feedback each ending carries.

``CallError`` and ``Mismatch`` are ordinary exceptions, so hypothesis shrinks them to the
smallest failing input. ``Abort`` derives from ``BaseException`` on purpose: hypothesis lets it
through at once, without shrinking, which is right for endings that do not depend on the input
(a missing function, "not implemented", a dead worker, an exhausted time budget).
"""
from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from autograder.engine.formatting import describe_value, format_inputs
from autograder.engine.replies import Raised, UnsupportedReturn

# The known mistakes matched on each failing input of the check running (``mistakes_seen``).
_MATCHED_PER_INPUT: ContextVar[list | None] = ContextVar("matched_per_input", default=None)


class Abort(BaseException):
    """Ends the current part at once; ``message`` is shown to the student."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class CallError(Exception):
    """The student's function raised (``Raised``), or returned something that is not numeric
    data (``UnsupportedReturn``)."""

    function: str
    reply: Raised | UnsupportedReturn
    inputs: dict = field(default_factory=dict)

    @property
    def error(self) -> str:
        """What the student's code said: the exception's message, or what it returned."""
        if isinstance(self.reply, UnsupportedReturn):
            return self.reply.description
        return self.reply.message

    def feedback(self, show_inputs: bool) -> str:
        where = f" for {format_inputs(self.inputs)}" if show_inputs and self.inputs else ""
        if isinstance(self.reply, UnsupportedReturn):
            return (f"'{self.function}' returned {self.reply.description}{where}; return a "
                    "torch tensor, a NumPy array, a number or a list of numbers.")
        raised = self.reply
        text = f"'{self.function}' raised {raised.type_name}: {raised.message}{where}."
        if raised.where:
            text += f" The error came from {raised.where}."
        # The message is the student's exception's own: only a hint depends on its words.
        if raised.type_name == "NameError" and "is not defined" in raised.message:
            text += (" A graded function only has its arguments and your definitions: a global "
                     "made by a cell that runs code (a data loader, a model) does not exist "
                     "when grading; use the argument instead.")
        if raised.type_name == "TypeError" and raised.signature is not None:
            text += f" Your signature is {self.function}{raised.signature}"
            text += (f"; the grader calls {self.function}({', '.join(self.inputs)})."
                     if self.inputs else ".")
        return text


@dataclass
class Mismatch(AssertionError):
    """The student's answer is wrong on a concrete input."""

    function: str
    inputs: dict
    got: object
    expected: object = None
    problem: str = "does not match the expected value"
    # The known mistakes ``got`` matches on this input, the closest first (``compare.recognise``);
    # ``checks.run_check`` keeps the one to name (``the_mistake``).
    mistakes: tuple[str, ...] = ()
    hint: str | None = None  # said when no known mistake is recognised

    def __post_init__(self):
        self.mistakes = tuple(self.mistakes or ())
        matched = _MATCHED_PER_INPUT.get()
        if matched is not None:
            matched.append(self.mistakes)

    def feedback(self, show_inputs: bool, show_expected: bool) -> str:
        where = f" for {format_inputs(self.inputs)}" if show_inputs and self.inputs else ""
        text = f"'{self.function}' {self.problem}{where}"
        if show_expected and self.expected is not None:
            text += f": expected {describe_value(self.expected)}, got {describe_value(self.got)}"
        elif show_inputs:
            text += f": got {describe_value(self.got)}"
        text += "."
        if self.mistakes:
            text += f" This looks like a known mistake: {self.mistakes[0]}."
        elif self.hint:
            text += f" {self.hint}"
        return text

    def __str__(self) -> str:
        return self.feedback(show_inputs=True, show_expected=True)


@contextmanager
def mistakes_seen():
    """While the block (or the decorated function) runs, collect the known mistakes matched on
    each failing input, one tuple per ``Mismatch`` made, for ``the_mistake``: hypothesis tries
    many inputs but reports one, on which mistakes that differ elsewhere may coincide."""
    token = _MATCHED_PER_INPUT.set([])
    try:
        yield
    finally:
        _MATCHED_PER_INPUT.reset(token)


def the_mistake(reported: tuple[str, ...]) -> tuple[str, ...]:
    """The one known mistake to name, of those matched on the reported input (``reported``,
    the closest first): the one matched on every failing input seen (``mistakes_seen``), or,
    where none or several are, the closest on the reported input. Empty where none matched."""
    seen = _MATCHED_PER_INPUT.get() or []
    explaining = [mistake for mistake in reported if all(mistake in m for m in seen)]
    return tuple((explaining or list(reported))[:1])
