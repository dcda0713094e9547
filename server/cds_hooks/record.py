"""Reading the patient's record into the kernel's profile (D-CDS-READ, D-CDS-RECENCY,
D-CDS-DISCLOSE): every profile input a record can hold, each from the codes of
``server.cds_hooks.codes``, with what was used and what was assumed.

- Every value used is kept as a ``Used`` (the fact, the value, its date, where it came from), so
  that every card can name the values and dates it rests on.
- Every fact taken as "no" or "not given" is kept as an ``Assumed`` with the reason: the record
  lacked it, held it in a form this service cannot read, or held it too old.
- A required fact (age, deficiency status, neurological involvement) the record lacks is
  ``missing``: the order is not checked, and its card names what to record.

Recency (D-CDS-RECENCY): a platelet count counts only if dated within the days up to and
including the service's date that ``kernel.constants.PLATELETS_RECENT_DAYS`` gives, an eGFR within
``EGFR_RECENT_DAYS``; an older value is set aside and named. Only active conditions and allergies
that are not refuted or entered in error count.

Where revision 2 leaves a reading open (several ileal resections, the scope of anticoagulant
therapy, how long a pregnancy counts, which folic acid records show it was started), the reader
takes the reading of ``specs/proposed-decisions.md`` (``D-PROPOSED-CDS-…``) that the rows of
``server.cds_hooks.codes`` implementing it cite, and names it in its docstring.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

from kernel import add_months
from kernel.constants import EGFR_RECENT_DAYS, PLATELETS_RECENT_DAYS
from kernel.model import (
    BariatricProcedure,
    DeficiencyStatus,
    NeurologicalInvolvement,
)
from server.cds_hooks import codes
from server.cds_hooks.codes import Fact
from server.cds_hooks.facts import (
    JsonObject,
    as_object,
    codings,
    concept_text,
    number,
    objects,
    parse_date,
    resources,
    text,
)

FINAL_STATUSES: Final = codes.FINAL_OBSERVATION_STATUSES
ACTIVE_CLINICAL: Final = codes.ACTIVE_CONDITION_STATUSES
NOT_COUNTED_VERIFICATION: Final = codes.NOT_COUNTED_VERIFICATION_STATUSES
DEFICIENCY_CODE: Final = "deficiency-status"
NEURO_CODE: Final = "neurological-involvement"
ASSESSMENTS: Final[Mapping[str, Mapping[str, DeficiencyStatus | NeurologicalInvolvement]]] = {
    DEFICIENCY_CODE: {
        "confirmed": DeficiencyStatus.CONFIRMED,
        "not-present": DeficiencyStatus.NOT_PRESENT,
        "unknown": DeficiencyStatus.UNKNOWN,
    },
    NEURO_CODE: {
        "present": NeurologicalInvolvement.PRESENT,
        "absent": NeurologicalInvolvement.ABSENT,
        "unknown": NeurologicalInvolvement.UNKNOWN,
    },
}
PREGNANT_VALUE: Final = ("http://snomed.info/sct", "77386006")


@dataclass(frozen=True)
class Used:
    """A value read from the record: the fact, the value, its date, where it was read."""

    fact: str
    value: str
    date: datetime.date | None
    source: str

    def sentence(self) -> str:
        """Return the value as the cards show it."""
        when = f" on {self.date.isoformat()}" if self.date is not None else ""
        return f"{self.fact}: {self.value}{when} ({self.source})"


@dataclass(frozen=True)
class Assumed:
    """A fact taken as "no" or "not given", and why."""

    fact: str
    taken_as: str  # "no" or "not given"
    why: str

    def sentence(self) -> str:
        """Return the assumption as the disclosure card shows it."""
        return f"{self.fact}: taken as {self.taken_as}, {self.why}"


@dataclass(frozen=True)
class Resources:
    """The record's resources by type (from the prefetch and the EHR's FHIR server)."""

    patient: JsonObject | None = None
    observations: tuple[JsonObject, ...] = ()
    conditions: tuple[JsonObject, ...] = ()
    allergies: tuple[JsonObject, ...] = ()
    requests: tuple[JsonObject, ...] = ()
    statements: tuple[JsonObject, ...] = ()
    procedures: tuple[JsonObject, ...] = ()


def sort_resources(values: Iterable[object]) -> Resources:
    """Sort resources (or Bundles of them) by type."""
    found: dict[str, list[JsonObject]] = {}
    for value in values:
        for resource in resources(value):
            found.setdefault(str(resource.get("resourceType")), []).append(resource)
    patients = found.get("Patient", [])
    return Resources(
        patient=patients[0] if patients else None,
        observations=tuple(found.get("Observation", [])),
        conditions=tuple(found.get("Condition", [])),
        allergies=tuple(found.get("AllergyIntolerance", [])),
        requests=tuple(found.get("MedicationRequest", [])),
        statements=tuple(found.get("MedicationStatement", [])),
        procedures=tuple(found.get("Procedure", [])),
    )


@dataclass
class Reading:
    """The profile inputs read from the record, with what was used, assumed and missing."""

    today: datetime.date
    used: list[Used] = field(default_factory=list)
    assumed: list[Assumed] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    age_years: int | None = None
    deficiency_status: DeficiencyStatus | None = None
    neurological_involvement: NeurologicalInvolvement | None = None
    platelets_10e9_per_l: float | None = None
    egfr_ml_min_1_73m2: float | None = None
    renal_impairment_reported: bool = False
    diabetic_nephropathy: bool = False
    hypersensitivity_cobalt_or_b12: bool = False
    leber_disease_or_tobacco_amblyopia: bool = False
    ileal_resection: bool = False
    ileal_resection_length_cm: float | None = None
    crohn_ileal_involvement: bool = False
    crohn_ileal_involvement_length_cm: float | None = None
    bariatric_procedure: BariatricProcedure = BariatricProcedure.NONE
    pregnant: bool = False
    anticoagulant_therapy: bool = False
    # Folic acid is read per order (before the order's start): the dated folic acid records.
    folic_acid_dates: list[tuple[datetime.date, str]] = field(default_factory=list)
    folic_acid_undated: int = 0
    # Folic acid records whose status does not show it was started (named, not counted).
    folic_acid_not_counted: list[tuple[datetime.date | None, str]] = field(default_factory=list)

    def no(self, fact: str, why: str) -> None:
        """Record a yes/no fact taken as no."""
        self.assumed.append(Assumed(fact, "no", why))

    def not_given(self, fact: str, why: str) -> None:
        """Record a value taken as not given."""
        self.assumed.append(Assumed(fact, "not given", why))


# ---------------------------------------------------------------------------------------------
# Shared readers.
# ---------------------------------------------------------------------------------------------


def _status_code(concept: object, system: str) -> str | None:
    node = as_object(concept)
    if node is None:
        return None
    for coding_system, code, _ in codings(node):
        if coding_system == system:
            return code
    return None


def _effective(resource: JsonObject) -> datetime.date | None:
    period = as_object(resource.get("effectivePeriod")) or {}
    return (
        parse_date(resource.get("effectiveDateTime"))
        or parse_date(resource.get("effectiveInstant"))
        or parse_date(period.get("end"))
        or parse_date(period.get("start"))
    )


def _recorded(resource: JsonObject) -> datetime.date | None:
    """Return when a condition began, an allergy was recorded or a procedure was performed."""
    period = as_object(resource.get("onsetPeriod")) or {}
    performed = as_object(resource.get("performedPeriod")) or {}
    return (
        parse_date(resource.get("onsetDateTime"))
        or parse_date(period.get("start"))
        or parse_date(resource.get("performedDateTime"))
        or parse_date(performed.get("start"))
        or parse_date(resource.get("recordedDate"))
    )


@dataclass(frozen=True)
class _Entry:
    """A condition, allergy or procedure that counts, with the row that made it count."""

    resource: JsonObject
    label: str  # "ICD-10-CM K50.0" or "named cyanocobalamin"
    date: datetime.date | None


def _counting_conditions(conditions: Iterable[JsonObject]) -> tuple[list[JsonObject], int]:
    """Return the active, not refuted conditions, and how many had no clinical status."""
    counted: list[JsonObject] = []
    without_status = 0
    for condition in conditions:
        clinical = _status_code(condition.get("clinicalStatus"), codes.CONDITION_CLINICAL)
        verification = _status_code(
            condition.get("verificationStatus"), codes.CONDITION_VERIFICATION
        )
        if verification in NOT_COUNTED_VERIFICATION:
            continue
        if clinical is None:
            without_status += 1
        elif clinical in ACTIVE_CLINICAL:
            counted.append(condition)
    return counted, without_status


def _system_name(system: str) -> str:
    return {
        codes.ICD10: "ICD-10",
        codes.ICD10_CM: "ICD-10-CM",
        codes.ICD10_PCS: "ICD-10-PCS",
        codes.SNOMED: "SNOMED CT",
        codes.RXNORM: "RxNorm",
        codes.LOINC: "LOINC",
        codes.ATC: "ATC",
    }.get(system, system)


def _matching(
    items: Iterable[JsonObject], fact: Fact, *, concept_key: str = "code", by_name: bool = True
) -> list[_Entry]:
    """Return the items whose code (a ``CodeRow`` of ``fact``) or name (its ``NameRow``)
    matches."""
    name = codes.name_of(fact) if by_name else None
    found: list[_Entry] = []
    for item in items:
        concept = item.get(concept_key)
        row = codes.coded(fact, codings(concept))
        label = None
        if row is not None:
            code = next(c for s, c, _ in codings(concept) if row.matches(s, c))
            label = f"{_system_name(row.system)} {code}"
        elif name is not None and name.matches(concept_text(concept)):
            label = f"named {concept_text(concept)!r}"
        if label is not None:
            found.append(_Entry(item, label, _recorded(item) or parse_date(item.get("authoredOn"))))
    return found


def _dated(entry: _Entry) -> str:
    return f"{entry.label}, recorded {entry.date.isoformat()}" if entry.date else entry.label


# ---------------------------------------------------------------------------------------------
# The facts.
# ---------------------------------------------------------------------------------------------


def _years(born: datetime.date, today: datetime.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _birth_range(raw: str) -> tuple[datetime.date, datetime.date] | None:
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", raw)
    if match is None:
        return None
    year, month, day = match.groups()
    try:
        if day is not None:
            exact = datetime.date(int(year), int(month), int(day))
            return exact, exact
        first = datetime.date(int(year), int(month) if month else 1, 1)
    except ValueError:
        return None
    if first.year == datetime.MAXYEAR and (month is None or first.month == 12):  # noqa: PLR2004
        return None
    last = add_months(first, 1 if month else 12) - datetime.timedelta(days=1)
    return first, last


def _read_age(record: Resources, reading: Reading) -> None:
    if record.patient is None:
        reading.missing.append("age: the record holds no patient demographics")
        return
    raw = text(record.patient.get("birthDate"))
    if raw is None:
        reading.missing.append("age: the record holds no date of birth")
        return
    span = _birth_range(raw)
    if span is None:
        reading.missing.append(f"age: the date of birth {raw[:10]!r} is not a date")
        return
    ages = {_years(born, reading.today) for born in span}
    if len(ages) != 1 or min(ages) < 0:
        reading.missing.append(
            f"age: the date of birth {raw} is too imprecise (or too late) for an age today"
        )
        return
    reading.age_years = ages.pop()
    reading.used.append(Used("age", f"{reading.age_years} years", None, f"born {raw}"))


def _latest_assessment(
    observations: Iterable[JsonObject], code: str
) -> tuple[JsonObject, datetime.date] | None:
    dated = [
        (day, observation)
        for observation in observations
        if observation.get("status") in FINAL_STATUSES
        and (codes.ASSESSMENT_SYSTEM, code)
        in {(s, c) for s, c, _ in codings(observation.get("code"))}
        and (day := _effective(observation)) is not None
    ]
    if not dated:
        return None
    day, observation = max(dated, key=lambda pair: pair[0])
    return observation, day


def _assessed(
    record: Resources, code: str, fact: str, reading: Reading
) -> DeficiencyStatus | NeurologicalInvolvement | None:
    latest = _latest_assessment(record.observations, code)
    if latest is None:
        return None
    observation, day = latest
    values = [
        c
        for s, c, _ in codings(observation.get("valueCodeableConcept"))
        if s == codes.ASSESSMENT_SYSTEM
    ]
    if values and values[0] in ASSESSMENTS[code]:
        reading.used.append(Used(fact, values[0].replace("-", " "), day, "assessment"))
        return ASSESSMENTS[code][values[0]]
    reading.assumed.append(
        Assumed(fact, "not given", f"the assessment of {day.isoformat()} has an unreadable value")
    )
    return None


def _condition_status(condition: JsonObject) -> str:
    return (
        _status_code(condition.get("verificationStatus"), codes.CONDITION_VERIFICATION)
        or "confirmed"  # FHIR: no verification status is not "refuted"
    )


def _read_deficiency(record: Resources, conditions: Sequence[JsonObject], reading: Reading) -> None:
    fact = Fact.DEFICIENCY.value
    assessed = _assessed(record, DEFICIENCY_CODE, fact, reading)
    if isinstance(assessed, DeficiencyStatus):
        reading.deficiency_status = assessed
        return
    b12_name = codes.name_of(Fact.DEFICIENCY)
    entries = [
        entry
        for entry in _matching(conditions, Fact.DEFICIENCY, by_name=False)
        if "E53.8" not in entry.label
        or (b12_name is not None and b12_name.matches(concept_text(entry.resource.get("code"))))
    ]
    if not entries:
        reading.missing.append(
            "deficiency status: the record holds no B12 deficiency assessment and no active"
            " condition coded ICD-10 D51 (or E53.8 naming B12)"
        )
        return
    statuses = {_condition_status(entry.resource) for entry in entries}
    reading.deficiency_status = (
        DeficiencyStatus.CONFIRMED if "confirmed" in statuses else DeficiencyStatus.UNKNOWN
    )
    shown = "confirmed" if "confirmed" in statuses else "not confirmed (treated as unknown)"
    reading.used.append(Used(fact, shown, entries[0].date, entries[0].label))


def _read_neuro(record: Resources, conditions: Sequence[JsonObject], reading: Reading) -> None:
    fact = Fact.NEURO.value
    assessed = _assessed(record, NEURO_CODE, fact, reading)
    if isinstance(assessed, NeurologicalInvolvement):
        reading.neurological_involvement = assessed
        return
    entries = _matching(conditions, Fact.NEURO, by_name=False)
    if not entries:
        reading.missing.append(
            "neurological involvement: the record holds no neurological assessment and no"
            " active condition coded ICD-10 G32.0"
        )
        return
    confirmed = any(_condition_status(entry.resource) == "confirmed" for entry in entries)
    reading.neurological_involvement = (
        NeurologicalInvolvement.PRESENT if confirmed else NeurologicalInvolvement.UNKNOWN
    )
    shown = "present" if confirmed else "not confirmed (treated as unknown)"
    reading.used.append(Used(fact, shown, entries[0].date, entries[0].label))


def _read_lab(  # noqa: PLR0913 (keyword-only: which lab, its unit, its window)
    record: Resources,
    reading: Reading,
    *,
    fact: Fact,
    unit_fact: Fact,
    days: int,
    unit_shown: str,
) -> float | None:
    rows = codes.rows_of(fact)
    dated = [
        (day, observation)
        for observation in record.observations
        if observation.get("status") in FINAL_STATUSES
        and any(row.matches(s, c) for s, c, _ in codings(observation.get("code")) for row in rows)
        and (day := _effective(observation)) is not None
    ]
    name = fact.value
    if not dated:
        reading.not_given(name, "the record holds no result")
        return None
    day, observation = max(dated, key=lambda pair: pair[0])
    quantity = as_object(observation.get("valueQuantity")) or {}
    value, unit = number(quantity.get("value")), text(quantity.get("code"))
    comparator, shown_unit = quantity.get("comparator", ""), quantity.get("unit", unit or "")
    shown = f"{comparator}{quantity.get('value')} {shown_unit}".strip()
    unit_row = next(
        (r for r in codes.rows_of(unit_fact) if r.matches(str(quantity.get("system")), unit or "")),
        None,
    )
    oldest = reading.today - datetime.timedelta(days=days - 1)
    if day > reading.today:
        reading.not_given(name, f"the result {shown} is dated {day.isoformat()}, after today")
        return None
    if day < oldest:
        reading.not_given(
            name,
            f"the latest result, {shown} on {day.isoformat()}, is older than {days} days"
            f" (set aside: only results from {oldest.isoformat()} count)",
        )
        return None
    if value is None or unit_row is None:
        reading.not_given(name, f"the result {shown} on {day.isoformat()} is not in a unit read")
        return None
    if "comparator" in quantity:
        reading.not_given(name, f"the result {shown} on {day.isoformat()} is a bound, not a value")
        return None
    reading.used.append(Used(name, f"{value:g} {unit_shown}", day, "laboratory result"))
    return value


def _read_yes_no_condition(
    conditions: Sequence[JsonObject], fact: Fact, reading: Reading, *, by_name: bool = False
) -> bool:
    entries = _matching(conditions, fact, by_name=by_name)
    if entries:
        reading.used.append(Used(fact.value, "yes", entries[0].date, entries[0].label))
        return True
    reading.no(fact.value, "the record holds no active condition for it")
    return False


def _length_cm(resource: JsonObject, url: str) -> float | None:
    for extension in objects(resource.get("extension")):
        if extension.get("url") != url:
            continue
        quantity = as_object(extension.get("valueQuantity")) or {}
        value, unit = number(quantity.get("value")), text(quantity.get("code"))
        row = next(
            (
                r
                for r in codes.rows_of(Fact.LENGTH_UNIT)
                if r.matches(str(quantity.get("system")), unit or "")
            ),
            None,
        )
        if value is not None and row is not None and value >= 0:
            return value * float(row.value)
    return None


def _done(record: Resources, fact: Fact) -> list[JsonObject]:
    """Return the procedures whose status counts for ``fact``."""
    statuses = codes.statuses_of(fact, "Procedure")
    return [procedure for procedure in record.procedures if procedure.get("status") in statuses]


def _read_ileal_resection(record: Resources, reading: Reading) -> None:
    """Every ileal resection counts; the length is their sum, unknown if any lacks one
    (D-CDS-READ, D-PROPOSED-CDS-RESECTION-LENGTHS)."""
    entries = _matching(_done(record, Fact.ILEAL_RESECTION), Fact.ILEAL_RESECTION)
    fact = Fact.ILEAL_RESECTION.value
    if not entries:
        reading.no(fact, "the record holds no ileal resection")
        return
    lengths = [_length_cm(entry.resource, codes.RESECTED_LENGTH_URL) for entry in entries]
    reading.ileal_resection = True
    if all(length is not None for length in lengths):
        total = sum(length for length in lengths if length is not None)
        reading.ileal_resection_length_cm = total
        reading.used.append(
            Used(fact, f"yes, {total:g} cm in all", entries[0].date, _dated(entries[0]))
        )
    else:
        reading.used.append(
            Used(fact, "yes, length not recorded", entries[0].date, _dated(entries[0]))
        )


def _read_crohn(conditions: Sequence[JsonObject], reading: Reading) -> None:
    fact = Fact.CROHN_ILEAL.value
    entries = _matching(conditions, Fact.CROHN_ILEAL, by_name=False)
    if entries:
        length = _length_cm(entries[0].resource, codes.INVOLVED_LENGTH_URL)
        reading.crohn_ileal_involvement = True
        reading.crohn_ileal_involvement_length_cm = length
        shown = f"yes, {length:g} cm" if length is not None else "yes, length not recorded"
        reading.used.append(Used(fact, shown, entries[0].date, entries[0].label))
        return
    other = _matching(conditions, Fact.CROHN_OTHER, by_name=False)
    if other:
        reading.no(
            fact, f"Crohn's disease is recorded without ileal involvement ({other[0].label})"
        )
    else:
        reading.no(fact, "the record holds no active condition for it")


def _read_bariatric(record: Resources, conditions: Sequence[JsonObject], reading: Reading) -> None:
    fact = Fact.BARIATRIC.value
    entries = _matching(conditions, Fact.BARIATRIC, by_name=False) + _matching(
        _done(record, Fact.BARIATRIC), Fact.BARIATRIC
    )
    if not entries:
        reading.no(fact, "the record holds no bariatric procedure or status")
        return
    words = " ".join(concept_text(entry.resource.get("code")) for entry in entries).lower()
    kinds = (
        ("roux", BariatricProcedure.ROUX_EN_Y),
        ("gastric bypass", BariatricProcedure.ROUX_EN_Y),
        ("biliopancreatic", BariatricProcedure.BILIOPANCREATIC_DIVERSION),
        ("sleeve", BariatricProcedure.SLEEVE),
        ("band", BariatricProcedure.GASTRIC_BAND),
    )
    reading.bariatric_procedure = next(
        (kind for word, kind in kinds if word in words), BariatricProcedure.OTHER
    )
    reading.used.append(Used(fact, "yes", entries[0].date, _dated(entries[0])))


def _counting_allergies(allergies: Iterable[JsonObject]) -> list[JsonObject]:
    counted: list[JsonObject] = []
    for allergy in allergies:
        clinical = _status_code(allergy.get("clinicalStatus"), codes.ALLERGY_CLINICAL)
        verification = _status_code(allergy.get("verificationStatus"), codes.ALLERGY_VERIFICATION)
        if (
            clinical in codes.ACTIVE_ALLERGY_STATUSES
            and verification not in NOT_COUNTED_VERIFICATION
        ):
            counted.append(allergy)
    return counted


def _read_hypersensitivity(record: Resources, reading: Reading) -> None:
    fact = Fact.HYPERSENSITIVITY.value
    entries = _matching(_counting_allergies(record.allergies), Fact.HYPERSENSITIVITY)
    if not entries:
        reading.no(fact, "the record holds no active allergy or intolerance to it")
        return
    reading.hypersensitivity_cobalt_or_b12 = True
    allergy = entries[0].resource
    criticality = text(allergy.get("criticality"))
    reactions = [
        concept_text(manifestation)
        for reaction in objects(allergy.get("reaction"))
        for manifestation in objects(reaction.get("manifestation"))
    ]
    details = ", ".join(
        part for part in [*reactions, f"criticality {criticality}" if criticality else ""] if part
    )
    value = f"yes ({details})" if details else "yes"
    reading.used.append(Used(fact, value, entries[0].date, f"allergy {_dated(entries[0])}"))


def _medication_date(resource: JsonObject) -> datetime.date | None:
    period = as_object(resource.get("effectivePeriod")) or {}
    return (
        parse_date(resource.get("authoredOn"))
        or parse_date(resource.get("effectiveDateTime"))
        or parse_date(period.get("start"))
        or parse_date(resource.get("dateAsserted"))
    )


def _medications(record: Resources, fact: Fact) -> list[_Entry]:
    """Return the orders and statements of ``fact`` whose status counts for it."""
    found: list[_Entry] = []
    for kind, items in (
        ("MedicationRequest", record.requests),
        ("MedicationStatement", record.statements),
    ):
        statuses = codes.statuses_of(fact, kind)
        counted = [item for item in items if item.get("status") in statuses]
        found += _matching(counted, fact, concept_key="medicationCodeableConcept")
    return found


def _not_counted_medications(record: Resources, fact: Fact) -> list[_Entry]:
    """Return the orders and statements of ``fact`` whose status does not count for it (other
    than entered in error)."""
    found: list[_Entry] = []
    for kind, items in (
        ("MedicationRequest", record.requests),
        ("MedicationStatement", record.statements),
    ):
        statuses = codes.statuses_of(fact, kind) | {"entered-in-error"}
        left = [item for item in items if item.get("status") not in statuses]
        found += _matching(left, fact, concept_key="medicationCodeableConcept")
    return found


def _read_folic_acid(record: Resources, reading: Reading) -> None:
    """Folic acid counts when its order or statement shows it was started (D-CDS-READ,
    D-PROPOSED-CDS-FOLIC-ACID-STATUS); the others are kept to be named."""
    for entry in _medications(record, Fact.FOLIC_ACID):
        day = _medication_date(entry.resource)
        if day is None:
            reading.folic_acid_undated += 1
        else:
            reading.folic_acid_dates.append((day, entry.label))
    for entry in _not_counted_medications(record, Fact.FOLIC_ACID):
        status = text(entry.resource.get("status")) or "no status"
        day = _medication_date(entry.resource)
        reading.folic_acid_not_counted.append((day, f"{entry.label}, status {status}"))


def _read_anticoagulant(record: Resources, reading: Reading) -> None:
    """Any active anticoagulant counts, whatever its dose or purpose; an active antiplatelet does
    not, and is named (D-CDS-READ, D-PROPOSED-CDS-ANTICOAGULANT-SCOPE)."""
    fact = Fact.ANTICOAGULANT.value
    entries = _medications(record, Fact.ANTICOAGULANT)
    if entries:
        reading.anticoagulant_therapy = True
        day = _medication_date(entries[0].resource)
        reading.used.append(Used(fact, "yes", day, entries[0].label))
        return
    why = "the record holds no active order or statement of an anticoagulant"
    antiplatelets = _medications(record, Fact.ANTIPLATELET)
    if antiplatelets:
        named = "; ".join(entry.label for entry in antiplatelets)
        why += f" (an antiplatelet is recorded, not read as anticoagulant therapy: {named})"
    reading.no(fact, why)


def _latest_pregnancy_status(record: Resources) -> tuple[datetime.date, bool] | None:
    """Return the date of the latest final pregnancy status, and whether it says pregnant."""
    rows = codes.rows_of(Fact.PREGNANCY)
    statuses = [
        (day, observation)
        for observation in record.observations
        if observation.get("status") in FINAL_STATUSES
        and any(row.matches(s, c) for s, c, _ in codings(observation.get("code")) for row in rows)
        and (day := _effective(observation)) is not None
    ]
    if not statuses:
        return None
    day, latest = max(statuses, key=lambda pair: pair[0])
    value = {(s, c) for s, c, _ in codings(latest.get("valueCodeableConcept"))}
    return day, PREGNANT_VALUE in value


def _read_pregnancy(record: Resources, conditions: Sequence[JsonObject], reading: Reading) -> None:
    """Pregnant when the latest status says so or an active pregnancy condition is recorded,
    whatever their dates (D-CDS-READ, D-PROPOSED-CDS-PREGNANCY-RECENCY)."""
    fact = Fact.PREGNANCY.value
    status = _latest_pregnancy_status(record)
    entries = _matching(conditions, Fact.PREGNANCY, by_name=False)
    if status is not None and status[1]:
        reading.pregnant = True
        reading.used.append(Used(fact, "yes", status[0], "pregnancy status"))
    elif entries:
        reading.pregnant = True
        reading.used.append(Used(fact, "yes", entries[0].date, entries[0].label))
        if status is not None:
            reading.used.append(
                Used(
                    "pregnancy status",
                    "not pregnant",
                    status[0],
                    "not taken over the active pregnancy condition",
                )
            )
    elif status is not None:
        reading.used.append(Used(fact, "no", status[0], "pregnancy status"))
    else:
        reading.no(fact, "the record holds no pregnancy status and no active pregnancy condition")


def read_record(record: Resources, today: datetime.date) -> Reading:
    """Return every profile input the record holds, with what was used and assumed."""
    reading = Reading(today=today)
    conditions, without_status = _counting_conditions(record.conditions)
    _read_age(record, reading)
    _read_deficiency(record, conditions, reading)
    _read_neuro(record, conditions, reading)
    reading.platelets_10e9_per_l = _read_lab(
        record,
        reading,
        fact=Fact.PLATELETS,
        unit_fact=Fact.PLATELET_UNIT,
        days=PLATELETS_RECENT_DAYS,
        unit_shown="x10^9/L",
    )
    reading.egfr_ml_min_1_73m2 = _read_lab(
        record,
        reading,
        fact=Fact.EGFR,
        unit_fact=Fact.EGFR_UNIT,
        days=EGFR_RECENT_DAYS,
        unit_shown="mL/min/1.73 m2",
    )
    reading.renal_impairment_reported = _read_yes_no_condition(conditions, Fact.RENAL, reading)
    reading.diabetic_nephropathy = _read_yes_no_condition(
        conditions, Fact.DIABETIC_NEPHROPATHY, reading
    )
    _read_hypersensitivity(record, reading)
    reading.leber_disease_or_tobacco_amblyopia = _read_yes_no_condition(
        conditions, Fact.LEBER, reading, by_name=True
    )
    _read_ileal_resection(record, reading)
    _read_crohn(conditions, reading)
    _read_bariatric(record, conditions, reading)
    _read_folic_acid(record, reading)
    _read_pregnancy(record, conditions, reading)
    _read_anticoagulant(record, reading)
    if without_status:
        reading.assumed.append(
            Assumed(
                "conditions",
                "not counted",
                f"{without_status} condition(s) in the record have no clinical status",
            )
        )
    return reading


def folic_acid_before(reading: Reading, start: datetime.date) -> tuple[bool, Used | Assumed]:
    """Return whether folic acid was started before a B12 order starting on ``start``, with
    what shows it (D-FOLATE, D-CDS-READ: dated before the B12 order; the records that do not
    count are named, D-PROPOSED-CDS-FOLIC-ACID-STATUS)."""
    fact = "folic acid started before B12"
    before = sorted(entry for entry in reading.folic_acid_dates if entry[0] < start)
    if before:
        day, label = before[0]
        return True, Used(fact, "yes", day, label)
    if reading.folic_acid_undated:
        why = "folic acid is recorded without a date, so not read as before this order"
    else:
        why = f"the record holds no folic acid order or statement dated before {start.isoformat()}"
    not_counted = [
        label if day is None else f"{label}, dated {day.isoformat()}"
        for day, label in reading.folic_acid_not_counted
        if day is None or day < start
    ]
    if not_counted:
        why += "; not counted, their status not showing it was started: " + "; ".join(not_counted)
    return False, Assumed(fact, "no", why)
