"""The postconditions of ``assess_course``, one function per invariant (``ensure_course`` runs
them in order)."""

from __future__ import annotations

import datetime
import itertools

from kernel.calendar import add_days, add_months
from kernel.constants import (
    LONGEST_INTERVAL_MONTHS,
    MIN_AGE_YEARS,
    NEURO_LOADING_EVERY_DAYS,
    PLATELETS_SEVERE_BELOW_10E9_PER_L,
)
from kernel.contracts.common import (
    inv_citations,
    inv_findings,
    inv_folate,
    inv_neuro_warning,
    inv_renal,
    inv_validation,
    inv_wording,
)
from kernel.contracts.predicates import (
    cites_known_ids,
    has_code,
    interval_rules_cite_known_ids,
    platelets_below,
    strictly_increasing,
)
from kernel.findings import REVIEW_CODES
from kernel.model import (
    Code,
    CourseAssessment,
    CourseNeurologicalStatus,
    CourseOutcome,
    CourseOutcomeResult,
    CoursePhase,
    CourseRequest,
    FieldViolation,
    InvalidInput,
)


def ensure_course(
    request: CourseRequest, violations: tuple[FieldViolation, ...], outcome: CourseOutcomeResult
) -> None:
    """Every postcondition of ``assess_course`` for ``request``."""
    inv_validation(violations, outcome)
    if isinstance(outcome, InvalidInput):
        return
    assert isinstance(outcome, CourseAssessment), "INV-TOTAL-COURSE: never REFER"
    profile = request.profile
    findings = outcome.findings
    recurred = request.neurological_status is CourseNeurologicalStatus.RECURRED
    inv_findings(findings)
    inv_citations(findings, outcome.rule_set_version)
    assert interval_rules_cite_known_ids(outcome.interval_rules), (
        "INV-CITATIONS: interval rules cite catalogue IDs"
    )
    assert cites_known_ids(outcome.schedule.rule_ids, outcome.schedule.source_references), (
        "INV-CITATIONS: the schedule cites catalogue IDs"
    )
    inv_renal(profile, profile.formulation, findings)
    inv_folate(profile, findings)
    inv_neuro_warning(profile, findings, recurred=recurred)
    inv_wording(f.text for f in findings)
    inv_interval_max(outcome)
    inv_total_course(request, outcome)
    inv_course_outcome(request, outcome)
    inv_schedule(request, outcome)


def inv_interval_max(outcome: CourseAssessment) -> None:
    """INV-INTERVAL-MAX: the intervals in force are between 1 and 3 months, due first."""
    assert (
        1 <= outcome.due_interval_months <= outcome.overdue_after_months <= LONGEST_INTERVAL_MONTHS
    ), "INV-INTERVAL-MAX: intervals in force are between 1 and 3 months"


def inv_total_course(request: CourseRequest, outcome: CourseAssessment) -> None:
    """INV-TOTAL-COURSE: days overdue never negative and counted in maintenance only; the next
    dose is never on or before the last one (INV-DATES-ORDERED)."""
    assert outcome.days_overdue >= 0, "INV-TOTAL-COURSE: days overdue are never negative"
    assert outcome.phase is CoursePhase.MAINTENANCE or outcome.days_overdue == 0, (
        "INV-TOTAL-COURSE: days overdue are counted in maintenance only"
    )
    assert not request.injection_dates or outcome.next_due_date > max(request.injection_dates), (
        "INV-DATES-ORDERED: the next dose is never on or before the last one"
    )
    assert (outcome.suggested_interval_months is None) == (
        outcome.suggested_next_due_date is None
    ), "INV-TOTAL-COURSE: a suggested interval comes with its date"


def inv_course_outcome(request: CourseRequest, outcome: CourseAssessment) -> None:
    """INV-COURSE-OUTCOME: REVIEW exactly when clinician review is required; never CONTINUE
    beside a critical suspension; a referral condition of the profile, or a recurrence, always
    asks for review."""
    review = outcome.outcome is CourseOutcome.REVIEW
    assert review == outcome.clinician_review_required, (
        "INV-COURSE-OUTCOME: REVIEW exactly when clinician review is required"
    )
    assert review == any(f.code in REVIEW_CODES for f in outcome.findings), (
        "INV-COURSE-OUTCOME: review is required exactly with a finding that requires it"
    )
    assert review or not has_code(outcome.findings, Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW), (
        "INV-COURSE-OUTCOME: never CONTINUE beside a critical suspension"
    )
    profile = request.profile
    refer_condition = (
        (profile.age_years is not None and profile.age_years < MIN_AGE_YEARS)
        or profile.hypersensitivity_cobalt_or_b12
        or profile.leber_disease_or_tobacco_amblyopia
        or platelets_below(profile, PLATELETS_SEVERE_BELOW_10E9_PER_L)
    )
    recurred = request.neurological_status is CourseNeurologicalStatus.RECURRED
    assert review or not (refer_condition or recurred), (
        "INV-COURSE-OUTCOME: a referral condition or a recurrence is reviewed"
    )


def inv_schedule(request: CourseRequest, outcome: CourseAssessment) -> None:
    """INV-SCHEDULE: the forward schedule strictly increases (never two doses on one day), starts
    at the next due date (or the reference date, where that is later), chains maintenance by the
    interval in force (D-MONTH), lists no repeated date after the horizon, and reaches it."""
    assert request.reference_date is not None, "INV-SCHEDULE: a reference date"
    schedule = outcome.schedule
    horizon = request.horizon_date or request.reference_date
    doses = schedule.loading_dates + schedule.maintenance_dates
    assert schedule.horizon_date == horizon, "INV-SCHEDULE: runs to the horizon asked for"
    assert len(doses) > 0, "INV-SCHEDULE: at least the next dose"
    assert strictly_increasing(doses), "INV-SCHEDULE: strictly increasing, one dose a day"
    assert doses[0] == max(outcome.next_due_date, request.reference_date), (
        "INV-SCHEDULE: starts at the next due date"
    )
    months = outcome.due_interval_months
    maintenance = schedule.maintenance_dates
    assert all(
        later == add_months(earlier, months) for earlier, later in itertools.pairwise(maintenance)
    ), "INV-SCHEDULE: each maintenance gap is the interval in force"
    assert all(day <= horizon for day in maintenance[1:]), (
        "INV-SCHEDULE: no repeated maintenance date after the horizon"
    )
    assert not maintenance or add_months(maintenance[-1], months) > horizon, (
        "INV-SCHEDULE: maintenance reaches the horizon (lifelong)"
    )
    if schedule.loading_open_ended:
        assert not maintenance, "INV-SCHEDULE: no maintenance while loading is open-ended"
        limit = max(horizon, schedule.review_date or horizon)
        assert _every_second_day(schedule.loading_dates), "INV-SCHEDULE: alternate days"
        assert add_days(schedule.loading_dates[-1], NEURO_LOADING_EVERY_DAYS) > limit, (
            "INV-SCHEDULE: alternate-day loading reaches the horizon and the review"
        )
    else:
        assert maintenance, "INV-SCHEDULE: maintenance is never omitted"
    labs = schedule.lab_check_dates
    assert labs, "INV-SCHEDULE: the labs-due date is listed"
    assert labs[0] == outcome.labs_due_date, "INV-SCHEDULE: labs from the labs-due date"
    assert strictly_increasing(labs), "INV-SCHEDULE: lab checks strictly increase"
    assert all(day <= horizon for day in labs[1:]), "INV-SCHEDULE: no lab check after the horizon"


def _every_second_day(days: tuple[datetime.date, ...]) -> bool:
    return all(
        (later - earlier).days == NEURO_LOADING_EVERY_DAYS
        for earlier, later in itertools.pairwise(days)
    )
