"""The TA's regrade of a Gradescope export: the CSV, the report, resuming, --compare, and the
promise that a regrade scores each submission exactly as a single grading does.

The expected totals come from hw4's hand-written mistake table (``tests/grading_tables/hw4.py``),
not from the grader."""
from __future__ import annotations

import csv
import dataclasses
import json
import re
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import pytest

from autograder.engine.config import load_assignment
from autograder.staff import summary
from autograder.staff.detail import find_in_export
from autograder.staff.export import ExportError, Submitter, infer_assignment, read_export
from autograder.staff.progress import Progress
from tests.support import ROOT, gradescope_export, results_but_timing
from tests.grading_tables.hw4 import MISTAKE_TABLE

# The right answers, the special cases (template, syntax error, wrong name, the group, the
# names a spreadsheet would mangle) and 11 of hw4's single mistakes; every mistake is graded
# on its own in test_grading, so more would only make this test slow.
COUNT = 16
# Gradescope's "Download Grades" of the round-trip export below: one row per student (a group's
# members each have one, with the same Submission ID), none for a student who did not submit.
GRADESCOPE_GRADES = Path(__file__).parent / "gradescope_grades.csv"


def regrade(export: Path, out: Path, *options: str, assignment: str | None = "hw4") -> str:
    """Run the TA's command, in a process of its own as a TA does (the gradings that other
    tests run in this process kill every descendant of it, a regrade's fork server included);
    returns what it wrote on stderr. ``assignment=None`` lets the regrade find it."""
    chosen = ["--assignment", assignment] if assignment else []
    done = subprocess.run([sys.executable, "-m", "autograder", "regrade", str(export), *chosen,
                           "--out", str(out), *options], cwd=ROOT, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    return done.stderr


def _zip(folder: Path, archive: Path) -> Path:
    with zipfile.ZipFile(archive, "w") as bundle:
        for path in sorted(folder.rglob("*")):
            bundle.write(path, path.relative_to(folder.parent))
    return archive


def _snapshot(out: Path) -> dict[str, object]:
    """Every file a regrade wrote; results.json without its execution time (a measurement)."""
    files = {}
    for path in sorted(out.rglob("*")):
        if path.is_file():
            name = str(path.relative_to(out))
            files[name] = (results_but_timing(path) if path.name == "results.json"
                           else path.read_bytes())
    return files


def _rows(out: Path) -> dict[str, dict]:
    return summary.read_csv(out / "grades.csv")


def _part_points(assignment) -> dict[str, float]:
    return {part.check: part.points for q in assignment.questions for part in q.parts}


@pytest.mark.slow
def test_regrade_of_an_export_then_resume_after_losing_half(tmp_path):
    hw4 = load_assignment("hw4")
    export = _zip(gradescope_export(tmp_path / "made", hw4, COUNT), tmp_path / "export.zip")
    out = tmp_path / "regrade"
    said = regrade(export, out, "--jobs", "2")
    rows = _rows(out)
    assert len(rows) == COUNT
    # Each variant's total, from the homework's points and the hand-written mistake table.
    points = _part_points(hw4)
    variants = {row["submission_id"]: row for row in rows.values()}
    assert variants["submission_1000"]["total"] == "27"
    assert variants["submission_1001"]["total"] == "27"  # in a subfolder
    assert variants["submission_1002"]["total"] == "0"  # the template
    assert variants["submission_1003"]["total"] == "0"  # a syntax error
    assert variants["submission_1004"]["status"] == "missing file"
    singles = {names[0]: failing for names, failing in MISTAKE_TABLE if len(names) == 1}
    metadata = (export.parent / "made" / "assignment_1_export")
    checked = 0
    for submission_id, row in variants.items():
        source = (metadata / submission_id / hw4.submission)
        if not source.is_file():
            continue
        named = [line.split(" import ")[1].split(" as ")[0] for line in
                 source.read_text().splitlines() if "reference.mistakes." in line]
        if len(named) == 1 and named[0] in singles:
            expected = 27 - sum(points[check] for check in singles[named[0]])
            assert float(row["total"]) == pytest.approx(expected), (submission_id, named)
            assert row["status"] == "graded"
            checked += 1
    assert checked >= 10
    assert variants["submission_1007"]["name"] == "Student 7; Partner Seven"
    assert variants["submission_1009"]["name"] == "Zoë Ångström"
    assert variants["submission_1011"]["name"] == "'=HYPERLINK(\"http://evil.example\")"
    # The report: pass rates per question, recognised mistakes, the histogram in two forms.
    report = (out / "report.md").read_text()
    assert f"{COUNT} submissions: {COUNT - 1} graded, 1 missing file." in report
    assert "| 1.2.i | Gibbs distribution | 2 |" in report
    assert "the energies have the wrong sign" in report
    histogram = report.split("## Distribution of totals")[1]
    assert sum(int(line.split()[-1]) for line in histogram.splitlines()
               if line.startswith("[")) == COUNT - 1  # the missing file is apart
    assert "\nmissing file " in histogram
    assert (out / "histogram.svg").read_text().startswith("<svg")
    assert "regrade [" + "#" * 30 + f"] {COUNT}/{COUNT}" in said  # the progress bar

    # Exactly what a single grading gives: the correct one, the syntax error, a mistake.
    for name in ("submission_1000", "submission_1003", "submission_1012"):
        single = tmp_path / f"{name}.json"
        subprocess.run([str(ROOT / "run_autograder"), "--assignment", "hw4", "--submission",
                        str(metadata / name), "--results", str(single)], check=True,
                       capture_output=True)
        assert results_but_timing(out / "submissions" / name / "results.json") == \
            results_but_timing(single)

    before = _snapshot(out)
    lost = sorted((out / "submissions").iterdir())[::2]
    for folder in lost:
        (folder / "results.json").unlink()
    said = regrade(export, out, "--jobs", "2")
    assert f"Grading {len(lost)} of {COUNT} submissions" in said
    assert _snapshot(out) == before


def _tiny_export(tmp_path: Path) -> Path:
    """Three cheap submissions: the template, a syntax error and a missing file."""
    return gradescope_export(tmp_path / "made", load_assignment("hw4"), 3,
                             ["template", "syntax_error", "wrong_name"])


def test_compare_lists_every_changed_score_and_why(tmp_path):
    export = _tiny_export(tmp_path)
    out = tmp_path / "regrade"
    regrade(export, out, "--jobs", "1")
    earlier = tmp_path / "earlier.csv"
    rows = list(csv.DictReader((out / "grades.csv").open()))
    rows[0]["1.2.ii"], rows[0]["total"] = "5", "5"  # the template once had 1.2.ii right
    rows[1]["status"] = "grader error: out of memory"  # a past failure since fixed
    rows.append({**rows[2], "submission_id": "submission_999", "name": "Gone Student"})
    with earlier.open("w", newline="") as stream:
        writer = csv.DictWriter(stream, list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    regrade(export, out, "--jobs", "1", "--compare", str(earlier))
    changes = (out / "changes.md").read_text()
    assert "submission_1000 (Student 0): total 5 -> 0" in changes
    assert "1.2.ii: 5 -> 0; 'is (1/beta) times a negative log-probability' fails " \
           "('nll_loss' is not implemented yet" in changes
    assert "submission_1001 (Student 1): total 0 -> 0" in changes
    assert "status grader error: out of memory -> graded" in changes
    assert "submission_999 (Gone Student): no longer in the export" in changes
    assert "submission_1002" not in changes
    regrade(export, out, "--jobs", "1", "--compare", str(out / "grades.csv"))
    assert (out / "changes.md").read_text().endswith("No score changed.\n")


def _round_trip_export(tmp_path: Path) -> Path:
    """Four hw4 submissions and the scores Gradescope recorded for them (the metadata as
    Gradescope writes it): a correct file (27, recorded 27); the same file as a browser renames
    it, by a group (recorded 0: the old autograder found no hw4_theory.py); the template
    (recorded 5 by an older, wrong autograder); a wrongly named file among the many of a
    package, which no one could pick (0, recorded 0)."""
    root = gradescope_export(tmp_path / "made", load_assignment("hw4"), 4,
                             ["correct", "correct", "template", "wrong_name"])
    (root / "submission_1001" / "hw4_theory.py").rename(root / "submission_1001" /
                                                        "hw4_theory (1).py")
    people = {1000: ["Student 0"], 1001: ["Student 1", "Partner One"], 1002: ["Student 2"],
              1003: ["Student 3"]}
    recorded = {1000: "27.0", 1001: "0.0", 1002: "5.0", 1003: "0.0"}
    (root / "submission_metadata.yml").write_text("".join(
        f"submission_{id}:\n  :submitters:\n" + "".join(
            f"  - :name: {name}\n    :sid: '{100000 + id - 1000 + 100000 * index}'\n"
            f"    :email: {name.split()[0][0].lower()}{id - 1000}@university.edu\n"
            for index, name in enumerate(names))
        + f"  :created_at: 2026-11-20 23:58:41.000000000 -05:00\n  :score: {recorded[id]}\n"
        for id, names in people.items()))
    return root


def test_a_regrade_finds_its_assignment_and_round_trips_with_gradescope(tmp_path):
    export, out = _round_trip_export(tmp_path), tmp_path / "regrade"
    said = regrade(export, out, "--jobs", "2", assignment=None)
    assert "Assignment: hw4 (3 of 4 submissions hold hw4_theory.py; --assignment chooses " \
           "another)" in said
    rows = _rows(out)
    assert [(row["total"], row["status"]) for row in rows.values()] == [
        ("27", "graded"), ("27", "graded"), ("0", "graded"), ("0", "missing file")]
    # Against the scores Gradescope recorded: exactly the two totals that differ, and why.
    changes = (out / "changes.md").read_text()
    listed = [line for line in changes.splitlines() if line.startswith("- ")]
    assert listed == ["- submission_1001 (Student 1; Partner One): total 0 -> 27 (+27)",
                      "- submission_1002 (Student 2): total 5 -> 0 (-5)"]
    assert "2 of 4 submissions would change score." in changes
    assert "submission_1001 (Student 1; Partner One): total 0 -> 27 (+27)\n" \
           "  - every part passes now\n" in changes
    assert "  - 1.2.i now; 'is a probability distribution' fails ('gibbs_distribution' is not " \
           "implemented yet" in changes
    # One row per student, a group's members each with their total.
    assert (out / "gradescope_scores.csv").read_text() == (
        "Name,SID,Email,Total Score\n"
        "Student 0,100000,s0@university.edu,27\n"
        "Student 1,100001,s1@university.edu,27\n"
        "Partner One,200001,p1@university.edu,27\n"
        "Student 2,100002,s2@university.edu,0\n"
        "Student 3,100003,s3@university.edu,0\n")
    report = (out / "report.md").read_text()
    assert "## Missing files\n\n- submission_1003 (Student 3): Not graded: " in report
    assert "could be your hw4_theory.py (my_hw4_theory.py, reference/" in report
    assert "## Files graded under another name\n\n- submission_1001 (Student 1; Partner " \
           "One): Note: graded hw4_theory (1).py as your hw4_theory.py" in report
    assert "\nmissing file     " in report and "Totals of the 3 graded, out of 27" in report
    first = _snapshot(out)

    # Gradescope's own "Download Grades" CSV compares the same way (nothing graded again).
    said = regrade(export, out, "--compare", str(GRADESCOPE_GRADES), assignment=None)
    assert "Grading" not in said
    changes = (out / "changes.md").read_text()
    assert [line for line in changes.splitlines() if line.startswith("- ")] == [
        "- submission_1001 (Student 1; Partner One): total 0.0 -> 27 (+27)"]
    assert changes.startswith(f"# Changes of hw4 against {GRADESCOPE_GRADES}\n")
    regrade(export, out, assignment=None)  # the same files again, byte for byte
    assert _snapshot(out) == first


def test_an_export_of_no_known_assignment_or_of_several_is_refused_with_the_list(tmp_path):
    root = tmp_path / "export"
    for id, name in ((1, "hw4_theory.py"), (2, "notes.txt"), (3, "vi.py")):
        (root / f"submission_{id}").mkdir(parents=True)
        (root / f"submission_{id}" / name).write_text("x = 1\n")
    (root / "submission_metadata.yml").write_text("{}\n")
    with pytest.raises(ExportError) as refused:
        infer_assignment(read_export(root, tmp_path / "unused"))
    assert str(refused.value).startswith("cannot tell which assignment these submissions "
                                         "are for (")
    assert "final: VI.py in 1 submissions" in str(refused.value)
    assert "hw4: hw4_theory.py in 1 submissions" in str(refused.value)
    assert "a3: a3.py in 0 submissions" in str(refused.value)
    assert str(refused.value).endswith("): give --assignment NAME")
    for id in (1, 3):
        shutil.rmtree(root / f"submission_{id}")
    with pytest.raises(ExportError, match="hw4: hw4_theory.py in 0 submissions"):
        infer_assignment(read_export(root, tmp_path / "unused"))


def test_a_grading_that_takes_too_long_is_recorded_and_retried(tmp_path):
    export = gradescope_export(tmp_path / "made", load_assignment("hw4"), 2,
                               ["template", "template"])  # starting a worker alone takes > 1 s
    out = tmp_path / "regrade"
    regrade(export, out, "--jobs", "2", "--timeout", "0.2")
    rows = _rows(out)
    assert {row["status"] for row in rows.values()} == {"timed out: grading took longer "
                                                        "than 0.2 s"}
    assert all(row["total"] == "" for row in rows.values())
    results = json.loads((out / "submissions" / "submission_1000" / "results.json").read_text())
    assert "score" not in results and "longer than 0.2 s" in results["output"]
    assert "2 submissions: 2 timed out." in (out / "report.md").read_text()
    regrade(export, out, "--jobs", "2")
    assert [row["status"] for row in _rows(out).values()] == ["graded", "graded"]


def test_the_command_line_regrades_and_shows_one_submission_in_detail(tmp_path):
    export = gradescope_export(tmp_path / "made", load_assignment("hw4"), 1,
                               [("gibbs_with_energy_sign_flipped",)])
    command = [sys.executable, "-m", "autograder"]
    done = subprocess.run([*command, "regrade", str(export), "--assignment", "hw4", "--out",
                           str(tmp_path / "out"), "--jobs", "1"], cwd=ROOT, capture_output=True,
                          text=True, check=True)
    assert "1 submissions" in done.stdout
    shown = subprocess.run([*command, "detail", "--assignment", "hw4", "--export", str(export),
                            "--student", "s0@university"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout
    assert shown.startswith("submission_1000: Student 0 <s0@university.edu>")
    hidden_failure = shown.split("matches the reference  [hidden.energy_models.gibbs_value")[1]
    assert hidden_failure.split("\n")[0] == ", after_published]"
    assert "expected [" in hidden_failure and "got [" in hidden_failure
    assert "recognised: the energies have the wrong sign" in hidden_failure
    passed = shown.split("PASS 2.5/2.5  matches the reference  [hidden.energy_models.nll_value")[1]
    assert "60 calls; the last: nll_loss(" in passed and ", expected " in passed
    assert "\nsubmission: submission_1000/hw4_theory.py\n" in shown  # not the unpacked copy

    # One question, failing parts only; the assignment found from the file's name.
    failing = subprocess.run([*command, "detail", "--export", str(export), "--student",
                              "submission_1000", "--question", "1.2.i", "--failing"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
    parts = [line.split()[1] for line in failing.splitlines() if line.startswith("  FAIL")]
    assert parts == ["0/0.5", "0/1", "0/0.5"]  # the sign flip fails all three parts of 1.2.i
    assert "PASS" not in failing and "1.2.ii" not in failing
    assert failing.rstrip().endswith("Total: 0 / 2")
    assert tempfile.gettempdir() not in failing and "detail-" not in failing


def test_an_export_is_found_in_a_folder_or_one_below_and_unsafe_zips_are_refused(tmp_path):
    root = tmp_path / "export"
    (root / "submission_2").mkdir(parents=True)
    (root / "submission_10").mkdir()
    (root / "submission_metadata.yml").write_text(
        "submission_10:\n  :submitters:\n  - :name: Ten\n    :email: t@x.org\n    :sid: 10\n")
    for where in (root, tmp_path):
        found = read_export(where, tmp_path / "unused")
        assert [s.id for s in found] == ["submission_2", "submission_10"]
        assert found[1].describe("sid") == "10" and found[0].submitters == ()
    with pytest.raises(ExportError, match="not a Gradescope export"):
        read_export(root / "submission_2", tmp_path / "unused")
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("submission_metadata.yml", "{}")
        bundle.writestr("../escaped.py", "x = 1")
    with pytest.raises(ExportError, match="unsafe path: ../escaped.py"):
        read_export(archive, tmp_path / "unpacked")
    assert not (tmp_path / "escaped.py").exists()


def test_the_histogram_has_ten_bins_with_full_marks_in_the_last():
    hw4 = load_assignment("hw4")
    bins = summary.histogram(hw4, [0.0, 2.69, 2.7, 26.9, 27.0, 27.0])
    assert [count for _, _, count in bins] == [2, 1, 0, 0, 0, 0, 0, 0, 0, 3]
    assert bins[-1][:2] == (pytest.approx(24.3), 27.0)
    text = summary.histogram_text(hw4, [27.0, 27.0], 1)
    assert text[-2].endswith("#" * 40 + " 2") and text[-2].startswith("[ 24.30,  27.00]")
    assert text[-1] == "missing file     " + "#" * 20 + " " * 21 + "1"  # apart, same scale


def test_the_histogram_image_has_a_scale_counts_mean_median_missing_files_and_a_whole_title():
    import xml.etree.ElementTree as ElementTree

    hw4 = load_assignment("hw4")
    long = dataclasses.replace(hw4, title="Homework 4:" + " Energy-Based Models" * 12)
    svg = ElementTree.fromstring(summary.histogram_svg(long, [0.0, 13.5, 27.0, 27.0, 27.0], 7))
    elements = list(svg.iter("{http://www.w3.org/2000/svg}text"))
    texts = ["".join(element.itertext()) for element in elements]
    title = [text for text in texts if "Energy-Based" in text or "graded submissions" in text]
    width = float(svg.get("width"))
    assert len(title) > 1 and all(len(line) * 0.62 * 15 <= width - 40 for line in title)
    assert " ".join(title) == f"{long.title}: totals of 5 graded submissions"
    # The y-axis: ticks 0, 2, 4, 6, 8 (the highest bar, the missing files', holds 7).
    ticks = [element.text for element in elements if element.get("text-anchor") == "end"]
    assert ticks == ["0", "2", "4", "6", "8"]
    assert "missing" in texts and "7" in texts and "3" in texts  # the bars' counts
    assert "mean 18.90   median 27.00" in texts  # (0 + 13.5 + 3 * 27) / 5 = 18.9
    assert summary.histogram_svg(long, [1.0], 0) == summary.histogram_svg(long, [1.0], 0)


def test_progress_in_a_log_is_the_first_line_then_one_per_tenth(tmp_path):
    with open(tmp_path / "log", "w") as stream:
        progress = Progress(20, "regrade", stream)
        for index in range(20):
            progress.advance(problem=index == 3)
    lines = (tmp_path / "log").read_text().splitlines()
    assert len(lines) == 11
    assert lines[-1].startswith("regrade [" + "#" * 30 + "] 20/20, 1 not graded")


def test_an_interrupted_regrade_stops_cleanly_and_the_same_command_finishes_it(tmp_path):
    export = gradescope_export(tmp_path / "made", load_assignment("hw4"), 3,
                               ["template", "correct", "template"])
    command = [sys.executable, "-m", "autograder", "regrade", str(export), "--assignment", "hw4",
               "--out", str(tmp_path / "out"), "--jobs", "1"]
    process = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, text=True,
                               stdout=subprocess.DEVNULL, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines = []
    while not any(" 1/3" in line for line in lines):  # the template is graded; a correct one runs
        lines.append(process.stderr.readline())
    os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C does
    assert process.wait(timeout=60) == 130
    assert "Interrupted: run the same command again to resume." in process.stderr.read()
    again = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    # What was finished is kept (the template at least); nothing interrupted counts as graded.
    assert re.search(r"Grading [12] of 3 submissions \([12] already graded\)", again.stderr)
    assert [row["total"] for row in _rows(tmp_path / "out").values()] == ["0", "27", "0"]


def test_export_metadata_is_read_as_text_and_its_names_stay_inside(tmp_path):
    root = tmp_path / "export"
    root.mkdir()
    (root / "submission_metadata.yml").write_text(
        "submission_100:\n  :submitters:\n    :name: No\n    :sid: 0012\n    :email: n@x.org\n"
        "submission_1000:\n  :submitters:\n  - :name: Null\n    :sid: '123'\n")
    first, second = read_export(root, tmp_path / "unused")
    assert first.submitters[0] == Submitter("No", "n@x.org", "0012")  # not False, not octal
    assert second.describe("name") == "Null"
    assert find_in_export(root, "submission_100", tmp_path / "unused").id == "submission_100"
    assert find_in_export(root, "0012", tmp_path / "unused").id == "submission_100"
    with pytest.raises(ExportError, match="matches 2 submissions"):
        find_in_export(root, "submission_10", tmp_path / "unused")
    (root / "submission_metadata.yml").write_text("../../outside:\n  :submitters: []\n")
    with pytest.raises(ExportError, match="not a plain name: '../../outside'"):
        read_export(root, tmp_path / "unused")


def test_a_windows_zip_unpacks_and_a_new_export_replaces_the_old(tmp_path):
    first, second = tmp_path / "first.zip", tmp_path / "second.zip"
    with zipfile.ZipFile(first, "w") as bundle:
        bundle.writestr("export\\submission_metadata.yml", "submission_1: {}\nsubmission_2: {}\n")
        bundle.writestr("export\\submission_1\\hw4_theory.py", "x = 1\n")
        bundle.writestr("export\\submission_2\\hw4_theory.py", "x = 2\n")
    with zipfile.ZipFile(second, "w") as bundle:
        bundle.writestr("export/submission_metadata.yml", "submission_1: {}\n")
        bundle.writestr("export/submission_1/hw4_theory.py", "x = 3\n")
    unpacked = tmp_path / "unpacked"
    assert [s.id for s in read_export(first, unpacked)] == ["submission_1", "submission_2"]
    assert (unpacked / "export" / "submission_2" / "hw4_theory.py").read_text() == "x = 2\n"
    found = read_export(second, unpacked)
    assert [s.id for s in found] == ["submission_1"]
    assert (found[0].folder / "hw4_theory.py").read_text() == "x = 3\n"


def test_an_earlier_csv_from_a_spreadsheet_is_read_and_another_csv_is_refused(tmp_path):
    saved = tmp_path / "saved.csv"
    saved.write_text("\ufeffname,submission_id,1.2.i,total,status\nAda,submission_1,2\n",
                     encoding="utf-8")
    assert summary.read_csv(saved)["submission_1"]["total"] == ""  # a dropped empty cell
    other = tmp_path / "gradescope_scores.csv"
    other.write_text("Name,SID,Total Score\nAda,1,27\n")
    with pytest.raises(ExportError, match="neither the grades.csv of a regrade .* nor "
                                          "Gradescope's Download Grades CSV"):
        summary.read_csv(other)


def test_gradescope_download_grades_is_read_by_submission_with_groups_joined():
    grades = summary.read_csv(GRADESCOPE_GRADES)
    assert grades == {  # the student who did not submit has no submission, and no row
        "submission_1000": {"submission_id": "submission_1000", "name": "Student 0",
                            "total": "27.0"},
        "submission_1001": {"submission_id": "submission_1001",
                            "name": "Student 1; Partner One", "total": "0.0"},
        "submission_1002": {"submission_id": "submission_1002", "name": "Student 2",
                            "total": "0.0"},
        "submission_1003": {"submission_id": "submission_1003", "name": "Student 3",
                            "total": "0.0"}}
