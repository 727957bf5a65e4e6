"""Hidden checks for a3's structured outputs: the sequence NLL and exact counts."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from autograder.checks.hidden.common import comparison
from autograder.checks.public.structured_outputs import tagged_sequences
from autograder.engine.checks import check
from autograder.engine.compare import float32_tolerance
from autograder.engine.outcomes import Mismatch
from reference import structured_outputs as ref

sequence_nll_value = comparison("sequence_nll", ref.sequence_nll, tagged_sequences(),
                                lambda case: float32_tolerance(10.0 * len(case["tags"])))


@check(max_examples=30)
@given(vocab=st.integers(1, 30), tags=st.integers(1, 70), length=st.integers(1, 40))
def counts_are_exact(student, vocab, tags, length):
    """Exact Python ints, however large (27**40 has 58 digits: a float is not enough)."""
    for function, inputs, expected in (
            ("count_pairs", {"vocab_size": vocab, "n_tags": tags, "length": length},
             ref.count_pairs(vocab, tags, length)),
            ("count_lookups", {"n_tags": tags, "length": length},
             ref.count_lookups(tags, length))):
        got = student.call(function, **inputs)
        if not isinstance(got, int) or got != expected:
            raise Mismatch(function, inputs, got, expected, problem="is not the exact count"
                           + (" (a float cannot hold it exactly: return a Python int)"
                              if isinstance(got, float) else ""))
