"""Decision tables: golden rows derived by hand from the clinical decisions, as typed requests.

Each file ``specs/tables/<name>.yaml`` holds one table::

    table: <name>                 # equals the file stem
    description: <text>
    kind: plan | check | course   # default kind of the rows
    defaults:                     # optional; merged under every row's input
      profile: {...}              # PatientProfile fields, for every kind
      plan: {...}                 # PlanRequest fields (start_date, horizon_date, route)
      check: {...}                # CheckRequest fields (regimen: {...})
      course: {...}               # CourseRequest fields
    rows:
      - id: <unique row id>
        kind: <optional override>
        covers: [R-..., D-..., INV-...]   # the catalogue IDs the row verifies
        note: <optional: the reading chosen where the decision text is ambiguous>
        kernel_deviation: <optional: why the kernel is known to disagree with this row; the
                          row's test is then a strict expected failure until the kernel or the
                          decisions change>
        input: {profile: {...}, <request fields>}
        expected: {<key>: <value>, ...}   # only the fields the row is about

Inputs use the kernel (= proto) field names. Enum values are member names (``PRESENT``); dates
are ISO dates; ``null`` means "not given" and removes a default. Profile and regimen dicts are
merged key by key; every other value replaces the default. The keys a request accepts are the
dataclass fields of its ``kernel.model`` type, read by their type hints (``build``): a field the
model adds is accepted with no change here, and an unknown key is an error, never dropped.

Expected keys (every key is optional; a row states only what it is about):

- ``outcome``: plan ``HOME``/``SUPERVISED``/``REFER``/``INVALID``; check ``CHECKED``/``INVALID``;
  course ``CONTINUE``/``REVIEW``/``INVALID``.
- ``invalid_fields``: the exact set of violation paths. ``invalid_field_prefixes``: every path
  starts with one of these prefixes and every prefix is used (where the decision names the
  offence but not which of two related fields carries it).
- ``rule_set_version``.
- ``findings``: the exact warnings (plan, REFER) or findings (check, course), ``{CODE: severity}``;
  ``findings_include`` (subset, same form); ``findings_exclude`` (codes that must be absent);
  ``finding_rule_ids`` (``{CODE: [IDs]}``: IDs the finding must cite, among others);
  ``finding_rule_ids_exact`` (the exact set); ``finding_rule_ids_exclude`` (IDs it must not
  cite); ``finding_text_includes`` (``{CODE: [phrases]}``, any case).
- ``refer_reasons`` (ordered), ``urgent``; REFER: ``referral_rule_ids_include``,
  ``referral_text_includes``, ``referral_text_excludes`` (phrases of the REFER's sentence).
- Plan: ``loading_pattern``, ``loading_dates``, ``open_ended``, ``review_date``,
  ``maintenance_start``, ``first_due_date``, ``maintenance_dates``, ``lab_check_dates``,
  ``pregnancy_review_date``, ``sites`` (ordered), ``needle_gauge`` / ``pressure_minutes``
  (``[min, max]`` or ``null``), ``guidance_items_include``, ``guidance_rule_ids_include``,
  ``guidance_rule_ids_exclude``, ``monitoring_items_include``, ``monitoring_items_exclude``,
  ``monitoring_rule_ids_include``, ``monitoring_rule_ids_exclude``, ``item_text_includes``,
  ``item_text_excludes`` (``{CODE: [phrases]}`` over guidance and monitoring items).
- Plan and course: ``due_interval_months``, ``overdue_after_months``, ``interval_rules``
  (ordered ``[rule_id, due, overdue_after, winner]``), ``interval_rule_ids``
  (``{rule_id: [IDs]}``: IDs that interval rule must cite, among others).
- Course: ``phase``, ``next_due_date``, ``days_overdue``, ``labs_due_date``, ``stabilised``,
  ``clinician_review_required``, ``suggested_interval_months``, ``suggested_next_due_date``,
  and the forward schedule: ``schedule_loading_dates``, ``schedule_loading_open_ended``,
  ``schedule_review_date``, ``schedule_maintenance_dates``, ``schedule_lab_check_dates``,
  ``schedule_horizon_date``.

Public API (stable; used by tests/kernel/test_decision_tables.py and by the end-to-end tests):

- ``TABLES_DIR``, ``table_names()``, ``load_table(name)``, ``all_rows()``; ``build(cls, data,
  where)`` (a kernel value from a table mapping) and ``accepted_keys(cls)``;
- ``Row``: ``.id``, ``.table``, ``.kind``, ``.covers``, ``.request``, ``.expected``, ``.note``,
  ``.kernel_deviation``;
- ``observe(kind, result)``: the comparable fields of a kernel result, as plain values;
- ``compare(row, result)``: the list of mismatches between ``row.expected`` and a kernel result
  (empty when the row holds);
- ``SEVERITIES`` (code name -> "critical"/"warning"/"info") and ``REFER_WARNINGS`` (the only codes
  a REFER may carry), as fixed by the clinical decisions (read from the oracle's catalogue).

An end-to-end test sends ``row.request`` through the service, converts the reply back to kernel
values and calls ``compare(row, result)``; ``row.kind`` names the operation (plan_regimen,
check_regimen, assess_course).
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final, Literal, TypeVar

import yaml

from kernel.model import (
    CheckRequest,
    CourseAssessment,
    CourseRequest,
    Finding,
    InvalidInput,
    PlanRequest,
    Referral,
    RegimenCheck,
    RegimenPlan,
)
from specs.verification.oracle import REFER_MAY_CARRY, SEVERITY

TABLES_DIR: Final = Path(__file__).resolve().parents[1] / "tables"

Kind = Literal["plan", "check", "course"]
Request = PlanRequest | CheckRequest | CourseRequest
Result = InvalidInput | Referral | RegimenPlan | RegimenCheck | CourseAssessment

KINDS: Final[tuple[Kind, ...]] = ("plan", "check", "course")

_T = TypeVar("_T")


class TableError(ValueError):
    """A table file does not follow the documented format."""


@dataclass(frozen=True)
class Row:
    """One decision-table row: a kernel request and the expected fields of its result."""

    id: str
    table: str
    kind: Kind
    covers: tuple[str, ...]
    request: Request
    expected: Mapping[str, object]
    note: str | None = None
    kernel_deviation: str | None = None


# ---------------------------------------------------------------------------------------------
# Reading values: every request type is read field by field from its dataclass fields and their
# type hints, so a field added to ``kernel.model`` is accepted (and an unknown key rejected)
# without touching this file.
# ---------------------------------------------------------------------------------------------

_REQUEST_TYPES: Final[Mapping[Kind, type[Request]]] = {
    "plan": PlanRequest,
    "check": CheckRequest,
    "course": CourseRequest,
}


def accepted_keys(cls: type[object]) -> frozenset[str]:
    """Return the keys a table accepts for a request value type: its dataclass fields."""
    return frozenset(field.name for field in dataclasses.fields(cls))  # type: ignore[arg-type]


def _mapping(value: object, where: str) -> Mapping[str, object]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        msg = f"{where}: expected a mapping with string keys"
        raise TableError(msg)
    return {str(key): item for key, item in value.items()}


def _sequence(value: object, where: str) -> Sequence[object]:
    if value is None:
        return ()
    if not isinstance(value, list):
        msg = f"{where}: expected a list"
        raise TableError(msg)
    return tuple(value)


def _check_keys(data: Mapping[str, object], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        msg = f"{where}: unknown keys {unknown}"
        raise TableError(msg)


def _date(value: object, where: str) -> datetime.date:
    if isinstance(value, datetime.datetime):
        msg = f"{where}: {value!r} is a timestamp, not a date"
        raise TableError(msg)
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError as error:
            msg = f"{where}: {value!r} is not an ISO date"
            raise TableError(msg) from error
    msg = f"{where}: {value!r} is not a date"
    raise TableError(msg)


def _value(hint: object, raw: object, where: str) -> object:  # noqa: C901, PLR0911, PLR0912 - one branch per kind of field
    """Read ``raw`` as a value of the type ``hint`` (never ``None``: absent values are handled
    by the caller)."""
    origin = typing.get_origin(hint)
    if origin in {typing.Union, types.UnionType}:
        options = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        if len(options) != 1:
            msg = f"{where}: unsupported field type {hint!r}"
            raise TableError(msg)
        return _value(options[0], raw, where)
    if origin is tuple:
        item_type = typing.get_args(hint)[0]
        items = _sequence(raw, where)
        return tuple(_value(item_type, item, f"{where}[{i}]") for i, item in enumerate(items))
    if hint is bool:
        if not isinstance(raw, bool):
            msg = f"{where}: {raw!r} is not true or false"
            raise TableError(msg)
        return raw
    if hint is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            msg = f"{where}: {raw!r} is not a whole number"
            raise TableError(msg)
        return raw
    if hint is float:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            msg = f"{where}: {raw!r} is not a number"
            raise TableError(msg)
        return float(raw)
    if hint is datetime.date:
        return _date(raw, where)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        if not isinstance(raw, str) or raw not in hint.__members__:
            msg = f"{where}: {raw!r} is not a {hint.__name__} member"
            raise TableError(msg)
        return hint[raw]
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return build(hint, _mapping(raw, where), where)
    msg = f"{where}: unsupported field type {hint!r}"
    raise TableError(msg)


def build(cls: type[_T], data: Mapping[str, object], where: str) -> _T:
    """Build a kernel value of type ``cls`` from a table mapping: every key must be one of its
    dataclass fields; an absent key or ``null`` leaves the field's default (not given)."""
    _check_keys(data, accepted_keys(cls), where)
    hints = typing.get_type_hints(cls)
    values: dict[str, object] = {}
    for field in dataclasses.fields(cls):  # type: ignore[arg-type]
        raw = data.get(field.name)
        if raw is None:
            continue
        values[field.name] = _value(hints[field.name], raw, f"{where}.{field.name}")
    return cls(**values)


def _request(kind: Kind, data: Mapping[str, object], where: str) -> Request:
    return build(_REQUEST_TYPES[kind], data, where)


# ---------------------------------------------------------------------------------------------
# Loading tables.
# ---------------------------------------------------------------------------------------------

_NESTED: Final = frozenset({"profile", "regimen"})

_COMMON_EXPECTED: Final = frozenset(
    {
        "outcome",
        "invalid_fields",
        "invalid_field_prefixes",
        "rule_set_version",
        "findings",
        "findings_include",
        "findings_exclude",
        "finding_rule_ids",
        "finding_rule_ids_exact",
        "finding_rule_ids_exclude",
        "finding_text_includes",
    }
)
_INTERVAL_EXPECTED: Final = frozenset(
    {"due_interval_months", "overdue_after_months", "interval_rules", "interval_rule_ids"}
)
_EXPECTED_KEYS: Final[Mapping[Kind, frozenset[str]]] = {
    "plan": _COMMON_EXPECTED
    | _INTERVAL_EXPECTED
    | {
        "refer_reasons",
        "urgent",
        "referral_rule_ids_include",
        "referral_text_includes",
        "referral_text_excludes",
        "loading_pattern",
        "loading_dates",
        "open_ended",
        "review_date",
        "maintenance_start",
        "first_due_date",
        "maintenance_dates",
        "lab_check_dates",
        "pregnancy_review_date",
        "sites",
        "needle_gauge",
        "pressure_minutes",
        "guidance_items_include",
        "guidance_rule_ids_include",
        "guidance_rule_ids_exclude",
        "monitoring_items_include",
        "monitoring_items_exclude",
        "monitoring_rule_ids_include",
        "monitoring_rule_ids_exclude",
        "item_text_includes",
        "item_text_excludes",
    },
    "check": _COMMON_EXPECTED | {"refer_reasons"},
    "course": _COMMON_EXPECTED
    | _INTERVAL_EXPECTED
    | {
        "phase",
        "next_due_date",
        "days_overdue",
        "labs_due_date",
        "stabilised",
        "clinician_review_required",
        "suggested_interval_months",
        "suggested_next_due_date",
        "schedule_loading_dates",
        "schedule_loading_open_ended",
        "schedule_review_date",
        "schedule_maintenance_dates",
        "schedule_lab_check_dates",
        "schedule_horizon_date",
    },
}
_ROW_KEYS: Final = frozenset(
    {"id", "kind", "covers", "note", "kernel_deviation", "input", "expected"}
)
_TABLE_KEYS: Final = frozenset({"table", "description", "kind", "defaults", "rows"})


def _merge(base: Mapping[str, object], override: Mapping[str, object]) -> dict[str, object]:
    merged = dict(base)
    for key, value in override.items():
        if key in _NESTED:
            merged[key] = {
                **_mapping(merged.get(key), key),
                **_mapping(value, key),
            }
        else:
            merged[key] = value
    return merged


def _kind(value: object, where: str) -> Kind:
    for kind in KINDS:
        if value == kind:
            return kind
    msg = f"{where}: kind {value!r} is not one of {KINDS}"
    raise TableError(msg)


def _row(
    raw: object, table: str, default_kind: Kind, defaults: Mapping[str, object], index: int
) -> Row:
    data = _mapping(raw, f"{table}.rows[{index}]")
    _check_keys(data, _ROW_KEYS, f"{table}.rows[{index}]")
    row_id = data.get("id")
    if not isinstance(row_id, str) or not row_id:
        msg = f"{table}.rows[{index}]: missing id"
        raise TableError(msg)
    where = f"{table}:{row_id}"
    kind = _kind(data.get("kind", default_kind), where)
    covers = _sequence(data.get("covers"), f"{where}.covers")
    if not covers or not all(isinstance(rule_id, str) for rule_id in covers):
        msg = f"{where}: covers must be a non-empty list of IDs"
        raise TableError(msg)
    note = data.get("note")
    deviation = data.get("kernel_deviation")
    if not all(text is None or isinstance(text, str) for text in (note, deviation)):
        msg = f"{where}: note and kernel_deviation must be text"
        raise TableError(msg)
    expected = _mapping(data.get("expected"), f"{where}.expected")
    if not expected:
        msg = f"{where}: a row must expect something"
        raise TableError(msg)
    _check_keys(expected, _EXPECTED_KEYS[kind], f"{where}.expected")
    base = _merge(
        {"profile": _mapping(defaults.get("profile"), f"{table}.defaults.profile")},
        _mapping(defaults.get(kind), f"{table}.defaults.{kind}"),
    )
    merged = _merge(base, _mapping(data.get("input"), f"{where}.input"))
    return Row(
        id=row_id,
        table=table,
        kind=kind,
        covers=tuple(str(rule_id) for rule_id in covers),
        request=_request(kind, merged, f"{where}.input"),
        expected=expected,
        note=None if note is None else str(note),
        kernel_deviation=None if deviation is None else str(deviation),
    )


def table_names() -> tuple[str, ...]:
    """Return the names of every table, sorted."""
    return tuple(sorted(path.stem for path in TABLES_DIR.glob("*.yaml")))


@cache
def load_table(name: str) -> tuple[Row, ...]:
    """Load the table ``specs/tables/<name>.yaml`` as typed rows, in file order."""
    path = TABLES_DIR / f"{name}.yaml"
    data = _mapping(yaml.safe_load(path.read_text(encoding="utf-8")), name)
    _check_keys(data, _TABLE_KEYS, name)
    if data.get("table") != name:
        msg = f"{path}: 'table' must be {name!r}"
        raise TableError(msg)
    default_kind = _kind(data.get("kind"), name)
    defaults = _mapping(data.get("defaults"), f"{name}.defaults")
    _check_keys(defaults, frozenset({"profile", *KINDS}), f"{name}.defaults")
    rows = _sequence(data.get("rows"), f"{name}.rows")
    return tuple(_row(raw, name, default_kind, defaults, index) for index, raw in enumerate(rows))


@cache
def all_rows() -> tuple[Row, ...]:
    """Return every row of every table (tables in name order); row IDs are unique."""
    rows = tuple(row for name in table_names() for row in load_table(name))
    seen: set[str] = set()
    for row in rows:
        if row.id in seen:
            msg = f"duplicate row id {row.id}"
            raise TableError(msg)
        seen.add(row.id)
    return rows


# ---------------------------------------------------------------------------------------------
# Observing results and comparing them with the expectations.
# ---------------------------------------------------------------------------------------------


def _iso(day: datetime.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _isos(days: Sequence[datetime.date]) -> list[str | None]:
    return [_iso(day) for day in days]


def _findings(findings: Sequence[Finding]) -> dict[str, object]:
    return {
        "findings": {finding.code.name: finding.severity.name.lower() for finding in findings},
        "finding_rule_ids": {finding.code.name: list(finding.rule_ids) for finding in findings},
        "finding_texts": {finding.code.name: finding.text for finding in findings},
    }


def _outcome(kind: Kind, result: Result) -> str:
    if isinstance(result, InvalidInput):
        return "INVALID"
    if isinstance(result, Referral):
        return "REFER"
    if isinstance(result, RegimenPlan):
        return result.setting.name
    if isinstance(result, RegimenCheck):
        return "CHECKED"
    return result.outcome.name if kind == "course" else "UNEXPECTED"


def _pair(low: int | None, high: int | None) -> list[int | None] | None:
    return None if low is None and high is None else [low, high]


def _observe_plan(plan: RegimenPlan) -> dict[str, object]:
    loading, maintenance, guidance = plan.loading, plan.maintenance, plan.guidance
    items = (*guidance.items, *plan.monitoring.items)
    return {
        **_findings(plan.warnings),
        "loading_pattern": loading.pattern.name,
        "loading_dates": _isos(loading.injection_dates),
        "open_ended": loading.open_ended,
        "review_date": _iso(loading.review_date),
        "maintenance_start": maintenance.start.name,
        "first_due_date": _iso(maintenance.first_due_date),
        "maintenance_dates": _isos(maintenance.injection_dates),
        "due_interval_months": maintenance.due_interval_months,
        "overdue_after_months": maintenance.overdue_after_months,
        "lab_check_dates": _isos(plan.monitoring.lab_check_dates),
        "pregnancy_review_date": _iso(plan.monitoring.pregnancy_review_date),
        "sites": [site.name for site in guidance.sites],
        "needle_gauge": _pair(guidance.needle_gauge_min, guidance.needle_gauge_max),
        "pressure_minutes": _pair(guidance.pressure_minutes_min, guidance.pressure_minutes_max),
        "guidance_items": [item.code.name for item in guidance.items],
        "guidance_rule_ids": list(guidance.rule_ids),
        "monitoring_items": [item.code.name for item in plan.monitoring.items],
        "monitoring_rule_ids": list(plan.monitoring.rule_ids),
        "item_texts": {item.code.name: item.text for item in items},
        "rule_set_version": plan.rule_set_version,
        **_interval_rules(plan),
    }


def _interval_rules(result: RegimenPlan | CourseAssessment) -> dict[str, object]:
    return {
        "interval_rules": [
            [rule.rule_id, rule.due_interval_months, rule.overdue_after_months, rule.winner]
            for rule in result.interval_rules
        ],
        "interval_rule_ids": {rule.rule_id: list(rule.rule_ids) for rule in result.interval_rules},
    }


def _observe_course(course: CourseAssessment) -> dict[str, object]:
    schedule = course.schedule
    return {
        **_findings(course.findings),
        "phase": course.phase.name,
        "next_due_date": _iso(course.next_due_date),
        "days_overdue": course.days_overdue,
        "labs_due_date": _iso(course.labs_due_date),
        "stabilised": course.stabilised,
        "clinician_review_required": course.clinician_review_required,
        "suggested_interval_months": course.suggested_interval_months,
        "suggested_next_due_date": _iso(course.suggested_next_due_date),
        "due_interval_months": course.due_interval_months,
        "overdue_after_months": course.overdue_after_months,
        "schedule_loading_dates": _isos(schedule.loading_dates),
        "schedule_loading_open_ended": schedule.loading_open_ended,
        "schedule_review_date": _iso(schedule.review_date),
        "schedule_maintenance_dates": _isos(schedule.maintenance_dates),
        "schedule_lab_check_dates": _isos(schedule.lab_check_dates),
        "schedule_horizon_date": _iso(schedule.horizon_date),
        "rule_set_version": course.rule_set_version,
        **_interval_rules(course),
    }


def observe(kind: Kind, result: Result) -> dict[str, object]:
    """Return the comparable fields of ``result`` as plain values (names, ISO dates, lists)."""
    observed: dict[str, object] = {"outcome": _outcome(kind, result)}
    if isinstance(result, InvalidInput):
        observed["invalid_fields"] = [violation.field for violation in result.violations]
    elif isinstance(result, Referral):
        observed.update(_findings(result.warnings))
        observed["refer_reasons"] = [reason.name for reason in result.reasons]
        observed["urgent"] = result.urgent
        observed["referral_rule_ids"] = list(result.rule_ids)
        observed["referral_text"] = result.text
        observed["rule_set_version"] = result.rule_set_version
    elif isinstance(result, RegimenPlan):
        observed.update(_observe_plan(result))
    elif isinstance(result, RegimenCheck):
        observed.update(_findings(result.findings))
        observed["refer_reasons"] = [reason.name for reason in result.refer_reasons]
        observed["rule_set_version"] = result.rule_set_version
    else:
        observed.update(_observe_course(result))
    return observed


def _plain(value: object) -> object:
    """Normalise an expected value from YAML: dates to ISO text, containers recursively."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    return value


def _as_list(value: object) -> list[object]:
    return list(value) if isinstance(value, list) else [value]


def _as_dict(value: object) -> dict[str, object]:
    return {str(key): item for key, item in value.items()} if isinstance(value, dict) else {}


def _exact(key: str, want: object, got: object) -> list[str]:
    return [] if want == got else [f"{key}: expected {want!r}, got {got!r}"]


def _invalid_fields(key: str, want: object, got: object) -> list[str]:
    got_list = _as_list(got)
    problems = [] if len(got_list) == len(set(map(str, got_list))) else [f"{key}: duplicates"]
    if sorted(map(str, _as_list(want))) != sorted(map(str, got_list)):
        problems.append(f"{key}: expected {sorted(map(str, _as_list(want)))}, got {got_list}")
    return problems


def _prefixes(key: str, want: object, got: object) -> list[str]:
    prefixes = [str(prefix) for prefix in _as_list(want)]
    fields = [str(field) for field in _as_list(got)]
    problems = [
        f"{key}: {field!r} matches none of {prefixes}"
        for field in fields
        if not any(field.startswith(prefix) for prefix in prefixes)
    ]
    problems += [
        f"{key}: no violation under {prefix!r} (got {fields})"
        for prefix in prefixes
        if not any(field.startswith(prefix) for field in fields)
    ]
    return problems


def _include(key: str, want: object, got: object) -> list[str]:
    if isinstance(want, dict):
        observed = _as_dict(got)
        return [
            f"{key}: expected {code}={severity!r}, got {observed.get(str(code))!r}"
            for code, severity in want.items()
            if observed.get(str(code)) != severity
        ]
    present = list(_as_dict(got)) if isinstance(got, dict) else _as_list(got)
    return [
        f"{key}: {item!r} missing from {present}" for item in _as_list(want) if item not in present
    ]


def _exclude(key: str, want: object, got: object) -> list[str]:
    present = list(_as_dict(got)) if isinstance(got, dict) else _as_list(got)
    return [f"{key}: {item!r} must be absent" for item in _as_list(want) if item in present]


def _cited(key: str, want: object, got: object) -> list[str]:
    observed = _as_dict(got)
    problems: list[str] = []
    for element, rule_ids in _as_dict(want).items():
        if element not in observed:
            problems.append(f"{key}: {element} is not in the output")
            continue
        cited = _as_list(observed[element])
        problems += [
            f"{key}: {element} does not cite {rule_id} (cites {cited})"
            for rule_id in _as_list(rule_ids)
            if rule_id not in cited
        ]
    return problems


def _cited_exactly(key: str, want: object, got: object) -> list[str]:
    observed = _as_dict(got)
    problems: list[str] = []
    for element, rule_ids in _as_dict(want).items():
        if element not in observed:
            problems.append(f"{key}: {element} is not in the output")
            continue
        cited = sorted(map(str, _as_list(observed[element])))
        if cited != sorted(map(str, _as_list(rule_ids))):
            problems.append(f"{key}: {element} cites {cited}, expected exactly {rule_ids}")
    return problems


def _not_cited(key: str, want: object, got: object) -> list[str]:
    observed = _as_dict(got)
    return [
        f"{key}: {element} cites {rule_id}"
        for element, rule_ids in _as_dict(want).items()
        for rule_id in _as_list(rule_ids)
        if rule_id in _as_list(observed.get(element, []))
    ]


def _texts_include(key: str, want: object, got: object) -> list[str]:
    """``{CODE: [phrases]}``: the text of each code contains each phrase (any case)."""
    observed = _as_dict(got)
    problems: list[str] = []
    for element, phrases in _as_dict(want).items():
        text = str(observed.get(element, "")).lower()
        if element not in observed:
            problems.append(f"{key}: {element} is not in the output")
            continue
        problems += [
            f"{key}: {element} text {observed[element]!r} lacks {phrase!r}"
            for phrase in _as_list(phrases)
            if str(phrase).lower() not in text
        ]
    return problems


def _texts_exclude(key: str, want: object, got: object) -> list[str]:
    observed = _as_dict(got)
    return [
        f"{key}: {element} text {observed[element]!r} contains {phrase!r}"
        for element, phrases in _as_dict(want).items()
        if element in observed
        for phrase in _as_list(phrases)
        if str(phrase).lower() in str(observed[element]).lower()
    ]


def _text_includes(key: str, want: object, got: object) -> list[str]:
    text = str(got).lower()
    return [
        f"{key}: {got!r} lacks {phrase!r}"
        for phrase in _as_list(want)
        if str(phrase).lower() not in text
    ]


def _text_excludes(key: str, want: object, got: object) -> list[str]:
    text = str(got).lower()
    return [
        f"{key}: {got!r} contains {phrase!r}"
        for phrase in _as_list(want)
        if str(phrase).lower() in text
    ]


# expected key -> (observed key, comparison)
_COMPARISONS: Final[Mapping[str, tuple[str, Callable[[str, object, object], list[str]]]]] = {
    "invalid_fields": ("invalid_fields", _invalid_fields),
    "invalid_field_prefixes": ("invalid_fields", _prefixes),
    "findings_include": ("findings", _include),
    "findings_exclude": ("findings", _exclude),
    "finding_rule_ids": ("finding_rule_ids", _cited),
    "finding_rule_ids_exact": ("finding_rule_ids", _cited_exactly),
    "finding_rule_ids_exclude": ("finding_rule_ids", _not_cited),
    "finding_text_includes": ("finding_texts", _texts_include),
    "interval_rule_ids": ("interval_rule_ids", _cited),
    "guidance_items_include": ("guidance_items", _include),
    "guidance_rule_ids_include": ("guidance_rule_ids", _include),
    "guidance_rule_ids_exclude": ("guidance_rule_ids", _exclude),
    "monitoring_items_include": ("monitoring_items", _include),
    "monitoring_items_exclude": ("monitoring_items", _exclude),
    "monitoring_rule_ids_include": ("monitoring_rule_ids", _include),
    "monitoring_rule_ids_exclude": ("monitoring_rule_ids", _exclude),
    "item_text_includes": ("item_texts", _texts_include),
    "item_text_excludes": ("item_texts", _texts_exclude),
    "referral_rule_ids_include": ("referral_rule_ids", _include),
    "referral_text_includes": ("referral_text", _text_includes),
    "referral_text_excludes": ("referral_text", _text_excludes),
}


def compare(row: Row, result: Result) -> list[str]:
    """Return every mismatch between ``row.expected`` and the kernel's ``result``."""
    observed = observe(row.kind, result)
    problems: list[str] = []
    for key, raw_want in row.expected.items():
        observed_key, comparison = _COMPARISONS.get(key, (key, _exact))
        if observed_key not in observed:
            problems.append(f"{key}: not part of a {observed['outcome']} result")
            continue
        problems += comparison(key, _plain(raw_want), observed[observed_key])
    return problems


# ---------------------------------------------------------------------------------------------
# Severities, as fixed by the "Severities" sections of the clinical decisions (one home: the
# oracle's catalogue).
# ---------------------------------------------------------------------------------------------

SEVERITIES: Final[Mapping[str, str]] = {
    code.name: severity.name.lower() for code, severity in SEVERITY.items()
}
"""The fixed severity of every warning and finding code, by code name."""

REFER_WARNINGS: Final = frozenset(code.name for code in REFER_MAY_CARRY)
"""The only warnings a REFER may carry: the D-OUTCOME safety warnings of rule set 2.0.0 and
(D-CROHN-UNKNOWN) CROHN_LENGTH_UNKNOWN_NOT_COUNTED."""
