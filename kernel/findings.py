"""Every code's fixed severity and text, and the one way findings and items are built.

Severities follow the "Severities" section of the clinical decisions; texts are the product's
stable wording. Building goes through ``make_finding`` / ``make_item`` so that every element
carries the source references of the rules it cites (P4), and through ``merge_findings`` so
that each code appears at most once per output, citing every rule that produced it.
"""

from __future__ import annotations

import functools
from typing import Final

from kernel.model import Code, Finding, Item, Severity
from kernel.rules import collect_source_references, order_rule_ids

_C, _W, _I = Severity.CRITICAL, Severity.WARNING, Severity.INFO

SEVERITY: Final[dict[Code, Severity]] = {
    Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE: _C,
    Code.NEURO_STATUS_UNCERTAIN: _W,
    Code.NEURO_WITHOUT_CONFIRMED_DEFICIENCY: _W,
    Code.DEFICIENCY_UNCONFIRMED: _W,
    Code.TREAT_WITHOUT_DELAY: _C,
    Code.PLATELET_TRANSFUSION_CONSIDER: _C,
    Code.THROMBOCYTOPENIA_PRECAUTIONS: _W,
    Code.PLATELETS_NOT_ASSESSED: _W,
    Code.FOLATE_BEFORE_B12: _C,
    Code.RENAL_PREFER_HYDROXOCOBALAMIN: _W,
    Code.RENAL_CARDIOVASCULAR_SIGNAL: _W,
    Code.SITE_BUTTOCK_UPPER_OUTER_NEEDLE_ANTERIOR: _W,
    Code.SITE_BUTTOCK_REPLACED: _W,
    Code.MONTHLY_MORE_EFFECTIVE: _W,
    Code.EXTENDED_NOT_AVAILABLE: _W,
    Code.EXTENDED_NOT_APPLICABLE: _I,
    Code.RESECTION_LENGTH_UNKNOWN: _W,
    Code.CROHN_LENGTH_UNKNOWN: _W,
    Code.CROHN_PROPHYLAXIS_EVIDENCE_WEAK: _I,
    Code.NOT_COVERED: _C,
    Code.REFER_CONDITION_PRESENT: _C,
    Code.SUPERVISION_REQUIRED: _C,
    Code.DOSE_BELOW_RECOMMENDED: _W,
    Code.DOSE_TOO_LOW: _C,
    Code.DOSE_ABOVE_MAXIMUM: _C,
    Code.ROUTE_NOT_IM: _C,
    Code.LIFELONG: _C,
    Code.INTERVAL_ABOVE_MAXIMUM: _C,
    Code.INTERVAL_MONTHLY_RULE: _C,
    Code.INTERVAL_LONGER_THAN_RECOMMENDED: _W,
    Code.LOADING_ALTERNATIVE: _I,
    Code.LOADING_TOO_FEW: _W,
    Code.LOADING_MORE_FREQUENT: _I,
    Code.LOADING_NEURO_MUST_BE_OPEN_ENDED: _C,
    Code.TWO_INJECTIONS_ONE_DAY: _W,
    Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW: _C,
    Code.NEURO_RECURRENCE_REVIEW: _C,
    Code.NEURO_LOADING_DOSES_MISSED: _W,
    Code.NEURO_REVIEW_OVERDUE: _W,
    Code.LIFELONG_CLINICIAN_DECISION: _W,
    Code.HOMOCYSTEINE_OFF_TARGET: _I,
    Code.LABS_MAY_BE_STABLE: _I,
}

TEXT: Final[dict[Code, str]] = {
    Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE: (
        "Neurological involvement: seek urgent specialist advice. Treatment is not delayed."
    ),
    Code.NEURO_STATUS_UNCERTAIN: (
        "Neurological status is unknown and is treated as neurological involvement."
    ),
    Code.NEURO_WITHOUT_CONFIRMED_DEFICIENCY: (
        "Neurological involvement without confirmed deficiency is treated as deficiency with"
        " neurological involvement: confirm with active B12 or methylmalonic acid and seek"
        " specialist advice."
    ),
    Code.DEFICIENCY_UNCONFIRMED: (
        "Deficiency is unconfirmed and treated as confirmed because of a prophylactic indication:"
        " take diagnostic bloods before the first injection, which invalidates later B12 testing."
    ),
    Code.TREAT_WITHOUT_DELAY: (
        "Platelets below 25 x10^9/L with neurological involvement: prioritise treatment, given"
        " under clinical supervision."
    ),
    Code.PLATELET_TRANSFUSION_CONSIDER: (
        "Platelets below 10 x10^9/L: consider platelet transfusion before injection."
    ),
    Code.THROMBOCYTOPENIA_PRECAUTIONS: (
        "Thrombocytopenia: use a 25-27G needle and apply pressure for 5-10 minutes after each"
        " injection."
    ),
    Code.PLATELETS_NOT_ASSESSED: (
        "Platelet count not given: obtain a count before the first injection; until then use a"
        " 25-27G needle and apply pressure for 5-10 minutes."
    ),
    Code.FOLATE_BEFORE_B12: (
        "Folic acid was started before B12: it may mask deficiency and precipitate subacute"
        " combined degeneration of the spinal cord. Treat B12 deficiency first."
    ),
    Code.RENAL_PREFER_HYDROXOCOBALAMIN: (
        "Renal impairment with cyanocobalamin: consider hydroxocobalamin 1000 mcg/mL instead"
        " (cyanide moiety needs renal clearance). The source also names methylcobalamin, which has"
        " no licensed injectable in the US or UK."
    ),
    Code.RENAL_CARDIOVASCULAR_SIGNAL: (
        "Diabetic nephropathy: the source's HR 2.0 for cardiovascular events comes from a trial of"
        " daily oral folic acid 2.5 mg, vitamin B6 25 mg and B12 1 mg, not of IM cyanocobalamin"
        " alone."
    ),
    Code.SITE_BUTTOCK_UPPER_OUTER_NEEDLE_ANTERIOR: (
        "Buttock: upper outer quadrant only, with the needle directed anteriorly (sciatic nerve);"
        " deltoid and vastus lateralis are preferred."
    ),
    Code.SITE_BUTTOCK_REPLACED: (
        "The buttock is avoided routinely (sciatic nerve) and no upper outer quadrant was"
        " specified: deltoid or vastus lateralis are used instead."
    ),
    Code.MONTHLY_MORE_EFFECTIVE: (
        "Maintenance every 2-3 months as requested; monthly dosing is more effective in"
        " maintaining B12 levels."
    ),
    Code.EXTENDED_NOT_AVAILABLE: (
        "Maintenance every 2-3 months is not available: {reason}; monthly maintenance applies."
    ),
    Code.EXTENDED_NOT_APPLICABLE: (
        "Hydroxocobalamin is already given every 2-3 months: the extended-interval request"
        " changes nothing."
    ),
    Code.RESECTION_LENGTH_UNKNOWN: (
        "Ileal resection of unknown length is treated as 20 cm or more: monthly maintenance."
    ),
    Code.CROHN_LENGTH_UNKNOWN: (
        "Crohn's ileal involvement of unknown length with deficiency is treated as 30 cm or more:"
        " monthly maintenance."
    ),
    Code.CROHN_PROPHYLAXIS_EVIDENCE_WEAK: (
        "Monthly prophylaxis for Crohn's ileal involvement rests on weak evidence: a systematic"
        " review found no added risk without resection."
    ),
    Code.NOT_COVERED: (
        "This input is not covered by the rules or decisions: refer to a clinician. {reason}"
    ),
    Code.REFER_CONDITION_PRESENT: "The profile meets a referral condition: {reason}.",
    Code.SUPERVISION_REQUIRED: (
        "Platelets below 25 x10^9/L with neurological involvement: injections are given under"
        " clinical supervision, not at home."
    ),
    Code.DOSE_BELOW_RECOMMENDED: (
        "Dose below 1000 mcg: 1000 mcg is recommended, with greater retention and no disadvantage"
        " in cost or toxicity."
    ),
    Code.DOSE_TOO_LOW: "Dose below 100 mcg: far below the recommended 1000 mcg per injection.",
    Code.DOSE_ABOVE_MAXIMUM: (
        "Dose above 1000 mcg per injection: one injection is 1 mL of 1000 mcg/mL."
    ),
    Code.ROUTE_NOT_IM: "Route other than intramuscular: this product is given IM only.",
    Code.LIFELONG: (
        "A stop or end date was proposed: maintenance is lifelong and is not discontinued even if"
        " levels normalise."
    ),
    Code.INTERVAL_ABOVE_MAXIMUM: "Maintenance interval over 3 months: above every rule's maximum.",
    Code.INTERVAL_MONTHLY_RULE: (
        "Maintenance interval over 1 month where ileal resection or Crohn's ileal involvement"
        " requires monthly injections."
    ),
    Code.INTERVAL_LONGER_THAN_RECOMMENDED: (
        "Maintenance interval longer than recommended for this formulation: monthly is more"
        " effective."
    ),
    Code.LOADING_ALTERNATIVE: (
        "Loading of 5-6 injections over 2 weeks other than the standard pattern: an accepted"
        " alternative."
    ),
    Code.LOADING_TOO_FEW: "Loading has fewer injections than recommended.",
    Code.LOADING_MORE_FREQUENT: "Loading is more frequent than recommended.",
    Code.LOADING_NEURO_MUST_BE_OPEN_ENDED: (
        "Neurological involvement: loading continues on alternate days until no further"
        " improvement, so it must be open-ended."
    ),
    Code.TWO_INJECTIONS_ONE_DAY: "Two or more injections on one day: never give two on one day.",
    Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW: (
        "Home administration is suspended pending clinician review: {reason}."
    ),
    Code.NEURO_RECURRENCE_REVIEW: (
        "Neurological symptoms have recurred: clinician review; consider increasing the injection"
        " frequency."
    ),
    Code.NEURO_LOADING_DOSES_MISSED: (
        "Two or more alternate-day loading doses were missed: give the next dose as soon as"
        " possible."
    ),
    Code.NEURO_REVIEW_OVERDUE: (
        "The clinician review of neurological loading is overdue; alternate-day dosing continues."
    ),
    Code.LIFELONG_CLINICIAN_DECISION: (
        "A stop was requested: therapy is lifelong and stopping is a clinician's decision."
    ),
    Code.HOMOCYSTEINE_OFF_TARGET: (
        "The most recent homocysteine is 10 umol/L or more (target < 10)."
    ),
    Code.LABS_MAY_BE_STABLE: (
        "The two most recent homocysteine results are below 10 umol/L at least 2 months apart:"
        " levels may be stable; only a clinician reports stabilisation."
    ),
    Code.FIRST_DOSE_PROFESSIONAL: (
        "The first injection is given by a professional able to manage anaphylaxis."
    ),
    Code.EARLY_BASELINE_BLOODS: (
        "Before the first dose: blood count, reticulocytes, B12, folate and iron (cyanocobalamin"
        " label)."
    ),
    Code.EARLY_POTASSIUM_48H: (
        "Potassium in the first 48 hours if anaemia is severe (cyanocobalamin label)."
    ),
    Code.EARLY_RETICULOCYTES_DAY_5_7: (
        "Reticulocytes and haematocrit on days 5-7 (cyanocobalamin label)."
    ),
    Code.LABS_B12_HOMOCYSTEINE: (
        "Serum B12 and homocysteine every 3 months until a clinician reports stabilisation, then"
        " yearly; target homocysteine < 10 umol/L."
    ),
    Code.WATCH_NEURO_RECURRENCE: (
        "Watch for recurrence of neurological symptoms (paresthesias, gait, cognition) and"
        " evaluate the resolution of deficiency symptoms; if they return, a clinician considers"
        " increasing the frequency."
    ),
}

SEVERITY_ORDER: Final[dict[Severity, int]] = {severity: i for i, severity in enumerate(Severity)}
CODE_ORDER: Final[dict[Code, int]] = {code: i for i, code in enumerate(Code)}


@functools.cache
def make_finding(code: Code, rule_ids: tuple[str, ...], reason: str = "") -> Finding:
    """Build the finding ``code`` citing ``rule_ids`` (``reason`` fills the text's slot)."""
    ordered = order_rule_ids(rule_ids)
    return Finding(
        code=code,
        severity=SEVERITY[code],
        text=TEXT[code].format(reason=reason).strip(),
        rule_ids=ordered,
        source_references=collect_source_references(ordered),
    )


@functools.cache
def make_item(code: Code, rule_ids: tuple[str, ...]) -> Item:
    """Build the guidance or monitoring item ``code`` citing ``rule_ids``."""
    ordered = order_rule_ids(rule_ids)
    return Item(
        code=code,
        text=TEXT[code],
        rule_ids=ordered,
        source_references=collect_source_references(ordered),
    )


def merge_findings(findings: list[Finding]) -> tuple[Finding, ...]:
    """Return one finding per code, citing every rule that produced it, in output order
    (severity, then code declaration order)."""
    by_code: dict[Code, Finding] = {}
    for finding in findings:
        earlier = by_code.get(finding.code)
        if earlier is None:
            by_code[finding.code] = finding
        else:
            rule_ids = order_rule_ids(earlier.rule_ids + finding.rule_ids)
            by_code[finding.code] = Finding(
                code=earlier.code,
                severity=earlier.severity,
                text=earlier.text,
                rule_ids=rule_ids,
                source_references=collect_source_references(rule_ids),
            )
    return tuple(
        sorted(
            by_code.values(),
            key=lambda f: (SEVERITY_ORDER[f.severity], CODE_ORDER[f.code]),
        )
    )
