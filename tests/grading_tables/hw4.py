"""hw4, the theory part (hw4_theory.py): each known mistake loses exactly the parts below, with
its own message; a wrong signature, a wrong shape and an exception are shown as such."""
from __future__ import annotations

from tests.grading_tables import ALL, EACH_FAILING, Case

POINTS = 27

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

CASES = {
    # Every call raises TypeError: each part of the question fails, showing the signature.
    "a wrong signature is shown": Case(("1.2.ii",), ALL, code="""
        def nll_loss(energies, y):
            return energies[y]
    """, said={NLL_PUBLIC: ("TypeError", "nll_loss(energies, y)")}),
    "a wrong shape is named": Case(("1.2.i",), ALL, code="""
        import torch
        def gibbs_distribution(energies, beta):
            return torch.softmax(-beta * energies, dim=0)[None, :]
    """, said={EACH_FAILING: ("shape",)}),
    "an exception names the student's line": Case(("1.2.i",), ALL, code="""
        def gibbs_distribution(energies, beta):
            scores = -beta * energies
            return scores[len(scores)]
    """, said={GIBBS_PUBLIC: ("raised IndexError", "hw4_theory.py, line",
                              "return scores[len(scores)]")}),
}

PARTLY_WRONG = (("nll_without_inverse_beta", "hinge_grad_sign_flipped"), {"1.2.ii", "1.3.d"})
