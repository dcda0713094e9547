"""Reading the whole record (D-CDS-READ, D-CDS-RECENCY, D-CDS-DISCLOSE, D-CDS-PREFETCH) over real
HTTP with real signed tokens; the EHR's FHIR server, where one is used, is a local fake on
127.0.0.1 that checks the bearer token it was given."""

from __future__ import annotations

import ast
import dataclasses
import datetime
import inspect
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final, cast

import cds_harness
import cds_tokens
import httpx
import pytest
from cds_records import (
    ICD10_CM,
    LOINC,
    RXNORM,
    SIGN,
    SNOMED,
    TODAY,
    UCUM,
    Json,
    assessment,
    bundle,
    condition,
    hook_request,
    observation,
    order,
    quantity,
)

from kernel.constants import EGFR_RECENT_DAYS, PLATELETS_RECENT_DAYS
from kernel.model import PatientProfile
from server.cds_hooks import app as cds_app
from server.cds_hooks.app import create_app
from server.cds_hooks.auth import AuthSettings, TrustedIssuer
from server.cds_hooks.limits import DEFAULT_LIMITS

pytestmark = pytest.mark.e2e

KEYS: Final = cds_tokens.EhrKeys()
FHIR_TOKEN: Final = "opaque-fhir-token-5d1e"  # noqa: S105 (a test value, not a credential)
ALLERGY_CLINICAL: Final = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical"


# ---------------------------------------------------------------------------------------------
# The service and a fake EHR FHIR server.
# ---------------------------------------------------------------------------------------------


@dataclass
class FakeFhir:
    """A FHIR server on 127.0.0.1: answers each search by resource type, records the calls."""

    resources: dict[str, object] = field(default_factory=dict)
    status: int = 200
    delay_seconds: float = 0.0
    calls: list[tuple[str, str]] = field(default_factory=list)
    base_url: str = ""


@pytest.fixture(scope="module")
def fake_fhir() -> Iterator[FakeFhir]:
    state = FakeFhir()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            state.calls.append((self.path, self.headers.get("authorization", "")))
            time.sleep(state.delay_seconds)
            kind = self.path.split("/")[-1].split("?")[0] if "?" in self.path else "Patient"
            body = json.dumps(state.resources.get(kind, bundle())).encode()
            try:
                self.send_response(state.status)
                self.send_header("content-type", "application/fhir+json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the service gave up on a slow answer, as the time-out test wants

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}/fhir"
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    jwks = KEYS.write_jwks(tmp_path_factory.mktemp("jwks") / "ehr.json")
    limits = dataclasses.replace(DEFAULT_LIMITS, fhir_read_seconds=0.5, fhir_total_seconds=1.0)
    with cds_harness.listening_socket() as sock:
        auth = AuthSettings(
            service_url=cds_harness.url_of(sock),
            issuers=(TrustedIssuer(cds_tokens.ISSUER, jwks_file=jwks),),
        )
        app = create_app(auth=auth, today=lambda: TODAY, limits=limits)
        with (
            cds_harness.serve_in_thread(app, sock) as base_url,
            cds_harness.http_client(base_url, auth=cds_tokens.SignedCalls(KEYS, base_url)) as http,
        ):
            yield http


def call(client: httpx.Client, request: Json) -> list[Json]:
    response = client.post(SIGN, json=request)
    assert response.status_code == 200, response.text
    return cast("list[Json]", response.json()["cards"])


def by_topic(found: list[Json]) -> dict[str, Json]:
    return {str(cast("Json", cast("Json", c["source"])["topic"])["code"]): c for c in found}


# ---------------------------------------------------------------------------------------------
# The record of the issue: anaphylaxis to cyanocobalamin, K50.0, platelets from 2015.
# ---------------------------------------------------------------------------------------------


def allergy(substance: str, code: str | None = None, status: str = "active") -> Json:
    concept: Json = {"text": substance}
    if code is not None:
        concept["coding"] = [{"system": RXNORM, "code": code, "display": substance}]
    return {
        "resourceType": "AllergyIntolerance",
        "clinicalStatus": {"coding": [{"system": ALLERGY_CLINICAL, "code": status}]},
        "criticality": "high",
        "code": concept,
        "reaction": [{"manifestation": [{"text": "Anaphylaxis"}]}],
        "recordedDate": "2019-04-02",
    }


def dated(resource: Json, day: str) -> Json:
    return {**resource, "effectiveDateTime": day}


THREE_MONTHLY: Final[Json] = {"frequency": 1, "period": 3, "periodUnit": "mo"}


def issue_record(*, allergic: bool, fresh_labs: bool) -> Json:
    platelets_day = "2025-05-28" if fresh_labs else "2015-03-10"
    observations = [
        dated(observation("777-3", quantity(210, "10*3/uL")), platelets_day),
        dated(observation("98979-8", quantity(85, "mL/min/{1.73_m2}")), "2025-05-28"),
        assessment("deficiency-status", "confirmed"),
        assessment("neurological-involvement", "absent"),
    ]
    return hook_request(
        order(repeat=THREE_MONTHLY),
        observations=observations,
        conditions=[condition("K50.0")],
        allergies=[allergy("Cyanocobalamin", "11248")] if allergic else [],
    )


@pytest.mark.covers("D-CONTRA", "R-POP-CROHN", "D-PLT", "D-CDS-READ", "D-CDS-RECENCY")
def test_the_issue_record_gives_refer_monthly_rule_and_the_old_count_set_aside(
    client: httpx.Client,
) -> None:
    found = call(client, issue_record(allergic=True, fresh_labs=False))
    cards = by_topic(found)
    refer = cards["REFER_CONDITION_PRESENT"]
    assert refer["indicator"] == "critical"
    assert "contraindicated" in str(refer["summary"]).lower() + str(refer["detail"]).lower()
    assert "hypersensitivity to cobalt or vitamin B12: yes (Anaphylaxis, criticality high)" in str(
        refer["detail"]
    )
    monthly = cards["INTERVAL_MONTHLY_RULE"]
    assert monthly["indicator"] == "critical"
    assert "Crohn's disease with ileal involvement: yes, length not recorded" in str(
        monthly["detail"]
    )
    assert cards["PLATELETS_NOT_ASSESSED"]["indicator"] == "warning"
    assumed = cards["ASSUMED_FACTS"]
    assert found[-1] is not None
    assert by_topic(found[-1:]) == {"ASSUMED_FACTS": assumed}
    assert "210 10*3/uL on 2015-03-10, is older than 30 days" in str(assumed["detail"])
    assert "platelets: taken as not given" in str(assumed["detail"])


@pytest.mark.covers("D-CDS-DISCLOSE", "D-CDS-RECENCY")
def test_the_same_record_without_the_allergy_and_with_fresh_labs_names_values_and_dates(
    client: httpx.Client,
) -> None:
    cards = by_topic(call(client, issue_record(allergic=False, fresh_labs=True)))
    assert "REFER_CONDITION_PRESENT" not in cards
    assert "PLATELETS_NOT_ASSESSED" not in cards
    monthly = cards["INTERVAL_MONTHLY_RULE"]
    detail = str(monthly["detail"])
    assert "Values used (checked on 2025-06-02)" in detail
    assert "platelets: 210 x10^9/L on 2025-05-28" in detail
    assert "eGFR: 85 mL/min/1.73 m2 on 2025-05-28" in detail
    assert "age: 55 years" in detail
    assert "deficiency status: confirmed on 2025-05-20" in detail
    assert "hypersensitivity" in str(cards["ASSUMED_FACTS"]["detail"])


@pytest.mark.covers("D-FIELDS", "D-CDS-DISCLOSE")
def test_an_empty_record_is_never_an_empty_answer(client: httpx.Client) -> None:
    request = hook_request(observations=[], birth_date=None)
    request["prefetch"] = dict.fromkeys(cast("Json", request["prefetch"]))  # every key null
    cards = by_topic(call(client, request))
    assert set(cards) == {"MISSING_FACTS", "ASSUMED_FACTS"}
    missing = str(cards["MISSING_FACTS"]["detail"])
    for fact in ("age", "deficiency status", "neurological involvement"):
        assert fact in missing
    assumed = str(cards["ASSUMED_FACTS"]["detail"])
    for fact in (
        "platelets",
        "eGFR",
        "renal impairment",
        "diabetic nephropathy",
        "hypersensitivity to cobalt or vitamin B12",
        "Leber's disease or tobacco amblyopia",
        "ileal resection",
        "Crohn's disease with ileal involvement",
        "bariatric surgery",
        "folic acid started before B12",
        "pregnancy",
        "anticoagulant therapy",
    ):
        assert f"- {fact}: taken as" in assumed, fact


@dataclass(frozen=True)
class Lab:
    """A laboratory result of D-CDS-RECENCY, its window and how the cards show it."""

    code: str
    value: float
    unit: str
    window_days: int
    shown: str


@pytest.mark.parametrize(
    "lab",
    [
        Lab("777-3", 20, "10*3/uL", PLATELETS_RECENT_DAYS, "platelets: 20 x10^9/L"),
        Lab("98979-8", 40, "mL/min/{1.73_m2}", EGFR_RECENT_DAYS, "eGFR: 40 mL/min/1.73 m2"),
    ],
)
@pytest.mark.covers("D-CDS-RECENCY")
def test_a_result_counts_on_the_last_day_of_its_window_and_not_the_day_after(
    client: httpx.Client, lab: Lab
) -> None:
    assert (PLATELETS_RECENT_DAYS, EGFR_RECENT_DAYS) == (30, 365)  # the record's windows
    oldest = TODAY - datetime.timedelta(days=lab.window_days - 1)

    def record_on(day: datetime.date) -> Json:
        fresh = {
            "777-3": dated(observation("777-3", quantity(210, "10*3/uL")), "2025-05-28"),
            "98979-8": dated(
                observation("98979-8", quantity(85, "mL/min/{1.73_m2}")), "2025-05-28"
            ),
        }
        fresh[lab.code] = dated(
            observation(lab.code, quantity(lab.value, lab.unit)), day.isoformat()
        )
        observations = [
            *fresh.values(),
            assessment("deficiency-status", "confirmed"),
            assessment("neurological-involvement", "absent"),
        ]
        return hook_request(observations=observations)

    counted = json.dumps(call(client, record_on(oldest)))
    assert f"{lab.shown} on {oldest.isoformat()}" in counted
    older = oldest - datetime.timedelta(days=1)
    detail = str(by_topic(call(client, record_on(older)))["ASSUMED_FACTS"]["detail"])
    assert f"on {older.isoformat()}, is older than {lab.window_days} days" in detail
    assert f"only results from {oldest.isoformat()} count" in detail


# ---------------------------------------------------------------------------------------------
# Other facts of D-CDS-READ.
# ---------------------------------------------------------------------------------------------


def _fresh(*orders: Json, extra_observations: tuple[Json, ...] = (), **parts: object) -> Json:
    observations = [
        dated(observation("777-3", quantity(210, "10*3/uL")), "2025-05-28"),
        dated(observation("98979-8", quantity(85, "mL/min/{1.73_m2}")), "2025-05-28"),
        assessment("deficiency-status", "confirmed"),
        assessment("neurological-involvement", "absent"),
        *extra_observations,
    ]
    return hook_request(*orders, observations=observations, **parts)  # type: ignore[arg-type]


@pytest.mark.covers("D-CDS-READ", "D-FOLATE")
def test_folic_acid_ordered_before_the_b12_order_is_critical(client: httpx.Client) -> None:
    folic: Json = {
        "resourceType": "MedicationRequest",
        "status": "active",
        "intent": "order",
        "authoredOn": "2025-04-01",
        "medicationCodeableConcept": {"text": "Folic acid 5 mg tablets"},
    }
    cards = by_topic(call(client, _fresh(medications=[folic])))
    assert cards["FOLATE_BEFORE_B12"]["indicator"] == "critical"
    assert "folic acid started before B12: yes on 2025-04-01" in str(
        cards["FOLATE_BEFORE_B12"]["detail"]
    )
    later = {**folic, "authoredOn": "2025-07-01"}
    assert "FOLATE_BEFORE_B12" not in by_topic(call(client, _fresh(medications=[later])))


@pytest.mark.covers("D-CDS-RECENCY", "D-CONTRA")
def test_a_refuted_or_inactive_allergy_does_not_count(client: httpx.Client) -> None:
    inactive = allergy("Vitamin B12", status="inactive")
    assert "REFER_CONDITION_PRESENT" not in by_topic(call(client, _fresh(allergies=[inactive])))
    named = allergy("Hydroxocobalamin")
    assert "REFER_CONDITION_PRESENT" in by_topic(call(client, _fresh(allergies=[named])))


@pytest.mark.covers("D-CDS-READ", "R-POP-ILEAL")
def test_an_ileal_resection_with_its_recorded_length(client: httpx.Client) -> None:
    resection: Json = {
        "resourceType": "Procedure",
        "status": "completed",
        "code": {"coding": [{"system": SNOMED, "code": "000000"}], "text": "Ileal resection"},
        "performedDateTime": "2020-01-10",
        "extension": [
            {
                "url": "https://b12-dosing.example/fhir/StructureDefinition/resected-length",
                "valueQuantity": {"value": 45, "unit": "cm", "system": UCUM, "code": "cm"},
            }
        ],
    }
    request = _fresh(procedures=[resection])
    cast("list[Json]", cast("Json", request["context"])["draftOrders"]["entry"])[0]["resource"] = (  # type: ignore[index]
        order(repeat=THREE_MONTHLY)
    )
    cards = by_topic(call(client, request))
    assert "ileal resection: yes, 45 cm in all" in str(cards["INTERVAL_MONTHLY_RULE"]["detail"])


@pytest.mark.covers("D-CDS-READ")
def test_e53_8_counts_as_deficiency_only_where_it_names_b12(client: httpx.Client) -> None:
    def e53(display: str) -> Json:
        found = condition("E53.8")
        found["code"] = {"coding": [{"system": ICD10_CM, "code": "E53.8", "display": display}]}
        return found

    observations = [
        dated(observation("777-3", quantity(210, "10*3/uL")), "2025-05-28"),
        assessment("neurological-involvement", "absent"),
    ]
    named = hook_request(observations=observations, conditions=[e53("Vitamin B12 deficiency")])
    assert "MISSING_FACTS" not in by_topic(call(client, named))
    other = hook_request(observations=observations, conditions=[e53("Biotin deficiency")])
    assert "MISSING_FACTS" in by_topic(call(client, other))


# ---------------------------------------------------------------------------------------------
# Pregnancy and anticoagulant therapy reach the kernel (D-CDS-READ, D-PREGNANCY, D-ANTICOAGULANT).
# ---------------------------------------------------------------------------------------------


def pregnancy_status(*, pregnant: bool, day: str) -> Json:
    """A pregnancy-status Observation (LOINC 82810-3): pregnant, or not pregnant."""
    value = "77386006" if pregnant else "60001007"  # SNOMED CT pregnant / not pregnant
    return dated(
        {
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [{"system": LOINC, "code": "82810-3"}]},
            "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": value}]},
        },
        day,
    )


def medication(text: str, code: str | None = None, status: str = "active") -> Json:
    """A MedicationRequest of the record (RxNorm ``code`` where given), authored on 2025-04-01."""
    concept: Json = {"text": text}
    if code is not None:
        concept["coding"] = [{"system": RXNORM, "code": code, "display": text}]
    return {
        "resourceType": "MedicationRequest",
        "status": status,
        "intent": "order",
        "authoredOn": "2025-04-01",
        "medicationCodeableConcept": concept,
    }


def topics(found: list[Json]) -> set[str]:
    return set(by_topic(found))


def assumed_detail(found: list[Json]) -> str:
    return str(by_topic(found)["ASSUMED_FACTS"]["detail"])


@pytest.mark.covers("D-CDS-READ", "D-CDS-DISCLOSE", "D-PREGNANCY")
def test_a_pregnancy_status_in_the_record_adds_the_pregnancy_review_card(
    client: httpx.Client,
) -> None:
    without = call(client, _fresh())
    status = pregnancy_status(pregnant=True, day="2025-05-30")
    found = call(client, _fresh(extra_observations=(status,)))
    assert topics(found) - topics(without) == {"PREGNANCY_REVIEW"}
    card = by_topic(found)["PREGNANCY_REVIEW"]
    assert card["indicator"] == "warning"
    assert "D-PREGNANCY" in str(cast("Json", card["source"])["label"])
    assert "pregnancy: yes on 2025-05-30 (pregnancy status)" in str(card["detail"])
    # Read, so not assumed; and never said to be outside the rule set.
    assert "pregnancy:" not in assumed_detail(found)
    assert "does not judge" not in json.dumps(found)
    # Its absence is an assumed fact, named on the card of assumed facts.
    assert "PREGNANCY_REVIEW" not in topics(without)
    assert (
        "- pregnancy: taken as no, the record holds no pregnancy status and no active pregnancy"
        " condition"
    ) in assumed_detail(without)


@pytest.mark.covers("D-CDS-READ", "D-PREGNANCY")
def test_an_active_pregnancy_condition_adds_the_pregnancy_review_card(
    client: httpx.Client,
) -> None:
    found = call(client, _fresh(conditions=[condition("Z34.00")]))
    card = by_topic(found)["PREGNANCY_REVIEW"]
    assert "pregnancy: yes (ICD-10-CM Z34.00)" in str(card["detail"])
    refuted = call(client, _fresh(conditions=[condition("Z34.00", "refuted")]))
    assert "PREGNANCY_REVIEW" not in topics(refuted)
    # A status of "not pregnant" is read, and named among the values used.
    low_dose = order(dose={"value": 100, "unit": "mcg", "system": UCUM, "code": "ug"})
    status = pregnancy_status(pregnant=False, day="2025-05-30")
    not_pregnant = by_topic(call(client, _fresh(low_dose, extra_observations=(status,))))
    assert "PREGNANCY_REVIEW" not in not_pregnant
    shown = str(not_pregnant["DOSE_BELOW_RECOMMENDED"]["detail"])
    assert "pregnancy: no on 2025-05-30 (pregnancy status)" in shown


@pytest.mark.covers("D-CDS-READ", "D-CDS-DISCLOSE", "D-ANTICOAGULANT")
def test_an_active_anticoagulant_order_adds_the_anticoagulant_precautions_card(
    client: httpx.Client,
) -> None:
    without = call(client, _fresh())
    found = call(client, _fresh(medications=[medication("Apixaban 5 mg tablet", "1364430")]))
    assert topics(found) - topics(without) == {"ANTICOAGULANT_PRECAUTIONS"}
    card = by_topic(found)["ANTICOAGULANT_PRECAUTIONS"]
    assert card["indicator"] == "warning"
    label = str(cast("Json", card["source"])["label"])
    assert "D-ANTICOAGULANT" in label
    assert "R-PLT-PRECAUTION" in label
    assert "25-27G" in str(card["summary"]) + str(card["detail"])
    assert "anticoagulant therapy: yes on 2025-04-01 (RxNorm 1364430)" in str(card["detail"])
    assert "anticoagulant therapy:" not in assumed_detail(found)
    # A named product without a code counts too; a stopped order does not.
    named = call(client, _fresh(medications=[medication("Warfarin sodium 3 mg tablet")]))
    assert "ANTICOAGULANT_PRECAUTIONS" in topics(named)
    stopped = call(client, _fresh(medications=[medication("Apixaban 5 mg", "1364430", "stopped")]))
    assert "ANTICOAGULANT_PRECAUTIONS" not in topics(stopped)
    # Its absence is an assumed fact, named on the card of assumed facts.
    assert "ANTICOAGULANT_PRECAUTIONS" not in topics(without)
    assert (
        "- anticoagulant therapy: taken as no, the record holds no active order or statement of"
        " an anticoagulant"
    ) in assumed_detail(without)


# ---------------------------------------------------------------------------------------------
# The readings taken where revision 2 is open (specs/proposed-decisions.md, "Reading the record").
# ---------------------------------------------------------------------------------------------

HYDROXO_THREE_MONTHLY: Final = order(
    rxnorm="317106", text="Hydroxocobalamin 1000 mcg/mL injection", repeat=THREE_MONTHLY
)


def resection(length_cm: float | None, day: str = "2020-01-10") -> Json:
    found: Json = {
        "resourceType": "Procedure",
        "status": "completed",
        "code": {
            "coding": [{"system": "http://www.cms.gov/Medicare/Coding/ICD10", "code": "0DTB0ZZ"}]
        },
        "performedDateTime": day,
    }
    if length_cm is not None:
        found["extension"] = [
            {
                "url": "https://b12-dosing.example/fhir/StructureDefinition/resected-length",
                "valueQuantity": {"value": length_cm, "unit": "cm", "system": UCUM, "code": "cm"},
            }
        ]
    return found


@pytest.mark.covers("D-CDS-READ", "R-POP-ILEAL", "D-INTERVAL")
def test_the_lengths_of_several_ileal_resections_are_summed(client: httpx.Client) -> None:
    """D-PROPOSED-CDS-RESECTION-LENGTHS: two resections of 15 cm are 30 cm of ileum, over 20."""
    one = by_topic(call(client, _fresh(HYDROXO_THREE_MONTHLY, procedures=[resection(15)])))
    assert "INTERVAL_MONTHLY_RULE" not in one  # 15 cm alone: the 3-monthly interval stands
    both = [resection(15), resection(15, "2022-03-04")]
    two = by_topic(call(client, _fresh(HYDROXO_THREE_MONTHLY, procedures=both)))
    card = two["INTERVAL_MONTHLY_RULE"]
    assert card["indicator"] == "critical"
    assert "ileal resection: yes, 30 cm in all on 2020-01-10 (ICD-10-PCS 0DTB0ZZ" in str(
        card["detail"]
    )


@pytest.mark.covers("D-CDS-READ", "R-POP-ILEAL", "D-INTERVAL")
def test_one_ileal_resection_without_a_length_makes_the_length_unknown(
    client: httpx.Client,
) -> None:
    """D-PROPOSED-CDS-RESECTION-LENGTHS: never the sum of the recorded lengths alone."""
    both = [resection(5), resection(None, "2022-03-04")]
    cards = by_topic(call(client, _fresh(HYDROXO_THREE_MONTHLY, procedures=both)))
    assert "ileal resection: yes, length not recorded" in str(
        cards["INTERVAL_MONTHLY_RULE"]["detail"]
    )
    assert cards["RESECTION_LENGTH_UNKNOWN"]["indicator"] == "warning"


@pytest.mark.parametrize(
    "product",
    [
        medication("Heparin lock flush 100 units/mL injection"),
        medication("Enoxaparin 40 mg/0.4 mL prophylactic injection", "67108"),
        {
            **medication("Rivaroxaban 10 mg tablet (thromboprophylaxis)"),
            "resourceType": "MedicationStatement",
        },
    ],
    ids=["a heparin flush", "a prophylactic enoxaparin dose", "a rivaroxaban statement"],
)
@pytest.mark.covers("D-CDS-READ", "D-ANTICOAGULANT")
def test_flushes_and_prophylactic_doses_count_as_anticoagulant_therapy(
    client: httpx.Client, product: Json
) -> None:
    """D-PROPOSED-CDS-ANTICOAGULANT-SCOPE: any active anticoagulant, whatever dose or purpose."""
    cards = by_topic(call(client, _fresh(medications=[product])))
    assert "anticoagulant therapy: yes on 2025-04-01" in str(
        cards["ANTICOAGULANT_PRECAUTIONS"]["detail"]
    )


@pytest.mark.covers("D-CDS-READ", "D-CDS-DISCLOSE", "D-ANTICOAGULANT")
def test_an_antiplatelet_is_not_anticoagulant_therapy_and_is_named(client: httpx.Client) -> None:
    """D-PROPOSED-CDS-ANTICOAGULANT-SCOPE: antiplatelets do not count, and are named."""
    clopidogrel = medication("Clopidogrel 75 mg tablet")
    found = call(client, _fresh(medications=[clopidogrel]))
    assert "ANTICOAGULANT_PRECAUTIONS" not in topics(found)
    assert (
        "- anticoagulant therapy: taken as no, the record holds no active order or statement of an"
        " anticoagulant (an antiplatelet is recorded, not read as anticoagulant therapy: named"
        " 'Clopidogrel 75 mg tablet')"
    ) in assumed_detail(found)
    stopped = call(client, _fresh(medications=[medication("Aspirin 75 mg", status="stopped")]))
    assert "antiplatelet" not in assumed_detail(stopped)


@pytest.mark.covers("D-CDS-READ", "D-CDS-RECENCY", "D-PREGNANCY")
def test_an_active_pregnancy_condition_counts_whatever_its_date(client: httpx.Client) -> None:
    """D-PROPOSED-CDS-PREGNANCY-RECENCY: no recency window, and an active condition counts even
    beside a later status of not pregnant."""
    old = {**condition("Z34.00"), "onsetDateTime": "2019-02-01"}
    cards = by_topic(call(client, _fresh(conditions=[old])))
    assert "pregnancy: yes on 2019-02-01 (ICD-10-CM Z34.00)" in str(
        cards["PREGNANCY_REVIEW"]["detail"]
    )
    later = pregnancy_status(pregnant=False, day="2025-05-30")
    beside = by_topic(call(client, _fresh(conditions=[old], extra_observations=(later,))))
    detail = str(beside["PREGNANCY_REVIEW"]["detail"])
    assert "pregnancy: yes on 2019-02-01 (ICD-10-CM Z34.00)" in detail
    assert (
        "pregnancy status: not pregnant on 2025-05-30 (not taken over the active pregnancy"
        " condition)"
    ) in detail
    status = pregnancy_status(pregnant=True, day="2016-08-01")
    long_ago = by_topic(call(client, _fresh(extra_observations=(status,))))
    assert "pregnancy: yes on 2016-08-01 (pregnancy status)" in str(
        long_ago["PREGNANCY_REVIEW"]["detail"]
    )


def folic_acid(status: str, kind: str = "MedicationRequest") -> Json:
    return {**medication("Folic acid 5 mg tablets", status=status), "resourceType": kind}


@pytest.mark.parametrize(
    "record",
    [
        folic_acid("active"),
        folic_acid("on-hold"),
        folic_acid("completed"),
        folic_acid("stopped"),
        folic_acid("completed", "MedicationStatement"),
        folic_acid("stopped", "MedicationStatement"),
    ],
    ids=["active", "on-hold", "completed", "stopped", "statement completed", "statement stopped"],
)
@pytest.mark.covers("D-CDS-READ", "D-FOLATE", "R-FOLATE")
def test_folic_acid_that_was_started_counts_whatever_its_status_now(
    client: httpx.Client, record: Json
) -> None:
    """D-PROPOSED-CDS-FOLIC-ACID-STATUS: active, on-hold, completed and stopped all count."""
    cards = by_topic(call(client, _fresh(medications=[record])))
    assert cards["FOLATE_BEFORE_B12"]["indicator"] == "critical"


@pytest.mark.parametrize(
    "record",
    [
        folic_acid("draft"),
        folic_acid("cancelled"),
        folic_acid("unknown"),
        folic_acid("intended", "MedicationStatement"),
        folic_acid("not-taken", "MedicationStatement"),
    ],
    ids=["draft", "cancelled", "unknown", "statement intended", "statement not taken"],
)
@pytest.mark.covers("D-CDS-READ", "D-CDS-DISCLOSE", "D-FOLATE")
def test_folic_acid_never_started_does_not_count_and_is_named(
    client: httpx.Client, record: Json
) -> None:
    """D-PROPOSED-CDS-FOLIC-ACID-STATUS: the other statuses are named, not counted."""
    found = call(client, _fresh(medications=[record]))
    assert "FOLATE_BEFORE_B12" not in topics(found)
    assert (
        "- folic acid started before B12: taken as no, the record holds no folic acid order or"
        " statement dated before 2025-06-02; not counted, their status not showing it was"
        f" started: named 'Folic acid 5 mg tablets', status {record['status']}, dated 2025-04-01"
    ) in assumed_detail(found)
    in_error = call(client, _fresh(medications=[folic_acid("entered-in-error")]))
    assert "Folic acid 5 mg" not in assumed_detail(in_error)


# ---------------------------------------------------------------------------------------------
# Prefetch and the EHR's FHIR server (D-CDS-PREFETCH).
# ---------------------------------------------------------------------------------------------


@pytest.mark.covers("D-CDS-PREFETCH")
def test_a_missing_prefetch_without_a_fhir_server_is_412(client: httpx.Client) -> None:
    response = client.post(SIGN, json=_fresh(omit=("allergies",)))
    assert response.status_code == 412
    assert "allergies" in response.json()["error"]


@pytest.mark.covers("D-CDS-PREFETCH", "D-CDS-READ")
def test_a_missing_prefetch_is_fetched_from_the_fhir_server_with_its_token(
    client: httpx.Client, fake_fhir: FakeFhir
) -> None:
    fake_fhir.calls.clear()
    fake_fhir.status, fake_fhir.delay_seconds = 200, 0.0
    fake_fhir.resources = {"AllergyIntolerance": bundle(allergy("Cyanocobalamin", "11248"))}
    request = _fresh(omit=("allergies",))
    request["fhirServer"] = fake_fhir.base_url
    request["fhirAuthorization"] = {
        "access_token": FHIR_TOKEN,
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "user/AllergyIntolerance.read",
        "subject": "b12-dosing",
    }
    cards = by_topic(call(client, request))
    assert "REFER_CONDITION_PRESENT" in cards
    assert fake_fhir.calls == [("/fhir/AllergyIntolerance?patient=p1", f"Bearer {FHIR_TOKEN}")]


@pytest.mark.parametrize(("status", "delay"), [(500, 0.0), (401, 0.0), (200, 2.0)])
@pytest.mark.covers("D-CDS-PREFETCH")
def test_a_fhir_server_failure_is_412_never_no(
    client: httpx.Client, fake_fhir: FakeFhir, status: int, delay: float
) -> None:
    fake_fhir.status, fake_fhir.delay_seconds = status, delay
    request = _fresh(omit=("allergies", "procedures"))
    request["fhirServer"] = fake_fhir.base_url
    request["fhirAuthorization"] = {"access_token": FHIR_TOKEN, "token_type": "Bearer"}
    try:
        response = client.post(SIGN, json=request)
    finally:
        fake_fhir.status, fake_fhir.delay_seconds = 200, 0.0
    assert response.status_code == 412, response.text
    assert "record is incomplete" in response.json()["error"]


@pytest.mark.covers("D-CDS-PREFETCH")
def test_a_null_prefetch_is_no_data_and_an_operation_outcome_is_not_data(
    client: httpx.Client,
) -> None:
    request = _fresh()
    cast("Json", request["prefetch"])["allergies"] = None
    assert client.post(SIGN, json=request).status_code == 200
    cast("Json", request["prefetch"])["allergies"] = {"resourceType": "OperationOutcome"}
    assert client.post(SIGN, json=request).status_code == 412


@pytest.mark.covers("D-CDS-READ")
def test_every_profile_field_is_taken_from_the_record_or_the_order() -> None:
    """The kernel profile of an order names every field of PatientProfile: a field the adapter
    left out would keep its default ("no", D-FIELDS) for every record, unread and undisclosed, so
    a field added to the profile fails here until the record or the order supplies it."""
    tree = ast.parse(inspect.getsource(cds_app._profile))  # noqa: SLF001 - the adapter's builder
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "PatientProfile"
    ]
    assert len(calls) == 1
    passed = [keyword.arg for keyword in calls[0].keywords]
    assert sorted(map(str, passed)) == sorted(f.name for f in dataclasses.fields(PatientProfile))
