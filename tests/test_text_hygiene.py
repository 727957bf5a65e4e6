"""Text that Gradescope can store: no NUL, control character or terminal escape sequence that a
student's code prints or puts in a message reaches results.json or the staff's files, and the
readable text around them stays."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from autograder.engine.grading import grade_and_write
from autograder.engine.text import printable, printable_data
from autograder.staff import summary
from autograder.staff.export import Submission, Submitter
from tests.support import only_questions

NOISE = "nul\x00 \x1b[31mred\x1b[0m back\rbell\x07 \x1b]0;title\x07end"
# What a reader must not find in any text the grader writes: controls (but tab and newline),
# DEL, C1 controls, and the remains of an escape sequence.
UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]|\\[31m|\\[0m|0;title")
# It prints NOISE and raises it; the source spells it in code points, since the feedback
# quotes the line that raised.
NOISY_SUBMISSION = f"""
NOISE = "".join(map(chr, {[ord(c) for c in NOISE]}))


def gibbs_distribution(energies, beta):
    print(NOISE)
    raise ValueError(NOISE)
"""


@pytest.mark.parametrize("text,clean", [
    (NOISE, "nul red back\nbell end"),
    ("a\r\nb\tc\n", "a\nb\tc\n"),
    ("\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"),
    ("\x1bc\x1b(Bok\x1b", "ok"),
    ("csi\x9b1;31mX\x7f\x0c", "csiX"),
    ("half \ud800 pair", "half \ufffd pair"),
    ("Zoë ✓ 1 < 2", "Zoë ✓ 1 < 2"),
])
def test_printable_keeps_the_text_and_drops_controls_and_escape_sequences(text, clean):
    assert printable(text) == clean


def test_every_string_in_data_is_made_printable_and_nothing_else_changes():
    data = {"score": 1.5, "tests": [{"output": "a\x00b", "ok": True, "n": None}],
            "pair": ("\r", 2)}
    assert printable_data(data) == {"score": 1.5, "tests": [{"output": "ab", "ok": True,
                                                             "n": None}], "pair": ["\n", 2]}


def _strings(data) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [text for value in data.values() for text in _strings(value)]
    if isinstance(data, list):
        return [text for item in data for text in _strings(item)]
    return []


def test_a_submission_that_prints_and_raises_control_characters_gets_a_clean_results_json(
        tmp_path, hw4):
    folder = tmp_path / "submission"
    folder.mkdir()
    (folder / "hw4_theory.py").write_text(NOISY_SUBMISSION)
    path = tmp_path / "results.json"
    grade_and_write(only_questions(hw4, ["1.2.i"]), folder, path)
    texts = _strings(json.loads(path.read_text()))
    assert not [text for text in texts if UNPRINTABLE.search(text)]
    public = next(test["output"] for test in json.loads(path.read_text())["tests"]
                  if test["visibility"] == "visible")
    assert "raised ValueError: nul red back\nbell end" in public  # the message
    assert "Your code printed:\nnul red back\nbell end" in public  # the output


def test_the_regrade_files_are_clean(tmp_path, hw4):
    assignment = only_questions(hw4, ["1.2.i"])
    part = assignment.questions[0].parts[1]
    record = {"status": "graded", "message": "", "score": 0.0, "max_score": 2.0,
              "parts": [{"question": "1.2.i", "part": part.name, "check": part.check,
                         "points": part.points, "score": 0.0, "passed": False,
                         "mistakes": [], "feedback": f"'gibbs_distribution' raised {NOISE}"}]}
    submission = Submission("submission_1", tmp_path,
                            (Submitter("\x00=cmd|' /C calc'!A0\x1b[0m", "e@x.edu", "1"),))
    summary.write_all(assignment, [submission], [record], tmp_path / "out",
                      earlier={"submission_1": {"submission_id": "submission_1", "total": "2"}})
    for name in ("grades.csv", "report.md", "changes.md"):
        text = (tmp_path / "out" / name).read_text(encoding="utf-8")
        assert not UNPRINTABLE.search(text), (name, text)
    assert "'=cmd" in (tmp_path / "out" / "grades.csv").read_text()  # still inert
    assert "raised nul red back" in (tmp_path / "out" / "changes.md").read_text()


def test_the_detail_view_is_clean(tmp_path, hw4):
    from autograder.staff.detail import detail

    (tmp_path / "hw4_theory.py").write_text(NOISY_SUBMISSION)
    shown = detail(only_questions(hw4, ["1.2.i"]), Path(tmp_path))
    assert not UNPRINTABLE.search(shown), shown
    assert "nul red back" in shown
