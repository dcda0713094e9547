"""The CDS Hooks 2.0 service (server/cds_hooks), tested over real HTTP: uvicorn serves the app on a
free port of 127.0.0.1 in a thread, httpx calls it; one test runs ``python -m server.cds_hooks``.
"""

from __future__ import annotations

import copy
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final, cast

import cds_harness
import cds_spec
import cds_tokens
import httpx
import pytest
import uvicorn
from cds_records import (
    SELECT,
    SIGN,
    TODAY,
    UCUM,
    Json,
    condition,
    default_observations,
    hook_request,
    observation,
    order,
    quantity,
)
from fhir.resources.R4B.medicationrequest import MedicationRequest

from server.cds_hooks.app import create_app
from server.cds_hooks.auth import AuthSettings, TrustedIssuer
from server.cds_hooks.limits import DEFAULT_LIMITS
from server.cds_hooks.serving import uvicorn_config

EHR_ORIGIN: Final = "https://ehr.example"


# ---------------------------------------------------------------------------------------------
# A real server.
# ---------------------------------------------------------------------------------------------


KEYS: Final = cds_tokens.EhrKeys()


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    jwks = KEYS.write_jwks(tmp_path_factory.mktemp("jwks") / "ehr.json")
    auth = AuthSettings(
        service_url=f"http://127.0.0.1:{port}",
        issuers=(TrustedIssuer(cds_tokens.ISSUER, jwks_file=jwks),),
    )
    app = create_app(auth=auth, today=lambda: TODAY, cors_origins=[EHR_ORIGIN])
    config = uvicorn_config(app, host="127.0.0.1", port=port, limits=DEFAULT_LIMITS)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture(scope="module")
def client(base_url: str) -> Iterator[httpx.Client]:
    with cds_harness.http_client(base_url, auth=cds_tokens.SignedCalls(KEYS, base_url)) as http:
        yield http


# ---------------------------------------------------------------------------------------------
# Requests.
# ---------------------------------------------------------------------------------------------


def cards_of(client: httpx.Client, request: Json, path: str = SIGN) -> list[Json]:
    response = client.post(path, json=request)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"cards"}
    found = cast("list[Json]", body["cards"])
    for card in found:
        check_card_shape(card)
    return found


def check_card_shape(card: Json) -> None:
    """CDS Hooks 2.0 card constraints."""
    assert isinstance(card["summary"], str)
    assert 0 < len(card["summary"]) < 140
    assert card["indicator"] in {"info", "warning", "critical"}
    source = cast("Json", card["source"])
    assert isinstance(source["label"], str)
    assert source["label"]
    assert isinstance(card["detail"], str)
    for text in (card["summary"], card["detail"], source["label"]):
        assert not MACHINE_CODE.search(str(text)), text  # D-WORDING
        assert not FILE_PATH.search(str(text)), text
    suggestions = cast("list[Json]", card.get("suggestions", []))
    if suggestions:
        assert card["selectionBehavior"] == "at-most-one"
    for suggestion in suggestions:
        for action in cast("list[Json]", suggestion["actions"]):
            assert action["type"] in {"create", "update"}
            MedicationRequest.model_validate(action["resource"])


MACHINE_CODE: Final = cds_spec.MACHINE_CODE
FILE_PATH: Final = cds_spec.FILE_PATH


def findings(found: list[Json]) -> dict[str, Json]:
    """The cards by topic, without the response's one card of assumed facts (checked here)."""
    assumed = [card for card in found if _topic(card) == "ASSUMED_FACTS"]
    assert len(assumed) <= 1
    if found:
        assert assumed == [found[-1]], "the card of assumed facts comes last, once"
    return {_topic(card): card for card in found if _topic(card) != "ASSUMED_FACTS"}


def assumed_card(found: list[Json]) -> Json:
    (card,) = [card for card in found if _topic(card) == "ASSUMED_FACTS"]
    assert card["indicator"] == "info"
    return card


def _topic(card: Json) -> str:
    return str(cast("Json", cast("Json", card["source"])["topic"])["code"])


def by_code(found: list[Json]) -> dict[str, Json]:
    return findings(found)


def suggested(card: Json) -> list[Json]:
    return [
        cast("Json", action["resource"])
        for suggestion in cast("list[Json]", card.get("suggestions", []))
        for action in cast("list[Json]", suggestion["actions"])
    ]


def rxnorm_of(resource: Json) -> str:
    concept = cast("Json", resource["medicationCodeableConcept"])
    return str(cast("list[Json]", concept["coding"])[0]["code"])


# ---------------------------------------------------------------------------------------------
# Discovery.
# ---------------------------------------------------------------------------------------------


def test_discovery_lists_both_order_hooks_with_prefetch(client: httpx.Client) -> None:
    response = client.get("/cds-services")
    assert response.status_code == 200
    services = cast("list[Json]", response.json()["services"])
    assert {(s["id"], s["hook"]) for s in services} == {
        ("b12-dosing-order-select", "order-select"),
        ("b12-dosing-order-sign", "order-sign"),
    }
    for service in services:
        prefetch = cast("Json", service["prefetch"])
        assert set(prefetch) == {
            "patient",
            "observations",
            "conditions",
            "allergies",
            "medicationRequests",
            "medicationStatements",
            "procedures",
        }
        assert "{{context.patientId}}" in str(prefetch["observations"])
        for code in ("777-3", "26515-7", "98979-8", "33914-3", "62238-1"):
            assert f"http://loinc.org|{code}" in str(prefetch["observations"])
        assert service["title"]
        assert service["description"]


# ---------------------------------------------------------------------------------------------
# The two cases the issue requires.
# ---------------------------------------------------------------------------------------------


@pytest.mark.covers("R-RENAL", "D-RENAL", "INV-RENAL")
def test_cyanocobalamin_with_egfr_40_gives_a_renal_warning_card(client: httpx.Client) -> None:
    found = cards_of(client, hook_request(observations=default_observations(egfr=40.0)))
    cards = by_code(found)
    assert set(cards) == {"RENAL_PREFER_HYDROXOCOBALAMIN"}
    card = cards["RENAL_PREFER_HYDROXOCOBALAMIN"]
    assert card["indicator"] == "warning"
    assert "R-RENAL" in str(cast("Json", card["source"])["label"])
    assert "hydroxocobalamin" in str(card["summary"]).lower()
    # The suggestion is the kernel's plan for the same patient with hydroxocobalamin, replacing
    # the draft.
    (resource,) = suggested(card)
    assert rxnorm_of(resource) == "317106"
    assert resource["id"] == "draft-1"
    assert resource["subject"] == {"reference": "Patient/p1"}
    (suggestion,) = cast("list[Json]", card["suggestions"])
    assert cast("list[Json]", suggestion["actions"])[0]["type"] == "update"


@pytest.mark.covers("R-DOSE-1000", "D-CHECK")
def test_100_mcg_monthly_gives_the_dose_finding_card(client: httpx.Client) -> None:
    request = hook_request(order(dose={"value": 100, "unit": "mcg", "system": UCUM, "code": "ug"}))
    cards = by_code(cards_of(client, request))
    assert set(cards) == {"DOSE_BELOW_RECOMMENDED"}
    card = cards["DOSE_BELOW_RECOMMENDED"]
    assert card["indicator"] == "warning"
    label = str(cast("Json", card["source"])["label"])
    assert "R-DOSE-1000" in label
    assert "D-CHECK" in label
    (resource,) = suggested(card)
    assert rxnorm_of(resource) == "309594"
    for dosage in cast("list[Json]", resource["dosageInstruction"]):
        doses = [d["doseQuantity"] for d in cast("list[Json]", dosage["doseAndRate"])]
        assert {"value": 1000, "unit": "mcg", "system": UCUM, "code": "ug"} in doses


# ---------------------------------------------------------------------------------------------
# Reading the order and the record.
# ---------------------------------------------------------------------------------------------


def test_an_order_that_follows_the_rules_gives_no_card(client: httpx.Client) -> None:
    assert by_code(cards_of(client, hook_request())) == {}


def test_dose_in_millilitres_is_read_at_1000_mcg_per_ml(client: httpx.Client) -> None:
    request = hook_request(order(dose={"value": 0.5, "unit": "mL", "system": UCUM, "code": "mL"}))
    assert set(by_code(cards_of(client, request))) == {"DOSE_BELOW_RECOMMENDED"}


@pytest.mark.covers("R-LIFELONG", "D-CHECK")
def test_a_stop_date_is_a_critical_lifelong_card(client: httpx.Client) -> None:
    repeat: Json = {
        "frequency": 1,
        "period": 1,
        "periodUnit": "mo",
        "boundsPeriod": {"start": "2025-06-02", "end": "2025-12-02"},
    }
    cards = by_code(cards_of(client, hook_request(order(repeat=repeat))))
    assert cards["LIFELONG"]["indicator"] == "critical"
    assert suggested(cards["LIFELONG"])


@pytest.mark.covers("R-MAINT-EXTENDED", "R-MONTHLY-BETTER", "D-CHECK")
def test_every_2_to_3_months_cyanocobalamin_is_read_at_its_longest_interval(
    client: httpx.Client,
) -> None:
    repeat: Json = {"frequency": 1, "period": 2, "periodMax": 3, "periodUnit": "mo"}
    cards = by_code(cards_of(client, hook_request(order(repeat=repeat))))
    assert set(cards) == {"INTERVAL_LONGER_THAN_RECOMMENDED"}


@pytest.mark.parametrize(
    ("weeks", "codes"),
    [
        (4, set()),  # 0.92 months: not longer than monthly
        (5, {"INTERVAL_LONGER_THAN_RECOMMENDED"}),  # 1.15 months
        (14, {"INTERVAL_ABOVE_MAXIMUM"}),  # 3.22 months
    ],
)
def test_a_maintenance_interval_in_weeks_is_read_in_months(
    client: httpx.Client, weeks: int, codes: set[str]
) -> None:
    repeat: Json = {"frequency": 1, "period": weeks, "periodUnit": "wk"}
    assert set(by_code(cards_of(client, hook_request(order(repeat=repeat))))) == codes


@pytest.mark.covers("D-CDS-DISCLOSE")
def test_a_bounded_weekly_bridge_before_monthly_is_not_a_stop(client: httpx.Client) -> None:
    weekly: Json = {
        "sequence": 1,
        "timing": {
            "repeat": {
                "frequency": 1,
                "period": 1,
                "periodUnit": "wk",
                "boundsPeriod": {"start": "2025-06-02", "end": "2025-06-23"},
            }
        },
    }
    request = order(extra_dosages=[weekly])
    cast("list[Json]", request["dosageInstruction"])[0]["sequence"] = 2
    found = cards_of(client, hook_request(request))
    assert by_code(found) == {}  # no LIFELONG: the monthly phase has no end
    assert "intermediate phase" in str(assumed_card(found)["detail"])


@pytest.mark.covers("R-LOAD-STD", "D-LOAD-DAYS", "D-CHECK")
def test_loading_dates_are_read_from_timing_events(client: httpx.Client) -> None:
    standard = ["2025-06-02", "2025-06-04", "2025-06-06", "2025-06-09", "2025-06-11", "2025-06-13"]
    loading: Json = {
        "timing": {
            "event": standard,
            "repeat": {"frequency": 3, "period": 1, "periodUnit": "wk"},
        },
        "doseAndRate": [{"doseQuantity": {"value": 1, "system": UCUM, "code": "mg"}}],
    }
    assert by_code(cards_of(client, hook_request(order(extra_dosages=[loading])))) == {}
    loading["timing"] = {
        "event": standard[:3],
        "repeat": {"frequency": 3, "period": 1, "periodUnit": "wk"},
    }
    cards = by_code(cards_of(client, hook_request(order(extra_dosages=[loading]))))
    assert set(cards) == {"LOADING_TOO_FEW"}


@pytest.mark.covers("D-NEURO-URGENT", "INV-NEURO-WARNING")
def test_neurological_involvement_from_an_icd10_condition_is_critical(
    client: httpx.Client,
) -> None:
    observations = [o for o in default_observations() if "neurological" not in str(o["code"])]
    request = hook_request(observations=observations, conditions=[condition("G32.0")])
    cards = by_code(cards_of(client, request))
    assert cards["NEURO_SEEK_URGENT_SPECIALIST_ADVICE"]["indicator"] == "critical"
    assert not suggested(cards["NEURO_SEEK_URGENT_SPECIALIST_ADVICE"])


@pytest.mark.covers("D-RENAL", "D-CDS-READ", "D-CDS-RECENCY")
def test_renal_impairment_from_a_ckd_condition(client: httpx.Client) -> None:
    request = hook_request(conditions=[condition("N18.4")])
    assert set(by_code(cards_of(client, request))) == {"RENAL_PREFER_HYDROXOCOBALAMIN"}
    refuted = hook_request(conditions=[condition("N18.4", "refuted")])
    assert by_code(cards_of(client, refuted)) == {}


@pytest.mark.covers("D-FIELDS")
def test_a_missing_required_fact_gives_one_card_naming_it(client: httpx.Client) -> None:
    observations = [o for o in default_observations() if "neurological" not in str(o["code"])]
    found = cards_of(client, hook_request(observations=observations))
    (card,) = by_code(found).values()
    assert card["indicator"] == "warning"
    assert "not checked" in str(card["summary"])
    assert "neurological involvement" in str(card["detail"])
    assert "G32.0" in str(card["detail"])
    assert "suggestions" not in card


@pytest.mark.covers("D-CDS-READ", "D-FIELDS")
def test_an_imprecise_birth_date_is_not_rounded_into_an_age(client: httpx.Client) -> None:
    # Born some day in 1970: on 2 June 2025 that is 54 or 55 years.
    found = by_code(cards_of(client, hook_request(birth_date="1970")))
    assert set(found) == {"MISSING_FACTS"}
    assert "imprecise" in str(found["MISSING_FACTS"]["detail"])
    # Born some day in January 1970: 55 whichever day.
    assert by_code(cards_of(client, hook_request(birth_date="1970-01"))) == {}


@pytest.mark.covers("D-CDS-DISCLOSE")
def test_a_bound_instead_of_a_value_is_not_read_and_says_so(client: httpx.Client) -> None:
    observations = default_observations()
    observations[0] = observation("98979-8", quantity(15, "mL/min/{1.73_m2}", comparator="<"))
    found = cards_of(client, hook_request(observations=observations))
    assert by_code(found) == {}
    assert "<15" in str(assumed_card(found)["detail"])


@pytest.mark.covers("D-PLT", "D-CDS-READ")
def test_platelets_in_an_unsupported_unit_are_not_read(client: httpx.Client) -> None:
    observations = default_observations()
    observations[1] = observation("777-3", quantity(250000, "/uL"))
    cards = by_code(cards_of(client, hook_request(observations=observations)))
    # Platelets not given: the kernel's own warning, plus the note of what was not read.
    assert set(cards) == {"PLATELETS_NOT_ASSESSED"}


def test_an_unsupported_b12_product_is_reported_not_checked(client: httpx.Client) -> None:
    request = hook_request(order(rxnorm="000000", text="Methylcobalamin 500 mcg/mL injection"))
    found = by_code(cards_of(client, request))
    assert set(found) == {"INVALID_INPUT"}
    assert "formulation: unsupported formulation" in str(found["INVALID_INPUT"]["detail"])


def test_orders_that_are_not_b12_are_ignored(client: httpx.Client) -> None:
    other = order(rxnorm="197361", text="Amlodipine 5 mg oral tablet")
    assert cards_of(client, hook_request(other)) == []  # no B12 order: nothing to say


def test_order_select_reads_only_the_selected_orders(client: httpx.Client) -> None:
    low = order(dose={"value": 100, "unit": "mcg", "system": UCUM, "code": "ug"})
    selected = hook_request(low, hook="order-select")
    assert set(by_code(cards_of(client, selected, SELECT))) == {"DOSE_BELOW_RECOMMENDED"}
    unselected = hook_request(low, hook="order-select", selections=["MedicationRequest/other"])
    assert cards_of(client, unselected, SELECT) == []  # no B12 order selected


def test_card_uuids_are_unique_and_stable(client: httpx.Client) -> None:
    request = hook_request(
        order(dose={"value": 100, "unit": "mcg", "system": UCUM, "code": "ug"}),
        observations=default_observations(egfr=40.0),
    )
    first = [card["uuid"] for card in cards_of(client, request)]
    assert len(first) == len(set(first)) == 3  # two findings and the assumed facts
    assert [card["uuid"] for card in cards_of(client, request)] == first


def test_feedback_is_checked_and_counted_and_its_content_never_logged(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    comment = "Patient Jane Roe 1931-07-19 declined"
    accepted: Json = {
        "card": "card-1",
        "outcome": "accepted",
        "acceptedSuggestions": [{"id": "suggestion-1"}],
        "outcomeTimestamp": "2025-06-02T10:00:00Z",
    }
    overridden: Json = {
        "card": "card-2",
        "outcome": "overridden",
        "overrideReason": {"userComment": comment},
        "outcomeTimestamp": "2025-06-02T10:00:01.52+01:00",
    }
    before = client.get("/stats").json()["feedback"]["b12-dosing-order-sign"]
    with caplog.at_level(logging.INFO, logger="b12_dosing.cds_hooks"):
        response = client.post(f"{SIGN}/feedback", json={"feedback": [accepted, overridden]})
    assert response.status_code == 200
    assert response.json() == {}
    after = client.get("/stats").json()["feedback"]["b12-dosing-order-sign"]
    assert after == {"accepted": before["accepted"] + 1, "overridden": before["overridden"] + 1}
    assert "accepted=1 overridden=1" in caplog.text
    for secret in (comment, "card-1", "suggestion-1"):
        assert secret not in caplog.text


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"outcome": "overridden", "outcomeTimestamp": "2025-06-02T10:00:00Z"}, "card"),
        (
            {"card": "c", "outcome": "ignored", "outcomeTimestamp": "2025-06-02T10:00:00Z"},
            "outcome",
        ),
        (
            {"card": "c", "outcome": "accepted", "outcomeTimestamp": "2025-06-02T10:00:00Z"},
            "acceptedSuggestions",
        ),
        ({"card": "c", "outcome": "overridden", "outcomeTimestamp": "2025-06-02"}, "RFC 3339"),
        (
            {"card": "c", "outcome": "overridden", "outcomeTimestamp": "2025-06-02T10:00:00"},
            "RFC 3339",
        ),
        ({"card": "c", "outcome": "overridden"}, "outcomeTimestamp"),
        (
            {
                "card": "c",
                "outcome": "overridden",
                "overrideReason": "x",
                "outcomeTimestamp": "2025-06-02T10:00:00Z",
            },
            "overrideReason",
        ),
    ],
)
def test_feedback_that_does_not_follow_the_specification_is_400(
    client: httpx.Client, item: Json, reason: str
) -> None:
    response = client.post(f"{SIGN}/feedback", json={"feedback": [item]})
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert client.post(f"{SIGN}/feedback", json={}).status_code == 400


def test_cors_allows_the_configured_origin_only(client: httpx.Client) -> None:
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    allowed = client.options(SIGN, headers={"Origin": EHR_ORIGIN, **preflight})
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == EHR_ORIGIN
    other = client.options(SIGN, headers={"Origin": "https://elsewhere.example", **preflight})
    assert other.status_code == 400
    assert "access-control-allow-origin" not in other.headers


# ---------------------------------------------------------------------------------------------
# Malformed requests.
# ---------------------------------------------------------------------------------------------


def _broken(change: str) -> Json:
    request = copy.deepcopy(hook_request())
    context = cast("Json", request["context"])
    if change == "hook":
        request["hook"] = "patient-view"
    elif change == "hookInstance":
        del request["hookInstance"]
    elif change == "context":
        request["context"] = []
    elif change == "patientId":
        del context["patientId"]
    elif change == "draftOrders":
        context["draftOrders"] = {"resourceType": "MedicationRequest"}
    elif change == "prefetch":
        request["prefetch"] = ["not", "an", "object"]
    return request


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("hook", "answers the hook 'order-sign' only"),
        ("hookInstance", "hookInstance is required"),
        ("context", "context is required and must be a JSON object"),
        ("patientId", "context.patientId is required"),
        ("draftOrders", "context.draftOrders must be a FHIR Bundle"),
        ("prefetch", "prefetch must be a JSON object"),
    ],
)
def test_malformed_requests_are_400_with_a_clear_message(
    client: httpx.Client, change: str, message: str
) -> None:
    response = client.post(SIGN, json=_broken(change))
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_invalid_json_and_non_objects_are_400(client: httpx.Client) -> None:
    response = client.post(SIGN, content=b'{"hook": ', headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["error"]
    response = client.post(SIGN, json=[1, 2])
    assert response.status_code == 400
    assert "must be a JSON object" in response.json()["error"]


def test_order_select_requires_selections(client: httpx.Client) -> None:
    request = hook_request(hook="order-select")
    del cast("Json", request["context"])["selections"]
    response = client.post(SELECT, json=request)
    assert response.status_code == 400
    assert "context.selections" in response.json()["error"]


def test_unknown_service_is_404_and_oversized_body_413(client: httpx.Client) -> None:
    assert client.post("/cds-services/nope", json=hook_request()).status_code == 404
    response = client.post(SIGN, content=b" " * (1024 * 1024 + 1))
    assert response.status_code == 413


# ---------------------------------------------------------------------------------------------
# The module entry point.
# ---------------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_python_m_server_cds_hooks_serves_discovery() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(  # noqa: S603 (our own module, fixed arguments)
        [
            sys.executable,
            "-m",
            "server.cds_hooks",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--insecure-no-auth",
        ],
        cwd=root,
        env={**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{root / 'clients' / 'python'}"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with cds_harness.http_client(timeout=2) as http:
                    response = http.get(f"http://127.0.0.1:{port}/cds-services")
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the service did not start"
                time.sleep(0.1)
        assert response.status_code == 200
        assert len(response.json()["services"]) == 2
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()
