"""Metrics for Gradescope's leaderboard (an assignment's ``[leaderboard]``): each takes the
student (as a check does) and returns the number the submission is ranked by.

The final's EBM (1.7) is ranked by its test log-likelihood on data the grader makes and no
student sees: the student's ``train_ebm`` trains the grader's network on a seeded mixture
unlike the public checks' one, and the trained model is scored on held-out points of it by the
measure ``train_ebm``'s checks use (``held_out_log_likelihood``): exp(E) normalised over the
square where the data lie, by quadrature. Not by the importance-sampling estimate of 1.7: the
network's E is bounded, so exp(E) has no finite integral over the plane, and an estimate of it
from a Gaussian proposal ranks by the luck of the proposal's tail draws.
"""
from __future__ import annotations

import math

import numpy as np
import torch

from autograder.checks.api import as_float_array
from autograder.checks.public.importance_sampling import (
    GRID, TRAINING, held_out_log_likelihood)


def _ebm_data() -> dict:
    """Four clusters (the public checks have three), 500 training and 2000 test points, and a
    broad Gaussian proposal q; the network starts where the public checks' does."""
    rng = np.random.default_rng(20261201)
    centres = np.array([[-5.0, -3.0], [5.0, -3.0], [0.0, 5.0], [0.0, -8.0]])

    def draw(n):
        return torch.from_numpy(centres[rng.integers(0, len(centres), n)]
                                + rng.normal(size=(n, 2))).float()

    x_q = torch.from_numpy(rng.normal(scale=6.0, size=(4000, 2))).float()
    log_q = -(x_q**2).sum(dim=1) / 72 - math.log(2 * math.pi * 36)
    return {"train": {"model": TRAINING["model"], "x_train": draw(500), "x_q": x_q,
                      "log_q": log_q, "n_steps": 100, "lr": 0.1},
            "x_test": draw(2000)}


EBM = _ebm_data()


def ebm_test_log_likelihood(student) -> float:
    """The held-out log-likelihood of the grader's network after the student's ``train_ebm``."""
    case = EBM["train"]
    shown = {key: case[key] for key in ("n_steps", "lr")}
    test, grid = student.call_projected(
        "train_ebm", [{"kind": "outputs_at", "x": EBM["x_test"]},
                      {"kind": "outputs_at", "x": GRID}], **case)
    return held_out_log_likelihood(as_float_array("train_ebm", test, (len(EBM["x_test"]),), shown),
                                   as_float_array("train_ebm", grid, (len(GRID),), shown))
