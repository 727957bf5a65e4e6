"""Known mistakes of the OCR notebook (hw4 2.*), as seen in real student notebooks."""
from __future__ import annotations



import torch

from reference import structured_prediction as ref
from reference.mistakes import mistake


@mistake("build_ce_matrix", "the logits have the wrong sign: cross_entropy takes -energies "
         "(low energy = likely class), not +energies")
def ce_matrix_with_energies_as_logits(energies, targets):
    return ref.build_ce_matrix(-energies, targets)


@mistake("build_path_matrix", "the result is cut from the autograd graph (.detach(), "
         ".numpy() or a Python loop that builds a new tensor): training cannot flow through it")
def path_matrix_detached(energies, targets):
    return ref.build_path_matrix(energies, targets).detach()


def _dp_table(pm, *, dtype=torch.float64, fill_column_zero=True, infinity=float("inf")):
    values = pm.detach().to(dtype)
    length, targets = values.shape
    dp = torch.full((length, targets), infinity, dtype=torch.float64).to(dtype)
    dp[0, 0] = values[0, 0]
    for i in range(1, length):
        if fill_column_zero:
            dp[i, 0] = dp[i - 1, 0] + values[i, 0]
        if targets > 1:
            dp[i, 1:] = torch.minimum(dp[i - 1, 1:], dp[i - 1, :-1]) + values[i, 1:]
    return dp.to(torch.float64)


def _backtrack(dp, end):
    length = dp.shape[0]
    j = end
    path = [(length - 1, j)]
    for i in range(length - 1, 0, -1):
        if j > 0 and dp[i - 1, j - 1] < dp[i - 1, j]:
            j -= 1
        path.append((i - 1, j))
    return path[::-1]


@mistake("find_path", "the dp table holds integers, so every sum is truncated: create it "
         "with a float dtype")
def find_path_with_integer_dp(pm):
    dp = _dp_table(pm, dtype=torch.int64, infinity=2**30)
    dp[dp >= 2**29] = float("inf")
    return dp[-1, -1].clone(), _backtrack(dp, pm.shape[1] - 1), dp


@mistake("find_path", "column 0 of dp is never filled: a path may stay on the first target "
         "for several windows, dp[i, 0] = dp[i-1, 0] + pm[i, 0]")
def find_path_without_column_zero(pm):
    dp = _dp_table(pm, fill_column_zero=False)
    return dp[-1, -1].clone(), _backtrack(dp, pm.shape[1] - 1), dp


@mistake("find_path", "the path ends at the minimum of the last row instead of at "
         "(L-1, T-1): every target must be read, so the alignment ends at the last one")
def find_path_ending_at_row_minimum(pm):
    dp = _dp_table(pm)
    end = int(torch.argmin(dp[-1]))
    return dp[-1, end].clone(), _backtrack(dp, end), dp


@mistake("find_path", "the path is one point short: it must have one (i, j) per window, "
         "L points from (0, 0) to (L-1, T-1)")
def find_path_one_point_short(pm):
    free_energy, path, dp = ref.find_path(pm)
    return free_energy, path[1:], dp


@mistake("path_energy", "invalid paths are accepted: a path must start at target 0, end at "
         "T-1 and move by 0 or +1 at each window, otherwise its energy is 2**30")
def path_energy_checking_bounds_only(pm, path):
    path = [int(j) for j in path]
    if any(not 0 <= j < pm.shape[1] for j in path):
        return torch.tensor(float(ref.INVALID_PATH_ENERGY), dtype=pm.dtype)
    return pm[torch.arange(len(path)), torch.tensor(path)].sum()


@mistake("indices_to_str", "each segment keeps its first letter instead of its most common")
def indices_to_str_first_letter(indices):
    letters, previous = [], ref.BETWEEN
    for index in [int(v) for v in torch.as_tensor(indices).reshape(-1).tolist()]:
        if index != ref.BETWEEN and previous == ref.BETWEEN:
            letters.append(chr(ord("a") + index))
        previous = index
    return "".join(letters)


@mistake("indices_to_str", "repeats are collapsed CTC-style instead of splitting on the "
         "separator 26 and keeping each segment's most common letter")
def indices_to_str_ctc(indices):
    classes = [int(v) for v in torch.as_tensor(indices).reshape(-1).tolist()]
    collapsed = [c for k, c in enumerate(classes) if k == 0 or c != classes[k - 1]]
    return "".join(chr(ord("a") + c) for c in collapsed if c != ref.BETWEEN)



