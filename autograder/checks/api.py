"""Everything a check author needs, in one place: check modules import from here (and from
the content modules beside it, ``strategies`` and ``conditioning``), never from the engine or
from each other's private names.

- ``check``: declare a check, ``@check(case=strategy, examples=60)``.
- ``student.call(name, **inputs)`` / ``student.call_array(name, shape, **inputs)``: the
  student's answer, as data or as a float64 array of a known shape.
- ``Mismatch``: the answer is wrong on this input (raise it with the problem in words).
- ``expect_close`` and ``Tolerance``: every numeric comparison, within a tolerance.
- ``comparison`` and ``matches_reference``: a hidden check against the reference (grader only).
- ``spec``: an object the worker builds (a model, a generator), and ``build_all`` to build the
  identical object for the reference; ``word_image``, the image of a word the worker's
  ``word_loader`` serves.
"""
from __future__ import annotations

from autograder.engine.check_runner import DEFAULT_EXAMPLES, check
from autograder.engine.compare import (FLOAT32_ROUNDOFF, Tolerance, as_float_array,
                                       expect_close, float32_tolerance, recognise)
from autograder.engine.failures import CallError, Mismatch
from autograder.sandbox.builders import build, build_all, spec, word_image

# The comparison with the reference exists on the grader only (``hidden/``), never in the
# students' handout, so its names are looked up when a hidden check first asks for them.
_GRADER_ONLY = ("comparison", "matches_reference", "in_float64")


def __getattr__(name: str):
    if name in _GRADER_ONLY:
        from autograder.checks.hidden import common

        return getattr(common, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["DEFAULT_EXAMPLES", "FLOAT32_ROUNDOFF", "CallError", "Mismatch", "Tolerance",
           "as_float_array", "build", "build_all", "check", "expect_close", "float32_tolerance",
           "recognise", "spec", "word_image", *_GRADER_ONLY]
