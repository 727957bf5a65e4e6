"""How a check ends when it does not pass, and the feedback each ending carries.

``CallError`` and ``Mismatch`` are ordinary exceptions, so hypothesis shrinks them to the
smallest failing input. ``Abort`` derives from ``BaseException`` on purpose: hypothesis lets it
through at once, without shrinking, which is right for endings that do not depend on the input
(a missing function, "not implemented", a dead worker, an exhausted time budget).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from autograder.engine.formatting import describe_value, format_inputs


class Abort(BaseException):
    """Ends the current part at once; ``message`` is shown to the student."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class CallError(Exception):
    """The student's function raised, or returned something that is not numeric data."""

    function: str
    error_type: str
    error: str
    inputs: dict = field(default_factory=dict)
    signature: str | None = None
    where: str | None = None  # the line of the student's file the error came through

    def feedback(self, show_inputs: bool) -> str:
        where = f" for {format_inputs(self.inputs)}" if show_inputs and self.inputs else ""
        if self.error_type == "Unsupported":
            return (f"'{self.function}' returned {self.error}{where}; return a torch tensor, "
                    "a NumPy array, a number or a list of numbers.")
        text = f"'{self.function}' raised {self.error_type}: {self.error}{where}."
        if self.where:
            text += f" The error came from {self.where}."
        if self.error_type == "NameError" and "is not defined" in self.error:
            text += (" A graded function only has its arguments and your definitions: a global "
                     "made by a cell that runs code (a data loader, a model) does not exist "
                     "when grading; use the argument instead.")
        if self.error_type == "TypeError" and self.signature is not None:
            text += f" Your signature is {self.function}{self.signature}"
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
    mistakes: tuple[str, ...] = ()  # the known mistakes ``got`` matches (``compare.recognise``)
    hint: str | None = None  # said when no known mistake is recognised

    def feedback(self, show_inputs: bool, show_expected: bool) -> str:
        where = f" for {format_inputs(self.inputs)}" if show_inputs and self.inputs else ""
        text = f"'{self.function}' {self.problem}{where}"
        if show_expected and self.expected is not None:
            text += f": expected {describe_value(self.expected)}, got {describe_value(self.got)}"
        elif show_inputs:
            text += f": got {describe_value(self.got)}"
        text += "."
        if len(self.mistakes) == 1:
            text += f" This looks like a known mistake: {self.mistakes[0]}."
        elif self.mistakes:
            text += (" This looks like one of these known mistakes: "
                     + "; or ".join(self.mistakes) + ".")
        elif self.hint:
            text += f" {self.hint}"
        return text

    def __str__(self) -> str:
        return self.feedback(show_inputs=True, show_expected=True)
