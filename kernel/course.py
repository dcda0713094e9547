"""Assessing a course in progress (D-COURSE, D-MISSED, D-LABS, D-RECURRENCE, D-LIFELONG,
D-MAINT-GAP, D-LOAD-INTERRUPTED, D-COURSE-OUTCOME, D-COURSE-SCHEDULE).

``assess_course`` validates, assesses, and (outside ``python -O``) checks its postconditions,
which live beside it in ``kernel.contracts.course``.
"""

from __future__ import annotations

import datetime
from typing import Final, NamedTuple

from kernel.calendar import add_days, add_months, chain_months, every_n_days, months_between
from kernel.constants import (
    HOMOCYSTEINE_TARGET_BELOW_UMOL_PER_L,
    LAB_INTERVAL_MONTHS,
    LAB_INTERVAL_STABLE_MONTHS,
    LOADING_INTERRUPTED_AFTER_DAYS,
    MONTHLY_MONTHS,
    NEURO_LOADING_EVERY_DAYS,
    NEURO_MISSED_DOSES_FLAGGED,
    NEURO_REVIEW_AFTER_DAYS,
    RECURRENCE_SUGGESTED_INTERVAL_MONTHS,
    STABLE_PAIR_APART_MONTHS,
    STANDARD_LOADING_DOSES,
    STANDARD_LOADING_OFFSETS_DAYS,
)
from kernel.contracts.course import ensure_course
from kernel.contracts.predicates import neuro_in_profile
from kernel.findings import (
    RECURRENCE_NO_SUGGESTION_TEXT,
    RECURRENCE_SUGGESTION_TEXT,
    REVIEW_CODES,
    SUPERVISION_TEXT,
    make_finding,
    merge_findings,
)
from kernel.model import (
    Code,
    CourseAssessment,
    CourseNeurologicalStatus,
    CourseOutcome,
    CourseOutcomeResult,
    CoursePhase,
    CourseRequest,
    CourseSchedule,
    Finding,
    InvalidInput,
    LabResult,
)
from kernel.profile import (
    REFER_RULES,
    ProfileReading,
    Treatment,
    is_prophylaxis_profile,
    read_profile,
)
from kernel.rules import RULE_SET_VERSION, collect_source_references, order_rule_ids
from kernel.validation import validate_course_request


def assess_course(request: CourseRequest) -> CourseOutcomeResult:
    """Assess a course in progress: a validation error or an assessment (never REFER)."""
    assert isinstance(request, CourseRequest), "INV-TOTAL-COURSE: a course"  # pragma: no mutate
    violations = validate_course_request(
        request, prophylaxis=is_prophylaxis_profile(request.profile)
    )
    outcome: CourseOutcomeResult = (
        InvalidInput(violations) if violations else _assess_valid_request(request)
    )
    if __debug__:
        ensure_course(request, violations, outcome)
    return outcome


class _Due(NamedTuple):
    """D-MISSED: the next due date, days overdue, the dated findings, and the remaining standard
    loading doses (empty outside standard loading)."""

    next_due_date: datetime.date
    days_overdue: int
    findings: tuple[Finding, ...]
    remaining_loading: tuple[datetime.date, ...]


def _assess_valid_request(request: CourseRequest) -> CourseAssessment:
    start, reference = request.start_date, request.reference_date
    assert start is not None  # pragma: no mutate
    assert reference is not None  # pragma: no mutate
    status = request.neurological_status or CourseNeurologicalStatus.NONE
    recurred = status is CourseNeurologicalStatus.RECURRED
    reading = read_profile(request.profile, recurred=recurred)
    injections = sorted(request.injection_dates)
    phase = _derive_phase(request, reading, status, len(injections))

    findings: list[Finding] = [*reading.safety_warnings, *reading.interval_warnings]
    if reading.refer_reasons or reading.supervised:
        findings.append(_suspension_finding(reading))
    if len(set(injections)) < len(injections):
        findings.append(make_finding(Code.TWO_INJECTIONS_ONE_DAY, ("D-COURSE", "D-MISSED")))
    if request.stop_requested:
        findings.append(
            make_finding(Code.LIFELONG_CLINICIAN_DECISION, ("R-LIFELONG", "D-LIFELONG"))
        )
    suggested = _suggested_interval(reading, recurred=recurred)
    if recurred:
        findings.append(
            make_finding(
                Code.NEURO_RECURRENCE_REVIEW,
                ("R-MON-SYMPTOMS", "D-RECURRENCE"),
                reason=RECURRENCE_SUGGESTION_TEXT if suggested else RECURRENCE_NO_SUGGESTION_TEXT,
            )
        )
        findings.append(
            make_finding(
                Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE, ("D-NEURO-URGENT", "D-RECURRENCE")
            )
        )
    findings.extend(_lab_findings(request.lab_results, status, start))
    due = _next_due(phase, reading, injections, start, reference)
    findings.extend(due.findings)
    labs_due = _labs_due(request, start, reference)
    merged = merge_findings(findings)
    review = any(finding.code in REVIEW_CODES for finding in merged)
    last = injections[-1] if injections else None
    return CourseAssessment(
        outcome=CourseOutcome.REVIEW if review else CourseOutcome.CONTINUE,
        phase=phase,
        due_interval_months=reading.due_interval_months,
        overdue_after_months=reading.overdue_after_months,
        interval_rules=reading.interval_rules,
        next_due_date=due.next_due_date,
        days_overdue=due.days_overdue,
        labs_due_date=labs_due,
        stabilised=request.stabilisation_date is not None,
        clinician_review_required=review,
        suggested_interval_months=suggested,
        findings=merged,
        rule_set_version=RULE_SET_VERSION,
        schedule=_forward_schedule(
            request, phase, reading, due, labs_due, horizon=request.horizon_date or reference
        ),
        suggested_next_due_date=(
            None
            if suggested is None
            else start
            if last is None
            else add_months(last, RECURRENCE_SUGGESTED_INTERVAL_MONTHS)
        ),
    )


def _derive_phase(
    request: CourseRequest,
    reading: ProfileReading,
    status: CourseNeurologicalStatus,
    injection_count: int,
) -> CoursePhase:
    """D-COURSE: the phase is derived, never an input."""
    if reading.treatment is Treatment.PROPHYLAXIS:
        return CoursePhase.MAINTENANCE
    if neuro_in_profile(request.profile):
        if status in {CourseNeurologicalStatus.NONE, CourseNeurologicalStatus.IMPROVING}:
            return CoursePhase.NEUROLOGICAL_LOADING
        return CoursePhase.MAINTENANCE
    if injection_count < STANDARD_LOADING_DOSES:
        return CoursePhase.STANDARD_LOADING
    return CoursePhase.MAINTENANCE


def _suspension_finding(reading: ProfileReading) -> Finding:
    """D-COURSE, D-WORDING: a REFER or supervision condition suspends home administration; each
    cause has its own sentence."""
    rule_ids: list[str] = ["D-COURSE", "D-OUTCOME"]
    sentences = [detail.text for detail in reading.reason_details]
    for reason in reading.refer_reasons:
        rule_ids.extend(REFER_RULES[reason])
    if reading.supervised:
        sentences.append(SUPERVISION_TEXT)
        rule_ids.extend(("R-PLT-SEVERE", "D-PLT"))
    return make_finding(
        Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW, tuple(rule_ids), reason=" ".join(sentences)
    )


def _suggested_interval(reading: ProfileReading, *, recurred: bool) -> int | None:
    """D-RECURRENCE: 1 month, only where it is shorter than the interval in force
    (hydroxocobalamin; cyanocobalamin is increased at the clinician's choice)."""
    if recurred and not reading.cyanocobalamin and reading.due_interval_months > MONTHLY_MONTHS:
        return RECURRENCE_SUGGESTED_INTERVAL_MONTHS
    return None


_INTERRUPTED_CITATIONS: Final = ("D-LOAD-INTERRUPTED", "D-MISSED")
_NEURO_MISSED_CITATIONS: Final = ("R-LOAD-NEURO", "D-NEURO-OPEN", "D-MISSED")


def _next_due(
    phase: CoursePhase,
    reading: ProfileReading,
    injections: list[datetime.date],
    start: datetime.date,
    reference: datetime.date,
) -> _Due:
    """D-MISSED with D-MAINT-GAP and D-LOAD-INTERRUPTED: the next due date, days overdue and the
    dated findings of the phase."""
    last = injections[-1] if injections else None
    if phase is CoursePhase.MAINTENANCE:
        return _maintenance_due(reading, last, start, reference)
    findings: list[Finding] = []
    if reference > add_days(last or start, LOADING_INTERRUPTED_AFTER_DAYS):
        findings.append(make_finding(Code.LOADING_INTERRUPTED, _INTERRUPTED_CITATIONS))
    if phase is CoursePhase.STANDARD_LOADING:
        remaining = _remaining_standard_loading(len(injections), last, start, reference)
        return _Due(remaining[0], 0, tuple(findings), remaining)
    # Neurological loading: alternate days, open-ended.
    if last is None:
        due = max(start, reference)
        elapsed = (reference - start).days
        missed = (elapsed + 1) // NEURO_LOADING_EVERY_DAYS if elapsed > 0 else 0
    else:
        due = max(add_days(last, NEURO_LOADING_EVERY_DAYS), reference)
        elapsed = (reference - last).days
        missed = max(0, (elapsed - 1) // NEURO_LOADING_EVERY_DAYS)
    if missed >= NEURO_MISSED_DOSES_FLAGGED:
        findings.append(make_finding(Code.NEURO_LOADING_DOSES_MISSED, _NEURO_MISSED_CITATIONS))
    if reference > add_days(start, NEURO_REVIEW_AFTER_DAYS):
        findings.append(make_finding(Code.NEURO_REVIEW_OVERDUE, _NEURO_MISSED_CITATIONS))
    return _Due(due, 0, tuple(findings), ())


def _maintenance_due(
    reading: ProfileReading,
    last: datetime.date | None,
    start: datetime.date,
    reference: datetime.date,
) -> _Due:
    """D-MISSED in maintenance, and D-MAINT-GAP: a reference date later than the overdue-after
    date plus one due interval is a long gap (critical with neurological involvement)."""
    due_months = reading.due_interval_months
    if last is None:
        due, overdue_after = start, start
    else:
        due = add_months(last, due_months)
        overdue_after = add_months(last, reading.overdue_after_months)
    findings: tuple[Finding, ...] = ()
    if reference > add_months(overdue_after, due_months):
        code = Code.MAINTENANCE_LONG_GAP_NEURO if reading.neuro else Code.MAINTENANCE_LONG_GAP
        findings = (make_finding(code, ("D-MAINT-GAP", "D-MISSED")),)
    return _Due(due, max(0, (reference - overdue_after).days), findings, ())


def _remaining_standard_loading(
    recorded: int, last: datetime.date | None, start: datetime.date, reference: datetime.date
) -> tuple[datetime.date, ...]:
    """D-MISSED in standard loading: dose n+1 on the latest of its own date, the last injection
    + 2 days and the reference date; each later dose on the later of its own date and the
    previous dose's due date + 2 days; six in all."""
    first = max(add_days(start, STANDARD_LOADING_OFFSETS_DAYS[recorded]), reference)
    if last is not None:
        first = max(first, add_days(last, NEURO_LOADING_EVERY_DAYS))
    dates = [first]
    for offset in STANDARD_LOADING_OFFSETS_DAYS[recorded + 1 :]:
        dates.append(max(add_days(start, offset), add_days(dates[-1], NEURO_LOADING_EVERY_DAYS)))
    return tuple(dates)


def _last_step_on_or_before(origin: datetime.date, step_months: int, limit: datetime.date) -> int:
    """Return the largest k >= 0 with origin + k * step months <= limit (0 when none is)."""
    if limit < origin:
        return 0
    k = months_between(origin, limit) // step_months
    while k > 0 and add_months(origin, step_months * k) > limit:
        k -= 1
    return k


def _lab_schedule(request: CourseRequest, start: datetime.date) -> tuple[datetime.date, int]:
    """D-LABS: the origin and step of the schedule labs due reads: start + 3, 6, 9 ... months,
    or, once a stabilisation date is given, only that date + 12, 24 ... months."""
    if request.stabilisation_date is None:
        return start, LAB_INTERVAL_MONTHS
    return request.stabilisation_date, LAB_INTERVAL_STABLE_MONTHS


def _labs_due(
    request: CourseRequest, start: datetime.date, reference: datetime.date
) -> datetime.date:
    """D-LABS: the latest scheduled date on or before the reference date when no result is dated
    on or after it; otherwise the first scheduled date after the reference date."""
    origin, step = _lab_schedule(request, start)
    k = _last_step_on_or_before(origin, step, reference)
    if k > 0:
        latest = add_months(origin, step * k)
        if not any(lab.date is not None and lab.date >= latest for lab in request.lab_results):
            return latest
    return add_months(origin, step * (k + 1))


def _forward_schedule(  # noqa: PLR0913 - the assessment's parts the schedule is built from
    request: CourseRequest,
    phase: CoursePhase,
    reading: ProfileReading,
    due: _Due,
    labs_due: datetime.date,
    *,
    horizon: datetime.date,
) -> CourseSchedule:
    """D-COURSE-SCHEDULE: from the first dose (the next due date, or the reference date where
    that is later) through the horizon; the first dose, the remaining standard loading doses and
    the first maintenance date after them, a review not yet passed and the labs-due date are
    always listed."""
    start, reference = request.start_date, request.reference_date
    assert start is not None  # pragma: no mutate
    assert reference is not None  # pragma: no mutate
    first = max(due.next_due_date, reference)
    months = reading.due_interval_months
    loading: tuple[datetime.date, ...] = ()
    maintenance: tuple[datetime.date, ...] = ()
    review: datetime.date | None = None
    if phase is CoursePhase.STANDARD_LOADING:
        loading = due.remaining_loading
        maintenance = chain_months(add_months(loading[-1], months), months, horizon)
    elif phase is CoursePhase.NEUROLOGICAL_LOADING:
        review_day = add_days(start, NEURO_REVIEW_AFTER_DAYS)
        limit = horizon
        if reference <= review_day:
            review = review_day
            limit = max(horizon, review_day)
        loading = every_n_days(first, limit, NEURO_LOADING_EVERY_DAYS)
    else:
        maintenance = chain_months(first, months, horizon)
    origin, step = _lab_schedule(request, start)
    k = months_between(origin, labs_due) // step
    labs = [labs_due]
    while (following := add_months(origin, step * (k + len(labs)))) <= horizon:
        labs.append(following)
    rule_ids = _schedule_citations(phase, reading)
    return CourseSchedule(
        loading_dates=loading,
        loading_open_ended=phase is CoursePhase.NEUROLOGICAL_LOADING,
        review_date=review,
        maintenance_dates=maintenance,
        lab_check_dates=tuple(labs),
        horizon_date=horizon,
        rule_ids=rule_ids,
        source_references=collect_source_references(rule_ids),
    )


def _schedule_citations(phase: CoursePhase, reading: ProfileReading) -> tuple[str, ...]:
    citations = [
        "R-DOSE-1000",
        "R-MON-LABS",
        "D-COURSE-SCHEDULE",
        "D-MISSED",
        "D-MONTH",
        "D-HORIZON",
        "D-LABS",
    ]
    if phase is CoursePhase.NEUROLOGICAL_LOADING:
        citations.extend(("R-LOAD-NEURO", "D-NEURO-OPEN"))
    else:
        winners = [rule.rule_id for rule in reading.interval_rules if rule.winner]
        citations.extend(("R-LIFELONG", "D-INTERVAL", "D-LIFELONG", *winners))
        if phase is CoursePhase.STANDARD_LOADING:
            citations.extend(("R-LOAD-STD", "D-LOAD-DAYS"))
    return order_rule_ids(tuple(citations))


def _at_least_months_after(later: datetime.date, earlier: datetime.date, months: int) -> bool:
    """Whether ``later`` is on or after ``earlier`` + ``months`` (D-MONTH)."""
    return later >= add_months(earlier, months)


def _lab_findings(
    lab_results: tuple[LabResult, ...],
    status: CourseNeurologicalStatus,
    start: datetime.date,
) -> list[Finding]:
    """D-LABS: HOMOCYSTEINE_OFF_TARGET and LABS_MAY_BE_STABLE from the homocysteine results
    dated on or after the start, the highest result counting once where several share a date."""
    highest: dict[datetime.date, float] = {}
    for lab in lab_results:
        value = lab.homocysteine_umol_per_l
        if lab.date is None or value is None or lab.date < start:
            continue
        highest[lab.date] = max(value, highest.get(lab.date, value))
    if not highest:
        return []
    ordered = sorted(highest.items())
    findings: list[Finding] = []
    latest_date, latest_value = ordered[-1]
    if latest_value >= HOMOCYSTEINE_TARGET_BELOW_UMOL_PER_L:
        findings.append(make_finding(Code.HOMOCYSTEINE_OFF_TARGET, ("R-MON-HCY", "D-LABS")))
    elif (
        len(ordered) > 1
        and ordered[-2][1] < HOMOCYSTEINE_TARGET_BELOW_UMOL_PER_L
        and _at_least_months_after(latest_date, ordered[-2][0], STABLE_PAIR_APART_MONTHS)
        and status in {CourseNeurologicalStatus.NONE, CourseNeurologicalStatus.PLATEAUED}
    ):
        findings.append(
            make_finding(Code.LABS_MAY_BE_STABLE, ("R-MON-LABS", "R-MON-HCY", "D-LABS"))
        )
    return findings
