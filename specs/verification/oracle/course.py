"""Course assessments (INV-TOTAL-COURSE, INV-COURSE-OUTCOME, INV-SCHEDULE; D-COURSE, D-MISSED,
D-LABS, D-RECURRENCE, D-LIFELONG, D-MAINT-GAP, D-LOAD-INTERRUPTED, D-COURSE-OUTCOME,
D-COURSE-SCHEDULE)."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterator
from dataclasses import dataclass

from kernel.model import (
    Code,
    CourseAssessment,
    CourseNeurologicalStatus,
    CourseOutcome,
    CoursePhase,
    CourseRequest,
    InvalidInput,
    Severity,
)
from specs.verification.oracle.catalogue import (
    HCY_TARGET_BELOW,
    HYDROXO,
    LOADING_INTERRUPTED_AFTER_DAYS,
    MONTHS_BETWEEN_LABS,
    MONTHS_BETWEEN_LABS_STABLE,
    MONTHS_BETWEEN_STABLE_HCY,
    NEURO_GAP_DAYS,
    NEURO_REVIEW_DAYS,
    RECURRENCE_SUGGESTED_MONTHS,
    REVIEW_CODES,
    STANDARD_LOADING_DAYS,
)
from specs.verification.oracle.citations import (
    Citation,
    Context,
    check_citation,
    check_finding_citations,
)
from specs.verification.oracle.dates import add_days, add_months, chain_months, every_second_day
from specs.verification.oracle.facts import SITE_CODES, Facts, derive_facts
from specs.verification.oracle.intervals import check_intervals
from specs.verification.oracle.outputs import (
    check_codes,
    check_findings,
    check_version,
    check_wording,
    finding_texts,
    mentions,
)
from specs.verification.oracle.plan import check_named_reasons, summary
from specs.verification.oracle.validation import (
    check_invalid,
    course_expectation,
    violation_texts,
)

Dates = tuple[datetime.date, ...]


@dataclass(frozen=True)
class ExpectedSchedule:
    """The forward schedule D-COURSE-SCHEDULE gives."""

    loading_dates: Dates
    loading_open_ended: bool
    review_date: datetime.date | None
    maintenance_dates: Dates
    lab_check_dates: Dates
    horizon_date: datetime.date


@dataclass(frozen=True)
class ExpectedCourse:
    """What the decisions give for a valid course; ``None`` values are left open."""

    phase: CoursePhase | None
    next_due: datetime.date | None
    days_overdue: int | None
    labs_due: datetime.date
    codes: frozenset[Code]
    dont_care: frozenset[Code]
    suspended: bool
    recurred: bool
    suggested_interval: int | None
    suggested_date: datetime.date | None
    schedule: ExpectedSchedule | None


def lab_series(request: CourseRequest) -> Iterator[datetime.date]:
    """D-LABS (amended): the scheduled lab dates in order, without end. Once a stabilisation date
    is given only the dates scheduled from it count (that date + 12, 24 ... months)."""
    start = request.start_date
    assert start is not None
    stab = request.stabilisation_date
    origin, months = (
        (start, MONTHS_BETWEEN_LABS) if stab is None else (stab, MONTHS_BETWEEN_LABS_STABLE)
    )
    for k in itertools.count(1):
        yield add_months(origin, months * k)


def labs_due(request: CourseRequest) -> datetime.date:
    """D-LABS: the latest scheduled date on or before the reference date if no result is dated
    on or after it; otherwise the first scheduled date after the reference date."""
    reference = request.reference_date
    assert reference is not None
    latest: datetime.date | None = None
    for day in lab_series(request):
        if day > reference:
            if latest is not None and not any(
                lab.date is not None and lab.date >= latest for lab in request.lab_results
            ):
                return latest
            return day
        latest = day
    message = "unreachable: the series has no end"
    raise AssertionError(message)


def homocysteine_codes(request: CourseRequest) -> set[Code]:
    """D-LABS: the most recent homocysteine result and the one before it (the highest per date),
    counting only results dated on or after the start (revision 2)."""
    start = request.start_date
    assert start is not None
    by_date: dict[datetime.date, float] = {}
    for lab in request.lab_results:
        if lab.date is None or lab.homocysteine_umol_per_l is None or lab.date < start:
            continue
        previous = by_date.get(lab.date)
        if previous is None or lab.homocysteine_umol_per_l > previous:
            by_date[lab.date] = lab.homocysteine_umol_per_l
    series = sorted(by_date.items())
    codes: set[Code] = set()
    if series and series[-1][1] >= HCY_TARGET_BELOW:
        codes.add(Code.HOMOCYSTEINE_OFF_TARGET)
    if (
        len(series) >= 2  # noqa: PLR2004 - a pair
        and series[-1][1] < HCY_TARGET_BELOW
        and series[-2][1] < HCY_TARGET_BELOW
        and series[-1][0] >= add_months(series[-2][0], MONTHS_BETWEEN_STABLE_HCY)
        and request.neurological_status
        in {None, CourseNeurologicalStatus.NONE, CourseNeurologicalStatus.PLATEAUED}
    ):
        codes.add(Code.LABS_MAY_BE_STABLE)
    return codes


def course_phase(request: CourseRequest, facts: Facts) -> CoursePhase | None:
    """D-COURSE: the derived phase (``None`` where the decisions leave it open)."""
    status = request.neurological_status or CourseNeurologicalStatus.NONE
    if facts.profile_neuro:
        if status in {CourseNeurologicalStatus.PLATEAUED, CourseNeurologicalStatus.RECURRED}:
            return CoursePhase.MAINTENANCE
        return CoursePhase.NEUROLOGICAL_LOADING
    if facts.prophylaxis:
        return CoursePhase.MAINTENANCE
    count, distinct = len(request.injection_dates), len(set(request.injection_dates))
    six = len(STANDARD_LOADING_DAYS)
    if distinct < six <= count:
        # open: whether two injections on one day count twice towards the six.
        return None
    return CoursePhase.MAINTENANCE if count >= six else CoursePhase.STANDARD_LOADING


def expected_course(request: CourseRequest, facts: Facts) -> ExpectedCourse:
    """Return the assessment of a valid course."""
    start, reference = request.start_date, request.reference_date
    assert start is not None
    assert reference is not None
    status = request.neurological_status or CourseNeurologicalStatus.NONE
    recurred = status is CourseNeurologicalStatus.RECURRED
    codes: set[Code] = set(facts.safety) | set(facts.population)
    if recurred:
        codes.add(Code.NEURO_RECURRENCE_REVIEW)
    if len(set(request.injection_dates)) != len(request.injection_dates):
        codes.add(Code.TWO_INJECTIONS_ONE_DAY)
    if request.stop_requested:
        codes.add(Code.LIFELONG_CLINICIAN_DECISION)
    suspended = bool(facts.refer_reasons) or facts.supervised
    if suspended:
        codes.add(Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW)
    codes.update(homocysteine_codes(request))
    # open: D-COURSE does not say whether a course repeats the D-SITE findings of its profile.
    dont_care: set[Code] = set(SITE_CODES)
    if recurred:
        # open: whether NEURO_REVIEW_OVERDUE applies to RECURRED (the rule is stated for loading).
        dont_care.add(Code.NEURO_REVIEW_OVERDUE)
    phase = course_phase(request, facts)
    if phase is None:
        dont_care |= {Code.MAINTENANCE_LONG_GAP, Code.MAINTENANCE_LONG_GAP_NEURO}
        dont_care |= {Code.LOADING_INTERRUPTED}
    next_due, days_overdue = _expected_due(request, facts, phase, codes)
    injections = sorted(request.injection_dates)
    last = injections[-1] if injections else None
    suggested = (
        RECURRENCE_SUGGESTED_MONTHS
        if recurred and request.profile.formulation is HYDROXO and facts.due > 1
        else None
    )
    suggested_date = None
    if suggested is not None:
        suggested_date = start if last is None else add_months(last, suggested)
    due_labs = labs_due(request)
    return ExpectedCourse(
        phase=phase,
        next_due=next_due,
        days_overdue=days_overdue,
        labs_due=due_labs,
        codes=frozenset(codes),
        dont_care=frozenset(dont_care),
        suspended=suspended,
        recurred=recurred,
        suggested_interval=suggested,
        suggested_date=suggested_date,
        schedule=_expected_schedule(request, facts, phase, next_due, due_labs),
    )


def _expected_due(  # noqa: C901 - one branch per phase and D-MISSED case
    request: CourseRequest, facts: Facts, phase: CoursePhase | None, codes: set[Code]
) -> tuple[datetime.date | None, int | None]:
    """D-MISSED: the next due date and days overdue; adds the findings of D-MISSED, D-MAINT-GAP
    and D-LOAD-INTERRUPTED."""
    start, reference = request.start_date, request.reference_date
    assert start is not None
    assert reference is not None
    injections = sorted(request.injection_dates)
    last = injections[-1] if injections else None
    if phase is None:
        return None, None
    if phase is CoursePhase.MAINTENANCE:
        next_due = start if last is None else add_months(last, facts.due)
        overdue_date = start if last is None else add_months(last, facts.overdue)
        # D-MAINT-GAP: later than the overdue-after date plus one due interval (D-MONTH).
        if reference > add_months(overdue_date, facts.due):
            codes.add(Code.MAINTENANCE_LONG_GAP_NEURO if facts.neuro else Code.MAINTENANCE_LONG_GAP)
        return next_due, max(0, (reference - overdue_date).days)
    # D-LOAD-INTERRUPTED: more than 7 days after the last injection (or the start).
    if reference > add_days(last or start, LOADING_INTERRUPTED_AFTER_DAYS):
        codes.add(Code.LOADING_INTERRUPTED)
    if phase is CoursePhase.STANDARD_LOADING:
        if len(set(injections)) != len(injections):
            # open: which dose is "n+1" when two injections share a day.
            return None, 0
        candidates = [add_days(start, STANDARD_LOADING_DAYS[len(injections)]), reference]
        if last is not None:
            candidates.append(add_days(last, NEURO_GAP_DAYS))
        return max(candidates), 0
    if last is None:
        next_due = max(start, reference)
        span = (reference - start).days
        missed = (span + 1) // 2 if span > 0 else 0
    else:
        next_due = max(add_days(last, NEURO_GAP_DAYS), reference)
        span = (reference - last).days
        missed = (span - 1) // 2 if span > 0 else 0
    if missed >= 2:  # noqa: PLR2004 - "two or more missed"
        codes.add(Code.NEURO_LOADING_DOSES_MISSED)
    if reference > add_days(start, NEURO_REVIEW_DAYS) and request.neurological_status is not (
        CourseNeurologicalStatus.PLATEAUED
    ):
        codes.add(Code.NEURO_REVIEW_OVERDUE)
    return next_due, 0


def _expected_schedule(
    request: CourseRequest,
    facts: Facts,
    phase: CoursePhase | None,
    next_due: datetime.date | None,
    due_labs: datetime.date,
) -> ExpectedSchedule | None:
    """D-COURSE-SCHEDULE; ``None`` where the phase or the next due date is left open."""
    start, reference = request.start_date, request.reference_date
    assert start is not None
    assert reference is not None
    if phase is None or next_due is None:
        return None
    horizon = request.horizon_date or reference
    first = max(next_due, reference)
    loading: Dates = ()
    maintenance: Dates = ()
    review: datetime.date | None = None
    if phase is CoursePhase.STANDARD_LOADING:
        dues = [first]
        for offset in STANDARD_LOADING_DAYS[len(request.injection_dates) + 1 :]:
            dues.append(max(add_days(start, offset), add_days(dues[-1], NEURO_GAP_DAYS)))
        loading = tuple(dues)
        maintenance = chain_months(add_months(dues[-1], facts.due), facts.due, horizon)
    elif phase is CoursePhase.NEUROLOGICAL_LOADING:
        review_day = add_days(start, NEURO_REVIEW_DAYS)
        review = review_day if reference <= review_day else None
        loading = every_second_day(first, review, horizon)
    else:
        maintenance = chain_months(first, facts.due, horizon)
    labs = [due_labs]
    for day in lab_series(request):
        if day > horizon:
            break
        if day > due_labs:
            labs.append(day)
    return ExpectedSchedule(
        loading_dates=loading,
        loading_open_ended=phase is CoursePhase.NEUROLOGICAL_LOADING,
        review_date=review,
        maintenance_dates=maintenance,
        lab_check_dates=tuple(labs),
        horizon_date=horizon,
    )


def check_course(request: CourseRequest, outcome: object) -> list[str]:  # noqa: C901 - one check per field
    """Every violation of the invariants (and the course decisions) by ``outcome``."""
    out: list[str] = []
    if not isinstance(outcome, InvalidInput | CourseAssessment):
        out.append(f"INV-TOTAL-COURSE: a course assessment returned {type(outcome).__name__}")
        out.append("INV-VALIDATION: a course assessment gave no course outcome")
        return out
    expect = course_expectation(request)
    if isinstance(outcome, InvalidInput):
        check_wording(violation_texts(outcome.violations), out)
        if not expect.invalid and not expect.ambiguous:
            out.append(
                f"INV-VALIDATION: valid course rejected: {[v.field for v in outcome.violations]}"
            )
        else:
            check_invalid(outcome, expect, out)
        return out
    if expect.invalid:
        out.append(f"INV-VALIDATION: invalid course (needs {expect.required}) accepted")
        return out
    facts = derive_facts(request.profile, request.neurological_status)
    expected = expected_course(request, facts)
    check_version(outcome.rule_set_version, out)
    intervals = (outcome.due_interval_months, outcome.overdue_after_months, outcome.interval_rules)
    check_intervals(intervals, facts, "course", out)
    codes = [f.code for f in outcome.findings]
    check_findings(outcome.findings, "course findings", out)
    check_named_reasons(outcome.findings, facts, out)
    check_finding_citations(outcome.findings, Context("course", facts, phase=outcome.phase), out)
    if request.stop_requested and Code.LIFELONG_CLINICIAN_DECISION not in codes:
        out.append("INV-LIFELONG: a stop request without LIFELONG_CLINICIAN_DECISION")
    last_injection = max(request.injection_dates, default=None)
    if last_injection is not None and not outcome.next_due_date > last_injection:
        out.append(
            f"INV-DATES-ORDERED: next due {outcome.next_due_date} not after the last injection"
            f" {last_injection}"
        )
    if outcome.days_overdue < 0:
        out.append("INV-TOTAL-COURSE: negative days overdue")
    check_codes(codes, expected.codes, expected.dont_care, "course", out)
    if expected.suspended and Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW not in codes:
        out.append("INV-TOTAL-COURSE: a REFER or supervision condition without suspension")
    _check_outcome(outcome, out)
    _check_course_state(outcome, expected, out)
    _check_schedule_laws(outcome, request, out)
    _check_schedule(outcome, expected, facts, out)
    texts = finding_texts(outcome.findings, "course finding")
    check_wording(texts, out)
    if expected.recurred and expected.suggested_interval is None:
        recurrence = [f for f in outcome.findings if f.code is Code.NEURO_RECURRENCE_REVIEW]
        if recurrence and mentions(
            recurrence[0].text, "increase frequency at the clinician's choice"
        ):
            out.append(
                "D-RECURRENCE: without a suggested interval the text is not 'increase frequency"
                " at the clinician's choice'"
            )
    return out


def _check_outcome(outcome: CourseAssessment, out: list[str]) -> None:
    """INV-COURSE-OUTCOME: REVIEW exactly when clinician review is required, which is exactly
    when a review finding of D-COURSE-OUTCOME is present; never CONTINUE beside a critical
    suspension."""
    codes = {f.code for f in outcome.findings}
    review = bool(codes & REVIEW_CODES)
    if outcome.clinician_review_required != review:
        out.append(
            f"INV-COURSE-OUTCOME: clinician_review_required is {outcome.clinician_review_required}"
            f" with review findings {sorted(c.name for c in codes & REVIEW_CODES)}"
        )
    if (outcome.outcome is CourseOutcome.REVIEW) != outcome.clinician_review_required:
        out.append(
            f"INV-COURSE-OUTCOME: outcome {outcome.outcome.name} with clinician_review_required"
            f" {outcome.clinician_review_required}"
        )
    suspended = any(
        f.code is Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW and f.severity is Severity.CRITICAL
        for f in outcome.findings
    )
    if suspended and outcome.outcome is CourseOutcome.CONTINUE:
        out.append("INV-COURSE-OUTCOME: CONTINUE beside a critical suspension")


def _check_course_state(
    outcome: CourseAssessment, expected: ExpectedCourse, out: list[str]
) -> None:
    if expected.phase is not None and outcome.phase is not expected.phase:
        out.append(f"D-COURSE: phase {outcome.phase.name}, expected {expected.phase.name}")
    if expected.next_due is not None and outcome.next_due_date != expected.next_due:
        owner = "INV-MONTH-CLAMP" if expected.phase is CoursePhase.MAINTENANCE else "D-MISSED"
        out.append(f"{owner}: next due {outcome.next_due_date}, expected {expected.next_due}")
    if expected.days_overdue is not None and outcome.days_overdue != expected.days_overdue:
        out.append(
            f"D-MISSED: days overdue {outcome.days_overdue}, expected {expected.days_overdue}"
        )
    if outcome.labs_due_date != expected.labs_due:
        out.append(f"D-LABS: labs due {outcome.labs_due_date}, expected {expected.labs_due}")
    if outcome.suggested_interval_months != expected.suggested_interval:
        out.append(
            f"D-RECURRENCE: suggested interval {outcome.suggested_interval_months},"
            f" expected {expected.suggested_interval}"
        )
    if outcome.suggested_next_due_date != expected.suggested_date:
        out.append(
            f"D-RECURRENCE: suggested next due date {outcome.suggested_next_due_date},"
            f" expected {expected.suggested_date}"
        )
    if expected.recurred and outcome.outcome is not CourseOutcome.REVIEW:
        out.append("D-RECURRENCE: recurrence without a REVIEW outcome")


def stabilised_problems(outcome: CourseAssessment, request: CourseRequest) -> list[str]:
    """D-LABS: "stabilised" is true exactly when a stabilisation date is given."""
    if outcome.stabilised != (request.stabilisation_date is not None):
        return [f"D-LABS: stabilised is {outcome.stabilised}"]
    return []


def _strictly_increasing(dates: Dates) -> bool:
    return all(earlier < later for earlier, later in itertools.pairwise(dates))


def _check_schedule_laws(  # noqa: C901 - one check per law of INV-SCHEDULE
    outcome: CourseAssessment, request: CourseRequest, out: list[str]
) -> None:
    """INV-SCHEDULE: strictly increasing, never two doses on one day, from the next dose
    (the next due date, or the reference date where that is later), maintenance gaps of the
    interval in force by D-MONTH, reaching the horizon (lifelong)."""
    out.extend(stabilised_problems(outcome, request))
    schedule = outcome.schedule
    reference = request.reference_date
    assert reference is not None
    horizon = request.horizon_date or reference
    doses = (*schedule.loading_dates, *schedule.maintenance_dates)
    for name, dates in (
        ("loading", schedule.loading_dates),
        ("maintenance", schedule.maintenance_dates),
        ("dose", doses),
        ("lab", schedule.lab_check_dates),
    ):
        if not _strictly_increasing(dates):
            out.append(f"INV-SCHEDULE: {name} dates are not strictly increasing: {summary(dates)}")
    if schedule.horizon_date != horizon:
        out.append(f"INV-SCHEDULE: horizon {schedule.horizon_date}, expected {horizon}")
    if not doses:
        out.append("INV-SCHEDULE: the schedule lists no dose")
        return
    first = max(outcome.next_due_date, reference)
    if doses[0] != first:
        out.append(f"INV-SCHEDULE: the schedule starts {doses[0]}, not at the next dose {first}")
    last_injection = max(request.injection_dates, default=None)
    if last_injection is not None and doses[0] <= last_injection:
        out.append("INV-SCHEDULE: a scheduled dose on or before the last injection")
    due = outcome.due_interval_months
    gaps = [
        later
        for earlier, later in itertools.pairwise(schedule.maintenance_dates)
        if later != add_months(earlier, due)
    ]
    if gaps:
        out.append(f"INV-SCHEDULE: maintenance dates not {due} month(s) apart near {gaps[0]}")
    if schedule.maintenance_dates:
        if add_months(schedule.maintenance_dates[-1], due) <= horizon:
            out.append(f"INV-SCHEDULE: maintenance stops before the horizon {horizon}")
    elif schedule.loading_open_ended:
        if add_days(schedule.loading_dates[-1], NEURO_GAP_DAYS) <= horizon:
            out.append(f"INV-SCHEDULE: neurological loading stops before the horizon {horizon}")
    else:
        out.append("INV-SCHEDULE: a closed schedule without maintenance (not lifelong)")


def schedule_citation(facts: Facts, phase: CoursePhase) -> Citation:
    """Return the schedule's citation: D-COURSE-SCHEDULE; it may cite the decisions that date it."""
    required = frozenset({"D-COURSE-SCHEDULE"})
    allowed = {
        "D-COURSE-SCHEDULE",
        "D-MISSED",
        "D-MONTH",
        "D-HORIZON",
        "D-LABS",
        "R-MON-LABS",
        "D-INTERVAL",
        "D-LIFELONG",
        "R-LIFELONG",
        "D-COURSE",
        "R-DOSE-1000",
        *facts.winners,
    }
    if phase is CoursePhase.STANDARD_LOADING:
        allowed |= {"R-LOAD-STD", "D-LOAD-DAYS"}
    if phase is CoursePhase.NEUROLOGICAL_LOADING:
        allowed |= {"R-LOAD-NEURO", "D-NEURO-OPEN"}
    return required, frozenset(allowed)


def _check_schedule(
    outcome: CourseAssessment, expected: ExpectedCourse, facts: Facts, out: list[str]
) -> None:
    """D-COURSE-SCHEDULE: the dates the decisions give, and the schedule's citations."""
    schedule = outcome.schedule
    check_citation(
        "schedule",
        schedule.rule_ids,
        schedule.source_references,
        out,
        expected=schedule_citation(facts, outcome.phase),
        facts=facts,
    )
    want = expected.schedule
    if want is None:
        return
    for name, got, wanted in (
        ("loading dates", schedule.loading_dates, want.loading_dates),
        ("maintenance dates", schedule.maintenance_dates, want.maintenance_dates),
        ("lab dates", schedule.lab_check_dates, want.lab_check_dates),
    ):
        if got != wanted:
            out.append(f"D-COURSE-SCHEDULE: {name} {summary(got)}, expected {summary(wanted)}")
    if schedule.review_date != want.review_date:
        out.append(f"D-COURSE-SCHEDULE: review {schedule.review_date}, expected {want.review_date}")
    if schedule.loading_open_ended is not want.loading_open_ended:
        out.append(f"D-COURSE-SCHEDULE: loading_open_ended is {schedule.loading_open_ended}")
