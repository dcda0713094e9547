"""The feedback endpoint (CDS Hooks 2.0 "Feedback"): each item is checked against the
specification and counted by service and outcome. Nothing else is kept or logged: not the card or
suggestion identifiers, and never an override reason's comment, which a clinician may have written
about the patient.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Iterable, Sequence
from typing import Final

from server.cds_hooks.facts import JsonObject, as_object
from server.cds_hooks.jsonbody import BadRequestError

FEEDBACK_OUTCOMES: Final = ("accepted", "overridden")


class FeedbackCounts:
    """How many feedback items each service received, by outcome; nothing else is kept."""

    def __init__(self, service_ids: Iterable[str]) -> None:
        """Start at zero for every service and outcome."""
        self._lock = threading.Lock()
        self._counts = {sid: dict.fromkeys(FEEDBACK_OUTCOMES, 0) for sid in service_ids}

    def add(self, service_id: str, outcomes: Sequence[str]) -> None:
        """Count one feedback request's items."""
        with self._lock:
            for outcome in outcomes:
                self._counts[service_id][outcome] += 1

    def snapshot(self) -> dict[str, dict[str, int]]:
        """Return the counts so far."""
        with self._lock:
            return {sid: dict(counts) for sid, counts in self._counts.items()}


def read_feedback(body: object) -> list[str]:
    """Return the outcome of each feedback item (CDS Hooks 2.0 "Feedback"); raise
    ``BadRequestError`` naming the first item that does not follow the specification."""
    feedback = as_object(body)
    items = feedback.get("feedback") if feedback is not None else None
    if not isinstance(items, list) or not items:
        message = "feedback must be a JSON object with a non-empty feedback array"
        raise BadRequestError(message)
    return [_read_item(raw, f"feedback[{index}]") for index, raw in enumerate(items)]


def _read_item(raw: object, where: str) -> str:
    item = as_object(raw)
    if item is None:
        message = f"{where} must be a JSON object"
        raise BadRequestError(message)
    _required_text(item, "card", where)
    outcome = _required_text(item, "outcome", where)
    if outcome not in FEEDBACK_OUTCOMES:
        message = f"{where}.outcome must be 'accepted' or 'overridden'"
        raise BadRequestError(message)
    if outcome == "accepted":
        accepted = item.get("acceptedSuggestions")
        if not isinstance(accepted, list) or not accepted:
            message = f"{where}.acceptedSuggestions is required with the outcome 'accepted'"
            raise BadRequestError(message)
        for position, suggestion in enumerate(accepted):
            _required_text(
                as_object(suggestion) or {}, "id", f"{where}.acceptedSuggestions[{position}]"
            )
    if "overrideReason" in item and as_object(item["overrideReason"]) is None:
        message = f"{where}.overrideReason must be a JSON object"
        raise BadRequestError(message)
    stamp = _required_text(item, "outcomeTimestamp", where)
    try:
        moment = datetime.datetime.fromisoformat(stamp)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or "T" not in stamp.upper():
        message = f"{where}.outcomeTimestamp must be an RFC 3339 date-time with its offset"
        raise BadRequestError(message)
    return outcome


def _required_text(item: JsonObject, key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        message = f"{where}.{key} is required and must be a non-empty string"
        raise BadRequestError(message)
    return value
