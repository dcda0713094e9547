"""Planning a regimen (D-OUTCOME, D-LOAD-DAYS, D-NEURO-OPEN, D-MONTH, D-HORIZON, D-EARLY,
D-PREGNANCY, D-ANTICOAGULANT).

``plan_regimen`` validates, plans, and (outside ``python -O``) checks its postconditions, which
live beside it in ``kernel.contracts.plan``, one function per invariant.
"""

from __future__ import annotations

import datetime
import functools
from typing import Final

from kernel.calendar import add_days, add_months, chain_months, count_months_from, every_n_days
from kernel.constants import (
    CONCENTRATION_MCG_PER_ML,
    DOSE_MCG,
    HOMOCYSTEINE_TARGET_BELOW_UMOL_PER_L,
    LAB_INTERVAL_MONTHS,
    NEEDLE_GAUGE,
    NEURO_LOADING_EVERY_DAYS,
    NEURO_REVIEW_AFTER_DAYS,
    PREGNANCY_REVIEW_AFTER_MONTHS,
    PRESSURE_MINUTES,
    STANDARD_LOADING_OFFSETS_DAYS,
    VOLUME_ML,
)
from kernel.contracts.plan import ensure_plan
from kernel.findings import (
    LABEL_NAME,
    REFERRAL_TEXT,
    URGENT_REFERRAL_TEXT,
    URGENT_TREATABLE_REFERRAL_TEXT,
    make_item,
)
from kernel.model import (
    AdministrationGuidance,
    Code,
    Formulation,
    IntervalRule,
    InvalidInput,
    Item,
    LoadingPattern,
    LoadingPhase,
    MaintenancePhase,
    MaintenanceStart,
    MonitoringSchedule,
    PlanOutcome,
    PlanRequest,
    PlanSetting,
    Referral,
    ReferReason,
    RegimenPlan,
    Route,
    SiteRequest,
)
from kernel.profile import (
    REFER_RULES,
    PlateletBand,
    ProfileReading,
    Treatment,
    read_profile,
    read_site_request,
)
from kernel.rules import RULE_SET_VERSION, collect_source_references, order_rule_ids
from kernel.validation import validate_plan_request

_STANDARD_LOADING_STEPS: Final = tuple(
    datetime.timedelta(days=offset) for offset in STANDARD_LOADING_OFFSETS_DAYS
)


def plan_regimen(request: PlanRequest) -> PlanOutcome:
    """Plan a regimen: a validation error, a REFER, or a home or supervised plan (D-OUTCOME)."""
    assert isinstance(request, PlanRequest), "INV-TOTAL-PLAN: a plan request"  # pragma: no mutate
    violations = validate_plan_request(request)
    outcome: PlanOutcome = InvalidInput(violations) if violations else _plan_valid_request(request)
    if __debug__:
        ensure_plan(request, violations, outcome)
    return outcome


def _plan_valid_request(request: PlanRequest) -> Referral | RegimenPlan:
    """Plan a validated request."""
    start = request.start_date
    assert start is not None  # pragma: no mutate
    horizon = request.horizon_date or start
    reading = read_profile(request.profile)
    if reading.refer_reasons:
        return refer(reading)
    profile = request.profile
    formulation = profile.formulation
    assert formulation is not None  # pragma: no mutate
    loading = _plan_loading(reading, start, horizon)
    return RegimenPlan(
        setting=PlanSetting.SUPERVISED if reading.supervised else PlanSetting.HOME,
        loading=loading,
        maintenance=_plan_maintenance(reading, loading, start, horizon),
        guidance=_plan_guidance(
            formulation,
            reading.platelet_band,
            profile.site_request,
            renal_with_hydroxocobalamin=reading.renal and not reading.cyanocobalamin,
            anticoagulant=reading.anticoagulant,
        ),
        monitoring=_plan_monitoring(
            reading, formulation, start, horizon, pregnant=bool(profile.pregnant)
        ),
        warnings=reading.plan_warnings,
        interval_rules=reading.interval_rules,
        rule_set_version=RULE_SET_VERSION,
    )


def refer(reading: ProfileReading) -> Referral:
    """D-OUTCOME, D-WORDING: the REFER of a profile with referral reasons: every reason with its
    sentence, the safety warnings in their referral wording, and what to do."""
    rule_ids: list[str] = ["D-OUTCOME"]
    for reason in reading.refer_reasons:
        rule_ids.extend(REFER_RULES[reason])
    if not reading.refer_urgent:
        text = REFERRAL_TEXT
    elif ReferReason.CONTRAINDICATED in reading.refer_reasons:
        text = URGENT_REFERRAL_TEXT
    else:
        text = URGENT_TREATABLE_REFERRAL_TEXT
    return Referral(
        reasons=reading.refer_reasons,
        urgent=reading.refer_urgent,
        warnings=reading.refer_warnings,
        rule_ids=order_rule_ids(tuple(rule_ids)),
        rule_set_version=RULE_SET_VERSION,
        reason_details=reading.reason_details,
        text=text,
    )


def _phase_citations(rule_ids: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    ordered = order_rule_ids(rule_ids)
    return ordered, collect_source_references(ordered)


_PROPHYLAXIS_CITATIONS: Final = _phase_citations(("D-PROPHYLAXIS",))
_NEURO_LOADING_CITATIONS: Final = _phase_citations(
    ("R-DOSE-1000", "R-LOAD-NEURO", "D-NEURO-OPEN", "D-HORIZON")
)
_STANDARD_LOADING_CITATIONS: Final = _phase_citations(("R-DOSE-1000", "R-LOAD-STD", "D-LOAD-DAYS"))


def _plan_loading(
    reading: ProfileReading, start: datetime.date, horizon: datetime.date
) -> LoadingPhase:
    """D-LOAD-DAYS, D-NEURO-OPEN, or no loading in prophylaxis (D-PROPHYLAXIS)."""
    if reading.treatment is Treatment.PROPHYLAXIS:
        rule_ids, references = _PROPHYLAXIS_CITATIONS
        return LoadingPhase(
            pattern=LoadingPattern.NONE_PROPHYLAXIS,
            dose_mcg=DOSE_MCG,
            volume_ml=VOLUME_ML,
            route=Route.INTRAMUSCULAR,
            injection_dates=(),
            open_ended=False,
            review_date=None,
            rule_ids=rule_ids,
            source_references=references,
        )
    if reading.neuro:
        review = add_days(start, NEURO_REVIEW_AFTER_DAYS)
        rule_ids, references = _NEURO_LOADING_CITATIONS
        return LoadingPhase(
            pattern=LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED,
            dose_mcg=DOSE_MCG,
            volume_ml=VOLUME_ML,
            route=Route.INTRAMUSCULAR,
            injection_dates=every_n_days(start, max(review, horizon), NEURO_LOADING_EVERY_DAYS),
            open_ended=True,
            review_date=review,
            rule_ids=rule_ids,
            source_references=references,
        )
    rule_ids, references = _STANDARD_LOADING_CITATIONS
    return LoadingPhase(
        pattern=LoadingPattern.STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS,
        dose_mcg=DOSE_MCG,
        volume_ml=VOLUME_ML,
        route=Route.INTRAMUSCULAR,
        injection_dates=tuple(start + step for step in _STANDARD_LOADING_STEPS),
        open_ended=False,
        review_date=None,
        rule_ids=rule_ids,
        source_references=references,
    )


def _plan_maintenance(
    reading: ProfileReading,
    loading: LoadingPhase,
    start: datetime.date,
    horizon: datetime.date,
) -> MaintenancePhase:
    """D-INTERVAL, D-MONTH (chained), D-HORIZON, D-LIFELONG."""
    due = reading.due_interval_months
    first: datetime.date | None
    if loading.pattern is LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED:
        start_rule = MaintenanceStart.ONE_INTERVAL_AFTER_LAST_LOADING_DOSE_ONCE_PLATEAU_REPORTED
        first = None
    elif loading.pattern is LoadingPattern.NONE_PROPHYLAXIS:
        start_rule = MaintenanceStart.AT_START_DATE
        first = start
    else:
        start_rule = MaintenanceStart.ONE_INTERVAL_AFTER_LAST_LOADING_DOSE
        first = add_months(loading.injection_dates[-1], due)
    dates = () if first is None else chain_months(first, due, horizon)
    rule_ids, references = _maintenance_citations(loading.pattern, reading.interval_rules)
    return MaintenancePhase(
        dose_mcg=DOSE_MCG,
        volume_ml=VOLUME_ML,
        route=Route.INTRAMUSCULAR,
        due_interval_months=due,
        overdue_after_months=reading.overdue_after_months,
        start=start_rule,
        first_due_date=first,
        injection_dates=dates,
        lifelong=True,
        rule_ids=rule_ids,
        source_references=references,
    )


@functools.cache
def _maintenance_citations(
    pattern: LoadingPattern, interval_rules: tuple[IntervalRule, ...]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the maintenance phase's citations: dose, lifelong, interval rules (the winners), month
    arithmetic, and how it starts."""
    winners = tuple(rule.rule_id for rule in interval_rules if rule.winner)
    citations = ("R-DOSE-1000", "R-LIFELONG", "D-INTERVAL", "D-MONTH", "D-LIFELONG", *winners)
    if pattern is LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED:
        citations = (*citations, "D-NEURO-OPEN")
    else:
        citations = (*citations, "D-HORIZON")
        if pattern is LoadingPattern.NONE_PROPHYLAXIS:
            citations = (*citations, "D-PROPHYLAXIS")
    return _phase_citations(citations)


@functools.cache
def _plan_guidance(
    formulation: Formulation,
    platelet_band: PlateletBand,
    site_request: SiteRequest | None,
    *,
    renal_with_hydroxocobalamin: bool,
    anticoagulant: bool,
) -> AdministrationGuidance:
    """R-DOSE-1000, R-FORM-1, D-SITE, D-PLT, D-ANTICOAGULANT, D-EARLY (and R-RENAL with
    hydroxocobalamin).

    The guidance depends only on its arguments, so each combination is built once.
    """
    site = read_site_request(site_request)
    citations: list[str] = ["R-DOSE-1000", "R-FORM-1", "D-FORMULATIONS", "D-EARLY"]
    citations.extend(site.rule_ids)
    needle: tuple[int | None, int | None] = NEEDLE_GAUGE
    pressure: tuple[int | None, int | None] = PRESSURE_MINUTES
    if platelet_band is not PlateletBand.STANDARD:
        citations.extend(("R-PLT-PRECAUTION", "D-PLT"))
        if platelet_band is PlateletBand.SEVERE:
            citations.append("R-PLT-SEVERE")
    elif anticoagulant:
        citations.extend(("R-PLT-STANDARD", "D-PLT", "R-PLT-PRECAUTION", "D-ANTICOAGULANT"))
    else:
        citations.extend(("R-PLT-STANDARD", "D-PLT"))
        needle, pressure = (None, None), (None, None)
    if renal_with_hydroxocobalamin:
        citations.extend(("R-RENAL", "D-RENAL"))
    rule_ids, references = _phase_citations(tuple(citations))
    return AdministrationGuidance(
        dose_mcg=DOSE_MCG,
        volume_ml=VOLUME_ML,
        concentration_mcg_per_ml=CONCENTRATION_MCG_PER_ML,
        formulation=formulation,
        route=Route.INTRAMUSCULAR,
        sites=site.sites,
        needle_gauge_min=needle[0],
        needle_gauge_max=needle[1],
        pressure_minutes_min=pressure[0],
        pressure_minutes_max=pressure[1],
        items=(_FIRST_DOSE_PROFESSIONAL,),
        rule_ids=rule_ids,
        source_references=references,
    )


_FIRST_DOSE_PROFESSIONAL: Final = make_item(Code.FIRST_DOSE_PROFESSIONAL, ("D-EARLY",))
_LABS_ITEM: Final = make_item(
    Code.LABS_B12_HOMOCYSTEINE, ("R-MON-LABS", "R-MON-HCY", "D-LABS", "D-MONTH")
)
_WATCH_ITEM: Final = make_item(Code.WATCH_NEURO_RECURRENCE, ("R-MON-SYMPTOMS",))
_PREGNANCY_ITEM: Final = make_item(Code.PREGNANCY_REVIEW_DATE, ("D-PREGNANCY", "D-MONTH"))
_EARLY_CODES: Final = (
    Code.EARLY_BASELINE_BLOODS,
    Code.EARLY_POTASSIUM_48H,
    Code.EARLY_RETICULOCYTES_DAY_5_7,
)
_MONITORING_CITATIONS: Final = (
    "R-MON-LABS",
    "R-MON-HCY",
    "R-MON-SYMPTOMS",
    "D-LABS",
    "D-MONTH",
    "D-HORIZON",
)


def lab_check_dates(start: datetime.date, horizon: datetime.date) -> tuple[datetime.date, ...]:
    """D-LABS in a plan: start + 3, 6, 9 ... months, each counted from the start; the first is
    always listed, later ones up to the horizon (D-HORIZON)."""
    return count_months_from(start, LAB_INTERVAL_MONTHS, horizon)


@functools.cache
def _monitoring_items(
    formulation: Formulation, *, loading: bool, pregnant: bool
) -> tuple[tuple[Item, ...], tuple[str, ...], tuple[str, ...]]:
    """Return the monitoring items and citations: the early checks with loading, citing the label of
    the plan's own formulation (D-EARLY, D-WORDING), labs, watching, and the pregnancy review."""
    label = LABEL_NAME[formulation]
    items: list[Item] = []
    citations: list[str] = list(_MONITORING_CITATIONS)
    if loading:
        items.extend(make_item(code, ("D-EARLY",), label) for code in _EARLY_CODES)
        citations.append("D-EARLY")
    items.extend((_LABS_ITEM, _WATCH_ITEM))
    if pregnant:
        items.append(_PREGNANCY_ITEM)
        citations.append("D-PREGNANCY")
    rule_ids, references = _phase_citations(tuple(citations))
    return tuple(items), rule_ids, references


def _plan_monitoring(
    reading: ProfileReading,
    formulation: Formulation,
    start: datetime.date,
    horizon: datetime.date,
    *,
    pregnant: bool,
) -> MonitoringSchedule:
    """R-MON-LABS, R-MON-HCY, R-MON-SYMPTOMS, D-LABS, D-EARLY when there is loading, and the
    pregnancy review at start + 1 month, always listed (D-PREGNANCY)."""
    items, rule_ids, references = _monitoring_items(
        formulation, loading=reading.treatment is not Treatment.PROPHYLAXIS, pregnant=pregnant
    )
    return MonitoringSchedule(
        lab_check_dates=lab_check_dates(start, horizon),
        homocysteine_target_below_umol_per_l=HOMOCYSTEINE_TARGET_BELOW_UMOL_PER_L,
        items=items,
        rule_ids=rule_ids,
        source_references=references,
        pregnancy_review_date=(
            add_months(start, PREGNANCY_REVIEW_AFTER_MONTHS) if pregnant else None
        ),
    )
