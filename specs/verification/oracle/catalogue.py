"""The oracle's own copy of the catalogue, the severities, the output order and the thresholds.

Copied from ``specs/clinical-decisions.md`` (rule set 2.0.0: the decisions of 1.0.0 and
"Revision 2"), never from ``kernel/rules.py`` or the kernel's constants, so that a wrong number,
ID or severity in the kernel is a disagreement the oracle can see.
"""

from __future__ import annotations

import datetime
from typing import Final

from kernel.model import Code, Formulation, InjectionSite, Severity

RULE_SET_VERSION: Final = "2.0.0"

REF_4: Final = "4 (not listed in the source)"
NO_REFERENCE: Final = "none"

#: Every R- rule with its source reference numbers, in the table order of the decisions.
SOURCE_RULES: Final[dict[str, tuple[str, ...]]] = {
    "R-DOSE-1000": ("1", "2", "3"),
    "R-FORM-1": (REF_4,),
    "R-LOAD-STD": ("1", "2"),
    "R-LOAD-NEURO": ("1", "2"),
    "R-LOAD-ALT": ("3",),
    "R-MAINT-CYANO": ("1", "2", "3"),
    "R-MAINT-EXTENDED": ("1", "2"),
    "R-MAINT-HYDROXO": ("1", "2"),
    "R-MONTHLY-BETTER": ("2",),
    "R-POP-BARIATRIC": ("1", "2"),
    "R-POP-ILEAL": ("1", "2"),
    "R-POP-CROHN": ("1",),
    "R-RENAL": ("1",),
    "R-SITE-PREFERRED": (),
    "R-SITE-BUTTOCK": ("1",),
    "R-PLT-STANDARD": ("1",),
    "R-PLT-PRECAUTION": ("1",),
    "R-PLT-SEVERE": ("1",),
    "R-FOLATE": ("1", "2"),
    "R-LIFELONG": ("1",),
    "R-MON-LABS": ("1", "2"),
    "R-MON-HCY": ("1",),
    "R-MON-SYMPTOMS": ("1",),
}

#: The D- decisions of rule set 1.0.0, in the order of the decisions page.
DECISIONS_1: Final[tuple[str, ...]] = (
    "D-INVALID",
    "D-FIELDS",
    "D-OUTCOME",
    "D-SCOPE-AGE",
    "D-FORMULATIONS",
    "D-CONTRA",
    "D-DEFICIENCY",
    "D-PROPHYLAXIS",
    "D-NEURO-UNKNOWN",
    "D-NEURO-URGENT",
    "D-LOAD-DAYS",
    "D-NEURO-OPEN",
    "D-LOAD-ALT",
    "D-INTERVAL",
    "D-EXTENDED",
    "D-MONTH",
    "D-LIFELONG",
    "D-HORIZON",
    "D-RENAL",
    "D-PLT",
    "D-FOLATE",
    "D-SITE",
    "D-EARLY",
    "D-CHECK",
    "D-COURSE",
    "D-MISSED",
    "D-LABS",
    "D-RECURRENCE",
)

#: The D- decisions "Revision 2 (rule set 2.0.0)" adds, in the order it states them (the
#: decisions it replaces or amends keep their place in ``DECISIONS_1``).
# open: the decisions do not say where new IDs go in the catalogue; read here as after the IDs
# of 1.0.0, in the order the revision states them, and the new INV- IDs after the 1.0.0 ones in
# the order issue 8 lists them.
DECISIONS_2: Final[tuple[str, ...]] = (
    "D-PLT-SEVERE-REFER",
    "D-PREGNANCY",
    "D-ANTICOAGULANT",
    "D-MAINT-GAP",
    "D-LOAD-INTERRUPTED",
    "D-COURSE-OUTCOME",
    "D-COURSE-SCHEDULE",
    "D-WINDOWS",
    "D-CHECK-FORMULATION",
    "D-CHECK-EXTENDED",
    "D-CHECK-ROUTE",
    "D-CHECK-EMPTY",
    "D-CROHN-UNKNOWN",
    "D-WORDING",
    "D-EXPORT-NEURO",
    "D-CDS-READ",
    "D-CDS-RECENCY",
    "D-CDS-DISCLOSE",
    "D-CDS-PREFETCH",
)

DECISIONS: Final[tuple[str, ...]] = (*DECISIONS_1, *DECISIONS_2)

#: Every INV- ID: the 22 of rule set 1.0.0 and the five of issue 8.
INVARIANTS: Final[tuple[str, ...]] = (
    "INV-DOSE",
    "INV-RENAL",
    "INV-FOLATE",
    "INV-NEURO-WARNING",
    "INV-CITATIONS",
    "INV-DETERMINISTIC",
    "INV-LIFELONG",
    "INV-INTERVAL-MAX",
    "INV-INTERVAL-MONTHLY",
    "INV-LOAD-STANDARD",
    "INV-LOAD-NEURO",
    "INV-PLATELET-GUIDANCE",
    "INV-NO-HOME-BELOW-25",
    "INV-DATES-ORDERED",
    "INV-MONTH-CLAMP",
    "INV-HORIZON",
    "INV-TOTAL-PLAN",
    "INV-TOTAL-CHECK",
    "INV-TOTAL-COURSE",
    "INV-VALIDATION",
    "INV-FINDINGS",
    "INV-REFER",
    "INV-COURSE-OUTCOME",
    "INV-WORDING",
    "INV-CHECK-FORMULATION",
    "INV-SCHEDULE",
    "INV-REFER-PLATELETS",
)

CATALOGUE: Final[tuple[str, ...]] = (*SOURCE_RULES, *DECISIONS, *INVARIANTS)
CATALOGUE_ORDER: Final[dict[str, int]] = {rule_id: i for i, rule_id in enumerate(CATALOGUE)}

# ---------------------------------------------------------------------------------------------
# Severities ("Severities", D-CHECK, "Severities (revision 2)") and the order of findings.
# ---------------------------------------------------------------------------------------------

C, W, INFO = Severity.CRITICAL, Severity.WARNING, Severity.INFO

#: The codes of rule set 1.0.0 with their fixed severity.
SEVERITY_1: Final[dict[Code, Severity]] = {
    Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE: C,
    Code.TREAT_WITHOUT_DELAY: C,
    Code.PLATELET_TRANSFUSION_CONSIDER: C,
    Code.FOLATE_BEFORE_B12: C,
    Code.NEURO_RECURRENCE_REVIEW: C,
    Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW: C,
    Code.NOT_COVERED: C,
    Code.REFER_CONDITION_PRESENT: C,
    Code.SUPERVISION_REQUIRED: C,
    Code.DOSE_TOO_LOW: C,
    Code.DOSE_ABOVE_MAXIMUM: C,
    Code.ROUTE_NOT_IM: C,
    Code.LIFELONG: C,
    Code.INTERVAL_ABOVE_MAXIMUM: C,
    Code.INTERVAL_MONTHLY_RULE: C,
    Code.LOADING_NEURO_MUST_BE_OPEN_ENDED: C,
    Code.NEURO_STATUS_UNCERTAIN: W,
    Code.NEURO_WITHOUT_CONFIRMED_DEFICIENCY: W,
    Code.DEFICIENCY_UNCONFIRMED: W,
    Code.THROMBOCYTOPENIA_PRECAUTIONS: W,
    Code.PLATELETS_NOT_ASSESSED: W,
    Code.RENAL_PREFER_HYDROXOCOBALAMIN: W,
    Code.RENAL_CARDIOVASCULAR_SIGNAL: W,
    Code.SITE_BUTTOCK_UPPER_OUTER_NEEDLE_ANTERIOR: W,
    Code.SITE_BUTTOCK_REPLACED: W,
    Code.MONTHLY_MORE_EFFECTIVE: W,
    Code.EXTENDED_NOT_AVAILABLE: W,
    Code.RESECTION_LENGTH_UNKNOWN: W,
    Code.CROHN_LENGTH_UNKNOWN: W,
    Code.NEURO_LOADING_DOSES_MISSED: W,
    Code.NEURO_REVIEW_OVERDUE: W,
    Code.LIFELONG_CLINICIAN_DECISION: W,
    Code.TWO_INJECTIONS_ONE_DAY: W,
    Code.DOSE_BELOW_RECOMMENDED: W,
    Code.INTERVAL_LONGER_THAN_RECOMMENDED: W,
    Code.LOADING_TOO_FEW: W,
    Code.HOMOCYSTEINE_OFF_TARGET: INFO,
    Code.LABS_MAY_BE_STABLE: INFO,
    Code.CROHN_PROPHYLAXIS_EVIDENCE_WEAK: INFO,
    Code.EXTENDED_NOT_APPLICABLE: INFO,
    Code.LOADING_ALTERNATIVE: INFO,
    Code.LOADING_MORE_FREQUENT: INFO,
}

#: "Severities (revision 2)": the new codes of each severity, in the order listed there.
SEVERITY_2: Final[dict[Severity, tuple[Code, ...]]] = {
    C: (
        Code.PLATELETS_SEVERE_SAME_DAY_ADVICE,
        Code.ROUTE_ORAL_NOT_COVERED,
        Code.MAINTENANCE_LONG_GAP_NEURO,
    ),
    W: (
        Code.LEBER_HYDROXOCOBALAMIN_ALTERNATIVE,
        Code.PREGNANCY_REVIEW,
        Code.ANTICOAGULANT_PRECAUTIONS,
        Code.MAINTENANCE_LONG_GAP,
        Code.LOADING_INTERRUPTED,
        Code.ROUTE_DEEP_SC_LABELLED,
    ),
    INFO: (
        Code.FORMULATION_DIFFERS_FROM_PROFILE,
        Code.NOTHING_PROPOSED,
        Code.SITE_VENTROGLUTEAL_TRAINED,
        Code.CROHN_LENGTH_UNKNOWN_NOT_COUNTED,
    ),
}

SEVERITY: Final[dict[Code, Severity]] = {
    **SEVERITY_1,
    **{code: severity for severity, codes in SEVERITY_2.items() for code in codes},
}

_NEW_INDEX: Final[dict[Code, int]] = {
    code: index for codes in SEVERITY_2.values() for index, code in enumerate(codes)
}


def order_key(code: Code) -> tuple[int, int, int]:
    """Return the output order of a finding: severity, then the codes of 1.0.0 in their documented
    (declaration) order, then the codes of revision 2 in the order it lists them."""
    severity = SEVERITY[code]
    if code in _NEW_INDEX:
        return (severity.value, 1, _NEW_INDEX[code])
    return (severity.value, 0, code.value)


#: Codes that are guidance or monitoring items, never warnings or findings.
ITEM_CODES: Final = frozenset(
    {
        Code.FIRST_DOSE_PROFESSIONAL,
        Code.EARLY_BASELINE_BLOODS,
        Code.EARLY_POTASSIUM_48H,
        Code.EARLY_RETICULOCYTES_DAY_5_7,
        Code.LABS_B12_HOMOCYSTEINE,
        Code.WATCH_NEURO_RECURRENCE,
        Code.PREGNANCY_REVIEW_DATE,
    }
)
EARLY_CODES: Final = frozenset(
    {Code.EARLY_BASELINE_BLOODS, Code.EARLY_POTASSIUM_48H, Code.EARLY_RETICULOCYTES_DAY_5_7}
)

#: The D-OUTCOME safety warnings (revision 2 adds the severe-platelet advice, the Leber
#: alternative, pregnancy and anticoagulant therapy): carried by every output from valid input
#: whose condition holds.
SAFETY_CODES: Final = frozenset(
    {
        Code.NEURO_WITHOUT_CONFIRMED_DEFICIENCY,
        Code.DEFICIENCY_UNCONFIRMED,
        Code.NEURO_STATUS_UNCERTAIN,
        Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE,
        Code.RENAL_PREFER_HYDROXOCOBALAMIN,
        Code.RENAL_CARDIOVASCULAR_SIGNAL,
        Code.FOLATE_BEFORE_B12,
        Code.TREAT_WITHOUT_DELAY,
        Code.PLATELET_TRANSFUSION_CONSIDER,
        Code.THROMBOCYTOPENIA_PRECAUTIONS,
        Code.PLATELETS_NOT_ASSESSED,
        Code.PLATELETS_SEVERE_SAME_DAY_ADVICE,
        Code.LEBER_HYDROXOCOBALAMIN_ALTERNATIVE,
        Code.PREGNANCY_REVIEW,
        Code.ANTICOAGULANT_PRECAUTIONS,
    }
)

#: What a REFER may carry: the safety warnings, and (D-CROHN-UNKNOWN: "a REFER may carry it")
#: CROHN_LENGTH_UNKNOWN_NOT_COUNTED.
REFER_MAY_CARRY: Final = SAFETY_CODES | {Code.CROHN_LENGTH_UNKNOWN_NOT_COUNTED}

#: D-COURSE-OUTCOME: a course is REVIEW exactly when one of these is among its findings.
REVIEW_CODES: Final = frozenset(
    {
        Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW,
        Code.NEURO_REVIEW_OVERDUE,
        Code.NEURO_RECURRENCE_REVIEW,
        Code.MAINTENANCE_LONG_GAP,
        Code.MAINTENANCE_LONG_GAP_NEURO,
        Code.LOADING_INTERRUPTED,
        Code.NOT_COVERED,
    }
)

#: The findings D-CHECK (and its amendments) give from the proposed regimen itself.
CHECK_CODES: Final = frozenset(
    {
        Code.DOSE_BELOW_RECOMMENDED,
        Code.DOSE_TOO_LOW,
        Code.DOSE_ABOVE_MAXIMUM,
        Code.ROUTE_NOT_IM,
        Code.ROUTE_DEEP_SC_LABELLED,
        Code.ROUTE_ORAL_NOT_COVERED,
        Code.LIFELONG,
        Code.INTERVAL_ABOVE_MAXIMUM,
        Code.INTERVAL_MONTHLY_RULE,
        Code.INTERVAL_LONGER_THAN_RECOMMENDED,
        Code.LOADING_ALTERNATIVE,
        Code.LOADING_TOO_FEW,
        Code.LOADING_MORE_FREQUENT,
        Code.LOADING_NEURO_MUST_BE_OPEN_ENDED,
    }
)

#: The ID a wrong presence or absence of each code is reported under.
CODE_OWNER: Final[dict[Code, str]] = {
    Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE: "INV-NEURO-WARNING",
    Code.FOLATE_BEFORE_B12: "INV-FOLATE",
    Code.RENAL_PREFER_HYDROXOCOBALAMIN: "INV-RENAL",
    Code.RENAL_CARDIOVASCULAR_SIGNAL: "D-RENAL",
    Code.THROMBOCYTOPENIA_PRECAUTIONS: "INV-PLATELET-GUIDANCE",
    Code.PLATELETS_NOT_ASSESSED: "INV-PLATELET-GUIDANCE",
    Code.TREAT_WITHOUT_DELAY: "D-PLT",
    Code.PLATELET_TRANSFUSION_CONSIDER: "D-PLT",
    Code.PLATELETS_SEVERE_SAME_DAY_ADVICE: "D-PLT-SEVERE-REFER",
    Code.LEBER_HYDROXOCOBALAMIN_ALTERNATIVE: "D-CONTRA",
    Code.PREGNANCY_REVIEW: "D-PREGNANCY",
    Code.ANTICOAGULANT_PRECAUTIONS: "D-ANTICOAGULANT",
    Code.NEURO_STATUS_UNCERTAIN: "D-NEURO-UNKNOWN",
    Code.NEURO_WITHOUT_CONFIRMED_DEFICIENCY: "D-DEFICIENCY",
    Code.DEFICIENCY_UNCONFIRMED: "D-DEFICIENCY",
    Code.SITE_BUTTOCK_UPPER_OUTER_NEEDLE_ANTERIOR: "D-SITE",
    Code.SITE_BUTTOCK_REPLACED: "D-SITE",
    Code.SITE_VENTROGLUTEAL_TRAINED: "D-SITE",
    Code.MONTHLY_MORE_EFFECTIVE: "D-EXTENDED",
    Code.EXTENDED_NOT_AVAILABLE: "D-EXTENDED",
    Code.EXTENDED_NOT_APPLICABLE: "D-EXTENDED",
    Code.RESECTION_LENGTH_UNKNOWN: "D-INTERVAL",
    Code.CROHN_LENGTH_UNKNOWN: "D-INTERVAL",
    Code.CROHN_PROPHYLAXIS_EVIDENCE_WEAK: "D-INTERVAL",
    Code.CROHN_LENGTH_UNKNOWN_NOT_COUNTED: "D-CROHN-UNKNOWN",
    Code.NOT_COVERED: "D-OUTCOME",
    Code.REFER_CONDITION_PRESENT: "INV-TOTAL-CHECK",
    Code.SUPERVISION_REQUIRED: "INV-TOTAL-CHECK",
    Code.LIFELONG: "INV-LIFELONG",
    Code.ROUTE_DEEP_SC_LABELLED: "D-CHECK-ROUTE",
    Code.ROUTE_ORAL_NOT_COVERED: "D-CHECK-ROUTE",
    Code.FORMULATION_DIFFERS_FROM_PROFILE: "D-CHECK-FORMULATION",
    Code.NOTHING_PROPOSED: "D-CHECK-EMPTY",
    Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW: "INV-TOTAL-COURSE",
    Code.NEURO_RECURRENCE_REVIEW: "D-RECURRENCE",
    Code.NEURO_LOADING_DOSES_MISSED: "D-MISSED",
    Code.NEURO_REVIEW_OVERDUE: "D-MISSED",
    Code.MAINTENANCE_LONG_GAP: "D-MAINT-GAP",
    Code.MAINTENANCE_LONG_GAP_NEURO: "D-MAINT-GAP",
    Code.LOADING_INTERRUPTED: "D-LOAD-INTERRUPTED",
    Code.LIFELONG_CLINICIAN_DECISION: "INV-LIFELONG",
    Code.HOMOCYSTEINE_OFF_TARGET: "D-LABS",
    Code.LABS_MAY_BE_STABLE: "D-LABS",
}

# ---------------------------------------------------------------------------------------------
# Products, doses and the calendar.
# ---------------------------------------------------------------------------------------------

CYANO: Final = Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML
HYDROXO: Final = Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML
SUPPORTED_FORMULATIONS: Final = frozenset({CYANO, HYDROXO})
#: The names a text uses for each product (D-WORDING: the label of the product itself).
PRODUCT_NAMES: Final[dict[Formulation, str]] = {
    CYANO: "cyanocobalamin",
    HYDROXO: "hydroxocobalamin",
}

STANDARD_LOADING_DAYS: Final = (0, 2, 4, 7, 9, 11)
NEURO_REVIEW_DAYS: Final = 14
NEURO_GAP_DAYS: Final = 2
DOSE_MCG: Final = 1000
VOLUME_ML: Final = 1.0
CONCENTRATION_MCG_PER_ML: Final = 1000
DEFAULT_SITES: Final = (InjectionSite.DELTOID, InjectionSite.VASTUS_LATERALIS)
NEEDLE_AND_PRESSURE: Final = (25, 27, 5, 10)

# Validation ranges (D-INVALID), inclusive.
PLATELETS_RANGE: Final = (0.0, 2000.0)
EGFR_RANGE: Final = (0.0, 200.0)
LENGTH_RANGE: Final = (0.0, 600.0)
AGE_RANGE: Final = (0, 120)
B12_RANGE: Final = (0.0, 20000.0)
HCY_RANGE: Final = (0.0, 500.0)

# D-WINDOWS: the last valid date and the longest horizon.
LATEST_DATE: Final = datetime.date(9899, 12, 31)
LONGEST_HORIZON_YEARS: Final = 100

# Clinical thresholds.
ADULT_AGE: Final = 16
PLT_SEVERE: Final = 25.0
PLT_TRANSFUSION: Final = 10.0
PLT_STANDARD_ABOVE: Final = 50.0
EGFR_RENAL_BELOW: Final = 60.0
RESECTION_MONTHLY_FROM_CM: Final = 20.0
CROHN_MONTHLY_FROM_CM: Final = 30.0
HCY_TARGET_BELOW: Final = 10.0
DOSE_LOW_FROM: Final = 100.0
INTERVAL_MAX_MONTHS: Final = 3
STANDARD_LOADING_WINDOW_DAYS: Final = 13
MONTHS_BETWEEN_LABS: Final = 3
MONTHS_BETWEEN_LABS_STABLE: Final = 12
MONTHS_BETWEEN_STABLE_HCY: Final = 2
LOADING_INTERRUPTED_AFTER_DAYS: Final = 7
PREGNANCY_REVIEW_MONTHS: Final = 1
RECURRENCE_SUGGESTED_MONTHS: Final = 1
