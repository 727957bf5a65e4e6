"""The final (VI.py): each known mistake loses exactly the parts below, with its own message,
and wrong samplers fail the statistical test."""
from __future__ import annotations

from tests.grading_tables import Case

POINTS = 120

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
    (("gmm_log_density_without_logsumexp",), {_gmm("log_density_stability")}),
    (("responsibilities_without_softmax",), {_gmm("responsibilities_stability")}),
    (("em_step_with_unweighted_means",), {EM_PUBLIC, _gmm("em_step_value")}),
    (("em_step_means_divided_by_n",), {EM_PUBLIC, _gmm("em_step_value")}),
    (("fit_gmm_em_with_summed_history",), {"public.gmm.fit_history_is_monotone",
                                           _gmm("fit_value")}),
    (("kde_with_sigma_as_standard_deviation",), {KDE_PUBLIC, _kde("kde_value"),
                                                 _kde("kde_stability")}),
    (("kde_with_one_dimensional_normaliser",), {KDE_PUBLIC, _kde("kde_value"),
                                                _kde("kde_stability")}),
    (("kde_without_one_over_n",), {KDE_PUBLIC, _kde("kde_value"), _kde("kde_stability")}),
    # Small sigmas underflow every kernel already among the value and public cases.
    (("kde_without_logsumexp",), {KDE_PUBLIC, _kde("kde_value"), _kde("kde_stability")}),
    (("is_not_self_normalised",), {"public.importance_sampling.snis_properties",
                                   _is("snis_value"), _is("snis_stability")}),
    (("is_outside_log_domain",), {_is("snis_stability")}),
    (("is_with_flipped_sign",), {"public.importance_sampling.snis_properties",
                                 _is("snis_value"), _is("snis_stability")}),
    (("log_partition_outside_log_domain",), {_is("log_partition_stability")}),
    (("log_partition_with_flipped_sign",), {
        "public.importance_sampling.log_partition_properties", _is("log_partition_value"),
        _is("log_partition_stability")}),
    (("log_partition_without_one_over_m",), {
        "public.importance_sampling.log_partition_properties", _is("log_partition_value"),
        _is("log_partition_stability")}),
    (("grad_log_partition_not_self_normalised",), {
        "public.importance_sampling.grad_log_partition_shapes",
        _is("grad_log_partition_value"), _is("grad_log_partition_stability")}),
    (("grad_log_partition_with_flipped_sign",), {_is("grad_log_partition_value"),
                                                 _is("grad_log_partition_stability")}),
    (("loglik_grad_sign_flipped",), {
        "public.importance_sampling.loglik_grad_vanishes_when_q_matches_the_model",
        _is("loglik_grad_value")}),
    (("test_log_likelihood_summed",), {LIKELIHOOD_PUBLIC, _is("test_log_likelihood_value")}),
    (("test_log_likelihood_with_flipped_sign",), {LIKELIHOOD_PUBLIC,
                                                  _is("test_log_likelihood_value")}),
    (("elbo_uniform_without_log_k",), {"public.variational_inference.elbo_uniform_properties",
                                       _vi("elbo_uniform_value")}),
    (("elbo_without_entropy",), {"public.variational_inference.elbo_is_a_lower_bound",
                                 _vi("elbo_value")}),
    (("kl_with_arguments_swapped",), {"public.variational_inference.kl_properties",
                                      _vi("kl_value")}),
    (("elbo_gap_without_log_k",), {"public.variational_inference.gap_properties",
                                   _vi("gap_value")}),
]

# On the stability inputs, unnormalised weights overflow to the very nan of normalised ones:
# the one mistake named there is the overflow, which is true of both.
NAMED_INSTEAD = {"is_not_self_normalised": {_is("snis_stability"): "is_outside_log_domain"}}

SAMPLER = "public.gmm.sampler_follows_the_mixture"


def _wrong_sampler(code: str, message: str) -> Case:
    """A sampler that fails the statistical test, saying ``message``; question 1.1's other
    parts pass."""
    return Case(("1.1",), frozenset({SAMPLER}), code=code, said={SAMPLER: (message,)})


CASES = {
    "a sampler with covariance 4 I instead of I": _wrong_sampler("""
        def sample_gmm(n, weights, means, generator):
            z = torch.multinomial(weights, n, replacement=True, generator=generator)
            return means[z] + 2 * torch.randn(n, 2, generator=generator, dtype=torch.float64)
    """, "the variance of component"),
    "a sampler with uniform weights": _wrong_sampler("""
        def sample_gmm(n, weights, means, generator):
            z = torch.randint(len(weights), (n,), generator=generator)
            return means[z] + torch.randn(n, 2, generator=generator, dtype=torch.float64)
    """, "the frequency of component"),
    "a sampler with its means halved": _wrong_sampler("""
        def sample_gmm(n, weights, means, generator):
            z = torch.multinomial(weights, n, replacement=True, generator=generator)
            return means[z] / 2 + torch.randn(n, 2, generator=generator, dtype=torch.float64)
    """, "does not follow the mixture"),
    "a sampler drawing from the global random state instead of the generator": _wrong_sampler("""
        def sample_gmm(n, weights, means, generator):
            z = torch.multinomial(weights, n, replacement=True)
            return means[z] + torch.randn(n, 2, dtype=torch.float64)
    """, "does not draw its randomness from the generator"),
}

PARTLY_WRONG = (("kde_with_sigma_as_standard_deviation", "elbo_uniform_without_log_k"),
                {"1.3", "2.3"})
