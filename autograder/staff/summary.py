"""What a regrade hands the course staff: the CSV, the report (pass rates, recognised mistakes,
the distribution of totals as text and as an SVG image) and, with --compare, the changes.

Everything here is computed from the per-submission records alone and written in a fixed
order with fixed formatting, so the same gradings always give byte-identical files.
"""
from __future__ import annotations

import csv
import html
import io
import statistics
from collections import Counter
from pathlib import Path

from autograder.engine.config import Assignment
from autograder.engine.text import printable
from autograder.staff.export import ExportError, Submission

IDENTITY = ("name", "email", "sid", "submission_id")
BINS = 10
BAR = 40


def write_all(assignment: Assignment, submissions: list[Submission], records: list[dict],
              out: Path, earlier: dict[str, dict] | None = None) -> None:
    """The CSV, the report and the image; and the changes since ``earlier`` (``read_csv``)."""
    rows = [csv_row(assignment, submission, record)
            for submission, record in zip(submissions, records)]
    _write(out / "grades.csv", csv_text(assignment, rows))
    _write(out / "report.md", report(assignment, records))
    _write(out / "histogram.svg", histogram_svg(assignment, scored_totals(records)))
    if earlier is not None:
        _write(out / "changes.md", changes(assignment, earlier, rows,
                                           dict(zip((s.id for s in submissions), records))))


def _write(path: Path, text: str) -> None:
    """Write ``text`` ``printable``: names and messages come from students' metadata and code."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(printable(text), encoding="utf-8")


def _points(value) -> str:
    return "" if value is None else f"{round(float(value), 6):g}"


def question_points(record: dict) -> dict[str, float]:
    points: dict[str, float] = {}
    for part in record["parts"]:
        points[part["question"]] = points.get(part["question"], 0.0) + part["score"]
    return points


def csv_row(assignment: Assignment, submission: Submission, record: dict) -> dict[str, str]:
    graded = question_points(record)
    row = {field: _inert(submission.describe(field)) for field in ("name", "email", "sid")}
    row["submission_id"] = submission.id
    for question in assignment.questions:
        row[question.number] = _points(graded.get(question.number))
    row["total"] = _points(record["score"]) if record["parts"] else ""
    row["status"] = record["status"] + (f": {record['message']}" if record["message"] else "")
    return row


def _inert(text: str) -> str:
    """A name as text a spreadsheet will not run: students choose their own names, and a
    cell starting with = + - @ is a formula to Excel (CSV injection). Made ``printable``
    first, so that no control character hides a formula until the file is written."""
    text = printable(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t") else text


def csv_text(assignment: Assignment, rows: list[dict]) -> str:
    columns = [*IDENTITY, *(q.number for q in assignment.questions), "total", "status"]
    stream = io.StringIO()
    writer = csv.DictWriter(stream, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return stream.getvalue()


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    """An earlier grades.csv; a spreadsheet may have added a BOM or dropped empty cells."""
    with open(path, newline="", encoding="utf-8-sig") as stream:
        reader = csv.DictReader(stream, restval="")
        if "submission_id" not in (reader.fieldnames or ()):
            raise ExportError(f"{path} is not the grades.csv of a regrade (no submission_id "
                             "column)")
        return {row["submission_id"]: row for row in reader}


def scored_totals(records: list[dict]) -> list[float]:
    """Totals of the submissions that got a score (a missing file scores 0; a submission the
    grader could not grade has no score and is left out)."""
    return [record["score"] for record in records if record["parts"]]


def _rate(count: int, total: int) -> str:
    return f"{count}/{total} ({100 * count / total:.0f}%)" if total else "-"


def report(assignment: Assignment, records: list[dict]) -> str:
    scored = [record for record in records if record["parts"]]
    statuses = Counter(record["status"] for record in records)
    lines = [f"# Regrade of {assignment.name}: {assignment.title}", "",
             f"{len(records)} submissions: " + ", ".join(
                 f"{count} {status}" for status, count in sorted(statuses.items())) + "."]
    totals = scored_totals(records)
    if totals:
        lines.append(f"Totals out of {_points(assignment.points)}: mean "
                     f"{statistics.mean(totals):.2f}, median {_points(statistics.median(totals))}, "
                     f"lowest {_points(min(totals))}, highest {_points(max(totals))}.")
    lines += ["", "## Questions", "",
              "| question | title | points | full marks | mean points |", "|---|---|---|---|---|"]
    for question in assignment.questions:
        got = [question_points(record).get(question.number, 0.0) for record in scored]
        full = sum(points >= question.points - 1e-9 for points in got)
        mean = f"{statistics.mean(got):.2f}" if got else "-"
        lines.append(f"| {question.number} | {question.title} | {_points(question.points)} | "
                     f"{_rate(full, len(got))} | {mean} |")
    lines += ["", "## Parts", "", "| question | part | points | passed |", "|---|---|---|---|"]
    for question in assignment.questions:
        for part in question.parts:
            outcomes = [p["passed"] for record in scored for p in record["parts"]
                        if p["check"] == part.check and p["question"] == question.number]
            lines.append(f"| {question.number} | {part.name} | {_points(part.points)} | "
                         f"{_rate(sum(outcomes), len(outcomes))} |")
    lines += ["", "## Most common recognised mistakes", "",
              "Each submission counts once per mistake and question.", ""]
    for question in assignment.questions:
        counts = Counter(mistake for record in scored for mistake in {
            m for p in record["parts"] if p["question"] == question.number for m in p["mistakes"]})
        if counts:
            lines.append(f"**{question.number} {question.title}**")
            lines += [f"- {count} submission{'s' * (count > 1)}: {mistake}"
                      for mistake, count in sorted(counts.items(), key=lambda i: (-i[1], i[0]))[:5]]
            lines.append("")
    if not any(m for record in scored for p in record["parts"] for m in p["mistakes"]):
        lines += ["None recognised.", ""]
    lines += ["## Distribution of totals", "", "```", *histogram_text(assignment, totals), "```",
              "", "![Distribution of totals](histogram.svg)", ""]
    return "\n".join(lines)


def histogram(assignment: Assignment, totals: list[float]) -> list[tuple[float, float, int]]:
    """BINS bins of equal width from 0 to the assignment's points; the last one holds the
    full marks too."""
    top = assignment.points
    edges = [top * index / BINS for index in range(BINS + 1)]
    counts = [0] * BINS
    for total in totals:
        counts[min(int(total / top * BINS), BINS - 1) if top else 0] += 1
    return [(edges[i], edges[i + 1], counts[i]) for i in range(BINS)]


def histogram_text(assignment: Assignment, totals: list[float]) -> list[str]:
    bins = histogram(assignment, totals)
    most = max((count for _, _, count in bins), default=0) or 1
    lines = []
    for index, (low, high, count) in enumerate(bins):
        closing = "]" if index == BINS - 1 else ")"
        label = f"[{low:6.2f}, {high:6.2f}{closing}"
        lines.append(f"{label} {'#' * round(BAR * count / most):<{BAR}} {count}")
    return lines


def histogram_svg(assignment: Assignment, totals: list[float]) -> str:
    """The histogram as a standalone SVG image (no plotting library needed)."""
    bins = histogram(assignment, totals)
    width, height, left, bottom, top = 640, 360, 50, 50, 40
    plot_w, plot_h = width - left - 20, height - bottom - top
    most = max((count for _, _, count in bins), default=0) or 1
    bar_w = plot_w / BINS
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="15">'
             f'{html.escape(assignment.title)}: totals of {len(totals)} submissions</text>',
             f'<line x1="{left}" y1="{height - bottom}" x2="{width - 20}" '
             f'y2="{height - bottom}" stroke="black"/>']
    for index, (low, high, count) in enumerate(bins):
        bar_h = plot_h * count / most
        x, y = left + index * bar_w, height - bottom - bar_h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w - 2:.1f}" '
                     f'height="{bar_h:.1f}" fill="#4477aa"/>')
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{y - 4:.1f}" '
                     f'text-anchor="middle">{count}</text>')
        parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}" '
                     f'text-anchor="middle">{_points(round(low, 2))}</text>')
    parts.append(f'<text x="{left + plot_w:.1f}" y="{height - bottom + 16}" '
                 f'text-anchor="middle">{_points(round(assignment.points, 2))}</text>')
    parts.append(f'<text x="{width / 2}" y="{height - 12}" text-anchor="middle">total points '
                 f'(out of {_points(assignment.points)})</text>')
    parts.append(f'<text x="14" y="{height / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 14 {height / 2})">submissions</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def changes(assignment: Assignment, before: dict[str, dict], rows: list[dict],
            records: dict[str, dict]) -> str:
    """Every submission whose total, a question's points or status differs from ``before`` (an
    earlier grades.csv), with the questions that moved and why."""
    numbers = [q.number for q in assignment.questions]
    lines = [f"# Changes since the earlier regrade of {assignment.name}", ""]
    now = {row["submission_id"]: row for row in rows}
    for submission_id, row in now.items():
        old = before.get(submission_id)
        if old is None:
            lines.append(f"- {_who(row)}: not in the earlier CSV (total now {row['total']})")
            continue
        moved = [n for n in numbers if _differs(old.get(n, ""), row[n])]
        if not moved and not _differs(old.get("total", ""), row["total"]) \
                and old.get("status") == row["status"]:
            continue
        lines.append(f"- {_who(row)}: total {old.get('total') or '-'} -> {row['total'] or '-'}")
        if old.get("status") != row["status"]:
            lines.append(f"  - status {old.get('status')} -> {row['status']}")
        for number in moved:
            lines.append(f"  - {number}: {old.get(number) or '-'} -> {row[number] or '-'}"
                         f"{_why(records[submission_id], number)}")
    for submission_id in sorted(set(before) - set(now)):
        lines.append(f"- {_who(before[submission_id])}: no longer in the export")
    if len(lines) == 2:
        lines.append("No score changed.")
    return "\n".join(lines) + "\n"


def _who(row: dict) -> str:
    name = row.get("name") or "unknown submitter"
    return f"{row['submission_id']} ({name})"


def _differs(before: str, after: str) -> bool:
    try:
        return abs(float(before) - float(after)) > 1e-6
    except ValueError:
        return before != after


def _why(record: dict, number: str) -> str:
    parts = [p for p in record["parts"] if p["question"] == number]
    failing = [p for p in parts if not p["passed"]]
    if not failing:
        return "; every part passes now"
    reasons = []
    for part in failing:
        reason = "; ".join(part["mistakes"]) or part["feedback"].split(". ")[0][:200]
        reasons.append(f"'{part['part']}' fails ({reason})")
    return "; " + "; ".join(reasons)
