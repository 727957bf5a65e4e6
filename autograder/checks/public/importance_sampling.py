"""Public checks for the EBM and its importance-sampling estimators (final 1.4-1.7):
properties that hold for the right answer whatever the model, and short seeded runs."""
from __future__ import annotations

import math

import numpy as np
import torch
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from autograder.checks.api import (
    Mismatch, Tolerance, as_float_array, build, check, expect_close, spec)
from autograder.checks.strategies import (
    as_tensor, energy_net_specs, importance_samples, points, reals)

SIZES = (1, 7, 100)


def _grid(n: int, seed: int) -> torch.Tensor:
    return torch.from_numpy(np.random.default_rng(seed).uniform(-10, 10, size=(n, 2)))


@check()
def energy_net_shapes(student):
    """EnergyNet() maps (n, 2) to (n,) finite values that depend on x, for several n."""
    projections = [{"kind": "outputs_at", "x": _grid(n, n)} for n in SIZES]
    outputs = student.call_projected("EnergyNet", projections)
    for n, output in zip(SIZES, outputs):
        values = as_float_array("EnergyNet", output, (n,), {"x": f"{n} points of shape (n, 2)"})
        if not np.all(np.isfinite(values)):
            raise Mismatch("EnergyNet", {"n": n}, values, problem="returned inf or nan")
    if np.ptp(np.asarray(outputs[-1], dtype=np.float64)) == 0:
        raise Mismatch("EnergyNet", {"n": SIZES[-1]}, outputs[-1],
                       problem="gives the same energy at every point")


@check()
def energy_net_trains(student):
    """A fixed Adam run fits EnergyNet() to a smooth target: the network is trainable."""
    x = _grid(200, 1)
    y = torch.sin(x[:, 0] / 3) + torch.cos(x[:, 1] / 3)
    before, after = student.call_projected(
        "EnergyNet", [{"kind": "fit", "x": x, "y": y, "steps": 200}])[0]
    if not after < 0.5 * before:
        raise Mismatch("EnergyNet", {}, after, problem=f"does not train: 200 Adam steps took "
                       f"the squared error of a regression only from {before:.4g} to {after:.4g}")


@st.composite
def _snis_inputs(draw):
    samples = draw(importance_samples())
    trailing = draw(st.sampled_from([(), (3,)]))
    f_values = draw(arrays(np.float64, (len(samples["log_q"]), *trailing), elements=reals(10.0)))
    return {"f_values": as_tensor(f_values), **samples}


@check(case=_snis_inputs(), shift=reals(100.0))
def snis_properties(student, case, shift):
    """A constant f gives that constant; one sample gives its f; adding a constant to E
    changes nothing (the weights are normalised); the result has f's trailing shape."""
    shape = tuple(case["f_values"].shape[1:])
    got = student.call_array("self_normalized_is", shape, **case)
    constant = dict(case, f_values=torch.full_like(case["f_values"], 2.5))
    expect_close("self_normalized_is", student.call("self_normalized_is", **constant),
                 np.full(shape, 2.5), inputs=constant, tolerance=Tolerance(1e-4, 1e-4),
                 problem="does not return f when f is the same at every sample")
    shifted = dict(case, log_target=case["log_target"] + shift)
    expect_close("self_normalized_is", student.call("self_normalized_is", **shifted), got,
                 inputs=shifted, tolerance=Tolerance(1e-4 * (1 + np.abs(got).max()), 1e-4),
                 problem="changes when the same constant is added to every E(x_m)")
    if len(case["log_q"]) == 1:
        expect_close("self_normalized_is", got, case["f_values"][0], inputs=case,
                     tolerance=Tolerance(1e-5, 1e-5), problem="with one sample is not f(x_1)")
    log_weights = case["log_target"] - case["log_q"]
    dominant = dict(case, log_target=case["log_target"].clone())
    dominant["log_target"][-1] = float(log_weights.max()) + 100 + float(case["log_q"][-1])
    expect_close("self_normalized_is", student.call("self_normalized_is", **dominant),
                 case["f_values"][-1], inputs=dominant,
                 tolerance=Tolerance(1e-4 * (1 + float(case["f_values"].abs().max()))),
                 problem="does not follow the weights: where one sample's E(x) - log q(x) "
                         "exceeds all others by 100, the estimate is that sample's f")


@check(case=importance_samples(), shift=reals(100.0))
def log_partition_properties(student, case, shift):
    """A-hat is 0 when E = log q on every sample, adding c to E adds c to A-hat, and two
    samples of log-weights 0 and -1000 give log(1/2)."""
    same = dict(case, log_target=case["log_q"])
    expect_close("is_log_partition", student.call("is_log_partition", **same), 0.0,
                 inputs=same, tolerance=Tolerance(1e-4),
                 problem="is not 0 when log_target equals log_q at every sample")
    base = student.call("is_log_partition", **case)
    shifted = dict(case, log_target=case["log_target"] + shift)
    expect_close("is_log_partition", student.call("is_log_partition", **shifted),
                 float(np.asarray(base, dtype=np.float64).reshape(-1)[0]) + shift,
                 inputs=shifted, tolerance=Tolerance(1e-3 * (1 + abs(shift))),
                 problem="does not grow by c when c is added to every E(x_m)")
    pair = {"log_target": torch.tensor([0.0, -1000.0], dtype=torch.float64),
            "log_q": torch.zeros(2, dtype=torch.float64)}
    expect_close("is_log_partition", student.call("is_log_partition", **pair), -math.log(2),
                 inputs=pair, tolerance=Tolerance(1e-4),
                 problem="is not log((1/M) sum_m exp(E(x_m) - log q(x_m)))")


def _dtype(network) -> torch.dtype:
    """The dtype of the grader's network a spec builds: what it is fed, and what it gives."""
    return getattr(torch, network.get("dtype", "float64"))


@st.composite
def _model_samples(draw):
    """{"model": a spec of the grader's network, "x_q", "log_q"}: M samples in [-10, 10]^2,
    in the model's dtype."""
    network = draw(energy_net_specs())
    M = draw(st.integers(1, 20))
    log_q = draw(arrays(np.float64, M, elements=st.floats(-20.0, 0.0, width=32)))
    return {"model": network, "x_q": as_tensor(draw(points(M, 10.0))).to(_dtype(network)),
            "log_q": as_tensor(log_q).to(_dtype(network))}


def _parameter_shapes(network) -> list[tuple]:
    return [tuple(parameter.shape) for parameter in build(network).parameters()]


def _gradient_at(network, point) -> tuple:
    """grad_theta E_theta(x) of the grader's own network at one point."""
    model = build(network)
    return tuple(g.numpy() for g in torch.autograd.grad(model(point).sum(),
                                                         list(model.parameters())))


@check(case=_model_samples(), examples=30)
def grad_log_partition_shapes(student, case):
    """One finite tensor per model parameter, with that parameter's shape, in order; with a
    single sample the estimate is grad E at that sample (its weight is 1)."""
    shapes = _parameter_shapes(case["model"])
    got = student.call("is_grad_log_partition", **case)
    if not isinstance(got, list) or len(got) != len(shapes):
        raise Mismatch("is_grad_log_partition", case, got,
                       problem=f"should return a list of {len(shapes)} tensors, one per "
                               "model.parameters()")
    for value, shape in zip(got, shapes):
        array = as_float_array("is_grad_log_partition", value, shape, case)
        if not np.all(np.isfinite(array)):
            raise Mismatch("is_grad_log_partition", case, got, problem="returned inf or nan")
    single = dict(case, x_q=case["x_q"][:1], log_q=case["log_q"][:1])
    expect_close("is_grad_log_partition", student.call("is_grad_log_partition", **single),
                 _gradient_at(case["model"], single["x_q"]), inputs=single,
                 tolerance=Tolerance(1e-4 * (1 + float(case["x_q"].abs().max()))),
                 problem="with a single sample is not grad_theta E_theta at that sample")


@check(case=_model_samples(), shift=reals(50.0), examples=30)
def loglik_grad_vanishes_when_q_matches_the_model(student, case, shift):
    """With the data equal to the samples and q proportional to exp(E) on them, the two terms
    of the gradient cancel: the estimate is zero. With one data point and one sample it is
    grad E(x_train) - grad E(x_q)."""
    with torch.no_grad():
        energies = build(case["model"])(case["x_q"])
    balanced = {"model": case["model"], "x_train": case["x_q"], "x_q": case["x_q"],
                "log_q": energies + shift}
    got = student.call("ebm_loglik_grad", **balanced)
    shapes = _parameter_shapes(case["model"])
    expect_close("ebm_loglik_grad", got, tuple(np.zeros(shape) for shape in shapes),
                 inputs=balanced, tolerance=Tolerance(1e-4 * (1 + float(case["x_q"].abs().max()))),
                 problem="is not zero when x_train equals the samples and log q = E + c")
    if len(case["x_q"]) >= 2:
        pair = {"model": case["model"], "x_train": case["x_q"][:1], "x_q": case["x_q"][1:2],
                "log_q": case["log_q"][1:2]}
        expected = tuple(a - b for a, b in zip(_gradient_at(case["model"], pair["x_train"]),
                                               _gradient_at(case["model"], pair["x_q"])))
        expect_close("ebm_loglik_grad", student.call("ebm_loglik_grad", **pair), expected,
                     inputs=pair, tolerance=Tolerance(1e-4 * (1 + float(case["x_q"].abs().max()))),
                     problem="with one data point and one sample is not "
                             "grad E(x_train) - grad E(x_q)")


def _log_likelihood(student, inputs) -> float:
    return float(student.call_array("ebm_test_log_likelihood", (), **inputs))


@st.composite
def _test_sets(draw):
    case = draw(_model_samples())
    x_test = as_tensor(draw(points(draw(st.integers(1, 10)), 10.0))).to(case["x_q"].dtype)
    return {"model": case["model"], "x_test": x_test, "x_q": case["x_q"], "log_q": case["log_q"]}


@check(case=_test_sets(), shift=reals(50.0), examples=40)
def ebm_likelihood_properties(student, case, shift):
    """mean_j E(x_test_j) - A-hat: adding c to every log q(x_m) adds c (A-hat falls by c);
    adding c to E changes nothing (the same density); the same test set twice gives the same
    value (a mean, not a sum); and two test sets differ by the difference of their mean E,
    since A-hat does not depend on the test set."""
    base = _log_likelihood(student, case)
    tolerance = Tolerance(1e-3 * (1 + abs(shift)))
    moved = dict(case, log_q=case["log_q"] + shift)
    expect_close("ebm_test_log_likelihood", _log_likelihood(student, moved), base + shift,
                 inputs=moved, tolerance=tolerance,
                 problem="does not grow by c when c is added to every log q(x_m)")
    raised = dict(case, model=dict(case["model"], b2=case["model"]["b2"] + shift))
    expect_close("ebm_test_log_likelihood", _log_likelihood(student, raised), base,
                 inputs=raised, tolerance=tolerance,
                 problem="changes when the same constant is added to E (the model's output "
                         "bias): exp(E + c) is the same density once normalised")
    twice = dict(case, x_test=case["x_test"].repeat(2, 1))
    expect_close("ebm_test_log_likelihood", _log_likelihood(student, twice), base,
                 inputs=twice, tolerance=tolerance,
                 problem="changes when every test point is repeated: it is a mean over the "
                         "test points, not a sum")
    other = dict(case, x_test=case["x_q"][:1])
    with torch.no_grad():
        model = build(case["model"])
        difference = float(model(case["x_test"]).mean() - model(other["x_test"]).mean())
    expect_close("ebm_test_log_likelihood", _log_likelihood(student, other), base - difference,
                 inputs=other, tolerance=tolerance,
                 problem="of two test sets does not differ by the difference of their mean "
                         "E(x): higher E must mean a higher likelihood (p = exp(E - A))")


def _training_data() -> dict:
    """Seeded data: three clusters for training and testing, a broad Gaussian q; the model and
    every tensor in float32, torch's default, as the contract hands them to students."""
    rng = np.random.default_rng(2021)
    centres = np.array([[-4.0, 0.0], [4.0, 0.0], [0.0, 5.0]])

    def draw(n):
        return torch.from_numpy(centres[rng.integers(0, 3, n)] + rng.normal(size=(n, 2))).float()

    x_q = torch.from_numpy(rng.normal(scale=5.0, size=(2000, 2))).float()
    log_q = -(x_q**2).sum(dim=1) / 50 - math.log(2 * math.pi * 25)
    weights = np.random.default_rng(7)
    model = spec("energy_net", w1=weights.normal(size=(8, 2)).tolist(),
                 b1=weights.normal(size=8).tolist(), w2=(0.1 * weights.normal(size=8)).tolist(),
                 b2=0.0, dtype="float32")
    return {"model": model, "x_train": draw(300), "x_test": draw(300), "x_q": x_q,
            "log_q": log_q, "n_steps": 30, "lr": 0.1}


TRAINING = _training_data()

# A trained model is judged by its log-likelihood of held-out points, with its density
# exp(E) normalised over the square [-HALF_WIDTH, HALF_WIDTH]^2, where the data and q lie, by
# the midpoint rule on GRID (a plain quadrature, not the importance-sampling estimate that
# question 1.7 asks for). With 160 x 160 cells it is within 0.01 nats of a finer grid.
HALF_WIDTH, STEP = 20.0, 0.25


def _midpoints() -> torch.Tensor:
    centres = -HALF_WIDTH + STEP * (np.arange(round(2 * HALF_WIDTH / STEP)) + 0.5)
    rows, columns = np.meshgrid(centres, centres, indexing="ij")
    return torch.from_numpy(np.stack([rows.ravel(), columns.ravel()], axis=1)).float()  # exact


GRID = _midpoints()


def held_out_log_likelihood(test_outputs, grid_outputs) -> float:
    """mean_j E(x_test_j) - log of the integral of exp(E) over the square, from the model's
    outputs at the held-out points and at GRID."""
    grid_outputs = np.asarray(grid_outputs, dtype=np.float64)
    top = grid_outputs.max()
    log_mass = top + math.log(np.exp(grid_outputs - top).sum() * STEP**2)
    return float(np.asarray(test_outputs, dtype=np.float64).mean() - log_mass)


def model_log_likelihood(model) -> float:
    """held_out_log_likelihood of a model in this process, on TRAINING's test points."""
    with torch.no_grad():
        return held_out_log_likelihood(model(TRAINING["x_test"]), model(GRID))


def trained_log_likelihoods(student):
    """Run the student's train_ebm on the seeded data; the held-out log-likelihood of the model
    before and after (``held_out_log_likelihood``), computed here from the model's outputs."""
    data = TRAINING
    case = {key: data[key] for key in ("model", "x_train", "x_q", "log_q", "n_steps", "lr")}
    before = model_log_likelihood(build(data["model"]))
    projections = [{"kind": "outputs_at", "x": data["x_test"]},
                   {"kind": "outputs_at", "x": GRID}, {"kind": "parameters"}]
    test, grid, parameters = student.call_projected("train_ebm", projections, **case)
    shown = {key: case[key] for key in ("n_steps", "lr")}
    test = as_float_array("train_ebm", test, (len(data["x_test"]),), shown)
    grid = as_float_array("train_ebm", grid, (len(GRID),), shown)
    initial = [p.detach().numpy() for p in build(data["model"]).parameters()]
    if all(np.allclose(np.asarray(p, dtype=np.float64), q) for p, q in zip(parameters, initial)):
        raise Mismatch("train_ebm", shown, None, problem="does not change the model's parameters")
    return case, before, held_out_log_likelihood(test, grid)


@check()
def train_ebm_improves(student):
    """A short seeded run raises the held-out log-likelihood by a clear margin."""
    _, before, after = trained_log_likelihoods(student)
    if not after > before + 0.1:
        raise Mismatch("train_ebm", {"n_steps": TRAINING["n_steps"], "lr": TRAINING["lr"]},
                       after, problem=f"does not raise the log-likelihood of held-out data: "
                                      f"{before:.4f} before training, {after:.4f} after")
