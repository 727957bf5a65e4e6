"""Independent proofs of the hw4 2.* reference (OCR by structured prediction).

No expected value here is produced by the function under test. They come from brute force over
every monotone alignment (all 2**(L-1) step sequences of 0 or +1, kept when they end at T-1),
plain Python loops over lists and the ``math`` module, ``torch.nn.functional.cross_entropy``
called one element at a time, closed-form gradients of the cross-entropy, examples worked out
by hand, and short seeded training runs on synthetic images whose losses must go down.
"""
from __future__ import annotations

import copy
import itertools
import math
import pytest
import torch
from hypothesis import given, settings, strategies as st

from reference import structured_prediction as ref

HYPOTHESIS = settings(derandomize=True, database=None, deadline=None, max_examples=40)
FEW = settings(derandomize=True, database=None, deadline=None, max_examples=12)
SIZES = [(length, targets) for length in range(1, 8) for targets in range(1, length + 1)]


def _t(values) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def _alignments(length: int, targets: int) -> list[tuple[int, ...]]:
    """Every monotone alignment of L windows to T targets, by brute force: each of the
    2**(L-1) sequences of steps 0 or +1 from target 0, kept when it ends at target T-1."""
    paths = []
    for steps in itertools.product((0, 1), repeat=length - 1):
        path = [0]
        for step in steps:
            path.append(path[-1] + step)
        if path[-1] == targets - 1:
            paths.append(tuple(path))
    return paths


def _path_sum(rows: list[list[float]], path) -> float:
    """sum_i rows[i][path[i]] with ``math.fsum``."""
    return math.fsum(rows[i][j] for i, j in enumerate(path))


def _brute_force_minimum(rows: list[list[float]]) -> float:
    return min(_path_sum(rows, path) for path in _alignments(len(rows), len(rows[0])))


def _dp_loops(rows: list[list[float]]) -> list[list[float]]:
    """dp[0][0] = pm[0][0], dp[0][j > 0] = inf, dp[i][j] = min(dp[i-1][j], dp[i-1][j-1]) + pm[i][j],
    with nested Python loops over lists (j - 1 < 0 is no predecessor)."""
    dp = [[math.inf] * len(rows[0]) for _ in rows]
    dp[0][0] = rows[0][0]
    for i in range(1, len(rows)):
        for j in range(len(rows[0])):
            best = dp[i - 1][j]
            if j > 0 and dp[i - 1][j - 1] < best:
                best = dp[i - 1][j - 1]
            dp[i][j] = best + rows[i][j]
    return dp


def _matrix(data, length: int, targets: int, elements) -> list[list[float]]:
    flat = data.draw(st.lists(elements, min_size=length * targets, max_size=length * targets))
    return [flat[i * targets:(i + 1) * targets] for i in range(length)]


reals = st.floats(-50, 50, allow_nan=False, allow_infinity=False)
small_integers = st.integers(0, 2).map(float)  # many tied alignments


def _check_find_path(rows: list[list[float]], exact: bool) -> None:
    length, targets = len(rows), len(rows[0])
    free_energy, path, dp = ref.find_path(_t(rows))
    minimum = _brute_force_minimum(rows)
    assert len(path) == length
    assert [i for i, _ in path] == list(range(length))
    columns = tuple(j for _, j in path)
    assert columns in set(_alignments(length, targets))
    if exact:  # small integers: every sum is exact, ties are real ties
        assert float(free_energy) == minimum
        assert _path_sum(rows, columns) == minimum
    else:
        scale = math.fsum(abs(v) for row in rows for v in row)
        assert math.isclose(float(free_energy), minimum, rel_tol=0.0, abs_tol=1e-12 * (1.0 + scale))
        assert math.isclose(_path_sum(rows, columns), minimum, rel_tol=0.0,
                            abs_tol=1e-12 * (1.0 + scale))
    assert dp.shape == (length, targets) and dp.dtype == torch.float64


# ------------------------------------------------------------------------------------ constants


def test_constants_and_cross_entropy_on_negated_energies():
    """Proves ALPHABET_SIZE = 27, BETWEEN = 26 and cross_entropy(E, y) = E_y + log sum exp(-E)
    (the cross-entropy with -E as logits), written out with ``math`` for one row, and that extra
    arguments reach torch's cross-entropy (reduction="none" on a batch)."""
    assert ref.ALPHABET_SIZE == 27 and ref.BETWEEN == 26
    energies = [0.5, -1.0, 2.0, 0.0]
    for y in range(4):
        expected = energies[y] + math.log(math.fsum(math.exp(-e) for e in energies))
        got = ref.cross_entropy(_t([energies]), torch.tensor([y])).item()
        assert math.isclose(got, expected, rel_tol=1e-14)
    batch = _t([energies, [1.0, 1.0, 1.0, 1.0]])
    got = ref.cross_entropy(batch, torch.tensor([1, 3]), reduction="none")
    torch.testing.assert_close(got, _t([-1.0 + math.log(math.fsum(math.exp(-e) for e in energies)),
                                        math.log(4.0)]), rtol=1e-14, atol=0.0)


# ------------------------------------------------------------------------------------ find_path


@pytest.mark.parametrize("length, targets", SIZES)
@given(data=st.data())
@FEW
def test_find_path_matches_brute_force_over_all_alignments(length, targets, data):
    """Proves, for every 1 <= T <= L <= 7, that the free energy is the minimum of sum pm[i, path[i]]
    over ALL monotone alignments (brute force) and that the returned path is the L points
    (0, j_0) .. (L-1, j_{L-1}) of one such alignment whose sum is that minimum."""
    _check_find_path(_matrix(data, length, targets, reals), exact=False)


@pytest.mark.parametrize("length, targets", SIZES)
@given(data=st.data())
@FEW
def test_find_path_with_ties_returns_an_optimal_path(length, targets, data):
    """Proves the same with pm in {0, 1, 2}, where many alignments tie: the returned path need
    not be a particular one, but it must be valid and its sum must equal the brute-force
    minimum exactly (integer sums are exact)."""
    _check_find_path(_matrix(data, length, targets, small_integers), exact=True)


@given(data=st.data(), length=st.integers(1, 9), targets=st.integers(1, 9))
@HYPOTHESIS
def test_find_path_dp_table_matches_python_loops(data, length, targets):
    """Proves every cell of dp (float64, shape (L, T), inf where unreachable, including L < T)
    against the recursion written as nested Python loops over lists, and the free energy is
    its last cell."""
    rows = _matrix(data, length, targets, reals)
    free_energy, _, dp = ref.find_path(_t(rows))
    assert dp.dtype == torch.float64 and dp.shape == (length, targets)
    expected = _dp_loops(rows)
    for i in range(length):
        for j in range(targets):
            if math.isinf(expected[i][j]):
                assert dp[i, j].item() == math.inf
            else:
                assert math.isclose(dp[i, j].item(), expected[i][j], rel_tol=1e-13, abs_tol=1e-12)
    assert free_energy.item() == dp[length - 1, targets - 1].item()


@pytest.mark.parametrize("length", [1, 2, 5, 9])
def test_find_path_single_target_takes_the_whole_column(length):
    """Proves T = 1: the only alignment stays on target 0, the free energy is the column's sum."""
    column = [[0.25 * i - 1.0] for i in range(length)]
    free_energy, path, dp = ref.find_path(_t(column))
    assert path == [(i, 0) for i in range(length)]
    assert math.isclose(free_energy.item(), math.fsum(row[0] for row in column), abs_tol=1e-15)
    assert dp.shape == (length, 1)


@pytest.mark.parametrize("size", [1, 2, 4, 7])
def test_find_path_square_takes_the_diagonal(size):
    """Proves L = T: the only alignment is the diagonal, the free energy is the trace, and every
    cell above the diagonal of dp is unreachable (inf)."""
    generator = torch.Generator().manual_seed(size)
    pm = torch.randn(size, size, generator=generator, dtype=torch.float64)
    free_energy, path, dp = ref.find_path(pm)
    assert path == [(i, i) for i in range(size)]
    trace = math.fsum(pm[i, i].item() for i in range(size))
    assert math.isclose(free_energy.item(), trace, abs_tol=1e-14)
    for i in range(size):
        for j in range(i + 1, size):
            assert dp[i, j].item() == math.inf


def test_find_path_hand_example():
    """Proves a case worked out by hand: pm = [[1, 9, 9], [5, 0, 9], [9, 0, 9], [9, 9, 2]]; the
    alignment 0, 1, 1, 2 costs 1 + 0 + 0 + 2 = 3, every other alignment (0,0,1,2: 17;
    0,1,2,2: 12) costs more."""
    pm = _t([[1, 9, 9], [5, 0, 9], [9, 0, 9], [9, 9, 2]])
    free_energy, path, dp = ref.find_path(pm)
    assert free_energy.item() == 3.0
    assert path == [(0, 0), (1, 1), (2, 1), (3, 2)]
    assert dp[0].tolist() == [1.0, math.inf, math.inf]
    assert dp[1].tolist() == [6.0, 1.0, math.inf]


def test_find_path_keeps_fractions_and_accepts_float32_and_grad():
    """Proves that the free energy is not truncated (0.25 + 0.5 = 0.75 stays 0.75), that a float32
    pm which requires grad is accepted, and that dp comes back as float64 without a graph."""
    pm = torch.tensor([[0.25, 3.0], [0.5, 0.5]], dtype=torch.float32, requires_grad=True)
    free_energy, path, dp = ref.find_path(pm)
    assert free_energy.item() == 0.75 and path == [(0, 0), (1, 1)]
    assert dp.dtype == torch.float64 and not dp.requires_grad


@pytest.mark.parametrize("length, targets", [(1, 2), (2, 3), (3, 7)])
def test_find_path_without_any_alignment(length, targets):
    """Proves the documented choice when L < T (no alignment exists, brute force finds none):
    free energy inf, empty path, dp of shape (L, T)."""
    assert _alignments(length, targets) == []
    free_energy, path, dp = ref.find_path(torch.zeros(length, targets, dtype=torch.float64))
    assert free_energy.item() == math.inf and path == [] and dp.shape == (length, targets)


def test_alignment_enumeration_counts_are_binomial():
    """Proves the brute force used above enumerates every alignment once: there are
    C(L-1, T-1) of them (choose which of the L-1 steps are the T-1 moves)."""
    for length, targets in SIZES:
        paths = _alignments(length, targets)
        assert len(set(paths)) == len(paths) == math.comb(length - 1, targets - 1)


# ---------------------------------------------------------------------------------- path_energy


@given(data=st.data(), length=st.integers(1, 7), targets=st.integers(1, 7))
@HYPOTHESIS
def test_path_energy_of_any_path(data, length, targets):
    """Proves path_energy on arbitrary integer paths of length L (entries from -1 to T): the
    hand-looped sum when the path is one of the brute-force alignments, 2**30 otherwise."""
    rows = _matrix(data, length, targets, reals)
    path = data.draw(st.lists(st.integers(-1, targets), min_size=length, max_size=length))
    got = ref.path_energy(_t(rows), path).item()
    if tuple(path) in set(_alignments(length, targets)):
        assert math.isclose(got, _path_sum(rows, path), rel_tol=0.0, abs_tol=1e-12)
    else:
        assert got == 2 ** 30


@given(data=st.data(), size=st.sampled_from(SIZES))
@HYPOTHESIS
def test_path_energy_of_valid_paths(data, size):
    """Proves the sum along every kind of valid path (drawn among the brute-force alignments)
    against a hand loop, and that find_path's free energy is the smallest path_energy."""
    length, targets = size
    rows = _matrix(data, length, targets, reals)
    paths = _alignments(length, targets)
    path = list(data.draw(st.sampled_from(paths)))
    got = ref.path_energy(_t(rows), path).item()
    assert math.isclose(got, _path_sum(rows, path), abs_tol=1e-12)
    best = min(ref.path_energy(_t(rows), list(p)).item() for p in paths)
    assert math.isclose(ref.find_path(_t(rows))[0].item(), best, abs_tol=1e-11)


@pytest.mark.parametrize("path, why", [
    ([0, 1, 0, 1, 2], "not monotone (goes back)"),
    ([0, 2, 2, 2, 2], "jumps by +2"),
    ([0, 0, 0, 0, 2], "jumps by +2 at the end"),
    ([1, 1, 1, 2, 2], "does not start at 0"),
    ([0, 0, 1, 1, 1], "does not end at T-1"),
    ([0, 1, 2, 3, 2], "leaves the targets and comes back"),
    ([-1, 0, 1, 2, 2], "starts below 0"),
    ([0, 0, 0, 0, 0], "stays on the first target"),
])
def test_path_energy_invalid_paths(path, why):
    """Proves that each kind of invalid path of the right length gets 2**30 (pm is zero, so a
    path_energy that forgot a check would return 0)."""
    assert ref.path_energy(torch.zeros(5, 3, dtype=torch.float64), path).item() == 2 ** 30, why


def test_path_energy_hand_example_and_gradient():
    """Proves 1 + 0 + 0 + 2 = 3 on the hand example of find_path, and that the sum is
    differentiable with gradient 1 exactly at the path's cells."""
    pm = _t([[1, 9, 9], [5, 0, 9], [9, 0, 9], [9, 9, 2]]).requires_grad_(True)
    energy = ref.path_energy(pm, [0, 1, 1, 2])
    assert energy.item() == 3.0
    (grad,) = torch.autograd.grad(energy, pm)
    expected = torch.zeros(4, 3, dtype=torch.float64)
    for i, j in enumerate([0, 1, 1, 2]):
        expected[i, j] = 1.0
    assert torch.equal(grad, expected)


# ------------------------------------------------------------- build_path_matrix, build_ce_matrix


def _energies_and_targets(seed: int, batch: int, length: int, targets: int, scale: float = 3.0):
    generator = torch.Generator().manual_seed(seed)
    energies = scale * torch.randn(batch, length, 27, generator=generator, dtype=torch.float64)
    return energies, torch.randint(0, 27, (batch, targets), generator=generator)


SHAPES = [(1, 1, 1), (1, 5, 4), (2, 6, 6), (3, 4, 7), (2, 9, 2)]  # (B, L, T), L < T included


@pytest.mark.parametrize("batch, length, targets", SHAPES)
def test_path_matrix_matches_a_triple_loop(batch, length, targets):
    """Proves out[b, i, k] = energies[b, i, targets[b, k]] element by element (triple loop)."""
    energies, target = _energies_and_targets(batch * 100 + length, batch, length, targets)
    got = ref.build_path_matrix(energies, target)
    assert got.shape == (batch, length, targets)
    for b in range(batch):
        for i in range(length):
            for k in range(targets):
                assert got[b, i, k].item() == energies[b, i, target[b, k]].item()


@pytest.mark.parametrize("scale", [1.0, 1e3])
@pytest.mark.parametrize("batch, length, targets", SHAPES)
def test_ce_matrix_matches_torch_cross_entropy_one_element_at_a_time(batch, length, targets, scale):
    """Proves ce[b, i, k] = torch.nn.functional.cross_entropy(-energies[b, i], targets[b, k]),
    called on each element separately, also for |energies| ~ 1e3 (finite, no overflow)."""
    energies, target = _energies_and_targets(7 + batch + length, batch, length, targets, scale)
    got = ref.build_ce_matrix(energies, target)
    assert got.shape == (batch, length, targets) and torch.isfinite(got).all()
    for b in range(batch):
        for i in range(length):
            for k in range(targets):
                expected = torch.nn.functional.cross_entropy(-energies[b, i][None],
                                                             target[b, k][None])
                assert math.isclose(got[b, i, k].item(), expected.item(), rel_tol=1e-13,
                                    abs_tol=1e-13 * scale)


@pytest.mark.parametrize("batch, length, targets", SHAPES)
def test_path_matrix_gradient_is_nonzero_exactly_at_gathered_entries(batch, length, targets):
    """Proves the autograd graph is kept: the gradient of sum(build_path_matrix) with respect to
    energies[b, i, c] is the number of k with targets[b, k] == c (counted by a loop), so it is
    nonzero exactly at the gathered entries."""
    energies, target = _energies_and_targets(3 * batch + length, batch, length, targets)
    energies.requires_grad_(True)
    (grad,) = torch.autograd.grad(ref.build_path_matrix(energies, target).sum(), energies)
    for b in range(batch):
        counts = [0.0] * 27
        for k in range(targets):
            counts[int(target[b, k])] += 1.0
        for i in range(length):
            assert grad[b, i].tolist() == counts


# --------------------------------------------------------------------------- path_cross_entropy


@pytest.mark.parametrize("length, targets", [(1, 1), (4, 2), (6, 6), (7, 3)])
def test_path_cross_entropy_value_and_gradients(length, targets):
    """Proves, along a best path: the value is the hand-looped sum of the L cells of ce; the
    gradient with respect to ce is 1 exactly on the path; through build_path_matrix the gradient
    with respect to energies is 1 exactly at (i, targets[j]) for the path's (i, j); through
    build_ce_matrix it is, row i of the path, onehot(targets[j]) - softmax(-energies[i]) (the
    closed-form cross-entropy gradient, computed with ``math``)."""
    energies, target = _energies_and_targets(length * 10 + targets, 1, length, targets)
    energies.requires_grad_(True)
    ce = ref.build_ce_matrix(energies, target)[0]
    _, path, _ = ref.find_path(ref.build_path_matrix(energies, target)[0].detach())
    assert len(path) == length
    value = ref.path_cross_entropy(ce, path)
    assert math.isclose(value.item(), math.fsum(ce[i, j].item() for i, j in path), rel_tol=1e-14)

    (grad_ce,) = torch.autograd.grad(value, ce, retain_graph=True)
    on_path = torch.zeros(length, targets, dtype=torch.float64)
    for i, j in path:
        on_path[i, j] = 1.0
    assert torch.equal(grad_ce, on_path)

    pm = ref.build_path_matrix(energies, target)[0]
    (grad_pm,) = torch.autograd.grad(ref.path_cross_entropy(pm, path), energies)
    expected = torch.zeros(1, length, 27, dtype=torch.float64)
    for i, j in path:
        expected[0, i, int(target[0, j])] = 1.0
    assert torch.equal(grad_pm, expected)

    (grad_energies,) = torch.autograd.grad(value, energies)
    rows = energies.detach()[0].tolist()
    for i, j in path:
        lowest = min(rows[i])
        weights = [math.exp(-(e - lowest)) for e in rows[i]]
        total = math.fsum(weights)
        for c in range(27):
            closed_form = (1.0 if c == int(target[0, j]) else 0.0) - weights[c] / total
            assert math.isclose(grad_energies[0, i, c].item(), closed_form, abs_tol=1e-14)


# ------------------------------------------------------------------ transform_word, indices_to_str


@pytest.mark.parametrize("word, expected", [
    ("cat", [2, 26, 0, 26, 19, 26]),
    ("a", [0, 26]),
    ("zz", [25, 26, 25, 26]),
    ("", []),
])
def test_transform_word_examples(word, expected):
    """Proves the examples worked out by hand: each letter's index followed by 26."""
    got = ref.transform_word(word)
    assert got.dtype == torch.long and got.tolist() == expected


@pytest.mark.parametrize("word", ["Cat", "a b", "é", "1"])
def test_transform_word_rejects_other_characters(word):
    """Proves the documented choice: anything but a-z raises ValueError."""
    with pytest.raises(ValueError):
        ref.transform_word(word)


def _indices(text: str) -> torch.Tensor:
    """Letters to their classes, "_" to 26."""
    return torch.tensor([26 if c == "_" else ord(c) - ord("a") for c in text], dtype=torch.long)


@pytest.mark.parametrize("text, expected", [
    ("aaab_bab_", "ab"),  # the homework's example
    ("__ab_", "a"),  # leading separators; "ab" ties: the first letter to appear wins
    ("___c__d", "cd"),  # leading separators, a last segment without trailing separator
    ("a_b", "ab"),
    ("aa_aa", "aa"),  # repeated letters across segments are kept (not CTC collapsing)
    ("ccdcc", "c"),  # one segment: the most common letter, not the first
    ("dccc_", "c"),  # not the first letter of the segment
    ("abba", "a"),  # tie 2-2: the first letter to appear
    ("baab", "b"),
    ("", ""),
    ("____", ""),
    ("z", "z"),
])
def test_indices_to_str_examples(text, expected):
    """Proves hand-decoded examples (26 written "_"): split on 26, most common letter of each
    non-empty segment, separators dropped."""
    assert ref.indices_to_str(_indices(text)) == expected


@given(word=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", max_size=8))
@HYPOTHESIS
def test_indices_to_str_inverts_transform_word(word):
    """Proves decode(transform_word(w)) == w for every lowercase word."""
    assert ref.indices_to_str(ref.transform_word(word)) == word


@given(data=st.data(), word=st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6))
@HYPOTHESIS
def test_indices_to_str_decodes_noisy_windows(data, word):
    """Proves decoding of window sequences built from a word: each letter is a run of k copies
    with fewer than k/2 wrong letters mixed in (so it stays the strict majority), separated by
    runs of 1 to 3 times 26 (0 to 3 before the first letter and after the last); the decoded
    string is the word."""
    sequence = [26] * data.draw(st.integers(0, 2))
    for position, letter in enumerate(word):
        k = data.draw(st.integers(1, 6))
        noise = data.draw(st.lists(st.integers(0, 25), max_size=(k - 1) // 2))
        sequence += data.draw(st.permutations([ord(letter) - ord("a")] * k + noise))
        last = position == len(word) - 1
        sequence += [26] * data.draw(st.integers(0 if last else 1, 3))
    assert ref.indices_to_str(torch.tensor(sequence)) == word


# ----------------------------------------------------------------------------------- SimpleNet


@pytest.mark.parametrize("width", [18, 22, 40, 100])
@pytest.mark.parametrize("batch", [1, 3])
def test_simple_net_shapes(width, batch):
    """Proves (B, 1, 32, W) -> (B, L, 27) with L = (W - 18) // 4 + 1 >= 1, finite values."""
    torch.manual_seed(0)
    out = ref.SimpleNet()(torch.rand(batch, 1, 32, width))
    assert out.shape == (batch, (width - 18) // 4 + 1, 27) and out.shape[1] >= 1
    assert torch.isfinite(out).all()


def test_simple_net_window_count_is_non_decreasing_and_first_window_is_the_character():
    """Proves L(W) is non-decreasing for W = 18..100, and that window 0 sees only columns 0..17
    (changing the columns to its right leaves its energies unchanged): the notebook reads
    window 0 as the single character."""
    torch.manual_seed(0)
    model = ref.SimpleNet()
    with torch.no_grad():
        counts = [model(torch.zeros(1, 1, 32, width)).shape[1] for width in range(18, 101)]
        assert counts[0] >= 1 and all(a <= b for a, b in zip(counts, counts[1:]))
        x = torch.rand(2, 1, 32, 40)
        y = x.clone()
        y[..., 18:] = torch.rand(2, 1, 32, 22)
        torch.testing.assert_close(model(x)[:, 0], model(y)[:, 0], rtol=0.0, atol=0.0)


# ------------------------------------------------------------------------------------- training


def _letter_patterns(count: int, width: int = 18) -> torch.Tensor:
    generator = torch.Generator().manual_seed(1234)
    return (torch.rand(count, 32, width, generator=generator) > 0.5).float()


def _character_data(width: int = 18):
    """60 noisy images (B, 1, 32, W) of 3 classes, each class a fixed random pattern in its
    first 18 columns, with Gaussian noise (std 0.3) everywhere."""
    torch.manual_seed(0)
    patterns = _letter_patterns(3)
    labels = torch.arange(60) % 3
    images = torch.zeros(60, 1, 32, width)
    images[:, 0, :, :18] = patterns[labels]
    images += 0.3 * torch.randn_like(images)
    return torch.utils.data.TensorDataset(images, labels)


@pytest.mark.parametrize("width", [18, 30])
def test_train_model_lowers_the_loss_on_the_first_window(width):
    """Proves train_model trains: on the synthetic 3-class characters, 5 epochs of Adam bring
    the epoch's mean loss well down (last below half the first) and move the parameters; the
    criterion always receives model(x)[:, 0, :], the (B, 27) energies of window 0 (recomputed
    from the batch the loader just gave), with the (B,) labels, also when the image has more
    windows (W = 30)."""
    dataset = _character_data(width)
    torch.manual_seed(0)
    batches = torch.utils.data.DataLoader(dataset, batch_size=10, shuffle=True)
    model = ref.SimpleNet()
    before = [p.detach().clone() for p in model.parameters()]
    seen, last = [], []

    class Loader:
        def __iter__(self):
            for x, labels in batches:
                last[:] = [x, labels]
                yield x, labels

    def criterion(energies, labels):
        seen.append((tuple(energies.shape), tuple(labels.shape)))
        with torch.no_grad():
            torch.testing.assert_close(energies.detach(), model(last[0])[:, 0, :],
                                       rtol=0.0, atol=0.0)
        assert torch.equal(labels, last[1])
        return ref.cross_entropy(energies, labels)

    loader = Loader()

    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    history = ref.train_model(model, 5, loader, criterion, optimizer)
    assert len(history) == 5 and all(math.isfinite(value) for value in history)
    assert history[-1] < 0.5 * history[0], history
    assert set(seen) == {((10, 27), (10,))} and len(seen) == 30
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_train_model_mean_of_step_losses():
    """Proves the returned number is the mean of the epoch's step losses: with lr = 0 nothing
    moves, so it equals the mean of the criterion over the batches, computed separately."""
    dataset = _character_data()
    loader = torch.utils.data.DataLoader(dataset, batch_size=20, shuffle=False)
    torch.manual_seed(0)
    model = ref.SimpleNet()
    with torch.no_grad():
        expected = math.fsum(ref.cross_entropy(model(x)[:, 0], y).item() for x, y in loader) / 3
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    history = ref.train_model(model, 2, loader, ref.cross_entropy, optimizer)
    assert all(math.isclose(value, expected, rel_tol=1e-5) for value in history)


WORDS = ["cab", "bad", "ace", "dec"]


def _word_image(word: str) -> torch.Tensor:
    """(1, 1, 32, W): each letter a fixed 32x16 pattern, 8 blank columns after it, and 18 blank
    columns at the end, so W = 24 n + 18 and L = 6 n + 1 >= T = 2 n."""
    patterns = _letter_patterns(5, width=16)
    blocks = []
    for letter in word:
        blocks += [patterns[ord(letter) - ord("a")], torch.zeros(32, 8)]
    blocks.append(torch.zeros(32, 18))
    return torch.cat(blocks, dim=1)[None, None]


def _word_loader():
    return [(_word_image(word), ref.transform_word(word)[None]) for word in WORDS]


def test_train_ebm_model_lowers_the_loss():
    """Proves train_ebm_model trains: on 4 synthetic words (items (image (1, 1, 32, W), targets
    (1, T))), 8 epochs of Adam bring the mean loss well down (last below half the first)."""
    torch.manual_seed(0)
    model = ref.SimpleNet()
    history = ref.train_ebm_model(model, 8, _word_loader(), ref.cross_entropy,
                                  torch.optim.Adam(model.parameters(), lr=1e-3))
    assert len(history) == 8 and all(math.isfinite(value) for value in history)
    assert history[-1] < 0.5 * history[0], history


def test_train_ebm_model_loss_is_the_best_alignment_cross_entropy():
    """Proves the loss itself: with lr = 0 (nothing moves), each epoch's value is the mean over
    the words of min over ALL alignments (brute force) of sum_i cross_entropy(energies[i],
    targets[path[i]]), each term from torch.nn.functional.cross_entropy on -energies. (The best
    alignment of pm is the best of ce: they differ by sum_i logsumexp_i on every path.)"""
    torch.manual_seed(0)
    model = ref.SimpleNet()
    expected = []
    with torch.no_grad():
        for image, target in _word_loader():
            energies = model(image)[0].double()
            rows = [[torch.nn.functional.cross_entropy(-energies[i][None],
                                                       target[0, k][None]).item()
                     for k in range(target.shape[1])] for i in range(energies.shape[0])]
            expected.append(_brute_force_minimum(rows))
    history = ref.train_ebm_model(model, 2, _word_loader(), ref.cross_entropy,
                                  torch.optim.SGD(model.parameters(), lr=0.0))
    for value in history:
        assert math.isclose(value, math.fsum(expected) / len(expected), rel_tol=1e-5)


def test_train_ebm_model_accepts_the_documented_item_formats():
    """Proves the documented loader formats give the same first epoch as the canonical one
    ((1, 1, 32, W) image, (1, T) long targets): a (1, 32, W) image with a word, a (32, W) image
    with a (T,) tensor, a list of one word; and a batch of two same-width words gives the mean
    of their losses."""
    torch.manual_seed(0)
    start = ref.SimpleNet()

    def first_epoch(loader):
        model = copy.deepcopy(start)
        optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
        return ref.train_ebm_model(model, 1, loader, None, optimizer)[0]

    canonical = first_epoch(_word_loader())
    variants = [
        [(_word_image(w)[0], w) for w in WORDS],
        [(_word_image(w)[0, 0], ref.transform_word(w)) for w in WORDS],
        [(_word_image(w), [w]) for w in WORDS],
    ]
    for loader in variants:
        assert math.isclose(first_epoch(loader), canonical, rel_tol=1e-6)
    batched = [(torch.cat([_word_image(w) for w in WORDS[:2]]), WORDS[:2]),
               (torch.cat([_word_image(w) for w in WORDS[2:]]),
                torch.stack([ref.transform_word(w) for w in WORDS[2:]]))]
    assert math.isclose(first_epoch(batched), canonical, rel_tol=1e-6)


def test_train_ebm_model_rejects_images_too_narrow_for_their_word():
    """Proves the documented choice: L < T (here W = 18, L = 1, T = 6) raises ValueError."""
    model = ref.SimpleNet()
    with pytest.raises(ValueError):
        ref.train_ebm_model(model, 1, [(torch.zeros(1, 1, 32, 18), "cab")], None,
                            torch.optim.SGD(model.parameters(), lr=0.0))
