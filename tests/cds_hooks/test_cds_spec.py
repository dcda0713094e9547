"""The CDS Hooks 2.0 checker (``cds_spec``) works: the specification's own examples pass it, the
service's real responses pass it, and a fault planted in a response, in a discovery document or
in the service itself is caught, named by its JSON path."""

from __future__ import annotations

import copy
import socket
from collections.abc import Callable, Iterator
from typing import Final, cast

import cds_harness
import cds_spec
import pytest
from cds_records import SIGN, TODAY, UCUM, Json, default_observations, hook_request, order

from kernel.model import Severity
from server.cds_hooks import cards as service_cards
from server.cds_hooks.app import create_app

pytestmark = pytest.mark.e2e

# The examples of the specification's Discovery and CDS Service Response sections.
SPEC_DISCOVERY: Final[Json] = {
    "services": [
        {
            "hook": "patient-view",
            "title": "Static CDS Service Example",
            "description": "An example of a CDS Service that returns a static set of cards",
            "id": "static-patient-greeter",
            "prefetch": {"patientToGreet": "Patient/{{context.patientId}}"},
        },
        {
            "hook": "order-select",
            "title": "Order Echo CDS Service",
            "description": (
                "An example of a CDS Service that simply echoes the order(s) being placed"
            ),
            "id": "order-echo",
            "prefetch": {
                "patient": "Patient/{{context.patientId}}",
                "medications": "MedicationRequest?patient={{context.patientId}}",
                "user": "PractitionerRole?_id={{userPractitionerRoleId}}",
            },
        },
    ]
}
SPEC_RESPONSE: Final[Json] = {
    "cards": [
        {
            "uuid": "4e0a3a1e-3283-4575-ab82-028d55fe2719",
            "summary": "Example Card",
            "indicator": "info",
            "detail": "This is an example card.",
            "source": {
                "label": "Static CDS Service Example",
                "url": "https://example.com",
                "icon": "https://example.com/img/icon-100px.png",
            },
            "links": [
                {"label": "Github", "url": "https://github.com", "type": "absolute"},
                {
                    "label": "SMART Example App",
                    "url": "https://smart.example.com/launch",
                    "type": "smart",
                    "appContext": '{"session":3456356,"settings":{"module":4235}}',
                },
            ],
        },
        {
            "summary": "Another card",
            "indicator": "warning",
            "source": {"label": "Static CDS Service Example"},
            "overrideReasons": [
                {
                    "code": "reason-code-provided-by-service",
                    "system": "http://example.org/cds-services/fhir/CodeSystem/override-reasons",
                    "display": "Patient refused",
                }
            ],
            "suggestions": [
                {
                    "label": "Remove the inappropriate order",
                    "uuid": "e56e1945-20b3-4393-8503-a1a20fd73152",
                    "actions": [
                        {
                            "type": "delete",
                            "description": "Remove the inappropriate order",
                            "resourceId": "ServiceRequest/procedure-request-1",
                        },
                        {
                            "type": "create",
                            "description": "Create a prescription for Acetaminophen 250 MG",
                            "resource": {"resourceType": "MedicationRequest", "id": "medrx001"},
                        },
                    ],
                }
            ],
            "selectionBehavior": "any",
        },
    ],
    "systemActions": [
        {
            "type": "update",
            "description": "Update the order to record the appropriateness score",
            "resource": {"resourceType": "ServiceRequest", "id": "example-MRI-59879846"},
        }
    ],
}


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    app = create_app(auth=None, today=lambda: TODAY)
    with cds_harness.serve_in_thread(app, sock) as url:
        yield url
    sock.close()


def renal_request() -> Json:
    """An order with two findings, one of them with two suggestions (update of the draft)."""
    low = order(dose={"value": 100, "unit": "mcg", "system": UCUM, "code": "ug"})
    return hook_request(low, observations=default_observations(egfr=40.0))


@pytest.fixture(scope="module")
def real_response(base_url: str) -> Json:
    with cds_harness.http_client(base_url) as http:
        response = http.post(SIGN, json=renal_request())
    assert response.status_code == 200, response.text
    return cast("Json", response.json())


@pytest.fixture(scope="module")
def real_discovery(base_url: str) -> Json:
    with cds_harness.http_client(base_url) as http:
        return cast("Json", http.get("/cds-services").json())


def test_the_specifications_own_examples_pass() -> None:
    assert cds_spec.discovery_problems(SPEC_DISCOVERY) == []
    assert cds_spec.response_problems(SPEC_RESPONSE) == []
    assert cds_spec.response_problems({"cards": []}) == []


def test_the_services_real_responses_pass(real_response: Json, real_discovery: Json) -> None:
    assert cds_spec.response_problems(real_response) == []
    assert cds_spec.discovery_problems(real_discovery) == []
    counts = cds_spec._counts(real_response)  # noqa: SLF001 (the checker's own counter)
    assert counts[0] == 3  # two findings and the facts assumed
    assert counts[1] >= 2  # the recommended regimen, and the switch to hydroxocobalamin
    assert counts[2] == counts[1]  # one action each


def _card(response: Json, index: int) -> Json:
    return cast("list[Json]", response["cards"])[index]


def _with_suggestions(response: Json) -> tuple[int, Json]:
    found = cast("list[Json]", response["cards"])
    index = next(i for i, card in enumerate(found) if card.get("suggestions"))
    return index, found[index]


def _first_action(card: Json) -> Json:
    return cast("list[Json]", cast("list[Json]", card["suggestions"])[0]["actions"])[0]


def _set(path: Callable[[Json], Json], key: str, value: object) -> Callable[[Json], None]:
    def plant(response: Json) -> None:
        path(response)[key] = value

    return plant


def _drop(path: Callable[[Json], Json], key: str) -> Callable[[Json], None]:
    def plant(response: Json) -> None:
        del path(response)[key]

    return plant


def _first(response: Json) -> Json:
    return _card(response, 0)


def _source(response: Json) -> Json:
    return cast("Json", _first(response)["source"])


def _suggested(response: Json) -> Json:
    return _with_suggestions(response)[1]


def _suggestion(response: Json) -> Json:
    return cast("list[Json]", _suggested(response)["suggestions"])[0]


def _action(response: Json) -> Json:
    return _first_action(_suggested(response))


def _duplicate_card_uuid(response: Json) -> None:
    _card(response, 1)["uuid"] = _first(response)["uuid"]


def _duplicate_suggestion_uuid(response: Json) -> None:
    suggestions = cast("list[Json]", _suggested(response)["suggestions"])
    suggestions.append(copy.deepcopy(suggestions[0]))


def _delete_without_resource_id(response: Json) -> None:
    action = _action(response)
    action["type"] = "delete"
    del action["resource"]


def _update_without_id(response: Json) -> None:
    del cast("Json", _action(response)["resource"])["id"]


PLANTED: Final[dict[str, tuple[Callable[[Json], None], str]]] = {
    "a 140-character summary": (_set(_first, "summary", "x" * 140), "must be under 140"),
    "no summary": (_drop(_first, "summary"), ".summary is required"),
    "an empty summary": (_set(_first, "summary", ""), ".summary must be a non-empty string"),
    "indicator 'urgent'": (_set(_first, "indicator", "urgent"), ".indicator must be one of"),
    "no indicator": (_drop(_first, "indicator"), ".indicator must be one of"),
    "no source": (_drop(_first, "source"), "cards[0].source is required"),
    "no source label": (_drop(_source, "label"), "cards[0].source.label is required"),
    "an empty source label": (_set(_source, "label", ""), "source.label must be a non-empty"),
    "a relative source url": (_set(_source, "url", "/rules"), "source.url must be an absolute"),
    "a topic without code": (_set(_source, "topic", {"system": "s"}), "source.topic.code is"),
    "a null uuid": (_set(_first, "uuid", None), "cards[0].uuid must be a non-empty string"),
    "a repeated card uuid": (_duplicate_card_uuid, "cards: the uuid"),
    "suggestions without selectionBehavior": (
        _drop(_suggested, "selectionBehavior"),
        ".selectionBehavior (at-most-one or any) is required with suggestions",
    ),
    "selectionBehavior 'one'": (
        _set(_suggested, "selectionBehavior", "one"),
        ".selectionBehavior (at-most-one or any) is required",
    ),
    "a suggestion without label": (_drop(_suggestion, "label"), "suggestions[0].label is"),
    "a suggestion uuid that is a number": (
        _set(_suggestion, "uuid", 7),
        "suggestions[0].uuid must be a non-empty string",
    ),
    "a repeated suggestion uuid": (_duplicate_suggestion_uuid, "suggestions: the uuid"),
    "isRecommended 'yes'": (_set(_suggestion, "isRecommended", "yes"), "isRecommended must be"),
    "actions that are not an array": (
        _set(_suggestion, "actions", {"type": "update"}),
        "suggestions[0].actions must be an array",
    ),
    "action type 'replace'": (_set(_action, "type", "replace"), "actions[0].type must be one of"),
    "an action without description": (
        _drop(_action, "description"),
        "actions[0].description is required",
    ),
    "an update without resource": (_drop(_action, "resource"), "actions[0].resource (a FHIR"),
    "an update of a resource without id": (_update_without_id, "must carry the id it replaces"),
    "a resource without resourceType": (
        _set(_action, "resource", {"id": "draft-1"}),
        "actions[0].resource must name its resourceType",
    ),
    "a delete without resourceId": (_delete_without_resource_id, "actions[0].resourceId"),
    "no cards": (_drop(lambda response: response, "cards"), "cards is required"),
    "cards that are an object": (_set(lambda r: r, "cards", {}), "cards is required"),
}


@pytest.mark.parametrize("fault", list(PLANTED))
def test_a_fault_planted_in_a_real_response_is_caught(real_response: Json, fault: str) -> None:
    plant, expected = PLANTED[fault]
    broken = copy.deepcopy(real_response)
    plant(broken)
    problems = cds_spec.response_problems(broken)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("key", "text", "expected"),
    [
        ("summary", "Prefer HYDROXO_1000 for renal impairment.", "names a machine code"),
        ("detail", "See server/cds_hooks/cards.py for the rules.", "names a file path"),
    ],
)
@pytest.mark.covers("D-WORDING")
def test_a_machine_code_or_file_path_in_a_card_text_is_caught(
    real_response: Json, key: str, text: str, expected: str
) -> None:
    assert cds_spec.wording_problems(real_response) == []
    broken = copy.deepcopy(real_response)
    _first(broken)[key] = text
    problems = cds_spec.wording_problems(broken)
    assert any(f"cards[0].{key} {expected}" in problem for problem in problems), problems


def _service(document: Json) -> Json:
    return cast("list[Json]", document["services"])[0]


def _prefetch(document: Json) -> Json:
    return cast("Json", _service(document)["prefetch"])


def _repeat_service(document: Json) -> None:
    services = cast("list[Json]", document["services"])
    services.append(copy.deepcopy(services[0]))


DISCOVERY_FAULTS: Final[dict[str, tuple[Callable[[Json], None], str]]] = {
    "no services": (_drop(lambda document: document, "services"), "services is required"),
    "no hook": (_drop(_service, "hook"), "services[0].hook is required"),
    "no description": (_drop(_service, "description"), "services[0].description is required"),
    "no id": (_drop(_service, "id"), "services[0].id is required"),
    "an id with a slash": (_set(_service, "id", "b12/sign"), "one URL path segment"),
    "a repeated id": (_repeat_service, "is not unique"),
    "a template that is not a string": (
        _set(_prefetch, "patient", {"resourceType": "Patient"}),
        "prefetch.patient must be a non-empty string",
    ),
    "a token that is not a context field": (
        _set(_prefetch, "patient", "Patient/{{patientId}}"),
        "{{patientId}} is not a prefetch token",
    ),
    "a context field the hook does not allow as a token": (
        _set(_prefetch, "conditions", "Condition?patient={{context.draftOrders}}"),
        "{{context.draftOrders}} is not a context field",
    ),
    "a template that is not a FHIR query": (
        _set(_prefetch, "conditions", "conditions for {{context.patientId}}"),
        "neither a FHIR read",
    ),
    "an empty prefetch": (_set(_service, "prefetch", {}), "prefetch must be an object"),
}


@pytest.mark.parametrize("fault", list(DISCOVERY_FAULTS))
def test_a_fault_planted_in_the_real_discovery_is_caught(real_discovery: Json, fault: str) -> None:
    plant, expected = DISCOVERY_FAULTS[fault]
    broken = copy.deepcopy(real_discovery)
    plant(broken)
    problems = cds_spec.discovery_problems(broken)
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("plant", "expected"),
    [
        (lambda m: m.setattr(service_cards, "SUMMARY_LIMIT", 300), "must be under 140"),
        (
            lambda m: m.setitem(service_cards.INDICATORS, Severity.WARNING, "high"),
            ".indicator must be one of",
        ),
        (
            lambda m: m.setattr(
                service_cards, "summary_of", lambda text: f"FINDING_CODE: {text[:9]}"
            ),
            "names a machine code",
        ),
    ],
    ids=["a summary limit of 300", "indicator 'high'", "a summary naming a code"],
)
def test_a_fault_planted_in_the_service_is_caught_over_http(
    base_url: str,
    monkeypatch: pytest.MonkeyPatch,
    plant: Callable[[pytest.MonkeyPatch], None],
    expected: str,
) -> None:
    """The recorder that every CDS Hooks test's client carries catches a broken service."""
    recorder = cds_spec.Recorder()
    request = renal_request()
    with cds_harness.http_client(base_url) as http:
        http.event_hooks = cds_spec.event_hooks(recorder)
        assert http.post(SIGN, json=request).status_code == 200
        assert recorder.problems == []  # the service as it is follows the specification
        plant(monkeypatch)
        assert http.post(SIGN, json=request).status_code == 200
    assert recorder.checked["hook response"] == 2
    assert any(expected in problem for problem in recorder.problems), recorder.problems
