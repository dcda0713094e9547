"""Checking a proposed regimen against the rules (D-CHECK): dose-range checking.

Every rule of the check reads the judged formulation: the proposed one where the regimen names
one, else the profile's (D-CHECK-FORMULATION). ``check_regimen`` validates, checks, and (outside
``python -O``) checks its postconditions, which live beside it in ``kernel.contracts.check``.
"""

from __future__ import annotations

import dataclasses
import datetime
import itertools
from typing import Final

from kernel.constants import (
    ALTERNATIVE_LOADING_MIN_DOSES,
    DOSE_MCG,
    EXTENDED_INTERVAL_MONTHS,
    LOADING_WINDOW_DAYS,
    LONGEST_INTERVAL_MONTHS,
    LOWEST_ACCEPTABLE_DOSE_MCG,
    MONTHLY_MONTHS,
    NEURO_LOADING_EVERY_DAYS,
    STANDARD_LOADING_DOSES,
    STANDARD_LOADING_OFFSETS_DAYS,
)
from kernel.contracts.check import ensure_check
from kernel.findings import PRODUCT_NAME, make_finding, merge_findings
from kernel.model import (
    CheckOutcome,
    CheckRequest,
    Code,
    Finding,
    Formulation,
    InvalidInput,
    PatientProfile,
    ProposedRegimen,
    ReferReason,
    RegimenCheck,
    Route,
)
from kernel.profile import (
    REFER_RULES,
    ProfileReading,
    Treatment,
    read_profile,
    read_site_request,
)
from kernel.rules import RULE_SET_VERSION
from kernel.validation import validate_check_request


def check_regimen(request: CheckRequest) -> CheckOutcome:
    """Check a proposed regimen: a validation error, or findings (never REFER)."""
    assert isinstance(request, CheckRequest), "INV-TOTAL-CHECK: a check"  # pragma: no mutate
    violations = validate_check_request(request)
    outcome: CheckOutcome = (
        InvalidInput(violations) if violations else _check_valid_request(request)
    )
    if __debug__:
        ensure_check(request, violations, outcome)
    return outcome


def judged_profile(request: CheckRequest) -> PatientProfile:
    """D-CHECK-FORMULATION: the profile with the proposed formulation, where one is proposed."""
    proposed = request.regimen.formulation
    if proposed is None or proposed is request.profile.formulation:
        return request.profile
    return dataclasses.replace(request.profile, formulation=proposed)


def nothing_proposed(regimen: ProposedRegimen) -> bool:
    """D-CHECK-EMPTY: no dose, interval, loading dates, route, stop date or site (a formulation
    alone is not a regimen)."""
    return (
        regimen.dose_per_injection_mcg is None
        and regimen.maintenance_interval_months is None
        and not regimen.loading_dates
        and regimen.route is None
        and regimen.stop_date is None
        and regimen.site is None
    )


def _check_valid_request(request: CheckRequest) -> RegimenCheck:
    regimen = request.regimen
    profile = judged_profile(request)
    reading = read_profile(profile)
    findings: list[Finding] = [*reading.safety_warnings, *reading.interval_warnings]
    proposed, sent = regimen.formulation, request.profile.formulation
    if proposed is not None and sent is not None and proposed is not sent:
        findings.append(_formulation_differs(proposed, sent))
    if reading.refer_reasons:
        sentences = " ".join(detail.text for detail in reading.reason_details)
        findings.append(
            make_finding(
                Code.REFER_CONDITION_PRESENT,
                _refer_citations(reading.refer_reasons),
                reason=sentences,
            )
        )
    if reading.supervised:
        findings.append(
            make_finding(Code.SUPERVISION_REQUIRED, ("R-PLT-SEVERE", "D-PLT", "D-CHECK"))
        )
    if regimen.stop_date is not None:
        findings.append(make_finding(Code.LIFELONG, ("R-LIFELONG", "D-LIFELONG", "D-CHECK")))
    if nothing_proposed(regimen):
        findings.append(make_finding(Code.NOTHING_PROPOSED, ("D-CHECK", "D-CHECK-EMPTY")))
    findings.extend(_check_route(regimen.route, cyanocobalamin=reading.cyanocobalamin))
    if regimen.route is not Route.ORAL:
        findings.extend(_check_dose(regimen.dose_per_injection_mcg))
        findings.extend(_check_interval(regimen.maintenance_interval_months, reading))
        findings.extend(_check_loading(regimen, reading))
        site = regimen.site if regimen.site is not None else request.profile.site_request
        findings.extend(read_site_request(site).warnings)
    return RegimenCheck(
        findings=merge_findings(findings),
        refer_reasons=reading.refer_reasons,
        rule_set_version=RULE_SET_VERSION,
    )


def _formulation_differs(proposed: Formulation, profile: Formulation) -> Finding:
    """D-CHECK-FORMULATION: name both formulations."""
    names = f"{PRODUCT_NAME[proposed]} is proposed, the profile names {PRODUCT_NAME[profile]}"
    return make_finding(
        Code.FORMULATION_DIFFERS_FROM_PROFILE, ("D-CHECK", "D-CHECK-FORMULATION"), reason=names
    )


def _refer_citations(reasons: tuple[ReferReason, ...]) -> tuple[str, ...]:
    rule_ids: list[str] = ["D-OUTCOME", "D-CHECK"]
    for reason in reasons:
        rule_ids.extend(REFER_RULES[reason])
    return tuple(rule_ids)


def _check_route(route: Route | None, *, cyanocobalamin: bool) -> list[Finding]:
    """D-CHECK-ROUTE: deep subcutaneous cyanocobalamin is labelled (warning); oral is not
    covered (critical); any other route but IM is critical."""
    if route is None or route is Route.INTRAMUSCULAR:
        return []
    citations = ("R-DOSE-1000", "D-FORMULATIONS", "D-CHECK", "D-CHECK-ROUTE")
    if route is Route.ORAL:
        return [make_finding(Code.ROUTE_ORAL_NOT_COVERED, citations)]
    if route is Route.SUBCUTANEOUS and cyanocobalamin:
        return [make_finding(Code.ROUTE_DEEP_SC_LABELLED, citations)]
    return [make_finding(Code.ROUTE_NOT_IM, citations)]


def _check_dose(dose: float | None) -> list[Finding]:
    """D-CHECK dose: 1000 nothing; 100 to under 1000 warning; under 100 critical; over 1000
    critical."""
    if dose is None or dose == DOSE_MCG:
        return []
    if dose > DOSE_MCG:
        return [make_finding(Code.DOSE_ABOVE_MAXIMUM, ("R-FORM-1", "D-CHECK"))]
    if dose >= LOWEST_ACCEPTABLE_DOSE_MCG:
        return [make_finding(Code.DOSE_BELOW_RECOMMENDED, ("R-DOSE-1000", "D-CHECK"))]
    return [make_finding(Code.DOSE_TOO_LOW, ("R-DOSE-1000", "D-CHECK"))]


def _check_interval(interval: float | None, reading: ProfileReading) -> list[Finding]:
    """D-CHECK interval, first match only; D-CHECK-EXTENDED."""
    if interval is None:
        return []
    if interval > LONGEST_INTERVAL_MONTHS:
        return [
            make_finding(
                Code.INTERVAL_ABOVE_MAXIMUM,
                ("R-MAINT-EXTENDED", "R-POP-BARIATRIC", "D-INTERVAL", "D-CHECK"),
            )
        ]
    if interval > MONTHLY_MONTHS and (reading.ileal_rule or reading.crohn_rule):
        rules = tuple(
            rule_id
            for rule_id, holds in (
                ("R-POP-ILEAL", reading.ileal_rule),
                ("R-POP-CROHN", reading.crohn_rule),
            )
            if holds
        )
        return [make_finding(Code.INTERVAL_MONTHLY_RULE, (*rules, "D-INTERVAL", "D-CHECK"))]
    if reading.cyanocobalamin:
        granted = reading.extended_granted and interval <= EXTENDED_INTERVAL_MONTHS[1]
        if interval <= MONTHLY_MONTHS or granted:
            return []
        formulation_rule = "R-MAINT-CYANO"
    else:
        hydroxocobalamin = next(r for r in reading.interval_rules if r.rule_id == "R-MAINT-HYDROXO")
        if interval <= hydroxocobalamin.overdue_after_months:
            return []
        formulation_rule = "R-MAINT-HYDROXO"
    return [
        make_finding(
            Code.INTERVAL_LONGER_THAN_RECOMMENDED,
            (formulation_rule, "R-MAINT-EXTENDED", "R-MONTHLY-BETTER", "D-CHECK"),
        )
    ]


def _check_loading(regimen: ProposedRegimen, reading: ProfileReading) -> list[Finding]:
    """D-CHECK loading: two on one day for any loading; otherwise by profile."""
    days = sorted(regimen.loading_dates)
    if not days:
        return []
    findings: list[Finding] = []
    if len(set(days)) < len(days):
        findings.append(make_finding(Code.TWO_INJECTIONS_ONE_DAY, ("D-CHECK",)))
    if reading.treatment is not Treatment.DEFICIENCY:
        return findings
    if reading.neuro:
        findings.extend(_check_neuro_loading(days, open_ended=regimen.loading_open_ended))
    else:
        findings.extend(_check_standard_loading(days))
    return findings


def _check_standard_loading(days: list[datetime.date]) -> list[Finding]:
    """Judge standard loading over days 0-13 from the first proposed dose (later doses not
    counted)."""
    first = days[0]
    offsets = [(day - first).days for day in days if (day - first).days < LOADING_WINDOW_DAYS]
    if tuple(offsets) == STANDARD_LOADING_OFFSETS_DAYS:
        return []
    count = len(offsets)
    if count < ALTERNATIVE_LOADING_MIN_DOSES:
        return [make_finding(Code.LOADING_TOO_FEW, ("R-LOAD-STD", "D-LOAD-DAYS", "D-CHECK"))]
    if count > STANDARD_LOADING_DOSES:
        return [make_finding(Code.LOADING_MORE_FREQUENT, ("R-LOAD-STD", "D-LOAD-DAYS", "D-CHECK"))]
    return [make_finding(Code.LOADING_ALTERNATIVE, ("R-LOAD-ALT", "D-LOAD-ALT", "D-CHECK"))]


_NEURO_CITATIONS: Final = ("R-LOAD-NEURO", "D-NEURO-OPEN", "D-CHECK")


def _check_neuro_loading(days: list[datetime.date], *, open_ended: bool | None) -> list[Finding]:
    """Open-ended, every second day (R-LOAD-NEURO)."""
    findings: list[Finding] = []
    if open_ended is False:
        findings.append(make_finding(Code.LOADING_NEURO_MUST_BE_OPEN_ENDED, _NEURO_CITATIONS))
    gaps = [(later - earlier).days for earlier, later in itertools.pairwise(days)]
    if any(gap == 1 for gap in gaps):
        findings.append(make_finding(Code.LOADING_MORE_FREQUENT, _NEURO_CITATIONS))
    if any(gap > NEURO_LOADING_EVERY_DAYS for gap in gaps):
        findings.append(make_finding(Code.LOADING_TOO_FEW, _NEURO_CITATIONS))
    return findings
