"""iCalendar (RFC 5545) export of a plan's, or a course's forward schedule's, dated injections,
lab checks and clinician reviews: translation only.

Every event is an all-day ``VEVENT`` (``DTSTART;VALUE=DATE`` and the next day as ``DTEND``),
free time (``TRANSP:TRANSPARENT``), with no patient identifier anywhere in the file:

- standard loading: one event per injection (D-LOAD-DAYS, always six);
- neurological loading: ONE recurring event, ``RRULE:FREQ=DAILY;INTERVAL=2``. It is open-ended
  (R-LOAD-NEURO, D-NEURO-OPEN), and a calendar cannot show "until no further improvement", so
  while the clinician review date has not passed the series ends at it (``UNTIL`` the review
  date) and an all-day clinician-review event stands on that date (D-EXPORT-NEURO): what comes
  after is the clinician's decision. A course exported after its review date runs the series from
  its next dose to the horizon (D-COURSE-SCHEDULE);
- maintenance: one event per dated maintenance injection. These are explicit dates, not an
  ``RRULE``: RFC 5545 skips a month that lacks the day (``FREQ=MONTHLY`` from 31 January has no
  February event), while D-MONTH clamps to the month's end. The last one says the therapy is
  lifelong and that a later horizon lists more;
- lab checks (serum B12 and homocysteine): one event per date (D-LABS);
- in pregnancy, the clinician review one month after the start (D-PREGNANCY).

Stable UIDs: each UID is a hash of a series key, the event kind and the event date, so a re-export
of the same plan (or of the same plan with a later horizon) carries the same UIDs and a calendar
updates its events instead of duplicating them. The series key defaults to the plan's patient-free
identity (start date, formulation, loading pattern); a caller that keeps the plans of several
people in one calendar passes its own opaque key (never a patient identifier).

``DTSTAMP`` is required by RFC 5545 and is the only time that is not in the plan: the caller passes
it (the adapter's clock), so the export itself stays deterministic.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Sequence
from typing import Final

import icalendar

from kernel.constants import (
    HOMOCYSTEINE_TARGET_BELOW_UMOL_PER_L,
    NEURO_LOADING_EVERY_DAYS,
    STANDARD_LOADING_DOSES,
)
from kernel.model import (
    Code,
    CourseAssessment,
    CourseSchedule,
    Formulation,
    InjectionSite,
    LoadingPattern,
    PlanSetting,
    RegimenPlan,
)
from kernel.rules import RULE_SET_VERSION

PRODUCT_ID: Final = f"-//b12-dosing//B12 dosing plan {RULE_SET_VERSION}//EN"
UID_DOMAIN: Final = "b12-dosing.example"
CALENDAR_NAME: Final = "Vitamin B12 injections"

KIND_LOADING: Final = "loading-injection"
KIND_NEURO_LOADING: Final = "neurological-loading"
KIND_NEURO_REVIEW: Final = "neurological-loading-review"
KIND_MAINTENANCE: Final = "maintenance-injection"
KIND_LAB: Final = "lab-check"
KIND_PREGNANCY_REVIEW: Final = "pregnancy-review"


_FORMULATION_NAMES: Final = {
    Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML: "Cyanocobalamin",
    Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML: "Hydroxocobalamin",
}
_SITE_NAMES: Final = {
    InjectionSite.DELTOID: "deltoid",
    InjectionSite.VASTUS_LATERALIS: "vastus lateralis",
    InjectionSite.GLUTEAL_UPPER_OUTER_QUADRANT: (
        "upper outer quadrant of the buttock only, needle directed anteriorly"
    ),
    InjectionSite.VENTROGLUTEAL: "ventrogluteal (landmark technique, by a trained person)",
}


class CalendarExportError(ValueError):
    """An argument of the calendar export is outside what it supports."""


def plan_start(plan: RegimenPlan) -> datetime.date:
    """Return the plan's start date: its first loading date, or the first maintenance date of a
    prophylaxis plan (maintenance from the start, D-PROPHYLAXIS)."""
    if plan.loading.injection_dates:
        return plan.loading.injection_dates[0]
    first = plan.maintenance.first_due_date
    assert first is not None, "INV-LOAD-NEURO: a plan without loading dates has a first due date"
    return first


def series_key(plan: RegimenPlan) -> str:
    """Return the plan's patient-free identity: start date, formulation and loading pattern.

    The horizon, the interval and the warnings are not part of it, so a re-export with a later
    horizon or a changed interval keeps the UIDs of the events that stay on the same dates.
    """
    return "|".join(
        (
            plan_start(plan).isoformat(),
            plan.guidance.formulation.name,
            plan.loading.pattern.name,
        )
    )


def event_uid(series: str, kind: str, day: datetime.date) -> str:
    """Return the stable UID of one event: a hash of the series key, the kind and the date."""
    digest = hashlib.sha256(f"{series}|{kind}|{day.isoformat()}".encode()).hexdigest()
    return f"{digest[:40]}@{UID_DOMAIN}"


def _cite(rule_ids: Sequence[str]) -> str:
    return f"Rules: {', '.join(rule_ids)}. Rule set {RULE_SET_VERSION}."


def _event(  # noqa: PLR0913 (one event's parts, all required)
    *,
    series: str,
    kind: str,
    day: datetime.date,
    summary: str,
    description: str,
    category: str,
    stamp: datetime.datetime,
) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", event_uid(series, kind, day))
    event.add("dtstamp", stamp)
    event.add("dtstart", day)
    event.add("dtend", day + datetime.timedelta(days=1))
    event.add("summary", summary)
    event.add("description", description)
    event.add("categories", [category])
    event.add("transp", "TRANSPARENT")
    event.add("sequence", 0)
    return event


def _injection_facts(plan: RegimenPlan) -> str:
    guidance = plan.guidance
    sites = " or ".join(_SITE_NAMES[site] for site in guidance.sites)
    facts = (
        f"{_FORMULATION_NAMES[guidance.formulation]} {guidance.dose_mcg} mcg"
        f" ({guidance.volume_ml:g} mL of {guidance.concentration_mcg_per_ml} mcg/mL),"
        f" intramuscular. Site: {sites}."
    )
    if guidance.needle_gauge_min is not None and guidance.pressure_minutes_min is not None:
        facts += (
            f" Use a {guidance.needle_gauge_min}-{guidance.needle_gauge_max}G needle and apply"
            f" pressure for {guidance.pressure_minutes_min}-{guidance.pressure_minutes_max}"
            " minutes."
        )
    if plan.setting is PlanSetting.SUPERVISED:
        facts += " Given under clinical supervision, not at home."
    return facts


def plan_calendar(
    plan: RegimenPlan, *, stamp: datetime.datetime, series: str | None = None
) -> icalendar.Calendar:
    """Return the plan's injections and lab checks as an ``icalendar.Calendar``.

    ``stamp`` (timezone-aware) becomes every event's ``DTSTAMP``; ``series`` replaces the plan's
    own identity in the UIDs (see the module docstring).
    """
    stamp = _checked_stamp(stamp)
    key = series if series is not None else series_key(plan)
    name = _FORMULATION_NAMES[plan.guidance.formulation]
    facts = _injection_facts(plan)
    supervised = " (supervised)" if plan.setting is PlanSetting.SUPERVISED else ""

    calendar = _new_calendar()
    loading = plan.loading
    if loading.pattern is LoadingPattern.STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS:
        total = len(loading.injection_dates)
        for number, day in enumerate(loading.injection_dates, 1):
            calendar.add_component(
                _event(
                    series=key,
                    kind=KIND_LOADING,
                    day=day,
                    summary=f"B12 injection{supervised}: loading dose {number} of {total}",
                    description=(
                        f"{facts} Loading: three times weekly for 2 weeks, dose {number} of"
                        f" {total}. {_cite(loading.rule_ids)}"
                    ),
                    category="B12 injection",
                    stamp=stamp,
                )
            )
    elif loading.pattern is LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED:
        review = loading.review_date
        assert review is not None, "INV-LOAD-NEURO: open-ended loading has a review date"
        start = loading.injection_dates[0]
        event = _event(
            series=key,
            kind=KIND_NEURO_LOADING,
            day=start,
            summary=f"B12 injection{supervised}: alternate-day loading (open-ended)",
            description=(
                f"{facts} Loading: every second day from {start.isoformat()}, open-ended:"
                " continue until there is no further improvement. This calendar lists the doses up"
                f" to the clinician review on {review.isoformat()}, who decides what follows."
                f" {_cite(loading.rule_ids)}"
            ),
            category="B12 injection",
            stamp=stamp,
        )
        event.add("rrule", {"freq": "daily", "interval": NEURO_LOADING_EVERY_DAYS, "until": review})
        calendar.add_component(event)
        calendar.add_component(_review_event(key, review, loading.rule_ids, stamp))

    maintenance = plan.maintenance
    due, overdue = maintenance.due_interval_months, maintenance.overdue_after_months
    every = f"every {due}-{overdue} months" if overdue > due else f"every {due} month(s)"
    for index, day in enumerate(maintenance.injection_dates):
        last = index == len(maintenance.injection_dates) - 1
        tail = (
            " Maintenance is lifelong: this calendar ends at the plan's horizon; export the plan"
            " again with a later horizon to list further doses."
            if last
            else ""
        )
        calendar.add_component(
            _event(
                series=key,
                kind=KIND_MAINTENANCE,
                day=day,
                summary=f"B12 injection{supervised}: maintenance dose",
                description=(
                    f"{facts} Maintenance {every}, for life; never stopped, even if levels"
                    f" normalise.{tail} {_cite(maintenance.rule_ids)}"
                ),
                category="B12 injection",
                stamp=stamp,
            )
        )

    monitoring = plan.monitoring
    for day in monitoring.lab_check_dates:
        calendar.add_component(_lab_event(key, name, day, monitoring.rule_ids, stamp))
    pregnancy = monitoring.pregnancy_review_date
    if pregnancy is not None:
        item = next(i for i in monitoring.items if i.code is Code.PREGNANCY_REVIEW_DATE)
        calendar.add_component(
            _event(
                series=key,
                kind=KIND_PREGNANCY_REVIEW,
                day=pregnancy,
                summary="B12 therapy: clinician review in pregnancy",
                description=f"{item.text} {_cite(item.rule_ids)}",
                category="B12 review",
                stamp=stamp,
            )
        )
    return calendar


def _new_calendar() -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", CALENDAR_NAME)
    return calendar


def _checked_stamp(stamp: datetime.datetime) -> datetime.datetime:
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        message = "stamp must be timezone-aware (DTSTAMP is a UTC date-time)"
        raise CalendarExportError(message)
    return stamp.astimezone(datetime.UTC)


def _review_event(
    series: str, day: datetime.date, rule_ids: Sequence[str], stamp: datetime.datetime
) -> icalendar.Event:
    return _event(
        series=series,
        kind=KIND_NEURO_REVIEW,
        day=day,
        summary="B12 loading: clinician review",
        description=(
            "Clinician review of alternate-day loading for neurological involvement: a"
            " clinician decides whether loading goes on (every second day until there is no"
            f" further improvement) or maintenance starts. {_cite(rule_ids)}"
        ),
        category="B12 review",
        stamp=stamp,
    )


def _lab_event(
    series: str, name: str, day: datetime.date, rule_ids: Sequence[str], stamp: datetime.datetime
) -> icalendar.Event:
    return _event(
        series=series,
        kind=KIND_LAB,
        day=day,
        summary=f"{name} therapy: blood test (serum B12 and homocysteine)",
        description=(
            "Serum B12 and homocysteine: every 3 months until a clinician reports"
            " stabilisation, then yearly; target homocysteine below"
            f" {HOMOCYSTEINE_TARGET_BELOW_UMOL_PER_L} umol/L. {_cite(rule_ids)}"
        ),
        category="B12 blood test",
        stamp=stamp,
    )


def course_series_key(start: datetime.date, formulation: Formulation) -> str:
    """Return a course's patient-free identity: its start date and formulation (the reference
    date and horizon are not part of it, so a later export updates the same events)."""
    return f"{start.isoformat()}|{formulation.name}|course"


def course_calendar(
    assessment: CourseAssessment,
    *,
    start: datetime.date,
    formulation: Formulation,
    stamp: datetime.datetime,
    series: str | None = None,
) -> icalendar.Calendar:
    """Return a course's forward schedule (D-COURSE-SCHEDULE) as an ``icalendar.Calendar``: the
    remaining loading doses, alternate-day loading up to a review not yet passed (D-EXPORT-NEURO)
    or to the horizon, the maintenance dates, the lab checks and the review."""
    stamp = _checked_stamp(stamp)
    schedule: CourseSchedule = assessment.schedule
    key = series if series is not None else course_series_key(start, formulation)
    name = _FORMULATION_NAMES[formulation]
    facts = (
        f"{name} 1000 mcg (1 mL of 1000 mcg/mL), intramuscular. The schedule of a course in"
        f" progress, as of its assessment."
    )
    citation = _cite(schedule.rule_ids)
    calendar = _new_calendar()
    loading = schedule.loading_dates
    if schedule.loading_open_ended and loading:
        until = loading[-1]
        if schedule.review_date is not None:
            until = max(day for day in loading if day <= schedule.review_date)
        event = _event(
            series=key,
            kind=KIND_NEURO_LOADING,
            day=loading[0],
            summary="B12 injection: alternate-day loading (open-ended)",
            description=(
                f"{facts} Loading: every second day from {loading[0].isoformat()}, open-ended:"
                " continue until there is no further improvement; listed up to"
                f" {until.isoformat()}. {citation}"
            ),
            category="B12 injection",
            stamp=stamp,
        )
        event.add("rrule", {"freq": "daily", "interval": NEURO_LOADING_EVERY_DAYS, "until": until})
        calendar.add_component(event)
        if schedule.review_date is not None:
            calendar.add_component(
                _review_event(key, schedule.review_date, schedule.rule_ids, stamp)
            )
    else:
        total = len(loading)
        first_number = STANDARD_LOADING_DOSES - total + 1
        for number, day in enumerate(loading, first_number):
            calendar.add_component(
                _event(
                    series=key,
                    kind=KIND_LOADING,
                    day=day,
                    summary=f"B12 injection: loading dose {number} of {STANDARD_LOADING_DOSES}",
                    description=(
                        f"{facts} Loading dose {number} of {STANDARD_LOADING_DOSES}. {citation}"
                    ),
                    category="B12 injection",
                    stamp=stamp,
                )
            )
    due, overdue = assessment.due_interval_months, assessment.overdue_after_months
    every = f"every {due}-{overdue} months" if overdue > due else f"every {due} month(s)"
    for index, day in enumerate(schedule.maintenance_dates):
        last = index == len(schedule.maintenance_dates) - 1
        tail = (
            " Maintenance is lifelong: this calendar ends at the horizon; assess the course"
            " again later to list further doses."
            if last
            else ""
        )
        calendar.add_component(
            _event(
                series=key,
                kind=KIND_MAINTENANCE,
                day=day,
                summary="B12 injection: maintenance dose",
                description=(
                    f"{facts} Maintenance {every}, for life; never stopped, even if levels"
                    f" normalise.{tail} {citation}"
                ),
                category="B12 injection",
                stamp=stamp,
            )
        )
    for day in schedule.lab_check_dates:
        calendar.add_component(_lab_event(key, name, day, schedule.rule_ids, stamp))
    return calendar


def course_icalendar(
    assessment: CourseAssessment,
    *,
    start: datetime.date,
    formulation: Formulation,
    stamp: datetime.datetime,
    series: str | None = None,
) -> str:
    """Return a course's forward schedule as RFC 5545 text (CRLF line endings, folded lines)."""
    calendar = course_calendar(
        assessment, start=start, formulation=formulation, stamp=stamp, series=series
    )
    data: bytes = calendar.to_ical()
    return data.decode()


def plan_icalendar(
    plan: RegimenPlan, *, stamp: datetime.datetime, series: str | None = None
) -> str:
    """Return the plan's calendar as RFC 5545 text (CRLF line endings, folded lines)."""
    data: bytes = plan_calendar(plan, stamp=stamp, series=series).to_ical()
    return data.decode()
