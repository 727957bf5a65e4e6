"""Where the project's folders are, in a checkout and where the package is installed
(``pip install .``: then ``PROJECT_ROOT`` is the site-packages holding ``autograder`` and
``reference``). One module, so that code about workers, builds or validation does not own them.
"""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DIR = PROJECT_ROOT / "autograder"
REFERENCE_DIR = PROJECT_ROOT / "reference"
SANDBOX_DIR = PACKAGE_DIR / "sandbox"
