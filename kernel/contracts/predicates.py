"""Predicates that the kernel's contracts are written with.

Each predicate restates a condition of the clinical decisions directly from the *request* (not
from the kernel's own reading of it), so a contract is an independent statement of the law and
not a copy of the code it checks. The numbers come from ``kernel.constants``, their one home.
"""

from __future__ import annotations

import datetime
import itertools
import re
from collections.abc import Iterable
from typing import Final

from kernel.constants import (
    CROHN_INVOLVEMENT_MONTHLY_FROM_CM,
    ILEAL_RESECTION_MONTHLY_FROM_CM,
    PLATELETS_STANDARD_ABOVE_10E9_PER_L,
    RENAL_EGFR_BELOW_ML_MIN_1_73M2,
)
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


def neuro_in_profile(profile: PatientProfile) -> bool:
    """Neurological involvement PRESENT or UNKNOWN in the profile."""
    return profile.neurological_involvement in {
        NeurologicalInvolvement.PRESENT,
        NeurologicalInvolvement.UNKNOWN,
    }


def renal_impairment(profile: PatientProfile) -> bool:
    """D-RENAL: renal impairment reported, eGFR < 60, or diabetic nephropathy."""
    egfr = profile.egfr_ml_min_1_73m2
    return (
        profile.renal_impairment_reported
        or profile.diabetic_nephropathy
        or (egfr is not None and egfr < RENAL_EGFR_BELOW_ML_MIN_1_73M2)
    )


def renal_with(profile: PatientProfile, formulation: Formulation | None) -> bool:
    """D-RENAL: renal impairment with ``formulation`` cyanocobalamin."""
    return renal_impairment(profile) and formulation is Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML


def platelets_below(profile: PatientProfile, threshold: float) -> bool:
    """Platelets given and below ``threshold``."""
    return profile.platelets_10e9_per_l is not None and profile.platelets_10e9_per_l < threshold


def needs_platelet_precautions(profile: PatientProfile) -> bool:
    """D-PLT: platelets not given, or at most 50 x10^9/L."""
    platelets = profile.platelets_10e9_per_l
    return platelets is None or platelets <= PLATELETS_STANDARD_ABOVE_10E9_PER_L


def ileal_or_crohn_applies(profile: PatientProfile) -> bool:
    """R-POP-ILEAL or R-POP-CROHN with a known length at or over its threshold, or an unknown
    resection length (the unknown-Crohn's case depends on deficiency and is checked elsewhere)."""
    resection = profile.ileal_resection_length_cm
    crohn = profile.crohn_ileal_involvement_length_cm
    return (
        profile.ileal_resection
        and (resection is None or resection >= ILEAL_RESECTION_MONTHLY_FROM_CM)
    ) or (
        profile.crohn_ileal_involvement
        and crohn is not None
        and crohn >= CROHN_INVOLVEMENT_MONTHLY_FROM_CM
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


def elements_cite_known_ids(findings: Iterable[Finding | Item]) -> bool:
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


# INV-WORDING: a machine code is an upper-case word with an underscore (PLATELETS_BELOW_25_NO_NEURO,
# CODE_...); a file path is a name with a folder or a file extension of the repository's kinds;
# a rule ID in a text is an R-, D- or INV- token, which must be a whole catalogue ID.
_MACHINE_CODE: Final = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
_FILE_PATH: Final = re.compile(
    r"(?:\b[\w-]+/)+[\w-]+\.[A-Za-z]{1,5}\b|\b[\w-]+\.(?:md|py|yaml|yml|json|proto|txt|toml)\b"
)
_RULE_ID: Final = re.compile(r"\b(?:R|D|INV)-[A-Z0-9]+(?:-[A-Z0-9]+)*")


def wording_clean(text: str) -> bool:
    """INV-WORDING: ``text`` is a sentence with no machine code, no file path, and no rule ID
    that is not a whole catalogue ID."""
    return (
        bool(text.strip())
        and _MACHINE_CODE.search(text) is None
        and _FILE_PATH.search(text) is None
        and all(token in RULES for token in _RULE_ID.findall(text))
    )
