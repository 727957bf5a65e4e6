"""Hidden checks for a3's structured outputs: the sequence NLL and exact counts."""
from __future__ import annotations

from autograder.checks.api import Mismatch, check, float32_tolerance
from autograder.checks.hidden.common import comparison
from autograder.checks.strategies import cases
from reference import structured_outputs as ref

sequence_nll_value = comparison("sequence_nll", ref.sequence_nll, cases("sequence_nll"),
                                lambda case: float32_tolerance(10.0 * len(case["tags"])))


@check(case=cases("count_pairs"), examples=30)
def counts_are_exact(student, case):
    """Exact Python ints, however large (27**40 has 58 digits: a float is not enough)."""
    lookups = {"n_tags": case["n_tags"], "length": case["length"]}
    for function, inputs, expected in (("count_pairs", case, ref.count_pairs(**case)),
                                       ("count_lookups", lookups, ref.count_lookups(**lookups))):
        got = student.call(function, **inputs)
        if not isinstance(got, int) or got != expected:
            raise Mismatch(function, inputs, got, expected, problem="is not the exact count"
                           + (" (a float cannot hold it exactly: return a Python int)"
                              if isinstance(got, float) else ""))
