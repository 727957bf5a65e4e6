"""Every assignment graded both ways, from the hand-written tables of ``tests/grading_tables``
(one module per assignment, found by scanning the folder): each known mistake loses exactly the
parts its table names, with its own message; each written case (a wrong signature, a wrong
sampler, a training loop, a notebook's layout...) fails exactly the parts it names and says
what it should; a missing file costs every part. Right answers in every style score full marks
in tests/test_fairness_corpus.py; the reference's full marks, as Gradescope grades it, in
tests/test_gradescope_rehearsal.py (the notebook, not rehearsed, is a case of its table); the
template and the constant answers in tests/test_behaviour_unchanged.py."""
from __future__ import annotations

import dataclasses
import functools

import pytest

from autograder.engine.config import assignment_names, load_assignment
from autograder.engine.grading import NOT_GRADED
from reference.mistakes import all_mistakes, mistakes_for
from tests.grading_tables import ALL, EACH_FAILING, Case, tables
from tests.support import grade_folder, only_questions, outcomes, reference_submission

TABLES = tables()
ASSIGNMENTS = pytest.mark.parametrize("name", sorted(TABLES))
MISTAKES = [(name, names, frozenset(failing)) for name, table in sorted(TABLES.items())
            for names, failing in table.MISTAKE_TABLE]
CASES = [(name, description, case) for name, table in sorted(TABLES.items())
         for description, case in table.CASES.items()]

assignment = functools.cache(load_assignment)


def _words(text: str) -> str:
    """``text`` with its line breaks and runs of spaces made single spaces: feedback is
    wrapped for reading, and where it wraps is no part of what it says."""
    return " ".join(text.split())


def grade_case(folder, name: str, case: Case) -> dict[str, tuple[bool, str]]:
    """Grade ``case`` for assignment ``name`` and check what its table says: exactly the parts
    in ``case.failing`` fail, the score drops by their points, and the feedback holds (or not)
    the texts given. Returns check id -> (passed, feedback)."""
    whole = assignment(name)
    written = dataclasses.replace(whole, submission=case.file) if case.file else whole
    chosen = whole if case.questions is None else only_questions(whole, case.questions)
    result = grade_folder(reference_submission(folder, written, case.mistakes, case.code), chosen)
    graded = outcomes(result)
    failing = set(graded) if case.failing == ALL else set(case.failing)
    assert {check for check, (passed, _) in graded.items() if not passed} == failing, graded
    lost = sum(part.part.points for part in result.parts if part.part.check in failing)
    assert result.score == pytest.approx(chosen.points - lost, abs=1e-9)
    for where, texts in case.said.items():
        for check in failing if where == EACH_FAILING else [where]:
            assert all(_words(text) in _words(graded[check][1]) for text in texts), graded[check]
    for check in failing:
        assert not any(_words(text) in _words(graded[check][1]) for text in case.unsaid), \
            graded[check]
    return graded


def test_every_assignment_has_a_table():
    """A new assignment is graded by these tests once its table is written."""
    assert sorted(TABLES) == assignment_names()


@ASSIGNMENTS
def test_every_known_mistake_is_in_the_table(name):
    table = TABLES[name]
    tabled = {mistake for names, _ in table.MISTAKE_TABLE for mistake in names}
    assert tabled == {entry.name for entry in all_mistakes()
                      if entry.function in table.QUESTION_OF}


@ASSIGNMENTS
def test_every_mistake_message_is_specific(name):
    """Each function's mistakes have distinct descriptions, so a message names one mistake."""
    for function in TABLES[name].QUESTION_OF:
        descriptions = [entry.description for entry in mistakes_for(function)]
        assert len(descriptions) == len(set(descriptions)), function


@ASSIGNMENTS
def test_the_homework_is_worth_its_points(name):
    """The reference's full marks are proven as Gradescope grades it, in
    tests/test_gradescope_rehearsal.py (one full grading of it is enough)."""
    assert assignment(name).points == TABLES[name].POINTS


@pytest.mark.parametrize("name,names,failing", MISTAKES,
                         ids=[f"{name}-{'+'.join(names)}" for name, names, _ in MISTAKES])
def test_known_mistake_loses_its_parts_and_is_named(tmp_path, name, names, failing):
    """The mistakes graded on the questions they touch lose the parts of the table, and each
    failing hidden part names one of them (or the mistake the table names instead)."""
    table = TABLES[name]
    entries = {entry.name: entry for entry in all_mistakes()}
    questions = tuple(sorted({table.QUESTION_OF[entries[mistake].function] for mistake in names}))
    graded = grade_case(tmp_path, name, Case(questions, failing, mistakes=names))
    instead = {check: mistake for mistake in names
               for check, mistake in getattr(table, "NAMED_INSTEAD", {}).get(mistake, {}).items()}
    for check in failing:
        if check.startswith("hidden."):
            feedback = _words(graded[check][1])
            named = [instead[check]] if check in instead else names
            assert "known mistake" in feedback and any(
                entries[mistake].description in feedback for mistake in named), feedback


@pytest.mark.parametrize("name,description,case", CASES,
                         ids=[f"{name}-{description}" for name, description, _ in CASES])
def test_a_written_case_is_graded_as_its_table_says(tmp_path, name, description, case):
    grade_case(tmp_path, name, case)


@ASSIGNMENTS
def test_missing_file_costs_every_part_with_a_clear_message(tmp_path, name):
    whole = assignment(name)
    stray = f"{name}.md"
    (tmp_path / stray).write_text("x = 1\n")  # no Python file or notebook: nothing could be it
    result = grade_folder(tmp_path, whole)
    assert result.score == 0
    assert f"{whole.submission} was not found" in result.file_note and stray in result.file_note
    assert all(part.feedback == NOT_GRADED for part in result.parts)  # said once, at the top


def test_the_fixed_values_of_the_final_public_gap_check_are_the_gap():
    """GAP_VALUES (shipped to students, so not computed by the reference at build time) hold
    log p(x) - ELBO_uniform to 6 significant digits: recomputed here from the definitions with
    mpmath at 40 digits, for K equal weights and means R (cos 2 pi k / K, sin 2 pi k / K)."""
    import mpmath

    from autograder.checks.public.variational_inference import GAP_VALUES

    mpmath.mp.dps = 40
    for inputs, expected in GAP_VALUES:
        K, R = inputs["K"], mpmath.mpf(inputs["R"])
        means = [(R * mpmath.cos(2 * mpmath.pi * k / K), R * mpmath.sin(2 * mpmath.pi * k / K))
                 for k in range(1, K + 1)]
        for (a, b), value in zip(inputs["x"], expected):
            joint = [-mpmath.log(K) - mpmath.log(2 * mpmath.pi) - ((a - u) ** 2 + (b - v) ** 2) / 2
                     for u, v in means]
            gap = mpmath.log(mpmath.fsum(mpmath.exp(j) for j in joint)) - (
                mpmath.fsum(joint) / K + mpmath.log(K))
            half_a_unit_in_the_sixth_digit = 5 * 10 ** (mpmath.floor(mpmath.log10(gap)) - 6)
            assert abs(value - gap) <= half_a_unit_in_the_sixth_digit, (inputs, value, gap)
