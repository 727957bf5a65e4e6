"""The OCR notebook (hw4 2.*, hw4_impl.ipynb), graded from notebooks: the reference (in a
notebook with shell lines, a long training loop and a plot) scores full marks, as a .py too;
each known mistake loses exactly the parts below; wrong training loops and path cross-entropies
are caught, and code written for either layout of the notebook's data scores full marks."""
from __future__ import annotations

import textwrap

from tests.grading_tables import ALL, EACH_FAILING, Case

POINTS = 50

QUESTION_OF = {"build_path_matrix": "2.pm", "build_ce_matrix": "2.ce", "path_energy": "2.pe",
               "find_path": "2.viterbi", "indices_to_str": "2.decode"}
VITERBI = {"public.structured_prediction.find_path_returns_an_alignment",
           "hidden.structured_prediction.find_path_value"}

MISTAKE_TABLE = [
    (("ce_matrix_with_energies_as_logits",), {
        "public.structured_prediction.ce_matrix_is_a_cross_entropy",
        "hidden.structured_prediction.ce_matrix_value"}),
    # Its values are right: only the public check of the graph can see it.
    (("path_matrix_detached",), {"public.structured_prediction.path_matrix_keeps_the_graph"}),
    (("find_path_with_integer_dp",), VITERBI),
    (("find_path_without_column_zero",), VITERBI),
    (("find_path_ending_at_row_minimum",), VITERBI),
    (("find_path_one_point_short",), VITERBI),
    (("path_energy_checking_bounds_only",), {
        "public.structured_prediction.path_energy_rejects_invalid_paths",
        "hidden.structured_prediction.path_energy_value"}),
    # A stretched word has one letter per segment, and the contract's example "aaab_bab_"
    # starts each segment with its most common letter: only the hidden check can tell...
    (("indices_to_str_first_letter",), {"hidden.structured_prediction.decode_value"}),
    # ...while collapsing repeats reads that example as "abbab".
    (("indices_to_str_ctc",), {"public.structured_prediction.decoding_reads_a_stretched_word",
                               "hidden.structured_prediction.decode_value"}),
]

NOTHING = frozenset()
PATH_CROSS_ENTROPY_PUBLIC = "public.structured_prediction.path_cross_entropy_follows_the_path"


def _wrong_training(question: str, code: str, *message: str) -> Case:
    """A training loop that earns nothing, each part saying ``message``."""
    return Case((question,), ALL, code=code, said={EACH_FAILING: message})


def _notebook_layout(question: str, code: str) -> Case:
    """Code written for the notebook's own data, in a cell importing what it uses: full
    marks."""
    return Case((question,), NOTHING,
                code="import torch\nfrom torch import nn\n" + textwrap.dedent(code))


CASES = {
    "the reference notebook": Case(None, NOTHING),
    "the reference as a .py file of the same name": Case(None, NOTHING, file="hw4_impl.py"),
    "a training loop that reads the notebook's global dataloader": _wrong_training("2.train1", """
        def train_model(model, epochs, loader, criterion, optimizer):
            for _ in range(epochs):
                for images, labels in dataloader:
                    optimizer.zero_grad()
                    criterion(model(images)[:, 0, :], labels).backward()
                    optimizer.step()
    """, "name 'dataloader' is not defined", "use the argument instead"),
    "a training loop that never steps the optimizer": _wrong_training("2.train1", """
        def train_model(model, epochs, dataloader, criterion, optimizer):
            for _ in range(epochs):
                for images, labels in dataloader:
                    criterion(model(images)[:, 0, :], labels).backward()
    """, "does not train the model"),
    # An epoch off by one still lowers the loss: the grader's loader counts the batches.
    "a training loop that makes one epoch too many": _wrong_training("2.train1", """
        def train_model(model, epochs, dataloader, criterion, optimizer):
            for _ in range(epochs + 1):
                for images, labels in dataloader:
                    optimizer.zero_grad()
                    criterion(model(images)[:, 0, :], labels).backward()
                    optimizer.step()
    """, "32 batches were drawn and 32 optimizer steps taken where 3 epochs of 8 batches make 24"),
    "a training loop that leaves the separator out of the cross-entropy": _wrong_training(
        "2.train1", """
        def train_model(model, epochs, dataloader, criterion, optimizer):
            for _ in range(epochs):
                for images, labels in dataloader:
                    optimizer.zero_grad()
                    criterion(model(images)[:, 0, :26], labels).backward()
                    optimizer.step()
    """, "never trains the energy of class(es) [26]"),
    "a training loop that feeds the model blank images": _wrong_training("2.train2", """
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
    "a training loop on the energies of the best path instead of its cross-entropy":
        _wrong_training("2.train2", """
        def train_ebm_model(model, num_epochs, train_loader, criterion, optimizer):
            for _ in range(num_epochs):
                for images, targets in train_loader:
                    pm = build_path_matrix(model(images), targets)[0]
                    _, path, _ = find_path(pm.detach())
                    optimizer.zero_grad()
                    (-path_cross_entropy(pm, path)).backward()  # pushes the path's energy up
                    optimizer.step()
    """, "does not train the model"),
    "a training loop through a detached cross-entropy matrix": _wrong_training("2.train2", """
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
    # Every call raises TypeError: each part fails, the first showing both signatures.
    "a signature that differs shows both": Case(("2.pe",), ALL, code="""
        def path_energy(pm, path, strict):
            return 0.0
    """, said={"public.structured_prediction.path_energy_rejects_invalid_paths": (
        "Your signature is path_energy(pm, path, strict)",
        "the grader calls path_energy(pm, path)")}),
    # A bug seen in real notebooks (the contract names it).
    "a path cross-entropy summing only T points of the path": Case(("2.pce",), ALL, code="""
        def path_cross_entropy(ce, path):
            return sum(ce[i, j] for i, j in path[:ce.shape[1]])
    """),
    # Its values are right, but training cannot flow through a Python float.
    "a path cross-entropy returning a float": Case(
        ("2.pce",), frozenset({PATH_CROSS_ENTROPY_PUBLIC}), code="""
        def path_cross_entropy(ce, path):
            return float(sum(ce[i, j] for i, j in path))
    """),
    # Code written for the notebook's own data: the course notebook's dataset drops the channel
    # (its loaders yield images (B, 32, W)), so students add it themselves, in the network or
    # in the loop; others follow the contract's (B, 1, 32, W) to the letter.
    "a network that adds the channel itself": _notebook_layout("2.model", """
        class SimpleNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.window = nn.Conv2d(1, 8, kernel_size=(32, 18), stride=(1, 2))
                self.classes = nn.Linear(8, 27)

            def forward(self, x):
                h = torch.relu(self.window(x.unsqueeze(1)))  # (B, 32, W) from the loader
                return self.classes(h.squeeze(2).transpose(1, 2))
    """),
    "a network with padding, two windows at W = 18": _notebook_layout("2.model", """
        class SimpleNet(nn.Module):
            def __init__(self):
                super().__init__()
                self.window = nn.Conv2d(1, 27, kernel_size=(32, 16), stride=(1, 3),
                                        padding=(0, 2))

            def forward(self, x):
                return self.window(x).flatten(2).transpose(1, 2)
    """),
    "a character loop that adds the channel": _notebook_layout("2.train1", """
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
    "a character loop that evaluates on its loader after each epoch": _notebook_layout(
        "2.train1", """
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
    "a character loop that reads four dimensions": _notebook_layout("2.train1", """
        def train_model(model, epochs, dataloader, criterion, optimizer):
            for _ in range(epochs):
                for images, labels in dataloader:
                    batch, channels, height, width = images.shape
                    optimizer.zero_grad()
                    criterion(model(images)[:, 0, :], labels).backward()
                    optimizer.step()
    """),
    "a word loop that adds the channel, with a progress bar": _notebook_layout("2.train2", """
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
    # Only the functions that use the missing module lose their parts, saying where it is
    # imported, and that it is missing (not an undefined global).
    "a missing optional import costs only the functions that use it": Case(
        ("2.word", "2.decode", "2.pe"),
        frozenset({"public.structured_prediction.decoding_reads_a_stretched_word",
                   "hidden.structured_prediction.decode_value"}), code="""
        import gtn  # installed in the student's Colab, not on the grader
        from PIL import Image, ImageDraw, ImageFont

        def indices_to_str(indices):
            return gtn.viterbi_path(indices)

        def transform_word(s):
            return torch.tensor([value for letter in s for value in (ord(letter) - 97, 26)])
    """, said={EACH_FAILING: ("'indices_to_str' raised ModuleNotFoundError: module gtn is not "
                              "available on the grader (imported in cell 4, line ",)},
        unsaid=("global",)),
}

# No PARTLY_WRONG: the Gradescope rehearsal does not run the notebook.
