"""Gradescope's "Export Submissions": one folder per submission plus ``submission_metadata.yml``.

The export arrives as a zip or as the folder it unzips to. The metadata maps each submission
folder (``submission_123``) to its submitters; Gradescope writes its keys as Ruby symbols
(``:submitters:``, ``:name:``), which YAML reads as strings with a leading colon.
"""
from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from autograder.engine.config import assignment_names, load_assignment

METADATA = "submission_metadata.yml"
MAX_EXPORT_BYTES = 4 * 1024**3  # what a whole course's export could reasonably unpack to


class ExportError(ValueError):
    pass


@dataclass(frozen=True)
class Submitter:
    name: str
    email: str
    sid: str


@dataclass(frozen=True)
class Submission:
    id: str  # the folder's name, e.g. submission_123456
    folder: Path
    submitters: tuple[Submitter, ...]
    recorded: float | None = None  # the score Gradescope holds for it (``:score:``), if any

    def describe(self, field: str) -> str:
        """One field of every submitter, joined (group submissions have several)."""
        return "; ".join(getattr(person, field) for person in self.submitters)


def read_export(path: Path, unpack_to: Path) -> list[Submission]:
    """The submissions of an export folder or zip (unpacked into ``unpack_to``), in a stable
    order. Folders the metadata does not list are graded too, with no submitter."""
    path = Path(path)
    if path.is_file():
        path = _unpack(path, unpack_to)
    root = _export_root(path)
    metadata = _read_metadata(root / METADATA)
    for id in metadata:
        if not id or id in (".", "..") or "/" in id or "\\" in id:
            raise ExportError(f"{root / METADATA} names a submission folder that is not a "
                              f"plain name: {id!r}")
    ids = set(metadata) | {child.name for child in root.iterdir() if child.is_dir()}
    return [Submission(id, root / id, *metadata.get(id, ((), None)))
            for id in sorted(ids, key=_natural)]


def infer_assignment(submissions: list[Submission]) -> tuple[str, str]:
    """The one known assignment whose file (by its name, as students vary it) the submissions
    hold, and a line saying so. An export that holds the files of none, or of several, is
    refused with the list: grading it as the wrong assignment would score everyone 0."""
    from autograder.engine.grading import resembles, submitted_files  # imports torch: lazily

    held = [[path.name for path in submitted_files(s.folder)]
            for s in submissions if s.folder.is_dir()]
    found = {}
    for assignment in map(load_assignment, assignment_names()):
        files = (assignment.submission, *assignment.alternatives)
        holding = sum(any(resembles(name, files) for name in names) for names in held)
        found[assignment.name] = (" or ".join(files), holding)
    matching = [name for name, (_, holding) in found.items() if holding]
    if len(matching) == 1:
        files, holding = found[matching[0]]
        return matching[0], (f"Assignment: {matching[0]} ({holding} of {len(submissions)} "
                             f"submissions hold {files}; --assignment chooses another)")
    listed = "; ".join(f"{name}: {files} in {holding} submissions"
                       for name, (files, holding) in found.items())
    raise ExportError(f"cannot tell which assignment these submissions are for ({listed}): "
                      "give --assignment NAME")


def _natural(name: str) -> tuple:
    digits = "".join(ch for ch in name if ch.isdigit())
    return (name.rstrip("0123456789"), int(digits) if digits else -1, name)


def _export_root(path: Path) -> Path:
    """The folder holding the metadata: the given one or, as Gradescope zips it, one below."""
    if (path / METADATA).is_file():
        return path
    below = sorted(found.parent for found in path.glob(f"*/{METADATA}"))
    if len(below) != 1:
        raise ExportError(f"{path} is not a Gradescope export: no {METADATA} in it "
                          "(or in exactly one folder below it)")
    return below[0]


def _read_metadata(path: Path) -> dict[str, tuple[tuple[Submitter, ...], float | None]]:
    try:
        import yaml  # the staff's regrade needs it; Gradescope and students do not
    except ImportError:
        raise ExportError("reading an export needs PyYAML: run `bash setup.sh --dev` or "
                          "`pip install pyyaml`") from None

    try:  # every scalar a string: a sid 0012 stays "0012", a name No stays "No"
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader) or {}
    except yaml.YAMLError as error:
        raise ExportError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(data, dict):
        raise ExportError(f"{path} should map submission folders to their metadata")
    return {str(id): (tuple(_submitter(person) for person in _people(entry)),
                      _score(_field(entry, "score")))
            for id, entry in data.items()}


def _score(value) -> float | None:
    """A recorded score; an ungraded submission has none (null, or no such key)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _people(entry) -> list:
    people = _field(entry, "submitters") or []
    return [people] if isinstance(people, dict) else people


def _field(entry, name: str):
    if not isinstance(entry, dict):
        return None
    return entry.get(f":{name}", entry.get(name))


def _submitter(person) -> Submitter:
    return Submitter(*(str(_field(person, key) or "") for key in ("name", "email", "sid")))


def _unpack(archive: Path, destination: Path) -> Path:
    """Unpack ``archive`` once (a resumed regrade reuses it), refusing entries that would land
    outside ``destination`` and archives that unpack to more than MAX_EXPORT_BYTES."""
    marker = destination / ".unpacked"
    stamp = f"{archive.resolve()} {archive.stat().st_size} {archive.stat().st_mtime_ns}"
    if marker.is_file() and marker.read_text() == stamp:
        return destination
    shutil.rmtree(destination, ignore_errors=True)  # another export: nothing of the old stays
    with zipfile.ZipFile(archive) as bundle:
        members = bundle.infolist()
        if sum(member.file_size for member in members) > MAX_EXPORT_BYTES:
            raise ExportError(f"{archive} unpacks to more than {MAX_EXPORT_BYTES >> 30} GB")
        for member in members:
            # Zips made on Windows may separate folders with backslashes.
            name = PurePosixPath(member.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts:
                raise ExportError(f"{archive} holds an unsafe path: {member.filename}")
            target = destination.joinpath(*name.parts)
            if member.is_dir() or member.filename.endswith(("/", "\\")):
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with bundle.open(member) as source, open(target, "wb") as copy:
                shutil.copyfileobj(source, copy)
    marker.write_text(stamp)
    return destination
