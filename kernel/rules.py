"""The rule catalogue: every R- (source rule), D- (product decision) and INV- (invariant) ID.

IDs, wording and source reference numbers follow ``specs/clinical-decisions.md`` (the record, rule
set 2.0.0). The catalogue order is the order in which outputs list rule IDs (P5): the R- rules in
the record's table order, the D- decisions in the order the record first defines them, then the
invariants. Reference "4" is cited by the source but not
listed in it, so it is written "4 (not listed in the source)" (P4); a rule with no reference
number carries "none".
"""

from __future__ import annotations

import functools
from typing import Final, NamedTuple

RULE_SET_VERSION: Final = "2.0.0"

REF_4: Final = "4 (not listed in the source)"
NO_REFERENCE: Final = "none"


class RuleEntry(NamedTuple):
    """One catalogue entry: its text and the source's reference numbers."""

    text: str
    source_references: tuple[str, ...]


_NONE = (NO_REFERENCE,)

RULES: Final[dict[str, RuleEntry]] = {
    # --- Rules of the source -----------------------------------------------------------------
    "R-DOSE-1000": RuleEntry(
        "Every injection is 1000 mcg (1 mg) IM; 1000 mcg is preferred over 100 mcg.",
        ("1", "2", "3"),
    ),
    "R-FORM-1": RuleEntry(
        "Formulation 1000 mcg/mL, so one dose is 1 mL; preservative benzyl alcohol 0.015 mL"
        " per mL.",
        (REF_4,),
    ),
    "R-LOAD-STD": RuleEntry(
        "No neurological involvement: 1000 mcg IM three times weekly for 2 weeks.", ("1", "2")
    ),
    "R-LOAD-NEURO": RuleEntry(
        "Neurological involvement: 1000 mcg IM on alternate days until no further improvement.",
        ("1", "2"),
    ),
    "R-LOAD-ALT": RuleEntry("Alternative loading: 5-6 injections over 2 weeks.", ("3",)),
    "R-MAINT-CYANO": RuleEntry("Maintenance: 1000 mcg IM once monthly, for life.", ("1", "2", "3")),
    "R-MAINT-EXTENDED": RuleEntry(
        "Alternative maintenance every 2-3 months; monthly may be more effective.", ("1", "2")
    ),
    "R-MAINT-HYDROXO": RuleEntry("Hydroxocobalamin: 1000 mcg every 2-3 months.", ("1", "2")),
    "R-MONTHLY-BETTER": RuleEntry("Monthly is more effective than 3-monthly.", ("2",)),
    "R-POP-BARIATRIC": RuleEntry(
        "After bariatric surgery (particularly Roux-en-Y, biliopancreatic diversion): every 3"
        " months for life.",
        ("1", "2"),
    ),
    "R-POP-ILEAL": RuleEntry(
        "More than 20 cm of distal ileum resected: monthly for life, as prophylaxis.", ("1", "2")
    ),
    "R-POP-CROHN": RuleEntry(
        "Crohn's disease with ileal involvement of more than 30-60 cm: monthly, even without"
        " resection.",
        ("1",),
    ),
    "R-RENAL": RuleEntry(
        "Renal impairment: consider hydroxocobalamin or methylcobalamin instead of cyanocobalamin"
        " (cyanide clearance; HR 2.0 for cardiovascular events in diabetic nephropathy).",
        ("1",),
    ),
    "R-SITE-PREFERRED": RuleEntry("Preferred sites: deltoid or vastus lateralis.", _NONE),
    "R-SITE-BUTTOCK": RuleEntry(
        "Avoid the buttock routinely (sciatic nerve); if used, upper outer quadrant only, needle"
        " directed anteriorly.",
        ("1",),
    ),
    "R-PLT-STANDARD": RuleEntry("Platelets > 50 x10^9/L: standard IM administration.", ("1",)),
    "R-PLT-PRECAUTION": RuleEntry(
        "Platelets 25-50 x10^9/L: smaller needle (25-27G) and prolonged pressure (5-10 minutes).",
        ("1",),
    ),
    "R-PLT-SEVERE": RuleEntry(
        "Platelets < 25 x10^9/L with neurological symptoms: prioritise treatment; consider platelet"
        " transfusion if < 10.",
        ("1",),
    ),
    "R-FOLATE": RuleEntry(
        "Never give folic acid before treating B12 deficiency (masks deficiency, subacute combined"
        " degeneration).",
        ("1", "2"),
    ),
    "R-LIFELONG": RuleEntry("Do not discontinue even if levels normalise.", ("1",)),
    "R-MON-LABS": RuleEntry(
        "Serum B12 and homocysteine every 3 months until stabilisation, then yearly.", ("1", "2")
    ),
    "R-MON-HCY": RuleEntry("Target homocysteine < 10 umol/L.", ("1",)),
    "R-MON-SYMPTOMS": RuleEntry(
        "Watch for recurrence of neurological symptoms (paresthesias, gait, cognition); consider"
        " increasing frequency if they return; evaluate resolution of symptoms.",
        ("1",),
    ),
    # --- Product decisions ---------------------------------------------------------------------
    "D-INVALID": RuleEntry(
        "A validation error lists every offending field with a reason and carries no clinical"
        " content; numbers are compared exactly as given, never rounded, clamped or guessed.",
        _NONE,
    ),
    "D-FIELDS": RuleEntry(
        "Required and optional fields, the meaning of an absent optional field, and date-ordered"
        " reading of lists.",
        _NONE,
    ),
    "D-OUTCOME": RuleEntry(
        "Precedence: validation error, then REFER (every reason, in fixed order), then SUPERVISED"
        " (platelets < 25 with neurological involvement), otherwise HOME; the safety warnings"
        " whose condition holds are carried by every output; a REFER is urgent with neurological"
        " involvement.",
        _NONE,
    ),
    "D-SCOPE-AGE": RuleEntry("From 16 years (the scope of NICE NG239); under 16: REFER.", _NONE),
    "D-FORMULATIONS": RuleEntry(
        "Cyanocobalamin 1000 mcg/mL (RxNorm 309594) and hydroxocobalamin 1000 mcg/mL (RxNorm"
        " 317106) only; route IM only.",
        _NONE,
    ),
    "D-CONTRA": RuleEntry(
        "Hypersensitivity to cobalt or vitamin B12: REFER CONTRAINDICATED with either formulation."
        " Leber's disease or tobacco amblyopia: with cyanocobalamin, urgent REFER CONTRAINDICATED"
        " naming hydroxocobalamin as the licensed alternative; with hydroxocobalamin, urgent REFER"
        " SPECIALIST_REGIMEN. With hypersensitivity, CONTRAINDICATED stands alone.",
        _NONE,
    ),
    "D-DEFICIENCY": RuleEntry(
        "Neurological involvement without confirmed deficiency is treated as deficiency with"
        " neurological involvement; UNKNOWN with a prophylactic indication is treated as"
        " CONFIRMED; UNKNOWN otherwise: REFER.",
        _NONE,
    ),
    "D-PROPHYLAXIS": RuleEntry(
        "No deficiency with a prophylactic indication (bariatric surgery, ileal resection >= 20 cm"
        " or unknown length, Crohn's ileal involvement >= 30 cm): maintenance from the start, no"
        " loading; without an indication: REFER.",
        _NONE,
    ),
    "D-NEURO-UNKNOWN": RuleEntry("Neurological status UNKNOWN is treated as PRESENT.", _NONE),
    "D-NEURO-URGENT": RuleEntry(
        "Neurological involvement adds the critical warning to seek urgent specialist advice; the"
        " plan is still produced.",
        _NONE,
    ),
    "D-LOAD-DAYS": RuleEntry(
        "Standard loading: exactly six injections on start + 0, 2, 4, 7, 9 and 11 days.", _NONE
    ),
    "D-NEURO-OPEN": RuleEntry(
        "Neurological loading: every second day from the start, open-ended, clinician review at"
        " start + 14 days; maintenance is dated only once the caller reports a plateau.",
        _NONE,
    ),
    "D-LOAD-ALT": RuleEntry(
        "Only the standard and neurological loadings are planned; a proposed 5-6-dose loading is"
        " judged by the regimen check.",
        _NONE,
    ),
    "D-INTERVAL": RuleEntry(
        "Each interval rule has a due and an overdue-after interval in calendar months; the"
        " minimum of each over the rules that hold wins; the ileal and Crohn's thresholds are"
        " inclusive.",
        _NONE,
    ),
    "D-EXTENDED": RuleEntry(
        "On explicit request with cyanocobalamin, 2-3-monthly maintenance replaces monthly, with a"
        " warning; refused with ileal or Crohn's rules or neurological involvement.",
        _NONE,
    ),
    "D-MONTH": RuleEntry(
        "k months after a date is the same day of the k-th following month, clamped to month end.",
        _NONE,
    ),
    "D-LIFELONG": RuleEntry(
        "Maintenance has no end date; a stop request adds a warning that stopping is a clinician's"
        " decision.",
        _NONE,
    ),
    "D-HORIZON": RuleEntry(
        "The horizon is an inclusive end date that limits only repeated dates; the always-listed"
        " dates (including the pregnancy review) are always listed.",
        _NONE,
    ),
    "D-RENAL": RuleEntry(
        "Renal impairment (reported, eGFR < 60, or diabetic nephropathy) with cyanocobalamin: plan"
        " as asked with a warning naming hydroxocobalamin.",
        _NONE,
    ),
    "D-PLT": RuleEntry(
        "Platelet bands: > 50 standard; 25-50 or not given: 25-27G needle and 5-10 minutes of"
        " pressure; < 25 with neurological involvement: supervised; < 25 without: urgent REFER.",
        _NONE,
    ),
    "D-FOLATE": RuleEntry(
        "Folic acid started before B12 gives a critical warning; the plan is still produced.",
        _NONE,
    ),
    "D-SITE": RuleEntry(
        "Default sites deltoid and vastus lateralis; upper outer gluteal only on request, with a"
        " warning; ventrogluteal on request, with a note that it needs a trained person; any"
        " other buttock request gives the defaults with a warning.",
        _NONE,
    ),
    "D-EARLY": RuleEntry(
        "First injection by a professional able to manage anaphylaxis; early bloods, potassium and"
        " reticulocyte checks with loading, citing the label of the plan's own formulation.",
        _NONE,
    ),
    "D-CHECK": RuleEntry(
        "Regimen check findings for dose, route, stop date, interval, loading and sites.", _NONE
    ),
    "D-COURSE": RuleEntry(
        "A course's phase is derived from profile, injections and neurological status; never"
        " REFER.",
        _NONE,
    ),
    "D-MISSED": RuleEntry(
        "Due dates count from the previous actual dose; missed doses are given as soon as"
        " possible, never two on one day.",
        _NONE,
    ),
    "D-LABS": RuleEntry(
        "Labs at start + 3, 6, 9 ... months until the reported stabilisation date, then yearly"
        " from it; stabilisation is never inferred; only results from the start on count for the"
        " homocysteine findings; serum B12 on replacement is never interpreted.",
        _NONE,
    ),
    "D-RECURRENCE": RuleEntry(
        "Recurrence of neurological symptoms in maintenance: REVIEW, interval kept or shortened;"
        " 1 month suggested, with its date, only where shorter than the interval in force.",
        _NONE,
    ),
    "D-PLT-SEVERE-REFER": RuleEntry(
        "Platelets < 25 without neurological involvement: urgent REFER with same-day haematology"
        " advice, and platelet transfusion to consider below 10; carried by checks and courses"
        " too.",
        _NONE,
    ),
    "D-PREGNANCY": RuleEntry(
        "Pregnancy does not change the regimen; every output carries a warning (active B12 is the"
        " test) and a plan lists a clinician review one month after the start.",
        _NONE,
    ),
    "D-ANTICOAGULANT": RuleEntry(
        "Anticoagulant therapy: a warning in every output, and the 25-27G needle and 5-10 minutes"
        " of pressure in the guidance even with platelets above 50.",
        _NONE,
    ),
    "D-MAINT-GAP": RuleEntry(
        "In maintenance, a reference date later than the overdue-after date plus one due interval"
        " is a long gap (critical with neurological involvement): clinician review.",
        _NONE,
    ),
    "D-LOAD-INTERRUPTED": RuleEntry(
        "In loading, more than 7 days since the last injection (or the start, with none) means"
        " the loading has stopped: clinician review.",
        _NONE,
    ),
    "D-COURSE-OUTCOME": RuleEntry(
        "A course's outcome is REVIEW exactly when clinician review is required; never CONTINUE"
        " beside a critical suspension.",
        _NONE,
    ),
    "D-COURSE-SCHEDULE": RuleEntry(
        "A course's forward schedule from its next dose through an optional horizon: remaining"
        " loading, alternate-day neurological loading, or maintenance chained by the interval in"
        " force, with the labs and a review not yet passed; exported like a plan.",
        _NONE,
    ),
    "D-WINDOWS": RuleEntry(
        "A date after 9899-12-31, a horizon more than 100 years after the start, and a course"
        " horizon before the reference date are validation errors.",
        _NONE,
    ),
    "D-CHECK-FORMULATION": RuleEntry(
        "A proposed formulation is the one every rule of the check reads; one that differs from"
        " the profile's is named in an info finding, never NOT_COVERED.",
        _NONE,
    ),
    "D-CHECK-EXTENDED": RuleEntry(
        "With cyanocobalamin and a granted extended preference, a proposed interval over 1 and at"
        " most 3 months gives no interval finding.",
        _NONE,
    ),
    "D-CHECK-ROUTE": RuleEntry(
        "Deep subcutaneous cyanocobalamin is a labelled alternative (a warning); other non-IM"
        " routes are critical; oral is not covered and suppresses the dose, interval, loading and"
        " site findings.",
        _NONE,
    ),
    "D-CHECK-EMPTY": RuleEntry(
        "A check with nothing proposed says so, naming what was not checked, and never says the"
        " regimen meets the rules.",
        _NONE,
    ),
    "D-CROHN-UNKNOWN": RuleEntry(
        "Crohn's ileal involvement of unknown length that does not count is named in an info"
        " finding, never discounted silently.",
        _NONE,
    ),
    "D-WORDING": RuleEntry(
        "Every text is a sentence naming no machine code and no file path; each referral reason"
        " and suspension cause has its own sentence; a REFER's texts never promise a plan or"
        " treatment; label items cite the plan's own formulation; rule IDs are never cut.",
        _NONE,
    ),
    "D-EXPORT-NEURO": RuleEntry(
        "In iCalendar, open-ended neurological loading whose review date has not passed ends its"
        " series at the review date, with an all-day review event; FHIR keeps the open-ended"
        " Timing.",
        _NONE,
    ),
    "D-CDS-READ": RuleEntry(
        "The CDS Hooks service reads every profile input a record can hold, each code from one"
        " table.",
        _NONE,
    ),
    "D-CDS-RECENCY": RuleEntry(
        "Platelets count within 30 days and eGFR within 365 days of the hook's date; older values"
        " are set aside and named; only active, unrefuted allergies and conditions count.",
        _NONE,
    ),
    "D-CDS-DISCLOSE": RuleEntry(
        "Never silent: every card names the values and dates used, and one info card lists every"
        " fact taken as no or not given.",
        _NONE,
    ),
    "D-CDS-PREFETCH": RuleEntry(
        "Required data neither prefetched nor fetchable from the EHR's FHIR server gives HTTP 412.",
        _NONE,
    ),
    # --- Invariants ----------------------------------------------------------------------------
    "INV-DOSE": RuleEntry("Every dose in a plan is 1000 mcg, 1 mL, IM.", _NONE),
    "INV-RENAL": RuleEntry(
        "Every output from valid input with renal impairment and cyanocobalamin carries"
        " RENAL_PREFER_HYDROXOCOBALAMIN.",
        _NONE,
    ),
    "INV-FOLATE": RuleEntry(
        "Every output from valid input with folic acid started before B12 carries the critical"
        " FOLATE_BEFORE_B12.",
        _NONE,
    ),
    "INV-NEURO-WARNING": RuleEntry(
        "Every output from valid input with neurological involvement carries the critical"
        " NEURO_SEEK_URGENT_SPECIALIST_ADVICE.",
        _NONE,
    ),
    "INV-CITATIONS": RuleEntry(
        "Every output element cites at least one ID, and only IDs in this catalogue, with the"
        " source references of the R- rules it cites.",
        _NONE,
    ),
    "INV-DETERMINISTIC": RuleEntry("The same input gives an equal output.", _NONE),
    "INV-LIFELONG": RuleEntry(
        "Every plan has a lifelong maintenance phase with no end; no output ends therapy.", _NONE
    ),
    "INV-INTERVAL-MAX": RuleEntry(
        "Every maintenance due and overdue-after interval is between 1 and 3 months.", _NONE
    ),
    "INV-INTERVAL-MONTHLY": RuleEntry(
        "The maintenance interval is 1 month whenever the ileal or Crohn's rule applies.", _NONE
    ),
    "INV-LOAD-STANDARD": RuleEntry(
        "Standard loading is exactly six injections on days 0, 2, 4, 7, 9 and 11, whatever the"
        " horizon.",
        _NONE,
    ),
    "INV-LOAD-NEURO": RuleEntry(
        "Neurological or unknown involvement gives open-ended alternate-day loading with a review"
        " date, and maintenance with interval and start rule but no first due date.",
        _NONE,
    ),
    "INV-PLATELET-GUIDANCE": RuleEntry(
        "Platelets <= 50 or not given always give the 25-27G needle and 5-10 minutes of pressure.",
        _NONE,
    ),
    "INV-NO-HOME-BELOW-25": RuleEntry("No home plan when platelets are below 25.", _NONE),
    "INV-DATES-ORDERED": RuleEntry(
        "Dated injections and lab checks strictly increase, never two on a day, never before the"
        " start.",
        _NONE,
    ),
    "INV-MONTH-CLAMP": RuleEntry(
        "Adding months gives the same day of the target month, clamped to its end.", _NONE
    ),
    "INV-HORIZON": RuleEntry(
        "No repeated date lies after the horizon; the always-listed dates are always listed.",
        _NONE,
    ),
    "INV-TOTAL-PLAN": RuleEntry(
        "Every plan request gives exactly one of: validation error, REFER, supervised plan, home"
        " plan, by D-OUTCOME precedence.",
        _NONE,
    ),
    "INV-TOTAL-CHECK": RuleEntry(
        "Every regimen check gives a validation error or findings, never REFER.", _NONE
    ),
    "INV-TOTAL-COURSE": RuleEntry(
        "Every course assessment gives a validation error or an assessment, never REFER and never"
        " an end to therapy: it always has a next due date and a forward schedule.",
        _NONE,
    ),
    "INV-VALIDATION": RuleEntry(
        "A validation error names every offending field, each once, and carries no clinical"
        " content; no other exception escapes the kernel.",
        _NONE,
    ),
    "INV-FINDINGS": RuleEntry(
        "Each code appears at most once in an output, with its fixed severity, in the documented"
        " order.",
        _NONE,
    ),
    "INV-REFER": RuleEntry(
        "A REFER carries only the D-OUTCOME safety warnings (and an uncounted Crohn's length), its"
        " reasons in D-OUTCOME order, and is urgent exactly with neurological involvement PRESENT"
        " or UNKNOWN, platelets below 25, or Leber's disease or tobacco amblyopia.",
        _NONE,
    ),
    "INV-COURSE-OUTCOME": RuleEntry(
        "A course's outcome is REVIEW exactly when clinician review is required; never CONTINUE"
        " beside a critical suspension.",
        _NONE,
    ),
    "INV-WORDING": RuleEntry(
        "No text of any output contains a machine code or a file path, and no rule ID is cut.",
        _NONE,
    ),
    "INV-CHECK-FORMULATION": RuleEntry(
        "A check's renal warning holds exactly when the judged formulation (the proposed one if"
        " given) is cyanocobalamin and renal impairment holds.",
        _NONE,
    ),
    "INV-SCHEDULE": RuleEntry(
        "A course's forward schedule strictly increases, never has two doses on one day, starts at"
        " the next due date, chains maintenance by the interval in force, and reaches the horizon.",
        _NONE,
    ),
    "INV-REFER-PLATELETS": RuleEntry(
        "A REFER for platelets below 25 is urgent and carries the same-day advice warning.",
        _NONE,
    ),
}

RULE_ORDER: Final[dict[str, int]] = {rule_id: index for index, rule_id in enumerate(RULES)}


@functools.cache
def order_rule_ids(rule_ids: tuple[str, ...]) -> tuple[str, ...]:
    """Return the distinct ``rule_ids`` in catalogue order (P5)."""
    return tuple(sorted(set(rule_ids), key=RULE_ORDER.__getitem__))


@functools.cache
def collect_source_references(rule_ids: tuple[str, ...]) -> tuple[str, ...]:
    """Return the source reference numbers of ``rule_ids``: the distinct references of the cited
    R- rules in ascending order, or ("none",) where none of them has one (P4)."""
    references: set[str] = set()
    for rule_id in rule_ids:
        references.update(
            reference for reference in RULES[rule_id].source_references if reference != NO_REFERENCE
        )
    if not references:
        return _NONE
    return tuple(sorted(references))
