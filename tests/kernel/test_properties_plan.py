"""Properties of ``plan_regimen``: at least one per plan invariant (INV-...).

Each property states its law directly on the kernel's output and also asks the independent
oracle (``specs/verification/oracle.py``) for violations of the same ID. Every property also runs
the boundary requests of ``specs/verification/properties/examples.py`` (``@example``), so a bug
hidden behind one exact threshold is found on every run, not by luck.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel import plan_regimen
from kernel.model import (
    Code,
    Formulation,
    InvalidInput,
    LoadingPattern,
    MaintenanceStart,
    NeurologicalInvolvement,
    PlanRequest,
    PlanSetting,
    Referral,
    ReferReason,
    RegimenPlan,
    Route,
)
from kernel.rules import RULES
from specs.verification import strategies as gen
from specs.verification.oracle import (
    INVARIANTS,
    REFER_MAY_CARRY,
    add_months,
    check_plan,
    derive_facts,
    expected_plan_kind,
    plan_expectation,
    wording_problems,
)
from specs.verification.properties.examples import (
    invalid_plan_examples,
    plan_examples,
    with_examples,
)
from specs.verification.properties.laws import codes, has_critical, violations_of

CYANO = Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML
STANDARD_DAYS = (0, 2, 4, 7, 9, 11)

examples = with_examples("plan_request", plan_examples())
valid_plans = gen.plan_requests("valid")
any_plans = gen.plan_requests("any")


def _neuro(request: PlanRequest) -> bool:
    return request.profile.neurological_involvement in {
        NeurologicalInvolvement.PRESENT,
        NeurologicalInvolvement.UNKNOWN,
    }


def _valid(request: PlanRequest) -> bool:
    return not plan_expectation(request).invalid


@pytest.mark.covers("INV-DOSE", "R-DOSE-1000", "R-FORM-1")
@examples
@given(plan_request=valid_plans)
def test_every_dose_in_a_plan_is_1000_mcg_1_ml_im(plan_request: PlanRequest) -> None:
    """Law: every dose a plan states (loading, maintenance, guidance) is 1000 mcg = 1 mL of
    1000 mcg/mL, intramuscular. Cheat ruled out: a plan that scales the dose or volume for one
    population (100 mcg maintenance, 2 mL loading) or names another route."""
    outcome = plan_regimen(plan_request)
    if isinstance(outcome, RegimenPlan):
        for part in (outcome.loading, outcome.maintenance, outcome.guidance):
            assert (part.dose_mcg, part.volume_ml, part.route) == (1000, 1.0, Route.INTRAMUSCULAR)
        assert outcome.guidance.concentration_mcg_per_ml == 1000
    assert not violations_of(check_plan(plan_request, outcome), "INV-DOSE")


@pytest.mark.covers("INV-RENAL", "R-RENAL", "D-RENAL")
@examples
@given(plan_request=valid_plans)
def test_renal_impairment_with_cyanocobalamin_always_warns(plan_request: PlanRequest) -> None:
    """Law: every plan or REFER from valid input with renal impairment (reported, eGFR < 60 or
    diabetic nephropathy) and cyanocobalamin carries RENAL_PREFER_HYDROXOCOBALAMIN, and with
    hydroxocobalamin carries no renal warning. Cheats ruled out: the warning dropped on one
    outcome (REFER, supervised plan), an off-by-one eGFR threshold (<= 60, < 59), and an explicit
    "no" cancelling the eGFR or nephropathy."""
    outcome = plan_regimen(plan_request)
    profile = plan_request.profile
    egfr = profile.egfr_ml_min_1_73m2
    renal = (
        profile.renal_impairment_reported
        or profile.diabetic_nephropathy
        or (egfr is not None and egfr < 60)
    )
    if isinstance(outcome, RegimenPlan | Referral):
        present = Code.RENAL_PREFER_HYDROXOCOBALAMIN in codes(outcome.warnings)
        assert present == (renal and profile.formulation is CYANO)
    assert not violations_of(check_plan(plan_request, outcome), "INV-RENAL", "D-RENAL")


@pytest.mark.covers("INV-FOLATE", "R-FOLATE", "D-FOLATE")
@examples
@given(plan_request=valid_plans)
def test_folic_acid_before_b12_is_always_critical(plan_request: PlanRequest) -> None:
    """Law: every plan or REFER from valid input where folic acid was started before B12 carries
    the critical FOLATE_BEFORE_B12, and no other output carries it. Cheats ruled out: the warning
    only on home plans, or downgraded to a warning severity."""
    outcome = plan_regimen(plan_request)
    if isinstance(outcome, RegimenPlan | Referral):
        folate = plan_request.profile.folic_acid_started_before_b12
        assert has_critical(outcome.warnings, Code.FOLATE_BEFORE_B12) == folate
    assert not violations_of(check_plan(plan_request, outcome), "INV-FOLATE")


@pytest.mark.covers("INV-NEURO-WARNING", "D-NEURO-URGENT", "D-NEURO-UNKNOWN")
@examples
@given(plan_request=valid_plans)
def test_neurological_involvement_always_seeks_specialist_advice(
    plan_request: PlanRequest,
) -> None:
    """Law: every plan or REFER from valid input with neurological involvement PRESENT or UNKNOWN
    carries the critical NEURO_SEEK_URGENT_SPECIALIST_ADVICE, and ABSENT never does. Cheats ruled
    out: UNKNOWN not treated as PRESENT, the warning missing on a REFER or supervised plan."""
    outcome = plan_regimen(plan_request)
    if isinstance(outcome, RegimenPlan | Referral):
        urgent = has_critical(outcome.warnings, Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE)
        assert urgent == _neuro(plan_request)
    found = check_plan(plan_request, outcome)
    assert not violations_of(found, "INV-NEURO-WARNING", "D-NEURO-UNKNOWN")


@pytest.mark.covers("INV-CITATIONS", "D-OUTCOME")
@examples
@given(plan_request=any_plans)
def test_every_plan_element_cites_catalogue_ids_with_their_references(
    plan_request: PlanRequest,
) -> None:
    """Law: every warning, item, phase, interval rule and REFER cites at least one ID, only IDs
    of the catalogue, each once in catalogue order, with exactly the source references of the R-
    rules it cites ("none" where none has one), and names the rule-set version. Cheats ruled out:
    an invented or misspelt ID, a reference number copied from the wrong rule, a missing
    reference 4."""
    outcome = plan_regimen(plan_request)
    if isinstance(outcome, RegimenPlan):
        assert outcome.rule_set_version
        for warning in outcome.warnings:
            assert warning.rule_ids
            assert warning.source_references
    assert not violations_of(check_plan(plan_request, outcome), "INV-CITATIONS")


@pytest.mark.covers("INV-LIFELONG", "R-LIFELONG", "D-LIFELONG", "R-MAINT-CYANO")
@examples
@given(plan_request=valid_plans)
def test_every_plan_has_lifelong_maintenance(plan_request: PlanRequest) -> None:
    """Law: every plan has a maintenance phase marked lifelong, with an interval, and nothing in
    it ends therapy. Cheat ruled out: a plan whose maintenance is finite for some population (for
    example prophylaxis stopping after a year)."""
    outcome = plan_regimen(plan_request)
    if isinstance(outcome, RegimenPlan):
        assert outcome.maintenance.lifelong
        assert outcome.maintenance.due_interval_months >= 1
        assert Code.LIFELONG not in codes(outcome.warnings)
    assert not violations_of(check_plan(plan_request, outcome), "INV-LIFELONG")


@pytest.mark.covers("INV-INTERVAL-MAX", "D-INTERVAL", "R-MAINT-HYDROXO", "R-POP-BARIATRIC")
@examples
@given(plan_request=valid_plans)
def test_maintenance_intervals_lie_between_one_and_three_months(
    plan_request: PlanRequest,
) -> None:
    """Law: the due and overdue-after intervals of a plan, and of every interval rule it lists,
    satisfy 1 <= due <= overdue-after <= 3 months, and the plan's are the minima over the rules
    that hold (P1). Cheats ruled out: the maximum taken instead of the minimum, an extended or
    bariatric interval stretched past 3 months."""
    outcome = plan_regimen(plan_request)
    if isinstance(outcome, RegimenPlan):
        maintenance = outcome.maintenance
        assert 1 <= maintenance.due_interval_months <= maintenance.overdue_after_months <= 3
        assert maintenance.due_interval_months == min(
            rule.due_interval_months for rule in outcome.interval_rules
        )
        assert maintenance.overdue_after_months == min(
            rule.overdue_after_months for rule in outcome.interval_rules
        )
    found = check_plan(plan_request, outcome)
    assert not violations_of(found, "INV-INTERVAL-MAX", "D-INTERVAL", "D-EXTENDED")


@pytest.mark.covers("INV-INTERVAL-MONTHLY", "R-POP-ILEAL", "R-POP-CROHN", "D-PROPHYLAXIS")
@examples
@given(plan_request=valid_plans)
def test_ileal_or_crohn_rule_gives_monthly_maintenance(plan_request: PlanRequest) -> None:
    """Law: when ileal resection of 20 cm or more (or unknown length) or Crohn's ileal involvement
    of 30 cm or more (or unknown length with deficiency) applies, the plan's maintenance is due
    and overdue after 1 month, whatever else is asked. Cheats ruled out: the literal "> 20" /
    "> 30" at exactly 20 and 30 cm, an extended-interval request or hydroxocobalamin overriding
    the monthly rule."""
    outcome = plan_regimen(plan_request)
    profile = plan_request.profile
    resection = profile.ileal_resection_length_cm
    if (
        isinstance(outcome, RegimenPlan)
        and profile.ileal_resection
        and (resection is None or resection >= 20)
    ):
        assert outcome.maintenance.due_interval_months == 1
        assert outcome.maintenance.overdue_after_months == 1
    assert not violations_of(check_plan(plan_request, outcome), "INV-INTERVAL-MONTHLY")


@pytest.mark.covers("INV-LOAD-STANDARD", "R-LOAD-STD", "D-LOAD-DAYS", "D-MONTH")
@examples
@given(plan_request=valid_plans)
def test_standard_loading_is_six_doses_on_fixed_days(plan_request: PlanRequest) -> None:
    """Law: standard loading (deficiency without neurological involvement) is exactly six
    injections on start + 0, 2, 4, 7, 9 and 11 days whatever the horizon, and maintenance starts
    one interval after the last of them. Cheats ruled out: loading truncated at a short horizon,
    "three times weekly" mapped to calendar weekdays, a seventh dose."""
    outcome = plan_regimen(plan_request)
    start = plan_request.start_date
    if (
        isinstance(outcome, RegimenPlan)
        and outcome.loading.pattern is LoadingPattern.STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS
        and start is not None
    ):
        expected = tuple(start + datetime.timedelta(days=d) for d in STANDARD_DAYS)
        assert outcome.loading.injection_dates == expected
        assert not outcome.loading.open_ended
        assert outcome.maintenance.first_due_date == add_months(
            expected[-1], outcome.maintenance.due_interval_months
        )
        assert outcome.maintenance.start is MaintenanceStart.ONE_INTERVAL_AFTER_LAST_LOADING_DOSE
    assert not violations_of(check_plan(plan_request, outcome), "INV-LOAD-STANDARD")


@pytest.mark.covers("INV-LOAD-NEURO", "R-LOAD-NEURO", "D-NEURO-OPEN")
@examples
@given(plan_request=valid_plans)
def test_neurological_loading_is_open_ended_alternate_days(plan_request: PlanRequest) -> None:
    """Law: with neurological involvement PRESENT or UNKNOWN a plan loads every second day from
    the start, open-ended, with a review at start + 14 days, and its maintenance has an interval
    and a start rule but no first due date and no dates. Cheats ruled out: a fixed two-week neuro
    loading, maintenance dated automatically after the review, UNKNOWN loading as standard."""
    outcome = plan_regimen(plan_request)
    start = plan_request.start_date
    if isinstance(outcome, RegimenPlan) and _neuro(plan_request) and start is not None:
        loading = outcome.loading
        assert loading.pattern is LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED
        assert loading.open_ended
        assert loading.review_date == start + datetime.timedelta(days=14)
        assert [(d - start).days for d in loading.injection_dates][:8] == list(range(0, 16, 2))
        assert outcome.maintenance.first_due_date is None
        assert outcome.maintenance.injection_dates == ()
    assert not violations_of(check_plan(plan_request, outcome), "INV-LOAD-NEURO")


@pytest.mark.covers("INV-PLATELET-GUIDANCE", "R-PLT-PRECAUTION", "R-PLT-STANDARD", "D-PLT")
@examples
@given(plan_request=valid_plans)
def test_low_or_unknown_platelets_always_give_needle_and_pressure(
    plan_request: PlanRequest,
) -> None:
    """Law: platelets <= 50 x10^9/L or not given, or anticoagulant therapy (D-ANTICOAGULANT),
    always give a 25-27G needle and 5-10 minutes of pressure; otherwise no gauge is emitted;
    THROMBOCYTOPENIA_PRECAUTIONS and PLATELETS_NOT_ASSESSED follow D-PLT exactly. Cheats ruled
    out: "< 50" for "<= 50", missing guidance when the count is absent, precautions dropped for a
    supervised plan, anticoagulant therapy without the needle above 50."""
    outcome = plan_regimen(plan_request)
    platelets = plan_request.profile.platelets_10e9_per_l
    anticoagulant = plan_request.profile.anticoagulant_therapy is True
    if isinstance(outcome, RegimenPlan):
        guidance = outcome.guidance
        needle = (guidance.needle_gauge_min, guidance.needle_gauge_max)
        pressure = (guidance.pressure_minutes_min, guidance.pressure_minutes_max)
        if platelets is None or platelets <= 50 or anticoagulant:
            assert (needle, pressure) == ((25, 27), (5, 10))
        else:
            assert (needle, pressure) == ((None, None), (None, None))
    found = check_plan(plan_request, outcome)
    assert not violations_of(found, "INV-PLATELET-GUIDANCE", "D-PLT", "D-ANTICOAGULANT")


@pytest.mark.covers("INV-NO-HOME-BELOW-25", "R-PLT-SEVERE", "D-PLT")
@examples
@given(plan_request=valid_plans)
def test_no_home_plan_below_25_platelets(plan_request: PlanRequest) -> None:
    """Law: with platelets below 25 x10^9/L there is never a home plan: with neurological
    involvement the plan is SUPERVISED (with TREAT_WITHOUT_DELAY, and the transfusion warning
    below 10), without it the answer is REFER. Cheats ruled out: "<= 24" for "< 25" (24.9 at
    home), the supervised setting lost on one branch."""
    outcome = plan_regimen(plan_request)
    platelets = plan_request.profile.platelets_10e9_per_l
    if platelets is not None and platelets < 25 and isinstance(outcome, RegimenPlan):
        assert outcome.setting is PlanSetting.SUPERVISED
        assert _neuro(plan_request)
        assert has_critical(outcome.warnings, Code.TREAT_WITHOUT_DELAY)
        assert has_critical(outcome.warnings, Code.PLATELET_TRANSFUSION_CONSIDER) == (
            platelets < 10
        )
    assert not violations_of(check_plan(plan_request, outcome), "INV-NO-HOME-BELOW-25")


@pytest.mark.covers("INV-DATES-ORDERED", "D-FIELDS")
@examples
@given(plan_request=valid_plans)
def test_dated_injections_and_labs_strictly_increase_from_the_start(
    plan_request: PlanRequest,
) -> None:
    """Law: the plan's dated injections (loading then maintenance) and its lab checks strictly
    increase, so never two on one day, and none is before the start. Cheats ruled out: the first
    maintenance dose landing on the last loading day, a lab list out of order, a date before the
    start from negative offsets."""
    outcome = plan_regimen(plan_request)
    if isinstance(outcome, RegimenPlan) and plan_request.start_date is not None:
        dated = outcome.loading.injection_dates + outcome.maintenance.injection_dates
        labs = outcome.monitoring.lab_check_dates
        for series in (dated, labs):
            assert all(a < b for a, b in itertools.pairwise(series))
            assert all(day >= plan_request.start_date for day in series)
    assert not violations_of(check_plan(plan_request, outcome), "INV-DATES-ORDERED")


@pytest.mark.covers("INV-MONTH-CLAMP", "D-MONTH", "D-LABS")
@examples
@given(plan_request=valid_plans)
def test_plan_months_are_calendar_months_clamped_to_month_end(
    plan_request: PlanRequest,
) -> None:
    """Law: each maintenance date is the previous one plus the due interval in calendar months
    (chained, clamped to the month's end), and lab checks are start + 3, 6, 9 ... months, each
    counted from the start. Cheats ruled out: 30-day "months", lab dates chained (drifting from
    31 to 28), the clamp lost after February."""
    outcome = plan_regimen(plan_request)
    if isinstance(outcome, RegimenPlan) and plan_request.start_date is not None:
        due = outcome.maintenance.due_interval_months
        dates = outcome.maintenance.injection_dates
        assert all(b == add_months(a, due) for a, b in itertools.pairwise(dates))
        labs = outcome.monitoring.lab_check_dates
        assert labs == tuple(
            add_months(plan_request.start_date, 3 * k) for k in range(1, len(labs) + 1)
        )
    assert not violations_of(check_plan(plan_request, outcome), "INV-MONTH-CLAMP")


@pytest.mark.covers("INV-HORIZON", "D-HORIZON")
@examples
@given(plan_request=valid_plans)
def test_horizon_limits_only_repeated_dates(plan_request: PlanRequest) -> None:
    """Law: no repeated date (maintenance after the first, neurological loading after the review,
    lab checks after the first) lies after the horizon, every one up to it is listed, and the
    always-listed dates (six standard loading doses, first maintenance, review, first lab) are
    listed even past it. Cheats ruled out: the horizon cutting the standard loading or the first
    lab check, a date one past an inclusive horizon, a series stopped early."""
    outcome = plan_regimen(plan_request)
    assert not violations_of(check_plan(plan_request, outcome), "INV-HORIZON")


@pytest.mark.covers("INV-HORIZON", "D-HORIZON")
@given(plan_request=valid_plans, extra_days=st.integers(1, 800))
def test_a_later_horizon_only_adds_dates(plan_request: PlanRequest, extra_days: int) -> None:
    """Law (metamorphic): moving the horizon later keeps every date of the plan and only adds
    dates after the old horizon. Cheat ruled out: dates computed backwards from the horizon."""
    start = plan_request.start_date
    assert start is not None
    horizon = plan_request.horizon_date or start
    later = dataclasses.replace(
        plan_request, horizon_date=horizon + datetime.timedelta(days=extra_days)
    )
    first, second = plan_regimen(plan_request), plan_regimen(later)
    if isinstance(first, RegimenPlan) and isinstance(second, RegimenPlan):
        for name in ("loading", "maintenance"):
            old = getattr(first, name).injection_dates
            new = getattr(second, name).injection_dates
            assert new[: len(old)] == old
            assert all(day > horizon for day in new[len(old) :])
        old_labs, new_labs = first.monitoring.lab_check_dates, second.monitoring.lab_check_dates
        assert new_labs[: len(old_labs)] == old_labs


@pytest.mark.covers("INV-TOTAL-PLAN", "D-OUTCOME", "D-SCOPE-AGE", "D-CONTRA", "D-DEFICIENCY")
@examples
@with_examples("plan_request", invalid_plan_examples())
@given(plan_request=any_plans)
def test_every_plan_request_gives_exactly_one_outcome_by_precedence(
    plan_request: PlanRequest,
) -> None:
    """Law: every plan request gives exactly one of a validation error, REFER, a supervised plan
    or a home plan, by the D-OUTCOME precedence: invalid input first, then any REFER condition,
    then supervision. Cheats ruled out: a default plan for an uncovered or REFER input, a plan
    from invalid input, REFER hiding a validation error."""
    outcome = plan_regimen(plan_request)
    kind = expected_plan_kind(plan_request)
    if isinstance(outcome, InvalidInput):
        assert kind == "invalid"
    elif isinstance(outcome, Referral):
        assert kind == "refer"
    else:
        assert kind == outcome.setting.name.lower()
    assert not violations_of(check_plan(plan_request, outcome), "INV-TOTAL-PLAN")


@pytest.mark.covers("INV-REFER", "D-OUTCOME", "D-PROPHYLAXIS")
@examples
@given(plan_request=valid_plans)
def test_refer_carries_only_safety_warnings_in_order(plan_request: PlanRequest) -> None:
    """Law: a REFER lists every reason in D-OUTCOME order, carries exactly the D-OUTCOME safety
    warnings whose condition holds and no other (D-CROHN-UNKNOWN's finding aside, which a REFER
    may carry), and is urgent exactly when neurological involvement is PRESENT or UNKNOWN, when
    platelets are below 25 without it (D-PLT-SEVERE-REFER), or with Leber's disease (D-CONTRA).
    Cheats ruled out: only the first reason, site or interval warnings on a REFER, a routine
    referral for a count of 8 or for Leber's disease."""
    outcome = plan_regimen(plan_request)
    if isinstance(outcome, Referral):
        assert codes(outcome.warnings) <= REFER_MAY_CARRY
        assert list(outcome.reasons) == sorted(set(outcome.reasons), key=list(ReferReason).index)
        assert outcome.urgent == derive_facts(plan_request.profile).urgent_refer
    assert not violations_of(check_plan(plan_request, outcome), "INV-REFER")


@pytest.mark.covers("INV-FINDINGS")
@examples
@given(plan_request=valid_plans)
def test_plan_warnings_once_each_with_fixed_severity_in_order(plan_request: PlanRequest) -> None:
    """Law: each code appears at most once in a plan or REFER, with its fixed severity, ordered
    by severity (critical, warning, info) then code declaration order. Cheats ruled out: a code
    repeated by two rules, a critical warning demoted, warnings in rule-evaluation order."""
    outcome = plan_regimen(plan_request)
    if isinstance(outcome, RegimenPlan | Referral):
        found = [w.code for w in outcome.warnings]
        assert len(found) == len(set(found))
        keys = [(w.severity.value, w.code.value) for w in outcome.warnings]
        assert keys == sorted(keys)
    assert not violations_of(check_plan(plan_request, outcome), "INV-FINDINGS")


@pytest.mark.covers("INV-VALIDATION", "D-INVALID", "D-FIELDS", "D-FORMULATIONS")
@with_examples("plan_request", invalid_plan_examples())
@given(plan_request=any_plans)
def test_invalid_plan_requests_name_every_offending_field(plan_request: PlanRequest) -> None:
    """Law: a plan request is rejected exactly when D-INVALID says so, naming every offending
    field (proto paths), each once, with a reason, and nothing else. Cheats ruled out: stopping at
    the first error, clamping an out-of-range value, naming a valid field."""
    outcome = plan_regimen(plan_request)
    if isinstance(outcome, InvalidInput):
        assert outcome.violations
        assert len({v.field for v in outcome.violations}) == len(outcome.violations)
    assert isinstance(outcome, InvalidInput) == (not _valid(plan_request))
    assert not violations_of(check_plan(plan_request, outcome), "INV-VALIDATION", "D-INVALID")


@pytest.mark.covers("INV-DETERMINISTIC")
@examples
@given(plan_request=any_plans)
def test_planning_twice_gives_the_same_output(plan_request: PlanRequest) -> None:
    """Law: the same request gives an equal output, byte for byte (equal and equal repr).
    Cheats ruled out: hidden state between calls (a cache that leaks across requests), output
    order taken from a set."""
    first, second = plan_regimen(plan_request), plan_regimen(plan_request)
    assert first == second
    assert repr(first) == repr(second)


@pytest.mark.covers(
    "D-SITE",
    "D-EARLY",
    "D-EXTENDED",
    "R-SITE-PREFERRED",
    "R-SITE-BUTTOCK",
    "R-MAINT-EXTENDED",
    "R-MONTHLY-BETTER",
)
@examples
@given(plan_request=any_plans)
def test_plan_agrees_with_the_oracle_on_every_decision(plan_request: PlanRequest) -> None:
    """Law: the whole plan (outcome, dates, intervals, guidance, sites, early checks, every
    warning) is what the decisions give, as the independent oracle computes it. Cheat ruled out:
    any departure from a decision table that no single invariant names."""
    outcome = plan_regimen(plan_request)
    assert check_plan(plan_request, outcome) == []


@pytest.mark.covers("INV-REFER-PLATELETS", "D-PLT-SEVERE-REFER", "R-PLT-SEVERE")
@examples
@given(plan_request=valid_plans)
def test_a_refer_for_low_platelets_is_urgent_with_same_day_advice(
    plan_request: PlanRequest,
) -> None:
    """Law: a REFER for platelets < 25 (PLATELETS_BELOW_25_NO_NEURO) is urgent and carries the
    critical PLATELETS_SEVERE_SAME_DAY_ADVICE, and PLATELET_TRANSFUSION_CONSIDER below 10.
    Cheats ruled out: the routine, unexplained referral of rule set 1.0.0 for a count of 8; the
    advice demoted to a warning; the transfusion note kept for supervised plans only."""
    outcome = plan_regimen(plan_request)
    if isinstance(outcome, Referral) and ReferReason.PLATELETS_BELOW_25_NO_NEURO in outcome.reasons:
        platelets = plan_request.profile.platelets_10e9_per_l
        assert platelets is not None
        assert outcome.urgent
        assert has_critical(outcome.warnings, Code.PLATELETS_SEVERE_SAME_DAY_ADVICE)
        assert has_critical(outcome.warnings, Code.PLATELET_TRANSFUSION_CONSIDER) == (
            platelets < 10
        )
    assert not violations_of(check_plan(plan_request, outcome), "INV-REFER-PLATELETS")


@pytest.mark.covers("INV-WORDING", "D-WORDING")
@examples
@with_examples("plan_request", invalid_plan_examples())
@given(plan_request=any_plans)
def test_plan_texts_name_no_machine_code_and_no_file_path(plan_request: PlanRequest) -> None:
    """Law: no text of a plan, a REFER or a validation error (warnings, items, the REFER's
    sentence and its reasons' sentences, violation reasons) contains a machine code such as
    PLATELETS_BELOW_25_NO_NEURO or a file path, and every rule ID a text names is whole. Cheats
    ruled out: a reason's enum name pasted into a clinician's text, the record's path quoted, an
    ID cut at a line length."""
    outcome = plan_regimen(plan_request)
    texts: list[str] = []
    if isinstance(outcome, RegimenPlan):
        texts = [w.text for w in outcome.warnings]
        texts += [i.text for i in (*outcome.guidance.items, *outcome.monitoring.items)]
    elif isinstance(outcome, Referral):
        texts = [outcome.text, *(w.text for w in outcome.warnings)]
        texts += [detail.text for detail in outcome.reason_details]
    else:
        texts = [violation.reason for violation in outcome.violations]
    assert all(not wording_problems(text) for text in texts)
    assert not violations_of(check_plan(plan_request, outcome), "INV-WORDING", "D-WORDING")


def test_the_invariant_catalogue_matches_the_kernels() -> None:
    """The oracle checks exactly the INV- IDs of the kernel's catalogue."""
    assert [rule_id for rule_id in RULES if rule_id.startswith("INV-")] == list(INVARIANTS)
