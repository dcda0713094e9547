"""The postconditions of ``plan_regimen``, one function per invariant (``ensure_plan`` runs them
in order)."""

from __future__ import annotations

import datetime

from kernel.calendar import add_days, add_months
from kernel.constants import (
    DOSE_MCG,
    LONGEST_INTERVAL_MONTHS,
    NEEDLE_GAUGE,
    NEURO_LOADING_EVERY_DAYS,
    NEURO_REVIEW_AFTER_DAYS,
    PLATELETS_SEVERE_BELOW_10E9_PER_L,
    PREGNANCY_REVIEW_AFTER_MONTHS,
    PRESSURE_MINUTES,
    STANDARD_LOADING_OFFSETS_DAYS,
    VOLUME_ML,
)
from kernel.contracts.common import (
    inv_citations,
    inv_findings,
    inv_folate,
    inv_neuro_warning,
    inv_renal,
    inv_validation,
    inv_wording,
)
from kernel.contracts.predicates import (
    cites_known_ids,
    elements_cite_known_ids,
    has_code,
    ileal_or_crohn_applies,
    needs_platelet_precautions,
    neuro_in_profile,
    platelets_below,
    strictly_increasing,
)
from kernel.findings import REFER_CODES
from kernel.model import (
    Code,
    FieldViolation,
    InvalidInput,
    LoadingPattern,
    PlanOutcome,
    PlanRequest,
    PlanSetting,
    Referral,
    ReferReason,
    RegimenPlan,
    Route,
)


def ensure_plan(
    request: PlanRequest, violations: tuple[FieldViolation, ...], outcome: PlanOutcome
) -> None:
    """Every postcondition of ``plan_regimen`` for ``request``."""
    inv_validation(violations, outcome)
    if isinstance(outcome, InvalidInput):
        return
    profile = request.profile
    inv_findings(outcome.warnings)
    inv_citations(outcome.warnings, outcome.rule_set_version)
    inv_renal(profile, profile.formulation, outcome.warnings)
    inv_folate(profile, outcome.warnings)
    inv_neuro_warning(profile, outcome.warnings, recurred=False)
    if isinstance(outcome, Referral):
        inv_wording(_referral_texts(outcome))
        inv_refer(request, outcome)
        inv_refer_platelets(request, outcome)
        return
    inv_wording(_plan_texts(outcome))
    assert request.start_date is not None, "INV-TOTAL-PLAN: a plan has a start"
    inv_dose(outcome)
    inv_lifelong(outcome)
    inv_interval_max(outcome)
    inv_interval_monthly(request, outcome)
    inv_no_home_below_25(request, outcome)
    inv_platelet_guidance(request, outcome)
    inv_load_standard(request, request.start_date, outcome)
    inv_load_neuro(request, request.start_date, outcome)
    inv_dates_ordered(request.start_date, outcome)
    inv_horizon(request, request.start_date, outcome)
    inv_plan_citations(outcome)


def _referral_texts(outcome: Referral) -> list[str]:
    return [
        outcome.text,
        *(w.text for w in outcome.warnings),
        *(d.text for d in outcome.reason_details),
    ]


def _plan_texts(outcome: RegimenPlan) -> list[str]:
    items = outcome.guidance.items + outcome.monitoring.items
    return [*(w.text for w in outcome.warnings), *(i.text for i in items)]


def inv_refer(request: PlanRequest, outcome: Referral) -> None:
    """INV-REFER: reasons once each in D-OUTCOME order, each with its sentence; only the codes a
    REFER may carry; urgent exactly with neurological involvement, platelets below 25, or
    Leber's disease or tobacco amblyopia; cites D-OUTCOME."""
    profile = request.profile
    assert len(outcome.reasons) > 0, "INV-TOTAL-PLAN: a REFER has reasons"
    assert list(outcome.reasons) == sorted(set(outcome.reasons), key=list(ReferReason).index), (
        "INV-REFER: reasons once each, in D-OUTCOME order"
    )
    assert [d.reason for d in outcome.reason_details] == list(outcome.reasons), (
        "INV-REFER: one sentence per reason, in order"
    )
    assert all(w.code in REFER_CODES for w in outcome.warnings), (
        "INV-REFER: a REFER carries only the D-OUTCOME warnings"
    )
    urgent = (
        neuro_in_profile(profile)
        or platelets_below(profile, PLATELETS_SEVERE_BELOW_10E9_PER_L)
        or profile.leber_disease_or_tobacco_amblyopia
    )
    assert outcome.urgent == urgent, (
        "INV-REFER: urgent exactly with neurological involvement, platelets below 25 or Leber's"
    )
    assert "D-OUTCOME" in outcome.rule_ids, "INV-CITATIONS: cites D-OUTCOME"
    assert all(cites_known_ids(d.rule_ids, d.source_references) for d in outcome.reason_details), (
        "INV-CITATIONS: every reason cites catalogue IDs"
    )


def inv_refer_platelets(request: PlanRequest, outcome: Referral) -> None:
    """INV-REFER-PLATELETS: a REFER for platelets below 25 is urgent and carries the same-day
    advice."""
    below = ReferReason.PLATELETS_BELOW_25_NO_NEURO in outcome.reasons
    assert below == (
        platelets_below(request.profile, PLATELETS_SEVERE_BELOW_10E9_PER_L)
        and not neuro_in_profile(request.profile)
    ), "INV-REFER-PLATELETS: the platelet reason exactly below 25 without neurology"
    assert not below or (
        outcome.urgent
        and has_code(outcome.warnings, Code.PLATELETS_SEVERE_SAME_DAY_ADVICE, "CRITICAL")
    ), "INV-REFER-PLATELETS: urgent, with the same-day advice"


def inv_dose(outcome: RegimenPlan) -> None:
    """INV-DOSE: every dose is 1000 mcg, 1 mL, IM."""
    parts = (outcome.loading, outcome.maintenance, outcome.guidance)
    assert all(p.dose_mcg == DOSE_MCG for p in parts), "INV-DOSE: 1000 mcg"
    assert all(p.volume_ml == VOLUME_ML for p in parts), "INV-DOSE: 1 mL"
    assert all(p.route is Route.INTRAMUSCULAR for p in parts), "INV-DOSE: IM"


def inv_lifelong(outcome: RegimenPlan) -> None:
    """INV-LIFELONG: maintenance is lifelong, with no end."""
    assert outcome.maintenance.lifelong, "INV-LIFELONG: maintenance is lifelong"


def inv_interval_max(outcome: RegimenPlan) -> None:
    """INV-INTERVAL-MAX: due and overdue-after intervals between 1 and 3 months, due first."""
    maintenance = outcome.maintenance
    assert (
        1
        <= maintenance.due_interval_months
        <= maintenance.overdue_after_months
        <= LONGEST_INTERVAL_MONTHS
    ), "INV-INTERVAL-MAX: 1 <= due <= overdue-after <= 3 months"


def inv_interval_monthly(request: PlanRequest, outcome: RegimenPlan) -> None:
    """INV-INTERVAL-MONTHLY: monthly where the ileal or Crohn's rule applies."""
    assert (
        not ileal_or_crohn_applies(request.profile) or outcome.maintenance.due_interval_months == 1
    ), "INV-INTERVAL-MONTHLY: monthly where the ileal or Crohn's rule applies"


def inv_no_home_below_25(request: PlanRequest, outcome: RegimenPlan) -> None:
    """INV-NO-HOME-BELOW-25: no home plan when platelets are below 25."""
    assert (
        not platelets_below(request.profile, PLATELETS_SEVERE_BELOW_10E9_PER_L)
        or outcome.setting is PlanSetting.SUPERVISED
    ), "INV-NO-HOME-BELOW-25: no home plan when platelets are below 25"


def inv_platelet_guidance(request: PlanRequest, outcome: RegimenPlan) -> None:
    """INV-PLATELET-GUIDANCE: platelets <= 50 or not given, or anticoagulant therapy, give the
    25-27G needle and 5-10 minutes of pressure."""
    guidance = outcome.guidance
    precautions = (guidance.needle_gauge_min, guidance.needle_gauge_max) == NEEDLE_GAUGE and (
        guidance.pressure_minutes_min,
        guidance.pressure_minutes_max,
    ) == PRESSURE_MINUTES
    needed = needs_platelet_precautions(request.profile) or bool(
        request.profile.anticoagulant_therapy
    )
    assert not needed or precautions, (
        "INV-PLATELET-GUIDANCE: low or unknown platelets, or anticoagulants, give the precautions"
    )


def inv_load_standard(request: PlanRequest, start: datetime.date, outcome: RegimenPlan) -> None:
    """INV-LOAD-STANDARD: six injections on days 0, 2, 4, 7, 9 and 11."""
    loading = outcome.loading
    if loading.pattern is not LoadingPattern.STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS:
        return
    assert loading.injection_dates == tuple(
        add_days(start, offset) for offset in STANDARD_LOADING_OFFSETS_DAYS
    ), "INV-LOAD-STANDARD: six injections on days 0, 2, 4, 7, 9, 11"
    assert not neuro_in_profile(request.profile), (
        "INV-LOAD-NEURO: neurological involvement never loads standard"
    )


def inv_load_neuro(request: PlanRequest, start: datetime.date, outcome: RegimenPlan) -> None:
    """INV-LOAD-NEURO: open-ended alternate-day loading with a review at start + 14 days, and
    maintenance with no first due date and no dates."""
    if not neuro_in_profile(request.profile):
        return
    loading, maintenance = outcome.loading, outcome.maintenance
    assert loading.pattern is LoadingPattern.NEUROLOGICAL_ALTERNATE_DAYS_OPEN_ENDED, (
        "INV-LOAD-NEURO: neurological involvement gives alternate-day loading"
    )
    assert loading.open_ended, "INV-LOAD-NEURO: open-ended"
    assert loading.review_date == add_days(start, NEURO_REVIEW_AFTER_DAYS), (
        "INV-LOAD-NEURO: review at start + 14 days"
    )
    assert all(
        (day - start).days % NEURO_LOADING_EVERY_DAYS == 0 for day in loading.injection_dates
    ), "INV-LOAD-NEURO: every second day from the start"
    assert maintenance.first_due_date is None, (
        "INV-LOAD-NEURO: maintenance has no first due date while loading is open-ended"
    )
    assert not maintenance.injection_dates, (
        "INV-LOAD-NEURO: maintenance is not dated while loading is open-ended"
    )


def inv_dates_ordered(start: datetime.date, outcome: RegimenPlan) -> None:
    """INV-DATES-ORDERED: injections and lab checks strictly increase, never before the start."""
    dated = outcome.loading.injection_dates + outcome.maintenance.injection_dates
    assert strictly_increasing(dated), "INV-DATES-ORDERED: injections increase"
    assert all(day >= start for day in dated), "INV-DATES-ORDERED: not before start"
    assert strictly_increasing(outcome.monitoring.lab_check_dates), (
        "INV-DATES-ORDERED: lab checks strictly increase"
    )


def inv_horizon(request: PlanRequest, start: datetime.date, outcome: RegimenPlan) -> None:
    """INV-HORIZON: no repeated date after the horizon; the always-listed dates (the pregnancy
    review among them) are listed."""
    horizon = request.horizon_date or start
    monitoring = outcome.monitoring
    assert all(day <= horizon for day in outcome.maintenance.injection_dates[1:]), (
        "INV-HORIZON: no repeated maintenance date after the horizon"
    )
    assert all(day <= horizon for day in monitoring.lab_check_dates[1:]), (
        "INV-HORIZON: no repeated lab date after the horizon"
    )
    assert len(monitoring.lab_check_dates) >= 1, "INV-HORIZON: the first lab date"
    pregnancy = (
        add_months(start, PREGNANCY_REVIEW_AFTER_MONTHS) if request.profile.pregnant else None
    )
    assert monitoring.pregnancy_review_date == pregnancy, (
        "INV-HORIZON: the pregnancy review at start + 1 month, exactly in pregnancy"
    )


def inv_plan_citations(outcome: RegimenPlan) -> None:
    """INV-CITATIONS: every item and every phase cites catalogue IDs with their references."""
    monitoring = outcome.monitoring
    assert elements_cite_known_ids(outcome.guidance.items + monitoring.items), (
        "INV-CITATIONS: items cite catalogue IDs"
    )
    assert all(
        cites_known_ids(part.rule_ids, part.source_references)
        for part in (outcome.loading, outcome.maintenance, outcome.guidance, monitoring)
    ), "INV-CITATIONS: every phase cites catalogue IDs"
