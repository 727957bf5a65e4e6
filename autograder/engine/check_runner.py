"""Declaring grading checks and running one of them against a student.

A check is a function ``check(student, **drawn)``, declared by ``@check(case=strategy)``:
hypothesis draws its inputs with the settings that make grading deterministic and quiet
(derandomised, seeded by the check's path, no example database, no deadline, one bug
reported), and ``run_check`` turns whatever ending the check has into a ``CheckResult``.
"""
from __future__ import annotations

import hashlib
import importlib
import traceback
from dataclasses import dataclass
from typing import Callable

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings

from autograder.engine.isolation import GraderEnvironmentError
from autograder.engine.failures import Abort, CallError, Mismatch, mistakes_seen, the_mistake

CHECKS_PACKAGE = "autograder.checks"
DEFAULT_EXAMPLES = 60


def _draw_from_the_seed_alone() -> None:
    """hypothesis mixes into its draws the constants of every module it takes for the
    project's own code among those loaded in the process. Which those are differs from place
    to place: Gradescope has loaded the hidden checks and the reference, a student's check
    neither, and in some installations (a relocated or linked standard library) all of the
    standard library looks local. The same seed would then draw other inputs, and a student
    could see other public examples than Gradescope. So grading draws from the seed alone:
    hypothesis's own constants only, never the loaded modules'. (hypothesis is pinned in
    requirements.txt, so this private hook is the one this version has.)"""
    from hypothesis.internal.conjecture import providers

    no_constants = providers.Constants()
    providers._get_local_constants = lambda: no_constants


_draw_from_the_seed_alone()


def check(examples: int = DEFAULT_EXAMPLES, **strategies) -> Callable:
    """Declare a grading check ``function(student, **drawn)``: each keyword names an argument
    and the hypothesis strategy that draws it, for ``examples`` draws, with the settings that
    make grading deterministic and quiet. Without strategies the check runs once."""

    def decorate(function: Callable) -> Callable:
        if hasattr(function, "hypothesis"):
            raise TypeError(f"{function.__name__}: give its strategies to @check "
                            "(@check(case=...)), not to hypothesis' @given")
        if strategies:
            function = settings(
                max_examples=examples,
                derandomize=True,
                database=None,
                deadline=None,
                print_blob=False,
                report_multiple_bugs=False,
                verbosity=Verbosity.quiet,
                suppress_health_check=list(HealthCheck),
                phases=(Phase.explicit, Phase.generate, Phase.shrink),
            )(given(**strategies)(function))
            function.drawn_arguments = tuple(strategies)
        function.is_grading_check = True
        return function

    return decorate


def load_check(path: str) -> Callable:
    """``"public.energy_models.gibbs_is_a_distribution"`` -> the check function.

    Raises ``ModuleNotFoundError`` where the module is absent (hidden checks in a handout).
    """
    module_name, _, name = path.rpartition(".")
    module = importlib.import_module(f"{CHECKS_PACKAGE}.{module_name}")
    function = getattr(module, name, None)
    if not getattr(function, "is_grading_check", False):
        raise LookupError(f"{path} is not a grading check")
    if hasattr(function, "hypothesis"):
        hypothesis.seed(seed_of(path))(function)
    return function


def seed_of(path: str) -> int:
    """The seed a check draws its inputs from: a digest of its path alone. hypothesis would
    otherwise derive it from the check's source code, decorators included, so that reformatting
    a check would show every student other inputs (and other failing examples) on a regrade."""
    return int.from_bytes(hashlib.sha256(path.encode()).digest()[:8], "big")


@dataclass
class CheckResult:
    passed: bool
    feedback: str = ""
    internal_error: str | None = None
    mistakes: tuple[str, ...] = ()  # the known mistake recognised in a wrong answer, if any


@mistakes_seen()
def run_check(function: Callable, student, *, show_inputs: bool,
              show_expected: bool) -> CheckResult:
    try:
        function(student)
    except Abort as abort:
        return CheckResult(False, abort.message)
    except Mismatch as mismatch:
        mismatch.mistakes = the_mistake(mismatch.mistakes)
        return CheckResult(False, mismatch.feedback(show_inputs, show_expected),
                            mistakes=mismatch.mistakes)
    except CallError as error:
        return CheckResult(False, error.feedback(show_inputs))
    except hypothesis.errors.Flaky:
        return CheckResult(False, "Your code gave different answers when called twice with the "
                                   "same input; graded functions must be deterministic.")
    except GraderEnvironmentError:
        raise  # the grader's environment failed: no part may be scored on it
    except Exception:  # noqa: BLE001 - a grader bug must cost a part, never the whole run
        return CheckResult(False, "The grader could not run this check; the course staff "
                                   "has been told.", internal_error=traceback.format_exc())
    return CheckResult(True)
