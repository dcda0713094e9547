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
    CourseNeurologicalStatus,
    CourseOutcome,
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
    assert Code.CROHN_LENGTH_UNKNOWN_NOT_COUNTED in facts.population


@pytest.mark.covers("D-CONTRA", "D-PLT-SEVERE-REFER", "D-OUTCOME")
def test_oracle_reads_revision_2_referrals() -> None:
    leber = oracle.derive_facts(profile(leber_disease_or_tobacco_amblyopia=True))
    assert leber.refer_reasons == (ReferReason.CONTRAINDICATED,)
    assert leber.urgent_refer
    assert Code.LEBER_HYDROXOCOBALAMIN_ALTERNATIVE in leber.safety
    hydroxo = oracle.derive_facts(
        profile(leber_disease_or_tobacco_amblyopia=True, formulation=HYDROXO)
    )
    assert hydroxo.refer_reasons == (ReferReason.SPECIALIST_REGIMEN,)
    assert Code.LEBER_HYDROXOCOBALAMIN_ALTERNATIVE not in hydroxo.safety
    both = oracle.derive_facts(
        profile(leber_disease_or_tobacco_amblyopia=True, hypersensitivity_cobalt_or_b12=True)
    )
    assert both.refer_reasons == (ReferReason.CONTRAINDICATED,)
    assert Code.LEBER_HYDROXOCOBALAMIN_ALTERNATIVE not in both.safety
    judged = oracle.derive_facts(
        profile(leber_disease_or_tobacco_amblyopia=True), formulation=HYDROXO
    )
    assert judged.refer_reasons == (ReferReason.SPECIALIST_REGIMEN,)
    low = oracle.derive_facts(profile(platelets_10e9_per_l=9.99))
    assert low.refer_reasons == (ReferReason.PLATELETS_BELOW_25_NO_NEURO,)
    assert low.urgent_refer
    assert {Code.PLATELETS_SEVERE_SAME_DAY_ADVICE, Code.PLATELET_TRANSFUSION_CONSIDER} <= low.safety
    ten = oracle.derive_facts(profile(platelets_10e9_per_l=10.0))
    assert Code.PLATELET_TRANSFUSION_CONSIDER not in ten.safety
    assert not oracle.derive_facts(profile(platelets_10e9_per_l=25.0)).refer_reasons


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
    # D-LABS (amended): once stabilised, only the dates scheduled from it count (not 04-30).
    early = dataclasses.replace(
        base, reference_date=D(2024, 8, 1), stabilisation_date=D(2024, 6, 1)
    )
    assert oracle.expected_course(early, oracle.derive_facts(BASE)).labs_due == D(2025, 6, 1)


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


# ---------------------------------------------------------------------------------------------
# Rule set 2.0.0: hand-computed values and planted defects.
# ---------------------------------------------------------------------------------------------

SIX = tuple(START + datetime.timedelta(days=d) for d in (0, 2, 4, 7, 9, 11))


def _course(request: CourseRequest) -> CourseAssessment:
    outcome = assess_course(request)
    assert isinstance(outcome, CourseAssessment)
    assert oracle.check_course(request, outcome) == []
    return outcome


def _check(request: CheckRequest) -> RegimenCheck:
    outcome = check_regimen(request)
    assert isinstance(outcome, RegimenCheck)
    assert oracle.check_check(request, outcome) == []
    return outcome


def _replace_finding(
    findings: tuple[Finding, ...], code: Code, **changes: object
) -> tuple[Finding, ...]:
    return tuple(dataclasses.replace(f, **changes) if f.code is code else f for f in findings)  # type: ignore[arg-type]


@pytest.mark.covers("D-MAINT-GAP", "D-LOAD-INTERRUPTED", "D-MONTH")
def test_oracle_thresholds_of_the_course_review() -> None:
    # Last dose 2024-02-11, overdue after 03-11, long gap after 04-11 (D-MONTH twice).
    request = CourseRequest(profile=BASE, start_date=START, injection_dates=SIX)
    facts = oracle.derive_facts(BASE)
    on = dataclasses.replace(request, reference_date=D(2024, 4, 11))
    after = dataclasses.replace(request, reference_date=D(2024, 4, 12))
    assert Code.MAINTENANCE_LONG_GAP not in oracle.expected_course(on, facts).codes
    assert Code.MAINTENANCE_LONG_GAP in oracle.expected_course(after, facts).codes
    loading = CourseRequest(profile=BASE, start_date=START, injection_dates=SIX[:2])
    seven = dataclasses.replace(loading, reference_date=SIX[1] + datetime.timedelta(days=7))
    eight = dataclasses.replace(loading, reference_date=SIX[1] + datetime.timedelta(days=8))
    assert Code.LOADING_INTERRUPTED not in oracle.expected_course(seven, facts).codes
    assert Code.LOADING_INTERRUPTED in oracle.expected_course(eight, facts).codes


@pytest.mark.covers("D-COURSE-SCHEDULE", "D-MISSED")
def test_oracle_schedule_of_a_late_standard_loading() -> None:
    # Two doses (01-31, 02-02), reference 02-14: dose 3 on 02-14, then 02-16, 02-18, 02-20;
    # maintenance from 02-20 + 1 month, chained to the horizon.
    request = CourseRequest(
        profile=BASE,
        start_date=START,
        reference_date=D(2024, 2, 14),
        injection_dates=SIX[:2],
        horizon_date=D(2024, 5, 1),
    )
    expected = oracle.expected_course(request, oracle.derive_facts(BASE))
    assert expected.schedule is not None
    assert expected.schedule.loading_dates == (
        D(2024, 2, 14),
        D(2024, 2, 16),
        D(2024, 2, 18),
        D(2024, 2, 20),
    )
    assert expected.schedule.maintenance_dates == (D(2024, 3, 20), D(2024, 4, 20))
    assert expected.schedule.lab_check_dates == (D(2024, 4, 30),)


@pytest.mark.covers("D-WINDOWS", "D-PREGNANCY")
def test_oracle_windows_and_pregnancy_date() -> None:
    assert oracle.plan_expectation(plan(start=D(9900, 1, 1), horizon=None)).required == [
        frozenset({"start_date"})
    ]
    assert oracle.plan_expectation(plan(start=START, horizon=D(2124, 2, 1))).invalid
    assert not oracle.plan_expectation(plan(start=START, horizon=D(2124, 1, 31))).invalid
    course = CourseRequest(
        profile=BASE, start_date=START, reference_date=D(2024, 3, 1), horizon_date=D(2024, 2, 29)
    )
    assert oracle.course_expectation(course).required == [frozenset({"horizon_date"})]
    pregnant = plan({"pregnant": True}, horizon=None)
    facts = oracle.derive_facts(pregnant.profile)
    assert oracle.expected_plan(pregnant, facts).pregnancy_review_date == D(2024, 2, 29)


@pytest.mark.covers("INV-CITATIONS", "D-CHECK", "D-RENAL")
def test_oracle_requires_exact_citations_the_two_planted_bugs_of_issue_13() -> None:
    """A hydroxocobalamin INTERVAL_LONGER_THAN_RECOMMENDED citing R-MAINT-CYANO, and a
    cyanocobalamin plan's guidance citing R-RENAL and D-RENAL, both reported."""
    check = CheckRequest(
        profile=profile(
            formulation=HYDROXO, neurological_involvement=NeurologicalInvolvement.PRESENT
        ),
        regimen=ProposedRegimen(maintenance_interval_months=2.5),
    )
    good = _check(check)
    finding = next(f for f in good.findings if f.code is Code.INTERVAL_LONGER_THAN_RECOMMENDED)
    cited = tuple(
        sorted({*finding.rule_ids, "R-MAINT-CYANO"}, key=oracle.CATALOGUE_ORDER.__getitem__)
    )
    bad = dataclasses.replace(
        good,
        findings=_replace_finding(
            good.findings,
            Code.INTERVAL_LONGER_THAN_RECOMMENDED,
            rule_ids=cited,
            source_references=oracle.expected_references(cited),
        ),
    )
    found = oracle.check_check(check, bad)
    assert any(v.startswith("INV-CITATIONS") and "R-MAINT-CYANO" in v for v in found)
    renal = plan({"egfr_ml_min_1_73m2": 40.0})
    plan_outcome = _plan(renal)
    assert oracle.check_plan(renal, plan_outcome) == []
    ids = tuple(
        sorted(
            {*plan_outcome.guidance.rule_ids, "R-RENAL", "D-RENAL"},
            key=oracle.CATALOGUE_ORDER.__getitem__,
        )
    )
    guidance = dataclasses.replace(
        plan_outcome.guidance, rule_ids=ids, source_references=oracle.expected_references(ids)
    )
    found = oracle.check_plan(renal, dataclasses.replace(plan_outcome, guidance=guidance))
    assert any(v.startswith("INV-CITATIONS: guidance") and "R-RENAL" in v for v in found)
    # An extra ID that produced nothing, and a missing required one.
    folate = plan({"folic_acid_started_before_b12": True})
    folate_plan = _plan(folate)
    padded = _replace_finding(
        folate_plan.warnings, Code.FOLATE_BEFORE_B12, rule_ids=("R-FOLATE", "D-OUTCOME", "D-FOLATE")
    )
    assert "INV-CITATIONS" in _ids(
        oracle.check_plan(folate, dataclasses.replace(folate_plan, warnings=padded))
    )
    cut = _replace_finding(folate_plan.warnings, Code.FOLATE_BEFORE_B12, rule_ids=("R-FOLATE",))
    assert "INV-CITATIONS" in _ids(
        oracle.check_plan(folate, dataclasses.replace(folate_plan, warnings=cut))
    )


@pytest.mark.covers("INV-REFER-PLATELETS", "INV-REFER", "D-PLT-SEVERE-REFER")
def test_oracle_rejects_a_routine_refer_for_a_count_of_8() -> None:
    request = plan({"platelets_10e9_per_l": 8.0})
    good = plan_regimen(request)
    assert isinstance(good, Referral)
    assert oracle.check_plan(request, good) == []
    routine = dataclasses.replace(good, urgent=False)
    assert {"INV-REFER", "INV-REFER-PLATELETS"} <= _ids(oracle.check_plan(request, routine))
    silent = dataclasses.replace(
        good,
        warnings=tuple(
            w for w in good.warnings if w.code is not Code.PLATELETS_SEVERE_SAME_DAY_ADVICE
        ),
    )
    assert "INV-REFER-PLATELETS" in _ids(oracle.check_plan(request, silent))
    demoted = dataclasses.replace(
        good,
        warnings=_replace_finding(
            good.warnings, Code.PLATELETS_SEVERE_SAME_DAY_ADVICE, severity=Severity.WARNING
        ),
    )
    assert "INV-REFER-PLATELETS" in _ids(oracle.check_plan(request, demoted))
    no_delay = dataclasses.replace(good, text="Refer urgently: arrange same-day specialist care.")
    assert "D-WORDING" in _ids(oracle.check_plan(request, no_delay))


@pytest.mark.covers("INV-COURSE-OUTCOME", "D-COURSE-OUTCOME")
def test_oracle_rejects_continue_beside_a_suspension() -> None:
    request = CourseRequest(
        profile=profile(hypersensitivity_cobalt_or_b12=True),
        start_date=START,
        reference_date=START + datetime.timedelta(days=20),
        injection_dates=SIX,
    )
    good = _course(request)
    continued = dataclasses.replace(good, outcome=CourseOutcome.CONTINUE)
    assert "INV-COURSE-OUTCOME" in _ids(oracle.check_course(request, continued))
    unflagged = dataclasses.replace(good, clinician_review_required=False)
    assert "INV-COURSE-OUTCOME" in _ids(oracle.check_course(request, unflagged))
    gap = CourseRequest(
        profile=BASE, start_date=START, reference_date=D(2024, 12, 1), injection_dates=SIX
    )
    long_gap = _course(gap)
    quiet = dataclasses.replace(
        long_gap,
        findings=tuple(f for f in long_gap.findings if f.code is not Code.MAINTENANCE_LONG_GAP),
        outcome=CourseOutcome.CONTINUE,
        clinician_review_required=False,
    )
    assert "D-MAINT-GAP" in _ids(oracle.check_course(gap, quiet))


@pytest.mark.covers("INV-SCHEDULE", "D-COURSE-SCHEDULE")
def test_oracle_rejects_a_broken_schedule() -> None:
    request = CourseRequest(
        profile=BASE,
        start_date=START,
        reference_date=D(2024, 3, 20),
        injection_dates=SIX,
        horizon_date=D(2024, 9, 1),
    )
    good = _course(request)
    schedule = good.schedule
    assert len(schedule.maintenance_dates) > 2
    short = dataclasses.replace(schedule, maintenance_dates=schedule.maintenance_dates[:-1])
    assert "INV-SCHEDULE" in _ids(
        oracle.check_course(request, dataclasses.replace(good, schedule=short))
    )
    doubled = dataclasses.replace(
        schedule, maintenance_dates=(schedule.maintenance_dates[0], *schedule.maintenance_dates)
    )
    assert "INV-SCHEDULE" in _ids(
        oracle.check_course(request, dataclasses.replace(good, schedule=doubled))
    )
    past = dataclasses.replace(
        schedule,
        maintenance_dates=(good.next_due_date, *schedule.maintenance_dates[1:]),
    )
    assert "INV-SCHEDULE" in _ids(
        oracle.check_course(request, dataclasses.replace(good, schedule=past))
    )
    thirty = tuple(
        schedule.maintenance_dates[0] + datetime.timedelta(days=30 * k)
        for k in range(len(schedule.maintenance_dates))
    )
    drift = dataclasses.replace(schedule, maintenance_dates=thirty)
    assert "INV-SCHEDULE" in _ids(
        oracle.check_course(request, dataclasses.replace(good, schedule=drift))
    )


@pytest.mark.covers("INV-WORDING", "D-WORDING")
def test_oracle_rejects_machine_codes_paths_and_cut_ids_in_texts() -> None:
    request = plan({"age_years": 15, "folic_acid_started_before_b12": True})
    good = plan_regimen(request)
    assert isinstance(good, Referral)
    assert oracle.check_plan(request, good) == []
    for text in (
        "Refer: OUT_OF_SCOPE_AGE.",
        "See specs/clinical-decisions.md for the reason.",
        "See clinical-decisions.md.",
        "Reason: R-MAINT-",
        "Reason: D-OUTCOM.",
    ):
        doctored = dataclasses.replace(
            good, warnings=_replace_finding(good.warnings, Code.FOLATE_BEFORE_B12, text=text)
        )
        assert "INV-WORDING" in _ids(oracle.check_plan(request, doctored)), text
    assert (
        oracle.wording_problems("Platelets below 25 x10^9/L: 25-27G needle, mcg/mL, D-PLT.") == ()
    )
    pregnant = plan({"age_years": 15, "pregnant": True})
    refer = plan_regimen(pregnant)
    assert isinstance(refer, Referral)
    assert oracle.check_plan(pregnant, refer) == []
    advice = _replace_finding(
        refer.warnings, Code.PREGNANCY_REVIEW, text="Pregnancy: review the response after 1 month."
    )
    found = oracle.check_plan(pregnant, dataclasses.replace(refer, warnings=advice))
    assert "D-WORDING" in _ids(found)
    hydroxo = plan({"formulation": HYDROXO})
    hydroxo_plan = _plan(hydroxo)
    items = tuple(
        dataclasses.replace(item, text=item.text + " (cyanocobalamin label)")
        if item.code is Code.EARLY_BASELINE_BLOODS
        else item
        for item in hydroxo_plan.monitoring.items
    )
    monitoring = dataclasses.replace(hydroxo_plan.monitoring, items=items)
    found = oracle.check_plan(hydroxo, dataclasses.replace(hydroxo_plan, monitoring=monitoring))
    assert "D-WORDING" in _ids(found)


@pytest.mark.covers("INV-CHECK-FORMULATION", "D-CHECK-FORMULATION")
def test_oracle_rejects_a_check_that_reads_the_profiles_formulation() -> None:
    request = CheckRequest(
        profile=profile(egfr_ml_min_1_73m2=40.0),
        regimen=ProposedRegimen(formulation=HYDROXO, maintenance_interval_months=2.0),
    )
    good = _check(request)
    renal = Finding(
        Code.RENAL_PREFER_HYDROXOCOBALAMIN,
        Severity.WARNING,
        "Renal.",
        ("R-RENAL", "D-RENAL"),
        ("1",),
    )
    with_renal = dataclasses.replace(good, findings=(renal, *good.findings))
    assert "INV-CHECK-FORMULATION" in _ids(oracle.check_check(request, with_renal))
    covered = Finding(
        Code.NOT_COVERED, Severity.CRITICAL, "Not covered.", ("D-OUTCOME",), ("none",)
    )
    mismatch = dataclasses.replace(good, findings=(covered, *good.findings))
    assert "D-CHECK-FORMULATION" in _ids(oracle.check_check(request, mismatch))


@pytest.mark.covers("INV-FINDINGS", "D-PREGNANCY", "D-ANTICOAGULANT", "D-RECURRENCE")
def test_oracle_rejects_revision_2_order_dates_and_suggestions() -> None:
    request = plan({"pregnant": True, "anticoagulant_therapy": True})
    good = _plan(request)
    assert oracle.check_plan(request, good) == []
    codes = [w.code for w in good.warnings]
    assert codes.index(Code.PREGNANCY_REVIEW) < codes.index(Code.ANTICOAGULANT_PRECAUTIONS)
    swapped = dataclasses.replace(good, warnings=tuple(reversed(good.warnings)))
    assert "INV-FINDINGS" in _ids(oracle.check_plan(request, swapped))
    monitoring = dataclasses.replace(good.monitoring, pregnancy_review_date=None)
    assert "D-PREGNANCY" in _ids(
        oracle.check_plan(request, dataclasses.replace(good, monitoring=monitoring))
    )
    guidance = dataclasses.replace(
        good.guidance,
        needle_gauge_min=None,
        needle_gauge_max=None,
        pressure_minutes_min=None,
        pressure_minutes_max=None,
    )
    assert "D-ANTICOAGULANT" in _ids(
        oracle.check_plan(request, dataclasses.replace(good, guidance=guidance))
    )
    recurred = CourseRequest(
        profile=profile(formulation=HYDROXO),
        start_date=START,
        reference_date=START + datetime.timedelta(days=20),
        injection_dates=SIX,
        neurological_status=CourseNeurologicalStatus.RECURRED,
    )
    course = _course(recurred)
    assert course.suggested_next_due_date == D(2024, 3, 11)
    moved = dataclasses.replace(course, suggested_next_due_date=course.next_due_date)
    assert "D-RECURRENCE" in _ids(oracle.check_course(recurred, moved))
