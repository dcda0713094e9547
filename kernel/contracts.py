"""Predicates that the kernel's contracts are written with.

Each predicate restates a condition of the clinical decisions directly from the *request* (not
from the kernel's own reading of it), so a contract is an independent statement of the law and
not a copy of the code it checks. Contracts are plain ``assert`` statements in the public
functions, each message starting with its INV- ID: on in tests, stripped by ``python -O`` in
production.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Iterable

from kernel.findings import CODE_ORDER, SEVERITY, SEVERITY_ORDER
from kernel.model import (
    Code,
    Finding,
    Formulation,
    IntervalRule,
    Item,
    NeurologicalInvolvement,
    PatientProfile,
)
from kernel.rules import RULES, collect_source_references

STANDARD_LOADING_OFFSETS_DAYS = (0, 2, 4, 7, 9, 11)
LONGEST_INTERVAL_MONTHS = 3


def neuro_in_profile(profile: PatientProfile) -> bool:
    """Neurological involvement PRESENT or UNKNOWN in the profile."""
    return profile.neurological_involvement in {
        NeurologicalInvolvement.PRESENT,
        NeurologicalInvolvement.UNKNOWN,
    }


def renal_with_cyanocobalamin(profile: PatientProfile) -> bool:
    """D-RENAL: renal impairment (reported, eGFR < 60, diabetic nephropathy) with cyanocobalamin."""
    egfr = profile.egfr_ml_min_1_73m2
    renal = (
        profile.renal_impairment_reported
        or profile.diabetic_nephropathy
        or (egfr is not None and egfr < 60)  # noqa: PLR2004 - the D-RENAL threshold, restated
    )
    return renal and profile.formulation is Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML


def platelets_below(profile: PatientProfile, threshold: float) -> bool:
    """Platelets given and below ``threshold``."""
    return profile.platelets_10e9_per_l is not None and profile.platelets_10e9_per_l < threshold


def needs_platelet_precautions(profile: PatientProfile) -> bool:
    """D-PLT: platelets not given, or at most 50 x10^9/L."""
    platelets = profile.platelets_10e9_per_l
    return platelets is None or platelets <= 50  # noqa: PLR2004 - the D-PLT threshold, restated


def ileal_or_crohn_applies(profile: PatientProfile) -> bool:
    """R-POP-ILEAL or R-POP-CROHN with a known length at or over its threshold, or an unknown
    resection length (the unknown-Crohn's case depends on deficiency and is checked elsewhere)."""
    resection = profile.ileal_resection_length_cm
    crohn = profile.crohn_ileal_involvement_length_cm
    return (profile.ileal_resection and (resection is None or resection >= 20)) or (  # noqa: PLR2004
        profile.crohn_ileal_involvement and crohn is not None and crohn >= 30  # noqa: PLR2004
    )


def has_code(findings: Iterable[Finding], code: Code, severity_name: str = "") -> bool:
    """Whether ``findings`` holds ``code`` (with severity ``severity_name`` when given)."""
    return any(
        f.code is code and (not severity_name or f.severity.name == severity_name) for f in findings
    )


def findings_well_formed(findings: tuple[Finding, ...]) -> bool:
    """INV-FINDINGS: each code at most once, with its fixed severity, in output order."""
    keys = [(SEVERITY_ORDER[f.severity], CODE_ORDER[f.code]) for f in findings]
    return (
        len({f.code for f in findings}) == len(findings)
        and all(SEVERITY[f.code] is f.severity for f in findings)
        and keys == sorted(keys)
    )


def cites_known_ids(rule_ids: tuple[str, ...], source_references: tuple[str, ...]) -> bool:
    """INV-CITATIONS: at least one ID, only catalogue IDs, and the matching source references."""
    return (
        len(rule_ids) > 0
        and all(rule_id in RULES for rule_id in rule_ids)
        and source_references == collect_source_references(rule_ids)
    )


def elements_cite_known_ids(
    findings: Iterable[Finding | Item],
) -> bool:
    """INV-CITATIONS over findings or items."""
    return all(cites_known_ids(f.rule_ids, f.source_references) for f in findings)


def interval_rules_cite_known_ids(rules: Iterable[IntervalRule]) -> bool:
    """INV-CITATIONS over interval rules."""
    return all(
        rule.rule_id in RULES
        and rule.rule_id in rule.rule_ids
        and all(r in RULES for r in rule.rule_ids)
        for rule in rules
    )


def strictly_increasing(days: tuple[datetime.date, ...]) -> bool:
    """INV-DATES-ORDERED: strictly increasing, so never two on one day."""
    return all(earlier < later for earlier, later in itertools.pairwise(days))
