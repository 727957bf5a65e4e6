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
# kind -> what builds it, filled by ``@builder(kind)`` where each builder is written.
BUILDERS: dict = {}


def spec(kind: str, **parameters) -> dict:
    """The spec of an object of ``kind`` (a name in ``BUILDERS``) built from ``parameters``."""
    return {BUILD_KEY: kind, **parameters}


def builder(kind: str):
    """Declare the decorated function or class as what builds specs of ``kind``."""
    def register(built):
        if kind in BUILDERS:
            raise ValueError(f"two builders of {kind!r}")
        BUILDERS[kind] = built
        return built
    return register


@builder("energy_net")
class ShallowEnergyNet(nn.Module):
    """E(x) = w2 . tanh(W1 x + b1) + b2 for x in R^2: the grader's own EnergyNet, used to
    feed the importance-sampling functions a model whose parameters the grader chose."""

    def __init__(self, w1, b1, w2, b2, dtype: str = "float64"):
        """``dtype``: the graded checks hand students a "float32" model, torch's default,
        as the contract says; float64 serves the reference's own proofs."""
        super().__init__()
        dtype = getattr(torch, dtype)
        self.hidden = nn.Linear(2, len(b1), dtype=dtype)
        self.out = nn.Linear(len(b1), 1, dtype=dtype)
        with torch.no_grad():
            self.hidden.weight.copy_(torch.as_tensor(w1, dtype=dtype))
            self.hidden.bias.copy_(torch.as_tensor(b1, dtype=dtype))
            self.out.weight.copy_(torch.as_tensor(w2, dtype=dtype).reshape(1, -1))
            self.out.bias.copy_(torch.as_tensor(b2, dtype=dtype).reshape(1))

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x))).squeeze(-1)


@builder("generator")
def _generator(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(int(seed))


def _student_object(module, name: str, seed: int, args=()):
    torch.manual_seed(int(seed))
    return getattr(module, name)(*args)


@builder("leaf")
def _leaf(values):
    """A tensor that requires grad (graded functions must keep the graph from it), of the
    values' floating dtype (float32 for a model's outputs), float64 for other values."""
    tensor = torch.as_tensor(values)
    if not tensor.is_floating_point():
        tensor = tensor.to(torch.float64)
    return tensor.clone().requires_grad_(True)


@builder("window_net")
class WindowNet(nn.Module):
    """The grader's own sliding-window network for the OCR notebook's training loops:
    x (B, 1, 32, W) -> energies (B, (W - 18) // 4 + 1, 27), seeded. It also reads x of shape
    (B, 32, W), as the course notebook's loaders yield images, so that a loop that adds the
    channel itself and a loop that passes the batch on as it comes both train it."""

    def __init__(self, seed: int = 0, channels: int = 16):
        super().__init__()
        torch.manual_seed(int(seed))
        self.window = nn.Conv2d(1, channels, kernel_size=(32, 18), stride=(1, 4))
        self.classes = nn.Conv2d(channels, 27, kernel_size=1)

    def forward(self, x):
        if x.dim() == 3:
            x = x.unsqueeze(1)
        return self.classes(torch.relu(self.window(x))).squeeze(2).transpose(1, 2)


def _glyphs(seed: int = 0) -> torch.Tensor:
    """27 fixed random 32x18 patterns, one per class (no font: nothing to download)."""
    generator = torch.Generator().manual_seed(int(seed))
    return (torch.rand(27, 32, 18, generator=generator) > 0.5).float()


class CountingLoader(torch.utils.data.DataLoader):
    """A DataLoader that counts the batches it serves, so that the grader can tell how many
    passes a training loop made over its data (one per epoch), whatever the loop returns."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.served = 0

    def __iter__(self):
        for batch in super().__iter__():
            self.served += 1
            yield batch


def _loader(images: torch.Tensor, labels: torch.Tensor, channel: bool, batch_size: int = 1):
    """A DataLoader over (image, label) pairs, images float32 of shape (32, W), or (1, 32, W)
    where ``channel``: batches (B, 32, W) as the course notebook's loaders yield them (its
    dataset drops the channel), or (B, 1, 32, W) as the contract writes SimpleNet's input."""
    images = images.float()
    dataset = torch.utils.data.TensorDataset(images.unsqueeze(1) if channel else images, labels)
    return CountingLoader(dataset, batch_size=int(batch_size), shuffle=False)


@builder("character_loader")
def _character_loader(n: int, seed: int = 0, batch_size: int = 8, channel: bool = False):
    """Single characters: a class's glyph plus noise, with its label (long), in batches."""
    generator = torch.Generator().manual_seed(int(seed) + 1)
    labels = torch.randint(0, 26, (int(n),), generator=generator)
    images = _glyphs(seed)[labels] + 0.1 * torch.randn(int(n), 32, 18, generator=generator)
    return _loader(images, labels, channel, batch_size)


def word_image(word: str, seed: int = 0) -> torch.Tensor:
    """(1, 1, 32, 18 * len(word)): the glyphs of the word's letters side by side."""
    glyphs = _glyphs(seed)
    return torch.cat([glyphs[ord(letter) - ord("a")] for letter in word], dim=1)[None, None]


@builder("word_loader")
def _word_loader(words, seed: int = 0, channel: bool = False):
    """One word per batch, as the notebook's word loader yields them: its image and its
    targets (1, 2 len(word)), long, each letter followed by 26. Words of one length."""
    images = torch.cat([word_image(word, seed)[0] for word in words])
    targets = torch.tensor([[value for letter in word for value in (ord(letter) - ord("a"), 26)]
                            for word in words], dtype=torch.long)
    return _loader(images, targets, channel)


@builder("notebook_cross_entropy")
def _notebook_cross_entropy():
    return lambda energies, labels: torch.nn.functional.cross_entropy(-energies, labels)


@builder("quadratic_energy")
def _quadratic_energy(A, b):
    """E(y) = 1/2 |A y - b|^2: a callable energy for gradient-descent inference."""
    A, b = torch.as_tensor(A, dtype=torch.float64), torch.as_tensor(b, dtype=torch.float64)
    return lambda y: 0.5 * ((A.to(y.dtype) @ y - b.to(y.dtype)) ** 2).sum()


@builder("network_energy")
def _network_energy(w1, b1, w2):
    """E(y) = w2 . tanh(W1 y + b1) + 1/2 |y|^2: a small network's energy, bounded below."""
    w1, b1, w2 = (torch.as_tensor(v, dtype=torch.float64) for v in (w1, b1, w2))
    return lambda y: (w2.to(y.dtype) @ torch.tanh(w1.to(y.dtype) @ y + b1.to(y.dtype))
                      + 0.5 * (y ** 2).sum())


def build(spec: dict, module=None):
    """The object a spec describes; ``student_object`` instantiates a class of the submission."""
    params = {key: value for key, value in spec.items() if key != BUILD_KEY}
    if spec[BUILD_KEY] == "student_object":
        return _student_object(module, **params)
    return BUILDERS[spec[BUILD_KEY]](**params)


def build_all(node, module=None):
    """``node`` with every spec in it (arguments, nested lists) replaced by its object. An
    optimizer spec ({"__build__": "adam", "of": k, "lr": ...}) is built last, over the
    parameters of argument k."""
    if isinstance(node, dict) and BUILD_KEY in node:
        return build(node, module)
    if isinstance(node, list):
        built = [item if _is_optimizer(item) else build_all(item, module) for item in node]
        return [_optimizer(item, built) if _is_optimizer(item) else item for item in built]
    return node


def _is_optimizer(node) -> bool:
    return isinstance(node, dict) and node.get(BUILD_KEY) == "adam"


class CountingAdam(torch.optim.Adam):
    """Adam that counts its steps, so that the grader can tell how many updates a training
    loop made (one per batch), whatever else the loop does with its data loader."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps_taken = 0

    def step(self, closure=None):
        self.steps_taken += 1
        return super().step(closure)


def _optimizer(spec: dict, arguments: list):
    return CountingAdam(arguments[spec["of"]].parameters(), lr=spec["lr"])


def _parameter_dtype(model) -> torch.dtype:
    for parameter in model.parameters():
        return parameter.dtype
    return torch.float64


def project(value, projection: dict, args=()):
    """Reduce a returned object to data: its parameters, its outputs at given inputs (fed in
    the dtype of its parameters, as the contract promises), the batches a CountingLoader
    served, the steps a CountingAdam took, or the gradient of sum(value * weights) with respect to argument ``argument``
    (None where no graph leads there), next to the value itself. Kind "argument" applies
    ``projection["of"]`` to argument ``argument`` instead (a model a loop trained in place)."""
    kind = projection["kind"]
    if kind == "argument":
        return project(args[projection["argument"]], projection["of"])
    if kind == "batches_served":
        return value.served
    if kind == "steps_taken":
        return value.steps_taken
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
