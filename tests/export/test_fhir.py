"""FHIR R4 export (server/export/fhir.py): structure by fhir.resources (R4B models), codes and units
by our own checks, since the library checks structure only (it accepts ``status: "bogus"``).

Codes used, and how they were confirmed (the table below is typed here by hand, independently of
server/export/fhir.py, and every SNOMED CT identifier also passes its Verhoeff check digit):

- 78421000 |Intramuscular route (qualifier value)|: route tables of several published FHIR
  implementation guides and EHR code maps agree.
- 35259002 |Structure of deltoid muscle (body structure)|: DICOM CID 6116 (Muscular Anatomy,
  SRT T-13660) and the Belgian vaccination body-site value set.
- 1403006 |Structure of vastus lateralis muscle (body structure)|: the New Zealand rheumatic
  fever MedicationRequest profile and a published SNOMED CT body-site code list. (72107004, often
  quoted from memory for this muscle, is |Structure of azygos vein|: not used.)
- 46862004 |Buttock structure (body structure)|: immunization guides' site tables. The
  international edition has no "upper outer quadrant of buttock" concept (the New Zealand edition
  has lateralised ones, 299121000210105 / 299141000210104), so the quadrant is stated in text.
- 78333006 |Structure of gluteus medius muscle (body structure)|: the code revision 2 of the
  decisions names for the ventrogluteal site (D-SITE); the New Zealand MedicationRequest examples
  use it as the ventrogluteal injection site, and DICOM's segmentation codes name it "Gluteus
  medius muscle".
- RxNorm 309594 / 317106: the two codes of D-FORMULATIONS (clinical-decisions.md); RxNorm is not
  in the reference material available to this project, so no display string is asserted.
- UCUM ``ug`` and ``mL``; FHIR units-of-time ``wk``, ``d``, ``mo``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from typing import Final, cast

import pytest
from fhir.resources.R4B.detectedissue import DetectedIssue
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.operationoutcome import OperationOutcome

from kernel import plan_regimen
from kernel.contracts.predicates import wording_clean
from kernel.model import (
    BariatricProcedure,
    DeficiencyStatus,
    Formulation,
    InvalidInput,
    MaintenancePreference,
    NeurologicalInvolvement,
    PatientProfile,
    PlanRequest,
    Referral,
    RegimenPlan,
    Route,
    SiteRequest,
)
from server.export import fhir

Json = dict[str, object]

SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"

# Our own table: every code a plan may carry, per system (see the module docstring).
SNOMED_ROUTES: Final = {"78421000": "Intramuscular route"}
SNOMED_SITES: Final = {
    "35259002": "Structure of deltoid muscle",
    "1403006": "Structure of vastus lateralis muscle",
    "46862004": "Buttock structure",
    "78333006": "Structure of gluteus medius muscle",
}
RXNORM_CODES: Final = {"309594": "cyanocobalamin", "317106": "hydroxocobalamin"}
UCUM_UNITS: Final = {"ug", "mL"}
UNITS_OF_TIME: Final = {"s", "min", "h", "d", "wk", "mo", "a"}
HL7_CODES: Final = {
    "http://terminology.hl7.org/CodeSystem/dose-rate-type": {"ordered", "calculated"},
    "http://terminology.hl7.org/CodeSystem/medicationrequest-category": {
        "community",
        "outpatient",
    },
    "http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy": {"continuous"},
}
PRODUCT_SYSTEMS: Final = {
    "https://b12-dosing.example/fhir/CodeSystem/finding-code",
    "https://b12-dosing.example/fhir/CodeSystem/rule-id",
    "https://b12-dosing.example/fhir/CodeSystem/refer-reason",
}
MEDICATION_REQUEST_STATUS: Final = {
    "active",
    "on-hold",
    "cancelled",
    "completed",
    "entered-in-error",
    "stopped",
    "draft",
    "unknown",
}
MEDICATION_REQUEST_INTENT: Final = {
    "proposal",
    "plan",
    "order",
    "original-order",
    "reflex-order",
    "filler-order",
    "instance-order",
    "option",
}

# Verhoeff check-digit tables (SNOMED CT identifiers end in a Verhoeff check digit).
_D: Final = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_P: Final = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)


def verhoeff_valid(number: str) -> bool:
    check = 0
    for position, digit in enumerate(reversed(number)):
        check = _D[check][_P[position % 8][int(digit)]]
    return check == 0


def is_snomed_concept_id(code: str) -> bool:
    """A short-format SNOMED CT concept identifier: partition '00', valid check digit."""
    return code.isdigit() and 6 <= len(code) <= 18 and code[-3:-1] == "00" and verhoeff_valid(code)


START: Final = datetime.date(2025, 1, 6)
HORIZON: Final = datetime.date(2025, 12, 31)


def make_plan(
    *,
    start: datetime.date = START,
    horizon: datetime.date | None = HORIZON,
    **profile: object,
) -> RegimenPlan:
    base: dict[str, object] = {
        "formulation": Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML,
        "age_years": 45,
        "deficiency_status": DeficiencyStatus.CONFIRMED,
        "neurological_involvement": NeurologicalInvolvement.ABSENT,
        "platelets_10e9_per_l": 200.0,
    }
    base.update(profile)
    outcome = plan_regimen(
        PlanRequest(
            profile=PatientProfile(**base),  # type: ignore[arg-type]
            start_date=start,
            horizon_date=horizon,
            route=Route.INTRAMUSCULAR,
        )
    )
    assert isinstance(outcome, RegimenPlan), outcome
    return outcome


# ---------------------------------------------------------------------------------------------
# Our own terminology audit.
# ---------------------------------------------------------------------------------------------


def walk(node: object, path: str = "") -> Iterator[tuple[str, Json]]:
    if isinstance(node, dict):
        yield path, cast("Json", node)
        for key, value in node.items():
            yield from walk(value, f"{path}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, f"{path}[{index}]")


def coding_problem(path: str, coding: Json) -> str | None:
    """What is wrong with one Coding, checked against our own table (None when nothing is)."""
    system, code = str(coding["system"]), str(coding["code"])
    if system == SNOMED:
        table = SNOMED_ROUTES if ".route." in path else SNOMED_SITES
        if code not in table or not is_snomed_concept_id(code):
            return f"{path}: SNOMED CT {code} not in our table"
        if coding.get("display") != table[code]:
            return f"{path}: SNOMED CT {code} display {coding.get('display')!r}"
        return None
    if system == RXNORM:
        return None if code in RXNORM_CODES else f"{path}: RxNorm {code}"
    if system in HL7_CODES:
        return None if code in HL7_CODES[system] else f"{path}: {system} {code}"
    return None if system in PRODUCT_SYSTEMS else f"{path}: unknown system {system}"


def audit_terminology(resource: Json) -> list[str]:
    """Every problem with the codes and units of an exported MedicationRequest."""
    problems: list[str] = [
        f"{key} {resource.get(key)!r}"
        for key, allowed in (
            ("status", MEDICATION_REQUEST_STATUS),
            ("intent", MEDICATION_REQUEST_INTENT),
        )
        if resource.get(key) not in allowed
    ]
    for path, node in walk(resource):
        is_quantity = "value" in node and ("unit" in node or "code" in node)
        if "system" in node and "code" in node and not is_quantity:
            problem = coding_problem(path, node)
            problems.extend([problem] if problem else [])
        if is_quantity and (node.get("system") != UCUM or node.get("code") not in UCUM_UNITS):
            problems.append(f"{path}: quantity {node}")
        if "periodUnit" in node and node["periodUnit"] not in UNITS_OF_TIME:
            problems.append(f"{path}: periodUnit {node['periodUnit']}")
    contained = {str(item["id"]) for item in cast("list[Json]", resource.get("contained", []))}
    referenced = {
        str(ref["reference"]).removeprefix("#")
        for ref in cast("list[Json]", resource.get("detectedIssue", []))
    }
    if contained != referenced:
        problems.append(f"contained {contained} != referenced {referenced}")
    return problems


def validated(resource: Json) -> MedicationRequest:
    """Validate with fhir.resources, and check that nothing was dropped or changed."""
    model = MedicationRequest.model_validate(resource)
    assert json.loads(model.model_dump_json(exclude_none=True)) == resource
    return model


def dosages(resource: Json) -> list[Json]:
    return cast("list[Json]", resource["dosageInstruction"])


def repeat(dosage: Json) -> Json:
    return cast("Json", cast("Json", dosage["timing"])["repeat"])


def notes(resource: Json) -> list[str]:
    return [str(note["text"]) for note in cast("list[Json]", resource["note"])]


def detected_issues(resource: Json) -> dict[str, Json]:
    issues = cast("list[Json]", resource.get("contained", []))
    for issue in issues:
        DetectedIssue.model_validate(issue)
    return {
        str(cast("list[Json]", cast("Json", issue["code"])["coding"])[0]["code"]): issue
        for issue in issues
    }


# ---------------------------------------------------------------------------------------------
# The audit itself can fail.
# ---------------------------------------------------------------------------------------------


def test_verhoeff_accepts_the_codes_and_rejects_a_typo() -> None:
    for code in (*SNOMED_ROUTES, *SNOMED_SITES):
        assert is_snomed_concept_id(code), code
    assert not is_snomed_concept_id("35259003")  # deltoid with a wrong check digit
    assert not is_snomed_concept_id("1403060")  # transposed digits


def test_audit_flags_wrong_codes_and_units() -> None:
    resource = fhir.medication_request(make_plan())
    assert audit_terminology(resource) == []
    broken = json.loads(json.dumps(resource))
    broken["status"] = "bogus"
    broken["dosageInstruction"][0]["route"]["coding"][0]["code"] = "26643006"  # oral route
    broken["dosageInstruction"][0]["site"]["coding"][0]["code"] = "72107004"  # azygos vein
    broken["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]["code"] = "mg"
    broken["dosageInstruction"][0]["timing"]["repeat"]["periodUnit"] = "month"
    broken["medicationCodeableConcept"]["coding"][0]["code"] = "1234"
    MedicationRequest.model_validate(broken)  # the library accepts all of this
    assert len(audit_terminology(broken)) == 6


# ---------------------------------------------------------------------------------------------
# Plans.
# ---------------------------------------------------------------------------------------------


@pytest.mark.covers("R-LOAD-STD", "D-LOAD-DAYS", "R-MAINT-CYANO", "D-FORMULATIONS", "INV-LIFELONG")
def test_standard_loading_then_monthly_cyanocobalamin() -> None:
    resource = fhir.medication_request(make_plan())
    validated(resource)
    assert audit_terminology(resource) == []
    assert resource["status"] == "draft"
    assert resource["intent"] == "proposal"
    medication = cast("Json", resource["medicationCodeableConcept"])
    assert cast("list[Json]", medication["coding"])[0] == {"system": RXNORM, "code": "309594"}

    loading, maintenance = dosages(resource)
    assert loading["sequence"] == 1
    assert maintenance["sequence"] == 2
    # Start Monday 6 January 2025: days 0, 2, 4, 7, 9, 11.
    expected = ["2025-01-06", "2025-01-08", "2025-01-10", "2025-01-13", "2025-01-15", "2025-01-17"]
    assert cast("Json", loading["timing"])["event"] == expected
    assert repeat(loading) == {
        "boundsPeriod": {"start": "2025-01-06", "end": "2025-01-17"},
        "count": 6,
        "frequency": 3,
        "period": 1,
        "periodUnit": "wk",
    }
    # One month after the last loading dose; lifelong, so no end.
    assert repeat(maintenance) == {
        "boundsPeriod": {"start": "2025-02-17"},
        "frequency": 1,
        "period": 1,
        "periodUnit": "mo",
    }
    for dosage in (loading, maintenance):
        assert cast("list[Json]", cast("Json", dosage["route"])["coding"])[0]["code"] == "78421000"
        doses = cast("list[Json]", dosage["doseAndRate"])
        assert [d["doseQuantity"] for d in doses] == [
            {"value": 1000, "unit": "mcg", "system": UCUM, "code": "ug"},
            {"value": 1, "unit": "mL", "system": UCUM, "code": "mL"},
        ]
        site = cast("Json", dosage["site"])
        assert cast("list[Json]", site["coding"])[0]["code"] == "35259002"
        alternatives = cast("list[Json]", site["extension"])
        assert [
            cast("list[Json]", cast("Json", ext["valueCodeableConcept"])["coding"])[0]["code"]
            for ext in alternatives
        ] == ["1403006"]
        assert "additionalInstruction" not in dosage  # platelets 200: no needle guidance
    assert cast("list[Json]", cast("Json", resource["courseOfTherapyType"])["coding"])[0][
        "code"
    ] == ("continuous")


@pytest.mark.covers("R-MAINT-HYDROXO", "D-INTERVAL", "D-FORMULATIONS")
def test_hydroxocobalamin_is_every_two_to_three_months() -> None:
    resource = fhir.medication_request(
        make_plan(formulation=Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML)
    )
    validated(resource)
    assert audit_terminology(resource) == []
    medication = cast("Json", resource["medicationCodeableConcept"])
    assert cast("list[Json]", medication["coding"])[0]["code"] == "317106"
    maintenance = repeat(dosages(resource)[1])
    assert (maintenance["period"], maintenance.get("periodMax")) == (2, 3)
    assert maintenance["boundsPeriod"] == {"start": "2025-03-17"}  # 17 Jan + 2 months


@pytest.mark.covers("R-MAINT-EXTENDED", "D-EXTENDED")
def test_extended_cyanocobalamin_carries_period_max_and_the_warning() -> None:
    resource = fhir.medication_request(
        make_plan(maintenance_preference=MaintenancePreference.EXTENDED)
    )
    validated(resource)
    maintenance = repeat(dosages(resource)[1])
    assert (maintenance["period"], maintenance.get("periodMax")) == (2, 3)
    issues = detected_issues(resource)
    assert issues["MONTHLY_MORE_EFFECTIVE"]["severity"] == "moderate"
    assert any(
        note.startswith("Warning: Maintenance every 2-3 months as requested")
        for note in notes(resource)
    )


@pytest.mark.covers("R-POP-BARIATRIC", "D-PROPHYLAXIS", "INV-LIFELONG")
def test_prophylaxis_has_maintenance_only_from_the_start() -> None:
    resource = fhir.medication_request(
        make_plan(
            formulation=Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML,
            deficiency_status=DeficiencyStatus.NOT_PRESENT,
            bariatric_procedure=BariatricProcedure.ROUX_EN_Y,
        )
    )
    validated(resource)
    assert audit_terminology(resource) == []
    (maintenance,) = dosages(resource)
    assert maintenance["sequence"] == 1
    # Hydroxocobalamin 2/3 and bariatric 3/3: the shorter due interval wins (P1).
    assert repeat(maintenance) == {
        "boundsPeriod": {"start": "2025-01-06"},
        "frequency": 1,
        "period": 2,
        "periodMax": 3,
        "periodUnit": "mo",
    }


@pytest.mark.covers("R-LOAD-NEURO", "D-NEURO-OPEN", "D-NEURO-URGENT", "INV-LOAD-NEURO")
def test_neurological_loading_is_open_ended_and_maintenance_undated() -> None:
    resource = fhir.medication_request(
        make_plan(neurological_involvement=NeurologicalInvolvement.PRESENT)
    )
    validated(resource)
    assert audit_terminology(resource) == []
    loading, maintenance = dosages(resource)
    assert repeat(loading) == {
        "boundsPeriod": {"start": "2025-01-06"},
        "frequency": 1,
        "period": 2,
        "periodUnit": "d",
    }
    assert "event" not in cast("Json", loading["timing"])
    assert "2025-01-20" in str(loading["text"])  # the review date, start + 14 days
    assert repeat(maintenance) == {"frequency": 1, "period": 1, "periodUnit": "mo"}
    issue = detected_issues(resource)["NEURO_SEEK_URGENT_SPECIALIST_ADVICE"]
    assert issue["severity"] == "high"
    assert issue["implicated"] == [{"reference": "#"}]


@pytest.mark.covers("R-RENAL", "D-RENAL", "INV-RENAL")
def test_renal_warning_is_a_note_and_a_detected_issue_citing_the_rule() -> None:
    resource = fhir.medication_request(make_plan(egfr_ml_min_1_73m2=40.0))
    validated(resource)
    issue = detected_issues(resource)["RENAL_PREFER_HYDROXOCOBALAMIN"]
    assert issue["severity"] == "moderate"
    evidence = cast("list[Json]", issue["evidence"])[0]
    cited = {
        cast("list[Json]", concept["coding"])[0]["code"]
        for concept in cast("list[Json]", evidence["code"])
    }
    assert {"R-RENAL", "D-RENAL"} <= cited
    renal_notes = [n for n in notes(resource) if "consider hydroxocobalamin" in n]
    assert len(renal_notes) == 1
    assert "R-RENAL" in renal_notes[0]
    assert renal_notes[0].startswith("Warning: Renal impairment with cyanocobalamin")


@pytest.mark.covers("R-PLT-SEVERE", "D-PLT", "D-OUTCOME")
def test_supervised_plan_is_outpatient_with_needle_and_supervision_instructions() -> None:
    resource = fhir.medication_request(
        make_plan(
            neurological_involvement=NeurologicalInvolvement.PRESENT, platelets_10e9_per_l=20.0
        )
    )
    validated(resource)
    category = cast("list[Json]", resource["category"])[0]
    assert cast("list[Json]", category["coding"])[0]["code"] == "outpatient"
    instructions = [
        str(item["text"])
        for item in cast("list[Json]", dosages(resource)[0]["additionalInstruction"])
    ]
    assert any("25-27G" in text and "5-10 minutes" in text for text in instructions)
    assert any("supervision" in text for text in instructions)
    assert detected_issues(resource)["TREAT_WITHOUT_DELAY"]["severity"] == "high"


@pytest.mark.covers("R-SITE-BUTTOCK", "D-SITE")
def test_upper_outer_gluteal_site_is_coded_with_its_alternatives() -> None:
    resource = fhir.medication_request(make_plan(site_request=SiteRequest.GLUTEAL_UPPER_OUTER))
    validated(resource)
    assert audit_terminology(resource) == []
    site = cast("Json", dosages(resource)[0]["site"])
    assert cast("list[Json]", site["coding"])[0]["code"] == "46862004"
    assert "upper outer quadrant" in str(site["text"]).lower()
    assert "anteriorly" in str(site["text"])
    alternatives = [
        cast("list[Json]", cast("Json", ext["valueCodeableConcept"])["coding"])[0]["code"]
        for ext in cast("list[Json]", site["extension"])
    ]
    assert alternatives == ["35259002", "1403006"]


@pytest.mark.covers("D-SITE")
def test_ventrogluteal_site_is_its_own_code_before_the_defaults() -> None:
    resource = fhir.medication_request(make_plan(site_request=SiteRequest.VENTROGLUTEAL))
    validated(resource)
    assert audit_terminology(resource) == []
    site = cast("Json", dosages(resource)[0]["site"])
    assert cast("list[Json]", site["coding"])[0]["code"] == "78333006"
    assert "trained person" in str(site["text"])
    alternatives = [
        cast("list[Json]", cast("Json", ext["valueCodeableConcept"])["coding"])[0]["code"]
        for ext in cast("list[Json]", site["extension"])
    ]
    assert alternatives == ["35259002", "1403006"]
    assert "SITE_VENTROGLUTEAL_TRAINED" in detected_issues(resource)


def test_requested_single_site_has_no_alternatives() -> None:
    resource = fhir.medication_request(make_plan(site_request=SiteRequest.VASTUS_LATERALIS))
    site = cast("Json", dosages(resource)[0]["site"])
    assert cast("list[Json]", site["coding"])[0]["code"] == "1403006"
    assert "extension" not in site


def test_intent_and_status_are_selectable_and_checked() -> None:
    plan = make_plan()
    resource = fhir.medication_request(plan, intent="plan", status="active", subject="Patient/7")
    validated(resource)
    assert (resource["intent"], resource["status"]) == ("plan", "active")
    assert resource["subject"] == {"reference": "Patient/7"}
    with pytest.raises(fhir.ExportError, match="intent"):
        fhir.medication_request(plan, intent="filler-order")  # type: ignore[arg-type]
    with pytest.raises(fhir.ExportError, match="status"):
        fhir.medication_request(plan, status="completed")  # type: ignore[arg-type]


@pytest.mark.covers("INV-DETERMINISTIC")
def test_export_is_deterministic_and_identifies_the_plan() -> None:
    first = fhir.to_json(fhir.medication_request(make_plan()))
    again = fhir.to_json(fhir.medication_request(make_plan()))
    assert first == again
    other = fhir.medication_request(make_plan(start=datetime.date(2025, 1, 7)))
    identifier = cast("list[Json]", json.loads(first)["identifier"])[0]["value"]
    assert cast("list[Json]", other["identifier"])[0]["value"] != identifier


def test_no_patient_identifier_unless_given() -> None:
    resource = fhir.medication_request(make_plan())
    assert "reference" not in cast("Json", resource["subject"])


# ---------------------------------------------------------------------------------------------
# REFER and validation errors: no MedicationRequest.
# ---------------------------------------------------------------------------------------------


def _outcome(**profile: object) -> InvalidInput | Referral | RegimenPlan:
    base: dict[str, object] = {
        "formulation": Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML,
        "age_years": 45,
        "deficiency_status": DeficiencyStatus.CONFIRMED,
        "neurological_involvement": NeurologicalInvolvement.ABSENT,
    }
    base.update(profile)
    return plan_regimen(
        PlanRequest(
            profile=PatientProfile(**base),  # type: ignore[arg-type]
            start_date=START,
            route=Route.INTRAMUSCULAR,
        )
    )


@pytest.mark.covers("D-OUTCOME", "D-SCOPE-AGE")
def test_refer_becomes_an_operation_outcome_with_coded_reasons() -> None:
    outcome = _outcome(age_years=15, egfr_ml_min_1_73m2=30.0)
    assert isinstance(outcome, Referral)
    resource = fhir.export_plan_outcome(outcome)
    OperationOutcome.model_validate(resource)
    assert resource["resourceType"] == "OperationOutcome"
    first, *rest = cast("list[Json]", resource["issue"])
    assert (first["severity"], first["code"]) == ("error", "business-rule")
    details = cast("Json", first["details"])
    assert cast("list[Json]", details["coding"])[0]["code"] == "OUT_OF_SCOPE_AGE"
    assert "D-SCOPE-AGE" in str(details["text"])
    # The REFER keeps its safety warnings (D-OUTCOME): here the renal one.
    assert any("RENAL_PREFER_HYDROXOCOBALAMIN" in str(issue["details"]) for issue in rest)


def test_validation_error_becomes_an_operation_outcome_naming_the_field() -> None:
    outcome = _outcome(platelets_10e9_per_l=-1.0)
    assert isinstance(outcome, InvalidInput)
    resource = fhir.export_plan_outcome(outcome)
    OperationOutcome.model_validate(resource)
    issues = cast("list[Json]", resource["issue"])
    assert [issue["code"] for issue in issues] == ["invalid"]
    assert str(cast("Json", issues[0]["details"])["text"]).startswith(
        "profile.platelets_10e9_per_l:"
    )


# ---------------------------------------------------------------------------------------------
# Every plan of the decision tables.
# ---------------------------------------------------------------------------------------------

from specs.verification import decision_tables  # noqa: E402 - the tables, after the unit tests


def table_plans() -> list[tuple[str, RegimenPlan]]:
    plans: list[tuple[str, RegimenPlan]] = []
    for row in decision_tables.all_rows():
        if not isinstance(row.request, PlanRequest):
            continue
        outcome = plan_regimen(row.request)
        if isinstance(outcome, RegimenPlan):
            plans.append((row.id, outcome))
    return plans


TABLE_PLANS: Final = table_plans()


def test_the_decision_tables_hold_plans_of_every_loading_pattern() -> None:
    patterns = {plan.loading.pattern for _, plan in TABLE_PLANS}
    assert len(patterns) == 3
    assert len(TABLE_PLANS) >= 20


@pytest.mark.parametrize(("row_id", "plan"), TABLE_PLANS, ids=[row for row, _ in TABLE_PLANS])
def test_every_table_plan_exports_to_valid_fhir(row_id: str, plan: RegimenPlan) -> None:
    resource = fhir.medication_request(plan)
    validated(resource)
    assert audit_terminology(resource) == [], row_id
    parts = dosages(resource)
    has_loading = bool(plan.loading.injection_dates)
    assert [d["sequence"] for d in parts] == list(range(1, len(parts) + 1))
    assert len(parts) == (2 if has_loading else 1)
    maintenance = repeat(parts[-1])
    # Lifelong (P3): no end bound, and a start exactly when the plan dates maintenance.
    bounds = cast("Json", maintenance.get("boundsPeriod", {}))
    assert "end" not in bounds
    first = plan.maintenance.first_due_date
    assert bounds.get("start") == (first.isoformat() if first else None)
    due, overdue = plan.maintenance.due_interval_months, plan.maintenance.overdue_after_months
    assert (maintenance["period"], maintenance.get("periodMax")) == (
        due,
        overdue if overdue > due else None,
    )
    if has_loading:
        loading = parts[0]
        dates = [day.isoformat() for day in plan.loading.injection_dates]
        if plan.loading.open_ended:
            assert repeat(loading)["boundsPeriod"] == {"start": dates[0]}
            assert plan.loading.review_date is not None
            assert plan.loading.review_date.isoformat() in str(loading["text"])
        else:
            assert cast("Json", loading["timing"])["event"] == dates
            assert repeat(loading)["boundsPeriod"] == {"start": dates[0], "end": dates[-1]}
    codes = {finding.code.name for finding in plan.warnings}
    assert set(detected_issues(resource)) == codes
    for finding in plan.warnings:
        assert any(
            note.startswith(f"{fhir.SEVERITY_LABEL[finding.severity]}: {finding.text}")
            and all(rule in note for rule in finding.rule_ids)
            for note in notes(resource)
        ), finding.code


def _read_texts(value: object) -> list[str]:
    """Every text a person reads in a resource: the values of ``text`` and ``detail``."""
    if isinstance(value, dict):
        found = [str(v) for k, v in value.items() if k in {"text", "detail"} and isinstance(v, str)]
        return found + [text for v in value.values() for text in _read_texts(v)]
    if isinstance(value, list):
        return [text for item in value for text in _read_texts(item)]
    return []


def table_outcomes() -> list[tuple[str, RegimenPlan | Referral]]:
    found: list[tuple[str, RegimenPlan | Referral]] = []
    for row in decision_tables.all_rows():
        if isinstance(row.request, PlanRequest):
            outcome = plan_regimen(row.request)
            if isinstance(outcome, RegimenPlan | Referral):
                found.append((row.id, outcome))
    return found


@pytest.mark.covers("D-WORDING", "INV-WORDING")
def test_no_exported_text_names_a_machine_code_or_a_file_path() -> None:
    """D-WORDING reaches the documents too: codes travel in ``coding``, never in ``text``."""
    outcomes = table_outcomes()
    assert any(isinstance(outcome, Referral) for _, outcome in outcomes)
    problems = [
        (row_id, text)
        for row_id, outcome in outcomes
        for text in _read_texts(fhir.export_plan_outcome(outcome))
        if not wording_clean(text)
    ]
    assert not problems, problems[:3]
    assert not wording_clean("Refer (PLATELETS_BELOW_25_NO_NEURO)"), "the check can fail"
