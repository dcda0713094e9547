"""A regimen, or a course's forward schedule, drawn as a timeline (SVG, with drawsvg): one lane
each for loading doses, maintenance doses, lab checks and reviews (the clinician review of
neurological loading, the pregnancy review), dated along one time axis, and the warnings (or a
course's findings) below it.

Every dated mark carries ``data-kind`` and ``data-date`` (ISO) attributes and a ``<title>``
tooltip, so that a reader hovering over it, and a test reading the drawing, sees what and when.
The drawing is a pure function of the response: the same plan always gives the same SVG.
"""

from __future__ import annotations

import datetime
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import drawsvg
from google.type import date_pb2

from b12.dosing.cli.values import short_name
from b12.dosing.v1 import dosing_pb2 as pb

WIDTH_PX: Final = 960
LEFT_PX: Final = 130
RIGHT_PX: Final = 40
TOP_PX: Final = 70
LANE_PX: Final = 40
MARK_PX: Final = 6
LINE_PX: Final = 16
WRAP_CHARS: Final = 120
FONT: Final = "DejaVu Sans, Verdana, Arial, sans-serif"
LANES: Final = ("loading", "maintenance", "labs", "review")
LANE_TITLES: Final = {
    "loading": "Loading",
    "maintenance": "Maintenance",
    "labs": "Labs",
    "review": "Reviews",
}
COLOURS: Final = {
    "loading": "#1f6fb4",
    "maintenance": "#2a9d3a",
    "labs": "#8a4fbf",
    "review": "#e07b00",
}
SEVERITY_COLOURS: Final = {
    pb.SEVERITY_CRITICAL: "#c62828",
    pb.SEVERITY_WARNING: "#e07b00",
    pb.SEVERITY_INFO: "#1a8fa0",
}


@dataclass(frozen=True)
class Mark:
    """One dated event on a lane."""

    kind: str
    day: datetime.date
    label: str


@dataclass(frozen=True)
class Timeline:
    """What a timeline shows: a title, dated marks, notes per lane, and findings."""

    title: str
    marks: tuple[Mark, ...]
    notes: dict[str, str]
    findings: tuple[pb.Finding, ...]
    findings_title: str = "Warnings"


def _day(value: date_pb2.Date) -> datetime.date:
    return datetime.date(value.year, value.month, value.day)


def plan_timeline(plan: pb.RegimenPlan) -> Timeline:
    """Return what the timeline of ``plan`` shows."""
    marks = [
        Mark("loading", _day(day), f"loading dose {number}")
        for number, day in enumerate(plan.loading.injection_dates, start=1)
    ]
    marks += [
        Mark("maintenance", _day(day), f"maintenance dose {number}")
        for number, day in enumerate(plan.maintenance.injection_dates, start=1)
    ]
    marks += [
        Mark("labs", _day(day), "labs: serum B12 and homocysteine")
        for day in plan.monitoring.lab_check_dates
    ]
    if plan.loading.HasField("review_date"):
        marks.append(Mark("review", _day(plan.loading.review_date), "clinician review"))
    if plan.monitoring.HasField("pregnancy_review_date"):
        marks.append(
            Mark("review", _day(plan.monitoring.pregnancy_review_date), "pregnancy review")
        )
    notes = {}
    loading_days = [_day(day) for day in plan.loading.injection_dates]
    if loading_days:
        notes["loading"] = (
            f"{len(loading_days)} doses, {loading_days[0].isoformat()} to"
            f" {loading_days[-1].isoformat()}"
        )
    if plan.loading.open_ended:
        notes["loading"] = ", ".join(
            [*notes.values(), "open-ended: until no further improvement"][-2:]
        )
    maintenance = plan.maintenance
    every = f"every {maintenance.due_interval_months} month(s), lifelong"
    notes["maintenance"] = (
        every if maintenance.injection_dates else f"dated once a plateau is reported; {every}"
    )
    setting = short_name(pb.PlanSetting.DESCRIPTOR, plan.setting).upper()
    return Timeline(
        title=f"B12 regimen: {setting} plan (rule set {plan.rule_set_version})",
        marks=tuple(sorted(marks, key=lambda mark: (mark.day, LANES.index(mark.kind)))),
        notes=notes,
        findings=tuple(plan.warnings),
    )


def course_timeline(response: pb.AssessCourseResponse) -> Timeline:
    """Return what the timeline of a course's forward schedule shows."""
    schedule = response.schedule
    marks = [Mark("loading", _day(day), "loading dose") for day in schedule.loading_dates]
    marks += [Mark("maintenance", _day(d), "maintenance dose") for d in schedule.maintenance_dates]
    marks += [
        Mark("labs", _day(day), "labs: serum B12 and homocysteine")
        for day in schedule.lab_check_dates
    ]
    if schedule.HasField("review_date"):
        marks.append(Mark("review", _day(schedule.review_date), "clinician review"))
    notes = {}
    if schedule.loading_open_ended:
        notes["loading"] = "open-ended: until no further improvement"
    notes["maintenance"] = f"every {response.due_interval_months} month(s), lifelong"
    outcome = short_name(pb.CourseOutcome.DESCRIPTOR, response.outcome).upper()
    phase = short_name(pb.CoursePhase.DESCRIPTOR, response.phase).replace("_", " ")
    return Timeline(
        title=(
            f"B12 course: {outcome}, {phase}, through {_day(schedule.horizon_date).isoformat()}"
            f" (rule set {response.rule_set_version})"
        ),
        marks=tuple(sorted(marks, key=lambda mark: (mark.day, LANES.index(mark.kind)))),
        notes=notes,
        findings=tuple(response.findings),
        findings_title="Findings",
    )


def _months(first: datetime.date, last: datetime.date) -> Iterable[datetime.date]:
    """Yield the first day of every month from ``first``'s month through ``last``."""
    day = first.replace(day=1)
    while day <= last:
        yield day
        day = (day + datetime.timedelta(days=32)).replace(day=1)


def _mark(kind: str, x: float, y: float) -> drawsvg.DrawingBasicElement:
    colour = COLOURS[kind]
    if kind == "labs":
        return drawsvg.Rectangle(x - MARK_PX, y - MARK_PX, 2 * MARK_PX, 2 * MARK_PX, fill=colour)
    if kind == "review":
        size = MARK_PX + 2
        return drawsvg.Lines(
            x, y - size, x + size, y, x, y + size, x - size, y, close=True, fill=colour
        )
    return drawsvg.Circle(x, y, MARK_PX, fill=colour, stroke="white", stroke_width=1)


def _text(text: str, x: float, y: float, size: int = 12, **attributes: str) -> drawsvg.Text:
    return drawsvg.Text(text, size, x, y, font_family=FONT, **attributes)


def _finding_lines(findings: Sequence[pb.Finding]) -> list[tuple[pb.Finding, str, bool]]:
    lines: list[tuple[pb.Finding, str, bool]] = []
    for finding in findings:
        code = pb.Code.Name(finding.code).removeprefix("CODE_")
        head = f"{short_name(pb.Severity.DESCRIPTOR, finding.severity).upper()} {code}"
        lines.append((finding, f"{head} ({', '.join(finding.rule_ids)})", True))
        lines += [(finding, part, False) for part in textwrap.wrap(finding.text, WRAP_CHARS)]
    return lines


def draw(timeline: Timeline) -> str:
    """Return the SVG document of ``timeline``."""
    days = [mark.day for mark in timeline.marks]
    first_day = min(days, default=datetime.date(2000, 1, 1))
    last_day = max(days, default=first_day)
    first = first_day.replace(day=1)  # the axis runs over whole months
    last = (last_day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    span_days = (last - first).days
    plot_px = WIDTH_PX - LEFT_PX - RIGHT_PX
    axis_y = TOP_PX + LANE_PX * len(LANES)
    lines = _finding_lines(timeline.findings)
    height = axis_y + 60 + LINE_PX * (len(lines) + 1) + 10

    def x_of(day: datetime.date) -> float:
        return LEFT_PX + plot_px * (day - first).days / span_days

    drawing = drawsvg.Drawing(WIDTH_PX, height)
    drawing.append(drawsvg.Rectangle(0, 0, WIDTH_PX, height, fill="white"))
    drawing.append(_text(timeline.title, 12, 28, 17, font_weight="bold"))
    period = f"{first_day.isoformat()} to {last_day.isoformat()}"
    drawing.append(_text(period, 12, 48, 12, fill="#555"))
    for index, lane in enumerate(LANES):
        y = TOP_PX + LANE_PX * index + LANE_PX / 2
        drawing.append(drawsvg.Line(LEFT_PX, y, WIDTH_PX - RIGHT_PX, y, stroke="#ddd"))
        drawing.append(_text(LANE_TITLES[lane], 12, y + 4, 13, fill=COLOURS[lane]))
        if lane in timeline.notes:
            drawing.append(_text(timeline.notes[lane], LEFT_PX, y - 10, 10, fill="#555"))
    drawing.append(drawsvg.Line(LEFT_PX, axis_y, WIDTH_PX - RIGHT_PX, axis_y, stroke="#333"))
    for month in _months(first, last):
        x = x_of(month)
        drawing.append(drawsvg.Line(x, TOP_PX, x, axis_y + 5, stroke="#ccc"))
        if month < last:
            drawing.append(_text(month.strftime("%Y-%m"), x + 3, axis_y + 18, 10, fill="#333"))
    for mark in timeline.marks:
        y = TOP_PX + LANE_PX * LANES.index(mark.kind) + LANE_PX / 2
        shape = _mark(mark.kind, x_of(mark.day), y)
        shape.args["data-kind"] = mark.kind
        shape.args["data-date"] = mark.day.isoformat()
        shape.append_title(f"{mark.day.isoformat()}: {mark.label}")
        drawing.append(shape)
    y = axis_y + 50
    heading = timeline.findings_title if lines else f"{timeline.findings_title}: none"
    drawing.append(_text(heading, 12, y, 13, font_weight="bold"))
    for finding, line, is_head in lines:
        y += LINE_PX
        colour = SEVERITY_COLOURS.get(finding.severity, "#333")
        if is_head:
            drawing.append(drawsvg.Rectangle(12, y - 9, 10, 10, fill=colour))
        drawing.append(
            _text(
                line,
                28,
                y,
                11,
                fill=colour if is_head else "#222",
                **({"font_weight": "bold"} if is_head else {}),
            )
        )
    return str(drawing.as_svg())
