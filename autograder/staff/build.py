"""Building what ships for one assignment: the Gradescope autograder zip and the students'
handout zip.

Gradescope unzips its zip into ``/autograder/source``, runs ``setup.sh`` there once, then
copies ``run_autograder`` to ``/autograder/run_autograder`` and runs it for each submission:
so both scripts sit at the zip's root, beside ``requirements.txt`` and the ``autograder`` and
``reference`` packages. The handout is what students download: their template, a README, and
the engine with the public checks only, so that ``python3 -m autograder check`` runs on their
own machine. What of the package each zip holds follows one rule (``package_contents``): all
of it but the staff's code and the configurations, and for the handout the hidden checks too,
so that a new module of the engine, the sandbox or the checks ships with no list to update;
the project's tests prove that the handout holds no reference, no hidden check and no value
computed by the reference, and ``build`` refuses a handout in which a function computes a
graded answer (``autograder/staff/leaks.py``).

Both zips are reproducible (sorted entries, one fixed date, fixed permissions): building
twice gives the same bytes, so a zip that changed has changed content.
"""
from __future__ import annotations

import os
import stat
import sys
import zipfile
from pathlib import Path

from autograder.engine.config import Assignment, ConfigError, load_assignment
from autograder.engine.paths import PACKAGE_DIR, PROJECT_ROOT

# What ships besides the packages (Gradescope's scripts, the requirements, the templates): at
# the root of a checkout, and inside the package where it is installed (``pip install .``;
# setup.py copies them there), so that an installed ``autograder build`` works anywhere.
INSTALLED_FILES = "_project"
SCRIPTS = ("setup.sh", "run_autograder")  # Gradescope runs these: the only executables
REQUIREMENTS = "requirements.txt"
TEMPLATES = "student_template"
OUTSIDE_PACKAGES = (*SCRIPTS, REQUIREMENTS, TEMPLATES)  # setup.py copies exactly these
SHIPPED_ROOT = (PROJECT_ROOT if (PROJECT_ROOT / "setup.sh").is_file()
                else PACKAGE_DIR / INSTALLED_FILES)
TEMPLATES_DIR = SHIPPED_ROOT / TEMPLATES

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold
# Folders Python, hypothesis and setup.sh (the recorded draws: ``engine.draws``) write.
LEFT_BEHIND = frozenset({"__pycache__", ".hypothesis", ".draws"})

# What of the ``autograder`` package each zip leaves out (relative to it): the staff's code
# (never shipped), every assignment's configuration (each zip adds its own:
# ``_configuration``) and, where installed, the copies setup.py makes. The handout leaves out
# the hidden checks too: it holds only what the student check runs.
NOT_SHIPPED = ("staff", "assignments", INSTALLED_FILES)
NOT_HANDED_OUT = (*NOT_SHIPPED, "checks/hidden")


def package_contents(left_out) -> tuple[str, ...]:
    """The files and folders of the ``autograder`` package (relative to it, the largest that
    hold nothing of ``left_out``), but ``left_out`` and what running leaves behind: so that a
    new module ships without a list to update."""
    def walk(folder: Path):
        for path in sorted(folder.iterdir()):
            relative = path.relative_to(PACKAGE_DIR).as_posix()
            if relative in left_out or path.name in LEFT_BEHIND:
                continue
            if any(excluded.startswith(relative + "/") for excluded in left_out):
                yield from walk(path)
            else:
                yield relative
    return tuple(walk(PACKAGE_DIR))


GRADESCOPE_PACKAGE = package_contents(NOT_SHIPPED)
HANDOUT_PACKAGE = package_contents(NOT_HANDED_OUT)

# An archive entry: its name in the zip, and the file to copy or the bytes to write.
Entry = tuple[str, "Path | bytes"]


def project_files(path: Path) -> list[Path]:
    """The files of ``path`` (a file, or a folder searched recursively), sorted, without what
    running the code leaves behind (``__pycache__``, ``*.pyc``, ``.hypothesis``), which would
    make a zip depend on what happened to run before it was built."""
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise FileNotFoundError(f"{path} is listed for a zip but does not exist")
    return sorted(found for found in path.rglob("*")
                  if found.is_file() and found.suffix != ".pyc"
                  and not LEFT_BEHIND.intersection(found.relative_to(path).parts))


def write_zip(path: Path, entries: list[Entry], executable=()) -> Path:
    """Write ``entries`` into the zip ``path`` reproducibly: sorted by name, dated 1980-01-01,
    mode 0644 except the names in ``executable`` (0755), deflated. Written beside and then
    renamed, so that a failed build never leaves a zip that looks finished."""
    names = [name for name, _ in entries]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise ValueError(f"the zip {path.name} would hold these twice: {', '.join(repeated)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, source in sorted(entries, key=lambda entry: entry[0]):
            info = zipfile.ZipInfo(name, ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix: unzip then applies the permissions below
            info.external_attr = (stat.S_IFREG | (0o755 if name in executable else 0o644)) << 16
            archive.writestr(info, source if isinstance(source, bytes) else source.read_bytes())
    os.replace(partial, path)
    return path


def _files(root: Path, names, prefix: str) -> list[Entry]:
    """An entry for every file of ``names`` (relative to ``root``), named ``prefix`` + its
    path relative to ``root``."""
    return [(prefix + path.relative_to(root).as_posix(), path)
            for name in names for path in project_files(root / name)]


def _configuration(assignment: Assignment, prefix: str) -> list[Entry]:
    """This assignment's configuration alone, and ``DEFAULT`` naming it, so that the command
    line grades it without ``--assignment`` (Gradescope passes no argument)."""
    folder = f"{prefix}autograder/assignments/"
    return [(f"{folder}{assignment.name}/assignment.toml", assignment.folder / "assignment.toml"),
            (f"{folder}DEFAULT", f"{assignment.name}\n".encode())]


def build_gradescope_zip(assignment_name: str, out_dir: Path) -> Path:
    """``out_dir/<name>_gradescope.zip``, the autograder to upload to Gradescope: the two
    scripts, requirements, the engine with public and hidden checks, and the reference (the
    hidden checks compare with it and name known mistakes from ``reference/mistakes``)."""
    assignment = load_assignment(assignment_name)
    entries = _files(SHIPPED_ROOT, (*SCRIPTS, REQUIREMENTS), "")
    entries += _files(PROJECT_ROOT, ("reference",), "")
    entries += _files(PACKAGE_DIR, GRADESCOPE_PACKAGE, "autograder/")
    entries += _configuration(assignment, "")
    return write_zip(Path(out_dir) / f"{assignment.name}_gradescope.zip", entries,
                     executable=SCRIPTS)


def build_handout_zip(assignment_name: str, out_dir: Path) -> Path:
    """``out_dir/<name>_handout.zip``, what students download, all under one folder
    ``<name>/``: the template to fill in, a README, requirements, and the engine with the
    public checks only (never the reference, a hidden check or an example submission)."""
    assignment = load_assignment(assignment_name)
    return write_zip(Path(out_dir) / f"{assignment.name}_handout.zip",
                     handout_entries(assignment))


def handout_entries(assignment: Assignment) -> list[Entry]:
    """What the handout zip holds, under one folder named after the assignment."""
    template = TEMPLATES_DIR / assignment.submission
    if not template.is_file():
        raise ConfigError(f"assignment '{assignment.name}' has no template {template}")
    top = f"{assignment.name}/"
    entries = [(top + assignment.submission, template),
               # The students' own: any torch build, where the grader's image pins one.
               (top + "requirements.txt", TEMPLATES_DIR / "requirements.txt"),
               (top + "README.md", handout_readme(assignment).encode())]
    entries += _files(PACKAGE_DIR, HANDOUT_PACKAGE, top + "autograder/")
    return entries + _configuration(assignment, top)


def build(assignment_name: str, out_dir: Path, validate: bool = True) -> tuple[Path, Path]:
    """Both zips of one assignment: (Gradescope zip, handout zip). Before anything is written,
    the assignment is validated (``validate.InvalidAssignment``, a ``ConfigError``, if it
    fails: see ``autograder/staff/validate.py``; its progress goes to standard error, so that
    standard output is the two paths), and a handout with a function that computes a graded
    answer raises ``leaks.HandoutLeak`` (see ``autograder/staff/leaks.py``); an unknown
    assignment raises ``ConfigError``. ``validate=False`` is for the project's tests of what
    comes after. The detector needs the reference: ``build_handout_zip`` alone does not run
    it."""
    from autograder.staff import validate as validation
    from autograder.staff.leaks import refuse_answers

    assignment = load_assignment(assignment_name)
    calls = None  # the reference's answers to each part: validation records them
    if validate:
        calls = validation.validate(assignment_name,
                                    say=lambda line: print(line, file=sys.stderr)).calls
    refuse_answers(assignment, [(name, source) for name, source in handout_entries(assignment)
                                if isinstance(source, Path)
                                and source.suffix in (".py", ".ipynb")], calls)
    return (build_gradescope_zip(assignment_name, out_dir),
            build_handout_zip(assignment_name, out_dir))


def _points(value: float) -> str:
    return f"{value:g}"


def _notebook_check(assignment: Assignment) -> str:
    """For a notebook assignment, the README's paragraph on checking from inside the notebook
    (``autograder.engine.notebook_check``), where students work; nothing otherwise."""
    if not assignment.submission.endswith(".ipynb"):
        return ""
    return f"""
In Jupyter or Colab, the last cell of `{assignment.submission}` runs the same checks on the
cells your notebook has run so far; run it after them:

    from autograder import check; check()

For `autograder` to be importable there, start Jupyter from this folder (in Colab, upload
this folder and `%cd` into it first).
"""


def handout_readme(assignment: Assignment) -> str:
    """The students' README: what to fill in, how to install and check, and where each
    question's points are graded (here by the public checks, or on Gradescope only)."""
    rows = []
    for question in assignment.questions:
        public = sum(part.points for part in question.parts if part.public)
        rows.append(f"| {question.number} | {question.title} | {_points(question.points)} | "
                    f"{_points(public)} | {_points(question.points - public)} |")
    public = sum(part.points for q in assignment.questions for part in q.parts if part.public)
    rows.append(f"| **total** | | **{_points(assignment.points)}** | **{_points(public)}** | "
                f"**{_points(assignment.points - public)}** |")
    table = "\n".join(rows)
    return f"""# {assignment.title}

Fill in `{assignment.submission}`: replace every `raise NotImplementedError` with your code, and
keep the names and signatures of the functions as they are (the autograder calls them). Submit
`{assignment.submission}` on Gradescope.

## Install

You need Python 3.10 or later with torch (any build: CPU, CUDA or Apple silicon; the one
you already use for the course is fine), NumPy and hypothesis, on macOS, Windows or Linux.
In a virtual environment made for the course, from this folder:

    python3 -m venv .venv            # Windows: py -m venv .venv
    source .venv/bin/activate        # Windows: .venv\\Scripts\\activate
    pip install -r requirements.txt

A conda environment, or `pip install --user -r requirements.txt`, works as well: the check
runs your code with the same Python and packages as the command that starts it.

## Check your work

From this folder:

    python3 -m autograder check

runs the public checks on your `{assignment.submission}` and prints the visible total. The
hidden tests run on Gradescope after you submit: they compare your answers with the
instructor's on many more inputs (large values included), so passing every public check
does not by itself mean full marks. The `autograder/` folder is the grader's own code; you do
not need to read or change it.
{_notebook_check(assignment)}
## Questions and points

| question | title | points | checked here | hidden, after you submit |
|---|---|---|---|---|
{table}
"""
