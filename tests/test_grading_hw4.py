"""hw4 theory graded both ways: right answers score full marks (in every style: see
tests/test_fairness_corpus.py), and each known mistake loses exactly the parts written below,
with its own message.

The tables here are written by hand from the homework, not derived from the grader: they
state which parts a given mistake must fail.
"""
from __future__ import annotations


import pytest

from autograder.engine.grading import NOT_GRADED
from reference.mistakes import all_mistakes, mistakes_for
from tests.support import (ROOT, assert_mistakes_cost_exactly,
                           assert_not_implemented_everywhere, grade_folder, only_questions,
                           outcomes, reference_submission)

# Which question grades each function (the homework's numbering).
QUESTION_OF = {
    "gibbs_distribution": "1.2.i",
    "nll_loss": "1.2.ii",
    "nll_loss_grad": "1.2.iii",
    "simple_loss": "1.3.a", "simple_loss_grad": "1.3.a",
    "log_loss": "1.3.b", "log_loss_grad": "1.3.b",
    "square_square_loss": "1.3.c", "square_square_loss_grad": "1.3.c",
    "hinge_loss": "1.3.d", "hinge_loss_grad": "1.3.d",
}

GIBBS_PUBLIC = "public.energy_models.gibbs_is_a_distribution"
NLL_PUBLIC = "public.energy_models.nll_is_a_negative_log_probability"
GRAD_PUBLIC = "public.energy_models.nll_grad_properties"


def _hidden(name):
    topic = "energy_models" if name.split("_")[0] in ("gibbs", "nll") else "contrastive_losses"
    return f"hidden.{topic}.{name}"


def _fd(loss):
    return f"public.contrastive_losses.{loss}_grad_matches_own_loss"


# mistakes submitted together -> the parts that must fail (every other part of the same
# questions must pass).
MISTAKE_TABLE = [
    (("gibbs_with_energy_sign_flipped",), {GIBBS_PUBLIC, _hidden("gibbs_value"),
                                           _hidden("gibbs_stability")}),
    (("gibbs_without_beta",), {_hidden("gibbs_value"), _hidden("gibbs_stability")}),
    (("gibbs_without_stabilisation",), {_hidden("gibbs_stability")}),
    (("nll_without_inverse_beta",), {NLL_PUBLIC, _hidden("nll_value"), _hidden("nll_stability")}),
    (("nll_with_inverse_beta_doubled",), {NLL_PUBLIC, _hidden("nll_value"),
                                          _hidden("nll_stability")}),
    (("nll_with_energy_sign_flipped",), {NLL_PUBLIC, _hidden("nll_value"),
                                         _hidden("nll_stability")}),
    (("nll_without_logsumexp",), {_hidden("nll_stability")}),
    (("nll_grad_sign_flipped",), {GRAD_PUBLIC, _hidden("nll_grad_value"),
                                  _hidden("nll_grad_stability")}),
    (("nll_grad_with_energy_sign_flipped",), {GRAD_PUBLIC, _hidden("nll_grad_value"),
                                              _hidden("nll_grad_stability")}),
    (("nll_grad_times_beta",), {GRAD_PUBLIC, _hidden("nll_grad_value"),
                                _hidden("nll_grad_stability")}),
    (("nll_grad_without_stabilisation",), {_hidden("nll_grad_stability")}),
    (("simple_grad_without_indicators",), {_fd("simple"), _hidden("simple_gradient")}),
    (("simple_grad_sign_flipped",), {_fd("simple"), _hidden("simple_gradient")}),
    (("log_loss_without_softplus",), {_hidden("log_stability")}),
    (("log_grad_sign_flipped",), {_fd("log"), _hidden("log_gradient")}),
    (("log_grad_sigmoid_reversed",), {_fd("log"), _hidden("log_gradient")}),
    (("square_square_grad_without_indicators",), {_fd("square_square"),
                                                  _hidden("square_square_gradient")}),
    (("square_square_grad_without_factor_two",), {_fd("square_square"),
                                                  _hidden("square_square_gradient")}),
    # A student whose loss has the margin on the wrong side, with a gradient to match: the
    # loss is flat where the homework's pushes the correct energy down...
    (("hinge_with_margin_on_wrong_side", "hinge_grad_with_margin_on_wrong_side"),
     {_fd("hinge"), _hidden("hinge_value"), _hidden("hinge_gradient")}),
    # ...or with the right gradient, which then disagrees with their own loss.
    (("hinge_with_margin_on_wrong_side",), {_hidden("hinge_value"), _fd("hinge")}),
    (("hinge_grad_sign_flipped",), {_fd("hinge"), _hidden("hinge_gradient")}),
]


def test_every_known_mistake_is_in_the_table():
    tabled = {name for names, _ in MISTAKE_TABLE for name in names}
    assert tabled == {entry.name for entry in all_mistakes() if entry.function in QUESTION_OF}


@pytest.mark.parametrize("names,failing", MISTAKE_TABLE, ids=["+".join(n) for n, _ in MISTAKE_TABLE])
def test_known_mistake_loses_its_parts_and_is_named(tmp_path, hw4, names, failing):
    assert_mistakes_cost_exactly(tmp_path, hw4, QUESTION_OF, names, failing)


def test_the_homework_is_worth_its_points(hw4):
    """The reference's full marks are proven as Gradescope grades it, in
    tests/test_gradescope_rehearsal.py (one full grading of it is enough)."""
    assert hw4.points == 27


def test_template_scores_zero_with_not_implemented_everywhere(hw4):
    assert_not_implemented_everywhere(hw4)


def test_every_mistake_message_is_specific():
    """Each function's mistakes have distinct descriptions, so a message names one mistake."""
    for function in QUESTION_OF:
        descriptions = [entry.description for entry in mistakes_for(function)]
        assert len(descriptions) == len(set(descriptions))


def test_missing_file_costs_every_part_with_a_clear_message(tmp_path, hw4):
    (tmp_path / "hw4.md").write_text("x = 1\n")  # no Python file: nothing could be it
    result = grade_folder(tmp_path, hw4)
    assert result.score == 0
    assert "hw4_theory.py was not found" in result.file_note and "hw4.md" in result.file_note
    assert all(p.feedback == NOT_GRADED for p in result.parts)  # said once, at the top


def test_wrong_signature_is_shown(tmp_path, hw4):
    folder = reference_submission(tmp_path, hw4, extra_code="""
        def nll_loss(energies, y):
            return energies[y]
    """)
    result = grade_folder(folder, only_questions(hw4, ["1.2.ii"]))
    feedback = outcomes(result)[NLL_PUBLIC][1]
    assert "TypeError" in feedback and "nll_loss(energies, y)" in feedback


def test_wrong_shape_is_named(tmp_path, hw4):
    folder = reference_submission(tmp_path, hw4, extra_code="""
        import torch
        def gibbs_distribution(energies, beta):
            return torch.softmax(-beta * energies, dim=0)[None, :]
    """)
    result = grade_folder(folder, only_questions(hw4, ["1.2.i"]))
    assert result.score == 0
    assert all("shape" in part.feedback for part in result.parts)


def test_an_exception_names_the_students_line(tmp_path, hw4):
    folder = reference_submission(tmp_path, hw4, extra_code="""
        def gibbs_distribution(energies, beta):
            scores = -beta * energies
            return scores[len(scores)]
    """)
    result = grade_folder(folder, only_questions(hw4, ["1.2.i"]))
    feedback = outcomes(result)[GIBBS_PUBLIC][1]
    assert "raised IndexError" in feedback
    assert "hw4_theory.py, line" in feedback and "return scores[len(scores)]" in feedback


def test_constant_answers_earn_nothing(hw4):
    """Uniform probabilities, log(n)/beta, zero gradients and zero losses satisfy the weaker
    properties of each public check; the checks must still give them no point."""
    result = grade_folder(ROOT / "tests" / "submissions" / "hw4" / "constant_answers", hw4)
    assert result.score == 0, [(p.part.check, p.score) for p in result.parts if p.score]
