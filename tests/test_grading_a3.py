"""a3 graded both ways: the reference scores full marks (solutions in other styles: see
tests/test_fairness_corpus.py), the template 0, and each named mistake loses exactly the parts
below with its own message."""
from __future__ import annotations

import pytest

from reference.mistakes import all_mistakes
from tests.support import (assert_mistakes_cost_exactly,
                           assert_not_implemented_everywhere, grade_folder, only_questions,
                           outcomes, reference_submission)

QUESTION_OF = {"free_energy": "t.free", "margin_loss": "t.hinge", "perceptron_grad": "t.percgrad",
               "logistic_regression_grad": "t.logreg", "latent_free_energy": "t.latF",
               "sparse_coding_free_energy": "a3.5b", "kmeans_free_energy": "a3.5e"}

MISTAKE_TABLE = [
    ("free_energy_with_lecture_sign", {"public.energy_models.free_energy_lies_below_the_minimum",
                                       "hidden.energy_models.free_energy_value",
                                       "hidden.energy_models.free_energy_stability"}),
    ("margin_over_all_answers", {"public.ebm_losses.margin_loss_is_a_hinge_on_the_best_wrong_answer",
                                 "hidden.ebm_losses.margin_value"}),
    # sign(0) only matters where w.x = 0, which no property of the public check pins down.
    ("perceptron_grad_sign_zero_positive", {"hidden.linear_models.perceptron_value"}),
    ("logistic_grad_with_zero_one_labels", {
        "public.linear_models.logistic_regression_grad_matches_differences",
        "hidden.linear_models.logistic_value"}),
    ("latent_free_energy_with_lecture_sign", {
        "public.latent_variables.latent_free_energy_is_a_soft_minimum",
        "hidden.latent_variables.latent_free_energy_value",
        "hidden.latent_variables.latent_free_energy_stability"}),
    # Its z attains its F: only the comparison with the true minimum can see it.
    ("sparse_coding_without_lambda", {"public.latent_variables.sparse_code_attains_its_free_energy",
                                      "hidden.latent_variables.sparse_coding_reaches_the_minimum"}),
    ("kmeans_distance_not_squared", {"public.latent_variables.kmeans_picks_the_nearest_centroid",
                                     "hidden.latent_variables.kmeans_value"}),
]


@pytest.fixture(scope="module")
def a3():
    from autograder.engine.config import load_assignment

    return load_assignment("a3")


def test_every_known_mistake_is_in_the_table():
    assert {name for name, _ in MISTAKE_TABLE} == {
        m.name for m in all_mistakes() if m.function in QUESTION_OF}


@pytest.mark.parametrize("name,failing", MISTAKE_TABLE, ids=[name for name, _ in MISTAKE_TABLE])
def test_known_mistake_loses_its_parts_and_is_named(tmp_path, a3, name, failing):
    assert_mistakes_cost_exactly(tmp_path, a3, QUESTION_OF, [name], failing)


def test_a_student_who_followed_the_lectures_sign_is_told_what_the_grader_expects(tmp_path, a3):
    result = grade_folder(reference_submission(tmp_path, a3, ["free_energy_with_lecture_sign"]),
                          only_questions(a3, ["t.free"]))
    feedback = " ".join(outcomes(result)["hidden.energy_models.free_energy_value"][1].split())
    assert "the grader uses the standard F = -(1/beta) log sum exp(-beta E)" in feedback
    assert "lecture" in feedback


def test_the_homework_is_worth_its_points(a3):
    """The reference's full marks are proven as Gradescope grades it, in
    tests/test_gradescope_rehearsal.py (one full grading of it is enough)."""
    assert a3.points == 100


def test_template_scores_zero_with_not_implemented_everywhere(a3):
    assert_not_implemented_everywhere(a3)


WRONG_LOSSES = {
    "the energy loss as the lowest energy": ("t.energy", """
        def energy_loss(energies, y):
            return energies.min()
    """),
    "the perceptron loss against the largest energy": ("t.perc", """
        def perceptron_loss(energies, y):
            return energies[y] - energies.max()
    """),
    "the log-likelihood loss without 1/beta": ("t.nll", """
        import torch
        def log_likelihood_loss(energies, y, beta):
            return energies[y] + torch.logsumexp(-beta * energies, dim=0)
    """),
}


@pytest.mark.parametrize("mistake", list(WRONG_LOSSES))
def test_wrong_losses_lose_their_public_and_value_parts(tmp_path, a3, mistake):
    question, code = WRONG_LOSSES[mistake]
    result = grade_folder(reference_submission(tmp_path, a3, extra_code=code),
                          only_questions(a3, [question]))
    lost = {part.part.check for part in result.parts if not part.passed}
    assert {part.part.check for part in result.parts if part.part.check.startswith("public.")
            or part.part.check.endswith("_value")} <= lost, [p.feedback for p in result.parts]


# Answers that ignore their inputs (shapes aside), shaped to satisfy the weaker properties of
# each public check: uniform distributions, zero losses and gradients, index 0, z = 0...
CONSTANT_ANSWERS = """
import math

import torch


def map_inference(energies):
    return 0


def gibbs_distribution(energies, beta):
    return torch.full((len(energies),), 1.0 / len(energies))


def free_energy(energies, beta):
    return 0.0


def partition_function(energies, beta):
    return float(len(energies))


def energy_loss(energies, y):
    return 0.0


def perceptron_loss(energies, y):
    return 0.0


def log_likelihood_loss(energies, y, beta):
    return math.log(len(energies)) / beta


def margin_loss(energies, y, margin):
    return 0.0


def cost_augmented_loss(energies, y, costs):
    return 0.0


def linear_regression_grad(w, x, y):
    return torch.zeros(len(w))


def perceptron_grad(w, x, y):
    return torch.zeros(len(w))


def logistic_regression_grad(w, x, y):
    return torch.zeros(len(w))


def latent_map_inference(G):
    return 0, 0


def latent_free_energy(G, beta):
    return torch.zeros(G.shape[0])


def latent_gibbs_distribution(G, beta):
    return torch.full((G.shape[0],), 1.0 / G.shape[0])


def sequence_nll(log_probs, tags):
    return 0.0


def table_inference(energy_table, x):
    return 0


def count_pairs(vocab_size, n_tags, length):
    return 1


def count_lookups(n_tags, length):
    return 1


def gradient_descent_inference(energy_fn, y0, lr, n_steps):
    return y0


def sparse_coding_free_energy(y, W, lam):
    return 0.0, torch.zeros(W.shape[1])


def kmeans_free_energy(y, W):
    return 0.0, 0
"""


def test_constant_answers_earn_nothing(tmp_path, a3):
    """Each public check has a property that an answer ignoring its inputs fails."""
    (tmp_path / "a3.py").write_text(CONSTANT_ANSWERS)
    result = grade_folder(tmp_path, a3)
    assert result.score == 0, [(p.part.check, p.score) for p in result.parts if p.score]
