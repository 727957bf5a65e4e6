"""a3 (a3.py): each known mistake loses exactly the parts below, with its own message; a
student who followed the lecture's sign is told the grader's; wrong losses lose their parts."""
from __future__ import annotations

from tests.grading_tables import ALL, Case

POINTS = 100

QUESTION_OF = {"free_energy": "t.free", "margin_loss": "t.hinge", "perceptron_grad": "t.percgrad",
               "logistic_regression_grad": "t.logreg", "latent_free_energy": "t.latF",
               "sparse_coding_free_energy": "a3.5b", "kmeans_free_energy": "a3.5e"}

FREE_ENERGY_VALUE = "hidden.energy_models.free_energy_value"
FREE_ENERGY = {"public.energy_models.free_energy_lies_below_the_minimum", FREE_ENERGY_VALUE,
               "hidden.energy_models.free_energy_stability"}

MISTAKE_TABLE = [
    (("free_energy_with_lecture_sign",), FREE_ENERGY),
    (("margin_over_all_answers",), {
        "public.ebm_losses.margin_loss_is_a_hinge_on_the_best_wrong_answer",
        "hidden.ebm_losses.margin_value"}),
    # sign(0) only matters where w.x = 0, which no property of the public check pins down.
    (("perceptron_grad_sign_zero_positive",), {"hidden.linear_models.perceptron_value"}),
    (("logistic_grad_with_zero_one_labels",), {
        "public.linear_models.logistic_regression_grad_matches_differences",
        "hidden.linear_models.logistic_value"}),
    (("latent_free_energy_with_lecture_sign",), {
        "public.latent_variables.latent_free_energy_is_a_soft_minimum",
        "hidden.latent_variables.latent_free_energy_value",
        "hidden.latent_variables.latent_free_energy_stability"}),
    # Its z attains its F: only the comparison with the true minimum can see it.
    (("sparse_coding_without_lambda",), {
        "public.latent_variables.sparse_code_attains_its_free_energy",
        "hidden.latent_variables.sparse_coding_reaches_the_minimum"}),
    (("kmeans_distance_not_squared",), {
        "public.latent_variables.kmeans_picks_the_nearest_centroid",
        "hidden.latent_variables.kmeans_value"}),
]

CASES = {
    "a student who followed the lecture's sign is told what the grader expects": Case(
        ("t.free",), frozenset(FREE_ENERGY), mistakes=("free_energy_with_lecture_sign",),
        said={FREE_ENERGY_VALUE: (
            "the grader uses the standard F = -(1/beta) log sum exp(-beta E)", "lecture")}),
    "the energy loss as the lowest energy": Case(("t.energy",), ALL, code="""
        def energy_loss(energies, y):
            return energies.min()
    """),
    "the perceptron loss against the largest energy": Case(("t.perc",), ALL, code="""
        def perceptron_loss(energies, y):
            return energies[y] - energies.max()
    """),
    # Wrong by (1 - 1/beta) log sum exp(-beta E) for every beta but 1: on the stability
    # inputs too.
    "the log-likelihood loss without 1/beta": Case(("t.nll",), ALL, code="""
        import torch
        def log_likelihood_loss(energies, y, beta):
            return energies[y] + torch.logsumexp(-beta * energies, dim=0)
    """),
}

PARTLY_WRONG = (("margin_over_all_answers", "kmeans_distance_not_squared"), {"t.hinge", "a3.5e"})
