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

    @property
    def points(self) -> float:
        return sum(question.points for question in self.questions)

    @property
    def example_submission(self) -> Path:
        return self.folder / "example_submission"


def _require(table: dict, key: str, where: str):
    if key not in table:
        raise ConfigError(f"{where}: '{key}' is missing")
    return table[key]


def _visibility(value: str, where: str) -> str:
    if value not in VISIBILITIES:
        raise ConfigError(f"{where}: visibility must be one of {', '.join(VISIBILITIES)}")
    return value


def load_assignment(name: str, assignments_dir: Path = ASSIGNMENTS_DIR) -> Assignment:
    folder = assignments_dir / name
    path = folder / "assignment.toml"
    if not path.is_file():
        known = sorted(p.name for p in assignments_dir.iterdir() if (p / "assignment.toml").is_file())
        raise ConfigError(f"no assignment '{name}' (known: {', '.join(known)})")
    data = tomllib.loads(path.read_text())
    limits = data.get("limits", {})
    hidden_visibility = _visibility(data.get("hidden_visibility", "after_published"), str(path))
    questions = []
    for index, question in enumerate(_require(data, "questions", str(path))):
        where = f"{path}: question {index + 1}"
        parts = []
        for part in _require(question, "parts", where):
            check = _require(part, "check", where)
            if not check.startswith(("public.", "hidden.")):
                raise ConfigError(f"{where}: check '{check}' must start with public. or hidden.")
            default = "visible" if check.startswith("public.") else hidden_visibility
            parts.append(Part(
                name=_require(part, "name", where), check=check,
                points=float(_require(part, "points", where)),
                visibility=_visibility(part.get("visibility", default), where)))
        questions.append(Question(str(_require(question, "number", where)),
                                  _require(question, "title", where), tuple(parts)))
    return Assignment(
        name=name, title=_require(data, "title", str(path)),
        submission=_require(data, "submission", str(path)), folder=folder,
        questions=tuple(questions),
        call_time_limit=float(limits.get("call_seconds", 10.0)),
        part_time_limit=float(limits.get("part_seconds", 60.0)),
        worker_limits=Limits(**{f.name: int(limits[f.name]) for f in fields(Limits)
                                if f.name in limits}),
        show_output_of_hidden=bool(data.get("show_output_of_hidden", False)),
        hidden_visibility=hidden_visibility,
        alternatives=tuple(data.get("alternatives", ())),
        load_mode=_load_mode(data.get("load", "definitions" if str(data.get("submission", "")
                                                                   ).endswith(".ipynb")
                                      else "module"), str(path)),
    )


def _load_mode(value: str, where: str) -> str:
    if value not in ("module", "definitions"):
        raise ConfigError(f"{where}: load must be 'module' or 'definitions'")
    return value
