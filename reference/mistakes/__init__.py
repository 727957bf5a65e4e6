"""Known mistakes: named wrong variants of reference functions, so the grader can name them.

Each variant is a function with the contract's signature, registered with ``@mistake`` under
the student-facing function it imitates. The grader calls the variants only after a student's
answer has failed, and names one: the variant matching the answer on every failing input of
the check, or else the one closest to it on the input reported. Where variants coincide on
every input a check tried, the one registered first is named, so a variant whose description
holds for the others there (an overflow, where all of them overflow) comes first. The
project's tests turn each variant into a submission and prove it is caught and recognised.

Every module of this package is loaded (found by scanning it, never from a list to keep up to
date), so a file of mistakes added here is recognised without registering it anywhere else.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable

@dataclass(frozen=True)
class Mistake:
    function: str  # the student-facing function it imitates
    name: str  # the variant's own name, as the tests refer to it
    description: str  # what the student is told
    implementation: Callable


_REGISTRY: dict[str, list[Mistake]] = {}


def mistake(function: str, description: str):
    """Register the decorated function as a known mistake in ``function``."""

    def register(implementation: Callable) -> Callable:
        _REGISTRY.setdefault(function, []).append(
            Mistake(function, implementation.__name__, description, implementation))
        return implementation

    return register


def topics() -> list[str]:
    """The modules of this package, one per topic of the reference."""
    return sorted(module.name for module in pkgutil.iter_modules(__path__))


@functools.cache  # once per process: scanning the package on each comparison took 5% of a grading
def _load_all() -> None:
    for topic in topics():
        importlib.import_module(f"{__name__}.{topic}")


def mistakes_for(function: str) -> list[Mistake]:
    _load_all()
    return list(_REGISTRY.get(function, ()))


def all_mistakes() -> list[Mistake]:
    _load_all()
    return [entry for entries in _REGISTRY.values() for entry in entries]
