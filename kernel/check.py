"""Checking a proposed regimen against the rules (D-CHECK): dose-range checking."""

from __future__ import annotations

import datetime
import itertools
from typing import Final

from kernel.contracts import (
    STANDARD_LOADING_OFFSETS_DAYS,
    elements_cite_known_ids,
    findings_well_formed,
    has_code,
    neuro_in_profile,
    renal_with_cyanocobalamin,
)
from kernel.findings import make_finding, merge_findings
from kernel.model import (
    CheckOutcome,
    CheckRequest,
    Code,
    Finding,
    InvalidInput,
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

RECOMMENDED_DOSE_MCG: Final = 1000
LOWEST_ACCEPTABLE_DOSE_MCG: Final = 100
LONGEST_INTERVAL_MONTHS: Final = 3
LOADING_WINDOW_DAYS: Final = 14
STANDARD_LOADING_DOSES: Final = 6
ALTERNATIVE_LOADING_MIN_DOSES: Final = 5
NEURO_LOADING_GAP_DAYS: Final = 2


def check_regimen(request: CheckRequest) -> CheckOutcome:
    """Check a proposed regimen: a validation error, or findings (never REFER)."""
    assert isinstance(request, CheckRequest), "INV-TOTAL-CHECK: a check"  # pragma: no mutate
    violations = validate_check_request(request)
    outcome: CheckOutcome = (
        InvalidInput(violations) if violations else _check_valid_request(request)
    )

    profile = request.profile
    assert isinstance(outcome, InvalidInput) == bool(violations), (  # pragma: no mutate
        "INV-TOTAL-CHECK: a validation error exactly when the request is invalid"
    )
    if isinstance(outcome, InvalidInput):
        assert len(outcome.violations) > 0, (
            "INV-VALIDATION: a validation error names a field"
        )  # pragma: no mutate
        return outcome
    findings = outcome.findings
    assert isinstance(outcome, RegimenCheck), (
        "INV-TOTAL-CHECK: findings, never REFER"
    )  # pragma: no mutate
    assert findings_well_formed(findings), (
        "INV-FINDINGS: codes once, fixed severity, in order"
    )  # pragma: no mutate
    assert elements_cite_known_ids(findings), (
        "INV-CITATIONS: findings cite catalogue IDs"
    )  # pragma: no mutate
    assert all(  # pragma: no mutate
        "D-CHECK" in f.rule_ids for f in findings if f.code in CHECK_CODES
    ), "INV-CITATIONS: every regimen finding cites D-CHECK"
    assert not renal_with_cyanocobalamin(profile) or has_code(  # pragma: no mutate
        findings, Code.RENAL_PREFER_HYDROXOCOBALAMIN
    ), "INV-RENAL: renal impairment with cyanocobalamin carries the renal warning"
    assert not profile.folic_acid_started_before_b12 or has_code(  # pragma: no mutate
        findings, Code.FOLATE_BEFORE_B12, "CRITICAL"
    ), "INV-FOLATE: folic acid before B12 carries the critical folate warning"
    assert not neuro_in_profile(profile) or has_code(  # pragma: no mutate
        findings, Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE, "CRITICAL"
    ), "INV-NEURO-WARNING: neurological involvement carries the specialist warning"
    assert not request.regimen.stop_date or has_code(
        findings, Code.LIFELONG, "CRITICAL"
    ), (  # pragma: no mutate
        "INV-LIFELONG: a proposed stop date is a critical finding"
    )
    assert has_code(findings, Code.REFER_CONDITION_PRESENT) == bool(
        outcome.refer_reasons
    ), (  # pragma: no mutate
        "INV-TOTAL-CHECK: a REFER condition is a critical finding, not a REFER"
    )
    dose = request.regimen.dose_per_injection_mcg
    assert (
        dose is None
        or dose == RECOMMENDED_DOSE_MCG
        or any(  # pragma: no mutate
            f.code in DOSE_CODES for f in findings
        )
    ), "INV-DOSE: any dose other than 1000 mcg is a finding"
    assert outcome.rule_set_version == RULE_SET_VERSION, (
        "INV-CITATIONS: names the rule set"
    )  # pragma: no mutate
    return outcome


DOSE_CODES: Final = frozenset(
    {Code.DOSE_BELOW_RECOMMENDED, Code.DOSE_TOO_LOW, Code.DOSE_ABOVE_MAXIMUM}
)
CHECK_CODES: Final = DOSE_CODES | {
    Code.ROUTE_NOT_IM,
    Code.LIFELONG,
    Code.INTERVAL_ABOVE_MAXIMUM,
    Code.INTERVAL_MONTHLY_RULE,
    Code.INTERVAL_LONGER_THAN_RECOMMENDED,
    Code.LOADING_ALTERNATIVE,
    Code.LOADING_TOO_FEW,
    Code.LOADING_MORE_FREQUENT,
    Code.LOADING_NEURO_MUST_BE_OPEN_ENDED,
    Code.REFER_CONDITION_PRESENT,
    Code.SUPERVISION_REQUIRED,
}


def _check_valid_request(request: CheckRequest) -> RegimenCheck:
    regimen = request.regimen
    reading = read_profile(request.profile)
    refer_reasons = reading.refer_reasons
    findings: list[Finding] = [*reading.safety_warnings, *reading.interval_warnings]
    if regimen.formulation is not None and regimen.formulation is not request.profile.formulation:
        findings.append(
            make_finding(
                Code.NOT_COVERED,
                ("D-OUTCOME", "D-CHECK"),
                reason="The proposed formulation differs from the profile's formulation"
                " (specs/proposed-decisions.md, D-PROPOSED-FORMULATION-MISMATCH).",
            )
        )
    if refer_reasons:
        names = ", ".join(reason.name for reason in refer_reasons)
        findings.append(
            make_finding(
                Code.REFER_CONDITION_PRESENT, _refer_citations(refer_reasons), reason=names
            )
        )
    if reading.supervised:
        findings.append(
            make_finding(Code.SUPERVISION_REQUIRED, ("R-PLT-SEVERE", "D-PLT", "D-CHECK"))
        )
    findings.extend(_check_dose(regimen.dose_per_injection_mcg))
    if regimen.route is not None and regimen.route is not Route.INTRAMUSCULAR:
        findings.append(
            make_finding(Code.ROUTE_NOT_IM, ("R-DOSE-1000", "D-FORMULATIONS", "D-CHECK"))
        )
    if regimen.stop_date is not None:
        findings.append(make_finding(Code.LIFELONG, ("R-LIFELONG", "D-LIFELONG", "D-CHECK")))
    findings.extend(_check_interval(regimen.maintenance_interval_months, reading))
    findings.extend(_check_loading(regimen, reading))
    site = regimen.site if regimen.site is not None else request.profile.site_request
    findings.extend(read_site_request(site).warnings)
    return RegimenCheck(
        findings=merge_findings(findings),
        refer_reasons=refer_reasons,
        rule_set_version=RULE_SET_VERSION,
    )


def _refer_citations(reasons: tuple[ReferReason, ...]) -> tuple[str, ...]:
    rule_ids: list[str] = ["D-OUTCOME", "D-CHECK"]
    for reason in reasons:
        rule_ids.extend(REFER_RULES[reason])
    return tuple(rule_ids)


def _check_dose(dose: float | None) -> list[Finding]:
    """D-CHECK dose: 1000 nothing; 100 to under 1000 warning; under 100 critical; over 1000
    critical."""
    if dose is None or dose == RECOMMENDED_DOSE_MCG:
        return []
    if dose > RECOMMENDED_DOSE_MCG:
        return [make_finding(Code.DOSE_ABOVE_MAXIMUM, ("R-FORM-1", "D-CHECK"))]
    if dose >= LOWEST_ACCEPTABLE_DOSE_MCG:
        return [make_finding(Code.DOSE_BELOW_RECOMMENDED, ("R-DOSE-1000", "D-CHECK"))]
    return [make_finding(Code.DOSE_TOO_LOW, ("R-DOSE-1000", "D-CHECK"))]


def _check_interval(interval: float | None, reading: ProfileReading) -> list[Finding]:
    """D-CHECK interval, first match only."""
    if interval is None:
        return []
    if interval > LONGEST_INTERVAL_MONTHS:
        return [
            make_finding(
                Code.INTERVAL_ABOVE_MAXIMUM,
                ("R-MAINT-EXTENDED", "R-POP-BARIATRIC", "D-INTERVAL", "D-CHECK"),
            )
        ]
    if interval > 1 and (reading.ileal_rule or reading.crohn_rule):
        rules = tuple(
            rule_id
            for rule_id, holds in (
                ("R-POP-ILEAL", reading.ileal_rule),
                ("R-POP-CROHN", reading.crohn_rule),
            )
            if holds
        )
        return [make_finding(Code.INTERVAL_MONTHLY_RULE, (*rules, "D-INTERVAL", "D-CHECK"))]
    hydroxo_overdue = next(
        (r.overdue_after_months for r in reading.interval_rules if r.rule_id == "R-MAINT-HYDROXO"),
        None,
    )
    longer = (
        interval > 1
        if reading.cyanocobalamin
        else hydroxo_overdue is not None and interval > hydroxo_overdue
    )
    if longer:
        formulation_rule = "R-MAINT-CYANO" if reading.cyanocobalamin else "R-MAINT-HYDROXO"
        return [
            make_finding(
                Code.INTERVAL_LONGER_THAN_RECOMMENDED,
                (formulation_rule, "R-MAINT-EXTENDED", "R-MONTHLY-BETTER", "D-CHECK"),
            )
        ]
    return []


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


def _check_neuro_loading(days: list[datetime.date], *, open_ended: bool | None) -> list[Finding]:
    """Open-ended, every second day (R-LOAD-NEURO)."""
    citations = ("R-LOAD-NEURO", "D-NEURO-OPEN", "D-CHECK")
    findings: list[Finding] = []
    if open_ended is False:
        findings.append(make_finding(Code.LOADING_NEURO_MUST_BE_OPEN_ENDED, citations))
    gaps = [(later - earlier).days for earlier, later in itertools.pairwise(days)]
    if any(gap == 1 for gap in gaps):
        findings.append(make_finding(Code.LOADING_MORE_FREQUENT, citations))
    if any(gap > NEURO_LOADING_GAP_DAYS for gap in gaps):
        findings.append(make_finding(Code.LOADING_TOO_FEW, citations))
    return findings
