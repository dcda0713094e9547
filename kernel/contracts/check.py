"""The postconditions of ``check_regimen``, one function per invariant (``ensure_check`` runs them
in order)."""

from __future__ import annotations

from typing import Final

from kernel.constants import DOSE_MCG
from kernel.contracts.common import (
    inv_citations,
    inv_findings,
    inv_folate,
    inv_neuro_warning,
    inv_renal,
    inv_validation,
    inv_wording,
)
from kernel.contracts.predicates import has_code, renal_with
from kernel.model import (
    CheckOutcome,
    CheckRequest,
    Code,
    FieldViolation,
    InvalidInput,
    RegimenCheck,
    Route,
)

DOSE_CODES: Final = frozenset(
    {Code.DOSE_BELOW_RECOMMENDED, Code.DOSE_TOO_LOW, Code.DOSE_ABOVE_MAXIMUM}
)
#: The findings of the proposed regimen itself (D-CHECK and its amendments): each cites D-CHECK.
CHECK_CODES: Final = DOSE_CODES | {
    Code.ROUTE_NOT_IM,
    Code.ROUTE_ORAL_NOT_COVERED,
    Code.ROUTE_DEEP_SC_LABELLED,
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
    Code.FORMULATION_DIFFERS_FROM_PROFILE,
    Code.NOTHING_PROPOSED,
}


def ensure_check(
    request: CheckRequest, violations: tuple[FieldViolation, ...], outcome: CheckOutcome
) -> None:
    """Every postcondition of ``check_regimen`` for ``request``."""
    inv_validation(violations, outcome)
    if isinstance(outcome, InvalidInput):
        return
    assert isinstance(outcome, RegimenCheck), "INV-TOTAL-CHECK: findings, never REFER"
    profile = request.profile
    judged = request.regimen.formulation or profile.formulation
    findings = outcome.findings
    inv_findings(findings)
    inv_citations(findings, outcome.rule_set_version)
    assert all("D-CHECK" in f.rule_ids for f in findings if f.code in CHECK_CODES), (
        "INV-CITATIONS: every regimen finding cites D-CHECK"
    )
    inv_renal(profile, judged, findings)
    inv_check_formulation(request, outcome)
    inv_folate(profile, findings)
    inv_neuro_warning(profile, findings, recurred=False)
    inv_wording(f.text for f in findings)
    inv_total_check(outcome)
    inv_lifelong(request, outcome)
    inv_dose(request, outcome)


def inv_check_formulation(request: CheckRequest, outcome: RegimenCheck) -> None:
    """INV-CHECK-FORMULATION: the renal warning exactly when the judged formulation (the proposed
    one if given) is cyanocobalamin and renal impairment holds; a proposal unlike the profile is
    named."""
    judged = request.regimen.formulation or request.profile.formulation
    assert has_code(outcome.findings, Code.RENAL_PREFER_HYDROXOCOBALAMIN) == renal_with(
        request.profile, judged
    ), "INV-CHECK-FORMULATION: the renal warning exactly with the judged cyanocobalamin"
    assert has_code(outcome.findings, Code.FORMULATION_DIFFERS_FROM_PROFILE) == (
        judged is not request.profile.formulation
    ), "INV-CHECK-FORMULATION: a proposed formulation unlike the profile's is named"
    assert not has_code(outcome.findings, Code.NOT_COVERED), (
        "INV-CHECK-FORMULATION: a formulation is never NOT_COVERED"
    )


def inv_total_check(outcome: RegimenCheck) -> None:
    """INV-TOTAL-CHECK: a REFER condition is a critical finding with its reasons, never a REFER."""
    assert has_code(outcome.findings, Code.REFER_CONDITION_PRESENT) == bool(
        outcome.refer_reasons
    ), "INV-TOTAL-CHECK: a REFER condition is a critical finding, not a REFER"


def inv_lifelong(request: CheckRequest, outcome: RegimenCheck) -> None:
    """INV-LIFELONG: a proposed stop date is a critical finding."""
    assert request.regimen.stop_date is None or has_code(
        outcome.findings, Code.LIFELONG, "CRITICAL"
    ), "INV-LIFELONG: a proposed stop date is a critical finding"


def inv_dose(request: CheckRequest, outcome: RegimenCheck) -> None:
    """INV-DOSE: any proposed dose other than 1000 mcg is a finding (oral aside, which is not
    judged: D-CHECK-ROUTE)."""
    dose = request.regimen.dose_per_injection_mcg
    assert (
        dose is None
        or dose == DOSE_MCG
        or request.regimen.route is Route.ORAL
        or any(f.code in DOSE_CODES for f in outcome.findings)
    ), "INV-DOSE: any dose other than 1000 mcg is a finding"
