"""A progress bar for long batch runs: redrawn in place on a terminal, a line per tenth of the
work in a log file (so that CI logs and ``nohup`` output stay short)."""
from __future__ import annotations

import sys
import time

WIDTH = 30


class Progress:
    def __init__(self, total: int, label: str, stream=None):
        self.total = total
        self.label = label
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.done = 0
        self.problems = 0
        self._last_tenth = -1
        self._terminal = hasattr(self.stream, "isatty") and self.stream.isatty()

    def advance(self, problem: bool = False) -> None:
        self.done += 1
        self.problems += problem
        self._draw()

    def _line(self) -> str:
        filled = WIDTH * self.done // max(self.total, 1)
        elapsed = time.monotonic() - self.started
        eta = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        problems = f", {self.problems} not graded" if self.problems else ""
        return (f"{self.label} [{'#' * filled}{'.' * (WIDTH - filled)}] {self.done}/{self.total}"
                f"{problems}, {elapsed:.0f} s elapsed, about {eta:.0f} s left")

    def _draw(self) -> None:
        if self._terminal:
            end = "\n" if self.done == self.total else ""
            self.stream.write("\r" + self._line() + end)
        else:
            tenth = 10 * self.done // max(self.total, 1)
            if tenth == self._last_tenth and self.done != self.total:
                return
            self._last_tenth = tenth
            self.stream.write(self._line() + "\n")
        self.stream.flush()
