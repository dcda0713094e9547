"""Every code's fixed severity and wording, and the one way findings and items are built.

Severities follow the "Severities" sections of the clinical decisions; texts are the product's
stable wording (D-WORDING): each is a sentence that names no machine code and no file path. A
warning that a REFER may carry has a second, referral sentence, which gives no administration or
response-review advice (``REFER_TEXT``); each referral reason and each suspension cause has its
own sentence (``REASON_TEXT``, ``SUPERVISION_TEXT``). Building goes through ``make_finding`` /
``make_item`` so that every element carries the source references of the rules it cites (P4),
and through ``merge_findings`` so that each code appears at most once per output, citing every
rule that produced it.
"""

from __future__ import annotations

import functools
from typing import Final

from kernel.model import Code, Finding, Formulation, Item, ReferReason, Severity
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
    # Rule set 2.0.0 ("Severities (revision 2)").
    Code.PLATELETS_SEVERE_SAME_DAY_ADVICE: _C,
    Code.ROUTE_ORAL_NOT_COVERED: _C,
    Code.MAINTENANCE_LONG_GAP_NEURO: _C,
    Code.LEBER_HYDROXOCOBALAMIN_ALTERNATIVE: _W,
    Code.PREGNANCY_REVIEW: _W,
    Code.ANTICOAGULANT_PRECAUTIONS: _W,
    Code.MAINTENANCE_LONG_GAP: _W,
    Code.LOADING_INTERRUPTED: _W,
    Code.ROUTE_DEEP_SC_LABELLED: _W,
    Code.FORMULATION_DIFFERS_FROM_PROFILE: _I,
    Code.NOTHING_PROPOSED: _I,
    Code.SITE_VENTROGLUTEAL_TRAINED: _I,
    Code.CROHN_LENGTH_UNKNOWN_NOT_COUNTED: _I,
}

#: The guidance and monitoring items: codes with a text and no severity (never warnings).
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

#: D-OUTCOME's safety warnings (with D-PLT-SEVERE-REFER, D-CONTRA, D-PREGNANCY and
#: D-ANTICOAGULANT): every output from valid input carries each whose condition holds.
SAFETY_CODES: Final = frozenset(
    {
        Code.NEURO_WITHOUT_CONFIRMED_DEFICIENCY,
        Code.DEFICIENCY_UNCONFIRMED,
        Code.NEURO_STATUS_UNCERTAIN,
        Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE,
        Code.RENAL_PREFER_HYDROXOCOBALAMIN,
        Code.RENAL_CARDIOVASCULAR_SIGNAL,
        Code.FOLATE_BEFORE_B12,
        Code.PLATELETS_NOT_ASSESSED,
        Code.THROMBOCYTOPENIA_PRECAUTIONS,
        Code.TREAT_WITHOUT_DELAY,
        Code.PLATELET_TRANSFUSION_CONSIDER,
        Code.PLATELETS_SEVERE_SAME_DAY_ADVICE,
        Code.LEBER_HYDROXOCOBALAMIN_ALTERNATIVE,
        Code.PREGNANCY_REVIEW,
        Code.ANTICOAGULANT_PRECAUTIONS,
    }
)

#: Every code a REFER may carry: the safety warnings and an uncounted Crohn's length
#: (D-OUTCOME, D-CROHN-UNKNOWN).
REFER_CODES: Final = SAFETY_CODES | {Code.CROHN_LENGTH_UNKNOWN_NOT_COUNTED}

#: D-COURSE-OUTCOME: the findings that require clinician review; a course with any of them is
#: REVIEW, and one with none is CONTINUE.
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

#: D-RECURRENCE: what NEURO_RECURRENCE_REVIEW says, with and without a suggested interval.
RECURRENCE_SUGGESTION_TEXT: Final = "a 1-month interval is suggested"
RECURRENCE_NO_SUGGESTION_TEXT: Final = "increase frequency at the clinician's choice"

_PLATELET_PRECAUTIONS: Final = "use a 25-27G needle and apply pressure for 5-10 minutes"

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
        f"Thrombocytopenia: {_PLATELET_PRECAUTIONS} after each injection."
    ),
    Code.PLATELETS_NOT_ASSESSED: (
        "Platelet count not given: obtain a count before the first injection; until then"
        f" {_PLATELET_PRECAUTIONS}."
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
    Code.REFER_CONDITION_PRESENT: "The profile meets a referral condition. {reason}",
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
        "Home administration is suspended pending clinician review. {reason}"
    ),
    Code.NEURO_RECURRENCE_REVIEW: (
        "Neurological symptoms have recurred: clinician review; {reason}."
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
        "Before the first dose: blood count, reticulocytes, B12, folate and iron ({reason} label)."
    ),
    Code.EARLY_POTASSIUM_48H: (
        "Potassium in the first 48 hours if anaemia is severe ({reason} label)."
    ),
    Code.EARLY_RETICULOCYTES_DAY_5_7: (
        "Reticulocytes and haematocrit on days 5-7 ({reason} label)."
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
    Code.PLATELETS_SEVERE_SAME_DAY_ADVICE: (
        "Platelets below 25 x10^9/L without neurological involvement: seek same-day haematology"
        " advice; a count this low may be caused by the deficiency itself, and the referral must"
        " not delay treatment."
    ),
    Code.ROUTE_ORAL_NOT_COVERED: (
        "Oral route: oral replacement uses other doses and is not covered here, so no dose,"
        " interval, loading or site was judged."
    ),
    Code.MAINTENANCE_LONG_GAP_NEURO: (
        "More than one maintenance dose has been missed with neurological involvement: review the"
        " symptoms and consider re-loading; never stop therapy."
    ),
    Code.LEBER_HYDROXOCOBALAMIN_ALTERNATIVE: (
        "Leber's disease or tobacco amblyopia: cyanocobalamin is contraindicated; hydroxocobalamin"
        " is licensed for Leber's optic atrophy and tobacco amblyopia, under a specialist regimen."
    ),
    Code.PREGNANCY_REVIEW: (
        "Pregnancy: total B12 falls in pregnancy, so active B12 is the test; review the response"
        " after 1 month."
    ),
    Code.ANTICOAGULANT_PRECAUTIONS: (
        f"Anticoagulant therapy: {_PLATELET_PRECAUTIONS} after each injection; deep subcutaneous"
        " cyanocobalamin is a labelled alternative a clinician may choose."
    ),
    Code.MAINTENANCE_LONG_GAP: (
        "More than one maintenance dose has been missed: clinician review; consider re-loading;"
        " never stop therapy."
    ),
    Code.LOADING_INTERRUPTED: (
        "More than 7 days since the last loading dose: the loading has stopped, and a clinician"
        " decides whether to restart it."
    ),
    Code.ROUTE_DEEP_SC_LABELLED: (
        "Deep subcutaneous cyanocobalamin is a labelled alternative route, for example with"
        " bleeding risk; this service plans intramuscular injections only."
    ),
    Code.FORMULATION_DIFFERS_FROM_PROFILE: (
        "The proposed formulation differs from the profile's: {reason}; the check judges the"
        " proposed one."
    ),
    Code.NOTHING_PROPOSED: (
        "Nothing was proposed: the dose, interval, loading dates, route, stop date and site were"
        " not checked."
    ),
    Code.SITE_VENTROGLUTEAL_TRAINED: (
        "Ventrogluteal site: not named by the source; it lies away from the sciatic nerve and"
        " needs the landmark technique of a trained person."
    ),
    Code.CROHN_LENGTH_UNKNOWN_NOT_COUNTED: (
        "Crohn's ileal involvement of unknown length is not counted towards monthly maintenance:"
        " measure the extent."
    ),
    Code.PREGNANCY_REVIEW_DATE: (
        "Pregnancy: a clinician reviews the response one month after the start (active B12 is"
        " the test)."
    ),
}

#: The referral sentence of every code a REFER may carry (D-WORDING): no administration or
#: response-review advice, and no promise of a plan or treatment.
REFER_TEXT: Final[dict[Code, str]] = {
    Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE: (
        "Neurological involvement: seek urgent specialist advice."
    ),
    Code.NEURO_STATUS_UNCERTAIN: TEXT[Code.NEURO_STATUS_UNCERTAIN],
    Code.NEURO_WITHOUT_CONFIRMED_DEFICIENCY: (
        "Neurological involvement without confirmed deficiency: confirm with active B12 or"
        " methylmalonic acid and seek specialist advice."
    ),
    Code.DEFICIENCY_UNCONFIRMED: (
        "Deficiency is unconfirmed: diagnostic bloods come before any B12 is given, which"
        " invalidates later B12 testing."
    ),
    Code.TREAT_WITHOUT_DELAY: (
        "Platelets below 25 x10^9/L with neurological involvement: the specialist prioritises"
        " treatment despite the low count."
    ),
    Code.PLATELET_TRANSFUSION_CONSIDER: (
        "Platelets below 10 x10^9/L: consider platelet transfusion."
    ),
    Code.THROMBOCYTOPENIA_PRECAUTIONS: (
        "Thrombocytopenia: platelets of 50 x10^9/L or below raise the bleeding risk of"
        " intramuscular injections."
    ),
    Code.PLATELETS_NOT_ASSESSED: "Platelet count not given: obtain a count.",
    Code.FOLATE_BEFORE_B12: (
        "Folic acid was started before B12: it may mask deficiency and precipitate subacute"
        " combined degeneration of the spinal cord."
    ),
    Code.RENAL_PREFER_HYDROXOCOBALAMIN: (
        "Renal impairment with cyanocobalamin: its cyanide moiety needs renal clearance, and"
        " hydroxocobalamin 1000 mcg/mL is the alternative where available. The source also names"
        " methylcobalamin, which has no licensed injectable in the US or UK."
    ),
    Code.RENAL_CARDIOVASCULAR_SIGNAL: TEXT[Code.RENAL_CARDIOVASCULAR_SIGNAL],
    Code.PLATELETS_SEVERE_SAME_DAY_ADVICE: TEXT[Code.PLATELETS_SEVERE_SAME_DAY_ADVICE],
    Code.LEBER_HYDROXOCOBALAMIN_ALTERNATIVE: TEXT[Code.LEBER_HYDROXOCOBALAMIN_ALTERNATIVE],
    Code.PREGNANCY_REVIEW: ("Pregnancy: total B12 falls in pregnancy, so active B12 is the test."),
    Code.ANTICOAGULANT_PRECAUTIONS: (
        "Anticoagulant therapy: a bleeding risk at intramuscular injection sites."
    ),
    Code.CROHN_LENGTH_UNKNOWN_NOT_COUNTED: TEXT[Code.CROHN_LENGTH_UNKNOWN_NOT_COUNTED],
}

#: One sentence per referral reason (D-WORDING); CONTRAINDICATED names its cause.
REASON_TEXT: Final[dict[ReferReason, str]] = {
    ReferReason.OUT_OF_SCOPE_AGE: (
        "The patient is under 16 years, outside the scope of this rule set (NICE NG239 covers 16"
        " and over)."
    ),
    ReferReason.CONTRAINDICATED: "Contraindicated: {reason}.",
    ReferReason.SPECIALIST_REGIMEN: (
        "Leber's disease or tobacco amblyopia with hydroxocobalamin: vision is at stake, and the"
        " specialist regimen hydroxocobalamin is licensed for is not planned here."
    ),
    ReferReason.PLATELETS_BELOW_25_NO_NEURO: (
        "Platelets below 25 x10^9/L without neurological involvement: haematology advice comes"
        " first."
    ),
    ReferReason.NO_INDICATION: (
        "No deficiency and no prophylactic indication (bariatric surgery, ileal resection of"
        " 20 cm or more or of unknown length, Crohn's ileal involvement of 30 cm or more)."
    ),
    ReferReason.DEFICIENCY_NOT_ESTABLISHED: (
        "Deficiency is not established and there is no prophylactic indication: confirm the"
        " deficiency first."
    ),
    ReferReason.NOT_COVERED: "The input is not covered by the rules or decisions.",
}

HYPERSENSITIVITY_CAUSE: Final = "hypersensitivity to cobalt or vitamin B12"
LEBER_CAUSE: Final = "cyanocobalamin in Leber's disease or tobacco amblyopia"

#: The sentence of the suspension cause that is not a referral reason (D-COURSE, D-WORDING).
SUPERVISION_TEXT: Final = (
    "Platelets below 25 x10^9/L with neurological involvement: injections are given under"
    " clinical supervision, not at home."
)

#: What a REFER says to do (D-WORDING): urgent ones arrange same-day specialist care, "without
#: delaying treatment" unless CONTRAINDICATED is among the reasons.
REFERRAL_TEXT: Final = "Refer to a clinician: no plan is given here."
URGENT_REFERRAL_TEXT: Final = "Refer urgently: arrange same-day specialist care."
URGENT_TREATABLE_REFERRAL_TEXT: Final = (
    "Refer urgently: arrange same-day specialist care, without delaying treatment."
)

#: How a product is named in a label citation (D-EARLY as amended by D-WORDING).
LABEL_NAME: Final[dict[Formulation, str]] = {
    Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML: "cyanocobalamin",
    Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML: "hydroxocobalamin",
}

#: How a product is named in a sentence.
PRODUCT_NAME: Final[dict[Formulation, str]] = {
    Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML: "cyanocobalamin 1000 mcg/mL",
    Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML: "hydroxocobalamin 1000 mcg/mL",
}

SEVERITY_ORDER: Final[dict[Severity, int]] = {severity: i for i, severity in enumerate(Severity)}
CODE_ORDER: Final[dict[Code, int]] = {code: i for i, code in enumerate(Code)}


def _check_tables() -> None:
    """Every code has a text; every warning code a severity; every code a REFER may carry a
    referral sentence; every reason a sentence. A new code or reason fails here, at import."""
    missing = [code.name for code in Code if code not in TEXT]
    unsorted = [c.name for c in Code if (c in SEVERITY) == (c in ITEM_CODES)]
    refer = sorted(code.name for code in REFER_CODES.symmetric_difference(REFER_TEXT))
    reasons = [reason.name for reason in ReferReason if reason not in REASON_TEXT]
    if missing or unsorted or refer or reasons:
        message = f"wording tables incomplete: {missing} {unsorted} {refer} {reasons}"
        raise TypeError(message)


_check_tables()


@functools.cache
def make_finding(
    code: Code, rule_ids: tuple[str, ...], reason: str = "", *, referral: bool = False
) -> Finding:
    """Build the finding ``code`` citing ``rule_ids``: ``reason`` fills the text's slot, and
    ``referral`` takes the code's referral sentence (a warning carried by a REFER)."""
    ordered = order_rule_ids(rule_ids)
    text = REFER_TEXT[code] if referral else TEXT[code]
    return Finding(
        code=code,
        severity=SEVERITY[code],
        text=text.format(reason=reason).strip(),
        rule_ids=ordered,
        source_references=collect_source_references(ordered),
    )


@functools.cache
def make_item(code: Code, rule_ids: tuple[str, ...], reason: str = "") -> Item:
    """Build the guidance or monitoring item ``code`` citing ``rule_ids`` (``reason`` fills the
    text's slot: the product whose label an early check cites)."""
    ordered = order_rule_ids(rule_ids)
    return Item(
        code=code,
        text=TEXT[code].format(reason=reason),
        rule_ids=ordered,
        source_references=collect_source_references(ordered),
    )


def as_referral(finding: Finding) -> Finding:
    """Return ``finding`` in its referral wording (a warning a REFER carries)."""
    return Finding(
        code=finding.code,
        severity=finding.severity,
        text=REFER_TEXT[finding.code],
        rule_ids=finding.rule_ids,
        source_references=finding.source_references,
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
