"""What ``pip install .`` needs beyond pyproject.toml: the files that ``autograder build`` ships
but that live outside the packages, at the project's root (Gradescope's two scripts, the
grader's requirements, the students' templates), copied into the installed package as
``autograder/_project/`` (``staff/build.py`` looks for them there when it is installed)."""
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))  # staff/build.py says what ships: read there, not copied here
from autograder.staff.build import INSTALLED_FILES, OUTSIDE_PACKAGES  # noqa: E402


class BuildWithShippedFiles(build_py):
    """The ordinary build, then the shipped files under ``autograder/_project/``."""

    def run(self):
        super().run()
        target = Path(self.build_lib) / "autograder" / INSTALLED_FILES
        for name in OUTSIDE_PACKAGES:
            source = ROOT / name
            if source.is_dir():
                shutil.copytree(source, target / name, dirs_exist_ok=True,
                                ignore=shutil.ignore_patterns("__pycache__", ".*"))
            else:
                target.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / name)


setup(cmdclass={"build_py": BuildWithShippedFiles})
