"""Planning a regimen (D-OUTCOME, D-LOAD-DAYS, D-NEURO-OPEN, D-MONTH, D-HORIZON, D-EARLY)."""

from __future__ import annotations

import datetime
import functools
from typing import Final

from kernel.calendar import (
    LATEST_SUPPORTED_DATE,
    add_days,
    add_months,
    chain_months,
    count_months_from,
)
from kernel.contracts import (
    LONGEST_INTERVAL_MONTHS,
    STANDARD_LOADING_OFFSETS_DAYS,
    cites_known_ids,
    elements_cite_known_ids,
    findings_well_formed,
    has_code,
    ileal_or_crohn_applies,
    needs_platelet_precautions,
    neuro_in_profile,
    platelets_below,
    renal_with_cyanocobalamin,
    strictly_increasing,
)
from kernel.findings import make_item
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
DOSE_MCG: Final = 1000
VOLUME_ML: Final = 1.0
CONCENTRATION_MCG_PER_ML: Final = 1000
NEURO_REVIEW_AFTER_DAYS: Final = 14
NEURO_LOADING_EVERY_DAYS: Final = 2
LAB_INTERVAL_MONTHS: Final = 3
HOMOCYSTEINE_TARGET_BELOW_UMOL_PER_L: Final = 10
NEEDLE_GAUGE: Final = (25, 27)
PRESSURE_MINUTES: Final = (5, 10)
# A plan lists dates up to its horizon; a horizon further than this from the start is not
# covered (specs/proposed-decisions.md, D-PROPOSED-HORIZON-WINDOW).
LONGEST_HORIZON_YEARS: Final = 100

REFER_WARNING_CODES: Final = frozenset(
    {
        Code.NEURO_WITHOUT_CONFIRMED_DEFICIENCY,
        Code.DEFICIENCY_UNCONFIRMED,
        Code.NEURO_STATUS_UNCERTAIN,
        Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE,
        Code.RENAL_PREFER_HYDROXOCOBALAMIN,
        Code.RENAL_CARDIOVASCULAR_SIGNAL,
        Code.FOLATE_BEFORE_B12,
        Code.PLATELETS_NOT_ASSESSED,
        Code.THROMBOCYTOPENIA_PRECAUTIONS,
        Code.TREAT_WITHOUT_DELAY,
        Code.PLATELET_TRANSFUSION_CONSIDER,
    }
)


def plan_regimen(request: PlanRequest) -> PlanOutcome:  # noqa: PLR0915 - the contracts
    """Plan a regimen: a validation error, a REFER, or a home or supervised plan (D-OUTCOME)."""
    assert isinstance(request, PlanRequest), "INV-TOTAL-PLAN: a plan request"  # pragma: no mutate
    violations = validate_plan_request(request)
    outcome: PlanOutcome = InvalidInput(violations) if violations else _plan_valid_request(request)

    profile = request.profile
    assert isinstance(outcome, InvalidInput) == bool(violations), (  # pragma: no mutate
        "INV-TOTAL-PLAN: a validation error exactly when the request is invalid"
    )
    if isinstance(outcome, InvalidInput):
        assert len(outcome.violations) > 0, (
            "INV-VALIDATION: a validation error names a field"
        )  # pragma: no mutate
        return outcome
    warnings = outcome.warnings
    assert findings_well_formed(warnings), (
        "INV-FINDINGS: codes once, fixed severity, in order"
    )  # pragma: no mutate
    assert elements_cite_known_ids(warnings), (
        "INV-CITATIONS: warnings cite catalogue IDs"
    )  # pragma: no mutate
    assert not renal_with_cyanocobalamin(profile) or has_code(  # pragma: no mutate
        warnings, Code.RENAL_PREFER_HYDROXOCOBALAMIN
    ), "INV-RENAL: renal impairment with cyanocobalamin carries the renal warning"
    assert not profile.folic_acid_started_before_b12 or has_code(  # pragma: no mutate
        warnings, Code.FOLATE_BEFORE_B12, "CRITICAL"
    ), "INV-FOLATE: folic acid before B12 carries the critical folate warning"
    assert not neuro_in_profile(profile) or has_code(  # pragma: no mutate
        warnings, Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE, "CRITICAL"
    ), "INV-NEURO-WARNING: neurological involvement carries the specialist warning"
    assert outcome.rule_set_version == RULE_SET_VERSION, (
        "INV-CITATIONS: names the rule set"
    )  # pragma: no mutate
    if isinstance(outcome, Referral):
        assert len(outcome.reasons) > 0, "INV-TOTAL-PLAN: a REFER has reasons"  # pragma: no mutate
        assert list(outcome.reasons) == sorted(
            set(outcome.reasons), key=lambda r: r.value
        ), (  # pragma: no mutate
            "INV-REFER: reasons once each, in D-OUTCOME order"
        )
        assert all(w.code in REFER_WARNING_CODES for w in warnings), (  # pragma: no mutate
            "INV-REFER: a REFER carries only the D-OUTCOME warnings"
        )
        assert outcome.urgent == neuro_in_profile(profile), (  # pragma: no mutate
            "INV-REFER: urgent exactly when neurological involvement is PRESENT or UNKNOWN"
        )
        assert all(r in outcome.rule_ids for r in ("D-OUTCOME",)), (
            "INV-CITATIONS: cites D-OUTCOME"
        )  # pragma: no mutate
        return outcome

    assert request.start_date is not None, (
        "INV-TOTAL-PLAN: a plan has a start date"
    )  # pragma: no mutate
    start = request.start_date
    horizon = request.horizon_date or start
    loading, maintenance, guidance = outcome.loading, outcome.maintenance, outcome.guidance
    doses = (loading.dose_mcg, maintenance.dose_mcg, guidance.dose_mcg)
    volumes = (loading.volume_ml, maintenance.volume_ml, guidance.volume_ml)
    routes = (loading.route, maintenance.route, guidance.route)
    assert all(dose == DOSE_MCG for dose in doses), (
        "INV-DOSE: every dose is 1000 mcg"
    )  # pragma: no mutate
    assert all(volume == VOLUME_ML for volume in volumes), (
        "INV-DOSE: every dose is 1 mL"
    )  # pragma: no mutate
    assert all(route is Route.INTRAMUSCULAR for route in routes), (
        "INV-DOSE: every dose is IM"
    )  # pragma: no mutate
    assert maintenance.lifelong, (
        "INV-LIFELONG: maintenance is lifelong, with no end"
    )  # pragma: no mutate
    assert 1 <= maintenance.due_interval_months <= LONGEST_INTERVAL_MONTHS, (
        "INV-INTERVAL-MAX: at most 3 months"
    )  # pragma: no mutate
    assert 1 <= maintenance.overdue_after_months <= LONGEST_INTERVAL_MONTHS, (
        "INV-INTERVAL-MAX: at most 3 months"
    )  # pragma: no mutate
    assert (
        maintenance.due_interval_months <= maintenance.overdue_after_months
    ), (  # pragma: no mutate
        "INV-INTERVAL-MAX: a dose is due no later than it is overdue"
    )
    assert (
        not ileal_or_crohn_applies(profile) or maintenance.due_interval_months == 1
    ), (  # pragma: no mutate
        "INV-INTERVAL-MONTHLY: monthly where the ileal or Crohn's rule applies"
    )
    assert (
        not platelets_below(profile, 25) or outcome.setting is PlanSetting.SUPERVISED
    ), (  # pragma: no mutate
        "INV-NO-HOME-BELOW-25: no home plan when platelets are below 25"
    )
    assert not needs_platelet_precautions(profile) or (  # pragma: no mutate
        (guidance.needle_gauge_min, guidance.needle_gauge_max) == NEEDLE_GAUGE
        and (guidance.pressure_minutes_min, guidance.pressure_minutes_max) == PRESSURE_MINUTES
    ), "INV-PLATELET-GUIDANCE: platelets <= 50 or not given give needle and pressure guidance"
    if loading.pattern is LoadingPattern.STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS:
        assert loading.injection_dates == tuple(  # pragma: no mutate
            add_days(start, offset) for offset in STANDARD_LOADING_OFFSETS_DAYS
        ), "INV-LOAD-STANDARD: six injections on days 0, 2, 4, 7, 9, 11"
        assert not neuro_in_profile(profile), (
            "INV-LOAD-NEURO: neuro never loads standard"
        )  # pragma: no mutate
    if neuro_in_profile(profile):
        assert (
            loading.pattern is LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED
        ), (  # pragma: no mutate
            "INV-LOAD-NEURO: neurological involvement gives alternate-day loading"
        )
        assert loading.open_ended, (
            "INV-LOAD-NEURO: neurological loading is open-ended"
        )  # pragma: no mutate
        assert loading.review_date == add_days(
            start, NEURO_REVIEW_AFTER_DAYS
        ), (  # pragma: no mutate
            "INV-LOAD-NEURO: review at start + 14 days"
        )
        assert all(  # pragma: no mutate
            (day - start).days % NEURO_LOADING_EVERY_DAYS == 0 for day in loading.injection_dates
        ), "INV-LOAD-NEURO: every second day from the start"
        assert maintenance.first_due_date is None, (  # pragma: no mutate
            "INV-LOAD-NEURO: maintenance has no first due date while loading is open-ended"
        )
        assert not maintenance.injection_dates, (  # pragma: no mutate
            "INV-LOAD-NEURO: maintenance is not dated while loading is open-ended"
        )
    dated = loading.injection_dates + maintenance.injection_dates
    assert strictly_increasing(dated), (
        "INV-DATES-ORDERED: injections strictly increase"
    )  # pragma: no mutate
    assert all(day >= start for day in dated), (
        "INV-DATES-ORDERED: never before the start"
    )  # pragma: no mutate
    assert strictly_increasing(outcome.monitoring.lab_check_dates), (  # pragma: no mutate
        "INV-DATES-ORDERED: lab checks strictly increase"
    )
    assert all(day <= horizon for day in maintenance.injection_dates[1:]), (  # pragma: no mutate
        "INV-HORIZON: no repeated maintenance date after the horizon"
    )
    assert all(
        day <= horizon for day in outcome.monitoring.lab_check_dates[1:]
    ), (  # pragma: no mutate
        "INV-HORIZON: no repeated lab date after the horizon"
    )
    assert elements_cite_known_ids(
        guidance.items + outcome.monitoring.items
    ), (  # pragma: no mutate
        "INV-CITATIONS: items cite catalogue IDs"
    )
    assert all(  # pragma: no mutate
        cites_known_ids(part.rule_ids, part.source_references)
        for part in (loading, maintenance, guidance, outcome.monitoring)
    ), "INV-CITATIONS: every phase cites catalogue IDs"
    return outcome


def _plan_valid_request(request: PlanRequest) -> Referral | RegimenPlan:
    """Plan a validated request."""
    start = request.start_date
    assert start is not None  # pragma: no mutate
    horizon = request.horizon_date or start
    reading = read_profile(request.profile)
    refer_reasons = reading.refer_reasons
    if horizon > LATEST_SUPPORTED_DATE or (
        horizon.year - start.year >= LONGEST_HORIZON_YEARS
        and horizon > add_months(start, 12 * LONGEST_HORIZON_YEARS)
    ):
        refer_reasons = (*refer_reasons, ReferReason.NOT_COVERED)
    if refer_reasons:
        return _refer(request, reading, refer_reasons)

    profile = request.profile
    formulation = profile.formulation
    assert formulation is not None, "INV-TOTAL-PLAN: validated"  # pragma: no mutate
    loading = _plan_loading(reading, start, horizon)
    maintenance = _plan_maintenance(reading, loading, start, horizon)
    return RegimenPlan(
        setting=PlanSetting.SUPERVISED if reading.supervised else PlanSetting.HOME,
        loading=loading,
        maintenance=maintenance,
        guidance=_plan_guidance(
            formulation,
            reading.platelet_band,
            profile.site_request,
            renal_with_hydroxocobalamin=reading.renal and not reading.cyanocobalamin,
        ),
        monitoring=_plan_monitoring(reading, start, horizon),
        warnings=reading.plan_warnings,
        interval_rules=reading.interval_rules,
        rule_set_version=RULE_SET_VERSION,
    )


def _refer(
    request: PlanRequest, reading: ProfileReading, reasons: tuple[ReferReason, ...]
) -> Referral:
    rule_ids: list[str] = ["D-OUTCOME"]
    for reason in reasons:
        rule_ids.extend(REFER_RULES[reason])
    return Referral(
        reasons=reasons,
        urgent=neuro_in_profile(request.profile),
        warnings=reading.refer_warnings,
        rule_ids=order_rule_ids(tuple(rule_ids)),
        rule_set_version=RULE_SET_VERSION,
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
        last = max(review, horizon)
        count = (last - start).days // NEURO_LOADING_EVERY_DAYS + 1
        rule_ids, references = _NEURO_LOADING_CITATIONS
        return LoadingPhase(
            pattern=LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED,
            dose_mcg=DOSE_MCG,
            volume_ml=VOLUME_ML,
            route=Route.INTRAMUSCULAR,
            injection_dates=_every_second_day(start, count),
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


_TWO_DAYS: Final = datetime.timedelta(days=NEURO_LOADING_EVERY_DAYS)


def _every_second_day(start: datetime.date, count: int) -> tuple[datetime.date, ...]:
    """Return ``count`` dates, every second day from ``start``."""
    dates = [start]
    day = start
    for _ in range(count - 1):
        day += _TWO_DAYS
        dates.append(day)
    return tuple(dates)


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
) -> AdministrationGuidance:
    """R-DOSE-1000, R-FORM-1, D-SITE, D-PLT, D-EARLY (and R-RENAL with hydroxocobalamin).

    The guidance depends only on its four arguments, so each combination is built once.
    """
    site = read_site_request(site_request)
    citations: list[str] = ["R-DOSE-1000", "R-FORM-1", "D-FORMULATIONS", "D-EARLY"]
    citations.extend(site.rule_ids)
    if platelet_band is PlateletBand.STANDARD:
        citations.extend(("R-PLT-STANDARD", "D-PLT"))
        needle: tuple[int | None, int | None] = (None, None)
        pressure: tuple[int | None, int | None] = (None, None)
    else:
        citations.extend(("R-PLT-PRECAUTION", "D-PLT"))
        if platelet_band is PlateletBand.SEVERE:
            citations.append("R-PLT-SEVERE")
        needle, pressure = NEEDLE_GAUGE, PRESSURE_MINUTES
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
_EARLY_ITEMS: Final = (
    make_item(Code.EARLY_BASELINE_BLOODS, ("D-EARLY",)),
    make_item(Code.EARLY_POTASSIUM_48H, ("D-EARLY",)),
    make_item(Code.EARLY_RETICULOCYTES_DAY_5_7, ("D-EARLY",)),
)


def lab_check_dates(start: datetime.date, horizon: datetime.date) -> tuple[datetime.date, ...]:
    """D-LABS in a plan: start + 3, 6, 9 ... months, each counted from the start; the first is
    always listed, later ones up to the horizon (D-HORIZON)."""
    return count_months_from(start, LAB_INTERVAL_MONTHS, horizon)


_MONITORING_ITEMS: Final[tuple[Item, ...]] = (_LABS_ITEM, _WATCH_ITEM)
_EARLY_MONITORING_ITEMS: Final[tuple[Item, ...]] = (*_EARLY_ITEMS, _LABS_ITEM, _WATCH_ITEM)
_MONITORING_CITATIONS: Final = _phase_citations(
    ("R-MON-LABS", "R-MON-HCY", "R-MON-SYMPTOMS", "D-LABS", "D-MONTH", "D-HORIZON")
)
_EARLY_MONITORING_CITATIONS: Final = _phase_citations(
    ("R-MON-LABS", "R-MON-HCY", "R-MON-SYMPTOMS", "D-LABS", "D-MONTH", "D-HORIZON", "D-EARLY")
)


def _plan_monitoring(
    reading: ProfileReading, start: datetime.date, horizon: datetime.date
) -> MonitoringSchedule:
    """R-MON-LABS, R-MON-HCY, R-MON-SYMPTOMS, D-LABS, and D-EARLY when there is loading."""
    if reading.treatment is Treatment.PROPHYLAXIS:
        items, (rule_ids, references) = _MONITORING_ITEMS, _MONITORING_CITATIONS
    else:
        items, (rule_ids, references) = _EARLY_MONITORING_ITEMS, _EARLY_MONITORING_CITATIONS
    return MonitoringSchedule(
        lab_check_dates=lab_check_dates(start, horizon),
        homocysteine_target_below_umol_per_l=HOMOCYSTEINE_TARGET_BELOW_UMOL_PER_L,
        items=items,
        rule_ids=rule_ids,
        source_references=references,
    )
