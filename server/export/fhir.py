"""FHIR R4 export of kernel outcomes: translation only, no clinical rule.

A plan, or a course's forward schedule (D-COURSE-SCHEDULE), becomes a ``MedicationRequest``
(plain JSON, as a ``dict``); a REFER or a validation error becomes an ``OperationOutcome`` (a
REFER is "no regimen proposed", never a default plan, P2). Every text a clinician reads is the
kernel's sentence (D-WORDING): codes travel in ``coding``, never in ``text``.

How a ``RegimenPlan`` maps (every element carries the rule IDs that produced it, P4):

- ``status`` ``draft`` / ``intent`` ``proposal`` by default (decision support proposes); a caller
  that adopts the plan may ask for ``active`` and ``plan`` (or ``order``, as when a CDS Hooks
  suggestion replaces a draft order). ``category`` is ``community`` for a HOME
  plan and ``outpatient`` for a SUPERVISED one; ``courseOfTherapyType`` is ``continuous``
  (lifelong, R-LIFELONG).
- ``medicationCodeableConcept``: RxNorm 309594 (cyanocobalamin 1000 mcg/mL) or 317106
  (hydroxocobalamin 1000 mcg/mL), the two codes of D-FORMULATIONS.
- ``dosageInstruction``: one per phase, in order: loading (``sequence`` 1) and maintenance
  (``sequence`` 2); a prophylaxis plan has no loading, so its maintenance is ``sequence`` 1.
  Each has ``Timing.repeat`` frequency/period/periodUnit:

  - standard loading: 3 per 1 wk, ``count`` 6, ``boundsPeriod`` start-end (days 0-11), and the
    six dates themselves in ``Timing.event`` (FHIR reads ``event`` beside ``repeat`` as the
    interpretation of the repeat: here D-LOAD-DAYS exactly);
  - neurological loading: 1 per 2 d from the start, open-ended: ``boundsPeriod`` has a start and
    no end, and the text names the clinician review date (D-NEURO-OPEN);
  - maintenance: 1 per ``due`` mo, with ``periodMax`` = the overdue-after interval when it is
    longer (2-3-monthly: hydroxocobalamin, extended), for life: no end bound ever (P3). Its
    ``boundsPeriod`` has only a start, the first due date, when the plan dates maintenance; after
    open-ended neurological loading it has no bounds at all (it starts once a plateau is
    reported, D-NEURO-OPEN).

  ``route`` is SNOMED CT 78421000 (intramuscular route); ``site`` the first site the guidance
  lists, coded in SNOMED CT, with every further site (alternatives) in the extension
  ``ALTERNATIVE_SITE_URL``; ``doseAndRate`` holds the ordered dose 1000 ug and the calculated
  volume 1 mL (UCUM). Needle and pressure guidance (D-PLT) are ``additionalInstruction``.
- Warnings: one ``note`` each (severity, code, text, rule IDs, source references) and one
  contained ``DetectedIssue`` each (severity critical -> high, warning -> moderate, info -> low),
  referenced from ``detectedIssue``; guidance and monitoring items are notes too.

SNOMED CT site codes (international edition; see tests/export/test_fhir.py for how they were
checked): 35259002 |Structure of deltoid muscle|, 1403006 |Structure of vastus lateralis muscle|.
The international edition has no concept for the upper outer quadrant of the buttock (only national
extensions do), so that site is 46862004 |Buttock structure| with the quadrant and the needle
direction in ``text``. The ventrogluteal site is 78333006 |Structure of gluteus medius muscle|
(D-SITE, as the record names it).

Code systems and extensions of this product live under ``CANONICAL_BASE``, a reserved
documentation domain (RFC 2606) that a deployment publishing them replaces.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Final, Literal

from kernel.constants import DOSE_MCG, STANDARD_LOADING_DOSES, VOLUME_ML
from kernel.model import (
    Code,
    CourseAssessment,
    Finding,
    Formulation,
    InjectionSite,
    InvalidInput,
    Item,
    LoadingPattern,
    LoadingPhase,
    MaintenancePhase,
    PlanSetting,
    Referral,
    RegimenPlan,
    Severity,
)

JsonObject = dict[str, object]
Intent = Literal["proposal", "plan", "order"]
Status = Literal["draft", "active"]

INTENTS: Final[tuple[Intent, ...]] = ("proposal", "plan", "order")
INTENT_BY_NAME: Final[Mapping[str, Intent]] = {intent: intent for intent in INTENTS}
STATUSES: Final[tuple[Status, ...]] = ("draft", "active")

CANONICAL_BASE: Final = "https://b12-dosing.example/fhir"
CODE_SYSTEM: Final = f"{CANONICAL_BASE}/CodeSystem/finding-code"
RULE_SYSTEM: Final = f"{CANONICAL_BASE}/CodeSystem/rule-id"
REFER_REASON_SYSTEM: Final = f"{CANONICAL_BASE}/CodeSystem/refer-reason"
PLAN_IDENTIFIER_SYSTEM: Final = f"{CANONICAL_BASE}/NamingSystem/plan-content-hash"
ALTERNATIVE_SITE_URL: Final = f"{CANONICAL_BASE}/StructureDefinition/alternative-injection-site"

SNOMED: Final = "http://snomed.info/sct"
RXNORM: Final = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM: Final = "http://unitsofmeasure.org"
DOSE_RATE_TYPE: Final = "http://terminology.hl7.org/CodeSystem/dose-rate-type"
REQUEST_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/medicationrequest-category"
COURSE_OF_THERAPY: Final = (
    "http://terminology.hl7.org/CodeSystem/medicationrequest-course-of-therapy"
)

ROUTE_INTRAMUSCULAR: Final = ("78421000", "Intramuscular route")

MEDICATION: Final[Mapping[Formulation, tuple[str, str]]] = {
    Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML: ("309594", "Cyanocobalamin 1000 mcg/mL injection"),
    Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML: (
        "317106",
        "Hydroxocobalamin 1000 mcg/mL injection",
    ),
}

# Site: (SNOMED CT code, display, text).
SITES: Final[Mapping[InjectionSite, tuple[str, str, str]]] = {
    InjectionSite.DELTOID: ("35259002", "Structure of deltoid muscle", "Deltoid muscle"),
    InjectionSite.VASTUS_LATERALIS: (
        "1403006",
        "Structure of vastus lateralis muscle",
        "Vastus lateralis muscle",
    ),
    InjectionSite.GLUTEAL_UPPER_OUTER_QUADRANT: (
        "46862004",
        "Buttock structure",
        "Upper outer quadrant of the buttock only, needle directed anteriorly",
    ),
    InjectionSite.VENTROGLUTEAL: (
        "78333006",
        "Structure of gluteus medius muscle",
        "Ventrogluteal site, by the landmark technique of a trained person",
    ),
}

DETECTED_ISSUE_SEVERITY: Final[Mapping[Severity, str]] = {
    Severity.CRITICAL: "high",
    Severity.WARNING: "moderate",
    Severity.INFO: "low",
}


class ExportError(ValueError):
    """An argument of an export is outside what the export supports."""


# ---------------------------------------------------------------------------------------------
# Identity.
# ---------------------------------------------------------------------------------------------


def _plain(value: object) -> object:
    """Return a JSON-ready, order-stable form of a kernel value."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def content_hash(value: object) -> str:
    """Return the SHA-256 of a kernel value's canonical JSON (equal values, equal hashes)."""
    text = json.dumps(_plain(value), sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


# ---------------------------------------------------------------------------------------------
# Small builders.
# ---------------------------------------------------------------------------------------------


def _coding(system: str, code: str, display: str | None = None) -> JsonObject:
    coding: JsonObject = {"system": system, "code": code}
    if display is not None:
        coding["display"] = display
    return coding


def _concept(codings: Sequence[JsonObject], text: str | None = None) -> JsonObject:
    concept: JsonObject = {"coding": list(codings)}
    if text is not None:
        concept["text"] = text
    return concept


def _citation(rule_ids: Sequence[str], references: Sequence[str]) -> str:
    return f"[{', '.join(rule_ids)}; source references: {', '.join(references)}]"


SEVERITY_LABEL: Final[Mapping[Severity, str]] = {
    Severity.CRITICAL: "Critical",
    Severity.WARNING: "Warning",
    Severity.INFO: "Information",
}


def _finding_text(finding: Finding) -> str:
    return (
        f"{SEVERITY_LABEL[finding.severity]}: {finding.text} "
        f"{_citation(finding.rule_ids, finding.source_references)}"
    )


def _item_text(kind: str, item: Item) -> str:
    citation = _citation(item.rule_ids, item.source_references)
    return f"{kind}: {item.text} {citation}"


def _dates(days: Sequence[datetime.date]) -> str:
    return ", ".join(day.isoformat() for day in days)


def _quantity(value: float, unit: str, code: str) -> JsonObject:
    number: int | float = int(value) if float(value).is_integer() else value
    return {"value": number, "unit": unit, "system": UCUM, "code": code}


def _site(sites: Sequence[InjectionSite]) -> JsonObject:
    first, *alternatives = sites
    code, display, text = SITES[first]
    names = [SITES[site][2] for site in sites]
    concept = _concept([_coding(SNOMED, code, display)], text)
    if alternatives:
        concept["text"] = f"{text}; or: {'; or: '.join(names[1:])}"
        concept["extension"] = [
            {
                "url": ALTERNATIVE_SITE_URL,
                "valueCodeableConcept": _concept(
                    [_coding(SNOMED, SITES[site][0], SITES[site][1])], SITES[site][2]
                ),
            }
            for site in alternatives
        ]
    return concept


# ---------------------------------------------------------------------------------------------
# Dosage instructions.
# ---------------------------------------------------------------------------------------------


def _administration(plan: RegimenPlan) -> tuple[list[JsonObject], str]:
    """Needle, pressure and setting instructions, and the administration note (D-SITE, D-PLT,
    R-FORM-1) with the rule IDs that produced them."""
    guidance = plan.guidance
    instructions: list[str] = []
    if guidance.needle_gauge_min is not None and guidance.pressure_minutes_min is not None:
        instructions.append(
            f"Use a {guidance.needle_gauge_min}-{guidance.needle_gauge_max}G needle and apply"
            f" pressure for {guidance.pressure_minutes_min}-{guidance.pressure_minutes_max}"
            " minutes after each injection"
        )
    if plan.setting is PlanSetting.SUPERVISED:
        instructions.append("Give under clinical supervision, not at home")
    sites = "; or ".join(SITES[site][2] for site in guidance.sites)
    note = (
        f"Administration: {guidance.dose_mcg} mcg = {_ml(guidance.volume_ml)} of"
        f" {guidance.concentration_mcg_per_ml} mcg/mL, intramuscular. Site: {sites}."
        f"{''.join(f' {text}.' for text in instructions)}"
        f" {_citation(guidance.rule_ids, guidance.source_references)}"
    )
    return [{"text": text} for text in instructions], note


def _dose_and_rate(volume_ml: float, dose_mcg: int) -> list[JsonObject]:
    return [
        {
            "type": _concept([_coding(DOSE_RATE_TYPE, "ordered", "Ordered")]),
            "doseQuantity": _quantity(dose_mcg, "mcg", "ug"),
        },
        {
            "type": _concept([_coding(DOSE_RATE_TYPE, "calculated", "Calculated")]),
            "doseQuantity": _quantity(volume_ml, "mL", "mL"),
        },
    ]


def _loading_timing(loading: LoadingPhase) -> tuple[JsonObject, str]:
    days = loading.injection_dates
    citation = _citation(loading.rule_ids, loading.source_references)
    if loading.pattern is LoadingPattern.STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS:
        timing: JsonObject = {
            "event": [day.isoformat() for day in days],
            "repeat": {
                "boundsPeriod": {"start": days[0].isoformat(), "end": days[-1].isoformat()},
                "count": len(days),
                "frequency": 3,
                "period": 1,
                "periodUnit": "wk",
            },
        }
        text = (
            f"Loading: {loading.dose_mcg} mcg ({_ml(loading.volume_ml)}) intramuscularly three"
            f" times weekly for 2 weeks, {len(days)} injections: {_dates(days)}. {citation}"
        )
        return timing, text
    review = loading.review_date
    assert review is not None, "INV-LOAD-NEURO: open-ended loading has a review date"
    timing = {
        "repeat": {
            "boundsPeriod": {"start": days[0].isoformat()},
            "frequency": 1,
            "period": 2,
            "periodUnit": "d",
        }
    }
    text = (
        f"Loading: {loading.dose_mcg} mcg ({_ml(loading.volume_ml)}) intramuscularly on"
        f" alternate days from {days[0].isoformat()}, open-ended: continue until there is no"
        f" further improvement. Clinician review on {review.isoformat()}. Maintenance starts only"
        f" once a plateau is reported. {citation}"
    )
    return timing, text


def _ml(volume_ml: float) -> str:
    return f"{volume_ml:g} mL"


def _months(count: int) -> str:
    return "1 month" if count == 1 else f"{count} months"


def _maintenance_timing(maintenance: MaintenancePhase) -> tuple[JsonObject, str]:
    due, overdue = maintenance.due_interval_months, maintenance.overdue_after_months
    repeat: JsonObject = {"frequency": 1, "period": due, "periodUnit": "mo"}
    if overdue > due:
        repeat["periodMax"] = overdue
    every = f"every {due}-{overdue} months" if overdue > due else f"every {_months(due)}"
    first = maintenance.first_due_date
    if first is not None:
        repeat = {"boundsPeriod": {"start": first.isoformat()}, **repeat}
        when = f"first dose on {first.isoformat()}"
    else:
        when = "starting one interval after the last loading dose, once a plateau is reported"
    text = (
        f"Maintenance: {maintenance.dose_mcg} mcg ({_ml(maintenance.volume_ml)})"
        f" intramuscularly {every}, for life, {when}; each dose is due {_months(due)} after the"
        f" previous one and overdue after {_months(overdue)}. Never stopped, even if levels"
        f" normalise. {_citation(maintenance.rule_ids, maintenance.source_references)}"
    )
    return {"repeat": repeat}, text


def _dosage(
    sequence: int,
    timing: JsonObject,
    text: str,
    plan: RegimenPlan,
    instructions: list[JsonObject],
) -> JsonObject:
    guidance = plan.guidance
    dosage: JsonObject = {
        "sequence": sequence,
        "text": text,
        "timing": timing,
        "site": _site(guidance.sites),
        "route": _concept([_coding(SNOMED, *ROUTE_INTRAMUSCULAR)], "Intramuscular injection"),
        "doseAndRate": _dose_and_rate(guidance.volume_ml, guidance.dose_mcg),
    }
    if instructions:
        dosage["additionalInstruction"] = instructions
    return dosage


# ---------------------------------------------------------------------------------------------
# Warnings.
# ---------------------------------------------------------------------------------------------


def _detected_issue(index: int, finding: Finding) -> JsonObject:
    return {
        "resourceType": "DetectedIssue",
        "id": f"issue-{index}",
        "status": "final",
        "code": _concept([_coding(CODE_SYSTEM, finding.code.name)], finding.text),
        "severity": DETECTED_ISSUE_SEVERITY[finding.severity],
        "implicated": [{"reference": "#"}],
        "evidence": [
            {
                "code": [
                    _concept([_coding(RULE_SYSTEM, rule_id)], rule_id)
                    for rule_id in finding.rule_ids
                ]
            }
        ],
        "detail": _finding_text(finding),
    }


# ---------------------------------------------------------------------------------------------
# Public API.
# ---------------------------------------------------------------------------------------------


def medication_request(
    plan: RegimenPlan,
    *,
    intent: Intent = "proposal",
    status: Status = "draft",
    subject: str | None = None,
) -> JsonObject:
    """Return the plan as a FHIR R4 ``MedicationRequest`` (a JSON object).

    ``subject`` is a FHIR reference such as ``Patient/123``; the plan itself is patient-free, so
    without one the subject is a display-only reference the caller must fill in.
    """
    if intent not in INTENTS:
        message = f"intent must be one of {', '.join(INTENTS)}, not {intent!r}"
        raise ExportError(message)
    if status not in STATUSES:
        message = f"status must be one of {', '.join(STATUSES)}, not {status!r}"
        raise ExportError(message)
    code, text = MEDICATION[plan.guidance.formulation]
    instructions, administration = _administration(plan)
    phases: list[tuple[JsonObject, str]] = []
    if plan.loading.pattern is not LoadingPattern.NONE_PROPHYLAXIS:
        phases.append(_loading_timing(plan.loading))
    phases.append(_maintenance_timing(plan.maintenance))
    issues = [_detected_issue(index, finding) for index, finding in enumerate(plan.warnings, 1)]
    notes = [
        *(_finding_text(finding) for finding in plan.warnings),
        administration,
        *(_item_text("Guidance", item) for item in plan.guidance.items),
        *(_item_text("Monitoring", item) for item in plan.monitoring.items),
        _monitoring_note(plan),
        (
            f"Rule set {plan.rule_set_version}. Decision support for clinicians, not advice to"
            " patients."
        ),
    ]
    category = "outpatient" if plan.setting is PlanSetting.SUPERVISED else "community"
    resource: JsonObject = {
        "resourceType": "MedicationRequest",
        "identifier": [{"system": PLAN_IDENTIFIER_SYSTEM, "value": content_hash(plan)}],
        "status": status,
        "intent": intent,
        "category": [_concept([_coding(REQUEST_CATEGORY, category, category.capitalize())])],
        "medicationCodeableConcept": _concept([_coding(RXNORM, code)], text),
        "subject": (
            {"reference": subject}
            if subject is not None
            else {"type": "Patient", "display": "Patient not identified: set before use"}
        ),
        "courseOfTherapyType": _concept(
            [_coding(COURSE_OF_THERAPY, "continuous", "Continuous long term therapy")]
        ),
        "note": [{"text": note} for note in notes],
        "dosageInstruction": [
            _dosage(sequence, timing, text, plan, instructions)
            for sequence, (timing, text) in enumerate(phases, 1)
        ],
    }
    if issues:
        resource["contained"] = issues
        resource["detectedIssue"] = [{"reference": f"#{issue['id']}"} for issue in issues]
    return resource


def _monitoring_note(plan: RegimenPlan) -> str:
    monitoring = plan.monitoring
    pregnancy = monitoring.pregnancy_review_date
    review = (
        "" if pregnancy is None else f" Clinician review in pregnancy on {pregnancy.isoformat()}."
    )
    return (
        f"Monitoring: serum B12 and homocysteine on {_dates(monitoring.lab_check_dates)}"
        f" (every 3 months until stabilisation, then yearly); target homocysteine below"
        f" {monitoring.homocysteine_target_below_umol_per_l} umol/L.{review}"
        f" {_citation(monitoring.rule_ids, monitoring.source_references)}"
    )


def _issue(severity: str, code: str, text: str, codings: Sequence[JsonObject] = ()) -> JsonObject:
    details: JsonObject = {"text": text}
    if codings:
        details = {"coding": list(codings), "text": text}
    return {"severity": severity, "code": code, "details": details}


def referral_outcome(referral: Referral) -> JsonObject:
    """Return a REFER as an ``OperationOutcome``: no ``MedicationRequest`` is proposed.

    The first issue (severity ``error``, code ``business-rule``) says what to do (same-day
    specialist care when urgent) and gives every REFER reason, coded, with its sentence and the
    rule IDs; each safety warning the REFER carries follows as a ``warning`` (critical or
    warning) or ``information`` issue, in its referral wording.
    """
    reasons = " ".join(detail.text for detail in referral.reason_details)
    first = _issue(
        "error",
        "business-rule",
        f"{referral.text} No regimen is proposed. {reasons} [{', '.join(referral.rule_ids)}]."
        f" Rule set {referral.rule_set_version}.",
        [_coding(REFER_REASON_SYSTEM, reason.name) for reason in referral.reasons],
    )
    rest = [
        _issue(
            "information" if finding.severity is Severity.INFO else "warning",
            "informational",
            _finding_text(finding),
            [_coding(CODE_SYSTEM, finding.code.name)],
        )
        for finding in referral.warnings
    ]
    return {"resourceType": "OperationOutcome", "issue": [first, *rest]}


def invalid_outcome(invalid: InvalidInput) -> JsonObject:
    """Return a validation error as an ``OperationOutcome``: one ``invalid`` issue per field
    (the field path uses the request's field names, D-INVALID)."""
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            _issue("error", "invalid", f"{violation.field}: {violation.reason}")
            for violation in invalid.violations
        ],
    }


def export_plan_outcome(
    outcome: InvalidInput | Referral | RegimenPlan,
    *,
    intent: Intent = "proposal",
    status: Status = "draft",
    subject: str | None = None,
) -> JsonObject:
    """Return a plan's ``MedicationRequest``, or the ``OperationOutcome`` of a REFER or a
    validation error."""
    if isinstance(outcome, RegimenPlan):
        return medication_request(outcome, intent=intent, status=status, subject=subject)
    if isinstance(outcome, Referral):
        return referral_outcome(outcome)
    return invalid_outcome(outcome)


def to_json(resource: Mapping[str, object]) -> str:
    """Serialise a resource as compact, key-stable JSON (the same resource, the same bytes)."""
    return json.dumps(resource, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


# ---------------------------------------------------------------------------------------------
# A course's forward schedule (D-COURSE-SCHEDULE, D-EXPORT-NEURO: FHIR keeps the open-ended
# Timing).
# ---------------------------------------------------------------------------------------------


def _schedule_dosages(assessment: CourseAssessment) -> list[JsonObject]:
    schedule = assessment.schedule
    citation = _citation(schedule.rule_ids, schedule.source_references)
    dose = _dose_and_rate(VOLUME_ML, DOSE_MCG)
    route = _concept([_coding(SNOMED, *ROUTE_INTRAMUSCULAR)], "Intramuscular injection")
    phases: list[tuple[JsonObject, str]] = []
    loading = schedule.loading_dates
    if schedule.loading_open_ended:
        review = schedule.review_date
        then = (
            f" Clinician review on {review.isoformat()}."
            if review is not None
            else " The clinician review date has passed: review the course."
        )
        phases.append(
            (
                {
                    "repeat": {
                        "boundsPeriod": {"start": loading[0].isoformat()},
                        "frequency": 1,
                        "period": 2,
                        "periodUnit": "d",
                    }
                },
                (
                    f"Loading: {DOSE_MCG} mcg ({_ml(VOLUME_ML)}) intramuscularly on alternate"
                    f" days from {loading[0].isoformat()}, open-ended: continue until there is no"
                    f" further improvement; maintenance starts only once a plateau is reported."
                    f"{then}"
                    f" {citation}"
                ),
            )
        )
    elif loading:
        phases.append(
            (
                {
                    "event": [day.isoformat() for day in loading],
                    "repeat": {
                        "boundsPeriod": {
                            "start": loading[0].isoformat(),
                            "end": loading[-1].isoformat(),
                        },
                        "count": len(loading),
                    },
                },
                (
                    f"Loading: the remaining {len(loading)} of {STANDARD_LOADING_DOSES} doses of"
                    f" {DOSE_MCG} mcg ({_ml(VOLUME_ML)}) intramuscularly: {_dates(loading)}."
                    f" {citation}"
                ),
            )
        )
    maintenance = schedule.maintenance_dates
    if maintenance:
        due, overdue = assessment.due_interval_months, assessment.overdue_after_months
        repeat: JsonObject = {
            "boundsPeriod": {"start": maintenance[0].isoformat()},
            "frequency": 1,
            "period": due,
            "periodUnit": "mo",
        }
        if overdue > due:
            repeat["periodMax"] = overdue
        every = f"every {due}-{overdue} months" if overdue > due else f"every {_months(due)}"
        phases.append(
            (
                {"event": [day.isoformat() for day in maintenance], "repeat": repeat},
                (
                    f"Maintenance: {DOSE_MCG} mcg ({_ml(VOLUME_ML)}) intramuscularly {every}, for"
                    f" life: {_dates(maintenance)}, and on after the horizon"
                    f" {schedule.horizon_date.isoformat()}; never stopped, even if levels"
                    f" normalise. {citation}"
                ),
            )
        )
    return [
        {"sequence": sequence, "text": text, "timing": timing, "route": route, "doseAndRate": dose}
        for sequence, (timing, text) in enumerate(phases, 1)
    ]


def course_medication_request(
    assessment: CourseAssessment,
    *,
    formulation: Formulation,
    intent: Intent = "proposal",
    status: Status = "draft",
    subject: str | None = None,
) -> JsonObject:
    """Return a course's forward schedule as a FHIR R4 ``MedicationRequest``, the way
    ``medication_request`` exports a plan: one dosage per phase still to come, every finding as
    a note and a contained ``DetectedIssue``, the lab checks and review in a note."""
    if intent not in INTENTS:
        message = f"intent must be one of {', '.join(INTENTS)}, not {intent!r}"
        raise ExportError(message)
    if status not in STATUSES:
        message = f"status must be one of {', '.join(STATUSES)}, not {status!r}"
        raise ExportError(message)
    schedule = assessment.schedule
    code, text = MEDICATION[formulation]
    issues = [
        _detected_issue(index, finding) for index, finding in enumerate(assessment.findings, 1)
    ]
    review = (
        ""
        if schedule.review_date is None
        else f" Clinician review of loading on {schedule.review_date.isoformat()}."
    )
    notes = [
        *(_finding_text(finding) for finding in assessment.findings),
        (
            f"Monitoring: serum B12 and homocysteine on {_dates(schedule.lab_check_dates)}.{review}"
            f" {_citation(schedule.rule_ids, schedule.source_references)}"
        ),
        (
            f"The forward schedule of a course in progress, through {schedule.horizon_date}."
            f" Rule set {assessment.rule_set_version}. Decision support for clinicians, not"
            " advice to patients."
        ),
    ]
    suspended = any(
        finding.code is Code.HOME_ADMINISTRATION_SUSPENDED_REVIEW for finding in assessment.findings
    )
    category = "outpatient" if suspended else "community"
    resource: JsonObject = {
        "resourceType": "MedicationRequest",
        "identifier": [{"system": PLAN_IDENTIFIER_SYSTEM, "value": content_hash(schedule)}],
        "status": status,
        "intent": intent,
        "category": [_concept([_coding(REQUEST_CATEGORY, category, category.capitalize())])],
        "medicationCodeableConcept": _concept([_coding(RXNORM, code)], text),
        "subject": (
            {"reference": subject}
            if subject is not None
            else {"type": "Patient", "display": "Patient not identified: set before use"}
        ),
        "courseOfTherapyType": _concept(
            [_coding(COURSE_OF_THERAPY, "continuous", "Continuous long term therapy")]
        ),
        "note": [{"text": note} for note in notes],
        "dosageInstruction": _schedule_dosages(assessment),
    }
    if issues:
        resource["contained"] = issues
        resource["detectedIssue"] = [{"reference": f"#{issue['id']}"} for issue in issues]
    return resource
