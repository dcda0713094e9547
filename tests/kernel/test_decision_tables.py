"""Golden decision tables (specs/tables/*.yaml) run against the kernel.

``test_row`` checks each row's hand-derived expectations; the IDs a row verifies are its
``covers`` list, which tests/verification/test_traceability.py reads from the tables.
``test_row_invariants`` checks the kernel invariants on the output of every row (valid and invalid
alike).
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import itertools

import pytest

from kernel import (
    assess_course,
    check_regimen,
    plan_regimen,
    validate_check_request,
    validate_course_request,
    validate_plan_request,
)
from kernel.model import (
    CheckRequest,
    Code,
    CourseAssessment,
    CourseNeurologicalStatus,
    CourseRequest,
    Finding,
    Formulation,
    InvalidInput,
    LoadingPattern,
    MaintenanceStart,
    NeurologicalInvolvement,
    PatientProfile,
    PlanRequest,
    PlanSetting,
    Referral,
    RegimenCheck,
    RegimenPlan,
    Route,
)
from kernel.rules import RULE_ORDER, RULE_SET_VERSION, RULES
from specs.verification.decision_tables import (
    REFER_WARNINGS,
    SEVERITIES,
    Result,
    Row,
    all_rows,
    compare,
    observe,
)

ROWS = all_rows()
CODE_ORDER = {code: index for index, code in enumerate(Code)}
STANDARD_OFFSETS = (0, 2, 4, 7, 9, 11)


def run(row: Row) -> Result:
    """Send the row's request to the kernel operation of its kind."""
    request = row.request
    if isinstance(request, PlanRequest):
        return plan_regimen(request)
    if isinstance(request, CheckRequest):
        return check_regimen(request)
    return assess_course(request)


def _row_param(row: Row) -> object:
    """A row as a test parameter; a row the kernel is known to disagree with is a strict xfail."""
    marks = (
        [pytest.mark.xfail(reason=f"kernel deviation: {row.kernel_deviation}", strict=True)]
        if row.kernel_deviation
        else []
    )
    return pytest.param(row, id=row.id, marks=marks)


@pytest.mark.parametrize("row", [_row_param(row) for row in ROWS])
def test_row(row: Row) -> None:
    problems = compare(row, run(row))
    note = f" (note: {row.note})" if row.note else ""
    assert not problems, f"{row.table}:{row.id}{note}\n" + "\n".join(problems)


def test_tables_are_not_empty() -> None:
    kinds = {row.kind for row in ROWS}
    assert kinds == {"plan", "check", "course"}
    assert len(ROWS) >= 150


# ---------------------------------------------------------------------------------------------
# Invariants checked on the output of every row.
# ---------------------------------------------------------------------------------------------


def _neuro(request: PlanRequest | CheckRequest | CourseRequest) -> bool:
    involvement = request.profile.neurological_involvement in {
        NeurologicalInvolvement.PRESENT,
        NeurologicalInvolvement.UNKNOWN,
    }
    if isinstance(request, CourseRequest):
        return involvement or request.neurological_status is CourseNeurologicalStatus.RECURRED
    return involvement


def _renal_cyano(profile: PatientProfile) -> bool:
    renal = (
        profile.renal_impairment_reported
        or profile.diabetic_nephropathy
        or (profile.egfr_ml_min_1_73m2 is not None and profile.egfr_ml_min_1_73m2 < 60)
    )
    return renal and profile.formulation is Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML


def _expected_references(rule_ids: tuple[str, ...]) -> tuple[str, ...]:
    references = {
        reference
        for rule_id in rule_ids
        if rule_id.startswith("R-")
        for reference in RULES[rule_id].source_references
        if reference != "none"
    }
    return tuple(sorted(references)) or ("none",)


def _check_citations(
    name: str, rule_ids: tuple[str, ...], refs: tuple[str, ...] | None
) -> list[str]:
    problems: list[str] = []
    if not rule_ids:
        problems.append(f"INV-CITATIONS: {name} cites no ID")
    unknown = [rule_id for rule_id in rule_ids if rule_id not in RULES]
    if unknown:
        problems.append(f"INV-CITATIONS: {name} cites unknown IDs {unknown}")
        return problems
    if list(rule_ids) != sorted(set(rule_ids), key=RULE_ORDER.__getitem__):
        problems.append(f"INV-CITATIONS: {name} IDs not distinct in catalogue order: {rule_ids}")
    if refs is not None and refs != _expected_references(rule_ids):
        problems.append(
            f"INV-CITATIONS: {name} references {refs}, expected {_expected_references(rule_ids)}"
        )
    return problems


def _check_findings(findings: tuple[Finding, ...]) -> list[str]:
    problems: list[str] = []
    codes = [finding.code for finding in findings]
    if len(codes) != len(set(codes)):
        problems.append(f"INV-FINDINGS: repeated codes in {[code.name for code in codes]}")
    for finding in findings:
        want = SEVERITIES.get(finding.code.name)
        if want != finding.severity.name.lower():
            problems.append(
                f"INV-FINDINGS: {finding.code.name} is {finding.severity.name}, expected {want}"
            )
        if not finding.text:
            problems.append(f"INV-FINDINGS: {finding.code.name} has no text")
        problems += _check_citations(finding.code.name, finding.rule_ids, finding.source_references)
    keys = [(finding.severity.value, CODE_ORDER[finding.code]) for finding in findings]
    if keys != sorted(keys):
        problems.append(f"INV-FINDINGS: not in severity/code order: {[c.name for c in codes]}")
    return problems


def _safety_warnings(
    request: PlanRequest | CheckRequest | CourseRequest, codes: set[str]
) -> list[str]:
    problems: list[str] = []
    profile = request.profile
    if _renal_cyano(profile) and "RENAL_PREFER_HYDROXOCOBALAMIN" not in codes:
        problems.append("INV-RENAL: renal impairment with cyanocobalamin but no renal warning")
    if profile.folic_acid_started_before_b12 and "FOLATE_BEFORE_B12" not in codes:
        problems.append("INV-FOLATE: folic acid before B12 but no FOLATE_BEFORE_B12")
    if _neuro(request) and "NEURO_SEEK_URGENT_SPECIALIST_ADVICE" not in codes:
        problems.append("INV-NEURO-WARNING: neurological involvement without the urgent warning")
    renal_codes = {"RENAL_PREFER_HYDROXOCOBALAMIN", "RENAL_CARDIOVASCULAR_SIGNAL"}
    if (
        profile.formulation is not Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML
        and codes & renal_codes
    ):
        problems.append("INV-RENAL: a renal warning without cyanocobalamin")
    if _renal_cyano(profile) and profile.diabetic_nephropathy:
        if "RENAL_CARDIOVASCULAR_SIGNAL" not in codes:
            problems.append("INV-RENAL: diabetic nephropathy without RENAL_CARDIOVASCULAR_SIGNAL")
    elif "RENAL_CARDIOVASCULAR_SIGNAL" in codes:
        problems.append("INV-RENAL: RENAL_CARDIOVASCULAR_SIGNAL without diabetic nephropathy")
    return problems + _platelet_codes(request, codes)


def _platelet_codes(
    request: PlanRequest | CheckRequest | CourseRequest, codes: set[str]
) -> list[str]:
    platelets = request.profile.platelets_10e9_per_l
    precautions = platelets is not None and (
        25 <= platelets <= 50 or (platelets < 25 and _neuro(request))
    )
    problems: list[str] = []
    if ("THROMBOCYTOPENIA_PRECAUTIONS" in codes) != precautions:
        problems.append("INV-PLATELET-GUIDANCE: THROMBOCYTOPENIA_PRECAUTIONS exactly for 25-50")
    if ("PLATELETS_NOT_ASSESSED" in codes) != (platelets is None):
        problems.append("INV-PLATELET-GUIDANCE: PLATELETS_NOT_ASSESSED exactly when not given")
    return problems


def _check_interval_ranges(
    result: RegimenPlan | CourseAssessment, due: int, overdue: int
) -> list[str]:
    rules = result.interval_rules
    dues = (due, *(rule.due_interval_months for rule in rules))
    overdues = (overdue, *(rule.overdue_after_months for rule in rules))
    return [
        f"INV-INTERVAL-MAX: interval {value} outside 1-3 months"
        for value in (*dues, *overdues)
        if not 1 <= value <= 3
    ]


def _check_intervals(result: RegimenPlan | CourseAssessment, due: int, overdue: int) -> list[str]:
    problems = _check_interval_ranges(result, due, overdue)
    rules = result.interval_rules
    if not rules:
        return [*problems, "INV-INTERVAL-MAX: no interval rule listed"]
    if due != min(rule.due_interval_months for rule in rules):
        problems.append("INV-INTERVAL-MAX: due interval is not the minimum over the rules")
    if overdue != min(rule.overdue_after_months for rule in rules):
        problems.append("INV-INTERVAL-MAX: overdue-after is not the minimum over the rules")
    problems += [
        f"INV-INTERVAL-MAX: winner flag wrong on {rule.rule_id}"
        for rule in rules
        if rule.winner != (rule.due_interval_months == due)
    ]
    for rule in rules:
        problems += _check_citations(f"interval rule {rule.rule_id}", rule.rule_ids, None)
    monthly = any(rule.rule_id in {"R-POP-ILEAL", "R-POP-CROHN"} for rule in rules)
    if monthly and (due, overdue) != (1, 1):
        problems.append(f"INV-INTERVAL-MONTHLY: ileal/Crohn's rule but intervals {due}/{overdue}")
    return problems


def _strictly_increasing(days: tuple[datetime.date, ...]) -> bool:
    return all(earlier < later for earlier, later in itertools.pairwise(days))


def _check_plan_dates(request: PlanRequest, plan: RegimenPlan) -> list[str]:
    problems: list[str] = []
    start = request.start_date
    assert start is not None
    horizon = request.horizon_date or start
    loading, maintenance = plan.loading, plan.maintenance
    labs = plan.monitoring.lab_check_dates
    dated = (*loading.injection_dates, *maintenance.injection_dates)
    if not _strictly_increasing(dated) or any(day < start for day in dated):
        problems.append("INV-DATES-ORDERED: injections not strictly increasing from the start")
    if not _strictly_increasing(labs) or any(day <= start for day in labs):
        problems.append("INV-DATES-ORDERED: lab checks not strictly increasing after the start")
    if not labs:
        problems.append("INV-HORIZON: the first lab date is always listed")
    if any(day > horizon for day in labs[1:]):
        problems.append("INV-HORIZON: a repeated lab date lies after the horizon")
    if any(day > horizon for day in maintenance.injection_dates[1:]):
        problems.append("INV-HORIZON: a repeated maintenance date lies after the horizon")
    if maintenance.first_due_date is not None and (
        maintenance.injection_dates[:1] != (maintenance.first_due_date,)
    ):
        problems.append("INV-HORIZON: the first maintenance date is always listed")
    if loading.pattern is LoadingPattern.STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS:
        want = tuple(start + datetime.timedelta(days=offset) for offset in STANDARD_OFFSETS)
        if loading.injection_dates != want or loading.open_ended:
            problems.append("INV-LOAD-STANDARD: not six doses on days 0, 2, 4, 7, 9, 11")
    if loading.pattern is LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED:
        problems += _check_neuro_loading(start, horizon, plan)
    return problems


def _check_neuro_loading(
    start: datetime.date, horizon: datetime.date, plan: RegimenPlan
) -> list[str]:
    problems: list[str] = []
    loading, maintenance = plan.loading, plan.maintenance
    review = start + datetime.timedelta(days=14)
    last = max(review, horizon)
    want = tuple(
        start + datetime.timedelta(days=offset) for offset in range(0, (last - start).days + 1, 2)
    )
    if not loading.open_ended or loading.review_date != review:
        problems.append("INV-LOAD-NEURO: not open-ended with a review at start + 14 days")
    if loading.injection_dates != want:
        problems.append("INV-LOAD-NEURO: not every second day through the review date/horizon")
    if (
        maintenance.first_due_date is not None
        or maintenance.injection_dates
        or maintenance.start
        is not MaintenanceStart.ONE_INTERVAL_AFTER_LAST_LOADING_DOSE_ONCE_PLATEAU_REPORTED
    ):
        problems.append("INV-LOAD-NEURO: maintenance is dated before a plateau is reported")
    return problems


def _check_platelets(request: PlanRequest, plan: RegimenPlan) -> list[str]:
    problems: list[str] = []
    guidance = plan.guidance
    platelets = request.profile.platelets_10e9_per_l
    low = platelets is None or platelets <= 50
    needle = (guidance.needle_gauge_min, guidance.needle_gauge_max)
    pressure = (guidance.pressure_minutes_min, guidance.pressure_minutes_max)
    if low and (needle, pressure) != ((25, 27), (5, 10)):
        problems.append("INV-PLATELET-GUIDANCE: platelets <= 50 or not given without 25-27G/5-10")
    if not low and (needle, pressure) != ((None, None), (None, None)):
        problems.append("INV-PLATELET-GUIDANCE: platelets > 50 with a needle or pressure")
    below_25 = platelets is not None and platelets < 25
    if below_25 and plan.setting is PlanSetting.HOME:
        problems.append("INV-NO-HOME-BELOW-25: a home plan with platelets below 25")
    if (plan.setting is PlanSetting.SUPERVISED) != (below_25 and _neuro(request)):
        problems.append("INV-TOTAL-PLAN: SUPERVISED exactly for platelets < 25 with involvement")
    return problems


def _check_plan(request: PlanRequest, plan: RegimenPlan) -> list[str]:
    profile = request.profile
    problems = _check_findings(plan.warnings)
    problems += _safety_warnings(request, {finding.code.name for finding in plan.warnings})
    for phase in (plan.loading, plan.maintenance):
        if (phase.dose_mcg, phase.volume_ml, phase.route) != (1000, 1.0, Route.INTRAMUSCULAR):
            problems.append("INV-DOSE: a phase is not 1000 mcg, 1 mL, IM")
    guidance = plan.guidance
    if (
        guidance.dose_mcg,
        guidance.volume_ml,
        guidance.concentration_mcg_per_ml,
        guidance.route,
        guidance.formulation,
    ) != (1000, 1.0, 1000, Route.INTRAMUSCULAR, profile.formulation):
        problems.append("INV-DOSE: guidance is not 1000 mcg = 1 mL of 1000 mcg/mL, IM")
    if not plan.maintenance.lifelong:
        problems.append("INV-LIFELONG: maintenance is not lifelong")
    if "LIFELONG_CLINICIAN_DECISION" in {finding.code.name for finding in plan.warnings}:
        problems.append("INV-LIFELONG: plans do not carry LIFELONG_CLINICIAN_DECISION")
    problems += _check_platelets(request, plan)
    if _neuro(request) and (
        plan.loading.pattern is not LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED
    ):
        problems.append("INV-LOAD-NEURO: neurological involvement without open-ended loading")
    for name, element in (
        ("loading", plan.loading),
        ("maintenance", plan.maintenance),
        ("guidance", plan.guidance),
        ("monitoring", plan.monitoring),
    ):
        problems += _check_citations(name, element.rule_ids, element.source_references)
    for item in (*guidance.items, *plan.monitoring.items):
        problems += _check_citations(item.code.name, item.rule_ids, item.source_references)
    problems += _check_intervals(
        plan, plan.maintenance.due_interval_months, plan.maintenance.overdue_after_months
    )
    return problems + _check_plan_dates(request, plan)


def _check_referral(request: PlanRequest, referral: Referral) -> list[str]:
    problems = _check_findings(referral.warnings)
    codes = {finding.code.name for finding in referral.warnings}
    problems += _safety_warnings(request, codes)
    if not codes <= REFER_WARNINGS:
        problems.append(f"INV-REFER: warnings other than D-OUTCOME's: {codes - REFER_WARNINGS}")
    values = [reason.value for reason in referral.reasons]
    if not values or values != sorted(set(values)):
        problems.append("INV-REFER: reasons empty, repeated or out of D-OUTCOME order")
    if referral.urgent != _neuro(request):
        problems.append("INV-REFER: urgent must equal neurological involvement")
    return problems + _check_citations("referral", referral.rule_ids, None)


def _check_course(request: CourseRequest, course: CourseAssessment) -> list[str]:
    problems = _check_findings(course.findings)
    codes = {finding.code.name for finding in course.findings}
    problems += _safety_warnings(request, codes)
    if ("LIFELONG_CLINICIAN_DECISION" in codes) != request.stop_requested:
        problems.append("INV-LIFELONG: LIFELONG_CLINICIAN_DECISION exactly with a stop request")
    if course.days_overdue < 0:
        problems.append("INV-TOTAL-COURSE: negative days overdue")
    return problems + _check_intervals(
        course, course.due_interval_months, course.overdue_after_months
    )


def _check_regimen_check(
    request: PlanRequest | CheckRequest | CourseRequest, check: RegimenCheck
) -> list[str]:
    codes = {finding.code.name for finding in check.findings}
    problems = _check_findings(check.findings) + _safety_warnings(request, codes)
    values = [reason.value for reason in check.refer_reasons]
    if values != sorted(set(values)):
        problems.append("INV-TOTAL-CHECK: refer reasons repeated or out of D-OUTCOME order")
    if ("REFER_CONDITION_PRESENT" in codes) != bool(values):
        problems.append("INV-TOTAL-CHECK: REFER_CONDITION_PRESENT exactly with refer reasons")
    platelets = request.profile.platelets_10e9_per_l
    severe = platelets is not None and platelets < 25 and _neuro(request)
    if ("SUPERVISION_REQUIRED" in codes) != severe:
        problems.append(
            "INV-TOTAL-CHECK: SUPERVISION_REQUIRED exactly for platelets < 25 with involvement"
        )
    return problems


def _check_invalid(row: Row, invalid: InvalidInput) -> list[str]:
    problems: list[str] = []
    fields = [violation.field for violation in invalid.violations]
    if not fields or len(fields) != len(set(fields)):
        problems.append(f"INV-VALIDATION: violations empty or repeated: {fields}")
    if any(not violation.reason for violation in invalid.violations):
        problems.append("INV-VALIDATION: a violation without a reason")
    request = row.request
    if isinstance(request, PlanRequest):
        listed = validate_plan_request(request)
    elif isinstance(request, CheckRequest):
        listed = validate_check_request(request)
    else:
        listed = validate_course_request(request)
    if listed != invalid.violations:
        problems.append("INV-VALIDATION: the operation and its validator disagree")
    return problems


def invariant_problems(row: Row, result: Result) -> list[str]:
    """Return every invariant the output of ``row`` breaks."""
    request = row.request
    allowed: dict[str, tuple[type, ...]] = {
        "plan": (InvalidInput, Referral, RegimenPlan),
        "check": (InvalidInput, RegimenCheck),
        "course": (InvalidInput, CourseAssessment),
    }
    if not isinstance(result, allowed[row.kind]):
        return [f"INV-TOTAL-{row.kind.upper()}: unexpected result {type(result).__name__}"]
    if isinstance(result, InvalidInput):
        return _check_invalid(row, result)
    problems: list[str] = []
    if result.rule_set_version != RULE_SET_VERSION:
        problems.append("INV-CITATIONS: the rule-set version is missing or wrong")
    if isinstance(result, RegimenPlan) and isinstance(request, PlanRequest):
        problems += _check_plan(request, result)
    elif isinstance(result, Referral) and isinstance(request, PlanRequest):
        problems += _check_referral(request, result)
    elif isinstance(result, RegimenCheck):
        problems += _check_regimen_check(request, result)
    elif isinstance(result, CourseAssessment) and isinstance(request, CourseRequest):
        problems += _check_course(request, result)
    return problems


def _validate_validity(row: Row) -> bool:
    request = row.request
    if isinstance(request, PlanRequest):
        return bool(validate_plan_request(request))
    if isinstance(request, CheckRequest):
        return bool(validate_check_request(request))
    return bool(validate_course_request(request))


@pytest.mark.covers(
    "INV-DOSE",
    "INV-RENAL",
    "INV-FOLATE",
    "INV-NEURO-WARNING",
    "INV-CITATIONS",
    "INV-DETERMINISTIC",
    "INV-LIFELONG",
    "INV-INTERVAL-MAX",
    "INV-INTERVAL-MONTHLY",
    "INV-LOAD-STANDARD",
    "INV-LOAD-NEURO",
    "INV-PLATELET-GUIDANCE",
    "INV-NO-HOME-BELOW-25",
    "INV-DATES-ORDERED",
    "INV-HORIZON",
    "INV-TOTAL-PLAN",
    "INV-TOTAL-CHECK",
    "INV-TOTAL-COURSE",
    "INV-VALIDATION",
    "INV-FINDINGS",
    "INV-REFER",
)
@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_row_invariants(row: Row) -> None:
    result = run(row)
    problems = invariant_problems(row, result)
    if run(row) != result:
        problems.append("INV-DETERMINISTIC: the same request gave a different output")
    if not isinstance(result, InvalidInput) and _validate_validity(row):
        problems.append("INV-VALIDATION: a valid result for a request with violations")
    assert not problems, f"{row.table}:{row.id}\n" + "\n".join(problems)


def _enum_names(values: type[enum.Enum]) -> set[str]:
    return set(values.__members__)


def test_severity_table_names_known_codes() -> None:
    assert set(SEVERITIES) <= _enum_names(Code)
    assert set(SEVERITIES) >= REFER_WARNINGS


_WRONG = "__not_in_any_output__"


def _perturbed(key: str, value: object, observed: dict[str, object]) -> object | None:
    """Return an expectation for ``key`` that no correct output can meet, or None if none."""
    if key == "findings_include":
        return {_WRONG: "critical"}
    if key.endswith("_include") or key in {"invalid_fields", "invalid_field_prefixes"}:
        return [_WRONG]
    if key.endswith("_exclude"):
        source = "findings" if key == "findings_exclude" else key.removesuffix("_exclude")
        present = observed.get(source)
        names = list(present) if isinstance(present, dict | list) else []
        return names[:1] or None
    if key in {"finding_rule_ids", "interval_rule_ids"}:
        elements = value if isinstance(value, dict) else {}
        return {name: [_WRONG] for name in elements} or None
    return _WRONG


def test_every_expectation_can_fail() -> None:
    checked = 0
    for row in ROWS:
        result = run(row)
        observed = observe(row.kind, result)
        for key, value in row.expected.items():
            wrong = _perturbed(key, value, observed)
            if wrong is None:
                continue
            mutated = dataclasses.replace(row, expected={**row.expected, key: wrong})
            assert compare(mutated, result), f"{row.id}: {key} cannot fail"
            checked += 1
    assert checked > len(ROWS)


@pytest.mark.covers("R-MON-HCY", "R-MON-LABS")
def test_every_plan_targets_homocysteine_below_10() -> None:
    plans = [result for row in ROWS if isinstance(result := run(row), RegimenPlan)]
    assert plans
    assert {plan.monitoring.homocysteine_target_below_umol_per_l for plan in plans} == {10}
    assert all(
        "LABS_B12_HOMOCYSTEINE" in {item.code.name for item in plan.monitoring.items}
        for plan in plans
    )
