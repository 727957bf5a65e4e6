"""``validate``: each kind of mistake in an assignment is refused, named, on a temporary copy of
a real assignment; ``build`` runs it first (a valid one passes, stage by stage:
tests/test_build.py, test_builds_are_byte_identical); known mistakes are found by
scanning their package; a hidden check that cannot be loaded is a grader error."""
from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pytest

from autograder.engine.config import ASSIGNMENTS_DIR, ConfigError, load_assignment
from autograder.engine.isolation import GraderEnvironmentError
from autograder.engine.grading import grade_and_write
from autograder.staff import build, validate
from tests.support import ROOT, only_questions, reference_submission


def copy_of(tmp_path: Path, name: str, edit) -> Path:
    """A temporary assignments folder holding ``name`` with ``edit`` applied to the text of its
    assignment.toml; returns that folder."""
    shutil.copytree(ASSIGNMENTS_DIR / name, tmp_path / name,
                    ignore=shutil.ignore_patterns("example_submission"))
    path = tmp_path / name / "assignment.toml"
    text = path.read_text()
    edited = edit(text)
    assert edited != text, "the edit changed nothing"
    path.write_text(edited)
    return tmp_path


def refused(folder: Path, name: str) -> str:
    with pytest.raises(ConfigError) as error:
        validate.validate(name, folder, say=lambda line: None)
    return str(error.value)


def test_a_typo_in_a_hidden_check_path_is_refused(tmp_path):
    folder = copy_of(tmp_path, "hw4", lambda text: text.replace(
        '"hidden.energy_models.gibbs_value"', '"hidden.energy_model.gibbs_value"'))
    message = refused(folder, "hw4")
    assert "hidden.energy_model.gibbs_value does not resolve" in message, message
    assert "question 1.2.i" in message


def test_a_typo_in_a_check_function_is_refused(tmp_path):
    folder = copy_of(tmp_path, "final", lambda text: text.replace(
        '"public.kde.kde_properties"', '"public.kde.kde_propertie"'))
    message = refused(folder, "final")
    assert "public.kde.kde_propertie does not resolve" in message, message


@pytest.mark.parametrize("typo, where", [
    (("show_output_of_hidden =", "show_ouput_of_hidden ="), "assignment.toml"),
    (("part_seconds =", "parts_seconds ="), "assignment.toml: [limits]"),
    (("memory_mb =", "memory_mib ="), "assignment.toml: [limits]"),
    (("enabled = false", "enable = false"), "assignment.toml: [leaderboard]"),
])
def test_a_typo_in_a_configuration_key_is_refused_by_name(tmp_path, typo, where):
    folder = copy_of(tmp_path, "final", lambda text: text.replace(*typo, 1))
    message = refused(folder, "final")
    assert f"{where}: unknown key '{typo[1].split()[0]}'" in message, message


def test_a_typo_in_a_part_key_is_refused_by_name(tmp_path):
    folder = copy_of(tmp_path, "hw4", lambda text: text.replace("points = 0.5 }", "pints = 0.5 }", 1))
    assert "unknown key 'pints'" in refused(folder, "hw4")


def test_points_that_do_not_add_up_are_refused(tmp_path):
    folder = copy_of(tmp_path, "final", lambda text: text.replace("points = 120", "points = 125"))
    assert "add up to 120, not the 125 points" in refused(folder, "final")


def test_a_template_function_with_no_part_is_refused(tmp_path):
    """hw4's 1.3.b (log_loss and its gradient) removed: both functions are graded by nothing."""
    def without_log_loss(text):
        questions = text.split("[[questions]]")
        kept = [question for question in questions if 'title = "Log loss"' not in question]
        assert len(kept) == len(questions) - 1
        return "[[questions]]".join(kept)

    message = refused(copy_of(tmp_path, "hw4", without_log_loss), "hw4")
    assert "'log_loss' of the template has no public part" in message, message
    assert "'log_loss_grad' of the template has no public part" in message, message
    assert "'log_loss' of the template has no hidden part" in message, message


def test_a_function_with_only_public_parts_must_be_declared(tmp_path):
    folder = copy_of(tmp_path, "final", lambda text: text.replace('"sample_gmm", ', ""))
    message = refused(folder, "final")
    assert message.count("\n  - ") == 1, message
    assert "'sample_gmm' of the template has no hidden part (declare it in `public_only`" \
        in message


def test_coverage_declarations_must_be_true():
    assignment = dataclasses.replace(load_assignment("hw4"), given=("nll_loss",),
                                     public_only=("gibbs_distribution", "no_such_function"))
    called = {"public.a": {"nll_loss", "gibbs_distribution"}, "hidden.b": {"gibbs_distribution"},
              "hidden.c": set()}
    problems = validate.coverage_problems(assignment, called)
    for expected in ("'no_such_function' in `public_only` is not a function of the template",
                     "'nll_loss' is declared given but a part grades it",
                     "'gibbs_distribution' is declared public_only but has a hidden part",
                     "the part hidden.c calls no function of the submission"):
        assert expected in problems, problems


PLANTED = """
import importlib.util
import scipy
from reference import gmm
from autograder.checks.hidden import common


def helper():
    import sklearn  # only where it is called
    from autograder.staff import summary
    return gmm, common, summary, sklearn


try:
    from autograder.staff import commands  # optional: a handout has no staff commands
except ImportError:
    commands = None

if importlib.util.find_spec("autograder.staff") is not None:  # asked first: optional too
    from autograder.staff import regrade
"""


def test_the_handout_may_import_only_what_it_ships(tmp_path):
    planted = tmp_path / "planted.py"
    planted.write_text(PLANTED)
    entries = build.handout_entries(load_assignment("hw4"))
    assert validate.handout_import_problems(entries) == []
    problems = validate.handout_import_problems(
        entries + [("hw4/autograder/checks/public/planted.py", planted)])
    # autograder.staff itself is imported under ``except ImportError`` and ``find_spec``
    # too: optional.
    assert sorted(problems) == sorted([
        *(f"autograder/checks/public/planted.py imports {module}, which the handout does not "
          "ship" for module in ("reference", "reference.gmm", "autograder.checks.hidden",
                                "autograder.checks.hidden.common", "autograder.staff.summary")),
        "autograder/checks/public/planted.py imports scipy, which is neither in the students' "
        "requirements nor in Python's standard library"]), problems


def test_template_functions_are_found_in_a_script_and_in_a_notebook():
    def defined(name):
        """Lines that begin with def or class: in a notebook's JSON, they follow a quote."""
        source = (ROOT / "student_template" / name).read_text()
        start = '"' if name.endswith(".ipynb") else "^"
        return sorted(re.findall(start + r"(?:def|class) (\w+)", source, re.MULTILINE))

    for name in ("hw4", "final", "hw4_impl"):
        assignment = load_assignment(name)
        assert validate.template_functions(assignment) == defined(assignment.submission)
    assert "EnergyNet" in validate.template_functions(load_assignment("final"))


def test_build_refuses_an_assignment_that_does_not_validate(tmp_path, monkeypatch):
    def invalid(name, *args, **kwargs):
        raise validate.InvalidAssignment(name, ["planted problem"])

    monkeypatch.setattr(validate, "validate", invalid)
    with pytest.raises(validate.InvalidAssignment, match="planted problem"):
        build.build("hw4", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_known_mistakes_are_found_by_scanning_their_package():
    from reference import mistakes

    files = sorted(path.stem for path in (ROOT / "reference" / "mistakes").glob("*.py")
                   if path.name != "__init__.py")
    assert mistakes.topics() == files
    assert {entry.implementation.__module__.rpartition(".")[2]
            for entry in mistakes.all_mistakes()} == set(files)


def test_a_hidden_check_that_cannot_be_loaded_is_a_grader_error(tmp_path):
    """Never "runs after you submit" in a full grading: nobody is scored."""
    assignment = only_questions(load_assignment("hw4"), ["1.2.i"])
    question = assignment.questions[0]
    broken = dataclasses.replace(question, parts=tuple(
        dataclasses.replace(part, check=part.check.replace("hidden.energy_models",
                                                           "hidden.energy_model"))
        for part in question.parts))
    results = tmp_path / "results.json"
    with pytest.raises(GraderEnvironmentError, match=r"hidden\.energy_model\.gibbs_value .*"
                                                     r"cannot be loaded"):
        grade_and_write(dataclasses.replace(assignment, questions=(broken,)),
                        reference_submission(tmp_path / "submission", assignment), results)
    data = json.loads(results.read_text())
    assert "score" not in data and data["tests"] == []
    assert "misconfigured" in data["output"] and "hidden.energy_model.gibbs_value" in data["output"]
    assert "after you submit" not in data["output"]
