"""The input domain of every graded function, declared once, and the strategies that draw from it.

The contract (``quantities.md``, "Input domains") promises students that the grader passes
only inputs inside the domain the homework defines, so that a crash outside it is a grader
defect and never a lost point. Each graded function therefore has one ``Domain`` here: its
parameters in the contract's order, its conditions in the contract's words (each with the
predicate that tests it), and the named strategies, ``variants``, that the checks draw its
cases from through ``cases(function, variant)``. ``tests/test_domains.py`` draws hundreds of
cases from every variant and holds them to the conditions, and grades the reference with every
call that any check makes (fixed cases and the inputs a check derives from a case included)
held to them too, so no check can leave the domain without a test failing.

Conventions. Every generated float is exactly representable in float32, so a float32
implementation loses nothing when it converts its inputs and only its arithmetic is judged.
Tensors are float64, except where the homework's own code would give the function float32:
the OCR notebook's energies, pm and ce come from a model, and the final's EnergyNet, with the
tensors handed to a function together with it, is in torch's default dtype. This module ships
to students with the public checks: its conditions use shapes, geometry and linear algebra
only, never a graded quantity.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from torch import nn

from autograder.checks.api import build_all, spec

MODERATE = 10.0
LARGE = 1e3
CLASSES = 27  # the OCR notebook's 26 letters and the separator 26
F64, F32 = torch.float64, torch.float32

Condition = tuple[str, Callable[[dict], bool]]


@dataclass(frozen=True)
class Domain:
    """The inputs the contract allows one graded function: ``violation`` names the first
    condition a case breaks (None inside the domain); ``variants`` are the strategies the
    checks draw cases from, by name."""

    function: str
    parameters: tuple[str, ...]
    conditions: tuple[Condition, ...]
    variants: dict = field(default_factory=dict)

    def violation(self, case: dict) -> str | None:
        """Arguments are bound to the contract's parameters by position, as the worker passes
        them; objects given as specs (a model, a generator) are built first, as the worker
        builds them, so that the conditions see what the student's function receives."""
        if len(case) != len(self.parameters):
            return f"{len(case)} arguments ({', '.join(case)}) for {self.parameters}"
        built = dict(zip(self.parameters, build_all(list(case.values()))))
        for words, holds in self.conditions:
            try:
                inside = bool(holds(built))
            except Exception:  # noqa: BLE001 - an input a condition cannot even read breaks it
                inside = False
            if not inside:
                return words
        return None


DOMAINS: dict[str, Domain] = {}


def declare(function: str, parameters: str, *conditions: Condition, **variants) -> None:
    """Declare ``function``'s domain: its parameters (space-separated, in the contract's
    order), its conditions, and the strategies its checks draw from, by variant name."""
    DOMAINS[function] = Domain(function, tuple(parameters.split()), conditions, variants)


def cases(function: str, variant: str = "value"):
    """The strategy ``variant`` of ``function``'s domain: what its checks draw from."""
    return DOMAINS[function].variants[variant]


# ---- predicates and conditions: each condition is (the contract's words, a predicate on the
# case with its objects built) ----

def _is_tensor(value, dtype, dims: int) -> bool:
    """A tensor of ``dtype`` with ``dims`` dimensions, none of them empty, finite entries."""
    return (isinstance(value, torch.Tensor) and value.dtype == dtype and value.dim() == dims
            and all(size >= 1 for size in value.shape)
            and (not value.is_floating_point() or bool(torch.isfinite(value).all())))


def _is_int(value) -> bool:
    if isinstance(value, torch.Tensor):
        return value.dim() == 0 and not value.is_floating_point() and value.dtype != torch.bool
    return isinstance(value, int) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def tensor(name: str, dims: int, dtype=F64, shape: str = "") -> Condition:
    kind = "float32" if dtype == F32 else "float64" if dtype == F64 else "long"
    return (f"{name}: a {shape or f'{dims}-d'} {kind} tensor, no dimension empty, finite",
            lambda case: _is_tensor(case[name], dtype, dims))


def positive(name: str) -> Condition:
    return f"{name} > 0", lambda case: _is_real(case[name]) and case[name] > 0


def non_negative(name: str) -> Condition:
    return f"{name} >= 0", lambda case: _is_real(case[name]) and case[name] >= 0


def count(name: str, least: int) -> Condition:
    return f"{name}: an int >= {least}", lambda case: _is_int(case[name]) and case[name] >= least


def index(name: str, size: Callable[[dict], int], words: str) -> Condition:
    return (f"{name}: an int in {words}",
            lambda case: _is_int(case[name]) and 0 <= int(case[name]) < size(case))


def rule(words: str, predicate: Callable[[dict], bool]) -> Condition:
    return words, predicate


def same_length(first: str, second: str) -> Condition:
    return (f"{first} and {second} have the same length",
            lambda case: len(case[first]) == len(case[second]))


def on_the_simplex(name: str) -> Condition:
    """Entries >= 0 summing to 1 along the last axis (0 allowed: the contract's 0 log 0 = 0)."""
    return (f"{name}: entries >= 0 summing to 1",
            lambda case: bool((case[name] >= 0).all())
            and bool(torch.allclose(case[name].sum(-1), torch.ones((), dtype=case[name].dtype),
                                    atol=1e-9, rtol=0)))


def weights_on_the_simplex(name: str) -> Condition:
    return (f"{name}: (K,) positive weights summing to 1",
            lambda case: _is_tensor(case[name], F64, 1) and bool((case[name] > 0).all())
            and abs(float(case[name].sum()) - 1) <= 1e-9)


def components(weights: str, means: str) -> Condition:
    return (f"{means}: (K, 2), one mean per weight",
            lambda case: _is_tensor(case[means], F64, 2) and case[means].shape[1] == 2
            and case[means].shape[0] == case[weights].shape[0])


def points_of(name: str, dtype=F64) -> Condition:
    return (f"{name}: an (n, 2) tensor of points, n >= 1",
            lambda case: _is_tensor(case[name], dtype, 2) and case[name].shape[1] == 2)


def not_all_zero(name: str) -> Condition:
    return f"{name} has at least one non-zero entry", lambda case: bool((case[name] != 0).any())


def module(name: str, dtype=None) -> Condition:
    words = f"{name}: an nn.Module" + (" in float32, torch's default dtype" if dtype else "")
    return words, lambda case: isinstance(case[name], nn.Module) and (
        dtype is None or all(p.dtype == dtype for p in case[name].parameters()))


# ---- numbers ----

def reals(magnitude: float):
    return st.floats(-magnitude, magnitude, allow_nan=False, allow_infinity=False, width=32)


def as_tensor(values, dtype=F64) -> torch.Tensor:
    return torch.tensor(np.asarray(values, dtype=np.float64), dtype=dtype)


def moderate_betas():
    return st.floats(0.125, 10.0, width=32)


def large_betas():
    return st.sampled_from([1.0, 10.0, 100.0, 1000.0]) | st.floats(1.0, 1000.0, width=32)


def round_to_float32(values) -> np.ndarray:
    return np.asarray(values, dtype=np.float32).astype(np.float64)


# ---- energies over a discrete set of answers (hw4 1.2, a3) ----

@st.composite
def large_energy_vectors(draw, n: int):
    """Energies of magnitude 800 to 1000 (a common offset plus a spread of up to 200): with
    beta >= 1, exp(-beta E) overflows or underflows for every entry, so only a log-domain
    computation stays finite, however far hypothesis shrinks the case."""
    offset = draw(st.floats(800.0, 900.0, width=32)) * draw(st.sampled_from([1.0, -1.0]))
    spread = draw(arrays(np.float64, n, elements=st.floats(0.0, 100.0, width=32)))
    return round_to_float32(offset + np.sign(offset) * spread)


@st.composite
def energy_cases(draw, *, label: bool = False, grads: bool = False, large: bool = False,
                 sizes=st.integers(1, 8)):
    """Inputs for gibbs_distribution / nll_loss / nll_loss_grad, in their argument order;
    ``large``: |energies| from 800 to 1000 and beta from 1 to 1000."""
    n = draw(sizes)
    energies = (draw(large_energy_vectors(n)) if large
                else draw(arrays(np.float64, n, elements=reals(MODERATE))))
    case = {"energies": as_tensor(energies)}
    if grads:
        p = draw(st.integers(1, 5))
        case["energy_grads"] = as_tensor(draw(arrays(np.float64, (n, p),
                                                     elements=reals(MODERATE))))
    if label:
        case["y"] = draw(st.integers(0, n - 1))
    case["beta"] = draw(large_betas() if large else moderate_betas())
    return case


def _only(*names):
    return lambda case: {name: case[name] for name in names}


@st.composite
def margin_cases(draw):
    """At least two answers: the loss takes a minimum over the incorrect ones."""
    case = draw(energy_cases(label=True, sizes=st.integers(2, 8)))
    return {"energies": case["energies"], "y": case["y"],
            "margin": draw(st.floats(0.0, 5.0, width=32))}


@st.composite
def cost_cases(draw):
    case = draw(energy_cases(label=True))
    n = len(case["energies"])
    costs = as_tensor(draw(arrays(np.float64, n, elements=st.floats(0.0, 5.0, width=32))))
    costs[case["y"]] = 0.0
    return {"energies": case["energies"], "y": case["y"], "costs": costs}


ENERGIES = tensor("energies", 1, shape="(n,)")
BETA = positive("beta")
LABEL = index("y", lambda case: len(case["energies"]), "0..n-1")

declare("gibbs_distribution", "energies beta", ENERGIES, BETA,
        value=energy_cases(), large=energy_cases(large=True))
declare("nll_loss", "energies y beta", ENERGIES, LABEL, BETA,
        value=energy_cases(label=True), large=energy_cases(label=True, large=True))
declare("nll_loss_grad", "energies energy_grads y beta", ENERGIES,
        tensor("energy_grads", 2, shape="(n, p)"),
        rule("energy_grads has one row per answer",
             lambda case: len(case["energy_grads"]) == len(case["energies"])), LABEL, BETA,
        value=energy_cases(label=True, grads=True),
        large=energy_cases(label=True, grads=True, large=True),
        two_classes=energy_cases(label=True, grads=True, sizes=st.just(2)))
declare("map_inference", "energies", ENERGIES, value=energy_cases().map(_only("energies")))
declare("free_energy", "energies beta", ENERGIES, BETA,
        value=energy_cases(), large=energy_cases(large=True))
declare("partition_function", "energies beta", ENERGIES, BETA, value=energy_cases(),
        # Z overflows float64 beyond beta max|E| ~ 700: graded only where it is finite.
        finite=energy_cases(sizes=st.integers(1, 6)).filter(
            lambda case: case["beta"] * float(case["energies"].abs().max()) <= 60))
declare("energy_loss", "energies y", ENERGIES, LABEL,
        value=energy_cases(label=True).map(_only("energies", "y")))
declare("perceptron_loss", "energies y", ENERGIES, LABEL,
        value=energy_cases(label=True).map(_only("energies", "y")))
declare("log_likelihood_loss", "energies y beta", ENERGIES, LABEL, BETA,
        value=energy_cases(label=True), large=energy_cases(label=True, large=True))
declare("margin_loss", "energies y margin", ENERGIES,
        rule("n >= 2: the loss takes a minimum over the incorrect answers",
             lambda case: len(case["energies"]) >= 2), LABEL, non_negative("margin"),
        value=margin_cases())
declare("cost_augmented_loss", "energies y costs", ENERGIES, LABEL,
        tensor("costs", 1, shape="(n,)"), same_length("costs", "energies"),
        rule("costs >= 0 with costs[y] = 0",
             lambda case: bool((case["costs"] >= 0).all()) and float(case["costs"][case["y"]]) == 0),
        value=cost_cases())


# ---- contrastive losses (hw4 1.3) ----

@st.composite
def contrastive_cases(draw, *, grads: bool = False, margin: bool = True,
                      magnitude: float = MODERATE):
    """Inputs for the contrastive losses (grads=False) or their gradients (grads=True)."""
    case = {"f_pos": as_tensor(draw(reals(magnitude))), "f_neg": as_tensor(draw(reals(magnitude)))}
    if grads:
        p = draw(st.integers(1, 5))
        case["grad_pos"] = as_tensor(draw(arrays(np.float64, p, elements=reals(MODERATE))))
        case["grad_neg"] = as_tensor(draw(arrays(np.float64, p, elements=reals(MODERATE))))
    if margin:
        case["margin"] = draw(st.floats(0.0, magnitude, width=32))
    return case


SCALARS = (tensor("f_pos", 0, shape="0-d (scalar)"), tensor("f_neg", 0, shape="0-d (scalar)"))
GRADIENTS = (tensor("grad_pos", 1, shape="(p,)"), tensor("grad_neg", 1, shape="(p,)"),
             same_length("grad_pos", "grad_neg"))
MARGIN = non_negative("margin")

for _loss in ("simple", "square_square", "hinge"):
    declare(f"{_loss}_loss", "f_pos f_neg margin", *SCALARS, MARGIN, value=contrastive_cases())
    declare(f"{_loss}_loss_grad", "f_pos f_neg grad_pos grad_neg margin", *SCALARS, *GRADIENTS,
            MARGIN, value=contrastive_cases(grads=True))
declare("log_loss", "f_pos f_neg", *SCALARS, value=contrastive_cases(margin=False),
        large=contrastive_cases(margin=False, magnitude=LARGE))
declare("log_loss_grad", "f_pos f_neg grad_pos grad_neg", *SCALARS, *GRADIENTS,
        value=contrastive_cases(grads=True, margin=False))


# ---- a3: linear models ----

@st.composite
def linear_cases(draw):
    """{"w", "x", "y"} with y in {-1, +1} and x not all zero; w.x = 0 exactly in some cases
    (w zero), where the perceptron's sign(0) = -1 matters."""
    d = draw(st.integers(1, 5))
    w = draw(arrays(np.float64, d, elements=reals(MODERATE)))
    x = draw(arrays(np.float64, d, elements=reals(MODERATE)).filter(lambda v: np.any(v != 0)))
    if draw(st.booleans()) and draw(st.booleans()):
        w = np.zeros(d)
    return {"w": as_tensor(w), "x": as_tensor(x), "y": draw(st.sampled_from([-1.0, 1.0]))}


LINEAR = (tensor("w", 1, shape="(d,)"), tensor("x", 1, shape="(d,)"), same_length("w", "x"),
          not_all_zero("x"))
declare("linear_regression_grad", "w x y", *LINEAR,
        rule("y: a real number", lambda case: _is_real(case["y"])), value=linear_cases())
for _function in ("perceptron_grad", "logistic_regression_grad"):
    declare(_function, "w x y", *LINEAR, rule("y in {-1, +1}", lambda case: case["y"] in (-1, 1)),
            value=linear_cases())


# ---- a3: latent variables ----

@st.composite
def latent_tables(draw, *, beta: bool = True, large: bool = False):
    """{"G": (n_y, n_z)[, "beta"]}."""
    n_y, n_z = draw(st.integers(1, 5)), draw(st.integers(1, 5))
    table = (draw(large_energy_vectors(n_y * n_z)).reshape(n_y, n_z) if large
             else draw(arrays(np.float64, (n_y, n_z), elements=reals(MODERATE))))
    case = {"G": as_tensor(table)}
    if beta:
        case["beta"] = draw(large_betas() if large else moderate_betas())
    return case


TABLE = tensor("G", 2, shape="(n_y, n_z)")
declare("latent_map_inference", "G", TABLE, value=latent_tables(beta=False))
declare("latent_free_energy", "G beta", TABLE, BETA,
        value=latent_tables(), large=latent_tables(large=True))
declare("latent_gibbs_distribution", "G beta", TABLE, BETA,
        value=latent_tables(), large=latent_tables(large=True))


@st.composite
def descent_problems(draw):
    """A quadratic or a small network's energy, built in the worker from these parameters,
    with a step small enough for descent to be stable."""
    d = draw(st.integers(1, 4))
    if draw(st.booleans()):
        A = draw(arrays(np.float64, (d, d), elements=reals(2.0))) + 3 * np.eye(d)
        energy = spec("quadratic_energy", A=A.tolist(),
                      b=draw(arrays(np.float64, d, elements=reals(5.0))).tolist())
        lr = 0.5 / float(np.linalg.norm(A, 2) ** 2)
    else:
        hidden = draw(st.integers(1, 4))
        energy = spec("network_energy",
                      w1=draw(arrays(np.float64, (hidden, d), elements=reals(1.0))).tolist(),
                      b1=draw(arrays(np.float64, hidden, elements=reals(1.0))).tolist(),
                      w2=draw(arrays(np.float64, hidden, elements=reals(1.0))).tolist())
        lr = 0.1
    return {"energy_fn": energy, "y0": as_tensor(draw(arrays(np.float64, d, elements=reals(5.0)))),
            "lr": lr, "n_steps": draw(st.integers(0, 10))}


declare("gradient_descent_inference", "energy_fn y0 lr n_steps",
        rule("energy_fn: a callable from y to a scalar tensor", lambda case: callable(case["energy_fn"])),
        tensor("y0", 1, shape="(d,)"), non_negative("lr"), count("n_steps", 0),
        value=descent_problems())


# Sparse coding: the contract's W are well conditioned and lam is not tiny, so that a plain
# solver (ISTA, FISTA, coordinate descent) converges in well under a second.
CONDITIONING = 100.0
SMALLEST_LAMBDA = 0.01  # of lam_max = 2 max|W^T y|, the smallest lam giving z = 0
ZERO_SINGULAR_VALUE = 1e-9  # relative to the largest: an exact dependence among atoms


def well_conditioned(W) -> bool:
    """The non-zero singular values of W lie within a factor CONDITIONING of each other
    (a singular value below ZERO_SINGULAR_VALUE of the largest is an exact zero)."""
    values = np.linalg.svd(np.asarray(W, dtype=np.float64), compute_uv=False)
    if values.size == 0 or values[0] == 0:
        return False
    non_zero = values[values > ZERO_SINGULAR_VALUE * values[0]]
    return bool(non_zero.min() >= values[0] / CONDITIONING)


def lambda_max(y, W) -> float:
    return 2 * float(np.abs(np.asarray(W, np.float64).T @ np.asarray(y, np.float64)).max())


def _coordinates(magnitude: float):
    """Zero or at least 1e-3 in size: a dictionary atom of size 1e-28 is degenerate data,
    which no float32 solver can be asked to handle."""
    return reals(magnitude).filter(lambda value: value == 0 or abs(value) >= 1e-3)


def _round_up_to_float32(value: float) -> float:
    rounded = np.float32(value)
    return float(rounded if rounded >= value else np.nextafter(rounded, np.float32(np.inf)))


@st.composite
def dictionary_cases(draw, *, lam: bool = True):
    """{"y": (d,), "W": (d, k)[, "lam"]} for sparse coding and k-means: W not all zero and well
    conditioned; lam from 1.5 % of lam_max to twice lam_max (or a fixed range when
    lam_max = 0, where z = 0 is the answer whatever lam)."""
    d, k = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    W = draw(arrays(np.float64, (d, k), elements=_coordinates(3.0)).filter(
        lambda W: np.any(W != 0) and well_conditioned(W)))
    case = {"y": as_tensor(draw(arrays(np.float64, d, elements=_coordinates(5.0)))),
            "W": as_tensor(W)}
    if lam:
        largest = lambda_max(case["y"], W)
        case["lam"] = (_round_up_to_float32(draw(st.floats(0.015625, 2.0, width=32)) * largest)
                       if largest > 0 else draw(st.floats(0.0625, 4.0, width=32)))
    return case


TARGET = tensor("y", 1, shape="(d,)")
DICTIONARY = (tensor("W", 2, shape="(d, k)"),
              rule("W has one row per entry of y", lambda case: len(case["W"]) == len(case["y"])),
              not_all_zero("W"))
declare("sparse_coding_free_energy", "y W lam", TARGET, *DICTIONARY,
        rule(f"W is well conditioned: its non-zero singular values within a factor "
             f"{CONDITIONING:g} of each other", lambda case: well_conditioned(case["W"])),
        non_negative("lam"),
        rule(f"lam >= {SMALLEST_LAMBDA} lam_max, lam_max = 2 max|W^T y|",
             lambda case: case["lam"] >= SMALLEST_LAMBDA * lambda_max(case["y"], case["W"])),
        value=dictionary_cases())
declare("kmeans_free_energy", "y W", TARGET, *DICTIONARY, value=dictionary_cases(lam=False))


# ---- a3: structured outputs ----

@st.composite
def tagged_sequences(draw):
    """{"log_probs": (T, C) rows of log-probabilities, "tags": (T,) long}."""
    T, C = draw(st.integers(1, 6)), draw(st.integers(1, 5))
    scores = torch.from_numpy(draw(arrays(np.float64, (T, C), elements=reals(5.0))))
    return {"log_probs": torch.log_softmax(scores, dim=1),
            "tags": torch.tensor(draw(st.lists(st.integers(0, C - 1), min_size=T, max_size=T)))}


@st.composite
def count_cases(draw):
    return {"vocab_size": draw(st.integers(1, 30)), "n_tags": draw(st.integers(1, 70)),
            "length": draw(st.integers(1, 40))}


declare("sequence_nll", "log_probs tags", tensor("log_probs", 2, shape="(T, C)"),
        rule("log_probs: each row the log of a distribution over the C tags",
             lambda case: bool(torch.allclose(torch.logsumexp(case["log_probs"], 1),
                                              torch.zeros((), dtype=F64), atol=1e-9))),
        tensor("tags", 1, torch.long, shape="(T,)"), same_length("tags", "log_probs"),
        rule("tags in 0..C-1", lambda case: bool((case["tags"] >= 0).all()) and bool(
            (case["tags"] < case["log_probs"].shape[1]).all())),
        value=tagged_sequences())
declare("table_inference", "energy_table x", tensor("energy_table", 2, shape="(n_x, n_y)"),
        index("x", lambda case: len(case["energy_table"]), "0..n_x-1"))
declare("count_pairs", "vocab_size n_tags length", count("vocab_size", 1), count("n_tags", 1),
        count("length", 1), value=count_cases())
declare("count_lookups", "n_tags length", count("n_tags", 1), count("length", 1))


# ---- the final: points in the plane, mixtures, models, importance samples ----

def points(n, magnitude: float = 15.0):
    """(n, 2) points with coordinates in [-magnitude, magnitude]."""
    return arrays(np.float64, (n, 2), elements=reals(magnitude))


@st.composite
def far_points(draw, n):
    """(n, 2) points 300 to 1000 away from the origin on each axis: every Gaussian density of
    a mean within 15 of the origin underflows there, so only log-domain code stays finite."""
    signs = draw(arrays(np.float64, (n, 2), elements=st.sampled_from([-1.0, 1.0])))
    sizes = draw(arrays(np.float64, (n, 2), elements=st.floats(300.0, 1000.0, width=32)))
    return signs * sizes


@st.composite
def mixtures(draw, max_components: int = 5, magnitude: float = 10.0):
    """{"weights": (K,) positive, on the simplex, "means": (K, 2)}."""
    K = draw(st.integers(1, max_components))
    raw = draw(arrays(np.float64, K, elements=st.floats(0.0625, 1.0, width=32)))
    return {"weights": as_tensor(raw / raw.sum()),
            "means": as_tensor(draw(arrays(np.float64, (K, 2), elements=reals(magnitude))))}


@st.composite
def gmm_cases(draw, *, far: bool = False, sizes=st.integers(1, 12), magnitude: float = 15.0):
    """{"x", "weights", "means"} in the contract's order."""
    mixture = draw(mixtures())
    n = draw(sizes)
    x = draw(far_points(n)) if far else draw(points(n, magnitude))
    return {"x": as_tensor(x), **mixture}


# The contract: "The grader's data and starts give every component a non-negligible share".
# Where x_i is at most SHARE_GAP farther (in squared distance) from mean k than from any other
# mean, its responsibility r_ik >= pi_k exp(-SHARE_GAP / 2) (the other terms of the posterior's
# denominator are each at most exp(SHARE_GAP / 2) times component k's), so N_k >= pi_k / e.
SHARE_GAP = 2.0


def every_component_owns_a_point(x, means) -> bool:
    """Each mean has a point of x whose squared distance to it exceeds that to any other mean
    by at most SHARE_GAP."""
    squared = ((np.asarray(x)[:, None, :] - np.asarray(means)[None]) ** 2).sum(axis=2)
    return bool(np.all((squared <= squared.min(axis=1, keepdims=True) + SHARE_GAP).any(axis=0)))


@st.composite
def em_cases(draw, *, with_iterations: bool = False, max_iterations: int = 4):
    """Each component owns one to three points within 1/2 of its mean on each axis (so within
    SHARE_GAP of being its nearest), then up to six points anywhere; the start is the given
    mixture. ``with_iterations``: fit_gmm_em's arguments, 0 to ``max_iterations`` steps."""
    mixture = draw(mixtures())
    owned = [np.asarray(mean) + draw(points(draw(st.integers(1, 3)), 0.5))
             for mean in mixture["means"].numpy()]
    extra = draw(points(draw(st.integers(0, 6)), 10.0))
    case = {"x": as_tensor(round_to_float32(np.concatenate([*owned, extra]))), **mixture}
    if with_iterations:
        case = {"x": case["x"], "init_weights": case["weights"], "init_means": case["means"],
                "n_iters": draw(st.integers(0, max_iterations))}
    return case


@st.composite
def posterior_cases(draw):
    """{"x", "q", "weights", "means"}: q rows on the simplex, some entries exactly 0."""
    case = draw(gmm_cases())
    n, K = len(case["x"]), len(case["weights"])
    raw = draw(arrays(np.float64, (n, K), elements=st.sampled_from([0.0]) | st.floats(0.01, 1.0)))
    raw[:, 0] += 1e-3  # no row of zeros
    q = as_tensor(raw / raw.sum(axis=1, keepdims=True))
    return {"x": case["x"], "q": q, "weights": case["weights"], "means": case["means"]}


@st.composite
def gap_cases(draw):
    return {"x": as_tensor(draw(points(draw(st.integers(1, 10)), 15.0))),
            "K": draw(st.integers(1, 12)), "R": draw(st.floats(0.5, 15.0, width=32))}


MIXTURE = (weights_on_the_simplex("weights"), components("weights", "means"))
X = points_of("x")
SHARES = rule("every component owns a point of x (so its share N_k >= pi_k / e)",
              lambda case: every_component_owns_a_point(case["x"], case["means"]))

declare("gmm_means", "K R", count("K", 1), positive("R"))
declare("sample_gmm", "n weights means generator", count("n", 1), *MIXTURE,
        rule("generator: a torch.Generator", lambda case: isinstance(case["generator"],
                                                                     torch.Generator)))
declare("gmm_log_density", "x weights means", X, *MIXTURE,
        value=gmm_cases(), far=gmm_cases(far=True))
declare("responsibilities", "x weights means", X, *MIXTURE,
        value=gmm_cases(), far=gmm_cases(far=True))
declare("em_step", "x weights means", X, *MIXTURE, SHARES, value=em_cases())
declare("fit_gmm_em", "x init_weights init_means n_iters", X,
        weights_on_the_simplex("init_weights"), components("init_weights", "init_means"),
        rule("every component owns a point of x at the start",
             lambda case: every_component_owns_a_point(case["x"], case["init_means"])),
        count("n_iters", 0),
        value=em_cases(with_iterations=True))
declare("log_joint", "x weights means", X, *MIXTURE, value=gmm_cases())
declare("elbo", "x q weights means", X, tensor("q", 2, shape="(n, K)"), on_the_simplex("q"),
        *MIXTURE, value=posterior_cases())
declare("elbo_uniform", "x weights means", X, *MIXTURE, value=gmm_cases())
declare("elbo_posterior", "x weights means", X, *MIXTURE, value=gmm_cases())
declare("kl_to_posterior", "x q weights means", X, tensor("q", 2, shape="(n, K)"),
        on_the_simplex("q"), *MIXTURE, value=posterior_cases())
declare("elbo_gap_uniform", "x K R", X, count("K", 1), positive("R"), value=gap_cases())


@st.composite
def kde_cases(draw, *, far: bool = False):
    """{"x_query", "x_train", "sigma"}; sigma is a variance from 0.01 to 25."""
    m, n = draw(st.integers(1, 8)), draw(st.integers(1, 12))
    query = draw(far_points(m)) if far else draw(points(m, 10.0))
    return {"x_query": as_tensor(query), "x_train": as_tensor(draw(points(n, 10.0))),
            "sigma": draw(st.sampled_from([0.01, 0.25, 1.0, 4.0, 25.0])
                          | st.floats(0.015625, 25.0, width=32))}


@st.composite
def selection_cases(draw):
    train, validation = (as_tensor(draw(points(draw(st.integers(2, 15)), 10.0))) for _ in "tv")
    sigmas = draw(st.lists(st.sampled_from([0.05, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0]),
                           min_size=1, max_size=5))
    return {"x_train": train, "x_val": validation, "sigmas": sigmas}


declare("kde_log_density", "x_query x_train sigma", points_of("x_query"), points_of("x_train"),
        positive("sigma"), value=kde_cases(), far=kde_cases(far=True))
declare("select_kde_sigma", "x_train x_val sigmas", points_of("x_train"), points_of("x_val"),
        rule("sigmas: a non-empty list of positive numbers",
             lambda case: len(case["sigmas"]) >= 1
             and all(_is_real(s) and s > 0 for s in case["sigmas"])),
        value=selection_cases())


@st.composite
def importance_samples(draw, *, large: bool = False, sizes=st.integers(1, 40)):
    """{"log_target", "log_q"} for M samples; large: log_target of magnitude 800 to 1000."""
    M = draw(sizes)
    target = (draw(large_energy_vectors(M)) if large
              else draw(arrays(np.float64, M, elements=reals(MODERATE))))
    return {"log_target": as_tensor(target),
            "log_q": as_tensor(draw(arrays(np.float64, M, elements=st.floats(-20.0, 0.0, width=32))))}


@st.composite
def snis_cases(draw, *, large: bool = False):
    samples = draw(importance_samples(large=large))
    trailing = draw(st.sampled_from([(), (3,), (2, 2)]))
    f_values = draw(arrays(np.float64, (len(samples["log_q"]), *trailing),
                           elements=reals(10.0)))
    return {"f_values": as_tensor(f_values), **samples}


def large_offsets():
    return st.floats(800.0, 1000.0, width=32).map(float) | st.floats(-1000.0, -800.0, width=32)


@st.composite
def energy_net_specs(draw, *, offset=None):
    """A spec of the grader's ShallowEnergyNet (see sandbox.builders) with drawn parameters,
    in float32 as the contract says; ``offset`` draws the output bias (large ones test the
    log domain)."""
    hidden = draw(st.integers(1, 6))
    return spec("energy_net",
                w1=draw(arrays(np.float64, (hidden, 2), elements=reals(2.0))).tolist(),
                b1=draw(arrays(np.float64, hidden, elements=reals(2.0))).tolist(),
                w2=draw(arrays(np.float64, hidden, elements=reals(2.0))).tolist(),
                b2=draw(offset if offset is not None else reals(2.0)), dtype="float32")


@st.composite
def model_cases(draw, *, large: bool = False, data: bool = False, test: bool = False):
    """{"model": spec, ["x_train" | "x_test"], "x_q", "log_q"} with M samples in [-10, 10]^2,
    every tensor in the model's float32."""
    case = {"model": draw(energy_net_specs(offset=large_offsets() if large else None))}
    if data or test:
        case["x_train" if data else "x_test"] = as_tensor(
            draw(points(draw(st.integers(1, 10)), 10.0)), F32)
    M = draw(st.integers(1, 30))
    case["x_q"] = as_tensor(draw(points(M, 10.0)), F32)
    case["log_q"] = as_tensor(draw(arrays(np.float64, M, elements=st.floats(-20.0, 0.0, width=32))),
                              F32)
    return case


SAMPLES = (tensor("log_target", 1, shape="(M,)"), tensor("log_q", 1, shape="(M,)"),
           same_length("log_target", "log_q"))
MODEL = module("model", F32)
MODEL_SAMPLES = (points_of("x_q", F32), tensor("log_q", 1, F32, shape="(M,) float32"),
                 same_length("x_q", "log_q"))

declare("EnergyNet", "")
declare("self_normalized_is", "f_values log_target log_q",
        rule("f_values: an (M, ...) float64 tensor, finite",
             lambda case: case["f_values"].dim() >= 1
             and _is_tensor(case["f_values"], F64, case["f_values"].dim())),
        *SAMPLES, same_length("f_values", "log_q"),
        value=snis_cases(), large=snis_cases(large=True))
declare("is_log_partition", "log_target log_q", *SAMPLES,
        value=importance_samples(), large=importance_samples(large=True))
declare("is_grad_log_partition", "model x_q log_q", MODEL, *MODEL_SAMPLES,
        value=model_cases(), large=model_cases(large=True))
declare("ebm_loglik_grad", "model x_train x_q log_q", MODEL, points_of("x_train", F32),
        *MODEL_SAMPLES, value=model_cases(data=True))
declare("ebm_test_log_likelihood", "model x_test x_q log_q", MODEL, points_of("x_test", F32),
        *MODEL_SAMPLES, value=model_cases(test=True))
declare("train_ebm", "model x_train x_q log_q n_steps lr", MODEL, points_of("x_train", F32),
        *MODEL_SAMPLES, count("n_steps", 0), positive("lr"))


# ---- the OCR notebook: path matrices, energies over 27 classes, target sequences ----

@st.composite
def path_matrices(draw, *, ties: bool = False):
    """{"pm": (L, T) float32} with 1 <= T <= L <= 9; ``ties``: small integers, so that several
    alignments share the minimum."""
    T = draw(st.integers(1, 6))
    L = draw(st.integers(T, T + 4))
    elements = st.integers(0, 2).map(float) if ties else reals(MODERATE)
    return {"pm": as_tensor(draw(arrays(np.float64, (L, T), elements=elements)), F32)}


@st.composite
def energies_and_targets(draw):
    """{"energies": (B, L, 27) float32, "targets": (B, T) long}."""
    B, L, T = draw(st.integers(1, 3)), draw(st.integers(1, 6)), draw(st.integers(1, 6))
    energies = draw(arrays(np.float64, (B, L, CLASSES), elements=reals(MODERATE)))
    targets = draw(arrays(np.int64, (B, T), elements=st.integers(0, CLASSES - 1)))
    return {"energies": as_tensor(energies, F32), "targets": torch.from_numpy(targets)}


@st.composite
def window_classes(draw):
    """A 1-D long tensor of per-window argmin classes (at least one window), separators (26)
    frequent."""
    values = draw(st.lists(st.integers(0, 3) | st.just(26), min_size=1, max_size=20))
    return {"indices": torch.tensor(values, dtype=torch.long)}


@st.composite
def alignments(draw, L: int, T: int) -> list[int]:
    """A valid alignment of L windows to T <= L targets: 0 at the start, T-1 at the end."""
    steps = draw(st.permutations([1] * (T - 1) + [0] * (L - T)))
    return [int(j) for j in np.concatenate([[0], np.cumsum(steps)])]


@st.composite
def paths_on(draw):
    """{"pm", "path"}: a valid alignment, or one with a single entry moved to another target
    in 0..T-1, which breaks its start, its end or a step (or leaves it valid): the invalid
    paths of the contract, never an index out of range."""
    case = draw(path_matrices())
    L, T = case["pm"].shape
    path = draw(alignments(L, T))
    if draw(st.booleans()):
        path[draw(st.integers(0, L - 1))] = draw(st.integers(0, T - 1))
    return {"pm": case["pm"], "path": path}


@st.composite
def ce_and_paths(draw):
    case = draw(path_matrices())
    L, T = case["pm"].shape
    return {"ce": case["pm"], "path": [[i, j] for i, j in enumerate(draw(alignments(L, T)))]}


def is_alignment(path, L: int, T: int) -> bool:
    """L points (i, j) from (0, 0) to (L-1, T-1), each step one window and 0 or +1 target."""
    points = [tuple(int(v) for v in point) for point in path]
    return (len(points) == L and points[0] == (0, 0) and points[-1] == (L - 1, T - 1)
            and all(k == i + 1 and m - j in (0, 1)
                    for (i, j), (k, m) in zip(points, points[1:])))


def _model_outputs(name: str, shape: str) -> Condition:
    """A model's output in the notebook: float32."""
    return tensor(name, len(shape.split(",")), F32, shape=shape)


def _alignable(name: str) -> Condition:
    return (f"{name}: 1 <= T <= L (an alignment exists)",
            lambda case: case[name].shape[1] <= case[name].shape[0])


TARGETS = (tensor("targets", 2, torch.long, shape="(B, T)"),
           rule("targets: one row per image, classes in 0..26",
                lambda case: len(case["targets"]) == len(case["energies"])
                and bool((case["targets"] >= 0).all()) and bool((case["targets"] < CLASSES).all())))
ENERGY_WINDOWS = (_model_outputs("energies", "(B, L, 27)"),
                  rule("energies: 27 classes", lambda case: case["energies"].shape[2] == CLASSES))
TRAINING_LOOP = (module("model"), rule("optimizer: a torch optimizer", lambda case: isinstance(
    case["optimizer"], torch.optim.Optimizer)), rule("criterion: a callable", lambda case:
                                                     callable(case["criterion"])))


def _notebook_batches(name: str, labels: str, label_dims: int) -> Condition:
    """Batches (images, labels) as a notebook's loader yields them: float32 images of one of
    the two layouts semesters use, (B, 32, W) (the course notebook's dataset drops the
    channel) or (B, 1, 32, W) (the contract's), one layout throughout, and long labels, one
    row per image."""
    def holds(case) -> bool:
        batches = list(case[name])
        layouts = {images.dim() for images, _ in batches}
        return len(batches) >= 1 and len(layouts) == 1 and all(
            images.dtype == torch.float32 and images.shape[-2] == 32
            and (images.dim() == 3 or (images.dim() == 4 and images.shape[1] == 1))
            and targets.dtype == torch.long and targets.dim() == label_dims
            and len(targets) == len(images) for images, targets in batches)
    return (f"{name}: batches (images, {labels}) as the notebook's loaders yield them, float32 "
            "images (B, 32, W) or (B, 1, 32, W), long labels", holds)


declare("SimpleNet", "")
declare("train_model", "model epochs dataloader criterion optimizer", *TRAINING_LOOP,
        count("epochs", 1), _notebook_batches("dataloader", "labels (B,)", 1))
declare("train_ebm_model", "model num_epochs train_loader criterion optimizer", *TRAINING_LOOP,
        count("num_epochs", 1), _notebook_batches("train_loader", "targets (B, T)", 2))
declare("build_path_matrix", "energies targets", *ENERGY_WINDOWS, *TARGETS,
        value=energies_and_targets())
declare("build_ce_matrix", "energies targets", *ENERGY_WINDOWS, *TARGETS,
        value=energies_and_targets())
declare("transform_word", "s", rule("s: a non-empty word of lowercase letters a-z",
                                    lambda case: isinstance(case["s"], str) and len(case["s"]) >= 1
                                    and all("a" <= c <= "z" for c in case["s"])))
declare("path_energy", "pm path", _model_outputs("pm", "(L, T)"), _alignable("pm"),
        rule("path: a list of L target indices, each in 0..T-1",
             lambda case: len(case["path"]) == case["pm"].shape[0]
             and all(_is_int(j) and 0 <= j < case["pm"].shape[1] for j in case["path"])),
        value=paths_on())
declare("find_path", "pm", _model_outputs("pm", "(L, T)"), _alignable("pm"),
        value=path_matrices(), ties=path_matrices(ties=True))
declare("path_cross_entropy", "ce path", _model_outputs("ce", "(L, T)"), _alignable("ce"),
        rule("path: an alignment, L points (i, j) from (0, 0) to (L-1, T-1)",
             lambda case: is_alignment(case["path"], *case["ce"].shape)),
        value=ce_and_paths())
declare("indices_to_str", "indices", tensor("indices", 1, torch.long, shape="(L,)"),
        rule("indices: classes in 0..26", lambda case: bool((case["indices"] >= 0).all())
             and bool((case["indices"] < CLASSES).all())),
        value=window_classes())
