"""An assignment's configuration: which questions, their parts, points and visibility.

Each assignment is a folder ``autograder/assignments/NAME/`` with ``assignment.toml``; the
instructor edits that file to change the selection of questions or their points, never code.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, fields
from pathlib import Path

from autograder.engine.isolation import Limits

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Gradescope's Python 3.10
    import tomli as tomllib

ASSIGNMENTS_DIR = Path(__file__).resolve().parent.parent / "assignments"
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Part:
    name: str
    check: str  # "public.<topic>.<check>" or "hidden.<topic>.<check>"
    points: float
    visibility: str

    @property
    def public(self) -> bool:
        return self.check.startswith("public.")


@dataclass(frozen=True)
class Question:
    number: str
    title: str
    parts: tuple[Part, ...]

    @property
    def points(self) -> float:
        return sum(part.points for part in self.parts)


@dataclass(frozen=True)
class Leaderboard:
    """A column of Gradescope's leaderboard: ``metric`` ("<module>.<function>" under
    ``autograder.checks``, like a check) measures a submission and returns a number, ranked
    in ``order`` ("desc": higher is better). Only an ``enabled`` one is measured."""
    name: str
    metric: str
    order: str = "desc"
    enabled: bool = False


@dataclass(frozen=True)
class Assignment:
    name: str
    title: str
    submission: str  # the file name students submit
    folder: Path
    questions: tuple[Question, ...]
    alternatives: tuple[str, ...] = ()  # other names accepted for it (hw4_impl.py)
    call_time_limit: float = 10.0
    part_time_limit: float = 60.0
    worker_limits: Limits = Limits()
    show_output_of_hidden: bool = False
    hidden_visibility: str = "after_published"
    load_mode: str = "module"  # "definitions": keep only the definitions (notebooks)
    declared_points: float | None = None  # the total the configuration states, if it does
    # Functions of the template that the homework gives (not graded), and graded functions
    # whose public parts grade them fully (no hidden part needed): see ``staff.validate``.
    given: tuple[str, ...] = ()
    public_only: tuple[str, ...] = ()
    leaderboard: Leaderboard | None = None

    @property
    def points(self) -> float:
        return sum(question.points for question in self.questions)

    @property
    def example_submission(self) -> Path:
        return self.folder / "example_submission"


# Every key a configuration may hold, per table: anything else is a typo, refused by name.
# The top level's scalar keys map to the Assignment field they set (and how it is read);
# a key that is absent leaves the field's default, declared once, in the dataclasses above.
TOP_LEVEL = {"title": ("title", str), "submission": ("submission", str),
             "alternatives": ("alternatives", tuple), "points": ("declared_points", float),
             "hidden_visibility": ("hidden_visibility", str),
             "show_output_of_hidden": ("show_output_of_hidden", bool),
             "load": ("load_mode", str), "given": ("given", tuple),
             "public_only": ("public_only", tuple)}
TABLES = ("limits", "leaderboard", "questions")
TIME_LIMITS = {"call_seconds": "call_time_limit", "part_seconds": "part_time_limit"}
WORKER_LIMITS = tuple(field.name for field in fields(Limits))
QUESTION_KEYS = ("number", "title", "parts")
PART_KEYS = ("name", "check", "points", "visibility")
LEADERBOARD_KEYS = tuple(field.name for field in fields(Leaderboard))
LOAD_MODES = ("module", "definitions")
ORDERS = ("asc", "desc")


def _require(table: dict, key: str, where: str):
    if key not in table:
        raise ConfigError(f"{where}: '{key}' is missing")
    return table[key]


def _known(table: dict, keys, where: str) -> dict:
    """``table``, once every key in it is one of ``keys``; an unknown one (a typo) is named."""
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = [key for key in table if key not in keys]
    if unknown:
        raise ConfigError(f"{where}: unknown key {', '.join(map(repr, unknown))} (known: "
                          f"{', '.join(keys)})")
    return table


def _one_of(value: str, allowed, where: str, key: str) -> str:
    if value not in allowed:
        raise ConfigError(f"{where}: {key} must be one of {', '.join(allowed)}")
    return value


def assignment_names(assignments_dir: Path = ASSIGNMENTS_DIR) -> list[str]:
    """Every assignment there is: the folders of ``assignments_dir`` with an
    ``assignment.toml``, by name."""
    return sorted(path.parent.name for path in assignments_dir.glob("*/assignment.toml"))


def default_assignment(assignments_dir: Path = ASSIGNMENTS_DIR) -> str:
    """The assignment graded when none is named: the one ``DEFAULT`` names (a built zip's
    own)."""
    return (assignments_dir / "DEFAULT").read_text().strip()


def load_assignment(name: str, assignments_dir: Path = ASSIGNMENTS_DIR) -> Assignment:
    """The assignment ``assignments_dir/name/assignment.toml`` describes; ``ConfigError``
    names what is wrong in it (a missing or unknown key, a value out of range)."""
    folder = assignments_dir / name
    path = folder / "assignment.toml"
    if not path.is_file():
        raise ConfigError(f"no assignment '{name}' "
                          f"(known: {', '.join(assignment_names(assignments_dir))})")
    where = str(path)
    data = _known(tomllib.loads(path.read_text()), (*TOP_LEVEL, *TABLES), where)
    settings = {field: read(data[key]) for key, (field, read) in TOP_LEVEL.items()
                if key in data}
    for key in ("title", "submission"):
        _require(data, key, where)
    if "load" not in data and settings["submission"].endswith(".ipynb"):
        settings["load_mode"] = "definitions"  # a notebook is read by its definitions
    _one_of(settings.get("load_mode", Assignment.load_mode), LOAD_MODES, where, "load")
    hidden = _one_of(settings.get("hidden_visibility", Assignment.hidden_visibility),
                     VISIBILITIES, where, "hidden_visibility")
    limits = _known(data.get("limits", {}), (*TIME_LIMITS, *WORKER_LIMITS), f"{where}: [limits]")
    settings.update({field: float(limits[key]) for key, field in TIME_LIMITS.items()
                     if key in limits})
    worker = {key: int(value) for key, value in limits.items() if key in WORKER_LIMITS}
    leaderboard = None
    if "leaderboard" in data:
        table = _known(data["leaderboard"], LEADERBOARD_KEYS, f"{where}: [leaderboard]")
        for key in ("name", "metric"):
            _require(table, key, f"{where}: [leaderboard]")
        leaderboard = Leaderboard(**table)
        _one_of(leaderboard.order, ORDERS, f"{where}: [leaderboard]", "order")
    return Assignment(name=name, folder=folder, worker_limits=Limits(**worker),
                      questions=_questions(data, hidden, where), leaderboard=leaderboard,
                      **settings)


def _questions(data: dict, hidden_visibility: str, path: str) -> tuple[Question, ...]:
    questions = []
    for index, question in enumerate(_require(data, "questions", path)):
        where = f"{path}: question {index + 1}"
        _known(question, QUESTION_KEYS, where)
        parts = []
        for part in _require(question, "parts", where):
            _known(part, PART_KEYS, f"{where}, part {len(parts) + 1}")
            check = _require(part, "check", where)
            if not check.startswith(("public.", "hidden.")):
                raise ConfigError(f"{where}: check '{check}' must start with public. or hidden.")
            default = "visible" if check.startswith("public.") else hidden_visibility
            parts.append(Part(
                name=_require(part, "name", where), check=check,
                points=float(_require(part, "points", where)),
                visibility=_one_of(part.get("visibility", default), VISIBILITIES, where,
                                   "visibility")))
        questions.append(Question(str(_require(question, "number", where)),
                                  _require(question, "title", where), tuple(parts)))
    return tuple(questions)
