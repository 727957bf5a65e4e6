"""What a regrade hands the course staff: the CSV, the report (pass rates, recognised mistakes,
the distribution of totals as text and as an SVG image) and, with --compare, the changes.

Everything here is computed from the per-submission records alone and written in a fixed
order with fixed formatting, so the same gradings always give byte-identical files.
"""
from __future__ import annotations

import csv
import html
import io
import itertools
import statistics
import textwrap
from collections import Counter
from pathlib import Path

from autograder.engine.config import Assignment
from autograder.engine.text import printable
from autograder.staff.export import ExportError, Submission

IDENTITY = ("name", "email", "sid", "submission_id")
# Gradescope's score import and the LMSs' match students by email or SID.
SCORES_HEADER = ("Name", "SID", "Email", "Total Score")
GRADED, MISSING, GRADER_ERROR, TIMED_OUT = "graded", "missing file", "grader error", "timed out"
SCORED = (GRADED, MISSING)  # a missing file scores 0; the grader's failures score nothing
BINS = 10
BAR = 40
# The widest a sans-serif character of the 15 px title may be on average (0.62 em, a title
# in capitals): the title is wrapped at the count that fits, so no renderer cuts it.
TITLE_CHAR_WIDTH = 0.62 * 15
RECORDED = "the scores Gradescope recorded in the export"


def write_all(assignment: Assignment, submissions: list[Submission], records: list[dict],
              out: Path, earlier: dict[str, dict] | None = None, source: str = RECORDED) -> str:
    """The CSVs, the report, the image and the changes since ``earlier`` (``read_csv``), or
    else since the scores Gradescope recorded in the export; returns the changes' headline."""
    rows = [csv_row(assignment, submission, record)
            for submission, record in zip(submissions, records)]
    _write(out / "grades.csv", csv_text(assignment, rows))
    _write(out / "gradescope_scores.csv", scores_csv(submissions, records))
    _write(out / "report.md", report(assignment, records, submissions))
    _write(out / "histogram.svg", histogram_svg(
        assignment, [record["score"] for record in _graded(records)],
        sum(record["status"] == MISSING for record in records)))
    if earlier is None:
        earlier = recorded(submissions)
    text = changes(assignment, earlier, rows, dict(zip((s.id for s in submissions), records)),
                   source)
    _write(out / "changes.md", text)
    return text.splitlines()[2]


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


def scores_csv(submissions: list[Submission], records: list[dict]) -> str:
    """One row per student, as Gradescope's and the LMSs' score imports take it: a group's
    members each get their submission's total; one the grader could not grade, an empty one
    (an import leaves such a score as it was)."""
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(SCORES_HEADER)
    for submission, record in zip(submissions, records):
        total = _points(record["score"]) if record["status"] in SCORED else ""
        writer.writerows([_inert(person.name), _inert(person.sid), _inert(person.email), total]
                         for person in submission.submitters)
    return stream.getvalue()


def recorded(submissions: list[Submission]) -> dict[str, dict[str, str]]:
    """The scores Gradescope recorded in the export, as rows of an earlier CSV."""
    return {s.id: {"submission_id": s.id, "name": s.describe("name"), "total": _points(s.recorded)}
            for s in submissions if s.recorded is not None}


def read_csv(path: Path) -> dict[str, dict[str, str]]:
    """Earlier scores by submission id: a regrade's grades.csv, or Gradescope's "Download
    Grades" CSV (one row per student; its Submission ID is the export's folder number). A
    spreadsheet may have added a BOM or dropped empty cells."""
    with open(path, newline="", encoding="utf-8-sig") as stream:
        reader = csv.DictReader(stream, restval="")
        columns = reader.fieldnames or ()
        if "submission_id" in columns:
            return {row["submission_id"]: row for row in reader}
        if {"Submission ID", "Total Score"} <= set(columns):
            return _gradescope_grades(reader)
    raise ExportError(f"{path} is neither the grades.csv of a regrade (no submission_id "
                      "column) nor Gradescope's Download Grades CSV (no Submission ID and "
                      "Total Score columns)")


def _gradescope_grades(reader) -> dict[str, dict[str, str]]:
    """Gradescope's grades, by submission: a group's members share one submission; a student
    who did not submit has no Submission ID and is left out."""
    rows: dict[str, dict[str, str]] = {}
    for row in reader:
        if not row["Submission ID"].strip():
            continue
        name = row.get("Name") or " ".join(
            filter(None, (row.get("First Name", ""), row.get("Last Name", ""))))
        key = f"submission_{row['Submission ID'].strip()}"
        if key in rows:
            rows[key]["name"] += f"; {name}"
        else:
            rows[key] = {"submission_id": key, "name": name, "total": row["Total Score"]}
    return rows


def _graded(records: list[dict]) -> list[dict]:
    """The submissions graded: a missing file or a grader's failure is counted apart."""
    return [record for record in records if record["status"] == GRADED]


def _rate(count: int, total: int) -> str:
    return f"{count}/{total} ({100 * count / total:.0f}%)" if total else "-"


def report(assignment: Assignment, records: list[dict],
           submissions: list[Submission] | None = None) -> str:
    graded = _graded(records)
    statuses = Counter(record["status"] for record in records)
    lines = [f"# Regrade of {assignment.name}: {assignment.title}", "",
             f"{len(records)} submissions: " + ", ".join(
                 f"{count} {status}" for status, count in sorted(statuses.items())) + "."]
    totals = [record["score"] for record in graded]
    if totals:
        lines.append(f"Totals of the {len(totals)} graded, out of {_points(assignment.points)}: "
                     f"mean {statistics.mean(totals):.2f}, median "
                     f"{_points(statistics.median(totals))}, lowest {_points(min(totals))}, "
                     f"highest {_points(max(totals))}.")
    lines += _files_section(submissions or [], records)
    lines += ["", "## Questions", "",
              "| question | title | points | full marks | mean points |", "|---|---|---|---|---|"]
    for question in assignment.questions:
        got = [question_points(record).get(question.number, 0.0) for record in graded]
        full = sum(points >= question.points - 1e-9 for points in got)
        mean = f"{statistics.mean(got):.2f}" if got else "-"
        lines.append(f"| {question.number} | {question.title} | {_points(question.points)} | "
                     f"{_rate(full, len(got))} | {mean} |")
    lines += ["", "## Parts", "", "| question | part | points | passed |", "|---|---|---|---|"]
    for question in assignment.questions:
        for part in question.parts:
            outcomes = [p["passed"] for record in graded for p in record["parts"]
                        if p["check"] == part.check and p["question"] == question.number]
            lines.append(f"| {question.number} | {part.name} | {_points(part.points)} | "
                         f"{_rate(sum(outcomes), len(outcomes))} |")
    lines += ["", "## Most common recognised mistakes", "",
              "Each submission counts once per mistake and question.", ""]
    for question in assignment.questions:
        counts = Counter(mistake for record in graded for mistake in {
            m for p in record["parts"] if p["question"] == question.number for m in p["mistakes"]})
        if counts:
            lines.append(f"**{question.number} {question.title}**")
            lines += [f"- {count} submission{'s' * (count > 1)}: {mistake}"
                      for mistake, count in sorted(counts.items(), key=lambda i: (-i[1], i[0]))[:5]]
            lines.append("")
    if not any(m for record in graded for p in record["parts"] for m in p["mistakes"]):
        lines += ["None recognised.", ""]
    missing = statuses[MISSING]
    lines += ["## Distribution of totals", "", "```",
              *histogram_text(assignment, totals, missing), "```",
              "", "![Distribution of totals](histogram.svg)", ""]
    return "\n".join(lines)


def _files_section(submissions: list[Submission], records: list[dict]) -> list[str]:
    """Who has no file to grade, and whose file was graded under another name, with why."""
    missing = [(s, r) for s, r in zip(submissions, records) if r["status"] == MISSING]
    renamed = [(s, r) for s, r in zip(submissions, records)
               if r["status"] == GRADED and r.get("file_note")]
    lines = []
    for title, listed in (("Missing files", missing), ("Files graded under another name", renamed)):
        if listed:
            lines += ["", f"## {title}", ""]
            lines += [f"- {_who({'submission_id': s.id, 'name': s.describe('name')})}: "
                      f"{r.get('file_note') or r['status']}"
                      for s, r in listed]
    return lines


def histogram(assignment: Assignment, totals: list[float]) -> list[tuple[float, float, int]]:
    """BINS bins of equal width from 0 to the assignment's points; the last one holds the
    full marks too."""
    top = assignment.points
    edges = [top * index / BINS for index in range(BINS + 1)]
    counts = [0] * BINS
    for total in totals:
        counts[min(int(total / top * BINS), BINS - 1) if top else 0] += 1
    return [(edges[i], edges[i + 1], counts[i]) for i in range(BINS)]


def histogram_text(assignment: Assignment, totals: list[float], missing: int) -> list[str]:
    """The graded totals in BINS bars, and the missing files in a bar of their own."""
    bins = histogram(assignment, totals)
    most = max((count for _, _, count in bins), default=0) or 1
    lines = []
    for index, (low, high, count) in enumerate(bins):
        closing = "]" if index == BINS - 1 else ")"
        label = f"[{low:6.2f}, {high:6.2f}{closing}"
        lines.append(f"{label} {'#' * round(BAR * count / most):<{BAR}} {count}")
    lines.append(f"{'missing file':<16} {'#' * min(BAR, round(BAR * missing / most)):<{BAR}} "
                 f"{missing}")
    return lines


def _tick_step(most: int) -> int:
    """The smallest round step (1, 2, 5, 10, 20, ...) giving at most five ticks to ``most``."""
    for power in itertools.count():
        for mantissa in (1, 2, 5):
            if most <= 5 * mantissa * 10**power:
                return mantissa * 10**power
    raise AssertionError("unreachable")  # itertools.count() never ends


def histogram_svg(assignment: Assignment, totals: list[float], missing: int) -> str:
    """The histogram as a standalone SVG image, written by hand so that it needs no plotting
    library and the same totals always give the same bytes: a scaled y-axis, each bar's count,
    the mean and the median marked, the missing files in a grey bar apart, and the title
    wrapped (never cut) to the image's width."""
    bins = histogram(assignment, totals)
    width, left, right, bottom, bar_gap = 720, 60, 20, 50, 2
    title = textwrap.wrap(f"{assignment.title}: totals of {len(totals)} graded submissions",
                          int((width - 2 * right) / TITLE_CHAR_WIDTH), break_long_words=True)
    top = 30 + 20 * len(title) + 40  # the title's lines, the legend's, room for a count
    height = top + 240 + bottom
    step = _tick_step(max([count for _, _, count in bins] + [missing, 1]))
    y_max = step * -(-max([count for _, _, count in bins] + [missing, 1]) // step)
    plot_h = height - top - bottom
    bar_w = (width - left - right) / (BINS + 1.5)  # the bins, a gap, the missing files' bar
    plot_w = bar_w * BINS
    base = height - bottom

    def y(count: float) -> float:
        return base - plot_h * count / y_max

    def x(points: float) -> float:
        return left + plot_w * points / (assignment.points or 1)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>']
    parts += [f'<text x="{width / 2}" y="{24 + 20 * index}" text-anchor="middle" '
              f'font-size="15">{html.escape(line)}</text>' for index, line in enumerate(title)]
    for tick in range(0, y_max + 1, step):
        parts.append(f'<line x1="{left}" y1="{y(tick):.1f}" x2="{left + plot_w:.1f}" '
                     f'y2="{y(tick):.1f}" stroke="#dddddd"/>')
        parts.append(f'<text x="{left - 6}" y="{y(tick) + 4:.1f}" text-anchor="end">{tick}</text>')
    bars = [(left + index * bar_w, count, "#4477aa") for index, (_, _, count) in enumerate(bins)]
    bars.append((left + (BINS + 0.5) * bar_w, missing, "#999999"))
    for bar_x, count, colour in bars:
        parts.append(f'<rect x="{bar_x:.1f}" y="{y(count):.1f}" width="{bar_w - bar_gap:.1f}" '
                     f'height="{base - y(count):.1f}" fill="{colour}"/>')
        parts.append(f'<text x="{bar_x + bar_w / 2:.1f}" y="{y(count) - 4:.1f}" '
                     f'text-anchor="middle">{count}</text>')
    for index, (low, _, _) in enumerate(bins):
        parts.append(f'<text x="{left + index * bar_w:.1f}" y="{base + 16}" '
                     f'text-anchor="middle">{_points(round(low, 2))}</text>')
    parts.append(f'<text x="{left + plot_w:.1f}" y="{base + 16}" '
                 f'text-anchor="middle">{_points(round(assignment.points, 2))}</text>')
    parts.append(f'<text x="{bars[-1][0] + bar_w / 2:.1f}" y="{base + 16}" '
                 f'text-anchor="middle">missing</text>')
    parts += [f'<line x1="{left}" y1="{base}" x2="{left + plot_w:.1f}" y2="{base}" '
              f'stroke="black"/>',
              f'<line x1="{left}" y1="{base}" x2="{left}" y2="{top}" stroke="black"/>']
    legend = []
    for label, value, colour, dashes in (("mean", statistics.mean(totals) if totals else None,
                                          "#cc3311", "6 3"),
                                         ("median", statistics.median(totals) if totals else None,
                                          "#009988", "2 2")):
        if value is None:
            continue
        parts.append(f'<line x1="{x(value):.1f}" y1="{base}" x2="{x(value):.1f}" y2="{top}" '
                     f'stroke="{colour}" stroke-width="2" stroke-dasharray="{dashes}"/>')
        legend.append(f'<tspan fill="{colour}">{label} {value:.2f}</tspan>')
    parts.append(f'<text x="{width / 2}" y="{top - 22}" text-anchor="middle">'
                 + "   ".join(legend) + "</text>")
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 12}" text-anchor="middle">'
                 f'total points (out of {_points(assignment.points)})</text>')
    parts.append(f'<text x="14" y="{(top + base) / 2:.1f}" text-anchor="middle" '
                 f'transform="rotate(-90 14 {(top + base) / 2:.1f})">submissions</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def changes(assignment: Assignment, before: dict[str, dict], rows: list[dict],
            records: dict[str, dict], source: str) -> str:
    """Every submission whose total differs from ``before`` (earlier rows by submission id: a
    grades.csv, Gradescope's grades or the scores recorded in the export), by how much and
    why; from a grades.csv, also a change of a question's points or of status."""
    numbers = [q.number for q in assignment.questions]
    now = {row["submission_id"]: row for row in rows}
    changed, unknown = [], []
    for submission_id, row in now.items():
        old = before.get(submission_id)
        if old is None:
            unknown.append(f"- {_who(row)}: total now {row['total'] or '-'}")
            continue
        moved = [n for n in numbers if n in old and _differs(old[n], row[n])]
        status = "status" in old and old["status"] != row["status"]
        if not moved and not status and not _differs(old.get("total", ""), row["total"]):
            continue
        changed.append(f"- {_who(row)}: total {old.get('total') or '-'} -> {row['total'] or '-'}"
                       f"{_by(old.get('total', ''), row['total'])}")
        if status:
            changed.append(f"  - status {old['status']} -> {row['status']}")
        if moved:
            changed += [f"  - {number}: {old[number] or '-'} -> {row[number] or '-'}"
                        f"{_why(records[submission_id], number)}" for number in moved]
        elif submission_id in records and records[submission_id]["parts"]:
            changed += _losing(records[submission_id], numbers)
    gone = [f"- {_who(before[submission_id])}: no longer in the export"
            for submission_id in sorted(set(before) - set(now))]
    count = sum(line.startswith("- ") for line in changed)
    lines = [f"# Changes of {assignment.name} against {source}", "",  # the headline: line 3
             f"{count} of {len(now)} submissions would change score." if count
             else "No score changed."]
    if changed:
        lines += ["", *changed]
    for title, listed in (("Not in the earlier scores", unknown),
                          ("No longer in the export", gone)):
        if listed:
            lines += ["", f"## {title}", "", *listed]
    return "\n".join(lines) + "\n"


def _by(before: str, after: str) -> str:
    """How much a total moved (" (+2.5)"), when both are numbers."""
    try:
        return f" ({float(after) - float(before):+g})"
    except ValueError:
        return ""


def _losing(record: dict, numbers: list[str]) -> list[str]:
    """Why, when only the earlier total is known: the questions short of full marks now."""
    short = [number for number in numbers
             if any(not p["passed"] for p in record["parts"] if p["question"] == number)]
    if not short:
        return ["  - every part passes now"]
    return [f"  - {number} now{_why(record, number)}" for number in short]


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
