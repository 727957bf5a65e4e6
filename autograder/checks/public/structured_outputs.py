"""Public checks for a3's structured outputs (a3.1a, a3.3a, a3.3b)."""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from autograder.checks.api import Mismatch, Tolerance, check, expect_close
from autograder.checks.strategies import cases, reals


@check(case=cases("sequence_nll"))
def sequence_nll_adds_up_positions(student, case):
    """>= 0 for log-probabilities; additive: the NLL of a sequence is the sum of the NLLs of
    its first position and of the rest; and T log C for T positions of C equally likely
    tags."""
    got = float(np.asarray(student.call("sequence_nll", **case), dtype=np.float64).reshape(-1)[0])
    if got < -1e-9:
        raise Mismatch("sequence_nll", case, got, problem="is negative for log-probabilities")
    if len(case["tags"]) > 1:
        head = {"log_probs": case["log_probs"][:1], "tags": case["tags"][:1]}
        tail = {"log_probs": case["log_probs"][1:], "tags": case["tags"][1:]}
        parts = sum(float(np.asarray(student.call("sequence_nll", **part),
                                     dtype=np.float64).reshape(-1)[0]) for part in (head, tail))
        expect_close("sequence_nll", got, parts, inputs=case, tolerance=Tolerance(1e-6, 1e-6),
                     problem="is not the sum over positions")
    T, C = case["log_probs"].shape
    uniform = dict(case, log_probs=torch.full((T, C), -math.log(C), dtype=torch.float64))
    expect_close("sequence_nll", student.call("sequence_nll", **uniform), T * math.log(C),
                 inputs=uniform, tolerance=Tolerance(1e-5, 1e-6),
                 problem="is not T log C when each of the C tags has probability 1/C")


@check(table=arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)),
                    elements=reals(10.0)), data=st.data())
def table_inference_takes_the_row_minimum(student, table, data):
    x = data.draw(st.integers(0, table.shape[0] - 1))
    inputs = {"energy_table": torch.from_numpy(table), "x": x}
    got = student.call("table_inference", **inputs)
    if not isinstance(got, int) or not 0 <= got < table.shape[1] or table[x, got] != table[x].min():
        raise Mismatch("table_inference", inputs, got, problem="is not the column of a lowest "
                       "energy in row x (an int)")


@check(vocab=st.integers(1, 30), tags=st.integers(1, 70))
def counts_of_one_position(student, vocab, tags):
    """With one position there are vocab_size * n_tags pairs and n_tags look-ups; counts are
    exact Python ints."""
    pairs = student.call("count_pairs", vocab_size=vocab, n_tags=tags, length=1)
    lookups = student.call("count_lookups", n_tags=tags, length=1)
    if pairs != vocab * tags or not isinstance(pairs, int):
        raise Mismatch("count_pairs", {"vocab_size": vocab, "n_tags": tags, "length": 1}, pairs,
                       problem="of one position is not vocab_size * n_tags, as an int")
    if lookups != tags or not isinstance(lookups, int):
        raise Mismatch("count_lookups", {"n_tags": tags, "length": 1}, lookups,
                       problem="of one position is not n_tags, as an int")
