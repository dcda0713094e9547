"""A checker of the CDS Hooks 2.0 specification's required fields, written from the
specification's own tables (Discovery; CDS Service Response: Card, Source, Suggestion, Action,
Link, Coding), not from the service's code, and a recorder that runs it over every response the
CDS Hooks tests receive (with, beside it, the product's rule that no text a clinician reads names
a machine code or a file path, D-WORDING).

Each ``*_problems`` function returns the problems it finds, one sentence each, naming the JSON
path (``cards[1].suggestions[0].actions[0].type``); an empty list means the object follows the
specification as far as these checks reach:

- discovery: an object with a ``services`` array; each service has ``hook``, ``description`` and
  ``id`` (non-empty strings; ``id`` unique and a single URL path segment), ``title`` and
  ``usageRequirements`` strings where given, and ``prefetch`` an object of prefetch templates:
  each a FHIR read (``Type/{{token}}``) or search (``Type?...``) whose prefetch tokens are the
  hook's root-level context fields that the hook allows as tokens (``{{context.patientId}}``) or
  one of the user tokens (``{{userPractitionerId}}``, ...);
- a hook response: an object with a ``cards`` array (and ``systemActions``, where given, an array
  of actions); each card has ``summary`` (a non-empty string under 140 characters),
  ``indicator`` (``info``, ``warning`` or ``critical``) and ``source`` with a non-empty ``label``
  (``url`` and ``icon`` absolute URLs, ``topic`` a Coding, where given); ``uuid`` a string unique
  in the response and ``detail`` a string, where given; ``suggestions`` with ``selectionBehavior``
  (``at-most-one`` or ``any``); ``overrideReasons`` Codings each with a ``display``; ``links``
  with ``label``, ``url`` and ``type`` (``absolute`` or ``smart``, ``appContext`` only for
  ``smart``);
- a suggestion: a non-empty ``label``, ``uuid`` a non-empty string unique in its card where
  given, ``isRecommended`` a boolean where given, ``actions`` an array of actions where given;
- an action: ``type`` ``create``, ``update`` or ``delete``; a non-empty ``description``; for
  ``create`` and ``update`` a FHIR ``resource`` (an object with a ``resourceType``; for
  ``update`` with the ``id`` of the resource it replaces); for ``delete`` a ``resourceId`` that
  is a relative reference (``Type/id``).

A JSON ``null`` is never a value of these fields (the specification omits an optional field that
has no value).
"""

from __future__ import annotations

import collections
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

import httpx

SUMMARY_LIMIT: Final = 140  # "One-sentence, <140-character summary message"
INDICATORS: Final = frozenset({"info", "warning", "critical"})
SELECTION_BEHAVIORS: Final = frozenset({"at-most-one", "any"})
ACTION_TYPES: Final = frozenset({"create", "update", "delete"})
LINK_TYPES: Final = frozenset({"absolute", "smart"})
USER_TOKENS: Final = frozenset(
    {"userPractitionerId", "userPractitionerRoleId", "userPatientId", "userRelatedPersonId"}
)
# The context fields each hook allows as prefetch tokens (its "Prefetch Token: Yes" rows).
HOOK_TOKENS: Final[Mapping[str, frozenset[str]]] = {
    "patient-view": frozenset({"userId", "patientId", "encounterId"}),
    "order-select": frozenset({"userId", "patientId", "encounterId"}),
    "order-sign": frozenset({"userId", "patientId", "encounterId"}),
}
_TOKEN: Final = re.compile(r"\{\{(.*?)\}\}")
_RESOURCE_TYPE: Final = r"[A-Z][A-Za-z]+"
_READ: Final = re.compile(rf"{_RESOURCE_TYPE}/[^/?\s]+")
_SEARCH: Final = re.compile(rf"{_RESOURCE_TYPE}(\?\S*)?")
_REFERENCE: Final = re.compile(rf"{_RESOURCE_TYPE}/[A-Za-z0-9\-.]{{1,64}}")
_ABSOLUTE_URL: Final = re.compile(r"https?://[^\s/]+\S*")

Json = dict[str, object]


def _object(value: object) -> Json | None:
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return value
    return None


def _required_text(node: Json, key: str, where: str, problems: list[str]) -> str | None:
    value = node.get(key)
    if key not in node:
        problems.append(f"{where}.{key} is required")
    elif not isinstance(value, str) or not value:
        problems.append(f"{where}.{key} must be a non-empty string")
    else:
        return value
    return None


def _optional_text(node: Json, key: str, where: str, problems: list[str]) -> str | None:
    if key not in node:
        return None
    value = node[key]
    if not isinstance(value, str) or not value:
        problems.append(f"{where}.{key} must be a non-empty string where given")
        return None
    return value


def _optional_array(node: Json, key: str, where: str, problems: list[str]) -> list[object]:
    if key not in node:
        return []
    value = node[key]
    if not isinstance(value, list):
        problems.append(f"{where}.{key} must be an array where given")
        return []
    return value


def _objects(items: Sequence[object], where: str, problems: list[str]) -> list[tuple[str, Json]]:
    found: list[tuple[str, Json]] = []
    for index, item in enumerate(items):
        node = _object(item)
        if node is None:
            problems.append(f"{where}[{index}] must be an object")
        else:
            found.append((f"{where}[{index}]", node))
    return found


def _listed(value: object, where: str) -> list[tuple[str, Json]]:
    """Return the objects of a JSON array with their paths (nothing for anything else)."""
    if not isinstance(value, list):
        return []
    return [
        (f"{where}[{index}]", node)
        for index, item in enumerate(value)
        if (node := _object(item)) is not None
    ]


# ---------------------------------------------------------------------------------------------
# Discovery.
# ---------------------------------------------------------------------------------------------


def prefetch_template_problems(hook: str, template: object, where: str) -> list[str]:
    """Return the problems of one prefetch template of a service of ``hook``."""
    if not isinstance(template, str) or not template:
        return [f"{where} must be a non-empty string (a FHIR read or search)"]
    problems: list[str] = []
    allowed = HOOK_TOKENS.get(hook)
    for token in _TOKEN.findall(template):
        if token in USER_TOKENS:
            continue
        name = token.removeprefix("context.")
        if name == token:
            problems.append(f"{where}: {{{{{token}}}}} is not a prefetch token")
        elif allowed is None:
            problems.append(f"{where}: the context fields of hook {hook!r} are not known here")
        elif name not in allowed:
            problems.append(
                f"{where}: {{{{{token}}}}} is not a context field hook {hook!r} allows as a token"
            )
    query = _TOKEN.sub("token", template)
    if not (_READ.fullmatch(query) or _SEARCH.fullmatch(query)):
        problems.append(f"{where} is neither a FHIR read (Type/id) nor a search (Type?...)")
    return problems


def discovery_problems(document: object) -> list[str]:
    """Return the problems of a discovery response."""
    node = _object(document)
    if node is None:
        return ["the discovery response must be a JSON object"]
    services = node.get("services")
    if not isinstance(services, list):
        return ["services is required and must be an array"]
    problems: list[str] = []
    ids: list[str] = []
    for where, service in _objects(services, "services", problems):
        hook = _required_text(service, "hook", where, problems)
        _required_text(service, "description", where, problems)
        identifier = _required_text(service, "id", where, problems)
        if identifier is not None:
            ids.append(identifier)
            if "/" in identifier or "?" in identifier or identifier.strip() != identifier:
                problems.append(f"{where}.id must be one URL path segment")
        _optional_text(service, "title", where, problems)
        _optional_text(service, "usageRequirements", where, problems)
        if "prefetch" in service:
            prefetch = _object(service["prefetch"])
            if prefetch is None or not prefetch:
                problems.append(f"{where}.prefetch must be an object of prefetch templates")
            else:
                for key, template in prefetch.items():
                    problems += prefetch_template_problems(
                        hook or "", template, f"{where}.prefetch.{key}"
                    )
    repeated = sorted(item for item, count in collections.Counter(ids).items() if count > 1)
    problems += [f"services: the id {item!r} is not unique" for item in repeated]
    return problems


# ---------------------------------------------------------------------------------------------
# Cards, suggestions and actions.
# ---------------------------------------------------------------------------------------------


def coding_problems(value: object, where: str, *, display: bool = False) -> list[str]:
    """Return the problems of a CDS Hooks Coding (``display`` required where asked)."""
    node = _object(value)
    if node is None:
        return [f"{where} must be a Coding object"]
    problems: list[str] = []
    _required_text(node, "code", where, problems)
    _optional_text(node, "system", where, problems)
    if display:
        _required_text(node, "display", where, problems)
    else:
        _optional_text(node, "display", where, problems)
    return problems


def action_problems(value: object, where: str) -> list[str]:
    """Return the problems of one action (of a suggestion, or a system action)."""
    node = _object(value)
    if node is None:
        return [f"{where} must be an object"]
    problems: list[str] = []
    kind = node.get("type")
    if kind not in ACTION_TYPES:
        problems.append(f"{where}.type must be one of create, update, delete (not {kind!r})")
    _required_text(node, "description", where, problems)
    if kind in {"create", "update"}:
        resource = _object(node.get("resource"))
        if resource is None:
            problems.append(f"{where}.resource (a FHIR resource) is required for a {kind}")
        elif not isinstance(resource.get("resourceType"), str) or not resource["resourceType"]:
            problems.append(f"{where}.resource must name its resourceType")
        elif kind == "update" and not resource.get("id"):
            problems.append(f"{where}.resource of an update must carry the id it replaces")
    if kind == "delete":
        reference = node.get("resourceId")
        if not isinstance(reference, str) or not _REFERENCE.fullmatch(reference):
            problems.append(f"{where}.resourceId (a relative reference Type/id) is required")
    return problems


def suggestion_problems(value: object, where: str) -> list[str]:
    """Return the problems of one suggestion."""
    node = _object(value)
    if node is None:
        return [f"{where} must be an object"]
    problems: list[str] = []
    _required_text(node, "label", where, problems)
    _optional_text(node, "uuid", where, problems)
    if "isRecommended" in node and not isinstance(node["isRecommended"], bool):
        problems.append(f"{where}.isRecommended must be a boolean where given")
    for index, action in enumerate(_optional_array(node, "actions", where, problems)):
        problems += action_problems(action, f"{where}.actions[{index}]")
    return problems


def _source_problems(value: object, where: str) -> list[str]:
    node = _object(value)
    if node is None:
        return [f"{where} is required and must be an object"]
    problems: list[str] = []
    _required_text(node, "label", where, problems)
    for key in ("url", "icon"):
        url = _optional_text(node, key, where, problems)
        if url is not None and not _ABSOLUTE_URL.fullmatch(url):
            problems.append(f"{where}.{key} must be an absolute URL")
    if "topic" in node:
        problems += coding_problems(node["topic"], f"{where}.topic")
    return problems


def _link_problems(value: object, where: str) -> list[str]:
    node = _object(value)
    if node is None:
        return [f"{where} must be an object"]
    problems: list[str] = []
    _required_text(node, "label", where, problems)
    _required_text(node, "url", where, problems)
    kind = node.get("type")
    if kind not in LINK_TYPES:
        problems.append(f"{where}.type must be absolute or smart (not {kind!r})")
    if "appContext" in node and kind != "smart":
        problems.append(f"{where}.appContext is valid only for a smart link")
    return problems


def card_problems(value: object, where: str) -> list[str]:
    """Return the problems of one card."""
    node = _object(value)
    if node is None:
        return [f"{where} must be an object"]
    problems: list[str] = []
    summary = _required_text(node, "summary", where, problems)
    if summary is not None and len(summary) >= SUMMARY_LIMIT:
        problems.append(f"{where}.summary has {len(summary)} characters: it must be under 140")
    indicator = node.get("indicator")
    if indicator not in INDICATORS:
        problems.append(
            f"{where}.indicator must be one of info, warning, critical (not {indicator!r})"
        )
    problems += _source_problems(node.get("source"), f"{where}.source")
    _optional_text(node, "uuid", where, problems)
    if "detail" in node and not isinstance(node["detail"], str):
        problems.append(f"{where}.detail must be a (Markdown) string where given")
    suggestions = _optional_array(node, "suggestions", where, problems)
    uuids = [
        suggestion["uuid"]
        for suggestion in suggestions
        if isinstance(suggestion, dict) and isinstance(suggestion.get("uuid"), str)
    ]
    repeated = sorted(item for item, count in collections.Counter(uuids).items() if count > 1)
    problems += [f"{where}.suggestions: the uuid {item!r} is not unique" for item in repeated]
    for index, suggestion in enumerate(suggestions):
        problems += suggestion_problems(suggestion, f"{where}.suggestions[{index}]")
    if "suggestions" in node and node.get("selectionBehavior") not in SELECTION_BEHAVIORS:
        problems.append(
            f"{where}.selectionBehavior (at-most-one or any) is required with suggestions"
        )
    elif "selectionBehavior" in node and node["selectionBehavior"] not in SELECTION_BEHAVIORS:
        problems.append(f"{where}.selectionBehavior must be at-most-one or any")
    for index, reason in enumerate(_optional_array(node, "overrideReasons", where, problems)):
        problems += coding_problems(reason, f"{where}.overrideReasons[{index}]", display=True)
    for index, link in enumerate(_optional_array(node, "links", where, problems)):
        problems += _link_problems(link, f"{where}.links[{index}]")
    return problems


def response_problems(body: object) -> list[str]:
    """Return the problems of a hook response (``{"cards": [...]}``)."""
    node = _object(body)
    if node is None:
        return ["the hook response must be a JSON object"]
    cards = node.get("cards")
    if not isinstance(cards, list):
        return ["cards is required and must be an array"]
    problems: list[str] = []
    for index, card in enumerate(cards):
        problems += card_problems(card, f"cards[{index}]")
    uuids = [card["uuid"] for card in cards if isinstance(card, dict) and "uuid" in card]
    repeated = sorted(
        str(item) for item, count in collections.Counter(map(str, uuids)).items() if count > 1
    )
    problems += [f"cards: the uuid {item!r} is not unique" for item in repeated]
    for index, action in enumerate(_optional_array(node, "systemActions", "response", problems)):
        problems += action_problems(action, f"systemActions[{index}]")
    return problems


# ---------------------------------------------------------------------------------------------
# Beside the specification, the product's own rule for what a clinician reads (D-WORDING).
# ---------------------------------------------------------------------------------------------

MACHINE_CODE: Final = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")
FILE_PATH: Final = re.compile(r"\b[\w-]+/[\w./-]+\.(py|md|yaml|json)\b")


def wording_problems(body: object) -> list[str]:
    """Return the texts of a hook response a clinician reads (summary, detail, source label and
    topic display, suggestion labels, action descriptions) that name a machine code or a file
    path (D-WORDING; a card's ``source.topic.code`` is the one place a code belongs)."""
    texts: list[tuple[str, object]] = []
    for where, card in _listed((_object(body) or {}).get("cards"), "cards"):
        source = _object(card.get("source")) or {}
        topic = _object(source.get("topic")) or {}
        texts += [(f"{where}.{key}", card.get(key)) for key in ("summary", "detail")]
        texts += [(f"{where}.source.label", source.get("label"))]
        texts += [(f"{where}.source.topic.display", topic.get("display"))]
        for place, suggestion in _listed(card.get("suggestions"), f"{where}.suggestions"):
            texts.append((f"{place}.label", suggestion.get("label")))
            texts += [
                (f"{spot}.description", action.get("description"))
                for spot, action in _listed(suggestion.get("actions"), f"{place}.actions")
            ]
    problems: list[str] = []
    for where, text in texts:
        if not isinstance(text, str):
            continue
        for pattern, what in ((MACHINE_CODE, "a machine code"), (FILE_PATH, "a file path")):
            found = pattern.search(text)
            if found:
                problems.append(f"{where} names {what} ({found.group()!r}) (D-WORDING)")
    return problems


# ---------------------------------------------------------------------------------------------
# Every response the tests receive.
# ---------------------------------------------------------------------------------------------


def _counts(body: object) -> tuple[int, int, int]:
    """Return how many cards, suggestions and actions a hook response holds."""
    cards = (_object(body) or {}).get("cards")
    found = [card for card in cards if isinstance(card, dict)] if isinstance(cards, list) else []
    suggestions = [
        item
        for card in found
        if isinstance(card.get("suggestions"), list)
        for item in card["suggestions"]
        if isinstance(item, dict)
    ]
    actions = sum(len(s["actions"]) for s in suggestions if isinstance(s.get("actions"), list))
    return len(found), len(suggestions), actions


_DISCOVERY_PATH: Final = re.compile(r".*/cds-services/?")
_SERVICE_PATH: Final = re.compile(r".*/cds-services/[^/]+")


@dataclass
class Recorder:
    """Runs the checker over responses, counts them and keeps the problems found (thread-safe:
    a well-behaved client in a thread reports here too)."""

    checked: collections.Counter[str] = field(default_factory=collections.Counter)
    cards: int = 0
    suggestions: int = 0
    actions: int = 0
    problems: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, kind: str, where: str, body: object) -> list[str]:
        """Check ``body``, a discovery document or a hook response, and record the result."""
        found = (
            discovery_problems(body)
            if kind == "discovery"
            else response_problems(body) + wording_problems(body)
        )
        cards, suggestions, actions = _counts(body) if kind == "hook response" else (0, 0, 0)
        with self._lock:
            self.checked[kind] += 1
            self.cards += cards
            self.suggestions += suggestions
            self.actions += actions
            self.problems.extend(f"{where}: {problem}" for problem in found)
        return found

    def check_http(self, response: httpx.Response) -> None:
        """An httpx response hook: check every 200 answer to discovery or to a hook call."""
        request = response.request
        path = request.url.path
        if response.status_code != 200:
            return
        if request.method == "GET" and _DISCOVERY_PATH.fullmatch(path):
            kind = "discovery"
        elif request.method == "POST" and _SERVICE_PATH.fullmatch(path):
            kind = "hook response"
        else:
            return
        response.read()
        try:
            body: object = response.json()
        except ValueError:
            body = None
        self.check(kind, f"{request.method} {path}", body)

    def summary(self) -> str:
        """One line for the test run's output."""
        with self._lock:
            return (
                f"{self.checked['discovery']} discovery responses and"
                f" {self.checked['hook response']} hook responses checked ({self.cards} cards,"
                f" {self.suggestions} suggestions, {self.actions} actions):"
                f" {len(self.problems)} problems"
            )


RECORDER: Final = Recorder()


def event_hooks(recorder: Recorder = RECORDER) -> dict[str, list[Callable[[httpx.Response], None]]]:
    """Return the httpx ``event_hooks`` that check every response with ``recorder``."""
    return {"response": [recorder.check_http]}
