"""Recorded draws (``engine.draws``): a replay makes exactly the calls hypothesis would make, a
failure found by a replay is reported as hypothesis reports it, and a recording that does not
belong to this code is never replayed.

Most tests use small checks declared here and a student answering in-process, so that they
can log every call; one grades an assignment both ways through the worker.
"""
from __future__ import annotations

import json
import pickle

import hypothesis.strategies as st
import numpy as np
import pytest
import torch
from hypothesis import assume

from autograder.engine import draws as draws_module
from autograder.engine import grading, results
from autograder.engine.check_runner import check, load_check, run_check
from autograder.engine.config import load_assignment
from autograder.engine.draws import Draws
from autograder.engine.failures import Abort, Mismatch
from autograder.staff import build
from tests.support import only_questions, reference_submission


class LoggingStudent:
    """Answers ``double(x) = 2 x`` in-process, wrongly where ``wrong_at(x)``, and logs every
    call with its input, as a check would see the worker's answers."""

    def __init__(self, wrong_at=lambda x: False):
        self.log: list[tuple[str, bytes]] = []
        self._wrong_at = wrong_at

    def call(self, function, **inputs):
        self.log.append((function, pickle.dumps(inputs)))
        x = np.asarray(inputs["x"], dtype=np.float64)
        return 2 * x + (1.0 if self._wrong_at(x) else 0.0)


def _doubles(student, x) -> None:
    got = student.call("double", x=x)
    if not np.array_equal(got, 2 * np.asarray(x)):
        raise Mismatch("double", {"x": x}, got, expected=2 * np.asarray(x))


@check(x=st.floats(-10, 10), data=st.data())
def doubles_with_drawn_offsets(student, x, data):
    """Calls before, between and after draws; rejects some inputs; and draws lists long
    enough that hypothesis ends some examples inside a draw (out of data)."""
    assume(abs(x) > 0.5)
    _doubles(student, x)
    for offset in data.draw(st.lists(st.floats(-1, 1), max_size=300)):
        _doubles(student, x + offset)


@check(values=st.lists(st.floats(-5, 5), min_size=1, max_size=4))
def doubles_lists(student, values):
    _doubles(student, np.asarray(values))


def _record(function) -> Draws:
    recorder = Draws.recorder()
    with recorder.recording("here", function) as keep:
        outcome = run_check(function, LoggingStudent(), show_inputs=True, show_expected=True)
        keep(outcome.passed)
    assert outcome.passed
    return recorder


@pytest.mark.parametrize("function", [doubles_with_drawn_offsets, doubles_lists])
def test_a_replay_makes_the_very_calls_hypothesis_makes(function):
    recorder = _record(function)
    live, replaying = LoggingStudent(), LoggingStudent()
    assert run_check(function, live, show_inputs=True, show_expected=True).passed
    assert recorder.replay("here", function, replaying).passed
    assert len(live.log) > 50
    assert replaying.log == live.log


def test_the_recording_holds_rejected_and_stopped_examples():
    """The corners the replay must reproduce actually occur in the check above."""
    examples = _record(doubles_with_drawn_offsets).examples["here"]
    assert any(example.stopped for example in examples)
    assert any(abs(pickle.loads(example.arguments)["x"]) <= 0.5 for example in examples)


@pytest.mark.parametrize("function", [doubles_with_drawn_offsets, doubles_lists])
def test_a_failure_is_left_to_hypothesis_which_reports_as_without_a_recording(function):
    recorder = _record(function)
    wrong_at = lambda x: bool(np.any(np.asarray(x) > 3))  # noqa: E731
    assert recorder.replay("here", function, LoggingStudent(wrong_at)) is None
    without = run_check(function, LoggingStudent(wrong_at), show_inputs=True, show_expected=True)
    after = run_check(function, LoggingStudent(wrong_at), show_inputs=True, show_expected=True)
    assert not after.passed and "double" in after.feedback
    assert after == without


class HangingStudent(LoggingStudent):
    """Hangs (the part ends: ``Abort``) at the first x beyond 3."""

    def call(self, function, **inputs):
        value = super().call(function, **inputs)
        if np.any(np.asarray(inputs["x"]) > 3):
            raise Abort(f"'double' took longer than 10 s when called with x={inputs['x']}.")
        return value


@pytest.mark.parametrize("function", [doubles_with_drawn_offsets, doubles_lists])
def test_an_ended_part_is_reported_by_the_replay_as_hypothesis_reports_it(function):
    """A hang ends hypothesis's run at once, at the same example: the replay reports it
    itself rather than hang a second time."""
    recorder = _record(function)
    live, replaying = HangingStudent(), HangingStudent()
    expected = run_check(function, live, show_inputs=True, show_expected=True)
    assert not expected.passed and "took longer" in expected.feedback
    assert recorder.replay("here", function, replaying) == expected
    assert replaying.log == live.log


def test_a_check_that_draws_more_than_was_recorded_is_not_replayed():
    recorder = _record(doubles_with_drawn_offsets)
    for example in recorder.examples["here"]:
        if not example.stopped:
            example.drawn["data"].clear()
    assert recorder.replay("here", doubles_with_drawn_offsets, LoggingStudent()) is None


def test_only_a_passing_check_with_picklable_inputs_is_recorded():
    recorder = Draws.recorder()
    with recorder.recording("failing", doubles_lists) as keep:
        keep(run_check(doubles_lists, LoggingStudent(lambda x: True), show_inputs=True,
                       show_expected=True).passed)
    unpicklable = check(f=st.just(lambda: 0))(lambda student, f: None)
    with recorder.recording("unpicklable", unpicklable) as keep:
        keep(run_check(unpicklable, LoggingStudent(), show_inputs=True, show_expected=True).passed)
    assert recorder.examples == {}
    with Draws().recording("not a recorder", doubles_lists) as keep:
        keep(True)
    assert Draws().replay("not recorded", doubles_lists, LoggingStudent()) is None


def test_a_recording_of_other_code_or_versions_is_never_loaded(tmp_path, monkeypatch):
    monkeypatch.setattr(draws_module, "RECORDINGS_DIR", tmp_path / ".draws")
    recorder = _record(doubles_lists)
    recorder.save("probe")
    assert Draws.load("probe").examples.keys() == {"here"}
    monkeypatch.setattr(draws_module, "fingerprint", lambda: "another version")
    assert Draws.load("probe").examples == {}
    (tmp_path / ".draws" / "probe.pickle").write_bytes(b"not a recording")
    assert Draws.load("probe").examples == {}
    (tmp_path / ".draws" / "probe.pickle").write_bytes(b"another version\ndamaged")
    assert Draws.load("probe").examples == {}
    assert Draws.load("never recorded").examples == {}


def _tensors_of_every_kind(seed: int) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    plain = torch.randn(3, 4, generator=generator, dtype=torch.float64)
    return {"float64": plain, "float32": plain.float(), "int64": (plain * 10).long(),
            "bool": plain > 0, "bfloat16": plain.bfloat16(), "transposed": plain.t(),
            "a row": plain[1], "with grad": plain.clone().requires_grad_(),
            "scalar": plain.sum(), "empty": plain[:0]}


SEEN: list[dict[str, torch.Tensor]] = []


@check(tensors=st.integers(0, 2**20).map(_tensors_of_every_kind), data=st.data())
def sees_tensors(student, tensors, data):
    SEEN.append({**tensors, "drawn": data.draw(st.integers(0, 9).map(torch.arange))})


def _describe(tensor: torch.Tensor) -> tuple:
    return (tensor.dtype, tensor.shape, tensor.stride(), tensor.requires_grad,
            tensor.detach().float().tolist())


def test_a_replay_gives_the_check_the_tensors_it_drew(tmp_path, monkeypatch):
    monkeypatch.setattr(draws_module, "RECORDINGS_DIR", tmp_path / ".draws")
    SEEN.clear()
    _record(sees_tensors).save("tensors")
    drawn = [{name: _describe(tensor) for name, tensor in seen.items()} for seen in SEEN]
    SEEN.clear()
    assert Draws.load("tensors").replay("here", sees_tensors, LoggingStudent()).passed
    assert [{name: _describe(tensor) for name, tensor in seen.items()} for seen in SEEN] == drawn
    assert len(drawn) > 10
    SEEN[0]["float64"].resize_(20)  # a tensor of its own, as the drawn one was


def test_the_fingerprint_follows_the_sources(tmp_path, monkeypatch):
    before = draws_module.fingerprint()
    package = tmp_path / "autograder"
    (package / "checks").mkdir(parents=True)
    (tmp_path / "reference").mkdir()
    monkeypatch.setattr(draws_module, "PACKAGE_DIR", package)
    monkeypatch.setattr(draws_module, "REFERENCE_DIR", tmp_path / "reference")
    empty = draws_module.fingerprint()
    (package / "checks" / "strategies.py").write_text("SIZE = 3\n")
    three = draws_module.fingerprint()
    (package / "checks" / "strategies.py").write_text("SIZE = 4\n")
    assert len({before, empty, three, draws_module.fingerprint()}) == 4


def test_no_zip_ships_a_recording():
    folder = build.PACKAGE_DIR / ".draws"
    folder.mkdir(mode=0o700, exist_ok=True)
    probe = folder / "probe-of-test_draws.pickle"
    probe.write_bytes(b"")
    try:
        for contents in (build.package_contents(build.NOT_SHIPPED),
                         build.package_contents(build.NOT_HANDED_OUT)):
            assert not [name for name in contents if ".draws" in name]
        assert not [path for path in build.project_files(build.PACKAGE_DIR)
                    if ".draws" in path.parts]
    finally:
        probe.unlink()


def test_a_grading_replayed_from_a_recording_is_the_grading_without_one(tmp_path, monkeypatch):
    """Through the worker, two questions of the OCR notebook: the reference recorded, then a
    submission with a known mistake in one of them graded live and replayed gives the same
    results.json."""
    monkeypatch.setattr(draws_module, "RECORDINGS_DIR", tmp_path / ".draws")
    assignment = only_questions(load_assignment("hw4_impl"), ["2.pe", "2.viterbi"])
    grading.record_draws(assignment)
    recorded = Draws.load(assignment.name)
    assert len(recorded.examples) == 4
    submission = reference_submission(tmp_path / "wrong", assignment,
                                      mistakes=["find_path_without_column_zero"])
    live = grading.grade(assignment, submission, draws=Draws())
    replayed = grading.grade(assignment, submission, draws=recorded)
    assert 0 < live.score < assignment.points

    def shown(result):
        data = results.gradescope_results(result)
        data.pop("execution_time")
        return json.dumps(data, sort_keys=True)

    assert shown(replayed) == shown(live)


def test_a_loaded_check_names_the_arguments_hypothesis_draws_for_it():
    """The recorder keeps exactly these (not the student hypothesis also passes by keyword)."""
    assert load_check("public.gmm.log_density_properties").drawn_arguments == ("case", "data")
