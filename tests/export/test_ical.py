"""iCalendar export (server/export/ical.py): read back by icalendar itself and expanded by
recurring-ical-events (RRULEs included), the dates must be the plan's dates."""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from typing import Final

import icalendar
import pytest
import recurring_ical_events  # type: ignore[import-untyped]

from kernel import plan_regimen
from kernel.model import (
    BariatricProcedure,
    DeficiencyStatus,
    Formulation,
    NeurologicalInvolvement,
    PatientProfile,
    PlanRequest,
    RegimenPlan,
    Route,
)
from server.export import ical

STAMP: Final = datetime.datetime(2025, 1, 1, 9, 30, tzinfo=datetime.UTC)
START: Final = datetime.date(2025, 1, 6)
HORIZON: Final = datetime.date(2025, 12, 31)

Dates = dict[str, list[datetime.date]]


def make_plan(
    *,
    start: datetime.date = START,
    horizon: datetime.date | None = HORIZON,
    **profile: object,
) -> RegimenPlan:
    base: dict[str, object] = {
        "formulation": Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML,
        "age_years": 45,
        "deficiency_status": DeficiencyStatus.CONFIRMED,
        "neurological_involvement": NeurologicalInvolvement.ABSENT,
        "platelets_10e9_per_l": 200.0,
        "egfr_ml_min_1_73m2": 87.5,
    }
    base.update(profile)
    outcome = plan_regimen(
        PlanRequest(
            profile=PatientProfile(**base),  # type: ignore[arg-type]
            start_date=start,
            horizon_date=horizon,
            route=Route.INTRAMUSCULAR,
        )
    )
    assert isinstance(outcome, RegimenPlan), outcome
    return outcome


def kind_of(event: icalendar.Event) -> str:
    """The event kind, read back from the calendar text (its summary)."""
    summary = str(event.summary)
    if "pregnancy" in summary:
        return "pregnancy"
    if "review" in summary:
        return "review"
    if "blood test" in summary:
        return "lab"
    if "maintenance" in summary:
        return "maintenance"
    return "loading"


def as_date(value: object) -> datetime.date:
    assert isinstance(value, datetime.date)
    assert not isinstance(value, datetime.datetime), "all-day events carry dates, not times"
    return value


def expanded(text: str, until: datetime.date) -> Dates:
    """Every occurrence from the start of time to ``until`` (inclusive), by kind, in order."""
    calendar = icalendar.Calendar.from_ical(text)
    found: Dates = defaultdict(list)
    for event in recurring_ical_events.of(calendar).between(
        datetime.date(1900, 1, 1), until + datetime.timedelta(days=1)
    ):
        found[kind_of(event)].append(as_date(event.start))
    return {kind: sorted(days) for kind, days in found.items()}


def read_back(plan: RegimenPlan, text: str) -> Dates:
    """The dates a parser reads back, up to a year after the last date the plan lists (nothing
    repeats beyond them: open-ended loading ends its series at the review, D-EXPORT-NEURO)."""
    return expanded(text, last_listed(plan) + datetime.timedelta(days=366))


def expected_dates(plan: RegimenPlan) -> Dates:
    """The plan's own dates, by kind; open-ended loading up to its review date (D-EXPORT-NEURO)."""
    loading = list(plan.loading.injection_dates)
    review = plan.loading.review_date
    if plan.loading.open_ended and review is not None:
        loading = [day for day in loading if day <= review]
    pregnancy = plan.monitoring.pregnancy_review_date
    expected: Dates = {
        "pregnancy": [pregnancy] if pregnancy else [],
        "loading": loading,
        "maintenance": list(plan.maintenance.injection_dates),
        "lab": list(plan.monitoring.lab_check_dates),
        "review": [plan.loading.review_date] if plan.loading.review_date else [],
    }
    return {kind: days for kind, days in expected.items() if days}


def last_listed(plan: RegimenPlan) -> datetime.date:
    return max(max(days) for days in expected_dates(plan).values())


def events(text: str) -> list[icalendar.Event]:
    found = icalendar.Calendar.from_ical(text).walk("VEVENT")
    assert all(isinstance(event, icalendar.Event) for event in found)
    return [event for event in found if isinstance(event, icalendar.Event)]


def uids(text: str) -> set[str]:
    return {event.uid for event in events(text)}


# ---------------------------------------------------------------------------------------------


@pytest.mark.covers("D-LOAD-DAYS", "D-MONTH", "D-LABS", "INV-LIFELONG")
def test_standard_plan_reads_back_with_the_same_dates() -> None:
    plan = make_plan()
    text = ical.plan_icalendar(plan, stamp=STAMP)
    found = read_back(plan, text)
    assert found == expected_dates(plan)
    # Written by hand: days 0, 2, 4, 7, 9, 11 from Monday 6 January 2025.
    assert found["loading"] == [datetime.date(2025, 1, day) for day in (6, 8, 10, 13, 15, 17)]
    assert found["maintenance"][:2] == [datetime.date(2025, 2, 17), datetime.date(2025, 3, 17)]
    assert found["lab"][:2] == [datetime.date(2025, 4, 6), datetime.date(2025, 7, 6)]
    for event in events(text):
        assert event.rrules == []  # nothing repeats beyond the listed dates
        start = as_date(event.start)
        assert as_date(event.end) == start + datetime.timedelta(days=1)
        assert event.stamp == STAMP
        assert str(event.transparency) == "TRANSPARENT"


@pytest.mark.covers("D-MONTH")
def test_month_end_dates_are_explicit_events_not_a_monthly_rule() -> None:
    # Last loading dose on 31 January: + 1 month is 28 February (clamped), then chained.
    plan = make_plan(start=datetime.date(2025, 1, 20), horizon=datetime.date(2025, 5, 31))
    found = expanded(ical.plan_icalendar(plan, stamp=STAMP), datetime.date(2025, 5, 31))
    assert found["maintenance"] == [
        datetime.date(2025, 2, 28),
        datetime.date(2025, 3, 28),
        datetime.date(2025, 4, 28),
        datetime.date(2025, 5, 28),
    ]


@pytest.mark.covers("R-LOAD-NEURO", "D-NEURO-OPEN", "INV-LOAD-NEURO")
@pytest.mark.covers("D-EXPORT-NEURO", "D-NEURO-OPEN")
def test_neurological_loading_is_one_recurring_event_up_to_the_review() -> None:
    plan = make_plan(
        neurological_involvement=NeurologicalInvolvement.PRESENT,
        horizon=datetime.date(2025, 2, 28),
    )
    text = ical.plan_icalendar(plan, stamp=STAMP)
    (recurring,) = [event for event in events(text) if event.rrules]
    (rule,) = recurring.rrules
    assert rule["FREQ"] == ["DAILY"]
    assert rule["INTERVAL"] == [2]
    assert [as_date(day) for day in rule["UNTIL"]] == [datetime.date(2025, 1, 20)]
    assert "COUNT" not in rule
    assert "open-ended" in str(recurring.summary)
    found = read_back(plan, text)
    assert found == expected_dates(plan)
    assert found["review"] == [datetime.date(2025, 1, 20)]
    # Written by hand: every second day from Monday 6 January through the review on 20 January.
    assert found["loading"] == [datetime.date(2025, 1, day) for day in range(6, 21, 2)]
    assert "maintenance" not in found  # maintenance is dated only after a reported plateau
    # The plan lists doses up to its horizon, the calendar none after the review.
    assert plan.loading.injection_dates[-1] == datetime.date(2025, 2, 27)
    assert expanded(text, datetime.date(2026, 1, 5))["loading"][-1] == datetime.date(2025, 1, 20)


@pytest.mark.covers("D-PREGNANCY", "D-HORIZON")
def test_the_pregnancy_review_is_an_all_day_event_whatever_the_horizon() -> None:
    plan = make_plan(pregnant=True)
    text = ical.plan_icalendar(plan, stamp=STAMP)
    found = read_back(plan, text)
    assert found == expected_dates(plan)
    # Written by hand: one month after Monday 6 January 2025.
    assert found["pregnancy"] == [datetime.date(2025, 2, 6)]
    (event,) = [e for e in events(text) if kind_of(e) == "pregnancy"]
    assert as_date(event.end) == datetime.date(2025, 2, 7)
    assert "active B12" in str(event.description)


@pytest.mark.covers("D-PROPHYLAXIS")
def test_prophylaxis_starts_maintenance_on_the_start_date() -> None:
    plan = make_plan(
        deficiency_status=DeficiencyStatus.NOT_PRESENT,
        bariatric_procedure=BariatricProcedure.SLEEVE,
        horizon=datetime.date(2025, 4, 30),
    )
    found = read_back(plan, ical.plan_icalendar(plan, stamp=STAMP))
    assert found == expected_dates(plan)
    assert "loading" not in found
    assert found["maintenance"] == [datetime.date(2025, month, 6) for month in (1, 2, 3, 4)]


def test_uids_are_stable_across_re_exports_and_horizons() -> None:
    short = make_plan(horizon=datetime.date(2025, 6, 30))
    longer = make_plan(horizon=datetime.date(2026, 6, 30))
    first = ical.plan_icalendar(short, stamp=STAMP)
    again = ical.plan_icalendar(short, stamp=STAMP + datetime.timedelta(days=30))
    assert uids(first) == uids(again)
    assert uids(first) < uids(ical.plan_icalendar(longer, stamp=STAMP))
    assert len(uids(first)) == len(events(first))  # unique within the calendar
    other_series = ical.plan_icalendar(short, stamp=STAMP, series="course-a")
    assert uids(other_series).isdisjoint(uids(first))
    other_start = ical.plan_icalendar(make_plan(start=datetime.date(2025, 1, 7)), stamp=STAMP)
    assert uids(other_start).isdisjoint(uids(first))


@pytest.mark.covers("INV-DETERMINISTIC")
def test_export_is_byte_for_byte_deterministic() -> None:
    assert ical.plan_icalendar(make_plan(), stamp=STAMP) == ical.plan_icalendar(
        make_plan(), stamp=STAMP
    )


def test_rfc5545_shape_and_no_patient_identifiers() -> None:
    text = ical.plan_icalendar(make_plan(), stamp=STAMP)
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.endswith("END:VCALENDAR\r\n")
    lines = text.split("\r\n")[:-1]
    assert all(len(line.encode()) <= 75 for line in lines)
    calendar = icalendar.Calendar.from_ical(text)
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]).startswith("-//b12-dosing//")
    unfolded = re.sub(r"\r\n[ \t]", "", text)
    for forbidden in ("ATTENDEE", "ORGANIZER", "CONTACT", "LOCATION", "GEO", "Patient"):
        assert forbidden not in unfolded
    # Facts of the profile (age 45, eGFR 87.5) never reach the calendar.
    assert "87.5" not in unfolded
    assert "45 y" not in unfolded


def test_stamp_must_be_timezone_aware() -> None:
    with pytest.raises(ical.CalendarExportError, match="timezone-aware"):
        ical.plan_icalendar(make_plan(), stamp=datetime.datetime(2025, 1, 1))  # noqa: DTZ001


def test_supervised_plan_says_so() -> None:
    plan = make_plan(
        neurological_involvement=NeurologicalInvolvement.PRESENT, platelets_10e9_per_l=20.0
    )
    text = ical.plan_icalendar(plan, stamp=STAMP)
    loading = [event for event in events(text) if kind_of(event) == "loading"]
    assert "(supervised)" in str(loading[0].summary)
    assert "25-27G" in str(loading[0].description)


# ---------------------------------------------------------------------------------------------
# Every plan of the decision tables.
# ---------------------------------------------------------------------------------------------

from specs.verification import decision_tables  # noqa: E402 - the tables, after the unit tests


def table_plans() -> list[tuple[str, RegimenPlan]]:
    plans: list[tuple[str, RegimenPlan]] = []
    for row in decision_tables.all_rows():
        if not isinstance(row.request, PlanRequest):
            continue
        outcome = plan_regimen(row.request)
        if isinstance(outcome, RegimenPlan):
            plans.append((row.id, outcome))
    return plans


TABLE_PLANS: Final = table_plans()


@pytest.mark.parametrize(("row_id", "plan"), TABLE_PLANS, ids=[row for row, _ in TABLE_PLANS])
def test_every_table_plan_reads_back_with_the_same_dates(row_id: str, plan: RegimenPlan) -> None:
    text = ical.plan_icalendar(plan, stamp=STAMP)
    assert read_back(plan, text) == expected_dates(plan), row_id
    assert len(uids(text)) == len(events(text))
