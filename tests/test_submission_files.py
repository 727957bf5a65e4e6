"""Files as students name them: a submission is found under the names browsers, editors and
Colab give it, a single other Python file is graded with a note, and several candidates are
refused with their list rather than guessed between."""
from __future__ import annotations

import json
import shutil

import pytest

from autograder.engine.grading import NOT_GRADED, Found, find_submission, grade_and_write
from tests.support import only_questions, reference_submission

NAMES = ("VI.py",)


def _folder(tmp_path, *names):
    for name in names:
        path = tmp_path / "sub" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n")
    return tmp_path / "sub"


@pytest.mark.parametrize("name", ["VI (1).py", "vi.py", "VI.py.txt", "VI copy.py",
                                  "VI - Copy.py", "VI 2.py", "VI.ipynb", "homework.py",
                                  "final_answers.ipynb"])
def test_the_only_candidate_is_graded_with_a_one_line_note(tmp_path, name):
    folder = _folder(tmp_path, name, "notes.pdf", ".ipynb_checkpoints/VI-checkpoint.ipynb",
                     "__MACOSX/._VI.py")
    found = find_submission(folder, NAMES)
    assert found.path == folder / name
    assert found.note == f"Note: graded {name} as your VI.py; please name it VI.py next time."


def test_the_exact_name_wins_at_the_top_then_below(tmp_path):
    folder = _folder(tmp_path, "VI (1).py", "deep/VI.py", "helpers.py")
    assert find_submission(folder, NAMES).path == folder / "deep" / "VI.py"
    (folder / "VI.py").write_text("")
    assert find_submission(folder, NAMES) == Found(folder / "VI.py")  # and no note


def test_an_expected_alternative_is_exact_and_the_first_name_is_preferred(tmp_path):
    folder = _folder(tmp_path, "hw4_impl.py")
    names = ("hw4_impl.ipynb", "hw4_impl.py")
    assert find_submission(folder, names).note == ""
    (folder / "hw4_impl.ipynb").write_text("{}")
    assert find_submission(folder, names).path.name == "hw4_impl.ipynb"


@pytest.mark.parametrize("names, listed", [
    (("VI (1).py", "VI (2).py", "helpers.py"), "VI (1).py, VI (2).py"),  # two copies: which?
    (("answers.py", "helpers.py"), "answers.py, helpers.py"),  # no name close to VI.py
])
def test_several_candidates_are_refused_with_their_list(tmp_path, names, listed):
    found = find_submission(_folder(tmp_path, *names), NAMES)
    assert found.path is None
    assert found.note == (f"Not graded: 2 files could be your VI.py ({listed}). "
                          "Submit only one, named VI.py.")


def test_no_candidate_at_all_lists_what_the_submission_holds(tmp_path):
    found = find_submission(_folder(tmp_path, "report.pdf", "VI.txt"), NAMES)
    assert (found.path, found.note) == (
        None, "Not graded: VI.py was not found in your submission (it holds VI.txt, report.pdf).")


def _graded(folder, assignment):
    """results.json of a grading of ``folder``, without its timing."""
    path = folder.parent / f"{folder.name}.json"
    grade_and_write(assignment, folder, path)
    data = json.loads(path.read_text())
    data.pop("execution_time")
    return data


def test_a_renamed_file_scores_as_the_right_name_and_a_missing_one_is_explained_once(
        tmp_path, hw4):
    chosen = only_questions(hw4, ["1.2.i", "1.2.ii"])  # two questions: seconds of grading
    right = reference_submission(tmp_path / "right", chosen, ["nll_without_inverse_beta"])
    expected = _graded(right, chosen)
    assert 0 < expected["score"] < chosen.points  # a mistake costs points: not trivially equal
    for name in ("hw4_theory (1).py", "hw4_theory.py.txt"):
        renamed = tmp_path / name.replace(" ", "_")
        shutil.copytree(right, renamed)
        (renamed / "hw4_theory.py").rename(renamed / name)
        got = _graded(renamed, chosen)
        note = f"Note: graded {name} as your hw4_theory.py; please name it hw4_theory.py next time."
        assert got["output"] == note + "\n\n" + expected["output"]
        assert {**got, "output": ""} == {**expected, "output": ""}

    (right / "hw4_theory.py").rename(right / "hw4_theory.md")
    (right / "reference").rename(tmp_path / "moved_away")
    missing = _graded(right, chosen)
    assert missing["score"] == 0
    assert missing["output"].startswith("Not graded: hw4_theory.py was not found in your "
                                        "submission (it holds hw4_theory.md).\n\n")
    assert {test["output"] for test in missing["tests"]} == {NOT_GRADED}
    assert "hw4_theory.md" not in NOT_GRADED
