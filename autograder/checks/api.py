"""Everything a check author needs, in one place: check modules import from here (and from
the content modules beside it, ``strategies`` and ``conditioning``), never from the engine or
from each other's private names.

- ``check``: declare a check, ``@check(case=strategy, examples=60)``.
- ``student.call(name, **inputs)`` / ``student.call_array(name, shape, **inputs)``: the
  student's answer, as data or as a float64 array of a known shape.
- ``Mismatch``: the answer is wrong on this input (raise it with the problem in words).
- ``expect_close`` and ``Tolerance``: every numeric comparison, within a tolerance.
- ``spec``: an object the worker builds (a model, a generator), and ``build_all`` to build the
  identical object for the reference; ``word_image``, the image of a word the worker's
  ``word_loader`` serves.

Hidden checks compare with the reference through ``checks/hidden/common.py`` (``comparison``,
``matches_reference``, ``in_float64``): it needs the reference and its known mistakes, which
the students' handout lacks, so it cannot be part of this module, which ships with it.
"""
from __future__ import annotations

from autograder.engine.check_runner import DEFAULT_EXAMPLES, check
from autograder.engine.compare import (FLOAT32_ROUNDOFF, Tolerance, as_float_array,
                                       expect_close, float32_tolerance, recognise)
from autograder.engine.failures import CallError, Mismatch
from autograder.sandbox.builders import build, build_all, spec, word_image

__all__ = ["DEFAULT_EXAMPLES", "FLOAT32_ROUNDOFF", "CallError", "Mismatch", "Tolerance",
           "as_float_array", "build", "build_all", "check", "expect_close", "float32_tolerance",
           "recognise", "spec", "word_image"]
