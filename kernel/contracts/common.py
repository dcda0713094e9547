"""Postconditions shared by the three operations, one function per invariant.

Each function is a list of plain ``assert`` statements whose messages start with the invariant
ID they state; the operations call them under ``if __debug__:`` (so ``python -O`` runs none of
this), and CrossHair, Hypothesis and every test check them at run time.
"""

from __future__ import annotations

from collections.abc import Iterable

from kernel.contracts.predicates import (
    elements_cite_known_ids,
    findings_well_formed,
    has_code,
    neuro_in_profile,
    renal_with,
    wording_clean,
)
from kernel.model import Code, Finding, Formulation, InvalidInput, PatientProfile
from kernel.rules import RULE_SET_VERSION


def inv_validation(violations: tuple[object, ...], outcome: object) -> None:
    """INV-VALIDATION and the totality of validation: a validation error exactly when the
    request is invalid, naming a field."""
    assert isinstance(outcome, InvalidInput) == bool(violations), (
        "INV-VALIDATION: a validation error exactly when the request is invalid"
    )
    if isinstance(outcome, InvalidInput):
        assert len(outcome.violations) > 0, "INV-VALIDATION: a validation error names a field"


def inv_findings(findings: tuple[Finding, ...]) -> None:
    """INV-FINDINGS: each code once, with its fixed severity, in the documented order."""
    assert findings_well_formed(findings), "INV-FINDINGS: codes once, fixed severity, in order"


def inv_citations(findings: tuple[Finding, ...], version: str) -> None:
    """INV-CITATIONS: every finding cites catalogue IDs with their references; the output names
    the rule set."""
    assert elements_cite_known_ids(findings), "INV-CITATIONS: findings cite catalogue IDs"
    assert version == RULE_SET_VERSION, "INV-CITATIONS: names the rule set"


def inv_renal(
    profile: PatientProfile, formulation: Formulation | None, findings: Iterable[Finding]
) -> None:
    """INV-RENAL: renal impairment with cyanocobalamin (the judged formulation) carries the
    renal warning."""
    assert not renal_with(profile, formulation) or has_code(
        findings, Code.RENAL_PREFER_HYDROXOCOBALAMIN
    ), "INV-RENAL: renal impairment with cyanocobalamin carries the renal warning"


def inv_folate(profile: PatientProfile, findings: Iterable[Finding]) -> None:
    """INV-FOLATE: folic acid before B12 carries the critical folate warning."""
    assert not profile.folic_acid_started_before_b12 or has_code(
        findings, Code.FOLATE_BEFORE_B12, "CRITICAL"
    ), "INV-FOLATE: folic acid before B12 carries the critical folate warning"


def inv_neuro_warning(
    profile: PatientProfile, findings: Iterable[Finding], *, recurred: bool
) -> None:
    """INV-NEURO-WARNING: neurological involvement (or a course's recurrence) carries the
    critical specialist warning."""
    assert not (neuro_in_profile(profile) or recurred) or has_code(
        findings, Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE, "CRITICAL"
    ), "INV-NEURO-WARNING: neurological involvement carries the specialist warning"


def inv_wording(texts: Iterable[str]) -> None:
    """INV-WORDING: no text names a machine code or a file path, and no rule ID is cut."""
    assert all(wording_clean(text) for text in texts), (
        "INV-WORDING: texts name no machine code, no file path and no cut rule ID"
    )
