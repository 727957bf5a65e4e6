"""Public checks for the OCR notebook (hw4 2.*): properties of alignments, of the path and
cross-entropy matrices and of decoding, which follow from the notebook's definitions."""
from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

from autograder.checks.api import (
    CallError, Mismatch, Tolerance, as_float_array, build, check, expect_close, spec, word_image)
from autograder.checks.strategies import (
    alignments, energies_and_targets, path_matrices, round_to_float32)

INVALID = 2**30
WIDTHS = (18, 22, 40, 100)
# Whether images carry a channel dimension: the course notebook's dataset drops it (its
# loaders yield (B, 32, W)), the contract writes SimpleNet's input (B, 1, 32, W). Semesters
# differ, so a network or a loop passes with the layout its notebook gives it.
CHANNEL_LAYOUTS = (False, True)


def in_some_layout(attempt):
    """``attempt(channel)`` with each layout of ``CHANNEL_LAYOUTS`` until one passes. Where
    none does, its failure is told: a wrong answer (the code ran) before a crash, which may
    only mean the other layout; the contract's layout, tried last, before the notebook's."""
    failures = []
    for channel in CHANNEL_LAYOUTS:
        try:
            return attempt(channel)
        except (CallError, Mismatch) as failure:
            failures.append(failure)
    raise max(reversed(failures), key=lambda failure: isinstance(failure, Mismatch))


def alignment_problem(path, L: int, T: int) -> str | None:
    """Why ``path`` (a list of (i, j)) is not an alignment of L windows to T targets, if so."""
    try:
        points = [(int(i), int(j)) for i, j in path]
    except (TypeError, ValueError):
        return "is not a list of (i, j) pairs"
    if len(points) != L:
        return f"has {len(points)} points where one per window, {L}, is needed"
    if points[0] != (0, 0) or points[-1] != (L - 1, T - 1):
        return f"runs from {points[0]} to {points[-1]}, not from (0, 0) to {(L - 1, T - 1)}"
    for (i, j), (k, m) in zip(points, points[1:]):
        if k != i + 1 or m - j not in (0, 1):
            return f"steps from {(i, j)} to {(k, m)}; each step is one window and 0 or +1 target"
    return None


@check(case=path_matrices())
def find_path_returns_an_alignment(student, case):
    """(free energy, path, dp): the path is an alignment from (0, 0) to (L-1, T-1), and dp
    adds up along it: dp[0, 0] = pm[0, 0], each step adds the pm of the cell it enters (a
    prefix of a best path is a best path to its end), and the free energy is dp[L-1, T-1]."""
    pm = case["pm"]
    L, T = pm.shape
    got = student.call("find_path", **case)
    if not isinstance(got, list) or len(got) != 3:
        raise Mismatch("find_path", case, got, problem="should return (free_energy, path, dp)")
    free_energy = float(as_float_array("find_path", got[0], (), case))
    problem = alignment_problem(got[1], L, T) if isinstance(got[1], list) else "is not a list"
    if problem:
        raise Mismatch("find_path", case, got[1], problem=f"returns a path that {problem}")
    dp = as_float_array("find_path", got[2], (L, T), case)
    values = pm.numpy()
    cells = [(int(i), int(j)) for i, j in got[1]]
    with np.errstate(invalid="ignore"):  # inf - inf where a dp cell on the path is unfilled
        steps = [dp[0, 0] - values[0, 0], dp[-1, -1] - free_energy] + [
            dp[cell] - dp[before] - values[cell] for before, cell in zip(cells, cells[1:])]
    if not np.all(np.abs(steps) <= 1e-4 * (1 + float(pm.abs().sum()))):
        raise Mismatch("find_path", case, got, problem="returns a dp table that does not add up "
                       "along its own path (dp[0, 0] = pm[0, 0], each step adds the pm of the "
                       "cell it enters) or a free energy that is not dp[L-1, T-1]")


def _path_energy(student, pm, path) -> float:
    inputs = {"pm": pm, "path": path}
    return float(student.call_array("path_energy", (), **inputs))


@check(case=path_matrices(), data=st.data())
def path_energy_rejects_invalid_paths(student, case, data):
    """A valid path costs 0 through a matrix of zeros, and as much more as a cell on it costs
    more, while a cell off it changes nothing; a path that does not start at 0, does not end
    at T-1, goes back or jumps costs 2**30."""
    pm = case["pm"]
    L, T = pm.shape
    valid = data.draw(alignments(L, T))
    tolerance = Tolerance(1e-4 * (1 + float(pm.abs().sum()) + 4 * L))
    base = _path_energy(student, pm, valid)
    inputs = {"pm": pm, "path": valid}
    expect_close("path_energy", _path_energy(student, torch.zeros_like(pm), valid), 0.0,
                 inputs=dict(inputs, pm=torch.zeros_like(pm)), tolerance=tolerance,
                 problem="of a valid path through a matrix of zeros is not 0")
    on_path = data.draw(st.integers(0, L - 1))
    cells = [((on_path, valid[on_path]), 1.0)]
    off_path = [(i, j) for i in range(L) for j in range(T) if j != valid[i]]
    if off_path:
        cells.append((data.draw(st.sampled_from(off_path)), 0.0))
    for (i, j), counts in cells:
        changed = pm.clone()
        changed[i, j] = float(round_to_float32(pm[i, j] + 4.0))
        expect_close("path_energy", _path_energy(student, changed, valid),
                     base + counts * float(changed[i, j] - pm[i, j]),
                     inputs=dict(inputs, pm=changed), tolerance=tolerance,
                     problem=f"of a valid path does not change by exactly what pm[{i}, {j}] "
                             f"changes by ({'on' if counts else 'off'} the path, it should "
                             f"change by {'that' if counts else 'nothing'})")
    if T == 1:
        return  # every path of in-range indices is then valid
    broken = list(valid)
    kind = data.draw(st.sampled_from(["start", "end", "back", "jump"]))
    if kind == "start":
        broken[0] = 1
    elif kind == "end":
        broken[-1] = T - 2
    elif kind == "back" and L >= 3:
        broken[1], broken[2] = 1, 0
    elif T >= 3:
        broken[1] = 2
    if _is_alignment(broken, T) or not all(0 <= j < T for j in broken):
        return  # the contract's invalid paths keep every index in 0..T-1 (none when T = 1)
    inputs = {"pm": pm, "path": broken}
    expect_close("path_energy", student.call("path_energy", **inputs), INVALID, inputs=inputs,
                 tolerance=Tolerance(1.0),
                 problem="accepts a path that is not a valid alignment (it should be 2**30)")


@check(case=path_matrices(), data=st.data(), shift=st.floats(-5.0, 5.0, width=32))
def path_cross_entropy_follows_the_path(student, case, data, shift):
    """A differentiable scalar whose gradient with respect to ce is 1 on each of the L cells
    of the path and 0 elsewhere (training flows through it); 0 through a matrix of zeros;
    adding c to every cell adds L c (one cell per window)."""
    ce = case["pm"]
    L, T = ce.shape
    path = [[i, j] for i, j in enumerate(data.draw(alignments(L, T)))]
    inputs = {"ce": spec("leaf", values=ce), "path": path}
    shown = {"ce": ce, "path": path}
    value, gradient = student.call_projected(
        "path_cross_entropy", [{"kind": "value_and_gradient", "argument": 0, "weights": 1.0}],
        **inputs)[0]
    base = float(as_float_array("path_cross_entropy", value, (), shown))
    if gradient is None:
        raise Mismatch("path_cross_entropy", shown, value, problem="is cut from the autograd "
                       "graph: no gradient reaches ce (sum the entries of ce as tensors, "
                       "without .item(), float() or .detach())")
    cells = np.zeros((L, T))
    cells[tuple(np.array(path).T)] = 1.0
    expect_close("path_cross_entropy", gradient, cells, inputs=shown, tolerance=Tolerance(1e-6),
                 problem="does not have gradient 1 on each cell (i, j) of the path and 0 "
                         "elsewhere (shown: the gradient with respect to ce)")
    tolerance = Tolerance(1e-4 * (1 + float(ce.abs().sum()) + L * abs(shift)))
    zeros = {"ce": torch.zeros_like(ce), "path": path}
    expect_close("path_cross_entropy", student.call("path_cross_entropy", **zeros), 0.0,
                 inputs=zeros, tolerance=tolerance,
                 problem="of a path through a matrix of zeros is not 0")
    moved = {"ce": torch.from_numpy(round_to_float32(ce.numpy() + shift)).to(ce.dtype),
             "path": path}
    expect_close("path_cross_entropy", student.call("path_cross_entropy", **moved),
                 base + L * shift, inputs=moved,
                 tolerance=tolerance,
                 problem=f"does not grow by L c = {L} c when c is added to every entry of ce "
                         "(a path has one cell per window)")


def _is_alignment(path, T) -> bool:
    return (path[0] == 0 and path[-1] == T - 1
            and all(b - a in (0, 1) for a, b in zip(path, path[1:])))


def _with_gradient(student, function, case):
    """The student's value and the gradient of sum(value * weights) w.r.t. the energies."""
    inputs = dict(case, energies=spec("leaf", values=case["energies"]))
    weights = torch.from_numpy(np.random.default_rng(0).uniform(
        0.5, 1.5, size=(case["energies"].shape[0], case["energies"].shape[1],
                        case["targets"].shape[1])))
    value, gradient = student.call_projected(
        function, [{"kind": "value_and_gradient", "argument": 0, "weights": weights}],
        **inputs)[0]
    return value, gradient, weights


@check(case=energies_and_targets())
def path_matrix_keeps_the_graph(student, case):
    """Shape (B, L, T), and gradients reach the energies (training goes through it)."""
    B, L, _ = case["energies"].shape
    T = case["targets"].shape[1]
    value, gradient, _ = _with_gradient(student, "build_path_matrix", case)
    as_float_array("build_path_matrix", value, (B, L, T), case)
    if gradient is None:
        raise Mismatch("build_path_matrix", case, value, problem="is cut from the autograd "
                       "graph: no gradient reaches the energies (build it with torch.gather "
                       "or indexing, without .detach(), .numpy() or new tensors)")


@check(case=energies_and_targets())
def ce_matrix_is_a_cross_entropy(student, case):
    """Over all 27 classes as targets, exp(-ce) sums to 1 for every window: the
    cross-entropy is -log of a softmax of -energies; and the lowest energy costs least,
    strictly where it is lower than the next by 0.1."""
    B, L, C = case["energies"].shape
    every = {"energies": case["energies"], "targets": torch.arange(C).repeat(B, 1)}
    ce = student.call_array("build_ce_matrix", (B, L, C), **every)
    expect_close("build_ce_matrix", np.exp(-ce).sum(axis=2), np.ones((B, L)), inputs=every,
                 tolerance=Tolerance(1e-4),
                 problem="is not a cross-entropy: exp(-ce) over all 27 targets does not sum to 1")
    energies = case["energies"].numpy()
    lowest = energies.argmin(axis=2)[..., None]
    own = np.take_along_axis(ce, lowest, axis=2)[..., 0]
    others = ce.copy()
    np.put_along_axis(others, lowest, np.inf, axis=2)
    clearly = np.sort(energies, axis=2)[..., 1] - energies.min(axis=2) >= 0.1
    if np.any(own > ce.min(axis=2) + 1e-4) or np.any(clearly & ~(own < others.min(axis=2))):
        raise Mismatch("build_ce_matrix", every, ce, problem="does not give the lowest-energy "
                       "class the lowest cross-entropy (cross_entropy takes -energies)")


ALPHABET = "abcdefghijklmnopqrstuvwxyz"
WORDS = st.text(alphabet=ALPHABET, min_size=1, max_size=8)


def _classes(student, word: str) -> list[int]:
    inputs = {"s": word}
    got = student.call_array("transform_word", (2 * len(word),), **inputs)
    if not np.array_equal(got, np.round(got)):
        raise Mismatch("transform_word", inputs, got, problem="returns classes that are not "
                       "whole numbers")
    return [int(value) for value in got]


@check(word=WORDS, cut=st.integers(1, 7))
def words_become_letters_and_separators(student, word, cut):
    """The contract's example "cat" -> [2, 26, 0, 26, 19, 26]; the alphabet gives 0, 1, ...,
    25, each followed by 26; and the classes of a word are those of its two parts, cut
    anywhere, one after the other."""
    expect_close("transform_word", _classes(student, "cat"), [2, 26, 0, 26, 19, 26],
                 inputs={"s": "cat"}, tolerance=Tolerance(0.0))
    alphabet = _classes(student, ALPHABET)
    if alphabet[0::2] != list(range(26)) or alphabet[1::2] != [26] * 26:
        raise Mismatch("transform_word", {"s": ALPHABET}, alphabet, problem="does not give "
                       "each letter its index (a = 0, ..., z = 25) followed by 26")
    if len(word) > 1:
        cut = 1 + (cut - 1) % (len(word) - 1)
        whole, parts = _classes(student, word), _classes(student, word[:cut]) + _classes(
            student, word[cut:])
        if whole != parts:
            raise Mismatch("transform_word", {"s": word}, whole, problem=f"of the word is not "
                           f"that of {word[:cut]!r} followed by that of {word[cut:]!r}")


@check(word=WORDS, repeats=st.lists(st.integers(2, 4), min_size=16, max_size=16))
def decoding_reads_a_stretched_word(student, word, repeats):
    """The contract's "aaab_bab_" -> "ab"; and each letter over two to four windows, each
    followed by one to four separators, decodes to the word."""
    example = {"indices": torch.tensor([0, 0, 0, 1, 26, 1, 0, 1, 26], dtype=torch.long)}
    got = student.call("indices_to_str", **example)
    if got != "ab":
        raise Mismatch("indices_to_str", example, got, "ab", problem="does not read the "
                       "contract's example (the most common letter of each segment)")
    indices = []
    for k, letter in enumerate(word):
        indices += [ALPHABET.index(letter)] * repeats[2 * k % 16]
        indices += [26] * (repeats[(2 * k + 1) % 16] - 1)
    inputs = {"indices": torch.tensor(indices, dtype=torch.long)}
    got = student.call("indices_to_str", **inputs)
    if got != word:
        raise Mismatch("indices_to_str", inputs, got, word, problem="does not read the word")


def _image_shape(batch: int, width: int, channel: bool) -> tuple[int, ...]:
    return (batch, 1, 32, width) if channel else (batch, 32, width)


@check()
def simple_net_shapes(student):
    """(B, 1, 32, W) -> (B, L, 27), or (B, 32, W) as the notebook's loaders give it; L >= 1
    at W = 18 and non-decreasing in W, and two different images get different energies."""
    in_some_layout(lambda channel: _simple_net_shapes(student, channel))


def _simple_net_shapes(student, channel: bool):
    rng = np.random.default_rng(3)
    shapes = [_image_shape(2, width, channel) for width in WIDTHS]
    projections = [{"kind": "outputs_at", "x": torch.from_numpy(rng.random(shape))}
                   for shape in shapes]
    outputs = student.call_projected("SimpleNet", projections)
    lengths = []
    for shape, output in zip(shapes, outputs):
        array = np.asarray(output, dtype=np.float64)
        if array.ndim != 3 or array.shape[0] != 2 or array.shape[2] != 27 or array.shape[1] < 1:
            raise Mismatch("SimpleNet", {"x": f"shape {shape}"}, array.shape,
                           problem="returns energies that are not of shape (B, L, 27), L >= 1")
        lengths.append(array.shape[1])
    if lengths != sorted(lengths):
        raise Mismatch("SimpleNet", {"widths": WIDTHS}, lengths,
                       problem="gives fewer windows for a wider image")
    if np.array_equal(array[0], array[1]):
        raise Mismatch("SimpleNet", {"x": f"two random images of shape {shape[1:]}"},
                       array.shape, problem="gives the same energies to two different images")


# ---- the training loops: short seeded runs on data the grader makes (no font, no download) ----

TRAINING_WORDS = ["cab", "dog", "ace", "bed"]
# What torch says when backward() is called on a loss that no parameter leads to.
CUT_FROM_THE_GRAPH = "does not require grad"


def _cross_entropy_of(energies, labels) -> float:
    """Mean cross-entropy of -energies (low energy = likely) against labels, in NumPy."""
    logits = -np.asarray(energies, dtype=np.float64)
    top = logits.max(axis=1, keepdims=True)
    log_z = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
    return float((log_z - logits[np.arange(len(labels)), labels]).mean())


def _trained_outputs(student, function: str, data_spec: dict, epochs: int, probes):
    """Run the student's training loop on the grader's network and data; the network's
    energies at each probe input before (built here, same seed) and after training, and
    what ``_trained_everything`` checks once the caller has seen that the loss went down."""
    network = spec("window_net", seed=1)
    inputs = {"model": network, "epochs": epochs, "data": data_spec,
              "criterion": spec("notebook_cross_entropy"),
              "optimizer": spec("adam", of=0, lr=1e-2)}
    model = build(network)
    with torch.no_grad():
        before = [model(probe).numpy() for probe in probes]
    projections = [{"kind": "argument", "argument": 0, "of": {"kind": "outputs_at", "x": probe}}
                   for probe in probes] + [
        {"kind": "argument", "argument": 0, "of": {"kind": "parameters"}},
        {"kind": "argument", "argument": 2, "of": {"kind": "batches_served"}},
        {"kind": "argument", "argument": 4, "of": {"kind": "steps_taken"}}]
    shown = {"epochs": epochs, "data": data_spec}
    try:
        *after, parameters, served, steps = student.call_projected(function, projections,
                                                                   **inputs)
    except CallError as error:
        if CUT_FROM_THE_GRAPH not in error.error:
            raise
        raise Mismatch(function, shown, error.error, problem="computes a loss cut from the "
                       "autograd graph, so no gradient reaches the model (a matrix that was "
                       ".detach()ed, or made with .item(), .numpy() or a new tensor, on the "
                       "way to the loss)") from None
    run = (function, shown, model, parameters, epochs * len(build(data_spec)), served, steps)
    return before, [np.asarray(a, dtype=np.float64) for a in after], shown, run


def _trained_everything(function: str, shown: dict, model, parameters, batches: int, served,
                        steps):
    """``epochs`` passes over the loader, no more and no fewer (or, for a loop that also reads
    the loader to evaluate, one optimizer step per batch of each epoch); every weight tensor
    of the grader's network moved (the first layer's only if the images reach it), and the
    bias of every one of the 27 classes (the loss sees all their energies, through a softmax)."""
    if batches not in (served, steps):
        raise Mismatch(function, shown, served, batches, problem="does not make one pass over "
                       f"the data loader per epoch: {served} batches were drawn and {steps} "
                       "optimizer steps taken where "
                       f"{shown['epochs']} epochs of {batches // shown['epochs']} batches make "
                       f"{batches}")
    moved = {name: np.asarray(after, dtype=np.float64) != start.detach().numpy()
             for (name, start), after in zip(model.named_parameters(), parameters)}
    still = [name for name, changes in moved.items() if not changes.any()]
    if still:
        raise Mismatch(function, shown, still, problem=f"leaves the network's {', '.join(still)} "
                       "unchanged: is the model fed the images, and does the loss reach it?")
    untrained = np.flatnonzero(~moved["classes.bias"]).tolist()
    if untrained:
        raise Mismatch(function, shown, untrained, problem=f"never trains the energy of class(es) "
                       f"{untrained}: the loss must see all 27 energies of a window")


@check()
def train_model_learns(student):
    """Three epochs on 64 noisy characters lower the first window's cross-entropy, in three
    passes over the loader, training every part of the network."""
    in_some_layout(lambda channel: _train_model_learns(student, channel))


def _train_model_learns(student, channel: bool):
    data = spec("character_loader", n=64, channel=channel)
    images, labels = (torch.cat(part) for part in zip(*build(data)))
    before, after, shown, run = _trained_outputs(student, "train_model", data, 3, [images])
    start = _cross_entropy_of(before[0][:, 0, :], labels.numpy())
    end = _cross_entropy_of(after[0][:, 0, :], labels.numpy())
    if not end < 0.7 * start:
        raise Mismatch("train_model", shown, end, problem="does not train the model: the "
                       f"cross-entropy of the first window went from {start:.4f} to {end:.4f}")
    _trained_everything(*run)


@check()
def train_ebm_model_learns(student):
    """Eight epochs on four word images lower, in every window, the cross-entropy of the
    word's best-fitting target (a bound on the path loss that needs no alignment), in eight
    passes over the loader, training every part of the network."""
    in_some_layout(lambda channel: _train_ebm_model_learns(student, channel))


def _train_ebm_model_learns(student, channel: bool):
    data = spec("word_loader", words=TRAINING_WORDS, channel=channel)
    images = [word_image(word) for word in TRAINING_WORDS]
    before, after, shown, run = _trained_outputs(student, "train_ebm_model", data, 8, images)

    def fit(outputs):
        total = []
        for word, energies in zip(TRAINING_WORDS, outputs):
            targets = sorted({ord(letter) - ord("a") for letter in word} | {26})
            windows = energies[0]
            per_target = [_cross_entropy_of(windows, np.full(len(windows), t)) for t in targets]
            total.append(min(per_target))
        return float(np.mean(total))

    start, end = fit(before), fit(after)
    if not end < 0.7 * start:
        raise Mismatch("train_ebm_model", shown, end, problem="does not train the model: the "
                       f"cross-entropy of the windows went from {start:.4f} to {end:.4f}")
    _trained_everything(*run)
