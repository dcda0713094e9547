"""ExportPlan over a real gRPC server: the FHIR and iCalendar documents of server/export/fhir.py and
server/export/ical.py, and the validation of the export's own options."""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterator
from typing import Final

import grpc
import icalendar
import pytest
from b12.dosing import cli
from b12.dosing.client import DosingClient, DosingError, InvalidRequestError
from b12.dosing.v1 import dosing_pb2 as pb
from b12.dosing.v1 import export_pb2
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.operationoutcome import OperationOutcome
from google.protobuf.timestamp_pb2 import Timestamp
from google.type import date_pb2

from server.grpc.app import create_server
from server.grpc.config import ServerConfig

FHIR: Final = export_pb2.EXPORT_FORMAT_FHIR_R4_JSON
ICALENDAR: Final = export_pb2.EXPORT_FORMAT_ICALENDAR


@pytest.fixture(scope="module")
def client() -> Iterator[DosingClient]:
    server, port = create_server("127.0.0.1:0", ServerConfig(access_log=False))
    server.start()
    with DosingClient(f"127.0.0.1:{port}") as dosing:
        yield dosing
    server.stop(None).wait()


def plan_request(*, age: int = 45, neuro: bool = False) -> pb.PlanRegimenRequest:
    return pb.PlanRegimenRequest(
        profile=pb.PatientProfile(
            formulation=pb.FORMULATION_CYANOCOBALAMIN_1000_MCG_PER_ML,
            age_years=age,
            deficiency_status=pb.DEFICIENCY_STATUS_CONFIRMED,
            neurological_involvement=(
                pb.NEUROLOGICAL_INVOLVEMENT_PRESENT if neuro else pb.NEUROLOGICAL_INVOLVEMENT_ABSENT
            ),
            platelets_10e9_per_l=200,
            egfr_ml_min_1_73m2=40,
        ),
        start_date=date_pb2.Date(year=2025, month=1, day=6),
        horizon_date=date_pb2.Date(year=2025, month=6, day=30),
        route=pb.ROUTE_INTRAMUSCULAR,
    )


@pytest.mark.covers("R-RENAL", "D-FORMULATIONS")
def test_fhir_export_is_a_valid_medication_request(client: DosingClient) -> None:
    response = client.export_plan(
        pb.ExportPlanRequest(
            plan=plan_request(),
            format=FHIR,
            fhir_intent=export_pb2.FHIR_INTENT_PLAN,
            fhir_status=export_pb2.FHIR_STATUS_ACTIVE,
            fhir_subject_reference="Patient/42",
        )
    )
    assert response.media_type == "application/fhir+json"
    resource = json.loads(response.content)
    MedicationRequest.model_validate(resource)
    assert (resource["intent"], resource["status"]) == ("plan", "active")
    assert resource["subject"] == {"reference": "Patient/42"}
    assert resource["medicationCodeableConcept"]["coding"][0]["code"] == "309594"
    issues = {issue["code"]["coding"][0]["code"]: issue for issue in resource["contained"]}
    assert issues["RENAL_PREFER_HYDROXOCOBALAMIN"]["severity"] == "moderate"
    # The outcome is PlanRegimen's answer for the same request.
    assert response.outcome == client.plan_regimen(plan_request())


def test_fhir_export_of_a_referral_is_an_operation_outcome(client: DosingClient) -> None:
    response = client.export_plan(pb.ExportPlanRequest(plan=plan_request(age=15), format=FHIR))
    resource = json.loads(response.content)
    OperationOutcome.model_validate(resource)
    assert resource["issue"][0]["details"]["coding"][0]["code"] == "OUT_OF_SCOPE_AGE"
    assert response.outcome.WhichOneof("outcome") == "referral"


@pytest.mark.covers("D-LOAD-DAYS", "D-NEURO-OPEN")
def test_calendar_export_reads_back(client: DosingClient) -> None:
    stamp = Timestamp()
    stamp.FromDatetime(datetime.datetime(2025, 1, 2, 8, 0, tzinfo=datetime.UTC))
    response = client.export_plan(
        pb.ExportPlanRequest(plan=plan_request(), format=ICALENDAR, calendar_stamp=stamp)
    )
    assert response.media_type == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.content)
    events = [e for e in calendar.walk("VEVENT") if isinstance(e, icalendar.Event)]
    loading = sorted(e.start for e in events if "loading dose" in str(e.summary))
    assert loading == [datetime.date(2025, 1, day) for day in (6, 8, 10, 13, 15, 17)]
    assert {e.stamp for e in events} == {datetime.datetime(2025, 1, 2, 8, 0, tzinfo=datetime.UTC)}
    neuro = client.export_plan(
        pb.ExportPlanRequest(plan=plan_request(neuro=True), format=ICALENDAR)
    )
    # D-EXPORT-NEURO: the alternate-day series ends at the review (start + 14 days).
    assert re.search(
        r"RRULE:FREQ=DAILY;(UNTIL=20250120;INTERVAL=2|INTERVAL=2;UNTIL=20250120)\r\n", neuro.content
    )
    # Without a stamp, the start date at midnight UTC: the same request, the same bytes.
    again = client.export_plan(
        pb.ExportPlanRequest(plan=plan_request(neuro=True), format=ICALENDAR)
    )
    assert again.content == neuro.content
    assert "DTSTAMP:20250106T000000Z" in neuro.content


def test_calendar_of_a_referral_is_failed_precondition(client: DosingClient) -> None:
    with pytest.raises(DosingError) as caught:
        client.export_plan(pb.ExportPlanRequest(plan=plan_request(age=15), format=ICALENDAR))
    assert caught.value.code is grpc.StatusCode.FAILED_PRECONDITION
    assert "referral" in caught.value.message


def test_invalid_plan_and_options_are_named_together(client: DosingClient) -> None:
    bad_plan = plan_request()
    bad_plan.profile.platelets_10e9_per_l = -1
    request = pb.ExportPlanRequest(
        plan=bad_plan,
        fhir_intent=export_pb2.FHIR_INTENT_UNSPECIFIED,
        fhir_subject_reference="not a reference",
    )
    with pytest.raises(InvalidRequestError) as caught:
        client.export_plan(request)
    fields = [violation.field for violation in caught.value.violations]
    assert fields == [
        "plan.profile.platelets_10e9_per_l",
        "format",
        "fhir_intent",
        "fhir_subject_reference",
    ]
    reasons = {violation.field: violation.description for violation in caught.value.violations}
    assert reasons["format"] == "is required"
    assert reasons["fhir_intent"] == "must not be UNSPECIFIED"


def test_unknown_format_number_is_invalid(client: DosingClient) -> None:
    request = pb.ExportPlanRequest(plan=plan_request())
    request.format = 9  # type: ignore[assignment]
    with pytest.raises(InvalidRequestError) as caught:
        client.export_plan(request)
    (violation,) = caught.value.violations
    assert violation.field == "format"
    assert "b12.dosing.v1.ExportFormat" in violation.description


@pytest.fixture(scope="module")
def target() -> Iterator[str]:
    server, port = create_server("127.0.0.1:0", ServerConfig(access_log=False))
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(None).wait()


PROFILE_ARGS: Final = [
    "--formulation",
    "cyanocobalamin_1000_mcg_per_ml",
    "--age",
    "45",
    "--deficiency",
    "confirmed",
    "--neuro",
    "absent",
    "--platelets",
    "200",
    "--start",
    "2025-01-06",
    "--horizon",
    "2025-06-30",
    "--route",
    "intramuscular",
]


def test_cli_exports_fhir_and_ical(target: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--address", target, "export", "--format", "fhir", *PROFILE_ARGS]) == 0
    resource = json.loads(capsys.readouterr().out)
    MedicationRequest.model_validate(resource)
    assert resource["intent"] == "proposal"
    assert cli.main(["--address", target, "export", "--format", "ical", *PROFILE_ARGS]) == 0
    calendar = icalendar.Calendar.from_ical(capsys.readouterr().out)
    starts = {e.start for e in calendar.walk("VEVENT") if isinstance(e, icalendar.Event)}
    assert datetime.date(2025, 1, 17) in starts
    assert cli.main(["--address", target, "export", "--format", "ical", "--age", "45"]) == 3


def plateaued_course(*, horizon: date_pb2.Date | None = None) -> pb.AssessCourseRequest:
    """A neurological course reported PLATEAUED after alternate-day loading."""
    request = pb.AssessCourseRequest(
        profile=pb.PatientProfile(
            formulation=pb.FORMULATION_CYANOCOBALAMIN_1000_MCG_PER_ML,
            age_years=60,
            deficiency_status=pb.DEFICIENCY_STATUS_CONFIRMED,
            neurological_involvement=pb.NEUROLOGICAL_INVOLVEMENT_PRESENT,
            platelets_10e9_per_l=210,
        ),
        start_date=date_pb2.Date(year=2026, month=1, day=5),
        reference_date=date_pb2.Date(year=2026, month=2, day=20),
        injection_dates=[date_pb2.Date(year=2026, month=1, day=day) for day in range(5, 32, 2)]
        + [date_pb2.Date(year=2026, month=2, day=day) for day in (2, 4, 6, 8, 10, 12, 14, 16)],
        neurological_status=pb.COURSE_NEUROLOGICAL_STATUS_PLATEAUED,
    )
    if horizon is not None:
        request.horizon_date.CopyFrom(horizon)
    return request


@pytest.mark.covers("D-COURSE-SCHEDULE", "D-EXPORT-NEURO", "INV-SCHEDULE")
def test_a_plateaued_neurological_course_exports_dated_monthly_maintenance(
    client: DosingClient,
) -> None:
    """Issue: a neurological patient past the plateau gets a dated maintenance calendar."""
    horizon = date_pb2.Date(year=2027, month=2, day=20)
    course = plateaued_course(horizon=horizon)
    assessment = client.assess_course(course)
    # Written by hand: the last dose on 16 February; monthly from 16 March, to the horizon.
    expected = [datetime.date(2026, month, 16) for month in range(3, 13)] + [
        datetime.date(2027, 1, 16),
        datetime.date(2027, 2, 16),
    ]
    schedule = assessment.schedule
    assert [datetime.date(d.year, d.month, d.day) for d in schedule.maintenance_dates] == expected
    calendar = client.export_course_schedule(
        pb.ExportCourseScheduleRequest(course=course, format=ICALENDAR)
    )
    assert calendar.media_type == "text/calendar"
    assert calendar.assessment == assessment
    events = [
        e
        for e in icalendar.Calendar.from_ical(calendar.content).walk("VEVENT")
        if isinstance(e, icalendar.Event)
    ]
    maintenance = sorted(e.start for e in events if "maintenance dose" in str(e.summary))
    assert maintenance == expected
    assert "DTSTAMP:20260220T000000Z" in calendar.content
    document = client.export_course_schedule(
        pb.ExportCourseScheduleRequest(course=course, format=FHIR)
    )
    resource = json.loads(document.content)
    MedicationRequest.model_validate(resource)
    (dosage,) = resource["dosageInstruction"]
    assert dosage["timing"]["event"] == [day.isoformat() for day in expected]
    assert dosage["timing"]["repeat"]["periodUnit"] == "mo"
    assert "end" not in dosage["timing"]["repeat"]["boundsPeriod"]


def test_export_course_schedule_names_course_fields_and_options(client: DosingClient) -> None:
    course = plateaued_course(horizon=date_pb2.Date(year=2026, month=1, day=1))
    with pytest.raises(InvalidRequestError) as caught:
        client.export_course_schedule(pb.ExportCourseScheduleRequest(course=course))
    fields = {violation.field for violation in caught.value.violations}
    assert fields == {"course.horizon_date", "format"}
