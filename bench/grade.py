"""Benchmark: grade a full correct submission and report wall time and peak memory.

    python3 bench/grade.py [--assignment hw4] [--cpus 1] [--runs 3]

Runs ``run_autograder`` as Gradescope would (a fresh process each run), pinned to ``--cpus``
cores, and samples every 20 ms the resident memory of the grader and all its descendants
(the workers included) from /proc, so the figure is the peak of all grading processes
together, the quantity the 768 MB Gradescope container limits. Budgets (see
../shared/spec/platform.md): 30 s on one core, 700 MB.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.engine.config import load_assignment  # noqa: E402
from autograder.staff.samples import reference_submission  # noqa: E402
from bench.processes import run_sampled  # noqa: E402

def measure(assignment: str, submission: Path, cpus: int) -> dict:
    results = Path(tempfile.mkdtemp(prefix="bench-")) / "results.json"
    wall, peak = run_sampled([str(ROOT / "run_autograder"), "--assignment", assignment,
                              "--submission", str(submission), "--results", str(results)], cpus)
    data = json.loads(results.read_text())
    return {"wall_seconds": round(wall, 2), "peak_mb": round(peak / 2**20, 1),
            "score": data["score"], "grading_seconds": data["execution_time"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="hw4")
    parser.add_argument("--cpus", type=int, default=1, help="cores to pin the grader to")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    assignment = load_assignment(args.assignment)
    with tempfile.TemporaryDirectory() as folder:
        submission = reference_submission(Path(folder), assignment)
        runs = [measure(args.assignment, submission, args.cpus) for _ in range(args.runs)]
    summary = {
        "assignment": args.assignment, "cpus": args.cpus, "runs": runs,
        "median_wall_seconds": statistics.median(run["wall_seconds"] for run in runs),
        "max_peak_mb": max(run["peak_mb"] for run in runs),
        "full_marks": all(run["score"] == assignment.points for run in runs),
    }
    print(json.dumps(summary, indent=2))
    return 0 if summary["full_marks"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
