"""The autograder: ``cli`` (the command line, above everything), ``staff`` (the course staff's
workflows; not in a student's handout), ``engine`` (assignment-agnostic), ``sandbox`` (the
only code that runs next to a student's), ``checks`` (grading tests per homework topic, public
and hidden) and ``assignments`` (one folder of configuration per assignment). Imports run
that way down: cli -> staff -> engine -> sandbox (``tests/test_layering.py``).

``from autograder import check; check()`` in a notebook runs the student check on the cells the
kernel has run (``autograder.engine.notebook_check``); importing it stays light.
"""
from autograder.engine.notebook_check import check

__all__ = ["check"]
