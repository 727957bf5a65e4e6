"""Record the behaviour of the grader as it is now: ``python3 -m tests.behaviour [NAME...]``."""
import sys
import tempfile
from pathlib import Path

from autograder.engine.config import assignment_names
from tests.behaviour import record, subjects

for name in sys.argv[1:] or assignment_names():
    for subject in subjects(name):
        with tempfile.TemporaryDirectory() as scratch:
            record(name, subject, Path(scratch))
        print(name, subject, flush=True)
