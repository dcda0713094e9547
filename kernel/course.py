"""Assessing a course in progress (D-COURSE, D-MISSED, D-LABS, D-RECURRENCE, D-LIFELONG)."""

from __future__ import annotations

import datetime
from typing import Final, NamedTuple

from kernel.calendar import LATEST_SUPPORTED_DATE, add_days, add_months
from kernel.contracts import (
    LONGEST_INTERVAL_MONTHS,
    STANDARD_LOADING_OFFSETS_DAYS,
    elements_cite_known_ids,
    findings_well_formed,
    has_code,
    interval_rules_cite_known_ids,
    neuro_in_profile,
    renal_with_cyanocobalamin,
)
from kernel.findings import make_finding, merge_findings
from kernel.model import (
    Code,
    CourseAssessment,
    CourseNeurologicalStatus,
    CourseOutcome,
    CourseOutcomeResult,
    CoursePhase,
    CourseRequest,
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
from kernel.rules import RULE_SET_VERSION
from kernel.validation import validate_course_request

STANDARD_LOADING_DOSES: Final = 6
NEURO_LOADING_EVERY_DAYS: Final = 2
NEURO_REVIEW_AFTER_DAYS: Final = 14
NEURO_MISSED_DOSES_FLAGGED: Final = 2
LAB_INTERVAL_MONTHS: Final = 3
LAB_INTERVAL_STABLE_MONTHS: Final = 12
HOMOCYSTEINE_TARGET_BELOW_UMOL_PER_L: Final = 10
STABLE_PAIR_APART_MONTHS: Final = 2
HYDROXOCOBALAMIN_RECURRENCE_INTERVAL_MONTHS: Final = 1


def assess_course(request: CourseRequest) -> CourseOutcomeResult:
    """Assess a course in progress: a validation error or an assessment (never REFER)."""
    assert isinstance(request, CourseRequest), "INV-TOTAL-COURSE: a course"  # pragma: no mutate
    violations = validate_course_request(
        request, prophylaxis=is_prophylaxis_profile(request.profile)
    )
    outcome: CourseOutcomeResult = (
        InvalidInput(violations) if violations else _assess_valid_request(request)
    )

    profile = request.profile
    assert isinstance(outcome, InvalidInput) == bool(violations), (  # pragma: no mutate
        "INV-TOTAL-COURSE: a validation error exactly when the request is invalid"
    )
    if isinstance(outcome, InvalidInput):
        assert len(outcome.violations) > 0, (
            "INV-VALIDATION: a validation error names a field"
        )  # pragma: no mutate
        return outcome
    findings = outcome.findings
    recurred = request.neurological_status is CourseNeurologicalStatus.RECURRED
    assert isinstance(outcome, CourseAssessment), (
        "INV-TOTAL-COURSE: never REFER"
    )  # pragma: no mutate
    assert findings_well_formed(findings), (
        "INV-FINDINGS: codes once, fixed severity, in order"
    )  # pragma: no mutate
    assert elements_cite_known_ids(findings), (
        "INV-CITATIONS: findings cite catalogue IDs"
    )  # pragma: no mutate
    assert interval_rules_cite_known_ids(outcome.interval_rules), (  # pragma: no mutate
        "INV-CITATIONS: interval rules cite catalogue IDs"
    )
    assert not renal_with_cyanocobalamin(profile) or has_code(  # pragma: no mutate
        findings, Code.RENAL_PREFER_HYDROXOCOBALAMIN
    ), "INV-RENAL: renal impairment with cyanocobalamin carries the renal warning"
    assert not profile.folic_acid_started_before_b12 or has_code(  # pragma: no mutate
        findings, Code.FOLATE_BEFORE_B12, "CRITICAL"
    ), "INV-FOLATE: folic acid before B12 carries the critical folate warning"
    assert not (neuro_in_profile(profile) or recurred) or has_code(  # pragma: no mutate
        findings, Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE, "CRITICAL"
    ), "INV-NEURO-WARNING: neurological involvement carries the specialist warning"
    assert (
        1 <= outcome.due_interval_months <= outcome.overdue_after_months <= LONGEST_INTERVAL_MONTHS
    ), (  # pragma: no mutate
        "INV-INTERVAL-MAX: intervals in force are between 1 and 3 months"
    )
    assert outcome.days_overdue >= 0, (
        "INV-TOTAL-COURSE: days overdue are never negative"
    )  # pragma: no mutate
    assert (
        outcome.phase is CoursePhase.MAINTENANCE or outcome.days_overdue == 0
    ), (  # pragma: no mutate
        "INV-TOTAL-COURSE: days overdue are counted in maintenance only"
    )
    assert outcome.next_due_date is not None or has_code(
        findings, Code.NOT_COVERED
    ), (  # pragma: no mutate
        "INV-LIFELONG: a course always has a next due date; therapy never ends"
    )
    assert (  # pragma: no mutate
        outcome.next_due_date is None
        or not request.injection_dates
        or outcome.next_due_date > max(request.injection_dates)
    ), "INV-DATES-ORDERED: the next dose is never on or before the last one"
    assert (outcome.outcome is CourseOutcome.REVIEW) == recurred, (  # pragma: no mutate
        "INV-TOTAL-COURSE: REVIEW exactly on recurrence (D-RECURRENCE)"
    )
    assert outcome.rule_set_version == RULE_SET_VERSION, (
        "INV-CITATIONS: names the rule set"
    )  # pragma: no mutate
    return outcome


class _Due(NamedTuple):
    next_due_date: datetime.date
    days_overdue: int
    findings: tuple[Finding, ...]


def _assess_valid_request(request: CourseRequest) -> CourseAssessment:
    start, reference = request.start_date, request.reference_date
    assert start is not None, "INV-TOTAL-COURSE: validated"  # pragma: no mutate
    assert reference is not None, "INV-TOTAL-COURSE: validated"  # pragma: no mutate
    status = request.neurological_status or CourseNeurologicalStatus.NONE
    recurred = status is CourseNeurologicalStatus.RECURRED
    reading = read_profile(request.profile, recurred=recurred)
    injections = sorted(request.injection_dates)
    phase = _derive_phase(request, reading, status, len(injections))

    findings: list[Finding] = [*reading.safety_warnings, *reading.interval_warnings]
    suspended = bool(reading.refer_reasons) or reading.supervised
    if suspended:
        findings.append(_suspension_finding(reading))
    if len(set(injections)) < len(injections):
        findings.append(make_finding(Code.TWO_INJECTIONS_ONE_DAY, ("D-COURSE", "D-MISSED")))
    if request.stop_requested:
        findings.append(
            make_finding(Code.LIFELONG_CLINICIAN_DECISION, ("R-LIFELONG", "D-LIFELONG"))
        )
    if recurred:
        findings.append(
            make_finding(Code.NEURO_RECURRENCE_REVIEW, ("R-MON-SYMPTOMS", "D-RECURRENCE"))
        )
        findings.append(
            make_finding(
                Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE, ("D-NEURO-URGENT", "D-RECURRENCE")
            )
        )
    findings.extend(_lab_findings(request.lab_results, status))

    covered = start <= LATEST_SUPPORTED_DATE and reference <= LATEST_SUPPORTED_DATE
    next_due: datetime.date | None = None
    labs_due: datetime.date | None = None
    days_overdue = 0
    review_overdue = False
    if covered:
        due = _next_due(phase, reading, injections, start, reference)
        next_due, days_overdue = due.next_due_date, due.days_overdue
        findings.extend(due.findings)
        review_overdue = has_code(due.findings, Code.NEURO_REVIEW_OVERDUE)
        labs_due = _labs_due(request, start, reference)
    else:
        findings.append(
            make_finding(
                Code.NOT_COVERED,
                ("D-OUTCOME", "D-COURSE"),
                reason="A date lies beyond the supported calendar (on or before 9899-12-31).",
            )
        )

    suggested: int | None = None
    if recurred and not reading.cyanocobalamin:
        suggested = HYDROXOCOBALAMIN_RECURRENCE_INTERVAL_MONTHS
    return CourseAssessment(
        outcome=CourseOutcome.REVIEW if recurred else CourseOutcome.CONTINUE,
        phase=phase,
        due_interval_months=reading.due_interval_months,
        overdue_after_months=reading.overdue_after_months,
        interval_rules=reading.interval_rules,
        next_due_date=next_due,
        days_overdue=days_overdue,
        labs_due_date=labs_due,
        stabilised=request.stabilisation_date is not None,
        clinician_review_required=recurred or suspended or review_overdue,
        suggested_interval_months=suggested,
        findings=merge_findings(findings),
        rule_set_version=RULE_SET_VERSION,
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
    """D-COURSE: a REFER or supervision condition suspends home administration."""
    rule_ids: list[str] = ["D-COURSE", "D-OUTCOME"]
    reasons = [reason.name for reason in reading.refer_reasons]
    for reason in reading.refer_reasons:
        rule_ids.extend(REFER_RULES[reason])
    if reading.supervised:
        reasons.append("SUPERVISION_REQUIRED")
        rule_ids.extend(("R-PLT-SEVERE", "D-PLT"))
    return make_finding(
        Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW, tuple(rule_ids), reason=", ".join(reasons)
    )


def _next_due(
    phase: CoursePhase,
    reading: ProfileReading,
    injections: list[datetime.date],
    start: datetime.date,
    reference: datetime.date,
) -> _Due:
    """D-MISSED: the next due date and days overdue for the phase."""
    last = injections[-1] if injections else None
    if phase is CoursePhase.MAINTENANCE:
        if last is None:
            due, overdue_after = start, start
        else:
            due = add_months(last, reading.due_interval_months)
            overdue_after = add_months(last, reading.overdue_after_months)
        return _Due(due, max(0, (reference - overdue_after).days), ())
    if phase is CoursePhase.STANDARD_LOADING:
        own = add_days(start, STANDARD_LOADING_OFFSETS_DAYS[len(injections)])
        candidates = [own, reference]
        if last is not None:
            candidates.append(add_days(last, NEURO_LOADING_EVERY_DAYS))
        return _Due(max(candidates), 0, ())
    # Neurological loading: alternate days, open-ended.
    citations = ("R-LOAD-NEURO", "D-NEURO-OPEN", "D-MISSED")
    if last is None:
        due = max(start, reference)
        elapsed = (reference - start).days
        missed = (elapsed + 1) // NEURO_LOADING_EVERY_DAYS if elapsed > 0 else 0
    else:
        due = max(add_days(last, NEURO_LOADING_EVERY_DAYS), reference)
        elapsed = (reference - last).days
        missed = max(0, (elapsed - 1) // NEURO_LOADING_EVERY_DAYS)
    findings: list[Finding] = []
    if missed >= NEURO_MISSED_DOSES_FLAGGED:
        findings.append(make_finding(Code.NEURO_LOADING_DOSES_MISSED, citations))
    if reference > add_days(start, NEURO_REVIEW_AFTER_DAYS):
        findings.append(make_finding(Code.NEURO_REVIEW_OVERDUE, citations))
    return _Due(due, 0, tuple(findings))


def _months_between(earlier: datetime.date, later: datetime.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def _last_step_on_or_before(origin: datetime.date, step_months: int, limit: datetime.date) -> int:
    """Return the largest k >= 0 with origin + k * step months <= limit (0 when none is)."""
    if limit < origin:
        return 0
    k = _months_between(origin, limit) // step_months
    while k > 0 and add_months(origin, step_months * k) > limit:
        k -= 1
    return k


def _labs_due(
    request: CourseRequest, start: datetime.date, reference: datetime.date
) -> datetime.date:
    """D-LABS: start + 3, 6, 9 ... months before the stabilisation date, then that date + 12,
    24 ... months. Due: the latest scheduled date on or before the reference date when no result
    is dated on or after it; otherwise the first scheduled date after the reference date."""
    stabilised = request.stabilisation_date
    latest: datetime.date | None
    if stabilised is None:
        k = _last_step_on_or_before(start, LAB_INTERVAL_MONTHS, reference)
        latest = add_months(start, LAB_INTERVAL_MONTHS * k) if k > 0 else None
        following = add_months(start, LAB_INTERVAL_MONTHS * (k + 1))
    else:
        k_stable = _last_step_on_or_before(stabilised, LAB_INTERVAL_STABLE_MONTHS, reference)
        following = add_months(stabilised, LAB_INTERVAL_STABLE_MONTHS * (k_stable + 1))
        latest = None
        if k_stable > 0:
            latest = add_months(stabilised, LAB_INTERVAL_STABLE_MONTHS * k_stable)
        elif stabilised > start:
            before = add_days(stabilised, -1)
            k = _last_step_on_or_before(start, LAB_INTERVAL_MONTHS, before)
            latest = add_months(start, LAB_INTERVAL_MONTHS * k) if k > 0 else None
    if latest is not None and not any(
        lab.date is not None and lab.date >= latest for lab in request.lab_results
    ):
        return latest
    return following


def _at_least_months_after(later: datetime.date, earlier: datetime.date, months: int) -> bool:
    """Whether ``later`` is on or after ``earlier`` + ``months`` (D-MONTH); false when that date
    lies beyond the calendar, since ``later`` cannot reach it."""
    if _months_between(earlier, datetime.date.max) < months:
        return False
    return later >= add_months(earlier, months)


def _lab_findings(
    lab_results: tuple[LabResult, ...], status: CourseNeurologicalStatus
) -> list[Finding]:
    """D-LABS: HOMOCYSTEINE_OFF_TARGET and LABS_MAY_BE_STABLE from homocysteine results, the
    highest result counting once where several share a date."""
    highest: dict[datetime.date, float] = {}
    for lab in lab_results:
        value = lab.homocysteine_umol_per_l
        if lab.date is None or value is None:
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
