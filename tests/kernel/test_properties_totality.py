"""The kernel never raises, for any input (INV-VALIDATION), and is deterministic across
processes (INV-DETERMINISTIC).

The fuzzing here is deliberately wild: NaN, infinities, huge and negative floats, ``date.min``
and ``date.max``, missing and UNSPECIFIED fields, empty and very long lists.
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import example, given

import kernel
from kernel import assess_course, check_regimen, plan_regimen
from kernel.model import (
    CheckRequest,
    CourseAssessment,
    CourseRequest,
    InvalidInput,
    LabResult,
    PlanRequest,
    ProposedRegimen,
    Referral,
    RegimenCheck,
    RegimenPlan,
)
from specs.verification import strategies as gen
from specs.verification.oracle import check_check, check_course, check_plan
from specs.verification.properties.examples import BASE, START
from specs.verification.properties.laws import violations_of

ROOT = Path(__file__).resolve().parents[2]
TOTALITY = ("INV-VALIDATION", "INV-TOTAL-PLAN", "INV-TOTAL-CHECK", "INV-TOTAL-COURSE")
FAR = (datetime.date.min, datetime.date.max)
MANY_DAYS = tuple(START + datetime.timedelta(days=d) for d in range(3000))


@pytest.mark.covers("INV-VALIDATION", "INV-TOTAL-PLAN")
@example(plan_request=PlanRequest())
@example(plan_request=PlanRequest(profile=BASE, start_date=datetime.date.max))
@example(plan_request=PlanRequest(profile=BASE, start_date=datetime.date.min))
@example(plan_request=PlanRequest(profile=BASE, start_date=START, horizon_date=datetime.date.max))
@example(
    plan_request=PlanRequest(
        profile=BASE, start_date=datetime.date.min, horizon_date=datetime.date.max
    )
)
@given(plan_request=gen.plan_requests("wild"))
def test_planning_never_raises(plan_request: PlanRequest) -> None:
    """Law: ``plan_regimen`` returns a validation error, a REFER or a plan for every input, and
    a validation error exactly for invalid input. Cheats ruled out: an exception escaping for
    NaN, infinity or a date at the end of the calendar; NaN slipping through a range check."""
    outcome = plan_regimen(plan_request)
    assert isinstance(outcome, InvalidInput | Referral | RegimenPlan)
    assert not violations_of(check_plan(plan_request, outcome), *TOTALITY)


@pytest.mark.covers("INV-VALIDATION", "INV-TOTAL-CHECK")
@example(check_request=CheckRequest())
@example(check_request=CheckRequest(profile=BASE, regimen=ProposedRegimen(loading_dates=MANY_DAYS)))
@example(
    check_request=CheckRequest(
        profile=BASE, regimen=ProposedRegimen(loading_dates=FAR, loading_open_ended=False)
    )
)
@example(
    check_request=CheckRequest(
        profile=BASE,
        regimen=ProposedRegimen(dose_per_injection_mcg=float("inf"), stop_date=datetime.date.max),
    )
)
@given(check_request=gen.check_requests("wild"))
def test_checking_never_raises(check_request: CheckRequest) -> None:
    """Law: ``check_regimen`` returns a validation error or findings for every input. Cheats
    ruled out: an exception for an infinite dose, for loading dates 3652058 days apart, or for
    thousands of loading dates."""
    outcome = check_regimen(check_request)
    assert isinstance(outcome, InvalidInput | RegimenCheck)
    assert not violations_of(check_check(check_request, outcome), *TOTALITY)


@pytest.mark.covers("INV-VALIDATION", "INV-TOTAL-COURSE")
@example(course_request=CourseRequest())
@example(
    course_request=CourseRequest(
        profile=BASE, start_date=datetime.date.min, reference_date=datetime.date.max
    )
)
@example(
    course_request=CourseRequest(
        profile=BASE,
        start_date=datetime.date.max,
        reference_date=datetime.date.max,
        injection_dates=(datetime.date.max,),
    )
)
@example(
    course_request=CourseRequest(
        profile=BASE,
        start_date=START,
        reference_date=MANY_DAYS[-1],
        injection_dates=MANY_DAYS,
        lab_results=tuple(LabResult(date=d, homocysteine_umol_per_l=9.0) for d in MANY_DAYS),
    )
)
@given(course_request=gen.course_requests("wild"))
def test_assessing_never_raises(course_request: CourseRequest) -> None:
    """Law: ``assess_course`` returns a validation error or an assessment for every input.
    Cheats ruled out: an OverflowError adding months near 9999-12-31, a slow path on thousands of
    injections, an exception for a lab result with no value."""
    outcome = assess_course(course_request)
    assert isinstance(outcome, InvalidInput | CourseAssessment)
    assert not violations_of(check_course(course_request, outcome), *TOTALITY)


@pytest.mark.covers("INV-DETERMINISTIC")
def test_outputs_do_not_depend_on_the_hash_seed() -> None:
    """Law: the outputs over the whole boundary corpus are byte-identical in two processes with
    different hash seeds. Cheat ruled out: an output order taken from iterating a set or a dict
    of enums or strings (their hashes change with PYTHONHASHSEED)."""
    digests = set()
    # The kernel under test (the repository's, or a known-bad copy) comes first on the path.
    kernel_parent = str(Path(kernel.__file__).resolve().parent.parent)
    path = os.pathsep.join(dict.fromkeys((kernel_parent, str(ROOT))))
    for seed in ("0", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": path}
        result = subprocess.run(
            [sys.executable, "-P", "-m", "specs.verification.properties.digest"],
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
        )
        digests.add(result.stdout.strip())
    assert len(digests) == 1
