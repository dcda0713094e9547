"""Request builders of the CDS Hooks tests: draft orders, record resources and hook calls, as a
CDS client would send them (FHIR R4 JSON)."""

from __future__ import annotations

import datetime
from typing import Final

Json = dict[str, object]

TODAY: Final = datetime.date(2025, 6, 2)
ASSESSMENT: Final = "https://b12-dosing.example/fhir/CodeSystem/assessment"
RXNORM: Final = "http://www.nlm.nih.gov/research/umls/rxnorm"
SNOMED: Final = "http://snomed.info/sct"
UCUM: Final = "http://unitsofmeasure.org"
LOINC: Final = "http://loinc.org"
ICD10_CM: Final = "http://hl7.org/fhir/sid/icd-10-cm"
SIGN: Final = "/cds-services/b12-dosing-order-sign"
SELECT: Final = "/cds-services/b12-dosing-order-select"


def order(
    *,
    dose: Json | None = None,
    rxnorm: str = "309594",
    text: str = "Cyanocobalamin 1000 mcg/mL injection",
    repeat: Json | None = None,
    extra_dosages: list[Json] | None = None,
) -> Json:
    dosage: Json = {
        "timing": {"repeat": repeat or {"frequency": 1, "period": 1, "periodUnit": "mo"}},
        "route": {"coding": [{"system": SNOMED, "code": "78421000"}]},
        "site": {"coding": [{"system": SNOMED, "code": "35259002"}]},
        "doseAndRate": [
            {"doseQuantity": dose or {"value": 1000, "unit": "mcg", "system": UCUM, "code": "ug"}}
        ],
    }
    return {
        "resourceType": "MedicationRequest",
        "id": "draft-1",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/p1"},
        "medicationCodeableConcept": {
            "coding": [{"system": RXNORM, "code": rxnorm}],
            "text": text,
        },
        "dosageInstruction": [dosage, *(extra_dosages or [])],
    }


def observation(code: str, value: Json, system: str = LOINC) -> Json:
    found: Json = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"coding": [{"system": system, "code": code}]},
        "effectiveDateTime": "2025-05-20",
    }
    found.update(value)
    return found


def quantity(value: float, code: str, **extra: object) -> Json:
    return {"valueQuantity": {"value": value, "system": UCUM, "code": code, **extra}}


def assessment(code: str, answer: str) -> Json:
    value: Json = {"valueCodeableConcept": {"coding": [{"system": ASSESSMENT, "code": answer}]}}
    return observation(code, value, ASSESSMENT)


def condition(code: str, verification: str = "confirmed") -> Json:
    return {
        "resourceType": "Condition",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": verification,
                }
            ]
        },
        "code": {"coding": [{"system": ICD10_CM, "code": code}]},
        "subject": {"reference": "Patient/p1"},
    }


def bundle(*items: Json) -> Json:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": item} for item in items],
    }


def default_observations(egfr: float = 90.0) -> list[Json]:
    return [
        observation("98979-8", quantity(egfr, "mL/min/{1.73_m2}")),
        observation("777-3", quantity(250, "10*3/uL")),
        assessment("deficiency-status", "confirmed"),
        assessment("neurological-involvement", "absent"),
    ]


def hook_request(  # noqa: PLR0913 (each part of a record a test may vary)
    *orders: Json,
    hook: str = "order-sign",
    observations: list[Json] | None = None,
    conditions: list[Json] | None = None,
    birth_date: str | None = "1970-03-02",
    selections: list[str] | None = None,
    allergies: list[Json] | None = None,
    medications: list[Json] | None = None,
    procedures: list[Json] | None = None,
    omit: tuple[str, ...] = (),
) -> Json:
    """A hook call with every prefetch key of the discovery response (``omit`` leaves some out)."""
    context: Json = {
        "userId": "Practitioner/u1",
        "patientId": "p1",
        "draftOrders": {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [{"resource": item} for item in (orders or (order(),))],
        },
    }
    if hook == "order-select":
        context["selections"] = (
            selections if selections is not None else ["MedicationRequest/draft-1"]
        )
    patient: Json = {"resourceType": "Patient", "id": "p1"}
    if birth_date is not None:
        patient["birthDate"] = birth_date
    requests = [m for m in medications or [] if m["resourceType"] == "MedicationRequest"]
    statements = [m for m in medications or [] if m["resourceType"] == "MedicationStatement"]
    prefetch: Json = {
        "patient": patient,
        "observations": bundle(
            *(observations if observations is not None else default_observations())
        ),
        "conditions": bundle(*(conditions or [])),
        "allergies": bundle(*(allergies or [])),
        "medicationRequests": bundle(*requests),
        "medicationStatements": bundle(*statements),
        "procedures": bundle(*(procedures or [])),
    }
    return {
        "hook": hook,
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": context,
        "prefetch": {key: value for key, value in prefetch.items() if key not in omit},
    }
