"""Benchmark: how long the OCR notebook's training parts take, per correct notebook.

    python3 bench/notebook_training.py [--cpus 1]

Grades each notebook of ``tests/submissions/hw4_impl`` three times, one question at a time,
pinned to ``--cpus`` cores: ``2.word`` (a trivial part: what starting a worker and loading the
notebook costs) and the two training parts, ``2.train1`` and ``2.train2`` (the student's loop
run on the grader's network and data). Budget: each training part under 20 s on one core.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.engine.config import load_assignment  # noqa: E402
from autograder.engine.grading import grade  # noqa: E402
from autograder.staff.detail import one_question  # noqa: E402

QUESTIONS = ("2.word", "2.train1", "2.train2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpus", type=int, default=1, help="cores to pin the grading to")
    arguments = parser.parse_args()
    os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:arguments.cpus]))
    impl = load_assignment("hw4_impl")
    print(f"{'notebook':28} " + " ".join(f"{q:>9}" for q in QUESTIONS) + "   (seconds, best of 3)")
    for folder in sorted((ROOT / "tests" / "submissions" / "hw4_impl").iterdir()):
        times = []
        for question in QUESTIONS:
            best = float("inf")
            for _ in range(3):
                start = time.monotonic()
                result = grade(one_question(impl, question), folder)
                best = min(best, time.monotonic() - start)
                if result.score != sum(part.part.points for part in result.parts):
                    print(f"{folder.name} {question}: not full marks", file=sys.stderr)
            times.append(best)
        print(f"{folder.name:28} " + " ".join(f"{t:9.1f}" for t in times))


if __name__ == "__main__":
    main()
