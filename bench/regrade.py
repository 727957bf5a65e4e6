"""Benchmark: regrade throughput for 1, 2, ... and all cores.

    python3 bench/regrade.py [--assignment hw4] [--submissions 24] [--jobs 1,2]

Generates a Gradescope export of varied submissions (right answers, each known mistake, the
template, a syntax error: ``staff.samples.gradescope_export``), then regrades it from scratch
with ``--jobs N`` pinned to N cores, for each N asked (default: 1, 2 and the core count).
Reports submissions per minute, the speed-up over one core and its efficiency (the budget is
linear scaling up to the core count), and the peak memory of all processes together.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.engine.config import load_assignment  # noqa: E402
from autograder.staff.regrade import default_jobs  # noqa: E402
from bench.processes import run_sampled  # noqa: E402
from autograder.staff.samples import gradescope_export  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--assignment", default="hw4")
    parser.add_argument("--submissions", type=int, default=24)
    parser.add_argument("--jobs", default=None,
                        help="comma-separated process counts (default: 1, 2 and all cores)")
    args = parser.parse_args()
    cores = default_jobs()
    counts = sorted({int(n) for n in args.jobs.split(",")} if args.jobs else {1, min(2, cores), cores})
    with tempfile.TemporaryDirectory() as folder:
        export = gradescope_export(Path(folder) / "made", load_assignment(args.assignment),
                                   args.submissions)
        runs = []
        for jobs in counts:
            out = Path(folder) / f"out-{jobs}"
            wall, peak = run_sampled([sys.executable, "-m", "autograder", "regrade", str(export),
                                      "--assignment", args.assignment, "--out", str(out),
                                      "--jobs", str(jobs)], jobs)
            runs.append({"jobs": jobs, "wall_seconds": round(wall, 1),
                         "submissions_per_minute": round(60 * args.submissions / wall, 1),
                         "peak_mb": round(peak / 2**20, 1)})
    single = next((run for run in runs if run["jobs"] == 1), None)
    for run in runs:
        if single:
            speedup = run["submissions_per_minute"] / single["submissions_per_minute"]
            run["speedup"], run["efficiency"] = round(speedup, 2), round(speedup / run["jobs"], 2)
    print(json.dumps({"assignment": args.assignment, "submissions": args.submissions,
                      "cores": cores, "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)  # ``python3 -m autograder`` must find this checkout's package
    raise SystemExit(main())
