"""The oracle itself: golden values from the decision texts, and doctored outputs it must reject.

The oracle is only worth something if it can fail. These tests give it hand-computed answers
from ``clinical-decisions.md`` (never the kernel's output) and kernel outputs with one planted
defect each, which it must report under the right ID.
"""

from __future__ import annotations

import dataclasses
import datetime

import pytest

from kernel import assess_course, check_regimen, plan_regimen
from kernel.model import (
    BariatricProcedure,
    CheckRequest,
    Code,
    CourseAssessment,
    CourseRequest,
    DeficiencyStatus,
    Finding,
    Formulation,
    LabResult,
    NeurologicalInvolvement,
    PlanRequest,
    PlanSetting,
    ProposedRegimen,
    Referral,
    ReferReason,
    RegimenCheck,
    RegimenPlan,
    Severity,
)
from specs.verification import oracle
from specs.verification.properties.examples import BASE, START, plan, profile

D = datetime.date
HYDROXO = Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML


def _ids(found: list[str]) -> set[str]:
    return {violation.split(":", 1)[0] for violation in found}


def _plan(request: PlanRequest) -> RegimenPlan:
    outcome = plan_regimen(request)
    assert isinstance(outcome, RegimenPlan)
    return outcome


@pytest.mark.covers("D-MONTH", "INV-MONTH-CLAMP")
def test_oracle_months() -> None:
    assert oracle.add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert oracle.add_months(D(2023, 1, 31), 1) == D(2023, 2, 28)
    assert oracle.add_months(D(2024, 1, 31), 2) == D(2024, 3, 31)
    assert oracle.add_months(D(2024, 11, 30), 3) == D(2025, 2, 28)
    with pytest.raises(ValueError, match="out of range"):
        oracle.add_months(D(9999, 12, 1), 1)


@pytest.mark.covers("D-DEFICIENCY", "D-NEURO-UNKNOWN", "D-PROPHYLAXIS", "D-OUTCOME")
def test_oracle_deficiency_and_refer_reasons() -> None:
    facts = oracle.derive_facts(
        profile(
            neurological_involvement=NeurologicalInvolvement.UNKNOWN,
            deficiency_status=DeficiencyStatus.NOT_PRESENT,
        )
    )
    assert facts.effective_confirmed
    assert {
        Code.NEURO_WITHOUT_CONFIRMED_DEFICIENCY,
        Code.NEURO_STATUS_UNCERTAIN,
        Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE,
    } <= facts.safety
    assert facts.refer_reasons == ()
    facts = oracle.derive_facts(
        profile(
            age_years=15,
            hypersensitivity_cobalt_or_b12=True,
            platelets_10e9_per_l=24.9,
            deficiency_status=DeficiencyStatus.NOT_PRESENT,
        )
    )
    assert facts.refer_reasons == (
        ReferReason.OUT_OF_SCOPE_AGE,
        ReferReason.CONTRAINDICATED,
        ReferReason.PLATELETS_BELOW_25_NO_NEURO,
        ReferReason.NO_INDICATION,
    )
    facts = oracle.derive_facts(
        profile(deficiency_status=DeficiencyStatus.UNKNOWN, crohn_ileal_involvement=True)
    )
    assert facts.refer_reasons == (ReferReason.DEFICIENCY_NOT_ESTABLISHED,)
    assert not facts.crohn


@pytest.mark.covers("D-INTERVAL", "D-EXTENDED", "R-POP-BARIATRIC", "R-MAINT-HYDROXO")
def test_oracle_interval_table() -> None:
    facts = oracle.derive_facts(
        profile(formulation=HYDROXO, bariatric_procedure=BariatricProcedure.SLEEVE)
    )
    assert facts.interval_rules == (
        ("R-MAINT-HYDROXO", 2, 3, True),
        ("R-POP-BARIATRIC", 3, 3, False),
    )
    assert (facts.due, facts.overdue) == (2, 3)
    facts = oracle.derive_facts(profile(crohn_ileal_involvement=True, formulation=HYDROXO))
    assert facts.crohn
    assert Code.CROHN_LENGTH_UNKNOWN in facts.population
    assert (facts.due, facts.overdue) == (1, 1)


@pytest.mark.covers("D-LOAD-DAYS", "D-MONTH", "D-HORIZON", "D-LABS")
def test_oracle_standard_plan_from_31_january() -> None:
    request = plan(start=D(2024, 1, 31), horizon=D(2024, 6, 30))
    expected = oracle.expected_plan(request, oracle.derive_facts(request.profile))
    assert expected.loading_dates == (
        D(2024, 1, 31),
        D(2024, 2, 2),
        D(2024, 2, 4),
        D(2024, 2, 7),
        D(2024, 2, 9),
        D(2024, 2, 11),
    )
    assert expected.maintenance_dates == (
        D(2024, 3, 11),
        D(2024, 4, 11),
        D(2024, 5, 11),
        D(2024, 6, 11),
    )
    assert expected.lab_dates == (D(2024, 4, 30),)


@pytest.mark.covers("D-LABS")
def test_oracle_labs_due() -> None:
    base = CourseRequest(profile=BASE, start_date=D(2024, 1, 31), reference_date=D(2024, 5, 1))
    assert oracle.expected_course(base, oracle.derive_facts(BASE)).labs_due == D(2024, 4, 30)
    done = dataclasses.replace(base, lab_results=(LabResult(D(2024, 4, 30), 300.0, None),))
    assert oracle.expected_course(done, oracle.derive_facts(BASE)).labs_due == D(2024, 7, 31)
    stable = dataclasses.replace(
        base, reference_date=D(2025, 6, 1), stabilisation_date=D(2024, 6, 1)
    )
    assert oracle.expected_course(stable, oracle.derive_facts(BASE)).labs_due == D(2025, 6, 1)


@pytest.mark.covers("INV-RENAL", "INV-FINDINGS", "INV-CITATIONS")
def test_oracle_rejects_a_plan_without_its_renal_warning() -> None:
    request = plan(
        {
            "egfr_ml_min_1_73m2": 59.0,
            "platelets_10e9_per_l": None,
            "folic_acid_started_before_b12": True,
        }
    )
    good = _plan(request)
    assert len(good.warnings) == 3
    assert oracle.check_plan(request, good) == []
    dropped = tuple(w for w in good.warnings if w.code is not Code.RENAL_PREFER_HYDROXOCOBALAMIN)
    assert "INV-RENAL" in _ids(
        oracle.check_plan(request, dataclasses.replace(good, warnings=dropped))
    )
    demoted = tuple(
        dataclasses.replace(w, severity=Severity.INFO)
        if w.code is Code.PLATELETS_NOT_ASSESSED
        else w
        for w in good.warnings
    )
    assert "INV-FINDINGS" in _ids(
        oracle.check_plan(request, dataclasses.replace(good, warnings=demoted))
    )
    unknown = (*good.warnings[:-1], dataclasses.replace(good.warnings[-1], rule_ids=("D-NOPE",)))
    assert "INV-CITATIONS" in _ids(
        oracle.check_plan(request, dataclasses.replace(good, warnings=unknown))
    )
    swapped = tuple(reversed(good.warnings))
    assert "INV-FINDINGS" in _ids(
        oracle.check_plan(request, dataclasses.replace(good, warnings=swapped))
    )


@pytest.mark.covers("INV-LOAD-STANDARD", "INV-HORIZON", "INV-DOSE", "INV-NO-HOME-BELOW-25")
def test_oracle_rejects_doctored_plan_dates_and_doses() -> None:
    request = plan()
    good = _plan(request)
    loading = dataclasses.replace(good.loading, injection_dates=good.loading.injection_dates[:5])
    found = oracle.check_plan(request, dataclasses.replace(good, loading=loading))
    assert "INV-LOAD-STANDARD" in _ids(found)
    maintenance = dataclasses.replace(
        good.maintenance, injection_dates=good.maintenance.injection_dates[:-1]
    )
    found = oracle.check_plan(request, dataclasses.replace(good, maintenance=maintenance))
    assert "INV-HORIZON" in _ids(found)
    guidance = dataclasses.replace(good.guidance, volume_ml=2.0)
    assert "INV-DOSE" in _ids(
        oracle.check_plan(request, dataclasses.replace(good, guidance=guidance))
    )
    low = plan(
        {"platelets_10e9_per_l": 24.9, "neurological_involvement": NeurologicalInvolvement.PRESENT}
    )
    supervised = _plan(low)
    assert supervised.setting is PlanSetting.SUPERVISED
    home = dataclasses.replace(supervised, setting=PlanSetting.HOME)
    assert "INV-NO-HOME-BELOW-25" in _ids(oracle.check_plan(low, home))


@pytest.mark.covers("INV-REFER", "INV-TOTAL-PLAN")
def test_oracle_rejects_a_doctored_refer() -> None:
    request = plan({"age_years": 15, "hypersensitivity_cobalt_or_b12": True})
    good = plan_regimen(request)
    assert isinstance(good, Referral)
    assert oracle.check_plan(request, good) == []
    reordered = dataclasses.replace(good, reasons=tuple(reversed(good.reasons)))
    assert "INV-REFER" in _ids(oracle.check_plan(request, reordered))
    assert "INV-REFER" in _ids(oracle.check_plan(request, dataclasses.replace(good, urgent=True)))
    extra = Finding(Code.SITE_BUTTOCK_REPLACED, Severity.WARNING, "x", ("D-SITE",), ("none",))
    padded = dataclasses.replace(good, warnings=(*good.warnings, extra))
    assert "INV-REFER" in _ids(oracle.check_plan(request, padded))
    assert "INV-TOTAL-PLAN" in _ids(oracle.check_plan(plan(), good))


@pytest.mark.covers("INV-TOTAL-CHECK", "INV-LIFELONG")
def test_oracle_rejects_a_doctored_check() -> None:
    request = CheckRequest(profile=profile(age_years=15), regimen=ProposedRegimen(stop_date=START))
    good = check_regimen(request)
    assert isinstance(good, RegimenCheck)
    assert oracle.check_check(request, good) == []
    no_refer = dataclasses.replace(good, refer_reasons=())
    assert "INV-TOTAL-CHECK" in _ids(oracle.check_check(request, no_refer))
    kept = tuple(f for f in good.findings if f.code is not Code.LIFELONG)
    assert "INV-LIFELONG" in _ids(
        oracle.check_check(request, dataclasses.replace(good, findings=kept))
    )


@pytest.mark.covers("INV-TOTAL-COURSE", "D-MISSED", "INV-INTERVAL-MAX")
def test_oracle_rejects_a_doctored_course() -> None:
    request = CourseRequest(
        profile=profile(hypersensitivity_cobalt_or_b12=True),
        start_date=START,
        reference_date=START + datetime.timedelta(days=60),
        injection_dates=tuple(START + datetime.timedelta(days=d) for d in (0, 2, 4, 7, 9, 11)),
    )
    good = assess_course(request)
    assert isinstance(good, CourseAssessment)
    assert oracle.check_course(request, good) == []
    kept = tuple(
        f for f in good.findings if f.code is not Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW
    )
    found = oracle.check_course(request, dataclasses.replace(good, findings=kept))
    assert "INV-TOTAL-COURSE" in _ids(found)
    late = dataclasses.replace(good, days_overdue=good.days_overdue + 1)
    assert "D-MISSED" in _ids(oracle.check_course(request, late))
    wide = dataclasses.replace(good, overdue_after_months=4)
    assert "INV-INTERVAL-MAX" in _ids(oracle.check_course(request, wide))


@pytest.mark.covers("INV-VALIDATION")
def test_oracle_rejects_an_exception_and_a_plan_from_invalid_input() -> None:
    request = plan({"platelets_10e9_per_l": float("nan")})
    assert "INV-VALIDATION" in _ids(oracle.check_plan(request, ValueError("boom")))
    assert "INV-VALIDATION" in _ids(oracle.check_plan(request, _plan(plan())))
    expectation = oracle.plan_expectation(request)
    assert expectation.required == [frozenset({"profile.platelets_10e9_per_l"})]
