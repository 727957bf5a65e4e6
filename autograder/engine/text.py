"""Text that can leave the grader: what Gradescope, a spreadsheet and a terminal store and show.

A student's code prints, and puts in its exception messages, whatever it likes: NUL bytes
(Gradescope's database refuses a ``results.json`` holding one), terminal colours, carriage
returns of progress bars, bells. Every text the grader writes out (``results.json``, the
regrade's files, the detail view) goes through ``printable`` first.
"""
from __future__ import annotations

import re

# Whole sequences go, not only their ESC byte, which would leave "[31m" in the text.
ESCAPE_SEQUENCES = re.compile(r"""
      (?:\x1b\[|\x9b)[0-?]*[\ -/]*[@-~]   # CSI: colours, cursor moves ("\x1b[31m")
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)   # OSC: window titles, links; ended by BEL or ST
    | \x1b[\ -/]*[0-~]                    # any other escape ("\x1bc", "\x1b(B")
""", re.VERBOSE)
# C0 and C1 controls but tab and newline, and DEL.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Half of a UTF-16 pair alone is not text: it cannot be written as UTF-8.
LONE_SURROGATES = re.compile("[\ud800-\udfff]")


def printable(text: str) -> str:
    """``text`` without control characters and terminal escape sequences; tabs and newlines
    stay, a carriage return ends a line ("\\r\\n" and a lone "\\r" become "\\n"), and half a
    surrogate pair becomes U+FFFD."""
    text = ESCAPE_SEQUENCES.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return LONE_SURROGATES.sub("\ufffd", CONTROL_CHARACTERS.sub("", text))


def printable_data(data):
    """JSON-like ``data`` with every string in it ``printable`` (keys are the grader's own)."""
    if isinstance(data, str):
        return printable(data)
    if isinstance(data, dict):
        return {key: printable_data(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [printable_data(item) for item in data]
    return data
