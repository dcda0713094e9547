"""Exact citations (P4, INV-CITATIONS): which IDs each output element cites.

Every element cites at least one ID, only IDs of the catalogue, each once, in catalogue order,
with exactly the source references of the R- rules it cites. Beyond that, each element has a
*required* set (the IDs the decision text names for it) and an *allowed* set (the IDs that
produced it, P4); it must cite every required ID and nothing outside the allowed set. Where the
text fixes the list ("each finding cites D-CHECK and the rule named"; RENAL_* from R-RENAL and
D-RENAL), the two sets are equal and the citation is exact. Where it names only the producing
decision, the allowed set adds the R- rules and decisions that the text says the element
rests on (for example R-PLT-PRECAUTION beside D-PLT), never an ID whose condition does not
hold: a hydroxocobalamin judgement never cites R-MAINT-CYANO, and nothing but the renal
warnings (and, with hydroxocobalamin, a plan's guidance) cites R-RENAL or D-RENAL (D-RENAL:
"other outputs carry nothing renal").

D-INTERVAL's "outputs at exactly 20 and 30 cm, and bariatric outputs where a shorter rule wins,
cite D-INTERVAL beside the R- rule" is applied to every element that cites the R- rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from kernel.model import Code, CoursePhase, Finding, Item, ReferReason
from specs.verification.oracle.catalogue import (
    CATALOGUE_ORDER,
    CROHN_MONTHLY_FROM_CM,
    INTERVAL_MAX_MONTHS,
    NO_REFERENCE,
    RESECTION_MONTHLY_FROM_CM,
    SOURCE_RULES,
)
from specs.verification.oracle.facts import Facts

Kind = Literal["plan", "refer", "check", "course"]
Citation = tuple[frozenset[str], frozenset[str]]

#: The decision that gives each REFER reason (D-OUTCOME).
REASON_PRODUCER: dict[ReferReason, str] = {
    ReferReason.OUT_OF_SCOPE_AGE: "D-SCOPE-AGE",
    ReferReason.CONTRAINDICATED: "D-CONTRA",
    ReferReason.SPECIALIST_REGIMEN: "D-CONTRA",
    ReferReason.PLATELETS_BELOW_25_NO_NEURO: "D-PLT",
    ReferReason.NO_INDICATION: "D-PROPHYLAXIS",
    ReferReason.DEFICIENCY_NOT_ESTABLISHED: "D-DEFICIENCY",
    ReferReason.NOT_COVERED: "D-OUTCOME",
}

#: Other IDs a reason may cite beside its producer and D-OUTCOME.
REASON_ALSO: dict[ReferReason, frozenset[str]] = {
    ReferReason.OUT_OF_SCOPE_AGE: frozenset(),
    ReferReason.CONTRAINDICATED: frozenset(),
    ReferReason.SPECIALIST_REGIMEN: frozenset(),
    ReferReason.PLATELETS_BELOW_25_NO_NEURO: frozenset({"D-PLT-SEVERE-REFER", "R-PLT-SEVERE"}),
    ReferReason.NO_INDICATION: frozenset({"D-DEFICIENCY"}),
    ReferReason.DEFICIENCY_NOT_ESTABLISHED: frozenset({"D-PROPHYLAXIS"}),
    ReferReason.NOT_COVERED: frozenset(),
}


@dataclass(frozen=True)
class Context:
    """Where an element was produced: the operation, the facts it read, a check's proposed
    formulation, and a course's phase."""

    kind: Kind
    facts: Facts
    proposed_formulation: bool = False
    phase: CoursePhase | None = None


def expected_references(rule_ids: Iterable[str]) -> tuple[str, ...]:
    """Return the cited R- rules' source references, ascending, or ("none",) (P4)."""
    references = {ref for rule_id in rule_ids for ref in SOURCE_RULES.get(rule_id, ())}
    return tuple(sorted(references)) if references else (NO_REFERENCE,)


def _ids(*groups: Iterable[str]) -> frozenset[str]:
    return frozenset(rule_id for group in groups for rule_id in group)


def indication_rules(facts: Facts) -> frozenset[str]:
    """Return the population rules whose condition holds."""
    return _ids(
        ["R-POP-ILEAL"] if facts.ileal else [],
        ["R-POP-CROHN"] if facts.crohn else [],
        ["R-POP-BARIATRIC"] if facts.bariatric else [],
    )


def loading_rules(facts: Facts) -> frozenset[str]:
    """Return the loading rules of the profile (R-LOAD-STD or R-LOAD-NEURO, and theirs)."""
    if facts.profile_neuro:
        return _ids(["R-LOAD-NEURO", "D-NEURO-OPEN"])
    return _ids(["R-LOAD-STD", "D-LOAD-DAYS", "R-LOAD-ALT", "D-LOAD-ALT"])


def formulation_rule(facts: Facts) -> str:
    """Return the base maintenance rule of the judged formulation."""
    return "R-MAINT-CYANO" if facts.cyano else "R-MAINT-HYDROXO"


def _neuro_rules(facts: Facts) -> frozenset[str]:
    return _ids(
        ["D-NEURO-URGENT", "R-LOAD-NEURO"] if facts.neuro else [],
        ["D-NEURO-UNKNOWN"] if facts.neuro_unknown else [],
        ["D-RECURRENCE", "D-COURSE", "R-MON-SYMPTOMS"] if facts.recurred else [],
    )


def _proposed(ctx: Context) -> frozenset[str]:
    return _ids(["D-CHECK-FORMULATION"] if ctx.proposed_formulation else [])


def finding_citation(code: Code, ctx: Context) -> Citation:  # noqa: C901, PLR0911, PLR0912 - one branch per code
    """Return (required, allowed) for a finding or warning ``code`` produced in ``ctx``."""
    f = ctx.facts
    exact = _exact_citation(code)
    if exact is not None:
        return exact, exact
    if code is Code.NEURO_SEEK_URGENT_SPECIALIST_ADVICE:
        # D-OUTCOME: "NEURO_SEEK_URGENT_SPECIALIST_ADVICE from D-NEURO-URGENT and D-RECURRENCE".
        required = _ids(["D-NEURO-URGENT"], ["D-RECURRENCE"] if f.recurred else [])
        also = _ids(
            _neuro_rules(f),
            ["D-DEFICIENCY"] if Code.NEURO_WITHOUT_CONFIRMED_DEFICIENCY in f.safety else [],
        )
        return required, required | also
    if code is Code.NEURO_WITHOUT_CONFIRMED_DEFICIENCY:
        # "treated as deficiency with neurological involvement ... seek specialist advice".
        return _within(
            {"D-DEFICIENCY"},
            ["R-LOAD-NEURO", "D-NEURO-URGENT"],
            ["D-NEURO-UNKNOWN"] if f.neuro_unknown else [],
        )
    if code is Code.DEFICIENCY_UNCONFIRMED:
        return _within({"D-DEFICIENCY"}, ["D-PROPHYLAXIS"], indication_rules(f))
    if code is Code.TREAT_WITHOUT_DELAY:
        return _within({"D-PLT"}, ["R-PLT-SEVERE", "D-OUTCOME"], _neuro_rules(f))
    if code is Code.PLATELET_TRANSFUSION_CONSIDER:
        producer = "D-PLT" if f.neuro else "D-PLT-SEVERE-REFER"
        return _within({producer}, ["R-PLT-SEVERE", "D-PLT"])
    if code in {Code.THROMBOCYTOPENIA_PRECAUTIONS, Code.PLATELETS_NOT_ASSESSED}:
        return _within({"D-PLT"}, ["R-PLT-PRECAUTION"], ["R-PLT-SEVERE"] if f.supervised else [])
    if code is Code.PLATELETS_SEVERE_SAME_DAY_ADVICE:
        return _within({"D-PLT-SEVERE-REFER"}, ["D-PLT", "R-PLT-SEVERE", "D-OUTCOME"])
    if code in {Code.RENAL_PREFER_HYDROXOCOBALAMIN, Code.RENAL_CARDIOVASCULAR_SIGNAL}:
        return _within({"R-RENAL", "D-RENAL"}, _proposed(ctx))
    if code is Code.LEBER_HYDROXOCOBALAMIN_ALTERNATIVE:
        return _within({"D-CONTRA"}, _proposed(ctx))
    if code is Code.PREGNANCY_REVIEW:
        return _within({"D-PREGNANCY"}, ["D-MONTH"])
    if code is Code.ANTICOAGULANT_PRECAUTIONS:
        return _within({"D-ANTICOAGULANT"}, ["D-PLT", "R-PLT-PRECAUTION"])
    if code in {
        Code.SITE_BUTTOCK_UPPER_OUTER_NEEDLE_ANTERIOR,
        Code.SITE_BUTTOCK_REPLACED,
        Code.SITE_VENTROGLUTEAL_TRAINED,
    }:
        return _within({"D-SITE"}, ["R-SITE-BUTTOCK", "R-SITE-PREFERRED"])
    if code in {Code.MONTHLY_MORE_EFFECTIVE, Code.EXTENDED_NOT_AVAILABLE}:
        also = _ids(
            ["R-MAINT-EXTENDED", "R-MONTHLY-BETTER", "R-MAINT-CYANO", "D-INTERVAL"],
            ["D-CHECK-EXTENDED"] if ctx.kind == "check" else [],
            _proposed(ctx),
        )
        if code is Code.EXTENDED_NOT_AVAILABLE:
            also |= _ids(indication_rules(f) - {"R-POP-BARIATRIC"}, _neuro_rules(f))
        return _within({"D-EXTENDED"}, also)
    if code is Code.EXTENDED_NOT_APPLICABLE:
        return _within({"D-EXTENDED"}, ["R-MAINT-HYDROXO", "R-MAINT-EXTENDED"], _proposed(ctx))
    if code is Code.RESECTION_LENGTH_UNKNOWN:
        return _within({"D-INTERVAL"}, ["R-POP-ILEAL", "D-PROPHYLAXIS", "D-FIELDS"])
    if code in {Code.CROHN_LENGTH_UNKNOWN, Code.CROHN_PROPHYLAXIS_EVIDENCE_WEAK}:
        return _within({"D-INTERVAL"}, ["R-POP-CROHN", "D-DEFICIENCY", "D-FIELDS"])
    if code is Code.CROHN_LENGTH_UNKNOWN_NOT_COUNTED:
        return _within(
            {"D-CROHN-UNKNOWN"}, ["D-INTERVAL", "D-PROPHYLAXIS", "R-POP-CROHN", "D-FIELDS"]
        )
    return _check_or_course_citation(code, ctx)


def _exact_citation(code: Code) -> frozenset[str] | None:
    """Return the citation of the codes whose citations the text fixes exactly."""
    if code is Code.FOLATE_BEFORE_B12:
        return frozenset({"R-FOLATE", "D-FOLATE"})
    if code is Code.NEURO_STATUS_UNCERTAIN:
        return frozenset({"D-NEURO-UNKNOWN"})
    if code is Code.NOT_COVERED:
        return frozenset({"D-OUTCOME"})
    if code is Code.DOSE_BELOW_RECOMMENDED:
        # D-CHECK: "each finding cites D-CHECK and the rule named" (R-DOSE-1000).
        return frozenset({"D-CHECK", "R-DOSE-1000"})
    return None


def _within(required: set[str], *also: Iterable[str]) -> Citation:
    frozen = frozenset(required)
    return frozen, frozen | _ids(*also)


def _check_or_course_citation(code: Code, ctx: Context) -> Citation:  # noqa: C901, PLR0911, PLR0912 - one branch per code
    f = ctx.facts
    reasons = _ids(REASON_PRODUCER[reason] for reason in f.refer_reasons)
    if code is Code.REFER_CONDITION_PRESENT:
        also = _ids(reasons, ["D-OUTCOME"], _proposed(ctx))
        for reason in f.refer_reasons:
            also |= REASON_ALSO[reason]
        return _within({"D-CHECK"}, also)
    if code is Code.SUPERVISION_REQUIRED:
        return _within({"D-CHECK"}, ["D-PLT", "R-PLT-SEVERE", "D-OUTCOME"])
    # D-CHECK: "each finding cites D-CHECK and the rule named" (the IDs it must cite); it may
    # also cite the IDs whose content it states (P4), for example R-DOSE-1000's "IM".
    if code is Code.DOSE_TOO_LOW:
        # open: D-CHECK names no rule for DOSE_TOO_LOW (R-DOSE-1000 is named for the band above).
        return _within({"D-CHECK"}, ["R-DOSE-1000"])
    if code is Code.DOSE_ABOVE_MAXIMUM:
        return _within({"D-CHECK", "R-FORM-1"}, ["R-DOSE-1000"])
    if code is Code.ROUTE_NOT_IM:
        route = ["D-CHECK-ROUTE", "D-FORMULATIONS", "R-DOSE-1000"]
        return _within({"D-CHECK"}, route, _proposed(ctx))
    if code is Code.ROUTE_DEEP_SC_LABELLED:
        labelled = _ids(["D-CHECK", "D-FORMULATIONS", "R-DOSE-1000"], _proposed(ctx))
        anticoagulant = ["D-ANTICOAGULANT"] if f.anticoagulant else []
        return _within({"D-CHECK-ROUTE"}, labelled, anticoagulant)
    if code is Code.ROUTE_ORAL_NOT_COVERED:
        return _within({"D-CHECK-ROUTE"}, ["D-CHECK", "D-FORMULATIONS", "R-DOSE-1000"])
    if code is Code.LIFELONG:
        # D-CHECK: "A stop or end date: critical LIFELONG (R-LIFELONG)"; D-CHECK-ROUTE: "LIFELONG
        # still applies to a stop date".
        return _within({"D-CHECK", "R-LIFELONG"}, ["D-CHECK-ROUTE", "D-LIFELONG"])
    if code is Code.INTERVAL_ABOVE_MAXIMUM:
        # The 3-month maximum is the longest interval of R-MAINT-EXTENDED, R-MAINT-HYDROXO and
        # R-POP-BARIATRIC (D-INTERVAL), which the finding may cite as the bound it applies.
        bound = ["D-INTERVAL", "R-MAINT-EXTENDED", "R-MAINT-HYDROXO", "R-POP-BARIATRIC"]
        return _within({"D-CHECK"}, bound)
    if code is Code.INTERVAL_MONTHLY_RULE:
        named = _ids(["R-POP-ILEAL"] if f.ileal else [], ["R-POP-CROHN"] if f.crohn else [])
        return _within({"D-CHECK", *named}, ["D-INTERVAL"])
    if code is Code.INTERVAL_LONGER_THAN_RECOMMENDED:
        # D-CHECK names R-MAINT-EXTENDED and R-MONTHLY-BETTER; the judged formulation's own
        # rule may be cited beside them, never the other formulation's.
        return _within(
            {"D-CHECK", "R-MAINT-EXTENDED", "R-MONTHLY-BETTER"},
            [formulation_rule(f), "D-INTERVAL"],
            _proposed(ctx),
        )
    if code in {Code.LOADING_TOO_FEW, Code.LOADING_MORE_FREQUENT}:
        return _within({"D-CHECK"}, loading_rules(f))
    if code is Code.LOADING_ALTERNATIVE:
        return _within({"D-CHECK", "R-LOAD-ALT"}, loading_rules(f))
    if code is Code.LOADING_NEURO_MUST_BE_OPEN_ENDED:
        open_ended = ["D-NEURO-OPEN", "D-NEURO-UNKNOWN"] if f.neuro_unknown else ["D-NEURO-OPEN"]
        return _within({"D-CHECK", "R-LOAD-NEURO"}, open_ended)
    if code is Code.TWO_INJECTIONS_ONE_DAY:
        if ctx.kind == "check":
            return _within({"D-CHECK"}, loading_rules(f))
        return _within({"D-COURSE"}, ["D-MISSED", "D-FIELDS"])
    if code is Code.FORMULATION_DIFFERS_FROM_PROFILE:
        return _within({"D-CHECK-FORMULATION"}, ["D-CHECK", "D-FORMULATIONS"])
    if code is Code.NOTHING_PROPOSED:
        return _within({"D-CHECK-EMPTY"}, ["D-CHECK", "D-FIELDS"])
    return _course_citation(code, ctx, reasons)


def _course_citation(code: Code, ctx: Context, reasons: frozenset[str]) -> Citation:  # noqa: C901, PLR0911 - one branch per code
    f = ctx.facts
    review = ["D-COURSE-OUTCOME"]
    if code is Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW:
        also = _ids(reasons, review, ["D-OUTCOME"])
        for reason in f.refer_reasons:
            also |= REASON_ALSO[reason]
        if f.supervised:
            also |= {"D-PLT", "R-PLT-SEVERE"}
        return _within({"D-COURSE"}, also)
    if code is Code.NEURO_RECURRENCE_REVIEW:
        recurrence = ["R-MON-SYMPTOMS", "D-COURSE", "D-INTERVAL", "D-MONTH", formulation_rule(f)]
        return _within({"D-RECURRENCE"}, recurrence, review)
    if code is Code.NEURO_LOADING_DOSES_MISSED:
        return _within({"D-MISSED"}, ["R-LOAD-NEURO", "D-NEURO-OPEN"])
    if code is Code.NEURO_REVIEW_OVERDUE:
        return _within({"D-MISSED"}, ["R-LOAD-NEURO", "D-NEURO-OPEN"], review)
    if code is Code.LIFELONG_CLINICIAN_DECISION:
        return _within({"D-LIFELONG"}, ["R-LIFELONG"])
    if code in {Code.HOMOCYSTEINE_OFF_TARGET, Code.LABS_MAY_BE_STABLE}:
        return _within({"D-LABS"}, ["R-MON-HCY", "R-MON-LABS", "D-MONTH", "D-FIELDS"])
    if code in {Code.MAINTENANCE_LONG_GAP, Code.MAINTENANCE_LONG_GAP_NEURO}:
        also = _ids(["D-MISSED", "D-MONTH", "R-LIFELONG", "D-LIFELONG", "D-INTERVAL"], review)
        if code is Code.MAINTENANCE_LONG_GAP_NEURO:
            also |= _neuro_rules(f) | {"D-COURSE"}
        return _within({"D-MAINT-GAP"}, also)
    if code is Code.LOADING_INTERRUPTED:
        phase_rules = (
            _ids(["R-LOAD-NEURO", "D-NEURO-OPEN"])
            if ctx.phase is CoursePhase.NEUROLOGICAL_LOADING
            else _ids(["R-LOAD-STD", "D-LOAD-DAYS"])
        )
        return _within({"D-LOAD-INTERRUPTED"}, ["D-MISSED"], review, phase_rules)
    message = f"no citation rule for {code.name}"
    raise ValueError(message)


def item_citation(code: Code) -> Citation:
    """Return (required, allowed) for a guidance or monitoring item."""
    table: dict[Code, Citation] = {
        Code.FIRST_DOSE_PROFESSIONAL: _within({"D-EARLY"}),
        Code.EARLY_BASELINE_BLOODS: _within({"D-EARLY"}, ["D-WORDING"]),
        Code.EARLY_POTASSIUM_48H: _within({"D-EARLY"}, ["D-WORDING"]),
        Code.EARLY_RETICULOCYTES_DAY_5_7: _within({"D-EARLY"}, ["D-WORDING"]),
        Code.LABS_B12_HOMOCYSTEINE: _within(
            {"R-MON-LABS", "D-LABS"}, ["R-MON-HCY", "D-MONTH", "D-HORIZON"]
        ),
        Code.WATCH_NEURO_RECURRENCE: _within({"R-MON-SYMPTOMS"}, ["D-RECURRENCE"]),
        Code.PREGNANCY_REVIEW_DATE: _within({"D-PREGNANCY"}, ["D-MONTH", "D-HORIZON"]),
    }
    return table.get(code, (frozenset(), frozenset()))


def boundary_citations(rule_ids: Iterable[str], facts: Facts) -> frozenset[str]:
    """D-INTERVAL: an element citing R-POP-ILEAL at exactly 20 cm, R-POP-CROHN at exactly 30
    cm, or R-POP-BARIATRIC where a shorter rule wins, also cites D-INTERVAL."""
    cited = set(rule_ids)
    boundary = (
        ("R-POP-ILEAL" in cited and facts.resection_cm == RESECTION_MONTHLY_FROM_CM)
        or ("R-POP-CROHN" in cited and facts.crohn_cm == CROHN_MONTHLY_FROM_CM)
        or ("R-POP-BARIATRIC" in cited and facts.bariatric and facts.due < INTERVAL_MAX_MONTHS)
    )
    return frozenset({"D-INTERVAL"}) if boundary else frozenset()


def check_citation(  # noqa: PLR0913 - one element's identity, citations and expectation
    where: str,
    rule_ids: tuple[str, ...],
    references: tuple[str, ...] | None,
    out: list[str],
    *,
    expected: Citation | None = None,
    facts: Facts | None = None,
) -> None:
    """INV-CITATIONS for one element: at least one ID, only catalogue IDs, in catalogue order,
    each once, exactly the source references of its R- rules, every required ID and nothing
    outside the allowed IDs (``expected``), and D-INTERVAL beside a boundary population rule."""
    if not rule_ids:
        out.append(f"INV-CITATIONS: {where} cites no ID")
        return
    unknown = [rule_id for rule_id in rule_ids if rule_id not in CATALOGUE_ORDER]
    if unknown:
        out.append(f"INV-CITATIONS: {where} cites unknown or cut IDs {unknown}")
        return
    ordered = tuple(sorted(set(rule_ids), key=CATALOGUE_ORDER.__getitem__))
    if ordered != rule_ids:
        out.append(f"INV-CITATIONS: {where} cites {rule_ids}, not distinct in catalogue order")
    if references is not None and references != expected_references(rule_ids):
        out.append(
            f"INV-CITATIONS: {where} cites {rule_ids} with references {references},"
            f" expected {expected_references(rule_ids)}"
        )
    if expected is None:
        return
    required, allowed = expected
    if facts is not None:
        boundary = boundary_citations(rule_ids, facts)
        required, allowed = required | boundary, allowed | boundary
    cited = set(rule_ids)
    missing = sorted(required - cited, key=CATALOGUE_ORDER.__getitem__)
    if missing:
        out.append(f"INV-CITATIONS: {where} does not cite {missing} (cites {list(rule_ids)})")
    extra = sorted(cited - allowed, key=CATALOGUE_ORDER.__getitem__)
    if extra:
        out.append(
            f"INV-CITATIONS: {where} cites {extra}, which did not produce it"
            f" (the decisions give {sorted(allowed, key=CATALOGUE_ORDER.__getitem__)})"
        )


def check_finding_citations(findings: Sequence[Finding], ctx: Context, out: list[str]) -> None:
    """Exact citations of every finding (or warning) of an output."""
    for finding in findings:
        check_citation(
            f"{ctx.kind} {finding.code.name}",
            finding.rule_ids,
            finding.source_references,
            out,
            expected=finding_citation(finding.code, ctx),
            facts=ctx.facts,
        )


def check_item_citations(items: Sequence[Item], where: str, facts: Facts, out: list[str]) -> None:
    """Exact citations of every guidance or monitoring item."""
    for item in items:
        expected = item_citation(item.code)
        check_citation(
            f"{where} {item.code.name}",
            item.rule_ids,
            item.source_references,
            out,
            expected=expected if expected[0] else None,
            facts=facts,
        )
