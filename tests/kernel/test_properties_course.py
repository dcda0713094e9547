"""Properties of ``assess_course`` (D-COURSE, D-MISSED, D-LABS, D-RECURRENCE, D-LIFELONG).

Each property states its law on the kernel's output and asks the independent oracle
(``specs/verification/oracle.py``) for violations of the same ID; every property also runs the
course threshold requests of ``specs/verification/properties/examples.py``.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel import assess_course
from kernel.model import (
    Code,
    CourseAssessment,
    CourseNeurologicalStatus,
    CourseOutcome,
    CourseRequest,
    Formulation,
    InvalidInput,
    NeurologicalInvolvement,
)
from specs.verification import strategies as gen
from specs.verification.oracle import (
    REVIEW_CODES,
    add_days,
    add_months,
    check_course,
    course_expectation,
    derive_facts,
    wording_problems,
)
from specs.verification.properties.examples import (
    course_examples,
    invalid_course_examples,
    labs_examples,
    with_examples,
)
from specs.verification.properties.laws import codes, has_critical, violations_of

CYANO = Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML

examples = with_examples("course_request", [*course_examples(), *labs_examples()])
invalid_examples = with_examples("course_request", invalid_course_examples())
valid_courses = gen.course_requests("valid")
any_courses = gen.course_requests("any")


def _neuro(request: CourseRequest) -> bool:
    return (
        request.profile.neurological_involvement
        in {NeurologicalInvolvement.PRESENT, NeurologicalInvolvement.UNKNOWN}
        or request.neurological_status is CourseNeurologicalStatus.RECURRED
    )


@pytest.mark.covers("INV-TOTAL-COURSE", "D-COURSE", "D-OUTCOME")
@examples
@given(course_request=any_courses)
def test_every_course_gives_an_assessment_or_a_validation_error(
    course_request: CourseRequest,
) -> None:
    """Law: every course assessment gives a validation error or an assessment, never REFER and
    never an end to therapy; a REFER or supervision condition on the profile keeps the phase and
    next due date and adds HOME_ADMINISTRATION_SUSPENDED_REVIEW. Cheats ruled out: a course that
    stops (no next due date) for a contraindication, a REFER from a course."""
    outcome = assess_course(course_request)
    assert isinstance(outcome, InvalidInput | CourseAssessment)
    if isinstance(outcome, CourseAssessment):
        facts = derive_facts(course_request.profile, course_request.neurological_status)
        suspended = bool(facts.refer_reasons) or facts.supervised
        assert (
            has_critical(outcome.findings, Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW) == suspended
        )
    assert not violations_of(check_course(course_request, outcome), "INV-TOTAL-COURSE")


@pytest.mark.covers("INV-RENAL", "INV-FOLATE", "INV-NEURO-WARNING", "D-RECURRENCE")
@examples
@given(course_request=valid_courses)
def test_course_assessments_carry_the_safety_warnings(course_request: CourseRequest) -> None:
    """Law: every assessment from valid input carries the renal warning (renal + cyanocobalamin),
    the critical folate warning, and the critical specialist warning when neurological involvement
    holds, which in a course includes RECURRED. Cheat ruled out: recurrence in an ABSENT profile
    reviewed without the specialist warning."""
    outcome = assess_course(course_request)
    profile = course_request.profile
    if isinstance(outcome, CourseAssessment):
        facts = derive_facts(profile, course_request.neurological_status)
        found = codes(outcome.findings)
        assert (Code.RENAL_PREFER_HYDROXOCOBALAMIN in found) == (
            facts.renal and profile.formulation is CYANO
        )
        assert has_critical(outcome.findings, Code.FOLATE_BEFORE_B12) == (
            profile.folic_acid_started_before_b12
        )
        assert has_critical(outcome.findings, Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE) == _neuro(
            course_request
        )
    found_violations = check_course(course_request, outcome)
    assert not violations_of(found_violations, "INV-RENAL", "INV-FOLATE", "INV-NEURO-WARNING")


@pytest.mark.covers("INV-LIFELONG", "D-LIFELONG", "R-LIFELONG")
@examples
@given(course_request=valid_courses)
def test_a_course_never_ends_therapy(course_request: CourseRequest) -> None:
    """Law: every course has a next due date and a forward schedule with a dose, whatever the
    labs say, and a stop request adds LIFELONG_CLINICIAN_DECISION without changing any date.
    Cheats ruled out: stopping when homocysteine is on target, a stop request honoured, an empty
    schedule."""
    outcome = assess_course(course_request)
    if isinstance(outcome, CourseAssessment):
        assert isinstance(outcome.next_due_date, datetime.date)
        assert outcome.schedule.loading_dates or outcome.schedule.maintenance_dates
        assert (Code.LIFELONG_CLINICIAN_DECISION in codes(outcome.findings)) == (
            course_request.stop_requested
        )
        toggled = dataclasses.replace(
            course_request, stop_requested=not course_request.stop_requested
        )
        other = assess_course(toggled)
        assert isinstance(other, CourseAssessment)
        assert (other.next_due_date, other.labs_due_date, other.phase, other.schedule) == (
            outcome.next_due_date,
            outcome.labs_due_date,
            outcome.phase,
            outcome.schedule,
        )
    assert not violations_of(check_course(course_request, outcome), "INV-LIFELONG")


@pytest.mark.covers("INV-INTERVAL-MAX", "INV-INTERVAL-MONTHLY", "D-INTERVAL")
@examples
@given(course_request=valid_courses)
def test_course_intervals_in_force(course_request: CourseRequest) -> None:
    """Law: in every phase the assessment reports the intervals in force, 1 <= due <=
    overdue-after <= 3 months, monthly where the ileal or Crohn's rule applies, and the interval
    rules compared, as D-INTERVAL gives them (RECURRED counts as neurological involvement).
    Cheats ruled out: intervals reported only in maintenance, hydroxocobalamin staying 2/3 after
    recurrence."""
    outcome = assess_course(course_request)
    if isinstance(outcome, CourseAssessment):
        assert 1 <= outcome.due_interval_months <= outcome.overdue_after_months <= 3
    found = check_course(course_request, outcome)
    assert not violations_of(found, "INV-INTERVAL-MAX", "INV-INTERVAL-MONTHLY", "D-INTERVAL")


@pytest.mark.covers("INV-DATES-ORDERED", "INV-MONTH-CLAMP", "D-MISSED", "D-MONTH")
@examples
@given(course_request=valid_courses)
def test_next_dose_is_after_the_last_and_counts_calendar_months(
    course_request: CourseRequest,
) -> None:
    """Law: the next due date is never on or before the last recorded injection (never two on
    one day); in maintenance it is the last actual dose plus the due interval in calendar months,
    clamped to the month's end, and days overdue count from the overdue-after date. Cheats ruled
    out: due dates counted from the plan instead of the actual dose, 30-day months."""
    outcome = assess_course(course_request)
    injections = course_request.injection_dates
    if isinstance(outcome, CourseAssessment) and injections:
        assert outcome.next_due_date > max(injections)
        if outcome.phase.name == "MAINTENANCE":
            assert outcome.next_due_date == add_months(max(injections), outcome.due_interval_months)
    found = check_course(course_request, outcome)
    assert not violations_of(found, "INV-DATES-ORDERED", "INV-MONTH-CLAMP", "D-MISSED")


@pytest.mark.covers("INV-FINDINGS", "INV-CITATIONS")
@examples
@given(course_request=any_courses)
def test_course_findings_are_well_formed_and_cited(course_request: CourseRequest) -> None:
    """Law: each code once (however many days have two injections), with its fixed severity, in
    order, each citing catalogue IDs with their references. Cheat ruled out: one
    TWO_INJECTIONS_ONE_DAY per duplicated day."""
    outcome = assess_course(course_request)
    if isinstance(outcome, CourseAssessment):
        found = [f.code for f in outcome.findings]
        assert len(found) == len(set(found))
    assert not violations_of(check_course(course_request, outcome), "INV-FINDINGS", "INV-CITATIONS")


@pytest.mark.covers("INV-VALIDATION", "D-INVALID", "D-COURSE")
@examples
@invalid_examples
@given(course_request=any_courses)
def test_invalid_courses_name_every_offending_field(course_request: CourseRequest) -> None:
    """Law: a course is rejected when D-INVALID says so (injections after the reference date or
    before the start, labs without a value, IMPROVING or PLATEAUED with ABSENT, RECURRED before
    six injections outside prophylaxis ...), naming every offending field once. Cheat ruled out:
    an impossible status silently treated as NONE."""
    outcome = assess_course(course_request)
    if course_expectation(course_request).invalid:
        assert isinstance(outcome, InvalidInput)
    assert not violations_of(check_course(course_request, outcome), "INV-VALIDATION")


@pytest.mark.covers("INV-DETERMINISTIC", "D-FIELDS")
@examples
@given(course_request=any_courses)
def test_assessing_is_deterministic_and_reads_lists_in_date_order(
    course_request: CourseRequest,
) -> None:
    """Law: the same course gives an equal output, and so does the same course with its
    injections and lab results in reverse order. Cheats ruled out: "last injection" taken as the
    last one sent, "most recent" lab as the last in the list."""
    first, second = assess_course(course_request), assess_course(course_request)
    assert first == second
    assert repr(first) == repr(second)
    reversed_request = dataclasses.replace(
        course_request,
        injection_dates=tuple(reversed(course_request.injection_dates)),
        lab_results=tuple(reversed(course_request.lab_results)),
    )
    third = assess_course(reversed_request)
    if not isinstance(first, InvalidInput):
        assert third == first


@pytest.mark.covers(
    "D-COURSE",
    "D-MISSED",
    "D-LABS",
    "D-RECURRENCE",
    "R-MON-LABS",
    "R-MON-HCY",
    "R-MON-SYMPTOMS",
)
@examples
@given(course_request=any_courses)
def test_course_agrees_with_the_oracle_on_every_decision(course_request: CourseRequest) -> None:
    """Law: phase, next due date, days overdue, labs due, stabilised, review, suggested interval
    and every finding are what D-COURSE, D-MISSED, D-LABS and D-RECURRENCE give, as the
    independent oracle computes them. Cheat ruled out: any departure that no single invariant
    names (labs due from the wrong series, missed doses off by one)."""
    outcome = assess_course(course_request)
    assert check_course(course_request, outcome) == []


@pytest.mark.covers("INV-COURSE-OUTCOME", "D-COURSE-OUTCOME", "D-MAINT-GAP", "D-LOAD-INTERRUPTED")
@examples
@with_examples("course_request", invalid_course_examples())
@given(course_request=any_courses)
def test_a_course_is_reviewed_exactly_when_a_clinician_must_review_it(
    course_request: CourseRequest,
) -> None:
    """Law: the outcome is REVIEW exactly when clinician review is required, which is exactly
    when a finding of D-COURSE-OUTCOME is present (suspension, overdue review, recurrence, a long
    maintenance gap, interrupted loading, NOT_COVERED); never CONTINUE beside the critical
    suspension. Cheats ruled out: CONTINUE beside "home administration suspended", a 295-day gap
    answered CONTINUE, REVIEW set from some of the causes only."""
    outcome = assess_course(course_request)
    if isinstance(outcome, CourseAssessment):
        review = bool(codes(outcome.findings) & REVIEW_CODES)
        assert outcome.clinician_review_required == review
        assert (outcome.outcome is CourseOutcome.REVIEW) == review
        if has_critical(outcome.findings, Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW):
            assert outcome.outcome is CourseOutcome.REVIEW
    found = check_course(course_request, outcome)
    assert not violations_of(
        found, "INV-COURSE-OUTCOME", "D-COURSE-OUTCOME", "D-MAINT-GAP", "D-LOAD-INTERRUPTED"
    )


@pytest.mark.covers("INV-SCHEDULE", "D-COURSE-SCHEDULE", "D-HORIZON", "D-MONTH")
@examples
@given(course_request=valid_courses)
def test_the_forward_schedule_is_lifelong_and_never_doubles_a_day(
    course_request: CourseRequest,
) -> None:
    """Law: the forward schedule strictly increases, never has two doses on one day, starts at
    the next due date (or the reference date where that is later), chains each maintenance gap
    by the interval in force (D-MONTH), and reaches the horizon: the next dose after its last
    date lies after the horizon. Cheats ruled out: a schedule that stops at the first
    maintenance date, one that starts on a past due date, 30-day months, a neurological series
    cut at the review date."""
    outcome = assess_course(course_request)
    if isinstance(outcome, CourseAssessment):
        schedule = outcome.schedule
        doses = (*schedule.loading_dates, *schedule.maintenance_dates)
        assert all(a < b for a, b in itertools.pairwise(doses))
        reference = course_request.reference_date
        assert reference is not None
        horizon = course_request.horizon_date or reference
        assert schedule.horizon_date == horizon
        assert doses[0] == max(outcome.next_due_date, reference)
        due = outcome.due_interval_months
        maintenance = schedule.maintenance_dates
        assert all(b == add_months(a, due) for a, b in itertools.pairwise(maintenance))
        if maintenance:
            assert add_months(maintenance[-1], due) > horizon
        else:
            assert schedule.loading_open_ended
            assert add_days(schedule.loading_dates[-1], 2) > horizon
    found = check_course(course_request, outcome)
    assert not violations_of(found, "INV-SCHEDULE", "D-COURSE-SCHEDULE")


@pytest.mark.covers("INV-SCHEDULE", "D-COURSE-SCHEDULE", "D-HORIZON")
@given(course_request=valid_courses, extra_days=st.integers(1, 800))
def test_a_later_course_horizon_only_adds_dates(
    course_request: CourseRequest, extra_days: int
) -> None:
    """Law (metamorphic): a later course horizon keeps every scheduled date and adds only dates
    after the old horizon; nothing else of the assessment changes. Cheat ruled out: dates
    counted back from the horizon."""
    reference = course_request.reference_date
    assert reference is not None
    horizon = course_request.horizon_date or reference
    later = dataclasses.replace(
        course_request, horizon_date=horizon + datetime.timedelta(days=extra_days)
    )
    first, second = assess_course(course_request), assess_course(later)
    if isinstance(first, CourseAssessment) and isinstance(second, CourseAssessment):
        for name in ("loading_dates", "maintenance_dates", "lab_check_dates"):
            old, new = getattr(first.schedule, name), getattr(second.schedule, name)
            assert new[: len(old)] == old
            assert all(day > horizon for day in new[len(old) :])
        assert (first.findings, first.next_due_date, first.outcome) == (
            second.findings,
            second.next_due_date,
            second.outcome,
        )


@pytest.mark.covers("INV-WORDING", "D-WORDING")
@examples
@with_examples("course_request", invalid_course_examples())
@given(course_request=any_courses)
def test_course_texts_name_no_machine_code_and_no_file_path(course_request: CourseRequest) -> None:
    """Law: no finding or violation text of a course contains a machine code or a file path,
    and a rule ID a text names is whole. Cheat ruled out: the suspension's causes listed by
    their enum names."""
    outcome = assess_course(course_request)
    texts = (
        [f.text for f in outcome.findings]
        if isinstance(outcome, CourseAssessment)
        else [v.reason for v in outcome.violations]
    )
    assert all(not wording_problems(text) for text in texts)
    assert not violations_of(check_course(course_request, outcome), "INV-WORDING", "D-WORDING")
