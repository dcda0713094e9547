"""Regimen checks (INV-TOTAL-CHECK, INV-CHECK-FORMULATION, D-CHECK with D-CHECK-FORMULATION,
D-CHECK-EXTENDED, D-CHECK-ROUTE and D-CHECK-EMPTY)."""

from __future__ import annotations

import itertools

from kernel.model import (
    CheckRequest,
    Code,
    InvalidInput,
    RegimenCheck,
    Route,
    SiteRequest,
)
from specs.verification.oracle.catalogue import (
    DOSE_LOW_FROM,
    DOSE_MCG,
    INTERVAL_MAX_MONTHS,
    PRODUCT_NAMES,
    STANDARD_LOADING_DAYS,
    STANDARD_LOADING_WINDOW_DAYS,
)
from specs.verification.oracle.citations import Context, check_finding_citations
from specs.verification.oracle.facts import SITE_CODES, Facts, derive_facts, site_codes
from specs.verification.oracle.outputs import (
    check_codes,
    check_findings,
    check_labels,
    check_version,
    check_wording,
    finding_texts,
    mentions,
)
from specs.verification.oracle.plan import check_named_reasons
from specs.verification.oracle.validation import check_expectation, check_invalid, violation_texts

_RENAL: frozenset[Code] = frozenset(
    {Code.RENAL_PREFER_HYDROXOCOBALAMIN, Code.RENAL_CARDIOVASCULAR_SIGNAL}
)


def judged_facts(request: CheckRequest) -> Facts:
    """D-CHECK-FORMULATION: every rule of the check reads the proposed formulation if given."""
    return derive_facts(request.profile, formulation=request.regimen.formulation)


def nothing_proposed(request: CheckRequest) -> bool:
    """D-CHECK-EMPTY: no dose, interval, loading dates, route, stop date or site (a formulation
    alone, or an open-ended flag without dates, is not a regimen)."""
    regimen = request.regimen
    return (
        regimen.dose_per_injection_mcg is None
        and regimen.maintenance_interval_months is None
        and not regimen.loading_dates
        and regimen.route is None
        and regimen.stop_date is None
        and regimen.site is None
    )


def expected_check_codes(  # noqa: C901, PLR0912 - one branch per row of the D-CHECK table
    request: CheckRequest, facts: Facts
) -> tuple[set[Code], set[Code]]:
    """Return the codes a regimen check of a valid request carries, and the codes left open."""
    regimen = request.regimen
    profile = request.profile
    expected: set[Code] = set(facts.safety) | set(facts.population)
    dont_care: set[Code] = set()
    if facts.refer_reasons:
        expected.add(Code.REFER_CONDITION_PRESENT)
    if facts.supervised:
        expected.add(Code.SUPERVISION_REQUIRED)
    if regimen.formulation is not None and regimen.formulation is not profile.formulation:
        expected.add(Code.FORMULATION_DIFFERS_FROM_PROFILE)
    if nothing_proposed(request):
        expected.add(Code.NOTHING_PROPOSED)
    oral = regimen.route is Route.ORAL
    if oral:
        expected.add(Code.ROUTE_ORAL_NOT_COVERED)
    elif regimen.route is Route.SUBCUTANEOUS:
        expected.add(Code.ROUTE_DEEP_SC_LABELLED if facts.cyano else Code.ROUTE_NOT_IM)
    elif regimen.route is not None and regimen.route is not Route.INTRAMUSCULAR:
        expected.add(Code.ROUTE_NOT_IM)
    if regimen.stop_date is not None:
        expected.add(Code.LIFELONG)
    if oral:
        # D-CHECK-ROUTE: oral "then no dose, interval, loading or site finding". Read literally:
        # TWO_INJECTIONS_ONE_DAY is a loading finding (D-CHECK lists it among them, "apart from
        # that ... no loading finding"), and the profile's site request gives a site finding.
        return expected, dont_care
    dose = regimen.dose_per_injection_mcg
    if dose is not None:
        if dose > DOSE_MCG:
            expected.add(Code.DOSE_ABOVE_MAXIMUM)
        elif dose < DOSE_LOW_FROM:
            expected.add(Code.DOSE_TOO_LOW)
        elif dose < DOSE_MCG:
            expected.add(Code.DOSE_BELOW_RECOMMENDED)
    interval = regimen.maintenance_interval_months
    if interval is not None:
        if interval > INTERVAL_MAX_MONTHS:
            expected.add(Code.INTERVAL_ABOVE_MAXIMUM)
        elif interval > 1 and (facts.ileal or facts.crohn):
            expected.add(Code.INTERVAL_MONTHLY_RULE)
        elif facts.cyano and facts.extended_replaces and interval > 1:
            pass  # D-CHECK-EXTENDED: over 1 and at most 3 months gives no interval finding.
        elif (facts.cyano and interval > 1) or (
            not facts.cyano and interval > facts.hydroxo_overdue
        ):
            expected.add(Code.INTERVAL_LONGER_THAN_RECOMMENDED)
    _expected_loading_codes(request, facts, expected, dont_care)
    profile_site = profile.site_request or SiteRequest.NONE
    if regimen.site is None or regimen.site is profile_site:
        expected.update(site_codes(profile_site)[1])
    elif profile_site is SiteRequest.NONE:
        expected.update(site_codes(regimen.site)[1])
    else:
        # open: which site a check reads when the profile and the regimen request different ones.
        dont_care.update(SITE_CODES)
    return expected, dont_care


def _expected_loading_codes(  # noqa: C901, PLR0912 - one branch per D-CHECK loading row
    request: CheckRequest, facts: Facts, expected: set[Code], dont_care: set[Code]
) -> None:
    regimen = request.regimen
    dates = sorted(regimen.loading_dates)
    if not dates:
        return
    duplicates = len(set(dates)) != len(dates)
    if duplicates:
        expected.add(Code.TWO_INJECTIONS_ONE_DAY)
    if facts.prophylaxis or not facts.effective_confirmed:
        return
    if facts.profile_neuro:
        if regimen.loading_open_ended is False:
            expected.add(Code.LOADING_NEURO_MUST_BE_OPEN_ENDED)
        elif regimen.loading_open_ended is None:
            # open: an absent open-ended flag with neurological loading dates.
            dont_care.add(Code.LOADING_NEURO_MUST_BE_OPEN_ENDED)
        if duplicates or len(dates) == 1:
            # open: gaps with two doses on one day, or a single date (no gap at all).
            dont_care.update({Code.LOADING_MORE_FREQUENT, Code.LOADING_TOO_FEW})
            return
        gaps = {(later - earlier).days for earlier, later in itertools.pairwise(dates)}
        if 1 in gaps:
            expected.add(Code.LOADING_MORE_FREQUENT)
        if any(gap > 2 for gap in gaps):  # noqa: PLR2004 - alternate days
            expected.add(Code.LOADING_TOO_FEW)
        return
    if duplicates:
        # open: whether two doses on one day count twice over days 0-13.
        dont_care.update(
            {Code.LOADING_ALTERNATIVE, Code.LOADING_TOO_FEW, Code.LOADING_MORE_FREQUENT}
        )
        return
    offsets = tuple(
        (day - dates[0]).days
        for day in dates
        if (day - dates[0]).days <= STANDARD_LOADING_WINDOW_DAYS
    )
    if offsets == STANDARD_LOADING_DAYS:
        return
    if len(offsets) in {5, 6}:
        expected.add(Code.LOADING_ALTERNATIVE)
    elif len(offsets) < 5:  # noqa: PLR2004 - R-LOAD-ALT's 5-6 doses
        expected.add(Code.LOADING_TOO_FEW)
    else:
        expected.add(Code.LOADING_MORE_FREQUENT)


def check_check(request: CheckRequest, outcome: object) -> list[str]:
    """Every violation of the invariants (and D-CHECK) by a regimen check's ``outcome``."""
    out: list[str] = []
    if not isinstance(outcome, InvalidInput | RegimenCheck):
        out.append(f"INV-TOTAL-CHECK: a regimen check returned {type(outcome).__name__}")
        out.append("INV-VALIDATION: a regimen check gave no check outcome")
        return out
    expect = check_expectation(request)
    if isinstance(outcome, InvalidInput):
        check_wording(violation_texts(outcome.violations), out)
        if not expect.invalid and not expect.ambiguous:
            out.append(
                f"INV-VALIDATION: valid check rejected: {[v.field for v in outcome.violations]}"
            )
        else:
            check_invalid(outcome, expect, out)
        return out
    if expect.invalid:
        out.append(f"INV-VALIDATION: invalid check (needs {expect.required}) accepted")
        return out
    facts = judged_facts(request)
    check_version(outcome.rule_set_version, out)
    if outcome.refer_reasons != facts.refer_reasons:
        out.append(
            f"INV-TOTAL-CHECK: refer reasons {outcome.refer_reasons},"
            f" expected {facts.refer_reasons}"
        )
    expected, dont_care = expected_check_codes(request, facts)
    codes = [f.code for f in outcome.findings]
    differs = request.regimen.formulation not in {None, request.profile.formulation}
    owners = dict.fromkeys(_RENAL, "INV-CHECK-FORMULATION" if differs else "INV-RENAL")
    check_codes(codes, expected, dont_care, "check", out, owners=owners)
    renal_present = Code.RENAL_PREFER_HYDROXOCOBALAMIN in codes
    if renal_present != (facts.renal and facts.cyano):
        out.append(
            f"INV-CHECK-FORMULATION: renal warning present is {renal_present}; the judged"
            f" formulation is {facts.formulation}, renal impairment {facts.renal}"
        )
    if Code.NOT_COVERED in codes:
        out.append("D-CHECK-FORMULATION: a check is never NOT_COVERED")
    check_findings(outcome.findings, "check findings", out)
    check_named_reasons(outcome.findings, facts, out)
    _check_named_elements(request, outcome, out)
    ctx = Context("check", facts, proposed_formulation=request.regimen.formulation is not None)
    check_finding_citations(outcome.findings, ctx, out)
    texts = finding_texts(outcome.findings, "check finding")
    check_wording(texts, out)
    check_labels(texts, facts.formulation, out)
    return out


def _check_named_elements(request: CheckRequest, outcome: RegimenCheck, out: list[str]) -> None:
    """FORMULATION_DIFFERS_FROM_PROFILE names both formulations; NOTHING_PROPOSED names the six
    elements not checked."""
    for finding in outcome.findings:
        if finding.code is Code.FORMULATION_DIFFERS_FROM_PROFILE:
            names = [
                PRODUCT_NAMES[f]
                for f in (request.profile.formulation, request.regimen.formulation)
                if f in PRODUCT_NAMES
            ]
            missing = mentions(finding.text, *names)
            if missing:
                out.append(f"D-CHECK-FORMULATION: the finding does not name {missing}")
        if finding.code is Code.NOTHING_PROPOSED:
            missing = mentions(finding.text, "dose", "interval", "loading", "route", "stop", "site")
            if missing:
                out.append(f"D-CHECK-EMPTY: NOTHING_PROPOSED does not name {missing}")
