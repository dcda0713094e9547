"""D-WINDOWS and D-CHECK-FORMULATION: the inputs rule set 1.0.0 answered NOT_COVERED.

Revision 2 settled the proposals of specs/proposed-decisions.md: dates beyond the calendar window
and horizons over 100 years are validation errors on the field that holds them, and a proposed
formulation is judged, never NOT_COVERED. The boundaries are the last valid and first invalid
value of each.
"""

from __future__ import annotations

import datetime

import pytest

from kernel import assess_course, check_regimen, plan_regimen
from kernel.model import (
    CheckRequest,
    Code,
    CourseAssessment,
    CourseRequest,
    DeficiencyStatus,
    Formulation,
    InvalidInput,
    LabResult,
    NeurologicalInvolvement,
    PatientProfile,
    PlanRequest,
    ProposedRegimen,
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
LAST_VALID = datetime.date(9899, 12, 31)
FIRST_INVALID = datetime.date(9900, 1, 1)
LATEST_REASON = "must be on or before 9899-12-31"
WINDOW_REASON = "must be at most 100 years after start_date"


def _fields(outcome: object) -> dict[str, str]:
    assert isinstance(outcome, InvalidInput)
    return {violation.field: violation.reason for violation in outcome.violations}


@pytest.mark.covers("D-WINDOWS", "D-HORIZON")
@pytest.mark.parametrize(
    ("start", "horizon", "invalid"),
    [
        (LAST_VALID, None, {}),
        (FIRST_INVALID, None, {"start_date": LATEST_REASON}),
        (datetime.date.max, None, {"start_date": LATEST_REASON}),
        (datetime.date(9850, 1, 1), LAST_VALID, {}),
        (datetime.date(9850, 1, 1), FIRST_INVALID, {"horizon_date": LATEST_REASON}),
        (datetime.date(2026, 1, 31), datetime.date(2126, 1, 31), {}),
        (datetime.date(2026, 1, 31), datetime.date(2126, 2, 1), {"horizon_date": WINDOW_REASON}),
        (datetime.date(2024, 2, 29), datetime.date(2124, 2, 29), {}),
        (datetime.date(2024, 2, 29), datetime.date(2124, 3, 1), {"horizon_date": WINDOW_REASON}),
        (datetime.date.min, datetime.date(101, 1, 1), {}),
        (datetime.date.min, datetime.date(101, 1, 2), {"horizon_date": WINDOW_REASON}),
    ],
)
def test_plan_dates_outside_the_window_are_invalid(
    start: datetime.date, horizon: datetime.date | None, invalid: dict[str, str]
) -> None:
    outcome = plan_regimen(PlanRequest(profile=PROFILE, start_date=start, horizon_date=horizon))
    if not invalid:
        assert isinstance(outcome, RegimenPlan)
    else:
        assert _fields(outcome) == invalid


@pytest.mark.covers("D-WINDOWS")
def test_both_plan_dates_beyond_the_calendar_are_both_named() -> None:
    outcome = plan_regimen(
        PlanRequest(profile=PROFILE, start_date=FIRST_INVALID, horizon_date=datetime.date.max)
    )
    assert set(_fields(outcome)) == {"start_date", "horizon_date"}


def _course(**changes: object) -> CourseRequest:
    base: dict[str, object] = {
        "profile": PROFILE,
        "start_date": datetime.date(2026, 1, 5),
        "reference_date": datetime.date(2026, 3, 1),
        "injection_dates": (datetime.date(2026, 1, 5),),
    }
    base.update(changes)
    return CourseRequest(**base)  # type: ignore[arg-type]


@pytest.mark.covers("D-WINDOWS", "D-COURSE-SCHEDULE")
@pytest.mark.parametrize(
    ("changes", "invalid"),
    [
        ({"horizon_date": datetime.date(2026, 3, 1)}, {}),
        (
            {"horizon_date": datetime.date(2026, 2, 28)},
            {"horizon_date": "must not be before reference_date"},
        ),
        ({"horizon_date": datetime.date(2126, 1, 5)}, {}),
        ({"horizon_date": datetime.date(2126, 1, 6)}, {"horizon_date": WINDOW_REASON}),
        (
            {
                "start_date": datetime.date(9899, 12, 1),
                "reference_date": LAST_VALID,
                "injection_dates": (),
            },
            {},
        ),
        (
            {
                "start_date": datetime.date(9899, 12, 1),
                "reference_date": FIRST_INVALID,
                "injection_dates": (),
            },
            {"reference_date": LATEST_REASON},
        ),
        (
            {
                "start_date": FIRST_INVALID,
                "reference_date": FIRST_INVALID,
                "injection_dates": (FIRST_INVALID,),
                "lab_results": (LabResult(date=FIRST_INVALID, homocysteine_umol_per_l=8.0),),
                "stabilisation_date": FIRST_INVALID,
            },
            {
                "start_date": LATEST_REASON,
                "reference_date": LATEST_REASON,
                "injection_dates[0]": LATEST_REASON,
                "lab_results[0].date": LATEST_REASON,
                "stabilisation_date": LATEST_REASON,
            },
        ),
    ],
)
def test_course_dates_outside_the_window_are_invalid(
    changes: dict[str, object], invalid: dict[str, str]
) -> None:
    outcome = assess_course(_course(**changes))
    if not invalid:
        assert isinstance(outcome, CourseAssessment)
        assert not any(f.code is Code.NOT_COVERED for f in outcome.findings)
    else:
        assert _fields(outcome) == invalid


@pytest.mark.covers("D-CHECK-FORMULATION", "INV-CHECK-FORMULATION")
@pytest.mark.parametrize(
    "proposed",
    [Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML, Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML],
)
def test_a_proposed_formulation_is_judged_never_not_covered(proposed: Formulation) -> None:
    profile = PatientProfile(
        formulation=Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML,
        age_years=60,
        deficiency_status=DeficiencyStatus.CONFIRMED,
        neurological_involvement=NeurologicalInvolvement.ABSENT,
        platelets_10e9_per_l=200.0,
        egfr_ml_min_1_73m2=40.0,
    )
    outcome = check_regimen(
        CheckRequest(
            profile=profile,
            regimen=ProposedRegimen(formulation=proposed, maintenance_interval_months=2),
        )
    )
    assert isinstance(outcome, RegimenCheck)
    codes = {finding.code for finding in outcome.findings}
    assert Code.NOT_COVERED not in codes
    differs = proposed is not profile.formulation
    assert (Code.FORMULATION_DIFFERS_FROM_PROFILE in codes) == differs
    assert (Code.RENAL_PREFER_HYDROXOCOBALAMIN in codes) == (not differs)
    assert (Code.INTERVAL_LONGER_THAN_RECOMMENDED in codes) == (not differs)
