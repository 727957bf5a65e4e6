"""The OCR notebook (hw4 2.*) graded both ways, from notebooks: the reference (in a notebook
with shell lines, a long training loop and a plot) scores full marks, as a .py too; the
template scores 0; each known mistake loses exactly the parts written below."""
from __future__ import annotations

import dataclasses
import textwrap

import pytest
import torch

from reference.mistakes import all_mistakes
from tests.support import (assert_full_marks, assert_mistakes_cost_exactly,
                           assert_not_implemented_everywhere, grade_folder, only_questions,
                           reference_submission)

QUESTION_OF = {"build_path_matrix": "2.pm", "build_ce_matrix": "2.ce", "path_energy": "2.pe",
               "find_path": "2.viterbi", "indices_to_str": "2.decode"}
VITERBI = {"public.structured_prediction.find_path_returns_an_alignment",
           "hidden.structured_prediction.find_path_value"}

MISTAKE_TABLE = [
    ("ce_matrix_with_energies_as_logits", {"public.structured_prediction.ce_matrix_is_a_cross_entropy",
                                           "hidden.structured_prediction.ce_matrix_value"}),
    # Its values are right: only the public check of the graph can see it.
    ("path_matrix_detached", {"public.structured_prediction.path_matrix_keeps_the_graph"}),
    ("find_path_with_integer_dp", VITERBI),
    ("find_path_without_column_zero", VITERBI),
    ("find_path_ending_at_row_minimum", VITERBI),
    ("find_path_one_point_short", VITERBI),
    ("path_energy_checking_bounds_only", {"public.structured_prediction.path_energy_rejects_invalid_paths",
                                          "hidden.structured_prediction.path_energy_value"}),
    # A stretched word has one letter per segment, and the contract's example "aaab_bab_"
    # starts each segment with its most common letter: only the hidden check can tell...
    ("indices_to_str_first_letter", {"hidden.structured_prediction.decode_value"}),
    # ...while collapsing repeats reads that example as "abbab".
    ("indices_to_str_ctc", {"public.structured_prediction.decoding_reads_a_stretched_word",
                            "hidden.structured_prediction.decode_value"}),
]


@pytest.fixture(scope="module")
def impl():
    from autograder.engine.config import load_assignment

    return load_assignment("hw4_impl")


def test_every_known_mistake_is_in_the_table():
    assert {name for name, _ in MISTAKE_TABLE} == {
        m.name for m in all_mistakes() if m.function in QUESTION_OF}


@pytest.mark.parametrize("name,failing", MISTAKE_TABLE, ids=[name for name, _ in MISTAKE_TABLE])
def test_known_mistake_loses_its_parts_and_is_named(tmp_path, impl, name, failing):
    assert_mistakes_cost_exactly(tmp_path, impl, QUESTION_OF, [name], failing)


def test_reference_notebook_scores_full_marks(tmp_path, impl):
    assert_full_marks(reference_submission(tmp_path, impl), impl)


def test_a_py_file_of_the_same_name_is_accepted(tmp_path, impl):
    as_python = dataclasses.replace(impl, submission="hw4_impl.py")
    reference_submission(tmp_path, as_python)
    result = grade_folder(tmp_path, impl)
    assert result.score == impl.points


def test_template_notebook_scores_zero_with_not_implemented_everywhere(impl):
    assert_not_implemented_everywhere(impl)


WRONG_TRAINING = {
    "reads the notebook's global dataloader": ("2.train1", """
        def train_model(model, epochs, loader, criterion, optimizer):
            for _ in range(epochs):
                for images, labels in dataloader:
                    optimizer.zero_grad()
                    criterion(model(images)[:, 0, :], labels).backward()
                    optimizer.step()
    """, "name 'dataloader' is not defined"),
    "never steps the optimizer": ("2.train1", """
        def train_model(model, epochs, dataloader, criterion, optimizer):
            for _ in range(epochs):
                for images, labels in dataloader:
                    criterion(model(images)[:, 0, :], labels).backward()
    """, "does not train the model"),
    # An epoch off by one still lowers the loss: the grader's loader counts the batches.
    "makes one epoch too many": ("2.train1", """
        def train_model(model, epochs, dataloader, criterion, optimizer):
            for _ in range(epochs + 1):
                for images, labels in dataloader:
                    optimizer.zero_grad()
                    criterion(model(images)[:, 0, :], labels).backward()
                    optimizer.step()
    """, "32 batches were drawn and 32 optimizer steps taken where 3 epochs of 8 batches make 24"),
    "leaves the separator out of the cross-entropy": ("2.train1", """
        def train_model(model, epochs, dataloader, criterion, optimizer):
            for _ in range(epochs):
                for images, labels in dataloader:
                    optimizer.zero_grad()
                    criterion(model(images)[:, 0, :26], labels).backward()
                    optimizer.step()
    """, "never trains the energy of class(es) [26]"),
    "feeds the model blank images": ("2.train2", """
        def train_ebm_model(model, num_epochs, train_loader, criterion, optimizer):
            for _ in range(num_epochs):
                for images, targets in train_loader:
                    energies = model(torch.zeros_like(images))
                    ce = build_ce_matrix(energies, targets)[0]
                    _, path, _ = find_path(build_path_matrix(energies, targets)[0].detach())
                    optimizer.zero_grad()
                    path_cross_entropy(ce, path).backward()
                    optimizer.step()
    """, "leaves the network's window.weight unchanged"),
    "trains on the energies of the best path instead of its cross-entropy": ("2.train2", """
        def train_ebm_model(model, num_epochs, train_loader, criterion, optimizer):
            for _ in range(num_epochs):
                for images, targets in train_loader:
                    pm = build_path_matrix(model(images), targets)[0]
                    _, path, _ = find_path(pm.detach())
                    optimizer.zero_grad()
                    (-path_cross_entropy(pm, path)).backward()  # pushes the path's energy up
                    optimizer.step()
    """, "does not train the model"),
    "trains through a detached cross-entropy matrix": ("2.train2", """
        def train_ebm_model(model, num_epochs, train_loader, criterion, optimizer):
            for _ in range(num_epochs):
                for images, targets in train_loader:
                    energies = model(images)
                    ce = build_ce_matrix(energies, targets).detach()  # cut from the graph
                    _, path, _ = find_path(build_path_matrix(energies, targets)[0].detach())
                    optimizer.zero_grad()
                    path_cross_entropy(ce[0], path).backward()
                    optimizer.step()
    """, "computes a loss cut from the autograd graph"),
}


@pytest.mark.parametrize("mistake", list(WRONG_TRAINING))
def test_wrong_training_loops_are_caught(tmp_path, impl, mistake):
    question, code, message = WRONG_TRAINING[mistake]
    folder = reference_submission(tmp_path, impl, extra_code=code)
    result = grade_folder(folder, only_questions(impl, [question]))
    assert result.score == 0
    assert all(message in part.feedback for part in result.parts), result.parts[0].feedback
    if "global" in mistake:
        assert "use the argument instead" in result.parts[0].feedback


def test_a_signature_that_differs_shows_both(tmp_path, impl):
    folder = reference_submission(tmp_path, impl, extra_code="""
        def path_energy(pm, path, strict):
            return 0.0
    """)
    result = grade_folder(folder, only_questions(impl, ["2.pe"]))
    feedback = result.parts[0].feedback
    assert "Your signature is path_energy(pm, path, strict)" in feedback
    assert "the grader calls path_energy(pm, path)" in feedback


PATH_CROSS_ENTROPY = {"public.structured_prediction.path_cross_entropy_follows_the_path",
                      "hidden.structured_prediction.path_cross_entropy_value"}
WRONG_PATH_CROSS_ENTROPY = {
    # A bug seen in real notebooks (the contract names it).
    "sums only T points of the path": ("""
        def path_cross_entropy(ce, path):
            return sum(ce[i, j] for i, j in path[:ce.shape[1]])
    """, PATH_CROSS_ENTROPY),
    # Its values are right, but training cannot flow through a Python float.
    "returns a float": ("""
        def path_cross_entropy(ce, path):
            return float(sum(ce[i, j] for i, j in path))
    """, {"public.structured_prediction.path_cross_entropy_follows_the_path"}),
}


@pytest.mark.parametrize("mistake", list(WRONG_PATH_CROSS_ENTROPY))
def test_wrong_path_cross_entropies_lose_their_parts(tmp_path, impl, mistake):
    code, failing = WRONG_PATH_CROSS_ENTROPY[mistake]
    result = grade_folder(reference_submission(tmp_path, impl, extra_code=code),
                          only_questions(impl, ["2.pce"]))
    assert {part.part.check for part in result.parts if not part.passed} == failing


# Answers that ignore their inputs (shapes aside), shaped to satisfy the weaker properties of
# each public check: a network that outputs zeros, a uniform cross-entropy, a path along the
# diagonal with a dp of zeros...
CONSTANT_ANSWERS = """
import math

import torch
from torch import nn


class SimpleNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.zeros(()))

    def forward(self, x):
        return self.scale * torch.zeros(x.shape[0], (x.shape[-1] - 18) // 4 + 1, 27)


def train_model(model, epochs, dataloader, criterion, optimizer):
    return []


def build_path_matrix(energies, targets):
    return torch.zeros(len(energies), energies.shape[1], targets.shape[1], requires_grad=True)


def build_ce_matrix(energies, targets):
    return torch.full((len(energies), energies.shape[1], targets.shape[1]), math.log(27))


def transform_word(s):
    return torch.full((2 * len(s),), 26, dtype=torch.long)


def path_energy(pm, path):
    return 0.0


def find_path(pm):
    L, T = pm.shape
    return 0.0, [(i, min(i, T - 1)) for i in range(L)], torch.zeros(L, T)


def path_cross_entropy(ce, path):
    return torch.zeros((), requires_grad=True)


def indices_to_str(indices):
    return ""


def train_ebm_model(model, num_epochs, train_loader, criterion, optimizer):
    return []
"""


def test_constant_answers_earn_nothing(tmp_path, impl):
    """Each public check has a property that an answer ignoring its inputs fails."""
    (tmp_path / "hw4_impl.py").write_text(CONSTANT_ANSWERS)
    result = grade_folder(tmp_path, impl)
    assert result.score == 0, [(p.part.check, p.score) for p in result.parts if p.score]


# Code written for the notebook's own data: the course notebook's dataset drops the channel
# (its loaders yield images (B, 32, W)), so students add it themselves, in the network or in
# the loop; others follow the contract's (B, 1, 32, W) to the letter. Each scores full marks.
NOTEBOOK_LAYOUTS = {
    "a network that adds the channel itself": ("2.model", """
        class SimpleNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.window = nn.Conv2d(1, 8, kernel_size=(32, 18), stride=(1, 2))
                self.classes = nn.Linear(8, 27)

            def forward(self, x):
                h = torch.relu(self.window(x.unsqueeze(1)))  # (B, 32, W) from the loader
                return self.classes(h.squeeze(2).transpose(1, 2))
    """),
    "a network with padding, two windows at W = 18": ("2.model", """
        class SimpleNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.window = nn.Conv2d(1, 27, kernel_size=(32, 16), stride=(1, 3),
                                        padding=(0, 2))

            def forward(self, x):
                return self.window(x).flatten(2).transpose(1, 2)
    """),
    "a character loop that adds the channel": ("2.train1", """
        from tqdm.notebook import tqdm
        import matplotlib.pyplot as plt

        def train_model(model, epochs, dataloader, criterion, optimizer):
            losses = []
            for epoch in tqdm(range(epochs)):
                for images, labels in dataloader:
                    optimizer.zero_grad()
                    loss = criterion(model(images.unsqueeze(1).cuda())[:, 0, :], labels.cuda())
                    loss.backward()
                    optimizer.step()
                    losses.append(loss.item())
            plt.plot(losses)
            plt.show()
    """),
    # Reads its loader twice an epoch (the second time to measure its accuracy): still one
    # optimizer step per batch of each epoch, as an ordinary loop takes.
    "a character loop that evaluates on its loader after each epoch": ("2.train1", """
        def train_model(model, epochs, dataloader, criterion, optimizer):
            for epoch in range(epochs):
                for images, labels in dataloader:
                    optimizer.zero_grad()
                    criterion(model(images)[:, 0, :], labels).backward()
                    optimizer.step()
                with torch.no_grad():
                    right = sum((model(images)[:, 0, :].argmin(-1) == labels).sum().item()
                                for images, labels in dataloader)
                print(f"epoch {epoch}: {right} right")
    """),
    "a character loop that reads four dimensions": ("2.train1", """
        def train_model(model, epochs, dataloader, criterion, optimizer):
            for _ in range(epochs):
                for images, labels in dataloader:
                    batch, channels, height, width = images.shape
                    optimizer.zero_grad()
                    criterion(model(images)[:, 0, :], labels).backward()
                    optimizer.step()
    """),
    "a word loop that adds the channel, with a progress bar": ("2.train2", """
        from tqdm import tqdm

        def train_ebm_model(model, num_epochs, train_loader, criterion, optimizer):
            pbar = tqdm(range(num_epochs))
            for epoch in pbar:
                for samples, targets in train_loader:
                    energies = model(samples[:, None].cuda())
                    ce = build_ce_matrix(energies, targets)
                    pm = build_path_matrix(energies, targets)
                    loss = 0
                    for b in range(samples.shape[0]):
                        free_energy, path, dp = find_path(pm[b].detach())
                        loss = loss + path_cross_entropy(ce[b], path)
                    optimizer.zero_grad()
                    loss.backward()
                    optimizer.step()
                    pbar.set_postfix({"train_loss": loss.item()})
    """),
}


@pytest.mark.parametrize("style", list(NOTEBOOK_LAYOUTS))
def test_code_written_for_either_layout_of_the_notebooks_data_scores_full_marks(
        tmp_path, impl, style):
    question, code = NOTEBOOK_LAYOUTS[style]
    folder = reference_submission(tmp_path, impl, extra_code="import torch\nfrom torch import nn\n"
                                  + textwrap.dedent(code))
    result = grade_folder(folder, only_questions(impl, [question]))
    assert [part.feedback for part in result.parts if not part.passed] == []


def test_a_missing_optional_import_costs_only_the_functions_that_use_it(tmp_path, impl):
    folder = reference_submission(tmp_path, impl, extra_code="""
        import gtn  # installed in the student's Colab, not on the grader
        from PIL import Image, ImageDraw, ImageFont

        def indices_to_str(indices):
            return gtn.viterbi_path(indices)

        def transform_word(s):
            return torch.tensor([value for letter in s for value in (ord(letter) - 97, 26)])
    """)
    result = grade_folder(folder, only_questions(impl, ["2.word", "2.decode", "2.pe"]))
    failing = {part.part.check: part.feedback for part in result.parts if not part.passed}
    assert set(failing) == {"public.structured_prediction.decoding_reads_a_stretched_word",
                            "hidden.structured_prediction.decode_value"}
    for feedback in failing.values():
        assert "'indices_to_str' raised ModuleNotFoundError: module gtn is not available on " \
               "the grader (imported in cell 4, line " in feedback, feedback
        assert "global" not in feedback


LONG = torch.long


@pytest.mark.parametrize("function,batches,inside", [
    ("train_model", {"__build__": "character_loader", "n": 4}, True),
    ("train_model", {"__build__": "character_loader", "n": 4, "channel": True}, True),
    ("train_ebm_model", {"__build__": "word_loader", "words": ["ab"]}, True),
    ("train_ebm_model", {"__build__": "word_loader", "words": ["ab"], "channel": True}, True),
    # what no notebook's loader yields: a channel added twice, float labels, a 3-channel image
    ("train_model", [(torch.zeros(2, 1, 1, 32, 18), torch.zeros(2, dtype=LONG))], False),
    ("train_model", [(torch.zeros(2, 32, 18), torch.zeros(2))], False),
    ("train_ebm_model", [(torch.zeros(1, 3, 32, 36), torch.zeros(1, 4, dtype=LONG))], False),
])
def test_the_training_loops_get_batches_as_a_notebooks_loader_yields_them(function, batches,
                                                                          inside):
    from autograder.checks.strategies import DOMAINS

    violation = DOMAINS[function].violation({  # bound by position, as the worker passes them
        "model": {"__build__": "window_net"}, "epochs": 1, "data": batches,
        "criterion": {"__build__": "notebook_cross_entropy"},
        "optimizer": {"__build__": "adam", "of": 0, "lr": 1e-2}})
    assert (violation is None) is inside, violation
