"""Inputs answered NOT_COVERED until specs/proposed-decisions.md is accepted."""

from __future__ import annotations

import datetime

import pytest

from kernel import assess_course, check_regimen, plan_regimen
from kernel.model import (
    CheckRequest,
    Code,
    CourseAssessment,
    CoursePhase,
    CourseRequest,
    DeficiencyStatus,
    Formulation,
    LabResult,
    NeurologicalInvolvement,
    PatientProfile,
    PlanRequest,
    ProposedRegimen,
    Referral,
    ReferReason,
    RegimenCheck,
    RegimenPlan,
)

PROFILE = PatientProfile(
    formulation=Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML,
    age_years=40,
    deficiency_status=DeficiencyStatus.CONFIRMED,
    neurological_involvement=NeurologicalInvolvement.ABSENT,
    platelets_10e9_per_l=200.0,
)
LAST_COVERED = datetime.date(9899, 12, 31)
FIRST_UNCOVERED = datetime.date(9900, 1, 1)


@pytest.mark.covers("D-OUTCOME", "D-HORIZON")
@pytest.mark.parametrize(
    ("start", "horizon", "covered"),
    [
        (LAST_COVERED, None, True),
        (FIRST_UNCOVERED, None, False),
        (datetime.date.max, None, False),
        (datetime.date(9850, 1, 1), LAST_COVERED, True),
        (datetime.date(9850, 1, 1), FIRST_UNCOVERED, False),
        (datetime.date(2026, 1, 31), datetime.date(2126, 1, 31), True),
        (datetime.date(2026, 1, 31), datetime.date(2126, 2, 1), False),
        (datetime.date.min, datetime.date(101, 1, 1), True),
        (datetime.date.min, datetime.date(101, 1, 2), False),
    ],
)
def test_plan_dates_beyond_the_window_are_not_covered(
    start: datetime.date, horizon: datetime.date | None, *, covered: bool
) -> None:
    outcome = plan_regimen(PlanRequest(profile=PROFILE, start_date=start, horizon_date=horizon))
    if covered:
        assert isinstance(outcome, RegimenPlan)
    else:
        assert isinstance(outcome, Referral)
        assert outcome.reasons == (ReferReason.NOT_COVERED,)
        assert "D-OUTCOME" in outcome.rule_ids


@pytest.mark.covers("D-OUTCOME")
def test_not_covered_comes_after_every_other_refer_reason() -> None:
    young = PatientProfile(
        formulation=Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML,
        age_years=15,
        deficiency_status=DeficiencyStatus.UNKNOWN,
        neurological_involvement=NeurologicalInvolvement.PRESENT,
    )
    outcome = plan_regimen(PlanRequest(profile=young, start_date=FIRST_UNCOVERED))
    assert isinstance(outcome, Referral)
    assert outcome.reasons == (ReferReason.OUT_OF_SCOPE_AGE, ReferReason.NOT_COVERED)
    assert outcome.urgent


@pytest.mark.covers("D-OUTCOME", "D-COURSE")
def test_course_beyond_the_window_keeps_its_phase_and_says_not_covered() -> None:
    outcome = assess_course(
        CourseRequest(
            profile=PROFILE,
            start_date=datetime.date(9999, 1, 1),
            reference_date=datetime.date.max,
            lab_results=(
                LabResult(date=datetime.date(9999, 11, 30), homocysteine_umol_per_l=5.0),
                LabResult(date=datetime.date.max, homocysteine_umol_per_l=5.0),
            ),
        )
    )
    assert isinstance(outcome, CourseAssessment)
    assert outcome.phase is CoursePhase.STANDARD_LOADING
    assert outcome.next_due_date is None
    assert outcome.labs_due_date is None
    codes = [finding.code for finding in outcome.findings]
    assert codes[0] is Code.NOT_COVERED


@pytest.mark.covers("D-COURSE")
def test_course_at_the_last_covered_day_is_dated() -> None:
    outcome = assess_course(
        CourseRequest(profile=PROFILE, start_date=LAST_COVERED, reference_date=LAST_COVERED)
    )
    assert isinstance(outcome, CourseAssessment)
    assert outcome.next_due_date == LAST_COVERED
    assert outcome.labs_due_date == datetime.date(9900, 3, 31)
    assert Code.NOT_COVERED not in [finding.code for finding in outcome.findings]


@pytest.mark.covers("D-CHECK")
def test_regimen_check_is_covered_for_every_date() -> None:
    outcome = check_regimen(
        CheckRequest(
            profile=PROFILE,
            regimen=ProposedRegimen(
                loading_dates=(datetime.date.max, datetime.date.min),
                stop_date=datetime.date.max,
            ),
        )
    )
    assert isinstance(outcome, RegimenCheck)
    assert Code.NOT_COVERED not in [finding.code for finding in outcome.findings]
    assert Code.LIFELONG in [finding.code for finding in outcome.findings]
