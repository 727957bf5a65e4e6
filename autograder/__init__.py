"""The autograder: ``engine`` (assignment-agnostic), ``sandbox`` (the only code that runs next to
a student's), ``checks`` (grading tests per homework topic, public and hidden) and
``assignments`` (one folder of configuration per assignment).

``from autograder import check; check()`` in a notebook runs the student check on the cells the
kernel has run (``autograder.engine.notebook_check``); importing it stays light.
"""
from autograder.engine.notebook_check import check

__all__ = ["check"]
