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
merged key by key; every other value replaces the default.

Expected keys (every key is optional; a row states only what it is about):

- ``outcome``: plan ``HOME``/``SUPERVISED``/``REFER``/``INVALID``; check ``CHECKED``/``INVALID``;
  course ``CONTINUE``/``REVIEW``/``INVALID``.
- ``invalid_fields``: the exact set of violation paths. ``invalid_field_prefixes``: every path
  starts with one of these prefixes and every prefix is used (where the decision names the
  offence but not which of two related fields carries it).
- ``findings``: the exact warnings (plan, REFER) or findings (check, course), ``{CODE: severity}``;
  ``findings_include`` (subset, same form); ``findings_exclude`` (codes that must be absent);
  ``finding_rule_ids`` (``{CODE: [IDs]}``: IDs the finding must cite, among others).
- ``refer_reasons`` (ordered), ``urgent``.
- Plan: ``loading_pattern``, ``loading_dates``, ``open_ended``, ``review_date``,
  ``maintenance_start``, ``first_due_date``, ``maintenance_dates``, ``lab_check_dates``,
  ``sites`` (ordered), ``needle_gauge`` / ``pressure_minutes`` (``[min, max]`` or ``null``),
  ``guidance_items_include``, ``guidance_rule_ids_include``, ``guidance_rule_ids_exclude``,
  ``monitoring_items_include``, ``monitoring_items_exclude``.
- Plan and course: ``due_interval_months``, ``overdue_after_months``, ``interval_rules``
  (ordered ``[rule_id, due, overdue_after, winner]``), ``interval_rule_ids``
  (``{rule_id: [IDs]}``: IDs that interval rule must cite, among others).
- Course: ``phase``, ``next_due_date``, ``days_overdue``, ``labs_due_date``, ``stabilised``,
  ``clinician_review_required``, ``suggested_interval_months``.

Public API (stable; used by tests/kernel/test_decision_tables.py and by the end-to-end tests):

- ``TABLES_DIR``, ``table_names()``, ``load_table(name)``, ``all_rows()``;
- ``Row``: ``.id``, ``.table``, ``.kind``, ``.covers``, ``.request``, ``.expected``, ``.note``,
  ``.kernel_deviation``;
- ``observe(kind, result)``: the comparable fields of a kernel result, as plain values;
- ``compare(row, result)``: the list of mismatches between ``row.expected`` and a kernel result
  (empty when the row holds);
- ``SEVERITIES`` (code name -> "critical"/"warning"/"info") and ``REFER_WARNINGS`` (the only codes
  a REFER may carry), as fixed by the clinical decisions.

An end-to-end test sends ``row.request`` through the service, converts the reply back to kernel
values and calls ``compare(row, result)``; ``row.kind`` names the operation (plan_regimen,
check_regimen, assess_course).
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final, Literal, TypeVar

import yaml

from kernel.model import (
    BariatricProcedure,
    CheckRequest,
    CourseAssessment,
    CourseNeurologicalStatus,
    CourseRequest,
    DeficiencyStatus,
    Finding,
    Formulation,
    InvalidInput,
    LabResult,
    MaintenancePreference,
    NeurologicalInvolvement,
    PatientProfile,
    PlanRequest,
    ProposedRegimen,
    Referral,
    RegimenCheck,
    RegimenPlan,
    Route,
    SiteRequest,
)

TABLES_DIR: Final = Path(__file__).resolve().parents[1] / "tables"

Kind = Literal["plan", "check", "course"]
Request = PlanRequest | CheckRequest | CourseRequest
Result = InvalidInput | Referral | RegimenPlan | RegimenCheck | CourseAssessment

KINDS: Final[tuple[Kind, ...]] = ("plan", "check", "course")

_E = TypeVar("_E", bound=enum.Enum)


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
# Reading values.
# ---------------------------------------------------------------------------------------------

_PROFILE_KEYS: Final = frozenset(PatientProfile.__dataclass_fields__)
_REGIMEN_KEYS: Final = frozenset(ProposedRegimen.__dataclass_fields__)
_LAB_KEYS: Final = frozenset(LabResult.__dataclass_fields__)
_REQUEST_KEYS: Final[Mapping[Kind, frozenset[str]]] = {
    "plan": frozenset(PlanRequest.__dataclass_fields__),
    "check": frozenset(CheckRequest.__dataclass_fields__),
    "course": frozenset(CourseRequest.__dataclass_fields__),
}


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


def _opt_enum(data: Mapping[str, object], key: str, cls: type[_E], where: str) -> _E | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or value not in cls.__members__:
        msg = f"{where}.{key}: {value!r} is not a {cls.__name__} member"
        raise TableError(msg)
    return cls[value]


def _opt_float(data: Mapping[str, object], key: str, where: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{where}.{key}: {value!r} is not a number"
        raise TableError(msg)
    return float(value)


def _opt_int(data: Mapping[str, object], key: str, where: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        msg = f"{where}.{key}: {value!r} is not a whole number"
        raise TableError(msg)
    return value


def _flag(data: Mapping[str, object], key: str, where: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        msg = f"{where}.{key}: {value!r} is not true or false"
        raise TableError(msg)
    return value


def _opt_bool(data: Mapping[str, object], key: str, where: str) -> bool | None:
    if data.get(key) is None:
        return None
    return _flag(data, key, where)


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


def _opt_date(data: Mapping[str, object], key: str, where: str) -> datetime.date | None:
    value = data.get(key)
    return None if value is None else _date(value, f"{where}.{key}")


def _dates(data: Mapping[str, object], key: str, where: str) -> tuple[datetime.date, ...]:
    items = _sequence(data.get(key), f"{where}.{key}")
    return tuple(_date(item, f"{where}.{key}[{index}]") for index, item in enumerate(items))


def _profile(data: Mapping[str, object], where: str) -> PatientProfile:
    _check_keys(data, _PROFILE_KEYS, where)
    return PatientProfile(
        formulation=_opt_enum(data, "formulation", Formulation, where),
        age_years=_opt_int(data, "age_years", where),
        deficiency_status=_opt_enum(data, "deficiency_status", DeficiencyStatus, where),
        neurological_involvement=_opt_enum(
            data, "neurological_involvement", NeurologicalInvolvement, where
        ),
        platelets_10e9_per_l=_opt_float(data, "platelets_10e9_per_l", where),
        egfr_ml_min_1_73m2=_opt_float(data, "egfr_ml_min_1_73m2", where),
        renal_impairment_reported=_flag(data, "renal_impairment_reported", where),
        diabetic_nephropathy=_flag(data, "diabetic_nephropathy", where),
        folic_acid_started_before_b12=_flag(data, "folic_acid_started_before_b12", where),
        hypersensitivity_cobalt_or_b12=_flag(data, "hypersensitivity_cobalt_or_b12", where),
        leber_disease_or_tobacco_amblyopia=_flag(data, "leber_disease_or_tobacco_amblyopia", where),
        ileal_resection=_flag(data, "ileal_resection", where),
        ileal_resection_length_cm=_opt_float(data, "ileal_resection_length_cm", where),
        crohn_ileal_involvement=_flag(data, "crohn_ileal_involvement", where),
        crohn_ileal_involvement_length_cm=_opt_float(
            data, "crohn_ileal_involvement_length_cm", where
        ),
        bariatric_procedure=_opt_enum(data, "bariatric_procedure", BariatricProcedure, where),
        site_request=_opt_enum(data, "site_request", SiteRequest, where),
        maintenance_preference=_opt_enum(
            data, "maintenance_preference", MaintenancePreference, where
        ),
    )


def _regimen(data: Mapping[str, object], where: str) -> ProposedRegimen:
    _check_keys(data, _REGIMEN_KEYS, where)
    return ProposedRegimen(
        dose_per_injection_mcg=_opt_float(data, "dose_per_injection_mcg", where),
        loading_dates=_dates(data, "loading_dates", where),
        loading_open_ended=_opt_bool(data, "loading_open_ended", where),
        maintenance_interval_months=_opt_float(data, "maintenance_interval_months", where),
        stop_date=_opt_date(data, "stop_date", where),
        site=_opt_enum(data, "site", SiteRequest, where),
        route=_opt_enum(data, "route", Route, where),
        formulation=_opt_enum(data, "formulation", Formulation, where),
    )


def _lab(value: object, where: str) -> LabResult:
    data = _mapping(value, where)
    _check_keys(data, _LAB_KEYS, where)
    return LabResult(
        date=_opt_date(data, "date", where),
        b12_ng_per_l=_opt_float(data, "b12_ng_per_l", where),
        homocysteine_umol_per_l=_opt_float(data, "homocysteine_umol_per_l", where),
    )


def _request(kind: Kind, data: Mapping[str, object], where: str) -> Request:
    _check_keys(data, _REQUEST_KEYS[kind], where)
    profile = _profile(_mapping(data.get("profile"), f"{where}.profile"), f"{where}.profile")
    if kind == "plan":
        return PlanRequest(
            profile=profile,
            start_date=_opt_date(data, "start_date", where),
            horizon_date=_opt_date(data, "horizon_date", where),
            route=_opt_enum(data, "route", Route, where),
        )
    if kind == "check":
        regimen_where = f"{where}.regimen"
        return CheckRequest(
            profile=profile,
            regimen=_regimen(_mapping(data.get("regimen"), regimen_where), regimen_where),
        )
    labs = _sequence(data.get("lab_results"), f"{where}.lab_results")
    return CourseRequest(
        profile=profile,
        start_date=_opt_date(data, "start_date", where),
        reference_date=_opt_date(data, "reference_date", where),
        injection_dates=_dates(data, "injection_dates", where),
        lab_results=tuple(
            _lab(item, f"{where}.lab_results[{index}]") for index, item in enumerate(labs)
        ),
        neurological_status=_opt_enum(data, "neurological_status", CourseNeurologicalStatus, where),
        stabilisation_date=_opt_date(data, "stabilisation_date", where),
        stop_requested=_flag(data, "stop_requested", where),
    )


# ---------------------------------------------------------------------------------------------
# Loading tables.
# ---------------------------------------------------------------------------------------------

_NESTED: Final = frozenset({"profile", "regimen"})

_COMMON_EXPECTED: Final = frozenset(
    {
        "outcome",
        "invalid_fields",
        "invalid_field_prefixes",
        "findings",
        "findings_include",
        "findings_exclude",
        "finding_rule_ids",
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
        "loading_pattern",
        "loading_dates",
        "open_ended",
        "review_date",
        "maintenance_start",
        "first_due_date",
        "maintenance_dates",
        "lab_check_dates",
        "sites",
        "needle_gauge",
        "pressure_minutes",
        "guidance_items_include",
        "guidance_rule_ids_include",
        "guidance_rule_ids_exclude",
        "monitoring_items_include",
        "monitoring_items_exclude",
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


def _observe_plan(plan: RegimenPlan) -> dict[str, object]:
    loading, maintenance, guidance = plan.loading, plan.maintenance, plan.guidance
    needle = (
        None
        if guidance.needle_gauge_min is None and guidance.needle_gauge_max is None
        else [guidance.needle_gauge_min, guidance.needle_gauge_max]
    )
    pressure = (
        None
        if guidance.pressure_minutes_min is None and guidance.pressure_minutes_max is None
        else [guidance.pressure_minutes_min, guidance.pressure_minutes_max]
    )
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
        "sites": [site.name for site in guidance.sites],
        "needle_gauge": needle,
        "pressure_minutes": pressure,
        "guidance_items": [item.code.name for item in guidance.items],
        "guidance_rule_ids": list(guidance.rule_ids),
        "monitoring_items": [item.code.name for item in plan.monitoring.items],
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
    return {
        **_findings(course.findings),
        "phase": course.phase.name,
        "next_due_date": _iso(course.next_due_date),
        "days_overdue": course.days_overdue,
        "labs_due_date": _iso(course.labs_due_date),
        "stabilised": course.stabilised,
        "clinician_review_required": course.clinician_review_required,
        "suggested_interval_months": course.suggested_interval_months,
        "due_interval_months": course.due_interval_months,
        "overdue_after_months": course.overdue_after_months,
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
    elif isinstance(result, RegimenPlan):
        observed.update(_observe_plan(result))
    elif isinstance(result, RegimenCheck):
        observed.update(_findings(result.findings))
        observed["refer_reasons"] = [reason.name for reason in result.refer_reasons]
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


# expected key -> (observed key, comparison)
_COMPARISONS: Final[Mapping[str, tuple[str, Callable[[str, object, object], list[str]]]]] = {
    "invalid_fields": ("invalid_fields", _invalid_fields),
    "invalid_field_prefixes": ("invalid_fields", _prefixes),
    "findings_include": ("findings", _include),
    "findings_exclude": ("findings", _exclude),
    "finding_rule_ids": ("finding_rule_ids", _cited),
    "interval_rule_ids": ("interval_rule_ids", _cited),
    "guidance_items_include": ("guidance_items", _include),
    "guidance_rule_ids_include": ("guidance_rule_ids", _include),
    "guidance_rule_ids_exclude": ("guidance_rule_ids", _exclude),
    "monitoring_items_include": ("monitoring_items", _include),
    "monitoring_items_exclude": ("monitoring_items", _exclude),
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
# Severities, as fixed by the "Severities" section of the clinical decisions.
# ---------------------------------------------------------------------------------------------

_CRITICAL: Final = (
    "NEURO_SEEK_URGENT_SPECIALIST_ADVICE",
    "TREAT_WITHOUT_DELAY",
    "PLATELET_TRANSFUSION_CONSIDER",
    "FOLATE_BEFORE_B12",
    "NEURO_RECURRENCE_REVIEW",
    "HOME_ADMINISTRATION_SUSPENDED_REVIEW",
    "NOT_COVERED",
    "REFER_CONDITION_PRESENT",
    "SUPERVISION_REQUIRED",
    "DOSE_TOO_LOW",
    "DOSE_ABOVE_MAXIMUM",
    "ROUTE_NOT_IM",
    "LIFELONG",
    "INTERVAL_ABOVE_MAXIMUM",
    "INTERVAL_MONTHLY_RULE",
    "LOADING_NEURO_MUST_BE_OPEN_ENDED",
)
_WARNING: Final = (
    "NEURO_STATUS_UNCERTAIN",
    "NEURO_WITHOUT_CONFIRMED_DEFICIENCY",
    "DEFICIENCY_UNCONFIRMED",
    "THROMBOCYTOPENIA_PRECAUTIONS",
    "PLATELETS_NOT_ASSESSED",
    "RENAL_PREFER_HYDROXOCOBALAMIN",
    "RENAL_CARDIOVASCULAR_SIGNAL",
    "SITE_BUTTOCK_UPPER_OUTER_NEEDLE_ANTERIOR",
    "SITE_BUTTOCK_REPLACED",
    "MONTHLY_MORE_EFFECTIVE",
    "EXTENDED_NOT_AVAILABLE",
    "RESECTION_LENGTH_UNKNOWN",
    "CROHN_LENGTH_UNKNOWN",
    "NEURO_LOADING_DOSES_MISSED",
    "NEURO_REVIEW_OVERDUE",
    "LIFELONG_CLINICIAN_DECISION",
    "TWO_INJECTIONS_ONE_DAY",
    "DOSE_BELOW_RECOMMENDED",
    "INTERVAL_LONGER_THAN_RECOMMENDED",
    "LOADING_TOO_FEW",
)
_INFO: Final = (
    "HOMOCYSTEINE_OFF_TARGET",
    "LABS_MAY_BE_STABLE",
    "CROHN_PROPHYLAXIS_EVIDENCE_WEAK",
    "EXTENDED_NOT_APPLICABLE",
    "LOADING_ALTERNATIVE",
    "LOADING_MORE_FREQUENT",
)

SEVERITIES: Final[Mapping[str, str]] = {
    **dict.fromkeys(_CRITICAL, "critical"),
    **dict.fromkeys(_WARNING, "warning"),
    **dict.fromkeys(_INFO, "info"),
}
"""The fixed severity of every warning and finding code, by code name."""

REFER_WARNINGS: Final = frozenset(
    {
        "NEURO_SEEK_URGENT_SPECIALIST_ADVICE",
        "NEURO_STATUS_UNCERTAIN",
        "NEURO_WITHOUT_CONFIRMED_DEFICIENCY",
        "DEFICIENCY_UNCONFIRMED",
        "TREAT_WITHOUT_DELAY",
        "PLATELET_TRANSFUSION_CONSIDER",
        "THROMBOCYTOPENIA_PRECAUTIONS",
        "PLATELETS_NOT_ASSESSED",
        "FOLATE_BEFORE_B12",
        "RENAL_PREFER_HYDROXOCOBALAMIN",
        "RENAL_CARDIOVASCULAR_SIGNAL",
    }
)
"""The warnings of D-DEFICIENCY, D-NEURO-UNKNOWN, D-NEURO-URGENT, D-RENAL, D-FOLATE and D-PLT:
the only warnings a REFER may carry (D-OUTCOME)."""
