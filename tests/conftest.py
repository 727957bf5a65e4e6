"""Shared fixtures: the project root on sys.path, and the hw4 assignment."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import settings

# The project's own property tests are as deterministic as the grading: same examples on
# every run, no example database written into the checkout.
settings.register_profile("project", derandomize=True, database=None, deadline=None)
settings.load_profile("project")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


@pytest.fixture(scope="session")
def hw4():
    from autograder.engine.config import load_assignment

    return load_assignment("hw4")


def pytest_report_header(config):
    """Whether gradings replay recorded draws (fast) or draw live (slow, the same results)."""
    from autograder.engine.config import assignment_names
    from autograder.engine.draws import Draws

    stale = [name for name in assignment_names() if not Draws.load(name).examples]
    if stale:
        return (f"recorded draws: none current for {', '.join(stale)}: their gradings draw "
                "live (slower); `python3 -m autograder record` records them")
    return "recorded draws: current for every assignment"


def pytest_collection_modifyitems(items):
    """Tests marked ``slow`` run first, so that with xdist none of them starts last and runs
    alone at the end (longest first is the classic rule for balancing a batch)."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
