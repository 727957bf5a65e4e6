"""Known mistakes of a3's losses (a3 t.hinge)."""
from __future__ import annotations

import torch

from reference.mistakes import mistake


@mistake("margin_loss", "the most offending answer is taken over all answers, the correct "
         "one included: the minimum runs over y' != y")
def margin_over_all_answers(energies, y, margin):
    return torch.relu(margin + energies[y] - energies.min())
