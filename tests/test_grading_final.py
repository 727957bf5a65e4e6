"""The final assignment graded both ways: right answers score full marks (in every style: see
tests/test_fairness_corpus.py), each known mistake loses exactly the parts written below with
its own message, and wrong samplers fail the statistical test. The tables are written by hand from the homework."""
from __future__ import annotations

import pytest

from reference.mistakes import all_mistakes
from tests.support import (ROOT, assert_mistakes_cost_exactly,
                           assert_not_implemented_everywhere, grade_folder, only_questions,
                           outcomes, reference_submission)

QUESTION_OF = {
    "gmm_means": "1.1", "sample_gmm": "1.1", "gmm_log_density": "1.1",
    "responsibilities": "1.2", "em_step": "1.2", "fit_gmm_em": "1.2",
    "kde_log_density": "1.3", "select_kde_sigma": "1.3",
    "self_normalized_is": "1.5",
    "is_grad_log_partition": "1.6", "ebm_loglik_grad": "1.6",
    "is_log_partition": "1.7", "ebm_test_log_likelihood": "1.7", "train_ebm": "1.7",
    "kl_to_posterior": "2.1",
    "log_joint": "2.3", "elbo": "2.3", "elbo_uniform": "2.3", "elbo_posterior": "2.3",
    "elbo_gap_uniform": "2.4",
}


def _gmm(name):
    return f"hidden.gmm.{name}"


def _kde(name):
    return f"hidden.kde.{name}"


def _is(name):
    return f"hidden.importance_sampling.{name}"


def _vi(name):
    return f"hidden.variational_inference.{name}"


EM_PUBLIC = "public.gmm.em_step_follows_separated_clusters"
KDE_PUBLIC = "public.kde.kde_properties"
LIKELIHOOD_PUBLIC = "public.importance_sampling.ebm_likelihood_properties"

MISTAKE_TABLE = [
    ("gmm_log_density_without_logsumexp", {_gmm("log_density_stability")}),
    ("responsibilities_without_softmax", {_gmm("responsibilities_stability")}),
    ("em_step_with_unweighted_means", {EM_PUBLIC, _gmm("em_step_value")}),
    ("em_step_means_divided_by_n", {EM_PUBLIC, _gmm("em_step_value")}),
    ("fit_gmm_em_with_summed_history", {"public.gmm.fit_history_is_monotone", _gmm("fit_value")}),
    ("kde_with_sigma_as_standard_deviation", {KDE_PUBLIC, _kde("kde_value"),
                                              _kde("kde_stability")}),
    ("kde_with_one_dimensional_normaliser", {KDE_PUBLIC, _kde("kde_value"),
                                             _kde("kde_stability")}),
    ("kde_without_one_over_n", {KDE_PUBLIC, _kde("kde_value"), _kde("kde_stability")}),
    # Small sigmas underflow every kernel already among the value and public cases.
    ("kde_without_logsumexp", {KDE_PUBLIC, _kde("kde_value"), _kde("kde_stability")}),
    ("is_not_self_normalised", {"public.importance_sampling.snis_properties",
                                _is("snis_value"), _is("snis_stability")}),
    ("is_outside_log_domain", {_is("snis_stability")}),
    ("is_with_flipped_sign", {"public.importance_sampling.snis_properties",
                              _is("snis_value"), _is("snis_stability")}),
    ("log_partition_outside_log_domain", {_is("log_partition_stability")}),
    ("log_partition_with_flipped_sign", {"public.importance_sampling.log_partition_properties",
                                         _is("log_partition_value"),
                                         _is("log_partition_stability")}),
    ("log_partition_without_one_over_m", {"public.importance_sampling.log_partition_properties",
                                          _is("log_partition_value"),
                                          _is("log_partition_stability")}),
    ("grad_log_partition_not_self_normalised", {"public.importance_sampling.grad_log_partition_shapes",
                                                _is("grad_log_partition_value"),
                                                _is("grad_log_partition_stability")}),
    ("grad_log_partition_with_flipped_sign", {_is("grad_log_partition_value"),
                                              _is("grad_log_partition_stability")}),
    ("loglik_grad_sign_flipped", {
        "public.importance_sampling.loglik_grad_vanishes_when_q_matches_the_model",
        _is("loglik_grad_value")}),
    ("test_log_likelihood_summed", {LIKELIHOOD_PUBLIC, _is("test_log_likelihood_value")}),
    ("test_log_likelihood_with_flipped_sign", {LIKELIHOOD_PUBLIC,
                                               _is("test_log_likelihood_value")}),
    ("elbo_uniform_without_log_k", {"public.variational_inference.elbo_uniform_properties",
                                    _vi("elbo_uniform_value")}),
    ("elbo_without_entropy", {"public.variational_inference.elbo_is_a_lower_bound",
                              _vi("elbo_value")}),
    ("kl_with_arguments_swapped", {"public.variational_inference.kl_properties",
                                   _vi("kl_value")}),
    ("elbo_gap_without_log_k", {"public.variational_inference.gap_properties",
                                _vi("gap_value")}),
]

SAMPLER = "public.gmm.sampler_follows_the_mixture"
WRONG_SAMPLERS = {
    "covariance 4 I instead of I": ("""
        def sample_gmm(n, weights, means, generator):
            z = torch.multinomial(weights, n, replacement=True, generator=generator)
            return means[z] + 2 * torch.randn(n, 2, generator=generator, dtype=torch.float64)
    """, "the variance of component"),
    "uniform weights": ("""
        def sample_gmm(n, weights, means, generator):
            z = torch.randint(len(weights), (n,), generator=generator)
            return means[z] + torch.randn(n, 2, generator=generator, dtype=torch.float64)
    """, "the frequency of component"),
    "means halved": ("""
        def sample_gmm(n, weights, means, generator):
            z = torch.multinomial(weights, n, replacement=True, generator=generator)
            return means[z] / 2 + torch.randn(n, 2, generator=generator, dtype=torch.float64)
    """, "does not follow the mixture"),
    "the global random state instead of the generator": ("""
        def sample_gmm(n, weights, means, generator):
            z = torch.multinomial(weights, n, replacement=True)
            return means[z] + torch.randn(n, 2, dtype=torch.float64)
    """, "does not draw its randomness from the generator"),
}


@pytest.fixture(scope="module")
def final():
    from autograder.engine.config import load_assignment

    return load_assignment("final")


def test_every_known_mistake_is_in_the_table():
    tabled = {name for name, _ in MISTAKE_TABLE}
    assert tabled == {m.name for m in all_mistakes() if m.function in QUESTION_OF}


# On the stability inputs, unnormalised weights overflow to the very nan of normalised ones:
# the one mistake named there is the overflow, which is true of both.
NAMED_INSTEAD = {"is_not_self_normalised": {_is("snis_stability"): "is_outside_log_domain"}}


@pytest.mark.parametrize("name,failing", MISTAKE_TABLE, ids=[name for name, _ in MISTAKE_TABLE])
def test_known_mistake_loses_its_parts_and_is_named(tmp_path, final, name, failing):
    assert_mistakes_cost_exactly(tmp_path, final, QUESTION_OF, [name], failing,
                                 NAMED_INSTEAD.get(name))


@pytest.mark.parametrize("mistake", list(WRONG_SAMPLERS))
def test_wrong_samplers_fail_the_statistical_test(tmp_path, final, mistake):
    code, message = WRONG_SAMPLERS[mistake]
    folder = reference_submission(tmp_path, final, extra_code=code)
    result = grade_folder(folder, only_questions(final, ["1.1"]))
    graded = outcomes(result)
    assert not graded[SAMPLER][0] and message in graded[SAMPLER][1], graded[SAMPLER]
    assert all(passed for check, (passed, _) in graded.items() if check != SAMPLER)


def test_the_homework_is_worth_its_points(final):
    """The reference's full marks are proven as Gradescope grades it, in
    tests/test_gradescope_rehearsal.py (one full grading of it is enough)."""
    assert final.points == 120


def test_template_scores_zero_with_not_implemented_everywhere(final):
    assert_not_implemented_everywhere(final)


def test_constant_answers_earn_nothing(final):
    """Answers that ignore their inputs satisfy the weaker properties of each public check;
    the checks must still give them no point."""
    result = grade_folder(ROOT / "tests" / "submissions" / "final" / "constant_answers", final)
    assert result.score == 0, [(p.part.check, p.score) for p in result.parts if p.score]


def test_the_fixed_values_of_the_public_gap_check_are_the_gap():
    """GAP_VALUES (shipped to students, so not computed by the reference at build time) hold
    log p(x) - ELBO_uniform to 6 significant digits: recomputed here from the definitions with
    mpmath at 40 digits, for K equal weights and means R (cos 2 pi k / K, sin 2 pi k / K)."""
    import mpmath

    from autograder.checks.public.variational_inference import GAP_VALUES

    mpmath.mp.dps = 40
    for inputs, expected in GAP_VALUES:
        K, R = inputs["K"], mpmath.mpf(inputs["R"])
        means = [(R * mpmath.cos(2 * mpmath.pi * k / K), R * mpmath.sin(2 * mpmath.pi * k / K))
                 for k in range(1, K + 1)]
        for (a, b), value in zip(inputs["x"], expected):
            joint = [-mpmath.log(K) - mpmath.log(2 * mpmath.pi) - ((a - u) ** 2 + (b - v) ** 2) / 2
                     for u, v in means]
            gap = mpmath.log(mpmath.fsum(mpmath.exp(j) for j in joint)) - (
                mpmath.fsum(joint) / K + mpmath.log(K))
            half_a_unit_in_the_sixth_digit = 5 * 10 ** (mpmath.floor(mpmath.log10(gap)) - 6)
            assert abs(value - gap) <= half_a_unit_in_the_sixth_digit, (inputs, value, gap)
