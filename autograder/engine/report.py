"""The readable report printed in a terminal: one line per part, feedback under failures."""
from __future__ import annotations

import textwrap

from autograder.engine.grading import GradingResult

WIDTH = 96


def render(result: GradingResult, *, public_only: bool = False) -> str:
    assignment = result.assignment
    lines = [f"{assignment.title}", f"submission: {result.submission or '(not found)'}",
             *filter(None, [result.file_note]), ""]
    current = None
    for part in result.parts:
        if part.question is not current:
            current = part.question
            lines.append(f"{current.number} {current.title}")
        if not part.ran:
            mark, points = "hidden", f"  -/{part.part.points:g}"
        else:
            mark = "PASS" if part.passed else "FAIL"
            points = f"{part.score:g}/{part.part.points:g}".rjust(7)
        lines.append(f"  {mark:<6} {points}  {part.part.name}")
        if part.ran and not part.passed:
            lines.extend(textwrap.fill(part.feedback, WIDTH, initial_indent=" " * 18,
                                       subsequent_indent=" " * 18).splitlines())
        if part.output:
            shown = textwrap.indent(part.output.rstrip()[:2000], " " * 20)
            lines.extend([" " * 18 + "your code printed:", shown])
    lines.append("")
    ran_points = result.max_score
    if public_only or ran_points < assignment.points:
        lines.append(f"Visible total: {result.score:g} / {ran_points:g} "
                     f"(of {assignment.points:g} points in all; hidden tests run after you submit)")
    else:
        lines.append(f"Total: {result.score:g} / {assignment.points:g}")
    lines.append(f"Graded in {result.execution_time:.1f} s")
    for note in result.notes:
        lines.extend(["", note])
    return "\n".join(lines)
