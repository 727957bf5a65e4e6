"""Objects built from plain parameters, and reductions of objects to plain data.

Some graded functions take objects that cannot travel as data (a torch.Generator, an
nn.Module, a callable) or return one (a trained model). The trusted side sends a *spec* (a
dict with ``"__build__"``) and the worker builds the object here; a *projection* reduces what
a student's function returned (a model) to data before it leaves the worker. The trusted side
imports this same module to build the identical object for the reference, so the two sides
can never disagree on what was built. Only the standard library and torch are used.
"""
from __future__ import annotations

import torch
from torch import nn

BUILD_KEY = "__build__"


class ShallowEnergyNet(nn.Module):
    """E(x) = w2 . tanh(W1 x + b1) + b2 for x in R^2: the grader's own EnergyNet, used to
    feed the importance-sampling functions a model whose parameters the grader chose."""

    def __init__(self, w1, b1, w2, b2):
        super().__init__()
        self.hidden = nn.Linear(2, len(b1), dtype=torch.float64)
        self.out = nn.Linear(len(b1), 1, dtype=torch.float64)
        with torch.no_grad():
            self.hidden.weight.copy_(torch.as_tensor(w1, dtype=torch.float64))
            self.hidden.bias.copy_(torch.as_tensor(b1, dtype=torch.float64))
            self.out.weight.copy_(torch.as_tensor(w2, dtype=torch.float64).reshape(1, -1))
            self.out.bias.copy_(torch.as_tensor(b2, dtype=torch.float64).reshape(1))

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x))).squeeze(-1)


def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


def _student_object(module, name: str, seed: int, args=()):
    torch.manual_seed(int(seed))
    return getattr(module, name)(*args)


def _leaf(values):
    """A float64 tensor that requires grad: graded functions must keep the graph from it."""
    return torch.as_tensor(values, dtype=torch.float64).clone().requires_grad_(True)


def _long(values):
    return torch.as_tensor(values).long()


BUILDERS = {
    "generator": _generator,
    "energy_net": ShallowEnergyNet,
    "leaf": _leaf,
    "long": _long,
}


def build(spec: dict, module=None):
    """The object a spec describes; ``student_object`` instantiates a class of the submission."""
    params = {key: value for key, value in spec.items() if key != BUILD_KEY}
    if spec[BUILD_KEY] == "student_object":
        return _student_object(module, **params)
    return BUILDERS[spec[BUILD_KEY]](**params)


def build_all(node, module=None):
    """``node`` with every spec in it (arguments, nested lists) replaced by its object."""
    if isinstance(node, dict) and BUILD_KEY in node:
        return build(node, module)
    if isinstance(node, list):
        return [build_all(item, module) for item in node]
    return node


def _parameter_dtype(model) -> torch.dtype:
    for parameter in model.parameters():
        return parameter.dtype
    return torch.float64


def project(value, projection: dict, args=()):
    """Reduce a returned object to data: its parameters, its outputs at given inputs (fed in
    the dtype of its parameters, as the contract promises), or the gradient of
    sum(value * weights) with respect to argument ``argument`` (None where no graph leads
    there), next to the value itself."""
    kind = projection["kind"]
    if kind == "value_and_gradient":
        source = args[projection["argument"]]
        weights = torch.as_tensor(projection["weights"], dtype=torch.float64)
        result = torch.as_tensor(value)
        if not result.requires_grad:
            return [result.detach(), None]
        gradient, = torch.autograd.grad((result.to(torch.float64) * weights).sum(), source,
                                        allow_unused=True)
        return [result.detach(), None if gradient is None else gradient]
    if kind == "parameters":
        return [parameter.detach() for parameter in value.parameters()]
    if kind == "outputs_at":
        inputs = torch.as_tensor(projection["x"]).to(_parameter_dtype(value))
        with torch.no_grad():
            return value(inputs)
    if kind == "fit":
        return _fit(value, projection)
    raise ValueError(f"unknown projection {kind!r}")


def _fit(model, projection: dict) -> list[float]:
    """Trainability: the mean squared error of model(x) against y, before and after
    ``steps`` of Adam on it (a fixed procedure, so a trainable model always improves)."""
    dtype = _parameter_dtype(model)
    x = torch.as_tensor(projection["x"]).to(dtype)
    y = torch.as_tensor(projection["y"]).to(dtype)
    optimizer = torch.optim.Adam(model.parameters(), lr=projection.get("lr", 1e-2))
    losses = []
    for step in range(int(projection["steps"]) + 1):
        optimizer.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        losses.append(float(loss.detach()))
        if step < projection["steps"]:
            loss.backward()
            optimizer.step()
    return [losses[0], losses[-1]]
