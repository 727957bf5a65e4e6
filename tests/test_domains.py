"""Input domains, declared once (``autograder/checks/strategies.py``) and honoured everywhere.

The contract promises that the grader passes only inputs inside the domain the homework
defines, so that a correct solution never crashes on a degenerate corner it could reasonably
leave unhandled. These tests hold the grader to that promise three ways: every graded function
has a domain; every strategy the checks draw from stays inside it; and every call that any
check makes while grading (fixed cases and inputs derived from a case included) lies inside it.
Then each false fail that real student-style code met is replayed: a correct function written
as a student would write it must now score the question's full points.
"""
from __future__ import annotations

import ast
import json

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings

from autograder.engine.config import load_assignment
from autograder.engine.student import Student
from autograder.sandbox.builders import spec
from tests.support import ROOT, assert_full_marks, grade_folder, only_questions, reference_submission

ASSIGNMENTS = ("hw4", "a3", "final", "hw4_impl")
# The notebook hands students cross_entropy (a constant of the notebook, in the contract): it
# is not graded.
GIVEN_BY_THE_NOTEBOOK = {"cross_entropy"}


def _domains():
    from autograder.checks.strategies import DOMAINS

    return DOMAINS


def graded_functions(assignment) -> set[str]:
    """The functions and classes a student fills in: those the assignment's template defines,
    read from the template itself (not from the grader)."""
    source = (ROOT / "student_template" / assignment.submission).read_text()
    if assignment.submission.endswith(".ipynb"):
        source = "\n".join("".join(cell["source"]) for cell in json.loads(source)["cells"]
                           if cell["cell_type"] == "code")
        source = "\n".join(line for line in source.splitlines()
                           if not line.lstrip().startswith(("!", "%")))
    return {node.name for node in ast.parse(source).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))} - GIVEN_BY_THE_NOTEBOOK


def test_every_graded_function_has_one_domain():
    graded = set().union(*(graded_functions(load_assignment(name)) for name in ASSIGNMENTS))
    assert set(_domains()) == graded


def _variants():
    return [(function, variant) for function, domain in sorted(_domains().items())
            for variant in domain.variants]


@pytest.mark.slow
@pytest.mark.parametrize("function,variant", _variants(),
                         ids=[f"{f}-{v}" for f, v in _variants()])
def test_every_strategy_draws_inside_its_domain(function, variant):
    """150 draws of every variant the checks use (the checks draw 30 to 60), each inside."""
    domain = _domains()[function]

    @settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
    @given(case=domain.variants[variant])
    def inside(case):
        assert tuple(case) == domain.parameters  # the contract's names, which checks use
        assert domain.violation(case) is None, case

    inside()


def _case(**values):
    return dict(values)


def _f32(values):
    return torch.tensor(values, dtype=torch.float32)


def _f64(values):
    return torch.tensor(values, dtype=torch.float64)


NET = {"__build__": "energy_net", "w1": [[1.0, 0.0]], "b1": [0.0], "w2": [1.0], "b2": 0.0}

# Inputs the contract excludes, each with the words of the condition it breaks: the
# predicates are not vacuous, and they say what the contract says.
OUTSIDE = [
    ("margin_loss", _case(energies=_f64([1.0]), y=0, margin=1.0), "n >= 2"),
    ("sparse_coding_free_energy", _case(y=_f64([1.0]), W=_f64([[0.0]]), lam=0.5),
     "non-zero entry"),
    ("sparse_coding_free_energy", _case(y=_f64([1.0, 0.0]), W=_f64([[1.0, 1.0], [0.0, 1e-3]]),
                                        lam=0.5), "well conditioned"),
    ("sparse_coding_free_energy", _case(y=_f64([1.0]), W=_f64([[1.0]]), lam=0.01), "lam_max"),
    ("kmeans_free_energy", _case(y=_f64([1.0, 2.0]), W=torch.zeros(2, 3, dtype=torch.float64)),
     "non-zero entry"),
    ("perceptron_grad", _case(w=_f64([1.0]), x=_f64([0.0]), y=1.0), "non-zero entry"),
    ("perceptron_grad", _case(w=_f64([1.0]), x=_f64([1.0]), y=0.0), "{-1, +1}"),
    ("gibbs_distribution", _case(energies=_f64([1.0]), beta=0.0), "beta > 0"),
    ("nll_loss", _case(energies=_f64([1.0, 2.0]), y=2, beta=1.0), "0..n-1"),
    ("cost_augmented_loss", _case(energies=_f64([1.0, 2.0]), y=0, costs=_f64([1.0, 1.0])),
     "costs[y] = 0"),
    ("em_step", _case(x=_f64([[7.0, 7.0], [7.0, 7.0]]), weights=_f64([0.5, 0.5]),
                      means=_f64([[-8.0, -2.0], [0.0, 0.0]])), "owns a point"),
    ("gmm_log_density", _case(x=_f64([[0.0, 0.0]]), weights=_f64([0.0, 1.0]),
                              means=_f64([[0.0, 0.0], [1.0, 1.0]])), "positive weights"),
    ("elbo", _case(x=_f64([[0.0, 0.0]]), q=_f64([[0.5, 0.4]]), weights=_f64([0.5, 0.5]),
                   means=_f64([[0.0, 0.0], [1.0, 1.0]])), "summing to 1"),
    ("kde_log_density", _case(x_query=_f64([[0.0, 0.0]]), x_train=_f64([[0.0, 0.0]]),
                              sigma=0.0), "sigma > 0"),
    ("is_grad_log_partition", _case(model=NET, x_q=_f64([[0.0, 0.0]]), log_q=_f64([0.0])),
     "float32"),
    ("is_grad_log_partition", _case(model=dict(NET, dtype="float32"), x_q=_f64([[0.0, 0.0]]),
                                    log_q=_f32([0.0])), "x_q"),
    ("path_energy", _case(pm=torch.zeros(3, 1), path=[0, 1, 0]), "0..T-1"),
    ("path_energy", _case(pm=torch.zeros(3, 2, dtype=torch.float64), path=[0, 1, 1]),
     "float32"),
    ("find_path", _case(pm=torch.zeros(2, 3)), "T <= L"),
    ("build_path_matrix", _case(energies=torch.zeros(1, 2, 27, dtype=torch.float64),
                                targets=torch.zeros(1, 2, dtype=torch.long)), "float32"),
    ("path_cross_entropy", _case(ce=torch.zeros(2, 2), path=[[0, 0], [1, 0]]), "alignment"),
    ("indices_to_str", _case(indices=torch.zeros(0, dtype=torch.long)), "no dimension empty"),
    ("transform_word", _case(s=""), "non-empty"),
    ("sequence_nll", _case(log_probs=torch.zeros(2, 2, dtype=torch.float64),
                           tags=torch.zeros(2, dtype=torch.long)), "log of a distribution"),
]


@pytest.mark.parametrize("function,case,words", OUTSIDE,
                         ids=[f"{f}-{w}" for f, _, w in OUTSIDE])
def test_each_domain_rejects_what_the_contract_excludes(function, case, words):
    violation = _domains()[function].violation(case)
    assert violation is not None and words in violation, violation


LOADER_BATCHES = [
    ("train_model", spec("character_loader", n=4), True),
    ("train_model", spec("character_loader", n=4, channel=True), True),
    ("train_ebm_model", spec("word_loader", words=["ab"]), True),
    ("train_ebm_model", spec("word_loader", words=["ab"], channel=True), True),
    # what no notebook's loader yields: a channel added twice, float labels, a 3-channel image
    ("train_model", [(torch.zeros(2, 1, 1, 32, 18), torch.zeros(2, dtype=torch.long))], False),
    ("train_model", [(torch.zeros(2, 32, 18), torch.zeros(2))], False),
    ("train_ebm_model", [(torch.zeros(1, 3, 32, 36), torch.zeros(1, 4, dtype=torch.long))],
     False),
]


@pytest.mark.parametrize("function,batches,inside", LOADER_BATCHES)
def test_the_training_loops_get_batches_as_a_notebooks_loader_yields_them(function, batches,
                                                                          inside):
    """The notebook's loaders yield images with or without the channel (B, 32, W) or
    (B, 1, 32, W); both are inside the training loops' domain, and nothing else is."""
    violation = _domains()[function].violation({  # bound by position, as the worker passes them
        "model": spec("window_net"), "epochs": 1, "data": batches,
        "criterion": spec("notebook_cross_entropy"),
        "optimizer": spec("adam", of=0, lr=1e-2)})
    assert (violation is None) is inside, violation


def test_em_starts_give_every_component_a_share_all_along_the_fit():
    """The geometric condition of the EM domain (each component owns a point) bounds every
    share at the start by pi_k / e; the reference's EM, run as far as any check runs it (six
    steps), never lets a share fall below 1e-3: no component's M-step divides by ~0."""
    from autograder.checks.strategies import em_cases
    from reference.gmm import em_step, responsibilities

    @settings(max_examples=100)
    @given(case=em_cases(with_iterations=True, max_iterations=6))
    def shares_stay(case):
        weights, means = case["init_weights"], case["init_means"]
        start = responsibilities(case["x"], weights, means).sum(dim=0)
        assert torch.all(start >= weights / np.e - 1e-12), (start, weights)
        for _ in range(case["n_iters"]):
            weights, means = em_step(case["x"], weights, means)
            assert float(responsibilities(case["x"], weights, means).sum(dim=0).min()) >= 1e-3

    shares_stay()


@pytest.mark.slow
@pytest.mark.parametrize("name", ASSIGNMENTS)
def test_every_call_the_checks_make_lies_in_its_domain(tmp_path, monkeypatch, name):
    """Grade the reference with every call recorded: each call's inputs (fixed cases and the
    inputs a check derives from a drawn case too) lie in the function's declared domain, and
    the checks call exactly the assignment's graded functions."""
    domains, outside, called = _domains(), [], set()
    original = Student.call_projected

    def recording(self, function, projections, **inputs):
        called.add(function)
        domain = domains.get(function)
        violation = domain.violation(inputs) if domain else "no domain is declared"
        if violation:
            outside.append(f"{function}: {violation} for {inputs}")
        return original(self, function, projections, **inputs)

    monkeypatch.setattr(Student, "call_projected", recording)
    assignment = load_assignment(name)
    result = grade_folder(reference_submission(tmp_path, assignment), assignment)
    assert result.score == assignment.points
    assert outside == []
    assert called == graded_functions(assignment)


# ---- false fails met by correct student-style code, each replayed on the questions it cost ----

MARGIN_OVER_THE_OTHERS = """
    import torch

    def margin_loss(energies, y, margin):
        others = torch.cat([energies[:y], energies[y + 1:]])
        return torch.clamp(margin + energies[y] - others.min(), min=0.0)
"""

# ISTA with the step 1 / L, L = 2 ||W||_2^2: an all-zero W gives L = 0 and 0 / 0.
PLAIN_ISTA = """
    import torch

    def sparse_coding_free_energy(y, W, lam):
        L = 2 * torch.linalg.matrix_norm(W, ord=2) ** 2
        z = torch.zeros(W.shape[1], dtype=W.dtype)
        for _ in range(20000):
            step = z - 2 * W.T @ (W @ z - y) / L
            new = torch.sign(step) * torch.clamp(step.abs() - lam / L, min=0.0)
            if torch.max(torch.abs(new - z)) <= 1e-10:
                z = new
                break
            z = new
        return ((y - W @ z) ** 2).sum() + lam * z.abs().sum(), z
"""

# The notebook's tensors are float32: one-hot matrices of the default dtype, a dp table of the
# default dtype with 2**30 in unreachable cells (pm added there too), and a path energy that
# adds up the path before it looks at its validity.
OCR_IN_FLOAT32 = """
    import torch

    def build_path_matrix(energies, targets):
        one_hot = torch.nn.functional.one_hot(targets, 27).float()
        return torch.bmm(energies, one_hot.transpose(1, 2))

    def build_ce_matrix(energies, targets):
        log_z = torch.logsumexp(-energies, dim=-1, keepdim=True)
        return build_path_matrix(energies, targets) + log_z

    def path_energy(pm, path):
        energy = sum(pm[i, j] for i, j in enumerate(path))
        T = pm.shape[1]
        valid = path[0] == 0 and path[-1] == T - 1 and all(
            b - a in (0, 1) for a, b in zip(path, path[1:]))
        return energy if valid else torch.tensor(2.0 ** 30)

    def find_path(pm):
        L, T = pm.shape
        dp = torch.full((L, T), 2.0 ** 30)
        dp[0, 0] = pm[0, 0]
        for i in range(1, L):
            for j in range(T):
                best = dp[i - 1, j] if j == 0 else torch.minimum(dp[i - 1, j], dp[i - 1, j - 1])
                dp[i, j] = best + pm[i, j]
        path, j = [(L - 1, T - 1)], T - 1
        for i in range(L - 1, 0, -1):
            if j > 0 and dp[i - 1, j - 1] < dp[i - 1, j]:
                j -= 1
            path.append((i - 1, j))
        return dp[L - 1, T - 1], path[::-1], dp

    def path_cross_entropy(ce, path):
        weights = torch.zeros(ce.shape)
        for i, j in path:
            weights[i, j] = 1.0
        return (ce * weights).sum()
"""

# The final's model is float32, as torch makes it: a student feeds it float32 inputs.
MODEL_IN_FLOAT32 = """
    import math
    import torch

    def _weighted_energy(model, x_q, log_q):
        energies = model(x_q.float())
        weights = torch.softmax(energies.detach() - log_q.float(), dim=0)
        return (weights * energies).sum()

    def is_grad_log_partition(model, x_q, log_q):
        return list(torch.autograd.grad(_weighted_energy(model, x_q, log_q),
                                        list(model.parameters())))

    def ebm_loglik_grad(model, x_train, x_q, log_q):
        objective = model(x_train.float()).mean() - _weighted_energy(model, x_q, log_q)
        return list(torch.autograd.grad(objective, list(model.parameters())))

    def ebm_test_log_likelihood(model, x_test, x_q, log_q):
        with torch.no_grad():
            log_w = model(x_q.float()) - log_q.float()
            return model(x_test.float()).mean() - (torch.logsumexp(log_w, 0) - math.log(len(log_w)))

    def train_ebm(model, x_train, x_q, log_q, n_steps, lr):
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, maximize=True)
        for _ in range(n_steps):
            optimizer.zero_grad()
            (model(x_train.float()).mean() - _weighted_energy(model, x_q, log_q)).backward()
            optimizer.step()
        return model
"""

# EM in float32: a component that owns no point gets N_k = 0 and a mean of 0 / 0.
EM_IN_FLOAT32 = """
    import math
    import torch

    def em_step(x, weights, means):
        x, weights, means = x.float(), weights.float(), means.float()
        log_joint = (torch.log(weights) - 0.5 * ((x[:, None] - means[None]) ** 2).sum(-1)
                     - math.log(2 * math.pi))
        r = torch.softmax(log_joint, dim=1)
        N = r.sum(0)
        return N / len(x), (r.T @ x) / N[:, None]

    def fit_gmm_em(x, init_weights, init_means, n_iters):
        weights, means = init_weights.float(), init_means.float()

        def mean_log_likelihood(weights, means):
            log_joint = (torch.log(weights) - 0.5 * ((x.float()[:, None] - means[None]) ** 2)
                         .sum(-1) - math.log(2 * math.pi))
            return torch.logsumexp(log_joint, dim=1).mean()

        history = [mean_log_likelihood(weights, means)]
        for _ in range(n_iters):
            weights, means = em_step(x, weights, means)
            history.append(mean_log_likelihood(weights, means))
        return weights, means, torch.stack(history)
"""

# The perceptron in float32: where w.x underflows (w = 5.9e-43 on one coordinate), w.x = 0.
PERCEPTRON_IN_FLOAT32 = """
    import torch

    def perceptron_grad(w, x, y):
        w, x = w.float(), x.float()
        sign = 1.0 if float(w @ x) > 0 else -1.0
        return -(y - sign) * x
"""

FALSE_FAILS = [
    ("a3", ["t.hinge"], MARGIN_OVER_THE_OTHERS),
    ("a3", ["a3.5b"], PLAIN_ISTA),
    ("hw4_impl", ["2.pm", "2.ce", "2.pe", "2.viterbi", "2.pce"], OCR_IN_FLOAT32),
    ("final", ["1.6", "1.7"], MODEL_IN_FLOAT32),
    ("final", ["1.2"], EM_IN_FLOAT32),
    ("a3", ["t.percgrad"], PERCEPTRON_IN_FLOAT32),
]


@pytest.mark.slow
@pytest.mark.parametrize("name,questions,code", FALSE_FAILS,
                         ids=["margin over the others", "plain ISTA", "OCR in float32",
                              "float32 model", "EM in float32", "perceptron in float32"])
def test_a_correct_student_style_solution_scores_full_marks(tmp_path, name, questions, code):
    assignment = only_questions(load_assignment(name), questions)
    assert_full_marks(reference_submission(tmp_path, assignment, extra_code=code), assignment)
