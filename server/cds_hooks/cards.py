"""CDS Hooks cards from kernel results: one card per finding, in the kernel's order.

- ``indicator``: the finding's severity (critical, warning, info), unchanged.
- ``summary``: the finding's text when it is under 140 characters, else its first sentence or
  clause (or the text cut at a word, with an ellipsis); the whole text is in ``detail``.
- ``detail`` (Markdown): the text, the rule IDs and the source references, every value read from
  the record with its date and the service's date (D-CDS-DISCLOSE), and the rule-set version.
  No card text names a machine code or a file path (D-WORDING); rule IDs are never cut.
- ``source``: label with the rule IDs, the configured URL if any, and the finding code as
  ``topic``.
- ``suggestions``: for a finding about the proposed regimen (dose, route, stop date, interval,
  loading), the kernel's own plan for the same profile; for RENAL_PREFER_HYDROXOCOBALAMIN, the
  kernel's plan for the same profile with hydroxocobalamin, the alternative that finding names.
  Each is a FHIR MedicationRequest from ``server.export.fhir``, offered as an ``update`` of the
  draft order (or a ``create`` when the draft has no id). No suggestion when the kernel gives no
  plan.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, cast

from kernel.constants import EGFR_RECENT_DAYS, PLATELETS_RECENT_DAYS
from kernel.model import Code, Finding, Formulation, RegimenPlan, Severity
from kernel.rules import RULE_SET_VERSION
from server.export import fhir

JsonObject = dict[str, object]

SUMMARY_LIMIT: Final = 140
CARD_NAMESPACE: Final = uuid.UUID("6f1f3c2e-4a51-5b0e-9d0a-b12d05e0c0de")

INDICATORS: Final = {
    Severity.CRITICAL: "critical",
    Severity.WARNING: "warning",
    Severity.INFO: "info",
}

REGIMEN_CODES: Final = frozenset(
    {
        Code.DOSE_BELOW_RECOMMENDED,
        Code.DOSE_TOO_LOW,
        Code.DOSE_ABOVE_MAXIMUM,
        Code.ROUTE_NOT_IM,
        Code.LIFELONG,
        Code.INTERVAL_ABOVE_MAXIMUM,
        Code.INTERVAL_MONTHLY_RULE,
        Code.INTERVAL_LONGER_THAN_RECOMMENDED,
        Code.LOADING_TOO_FEW,
        Code.LOADING_MORE_FREQUENT,
        Code.LOADING_NEURO_MUST_BE_OPEN_ENDED,
        Code.TWO_INJECTIONS_ONE_DAY,
    }
)
# The formulation a finding names as the alternative.
ALTERNATIVE_FORMULATION: Final = {
    Code.RENAL_PREFER_HYDROXOCOBALAMIN: Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML,
}


@dataclass(frozen=True)
class CardContext:
    """What every card of one order shares."""

    hook_instance: str
    order_key: str  # distinguishes the orders of one request in card UUIDs
    order_label: str
    patient_reference: str
    draft_id: str | None
    draft_intent: str
    source_url: str | None
    today: datetime.date  # the service's date, which the hook is judged at (D-CDS-RECENCY)
    used: tuple[str, ...]  # every value read from the record, with its date


def summary_of(text: str) -> str:
    """Return a summary under 140 characters: the text, its first clause, or a cut."""
    if len(text) < SUMMARY_LIMIT:
        return text
    for mark in (". ", "; ", ": "):
        head = text.split(mark, 1)[0]
        if len(head) < SUMMARY_LIMIT - 1:
            return head + ("." if mark == ". " else "")
    cut = text[: SUMMARY_LIMIT - 2].rsplit(" ", 1)[0]
    return cut + "\u2026"


def _card_uuid(context: CardContext, name: str) -> str:
    return str(uuid.uuid5(CARD_NAMESPACE, f"{context.hook_instance}|{context.order_key}|{name}"))


def _source(
    context: CardContext | None, rule_ids: Sequence[str], topic: str, display: str
) -> JsonObject:
    source: JsonObject = {
        "label": f"B12 dosing rules {RULE_SET_VERSION}: {', '.join(rule_ids)}",
        "topic": {"system": fhir.CODE_SYSTEM, "code": topic, "display": display},
    }
    if context is not None and context.source_url is not None:
        source["url"] = context.source_url
    return source


def _footer(context: CardContext) -> str:
    lines = [f"\n\nOrder: {context.order_label}."]
    lines.append(
        f"\n\nValues used (checked on {context.today.isoformat()}):\n\n"
        + "\n".join(f"- {value}" for value in context.used)
        if context.used
        else f"\n\nNo value was read from the record (checked on {context.today.isoformat()})."
    )
    lines.append(
        "\n\nFacts the record lacked, or held too old or in an unreadable form, are listed on"
        " the card of assumed facts."
    )
    lines.append(f"\n\nRule set {RULE_SET_VERSION}. Decision support for clinicians.")
    return "".join(lines)


def _suggestion(context: CardContext, label: str, plan: RegimenPlan, name: str) -> JsonObject:
    resource = fhir.medication_request(
        plan,
        intent=fhir.INTENT_BY_NAME.get(context.draft_intent, "proposal"),
        status="draft",
        subject=context.patient_reference,
    )
    action: JsonObject
    if context.draft_id is not None:
        resource = {"resourceType": "MedicationRequest", "id": context.draft_id, **resource}
        action = {"type": "update", "description": label, "resource": resource}
    else:
        action = {"type": "create", "description": label, "resource": resource}
    return {
        "label": label,
        "uuid": _card_uuid(context, f"suggestion|{name}"),
        "isRecommended": True,
        "actions": [action],
    }


def finding_card(
    finding: Finding,
    context: CardContext,
    plans: dict[Formulation | None, RegimenPlan | None],
    formulation: Formulation,
) -> JsonObject:
    """Return the card of one kernel finding (``plans`` holds the kernel's plan for the order's
    profile, keyed None, and for each alternative formulation a finding names)."""
    code = finding.code.name
    card: JsonObject = {
        "uuid": _card_uuid(context, code),
        "summary": summary_of(finding.text),
        "indicator": INDICATORS[finding.severity],
        "detail": (
            f"**{finding.severity.name.capitalize()}.** {finding.text}\n\n"
            f"Rules: {', '.join(finding.rule_ids)}. Source references:"
            f" {', '.join(finding.source_references)}." + _footer(context)
        ),
        "source": _source(context, finding.rule_ids, code, summary_of(finding.text)),
    }
    suggestions: list[JsonObject] = []
    own = plans.get(None)
    if finding.code in REGIMEN_CODES and own is not None:
        suggestions.append(_suggestion(context, "Use the recommended regimen", own, code))
    alternative = ALTERNATIVE_FORMULATION.get(finding.code)
    if alternative is not None and alternative is not formulation:
        other = plans.get(alternative)
        if other is not None:
            name = "hydroxocobalamin 1000 mcg/mL"
            suggestions.append(_suggestion(context, f"Switch to {name}", other, code))
    if suggestions:
        card["suggestions"] = suggestions
        card["selectionBehavior"] = "at-most-one"
    return card


def missing_facts_card(missing: Sequence[str], context: CardContext) -> JsonObject:
    """Return the card saying the order was not checked, and which facts are needed."""
    count = len(missing)
    facts = "fact" if count == 1 else "facts"
    return {
        "uuid": _card_uuid(context, "missing"),
        "summary": summary_of(f"B12 order not checked: {count} required {facts} missing"),
        "indicator": "warning",
        "detail": (
            "The dosing rules need these facts, and the record does not give them (no value is"
            " assumed):\n\n" + "\n".join(f"- {fact}" for fact in missing) + _footer(context)
        ),
        "source": _source(
            context, ("D-FIELDS", "D-INVALID"), "MISSING_FACTS", "Required facts missing"
        ),
    }


def invalid_card(violations: Sequence[str], context: CardContext) -> JsonObject:
    """Return the card for an order the kernel finds invalid (for example its formulation)."""
    return {
        "uuid": _card_uuid(context, "invalid"),
        "summary": summary_of("B12 order not checked: " + "; ".join(violations)),
        "indicator": "warning",
        "detail": (
            "The dosing rules cannot check this order:\n\n"
            + "\n".join(f"- {violation}" for violation in violations)
            + "\n\nSupported: cyanocobalamin 1000 mcg/mL (RxNorm 309594) and hydroxocobalamin"
            " 1000 mcg/mL (RxNorm 317106), intramuscular." + _footer(context)
        ),
        "source": _source(
            context, ("D-INVALID", "D-FORMULATIONS"), "INVALID_INPUT", "Order not checkable"
        ),
    }


def assumed_facts_card(
    assumed: Sequence[str], hook_instance: str, today: datetime.date, source_url: str | None
) -> JsonObject:
    """Return the one info card of a response listing every fact taken as "no" or "not given"
    (D-CDS-DISCLOSE)."""
    count = len(assumed)
    card: JsonObject = {
        "uuid": str(uuid.uuid5(CARD_NAMESPACE, f"{hook_instance}|assumed")),
        "summary": summary_of(
            f"{count} fact{'s' if count != 1 else ''} assumed: not in the record, too old or"
            " unreadable"
        ),
        "indicator": "info",
        "detail": (
            f'Checked on {today.isoformat()}. The check took these facts as "no" or "not'
            ' given", because the record lacked them, held them too old (a platelet count counts'
            f" for {PLATELETS_RECENT_DAYS} days, an eGFR for {EGFR_RECENT_DAYS} days) or held them"
            " in a form this service cannot read."
            " Record them to have them checked:\n\n"
            + "\n".join(f"- {fact}" for fact in assumed)
            + f"\n\nRule set {RULE_SET_VERSION}. Decision support for clinicians."
        ),
        "source": _source(
            None,
            ("D-CDS-DISCLOSE", "D-CDS-RECENCY", "D-CDS-READ"),
            "ASSUMED_FACTS",
            "Facts assumed",
        ),
    }
    if source_url is not None:
        cast("JsonObject", card["source"])["url"] = source_url
    return card
