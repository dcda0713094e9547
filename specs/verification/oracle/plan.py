"""Plans and REFERs (INV-TOTAL-PLAN and every plan invariant, the plan decisions of rule set
2.0.0: D-OUTCOME with D-PLT-SEVERE-REFER and D-CONTRA replaced, D-PREGNANCY, D-ANTICOAGULANT,
D-SITE, D-CROHN-UNKNOWN, D-WORDING, D-WINDOWS)."""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from kernel.model import (
    AdministrationGuidance,
    Code,
    Finding,
    InvalidInput,
    LoadingPattern,
    LoadingPhase,
    MaintenancePhase,
    MaintenanceStart,
    PlanRequest,
    PlanSetting,
    Referral,
    ReferReason,
    RegimenPlan,
    Route,
    SiteRequest,
)
from specs.verification.oracle.catalogue import (
    CONCENTRATION_MCG_PER_ML,
    DOSE_MCG,
    EARLY_CODES,
    HCY_TARGET_BELOW,
    MONTHS_BETWEEN_LABS,
    NEEDLE_AND_PRESSURE,
    NEURO_REVIEW_DAYS,
    PLT_SEVERE,
    PLT_STANDARD_ABOVE,
    PREGNANCY_REVIEW_MONTHS,
    REFER_MAY_CARRY,
    STANDARD_LOADING_DAYS,
    VOLUME_ML,
)
from specs.verification.oracle.citations import (
    REASON_ALSO,
    REASON_PRODUCER,
    Citation,
    Context,
    check_citation,
    check_finding_citations,
    check_item_citations,
    indication_rules,
)
from specs.verification.oracle.dates import add_days, add_months, chain_months, every_second_day
from specs.verification.oracle.facts import Facts, derive_facts, site_codes
from specs.verification.oracle.intervals import check_intervals
from specs.verification.oracle.outputs import (
    check_codes,
    check_findings,
    check_items,
    check_labels,
    check_version,
    check_wording,
    finding_texts,
    item_texts,
    mentions,
)
from specs.verification.oracle.validation import check_invalid, plan_expectation, violation_texts


@dataclass(frozen=True)
class ExpectedPlan:
    """The plan the decisions give for a valid request with no REFER reason."""

    setting: PlanSetting
    pattern: LoadingPattern
    loading_dates: tuple[datetime.date, ...]
    review_date: datetime.date | None
    maintenance_start: MaintenanceStart
    maintenance_dates: tuple[datetime.date, ...]
    lab_dates: tuple[datetime.date, ...]
    pregnancy_review_date: datetime.date | None
    always_listed: frozenset[datetime.date]


def expected_plan_kind(request: PlanRequest) -> str:
    """Return "invalid", "refer", "supervised" or "home" (D-OUTCOME precedence)."""
    if plan_expectation(request).invalid:
        return "invalid"
    facts = derive_facts(request.profile)
    if facts.refer_reasons:
        return "refer"
    return "supervised" if facts.supervised else "home"


def expected_plan(request: PlanRequest, facts: Facts) -> ExpectedPlan:
    """Return the plan's dates and shape (D-LOAD-DAYS, D-NEURO-OPEN, D-MONTH, D-HORIZON, D-LABS,
    D-PREGNANCY). Every date of a valid request lies inside the calendar (D-WINDOWS)."""
    start = request.start_date
    assert start is not None
    horizon = request.horizon_date or start
    always: set[datetime.date] = set()
    review: datetime.date | None = None
    maintenance: tuple[datetime.date, ...] = ()
    loading: tuple[datetime.date, ...] = ()
    if facts.neuro:
        pattern = LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED
        review = add_days(start, NEURO_REVIEW_DAYS)
        loading = every_second_day(start, review, horizon)
        always.update(day for day in loading if day <= review)
        always.add(review)
        start_rule = MaintenanceStart.ONE_INTERVAL_AFTER_LAST_LOADING_DOSE_ONCE_PLATEAU_REPORTED
    elif facts.prophylaxis:
        pattern = LoadingPattern.NONE_PROPHYLAXIS
        start_rule = MaintenanceStart.AT_START_DATE
        maintenance = chain_months(start, facts.due, horizon)
        always.add(start)
    else:
        pattern = LoadingPattern.STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS
        loading = tuple(add_days(start, d) for d in STANDARD_LOADING_DAYS)
        always.update(loading)
        start_rule = MaintenanceStart.ONE_INTERVAL_AFTER_LAST_LOADING_DOSE
        maintenance = chain_months(add_months(loading[-1], facts.due), facts.due, horizon)
        always.add(maintenance[0])
    labs = [add_months(start, MONTHS_BETWEEN_LABS)]
    while (following := add_months(start, MONTHS_BETWEEN_LABS * (len(labs) + 1))) <= horizon:
        labs.append(following)
    always.add(labs[0])
    pregnancy = add_months(start, PREGNANCY_REVIEW_MONTHS) if facts.pregnant else None
    if pregnancy is not None:
        always.add(pregnancy)
    return ExpectedPlan(
        setting=PlanSetting.SUPERVISED if facts.supervised else PlanSetting.HOME,
        pattern=pattern,
        loading_dates=loading,
        review_date=review,
        maintenance_start=start_rule,
        maintenance_dates=maintenance,
        lab_dates=tuple(labs),
        pregnancy_review_date=pregnancy,
        always_listed=frozenset(always),
    )


def check_plan(request: PlanRequest, outcome: object) -> list[str]:
    """Every violation of the invariants (and the plan decisions) by ``outcome``."""
    out: list[str] = []
    if not isinstance(outcome, InvalidInput | Referral | RegimenPlan):
        out.append(f"INV-VALIDATION: the outcome is {type(outcome).__name__}, not a plan outcome")
        out.append("INV-TOTAL-PLAN: a plan request gave no plan outcome")
        return out
    expect = plan_expectation(request)
    if isinstance(outcome, InvalidInput):
        check_wording(violation_texts(outcome.violations), out)
        if not expect.invalid and not expect.ambiguous:
            out.append(
                "INV-VALIDATION: valid plan request rejected: "
                f"{[v.field for v in outcome.violations]}"
            )
            out.append("INV-TOTAL-PLAN: valid plan request gave a validation error")
        else:
            check_invalid(outcome, expect, out)
        return out
    if expect.invalid:
        out.append(f"INV-TOTAL-PLAN: invalid request (needs {expect.required}) was not rejected")
        out.append("INV-VALIDATION: invalid plan request accepted")
        return out
    facts = derive_facts(request.profile)
    if isinstance(outcome, Referral):
        check_referral(outcome, facts, out)
        return out
    _check_regimen_plan(request, outcome, facts, out)
    return out


# ---------------------------------------------------------------------------------------------
# REFER.
# ---------------------------------------------------------------------------------------------


def referral_citation(facts: Facts) -> Citation:
    """Return a REFER's citation: D-OUTCOME and the producer of every reason."""
    required = {"D-OUTCOME", *(REASON_PRODUCER[reason] for reason in facts.refer_reasons)}
    allowed = set(required) | {"D-WORDING"}
    for reason in facts.refer_reasons:
        allowed |= REASON_ALSO[reason]
    if facts.profile_neuro:
        allowed |= {"D-NEURO-URGENT", "D-NEURO-UNKNOWN"}
    if facts.crohn_unknown_not_counted:
        allowed.add("D-CROHN-UNKNOWN")
    return frozenset(required), frozenset(allowed)


def check_referral(outcome: Referral, facts: Facts, out: list[str]) -> None:
    """Check a REFER: reasons in order, urgency, the safety warnings only, texts and citations."""
    reasons = facts.refer_reasons
    if not reasons:
        out.append(f"INV-TOTAL-PLAN: REFER {outcome.reasons} where the decisions give a plan")
        return
    if outcome.reasons != reasons:
        owner = "INV-REFER" if set(outcome.reasons) == set(reasons) else "INV-TOTAL-PLAN"
        out.append(f"{owner}: REFER reasons {outcome.reasons}, expected {reasons}")
    if outcome.urgent != facts.urgent_refer:
        out.append(f"INV-REFER: urgent is {outcome.urgent}, expected {facts.urgent_refer}")
    codes = [w.code for w in outcome.warnings]
    extra = [c.name for c in codes if c not in REFER_MAY_CARRY]
    if extra:
        out.append(f"INV-REFER: a REFER carries warnings other than the safety warnings {extra}")
    # open: D-CROHN-UNKNOWN says a REFER "may" carry CROHN_LENGTH_UNKNOWN_NOT_COUNTED.
    check_codes(
        codes,
        facts.safety,
        frozenset({Code.CROHN_LENGTH_UNKNOWN_NOT_COUNTED}),
        "REFER",
        out,
    )
    if ReferReason.PLATELETS_BELOW_25_NO_NEURO in outcome.reasons and (
        not outcome.urgent
        or not any(
            w.code is Code.PLATELETS_SEVERE_SAME_DAY_ADVICE and w.severity.name == "CRITICAL"
            for w in outcome.warnings
        )
    ):
        out.append(
            "INV-REFER-PLATELETS: a REFER for platelets < 25 is not urgent or lacks the critical"
            " PLATELETS_SEVERE_SAME_DAY_ADVICE"
        )
    check_findings(outcome.warnings, "REFER warnings", out)
    ctx = Context("refer", facts)
    check_finding_citations(outcome.warnings, ctx, out)
    check_citation("REFER", outcome.rule_ids, None, out, expected=referral_citation(facts))
    check_version(outcome.rule_set_version, out)
    _check_reason_details(outcome, out)
    _check_referral_texts(outcome, out)


def _check_reason_details(outcome: Referral, out: list[str]) -> None:
    """D-WORDING: each referral reason has its own sentence, with its citations."""
    details = outcome.reason_details
    if tuple(detail.reason for detail in details) != outcome.reasons:
        out.append(
            f"D-WORDING: reason details {[d.reason.name for d in details]}"
            f" do not follow the reasons {[r.name for r in outcome.reasons]}"
        )
    texts = [detail.text.strip() for detail in details]
    if any(not text for text in texts) or len(set(texts)) != len(texts):
        out.append("D-WORDING: a referral reason has no sentence of its own")
    for detail in details:
        required = frozenset({REASON_PRODUCER[detail.reason]})
        allowed = required | {"D-OUTCOME", "D-WORDING"} | REASON_ALSO[detail.reason]
        check_citation(
            f"REFER reason {detail.reason.name}",
            detail.rule_ids,
            detail.source_references,
            out,
            expected=(required, allowed),
        )


def _check_referral_texts(outcome: Referral, out: list[str]) -> None:
    """D-WORDING: an urgent REFER says to arrange same-day specialist care, "without delaying
    treatment" unless CONTRAINDICATED is among its reasons; no text names a machine code."""
    text = outcome.text
    if not text.strip():
        out.append("D-WORDING: the REFER has no text")
    contraindicated = ReferReason.CONTRAINDICATED in outcome.reasons
    lowered = text.lower()
    if outcome.urgent:
        if "same-day" not in lowered and "same day" not in lowered:
            out.append(f"D-WORDING: an urgent REFER does not say same-day care: {text!r}")
        if not contraindicated and "without delaying treatment" not in lowered:
            out.append(f"D-WORDING: an urgent REFER lacks 'without delaying treatment': {text!r}")
    if contraindicated and "without delaying treatment" in lowered:
        out.append("D-WORDING: a REFER with CONTRAINDICATED says 'without delaying treatment'")
    # D-WORDING: "each warning a REFER carries uses its referral sentence (no administration or
    # response-review advice)": the advice the decisions word as D-PLT's needle and pressure and
    # D-PREGNANCY's "review the response".
    for warning in outcome.warnings:
        advice = [
            phrase
            for phrase in ("needle", "pressure for", "review the response")
            if phrase in warning.text.lower()
        ]
        if advice:
            out.append(f"D-WORDING: the REFER's {warning.code.name} gives advice {advice}")
    texts = [
        ("REFER text", text),
        *((f"REFER reason {d.reason.name}", d.text) for d in outcome.reason_details),
        *finding_texts(outcome.warnings, "REFER warning"),
    ]
    check_wording(texts, out)


# ---------------------------------------------------------------------------------------------
# Plans.
# ---------------------------------------------------------------------------------------------


def _check_regimen_plan(
    request: PlanRequest, plan: RegimenPlan, facts: Facts, out: list[str]
) -> None:
    if facts.refer_reasons:
        out.append(f"INV-TOTAL-PLAN: a plan where the decisions give REFER {facts.refer_reasons}")
    below_25 = facts.platelets is not None and facts.platelets < PLT_SEVERE
    if below_25 and plan.setting is PlanSetting.HOME:
        out.append(f"INV-NO-HOME-BELOW-25: home plan with platelets {facts.platelets}")
    expected_setting = PlanSetting.SUPERVISED if facts.supervised else PlanSetting.HOME
    if plan.setting is not expected_setting:
        out.append(f"INV-TOTAL-PLAN: setting {plan.setting.name}, expected {expected_setting.name}")
    check_version(plan.rule_set_version, out)
    _check_dose(plan, out)
    _check_guidance(plan.guidance, request.profile.site_request, facts, out)
    _check_plan_warnings(plan, request.profile.site_request, facts, out)
    intervals = (
        plan.maintenance.due_interval_months,
        plan.maintenance.overdue_after_months,
        plan.interval_rules,
    )
    check_intervals(intervals, facts, "plan", out)
    if not plan.maintenance.lifelong:
        out.append("INV-LIFELONG: the maintenance phase is not lifelong")
    if Code.LIFELONG_CLINICIAN_DECISION in {w.code for w in plan.warnings}:
        out.append("INV-LIFELONG: a plan carries LIFELONG_CLINICIAN_DECISION")
    _check_dates_ordered(plan, request, out)
    expected = expected_plan(request, facts)
    _check_loading(plan.loading, plan.maintenance, expected, facts, out)
    _check_plan_dates(plan, expected, request, out)
    _check_monitoring(plan, expected, facts, out)
    texts = [
        *finding_texts(plan.warnings, "plan warning"),
        *item_texts(plan.guidance.items, "guidance"),
        *item_texts(plan.monitoring.items, "monitoring"),
    ]
    check_wording(texts, out)
    check_labels(texts, facts.formulation, out)


def _check_dose(plan: RegimenPlan, out: list[str]) -> None:
    parts: list[tuple[str, int, float, Route]] = [
        ("loading", plan.loading.dose_mcg, plan.loading.volume_ml, plan.loading.route),
        (
            "maintenance",
            plan.maintenance.dose_mcg,
            plan.maintenance.volume_ml,
            plan.maintenance.route,
        ),
        ("guidance", plan.guidance.dose_mcg, plan.guidance.volume_ml, plan.guidance.route),
    ]
    for name, dose, volume, route in parts:
        if dose != DOSE_MCG or volume != VOLUME_ML or route is not Route.INTRAMUSCULAR:
            out.append(f"INV-DOSE: {name} is {dose} mcg, {volume} mL, {route.name}")
    if plan.guidance.concentration_mcg_per_ml != CONCENTRATION_MCG_PER_ML:
        out.append(f"INV-DOSE: concentration {plan.guidance.concentration_mcg_per_ml} mcg/mL")


def guidance_citation(facts: Facts, site_request: SiteRequest | None) -> Citation:
    """Return the guidance's citation: R-DOSE-1000, R-FORM-1, D-SITE, D-PLT, the platelet band,
    the severe band when supervised, D-ANTICOAGULANT where it gives the needle (p > 50), and
    R-RENAL with D-RENAL exactly when hydroxocobalamin meets renal impairment (D-RENAL)."""
    platelet_band = facts.platelets is None or facts.platelets <= PLT_STANDARD_ABOVE
    band = "R-PLT-PRECAUTION" if platelet_band else "R-PLT-STANDARD"
    required = {"R-DOSE-1000", "R-FORM-1", "D-SITE", "D-PLT", band}
    if facts.supervised:
        required.add("R-PLT-SEVERE")
    hydroxo_renal = not facts.cyano and facts.renal
    if hydroxo_renal:
        required |= {"R-RENAL", "D-RENAL"}
    if facts.anticoagulant and not platelet_band:
        required.add("D-ANTICOAGULANT")
    allowed = set(required) | {"R-SITE-PREFERRED", "D-EARLY", "D-FORMULATIONS"}
    if site_request in {
        SiteRequest.GLUTEAL_UPPER_OUTER,
        SiteRequest.GLUTEAL,
        SiteRequest.VENTROGLUTEAL,
    }:
        allowed.add("R-SITE-BUTTOCK")
    if facts.anticoagulant:
        allowed |= {"D-ANTICOAGULANT", "R-PLT-PRECAUTION"}
    if facts.supervised:
        allowed.add("D-OUTCOME")
    return frozenset(required), frozenset(allowed)


def _check_guidance(
    guidance: AdministrationGuidance,
    site_request: SiteRequest | None,
    facts: Facts,
    out: list[str],
) -> None:
    if guidance.formulation is not facts.formulation:
        out.append(f"INV-DOSE: guidance formulation {guidance.formulation.name}")
    needle = (
        guidance.needle_gauge_min,
        guidance.needle_gauge_max,
        guidance.pressure_minutes_min,
        guidance.pressure_minutes_max,
    )
    if facts.precautions and needle != NEEDLE_AND_PRESSURE:
        owner = "INV-PLATELET-GUIDANCE" if not facts.anticoagulant else "D-ANTICOAGULANT"
        out.append(
            f"{owner}: platelets {facts.platelets}, anticoagulant {facts.anticoagulant}:"
            f" needle and pressure {needle}"
        )
    if not facts.precautions and needle != (None, None, None, None):
        out.append(f"D-PLT: platelets {facts.platelets} > 50 give needle and pressure {needle}")
    sites, _ = site_codes(site_request)
    if guidance.sites != sites:
        out.append(f"D-SITE: request {site_request} gives sites {guidance.sites}")
    codes = {item.code for item in guidance.items}
    if Code.FIRST_DOSE_PROFESSIONAL not in codes:
        out.append("D-EARLY: the guidance lacks FIRST_DOSE_PROFESSIONAL")
    check_items(guidance.items, "guidance", out)
    check_item_citations(guidance.items, "guidance", facts, out)
    check_citation(
        "guidance",
        guidance.rule_ids,
        guidance.source_references,
        out,
        expected=guidance_citation(facts, site_request),
        facts=facts,
    )


def check_named_reasons(findings: Sequence[Finding], facts: Facts, out: list[str]) -> None:
    """D-EXTENDED: a refused extended interval names the reason (ileal, Crohn's, neurological
    involvement)."""
    for finding in findings:
        if finding.code is Code.EXTENDED_NOT_AVAILABLE:
            named = {"ileal": facts.ileal, "crohn": facts.crohn, "neurolog": facts.neuro}
            missing = mentions(finding.text, *(word for word, holds in named.items() if holds))
            if missing:
                out.append(f"D-EXTENDED: EXTENDED_NOT_AVAILABLE does not name {missing}")


def _check_plan_warnings(
    plan: RegimenPlan, site_request: SiteRequest | None, facts: Facts, out: list[str]
) -> None:
    _, site = site_codes(site_request)
    expected = set(facts.safety) | set(facts.population) | set(site)
    check_codes((w.code for w in plan.warnings), expected, frozenset(), "plan", out)
    check_findings(plan.warnings, "plan warnings", out)
    check_named_reasons(plan.warnings, facts, out)
    check_finding_citations(plan.warnings, Context("plan", facts), out)


def _check_dates_ordered(plan: RegimenPlan, request: PlanRequest, out: list[str]) -> None:
    start = request.start_date
    assert start is not None
    injections = [*plan.loading.injection_dates, *plan.maintenance.injection_dates]
    for name, dates in (
        ("injection", injections),
        ("lab check", list(plan.monitoring.lab_check_dates)),
    ):
        if any(later <= earlier for earlier, later in itertools.pairwise(dates)):
            out.append(f"INV-DATES-ORDERED: {name} dates do not strictly increase")
        if dates and min(dates) < start:
            out.append(f"INV-DATES-ORDERED: a {name} date before the start {start}")
    if plan.maintenance.first_due_date is not None and plan.maintenance.injection_dates[:1] != (
        plan.maintenance.first_due_date,
    ):
        out.append("INV-DATES-ORDERED: the first maintenance date is not the first due date")


def _loading_citation(pattern: LoadingPattern, facts: Facts) -> Citation:
    extra = {"R-DOSE-1000", "R-FORM-1", "D-HORIZON", "D-MONTH", "D-FORMULATIONS"}
    if pattern is LoadingPattern.STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS:
        required = {"R-LOAD-STD", "D-LOAD-DAYS"}
        extra |= {"D-DEFICIENCY"} if Code.DEFICIENCY_UNCONFIRMED in facts.safety else set()
    elif pattern is LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED:
        required = {"R-LOAD-NEURO", "D-NEURO-OPEN"}
        extra |= {"D-NEURO-URGENT", "D-DEFICIENCY"}
        extra |= {"D-NEURO-UNKNOWN"} if facts.neuro_unknown else set()
    else:
        required = {"D-PROPHYLAXIS"}
        extra |= {"D-INTERVAL", *indication_rules(facts)}
    if facts.supervised:
        extra |= {"R-PLT-SEVERE", "D-PLT", "D-OUTCOME"}
    return frozenset(required), frozenset(required | extra)


def maintenance_citation(facts: Facts, pattern: LoadingPattern) -> Citation:
    """Maintenance cites D-INTERVAL, D-LIFELONG and the winning rules (with D-NEURO-OPEN for a
    neurological plan and D-PROPHYLAXIS for prophylaxis)."""
    required = {"D-INTERVAL", "D-LIFELONG", *facts.winners}
    if pattern is LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED:
        required.add("D-NEURO-OPEN")
    if pattern is LoadingPattern.NONE_PROPHYLAXIS:
        required.add("D-PROPHYLAXIS")
    allowed = set(required) | {rule for rule, _, _, _ in facts.interval_rules}
    allowed |= {"R-LIFELONG", "R-DOSE-1000", "R-FORM-1", "D-MONTH", "D-HORIZON", "D-FORMULATIONS"}
    allowed |= indication_rules(facts)
    if facts.extended_requested:
        allowed |= {"D-EXTENDED", "R-MONTHLY-BETTER"}
    if pattern is LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED:
        allowed |= {"R-LOAD-NEURO", "D-NEURO-UNKNOWN"}
    if pattern is LoadingPattern.STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS:
        allowed |= {"R-LOAD-STD", "D-LOAD-DAYS"}
    return frozenset(required), frozenset(allowed)


def _check_loading(  # noqa: C901, PLR0912 - one branch per loading pattern and field
    loading: LoadingPhase,
    maintenance: MaintenancePhase,
    expected: ExpectedPlan,
    facts: Facts,
    out: list[str],
) -> None:
    if expected.pattern is LoadingPattern.STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS:
        if (
            loading.pattern is not expected.pattern
            or loading.injection_dates != expected.loading_dates
            or loading.open_ended
            or loading.review_date is not None
        ):
            out.append(
                "INV-LOAD-STANDARD: standard loading is"
                f" {loading.pattern.name} {loading.injection_dates} open={loading.open_ended}"
            )
    elif expected.pattern is LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED:
        problems = []
        if loading.pattern is not expected.pattern:
            problems.append(f"pattern {loading.pattern.name}")
        if not loading.open_ended:
            problems.append("not open-ended")
        if loading.review_date != expected.review_date:
            problems.append(f"review {loading.review_date}")
        if loading.injection_dates != expected.loading_dates:
            problems.append(f"{len(loading.injection_dates)} dates")
        if maintenance.first_due_date is not None or maintenance.injection_dates:
            problems.append("dated maintenance")
        if maintenance.start is not expected.maintenance_start:
            problems.append(f"start {maintenance.start.name}")
        if problems:
            out.append(f"INV-LOAD-NEURO: neurological loading: {', '.join(problems)}")
    elif (
        loading.pattern is not LoadingPattern.NONE_PROPHYLAXIS
        or loading.injection_dates
        or loading.open_ended
        or loading.review_date is not None
    ):
        out.append(f"D-PROPHYLAXIS: prophylaxis plan has loading {loading.pattern.name}")
    if facts.neuro and loading.pattern is LoadingPattern.STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS:
        out.append("INV-LOAD-NEURO: neurological involvement with standard loading")
    if maintenance.start is not expected.maintenance_start:
        out.append(
            f"D-MONTH: maintenance start {maintenance.start.name},"
            f" expected {expected.maintenance_start.name}"
        )
    if loading.open_ended is not (
        expected.pattern is LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED
    ):
        out.append(f"D-NEURO-OPEN: open_ended is {loading.open_ended!r}")
    check_citation(
        "loading",
        loading.rule_ids,
        loading.source_references,
        out,
        expected=_loading_citation(expected.pattern, facts),
        facts=facts,
    )
    check_citation(
        "maintenance",
        maintenance.rule_ids,
        maintenance.source_references,
        out,
        expected=maintenance_citation(facts, expected.pattern),
        facts=facts,
    )


def _check_plan_dates(
    plan: RegimenPlan, expected: ExpectedPlan, request: PlanRequest, out: list[str]
) -> None:
    start = request.start_date
    assert start is not None
    horizon = request.horizon_date or start
    got_maintenance = plan.maintenance.injection_dates
    if got_maintenance != expected.maintenance_dates:
        owner = (
            "INV-HORIZON"
            if set(got_maintenance) <= set(expected.maintenance_dates)
            or set(expected.maintenance_dates) <= set(got_maintenance)
            else "INV-MONTH-CLAMP"
        )
        out.append(
            f"{owner}: maintenance dates {summary(got_maintenance)},"
            f" expected {summary(expected.maintenance_dates)}"
        )
    expected_first = expected.maintenance_dates[0] if expected.maintenance_dates else None
    if plan.maintenance.first_due_date != expected_first:
        out.append(
            f"INV-MONTH-CLAMP: first maintenance date {plan.maintenance.first_due_date},"
            f" expected {expected_first}"
        )
    got_labs = plan.monitoring.lab_check_dates
    if got_labs != expected.lab_dates:
        owner = (
            "INV-HORIZON"
            if set(got_labs) <= set(expected.lab_dates) or set(expected.lab_dates) <= set(got_labs)
            else "INV-MONTH-CLAMP"
        )
        out.append(
            f"{owner}: lab dates {summary(got_labs)}, expected {summary(expected.lab_dates)}"
        )
    listed = {
        *plan.loading.injection_dates,
        *plan.maintenance.injection_dates,
        *plan.monitoring.lab_check_dates,
    }
    for single in (plan.loading.review_date, plan.monitoring.pregnancy_review_date):
        if single is not None:
            listed.add(single)
    missing = expected.always_listed - listed
    if missing:
        out.append(f"INV-HORIZON: always-listed dates missing: {sorted(missing)[:3]}")
    repeated = [
        *plan.maintenance.injection_dates[1:],
        *plan.monitoring.lab_check_dates[1:],
        *(
            d
            for d in plan.loading.injection_dates
            if plan.loading.review_date is not None and d > plan.loading.review_date
        ),
    ]
    late = [d for d in repeated if d > horizon]
    if late:
        out.append(f"INV-HORIZON: repeated dates after the horizon {horizon}: {late[:3]}")


def monitoring_citation(facts: Facts, *, early: bool) -> Citation:
    """Return the monitoring's citation: R-MON-LABS and D-LABS, D-EARLY exactly with the
    early checks, and D-PREGNANCY exactly in pregnancy."""
    required = {"R-MON-LABS", "D-LABS"}
    if early:
        required.add("D-EARLY")
    if facts.pregnant:
        required.add("D-PREGNANCY")
    allowed = required | {"R-MON-HCY", "R-MON-SYMPTOMS", "D-MONTH", "D-HORIZON", "D-RECURRENCE"}
    return frozenset(required), frozenset(allowed)


def _check_monitoring(
    plan: RegimenPlan, expected: ExpectedPlan, facts: Facts, out: list[str]
) -> None:
    monitoring = plan.monitoring
    codes = {item.code for item in monitoring.items}
    early = codes & EARLY_CODES
    has_loading = expected.pattern is not LoadingPattern.NONE_PROPHYLAXIS
    if has_loading and early != EARLY_CODES:
        out.append(
            f"D-EARLY: a plan with loading lists early checks {sorted(c.name for c in early)}"
        )
    if not has_loading and early:
        out.append("D-EARLY: a plan without loading lists early checks")
    if Code.LABS_B12_HOMOCYSTEINE not in codes:
        out.append("D-LABS: the monitoring lacks LABS_B12_HOMOCYSTEINE")
    if (Code.PREGNANCY_REVIEW_DATE in codes) != facts.pregnant:
        out.append(f"D-PREGNANCY: PREGNANCY_REVIEW_DATE listed is {not facts.pregnant}")
    if monitoring.pregnancy_review_date != expected.pregnancy_review_date:
        out.append(
            f"D-PREGNANCY: pregnancy review {monitoring.pregnancy_review_date},"
            f" expected {expected.pregnancy_review_date}"
        )
    if monitoring.homocysteine_target_below_umol_per_l != HCY_TARGET_BELOW:
        out.append("D-LABS: the homocysteine target is not below 10 umol/L")
    check_items(monitoring.items, "monitoring", out)
    check_item_citations(monitoring.items, "monitoring", facts, out)
    check_citation(
        "monitoring",
        monitoring.rule_ids,
        monitoring.source_references,
        out,
        expected=monitoring_citation(facts, early=bool(early)),
        facts=facts,
    )


def summary(dates: Sequence[datetime.date]) -> str:
    """Return a short text for a list of dates."""
    if len(dates) <= 4:  # noqa: PLR2004 - readable message length
        return str([d.isoformat() for d in dates])
    return f"{len(dates)} dates {dates[0]}..{dates[-1]}"
