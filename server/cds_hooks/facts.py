"""Reading kernel inputs from FHIR R4 JSON: the draft B12 order (and the JSON helpers).

Translation only: every fact is read from a code or a field named here, never inferred, and a
fact that is not there stays absent. What each kernel field is read from:

Order (the draft ``MedicationRequest``; ``medicationCodeableConcept``, or ``medicationReference``
to a contained ``Medication`` or one in the draft-orders Bundle):

- ``formulation``: RxNorm 309594 -> cyanocobalamin 1000 mcg/mL, 317106 -> hydroxocobalamin
  1000 mcg/mL (D-FORMULATIONS). Any other product whose code display or text names a cobalamin or
  vitamin B12 is a B12 order of an unsupported formulation (METHYLCOBALAMIN when it names
  methylcobalamin, OTHER otherwise), which the kernel reports as invalid; other orders are ignored.
- ``dose_per_injection_mcg``: ``doseAndRate.doseQuantity`` in UCUM ``ug``, ``mg`` (x 1000), or
  ``mL`` (x 1000, the 1000 mcg/mL concentration of both supported products).
- each ``dosageInstruction`` (in ``sequence`` order) by the time between doses of its
  ``Timing.repeat`` (``periodMax`` when given, else ``period``, divided by ``frequency``): under a
  week is loading (dates from ``Timing.event``, or from ``boundsPeriod.start`` with ``frequency``
  1 per ``period`` days; open-ended when there is neither an end nor a count); a week or more is
  a maintenance phase. The last maintenance phase gives the interval in months (weeks and days
  at UCUM's 30.4375 days a month) and the stop date (``boundsPeriod.end``, or the last dose of a
  ``count``); earlier ones (a weekly bridge, say) are listed as not checked.
- ``route``: SNOMED CT 78421000 intramuscular, 34206005 subcutaneous, 47625008 intravenous,
  26643006 oral; any other coded route is OTHER.
- ``site``: SNOMED CT 35259002 deltoid, 1403006 vastus lateralis, 78333006 gluteus medius
  (ventrogluteal), 46862004 buttock (upper outer quadrant when the text says so, otherwise a
  buttock without quadrant), 206007 gluteus maximus (a buttock without quadrant).

Patient facts are read by ``server.cds_hooks.record`` from the codes of
``server.cds_hooks.codes``.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from kernel import add_months
from kernel.constants import LOADING_WINDOW_DAYS
from kernel.model import (
    Formulation,
    ProposedRegimen,
    Route,
    SiteRequest,
)
from server.cds_hooks import codes
from server.cds_hooks.codes import Fact
from server.cds_hooks.jsonbody import BadRequestError

JsonObject = dict[str, object]

# The order's codes, from the one table (server.cds_hooks.codes).
SNOMED: Final = codes.SNOMED
RXNORM: Final = codes.RXNORM
UCUM: Final = codes.UCUM
RXNORM_FORMULATIONS: Final = {
    row.code: (
        Formulation.CYANOCOBALAMIN_1000_MCG_PER_ML
        if row.value == "cyanocobalamin"
        else Formulation.HYDROXOCOBALAMIN_1000_MCG_PER_ML
    )
    for row in codes.rows_of(Fact.FORMULATION)
}
ROUTES: Final = {row.code: Route[row.value] for row in codes.rows_of(Fact.ROUTE)}
SITES: Final = {row.code: SiteRequest[row.value] for row in codes.rows_of(Fact.SITE)}
DOSE_UNITS_MCG: Final = {row.code: float(row.value) for row in codes.rows_of(Fact.DOSE_UNIT)}
_B12_WORDS: Final = re.compile(r"cobalamin|vitamin\s*b\s*-?\s*12\b|\bb12\b", re.IGNORECASE)
MONTHS_PER: Final = {"mo": 1, "a": 12}
DAYS_PER: Final = {"d": 1, "wk": 7}
DAYS_PER_MONTH: Final = 30.4375  # UCUM's mo (mean Julian month), to read a weekly interval


class FhirInputError(ValueError):
    """The request's FHIR content is not what the hook requires (an HTTP 400)."""


# ---------------------------------------------------------------------------------------------
# JSON helpers: every read checks the type it expects.
# ---------------------------------------------------------------------------------------------


def as_object(value: object) -> JsonObject | None:
    """Return ``value`` when it is a JSON object, else None."""
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return value
    return None


def objects(value: object) -> list[JsonObject]:
    """Return the JSON objects of a JSON array (other items are skipped)."""
    if not isinstance(value, list):
        return []
    return [item for item in (as_object(element) for element in value) if item is not None]


def text(value: object) -> str | None:
    """Return ``value`` when it is a string, else None."""
    return value if isinstance(value, str) else None


def number(value: object) -> float | None:
    """Return ``value`` when it is a JSON number (not a boolean), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def codings(concept: object) -> list[tuple[str, str, str]]:
    """Return the (system, code, display) of every coding of a CodeableConcept."""
    found: list[tuple[str, str, str]] = []
    node = as_object(concept)
    if node is None:
        return found
    for coding in objects(node.get("coding")):
        system, code = text(coding.get("system")), text(coding.get("code"))
        if system is not None and code is not None:
            found.append((system, code, text(coding.get("display")) or ""))
    return found


def concept_text(concept: object) -> str:
    """Return the text of a CodeableConcept and the displays of its codings, joined."""
    node = as_object(concept) or {}
    parts = [text(node.get("text")) or ""]
    parts.extend(display for _, _, display in codings(node))
    return " ".join(part for part in parts if part)


def parse_date(value: object) -> datetime.date | None:
    """Return the date of a FHIR date or dateTime (its first 10 characters), else None."""
    raw = text(value)
    if raw is None or len(raw) < len("YYYY-MM-DD"):
        return None
    try:
        return datetime.date.fromisoformat(raw[:10])
    except ValueError:
        return None


def resources(bundle: object) -> list[JsonObject]:
    """Return the resources of a Bundle's entries (or the resource itself if not a Bundle)."""
    node = as_object(bundle)
    if node is None:
        return []
    if node.get("resourceType") != "Bundle":
        return [node]
    found: list[JsonObject] = []
    for entry in objects(node.get("entry")):
        resource = as_object(entry.get("resource"))
        if resource is not None:
            found.append(resource)
    return found


# ---------------------------------------------------------------------------------------------
# What was read, and what was not.
# ---------------------------------------------------------------------------------------------


@dataclass
class Reading:
    """The kernel inputs read so far, with what is missing and what could not be read."""

    missing: list[str] = field(default_factory=list)  # required facts absent: no check
    unread: list[str] = field(default_factory=list)  # present in the record, but not usable

    def need(self, fact: str) -> None:
        """Record a required fact that is absent."""
        self.missing.append(fact)

    def skip(self, note: str) -> None:
        """Record a value that is in the record but could not be read."""
        self.unread.append(note)


# ---------------------------------------------------------------------------------------------
# The order.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class B12Order:
    """One draft B12 MedicationRequest and what was read from it."""

    resource: JsonObject
    reference: str | None  # "MedicationRequest/<id>" when it has an id
    formulation: Formulation
    regimen: ProposedRegimen
    start: (
        datetime.date
    )  # of the proposed regimen: its first dated dose, else authoredOn, else today
    unread: tuple[str, ...]


def _medication_concept(order: JsonObject, bundle: Sequence[JsonObject]) -> object:
    if "medicationCodeableConcept" in order:
        return order["medicationCodeableConcept"]
    reference = text((as_object(order.get("medicationReference")) or {}).get("reference"))
    if reference is None:
        return None
    candidates: list[JsonObject] = []
    if reference.startswith("#"):
        candidates = [r for r in objects(order.get("contained")) if r.get("id") == reference[1:]]
    else:
        candidates = [
            r
            for r in bundle
            if r.get("resourceType") == "Medication" and f"Medication/{r.get('id')}" == reference
        ]
    return candidates[0].get("code") if candidates else None


def order_formulation(concept: object) -> Formulation | None:
    """Return the formulation of a B12 product, or None when the product is not B12."""
    for system, code, _ in codings(concept):
        if system == RXNORM and code in RXNORM_FORMULATIONS:
            return RXNORM_FORMULATIONS[code]
    words = concept_text(concept)
    if not _B12_WORDS.search(words):
        return None
    if "methylcobalamin" in words.lower():
        return Formulation.METHYLCOBALAMIN
    return Formulation.OTHER


def _dose(dosages: Sequence[JsonObject], reading: Reading) -> float | None:
    doses: set[float] = set()
    for dosage in dosages:
        for item in objects(dosage.get("doseAndRate")):
            quantity = as_object(item.get("doseQuantity"))
            if quantity is None:
                continue
            value, unit = number(quantity.get("value")), text(quantity.get("code"))
            if (
                value is None
                or quantity.get("system") != UCUM
                or unit not in DOSE_UNITS_MCG
                or "comparator" in quantity
            ):
                reading.skip(f"dose {quantity.get('value')} {quantity.get('unit', '')}".strip())
                continue
            dose_mcg = value * DOSE_UNITS_MCG[unit]
            if not math.isfinite(dose_mcg):
                message = "a doseQuantity is too large to be a dose"
                raise BadRequestError(message)
            doses.add(dose_mcg)
    if len(doses) > 1:
        reading.skip(f"several different doses per injection: {sorted(doses)} mcg")
        return None
    return doses.pop() if doses else None


def _repeat(dosage: JsonObject) -> JsonObject:
    return as_object((as_object(dosage.get("timing")) or {}).get("repeat")) or {}


@dataclass(frozen=True)
class DosageBounds:
    """How many dates one dosage may expand to, and where the dosage is in the request."""

    max_dates: int
    where: str  # the dosage's path in the request, for the reason of a refusal


def _refuse(bounds: DosageBounds, part: str, why: str) -> BadRequestError:
    return BadRequestError(f"{bounds.where}.{part} {why}")


def _events(dosage: JsonObject, bounds: DosageBounds) -> list[datetime.date]:
    timing = as_object(dosage.get("timing")) or {}
    events = timing.get("event")
    if isinstance(events, list) and len(events) > bounds.max_dates:
        why = f"lists more than the {bounds.max_dates} dates a dosage may hold"
        raise _refuse(bounds, "timing.event", why)
    days = [parse_date(value) for value in events] if isinstance(events, list) else []
    return [day for day in days if day is not None]


def _count(repeat: JsonObject, bounds: DosageBounds) -> int | None:
    """Return ``Timing.repeat.count``: a whole number from 1 to the dates a dosage may hold."""
    if "count" not in repeat:
        return None
    count = number(repeat.get("count"))
    if count is None or not count.is_integer() or not 1 <= count <= bounds.max_dates:
        raise _refuse(
            bounds, "timing.repeat.count", f"must be a whole number from 1 to {bounds.max_dates}"
        )
    return int(count)


def _loading(
    dosage: JsonObject, repeat: JsonObject, reading: Reading, bounds: DosageBounds
) -> tuple[list[datetime.date], bool | None]:
    """Return the loading dates and open-ended flag of one day- or week-based dosage."""
    period_bounds = as_object(repeat.get("boundsPeriod")) or {}
    start, end = parse_date(period_bounds.get("start")), parse_date(period_bounds.get("end"))
    count = _count(repeat, bounds)
    open_ended = end is None and count is None and "boundsDuration" not in repeat
    events = _events(dosage, bounds)
    if events:
        return events, open_ended
    frequency, period = number(repeat.get("frequency")) or 1.0, number(repeat.get("period"))
    unit = text(repeat.get("periodUnit")) or ""
    if start is None or period is None or frequency != 1 or not period.is_integer():
        reading.skip("loading days (give them as Timing.event dates, or 1 per N days from a start)")
        return [], open_ended
    step = int(period) * DAYS_PER[unit]
    if count is not None:
        total = count
    elif end is not None:
        if end < start:
            raise _refuse(bounds, "timing.repeat.boundsPeriod", "ends before it starts")
        total = (end - start).days // step + 1
    else:  # open-ended: the dates of the check's loading window (D-CHECK) show the pattern
        total = LOADING_WINDOW_DAYS // step + 1
    if total > bounds.max_dates:
        raise _refuse(
            bounds,
            "timing.repeat",
            f"expands to {total} dates, more than the {bounds.max_dates} a dosage may hold",
        )
    last = _days_after(start, step * (total - 1))
    if last is None:
        raise _refuse(bounds, "timing.repeat", "runs past the end of the calendar (year 9999)")
    return [start + datetime.timedelta(days=step * k) for k in range(total)], open_ended


def _days_after(day: datetime.date, days: float) -> datetime.date | None:
    """Return ``day`` + ``days`` (whole days), or None past the calendar's end."""
    if days > (datetime.date.max - day).days:
        return None
    return day + datetime.timedelta(days=int(days))


def _months_after(day: datetime.date, months: int) -> datetime.date | None:
    """Return ``day`` + ``months`` calendar months (D-MONTH), or None past the calendar's end."""
    months_left = (datetime.date.max.year - day.year) * 12 + (12 - day.month)
    return None if months > months_left else add_months(day, months)


def _every(repeat: JsonObject) -> tuple[float | None, float | None]:
    """Return the time between doses of a Timing.repeat: (days, months), one of them set for a
    day- or week-based and for a month- or year-based repeat (``periodMax`` when given: the
    longest time between doses)."""
    unit = text(repeat.get("periodUnit")) or ""
    period = number(repeat.get("periodMax")) or number(repeat.get("period"))
    frequency = number(repeat.get("frequency")) or 1.0
    if period is None or frequency <= 0:
        return None, None
    if unit in DAYS_PER:
        days = period * DAYS_PER[unit] / frequency
        return (days, None) if math.isfinite(days) else _too_long()
    if unit in MONTHS_PER:
        months = period * MONTHS_PER[unit] / frequency
        return (None, months) if math.isfinite(months) else _too_long()
    return None, None


def _too_long() -> tuple[float | None, float | None]:
    message = "a Timing.repeat period is too long to be a time between doses"
    raise BadRequestError(message)


def _maintenance(
    repeat: JsonObject, reading: Reading, bounds: DosageBounds
) -> tuple[float | None, datetime.date | None, datetime.date | None]:
    """Return the interval in months, start and stop date of a maintenance dosage."""
    days, months = _every(repeat)
    interval = months if months is not None else (None if days is None else days / DAYS_PER_MONTH)
    period_bounds = as_object(repeat.get("boundsPeriod")) or {}
    start, stop = parse_date(period_bounds.get("start")), parse_date(period_bounds.get("end"))
    count = _count(repeat, bounds)
    if stop is None and count is not None:
        doses_after_first = count - 1
        if start is not None and months is not None and months.is_integer():
            stop = _months_after(start, int(months) * doses_after_first)
        elif start is not None and days is not None:
            stop = _days_after(start, days * doses_after_first)
        else:
            reading.skip("maintenance dose count without a start date")
        if start is not None and stop is None and (months is None or months.is_integer()):
            raise _refuse(bounds, "timing.repeat", "runs past the end of the calendar (year 9999)")
    if "boundsDuration" in repeat and stop is None:
        reading.skip("maintenance bounded by a duration (give boundsPeriod.end)")
    return interval, start, stop


def _is_loading(repeat: JsonObject) -> bool:
    """Return whether a dosage is loading: doses less than a week apart."""
    days, _ = _every(repeat)
    return days is not None and days < DAYS_PER["wk"]


def _in_sequence(dosages: Sequence[JsonObject]) -> list[JsonObject]:
    """Return the dosages in ``sequence`` order (list order where it is absent or equal)."""
    return sorted(dosages, key=lambda dosage: number(dosage.get("sequence")) or 0.0)


def _site(dosages: Sequence[JsonObject]) -> SiteRequest | None:
    for dosage in dosages:
        concept = dosage.get("site")
        for system, code, _ in codings(concept):
            if system == SNOMED and code in SITES:
                site = SITES[code]
                if code == "46862004" and "upper outer" in concept_text(concept).lower():
                    return SiteRequest.GLUTEAL_UPPER_OUTER
                return site
    return None


def _route(dosages: Sequence[JsonObject]) -> Route | None:
    for dosage in dosages:
        for system, code, _ in codings(dosage.get("route")):
            if system == SNOMED:
                return ROUTES.get(code, Route.OTHER)
    return None


@dataclass(frozen=True)
class OrderBounds:
    """How much of one B12 order is read: dosages per order, dates per dosage."""

    max_dosages: int
    max_dates_per_dosage: int


def read_order(
    order: JsonObject,
    bundle: Sequence[JsonObject],
    today: datetime.date,
    bounds: OrderBounds,
    where: str,
) -> B12Order | None:
    """Return the B12 order read from a draft MedicationRequest, or None if it is not B12.

    ``where`` is the order's path in the request; an order over ``bounds`` is refused
    (``BadRequestError``) with its reason.
    """
    formulation = order_formulation(_medication_concept(order, bundle))
    if formulation is None:
        return None
    reading = Reading()
    dosages = objects(order.get("dosageInstruction"))
    if len(dosages) > bounds.max_dosages:
        message = (
            f"{where}.dosageInstruction holds more than the {bounds.max_dosages} dosages"
            " a B12 order may hold"
        )
        raise BadRequestError(message)
    positions = {id(dosage): index for index, dosage in enumerate(dosages)}
    loading_dates: list[datetime.date] = []
    open_flags: list[bool] = []
    interval: float | None = None
    starts: list[datetime.date] = []
    stop: datetime.date | None = None
    lasting: list[JsonObject] = []
    lasting_bounds: list[DosageBounds] = []
    for dosage in _in_sequence(dosages):
        dosage_bounds = DosageBounds(
            bounds.max_dates_per_dosage, f"{where}.dosageInstruction[{positions[id(dosage)]}]"
        )
        repeat = _repeat(dosage)
        unit = text(repeat.get("periodUnit"))
        if unit in DAYS_PER and _is_loading(repeat):
            days, open_ended = _loading(dosage, repeat, reading, dosage_bounds)
            loading_dates.extend(days)
            starts.extend(days[:1])
            open_flags.extend([] if open_ended is None else [open_ended])
        elif unit in DAYS_PER or unit in MONTHS_PER:
            lasting.append(repeat)
            lasting_bounds.append(dosage_bounds)
        elif repeat or "timing" in dosage:
            reading.skip(f"a dosage timing without a readable period ({unit or 'no unit'})")
    if len(lasting) > 1:
        reading.skip(
            f"{len(lasting) - 1} intermediate phase(s) before the last one (only the last,"
            " lasting phase is checked as maintenance)"
        )
    if lasting:
        interval, start, stop = _maintenance(lasting[-1], reading, lasting_bounds[-1])
        starts.extend([start] if start else [])
    authored = parse_date(order.get("authoredOn"))
    identifier = text(order.get("id"))
    return B12Order(
        resource=order,
        reference=f"MedicationRequest/{identifier}" if identifier else None,
        formulation=formulation,
        regimen=ProposedRegimen(
            dose_per_injection_mcg=_dose(dosages, reading),
            loading_dates=tuple(sorted(loading_dates)),
            loading_open_ended=any(open_flags) if open_flags else None,
            maintenance_interval_months=interval,
            stop_date=stop,
            site=_site(dosages),
            route=_route(dosages),
            formulation=formulation,
        ),
        start=min(starts) if starts else (authored or today),
        unread=tuple(reading.unread),
    )
