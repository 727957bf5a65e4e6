"""One known mistake is named for a wrong answer, the right one: the mistake that explains
every failing input the check saw, or else the closest to the answer on the input reported
(ties: registry order). Hypothesis reports its smallest failing input, where mistakes that
differ everywhere else often coincide; naming all of them there told students to fix code
they had got right, and counted one submission's mistake twice in the regrade report."""
from __future__ import annotations

from functools import partial

import torch
from hypothesis import strategies as st

import reference.mistakes
from autograder.engine.check_runner import check, run_check
from autograder.engine.compare import Tolerance, expect_close
from autograder.staff import summary
from autograder.staff.regrade import grading_record
from reference.mistakes import Mistake, mistakes_for
from tests.support import grade_folder, only_questions, reference_submission

LOOSE = Tolerance(atol=1e-3, rtol=1e-3)


class LocalStudent:
    """A student whose function ``f(x)`` runs in this process, remembering its inputs."""

    def __init__(self, f):
        self.f = f
        self.inputs: list[int] = []

    def call(self, function, x):
        self.inputs.append(x)
        return self.f(x)


def identity_check(mistakes: dict):
    """A check of f(x) = x for integers x >= 0, naming the ``mistakes`` (description ->
    wrong f) in their order; hypothesis shrinks any failure of a mistake below to x = 1."""

    @check(examples=30, x=st.integers(0, 1000))
    def identity(student, x):
        expect_close("f", student.call("f", x=x), float(x), inputs={"x": x}, tolerance=LOOSE,
                     mistakes=[(name, partial(wrong, x)) for name, wrong in mistakes.items()])

    return identity


def outcome_of(f, mistakes: dict):
    student = LocalStudent(f)
    return student, run_check(identity_check(mistakes), student, show_inputs=True,
                              show_expected=True)


def test_the_mistake_that_explains_every_failing_input_is_named_not_one_that_coincides():
    mistakes = {"x squared plus x": lambda x: x * x + x,  # equals 2x at x = 1 only
                "x doubled": lambda x: 2 * x}
    _, outcome = outcome_of(lambda x: 2 * x, mistakes)
    assert "for x=1:" in outcome.feedback  # where both mistakes give 2
    assert outcome.mistakes == ("x doubled",)
    assert outcome.feedback.endswith("This looks like a known mistake: x doubled.")


def test_where_no_mistake_explains_every_input_the_closest_on_the_reported_one_is_named():
    mistakes = {"x doubled, plus 0.002": lambda x: 2 * x + 0.002,  # within LOOSE of 2x at x=1
                "x tripled": lambda x: 3 * x,
                "x doubled": lambda x: 2 * x,
                "x times two": lambda x: x * 2}  # a tie: the first in the registry is named
    student, outcome = outcome_of(lambda x: 2 * x if x <= 5 else 3 * x, mistakes)
    assert any(x > 5 for x in student.inputs)  # where "x doubled" does not fit
    assert "for x=1:" in outcome.feedback
    assert outcome.mistakes == ("x doubled",)


def test_an_answer_matching_no_mistake_names_none():
    _, outcome = outcome_of(lambda x: x + 7, {"x doubled": lambda x: 2 * x})
    assert not outcome.passed and outcome.mistakes == ()
    assert "known mistake" not in outcome.feedback


MISSING_INVERSE_BETA = next(m for m in mistakes_for("nll_loss")
                            if m.name == "nll_without_inverse_beta")
# Test-only: coincides with the missing 1/beta wherever there are two labels (hypothesis's
# smallest failing inputs), and nowhere else.
TWO_LABELS = Mistake(
    "nll_loss", "nll_over_two_labels", "the log-sum-exp covers the first two labels only",
    lambda energies, y, beta: beta * energies[y] + torch.logsumexp(-beta * energies[:2], 0))


def test_a_grading_names_one_of_two_coinciding_mistakes_and_the_report_counts_it_once(
        tmp_path, hw4, monkeypatch):
    # First in the registry, so that naming the first match would name it.
    monkeypatch.setitem(reference.mistakes._REGISTRY, "nll_loss",
                        [TWO_LABELS, *mistakes_for("nll_loss")])
    question = only_questions(hw4, ["1.2.ii"])
    result = grade_folder(reference_submission(tmp_path, question, [MISSING_INVERSE_BETA.name]),
                          question)
    hidden = [part for part in result.parts if part.part.check.startswith("hidden.")]
    for part in hidden:  # both mistakes fit the answer on the input reported
        reported = {name: part.last_call["inputs"][name] for name in ("energies", "y", "beta")}
        for mistake in (TWO_LABELS, MISSING_INVERSE_BETA):
            assert LOOSE.accepts(float(mistake.implementation(**reported)),
                                 float(part.last_call["received"])), (mistake.name, reported)
    assert [part.mistakes for part in hidden] == [(MISSING_INVERSE_BETA.description,)] * 2
    assert all(TWO_LABELS.description not in part.feedback for part in hidden)

    report = summary.report(question, [grading_record(result, "fingerprint")])
    assert f"- 1 submission: {MISSING_INVERSE_BETA.description}" in report
    assert report.count(MISSING_INVERSE_BETA.description) == 1
    assert TWO_LABELS.description not in report
