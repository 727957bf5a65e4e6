"""bench/mutation.py: its operators make the expected mutants of a tiny function, equivalence is
judged on the inputs given (the domain decides), and mutants that could disturb each other never
share a submission."""
from __future__ import annotations

import ast
import types

import torch

from bench import mutation

TINY = '''
def free(x, beta):
    """F = -(1/beta) logsumexp(-beta x)."""
    return -torch.logsumexp(-beta * x, dim=0) / beta
'''

LOOPS = '''
def tail_sums(x, n):
    total = 0
    for i in range(n):
        total = total + x[i:].sum()
    return total if x.max() < n else -total
'''


def returned(mutants, function="free") -> set[str]:
    """What each mutant returns (its last statement's value), normalised by ast."""
    return {ast.unparse(ast.parse(m.source).body[0].body[-1].value) for m in mutants
            if m.function == function}


def test_the_operators_make_the_course_mistakes_of_a_one_line_function():
    mutants = mutation.make_mutants("free", TINY)
    values = returned(mutants)
    # each written by hand: the mistake each operator stands for
    for expected in ["torch.logsumexp(-beta * x, dim=0) / beta",  # sign of F flipped
                     "-torch.logsumexp(beta * x, dim=0) / beta",  # sign of the energy
                     "-torch.logsumexp(-beta * x, dim=0) * beta",  # * <-> /
                     "-torch.logsumexp(-beta * x, dim=0)",  # 1/beta dropped
                     "-torch.logsumexp(-beta * x, dim=0) / beta / beta",  # 1/beta twice
                     "-torch.logsumexp(x, dim=0) / beta",  # beta dropped inside
                     "-torch.log(torch.exp(-beta * x).sum(dim=0)) / beta",  # naive
                     "-torch.logsumexp(-beta * x, dim=1) / beta",  # another axis
                     "torch.zeros_like(-torch.logsumexp(-beta * x, dim=0) / beta)"]:
        assert expected in values, (expected, sorted(values))
    assert "-torch.logsumexp(-beta * x, dim=0) / beta" not in values  # no mutant is a no-op
    assert len(values) == len(mutants)  # no two mutants alike
    assert {m.operator for m in mutants} >= {"sign", "mul_div", "factor", "naive", "axis",
                                             "swap", "constant"}
    # the docstring is never mutated
    assert all('"""F = -(1/beta) logsumexp(-beta x)."""' in m.source for m in mutants)


def test_the_operators_reach_ranges_slices_reductions_and_comparisons():
    sources = {ast.unparse(ast.parse(m.source)) for m in mutation.make_mutants("tail_sums", LOOPS)}
    for fragment in ["range(n + 1)", "range(n - 1)", "range(1, n)", "x[i + 1:]", "x[i:-1]",
                     "x[i:].mean()", "x.min() < n", "x.max() <= n"]:
        assert any(fragment in source for source in sources), fragment


def test_at_most_so_many_mutants_per_operator():
    long = "def many(a, b):\n" + "".join(f"    a = a + b * {k}\n" for k in range(1, 30)) + \
           "    return a\n"
    mutants = mutation.make_mutants("many", long)
    counts = {name: sum(m.operator == name for m in mutants) for name in mutation.OPERATORS}
    assert max(counts.values()) == mutation.MAX_PER_OPERATOR
    assert {m.line for m in mutants if m.operator == "sign"} >= {2, 30}  # spread over the body


def _module_of(source: str) -> types.ModuleType:
    module = types.ModuleType("tiny")
    module.torch = torch
    exec(source, vars(module))  # noqa: S102
    return module


def _mutant(body: str) -> mutation.Mutant:
    source = f"def free(x, beta):\n    return {body}\n"
    return mutation.Mutant("free-001", "free", "test", "", 2, source, "")


def test_equivalence_is_judged_on_the_inputs_of_the_domain():
    module = _module_of(TINY)
    moderate = [({"x": torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64), "beta": beta}, None)
                for beta in (0.5, 1.0, 3.0)]
    large = [({"x": torch.tensor([900.0, 950.0], dtype=torch.float64), "beta": 10.0}, None)]
    on_moderate = mutation.answered({"free": module.free}, "free", moderate)
    on_all = mutation.answered({"free": module.free}, "free", moderate + large)
    assert len(on_all) == 4  # the reference answers every input

    def judge(body, cases):
        return mutation.judge_equivalence(_mutant(body), module, cases)

    # the same function written otherwise (dim=-1 is dim=0 on a vector; a product commutes)
    assert judge("-torch.logsumexp(-x * beta, dim=-1) / beta", on_all) == "equivalent"
    # a wrong factor differs on every input
    assert judge("-torch.logsumexp(-beta * x, dim=0) / beta / beta", on_moderate) == "differs"
    # the naive form agrees where exp() does not overflow: only the domain's large energies
    # tell it apart
    naive = "-torch.log(torch.exp(-beta * x).sum(dim=0)) / beta"
    assert judge(naive, on_moderate) == "equivalent"
    assert judge(naive, on_all) == "differs"
    # a mutant that raises on every input is not the mutant meant
    assert judge("-torch.logsumexp(-beta * x, dim=1) / beta", on_all) == "discarded"
    # with no input to compare on (a model the checks only build), nothing is known: graded
    assert judge("-torch.logsumexp(-beta * x, dim=0) / beta / beta", []) == "differs"


def test_answers_are_the_same_only_up_to_rounding():
    assert mutation.same([1.0, float("nan")], [1.0 + 1e-15, float("nan")])
    assert mutation.same(float("inf"), float("inf"))
    assert not mutation.same(1.0 + 1e-6, 1.0)
    assert not mutation.same(3.0, 3)  # an int answer is exact (counts, indices)
    assert not mutation.same([1.0, 2.0], [1.0])


def _graded(name: str, parts, source_names=()) -> mutation.Graded:
    return mutation.Graded(name, None, list(parts), [], set(source_names))


def test_mutants_share_a_submission_only_when_they_cannot_disturb_each_other():
    functions = {
        "loss": _graded("loss", ["hidden.loss", "public.grad_matches_loss"]),
        "loss_grad": _graded("loss_grad", ["hidden.grad", "public.grad_matches_loss"]),
        "gibbs": _graded("gibbs", ["hidden.gibbs"]),
        "nll_grad": _graded("nll_grad", ["hidden.nll_grad"], {"gibbs", "torch"}),
        "other": _graded("other", ["hidden.other"]),
    }
    lanes = mutation.lanes(functions)
    assert sorted(name for lane in lanes for name in lane) == sorted(functions)
    lane_of = {name: index for index, lane in enumerate(lanes) for name in lane}
    assert lane_of["loss"] != lane_of["loss_grad"]  # one part calls both
    assert lane_of["gibbs"] != lane_of["nll_grad"]  # one calls the other
    pending = {"loss": ["l1", "l2", "l3"], "gibbs": ["g1"], "other": []}
    assert mutation.rounds(["loss", "gibbs", "other"], pending) == [["l1", "g1"], ["l2"], ["l3"]]
