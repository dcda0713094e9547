"""Bad input of every kind, through the wire: INVALID_ARGUMENT naming every offending field (in a
google.rpc.BadRequest), or RESOURCE_EXHAUSTED for an oversized message.

The expected field paths come from D-INVALID and D-FIELDS (and, for what only the wire can
express, from the proto's contract), not from the kernel's answers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import grpc
import pytest
from b12.dosing.v1 import dosing_pb2 as pb
from b12.dosing.v1 import dosing_pb2_grpc
from google.rpc import error_details_pb2
from google.type import date_pb2
from grpc_status import rpc_status

from server.grpc.app import create_server
from server.grpc.config import ServerConfig

pytestmark = [pytest.mark.e2e, pytest.mark.covers("D-INVALID", "D-FIELDS", "INV-VALIDATION")]

Violations = dict[str, str]


@pytest.fixture(scope="module")
def stub() -> Iterator[dosing_pb2_grpc.DosingServiceStub]:
    server, port = create_server("127.0.0.1:0", ServerConfig(access_log=False))
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield dosing_pb2_grpc.DosingServiceStub(channel)
    channel.close()
    server.stop(None).wait()


def date(year: int, month: int, day: int) -> date_pb2.Date:
    return date_pb2.Date(year=year, month=month, day=day)


def valid_profile(profile: pb.PatientProfile) -> None:
    profile.formulation = pb.FORMULATION_CYANOCOBALAMIN_1000_MCG_PER_ML
    profile.age_years = 52
    profile.deficiency_status = pb.DEFICIENCY_STATUS_CONFIRMED
    profile.neurological_involvement = pb.NEUROLOGICAL_INVOLVEMENT_ABSENT
    profile.platelets_10e9_per_l = 210


def plan_request() -> pb.PlanRegimenRequest:
    request = pb.PlanRegimenRequest(start_date=date(2026, 1, 5), horizon_date=date(2026, 12, 31))
    valid_profile(request.profile)
    return request


def course_request() -> pb.AssessCourseRequest:
    request = pb.AssessCourseRequest(start_date=date(2026, 1, 5), reference_date=date(2026, 6, 1))
    valid_profile(request.profile)
    return request


def check_request() -> pb.CheckRegimenRequest:
    request = pb.CheckRegimenRequest()
    valid_profile(request.profile)
    return request


def as_call(error: object) -> grpc.Call:
    """A failed unary call raises an error that is also a grpc.Call (the stubs cannot say so)."""
    assert isinstance(error, grpc.Call)
    return error


def invalid(call: Callable[[], object]) -> tuple[Violations, str]:
    """Make the call, expect INVALID_ARGUMENT; return its field violations and message."""
    with pytest.raises(grpc.RpcError) as raised:
        call()
    error = as_call(raised.value)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(error)
    assert status is not None
    bad_requests = []
    for detail in status.details:
        bad_request = error_details_pb2.BadRequest()
        assert detail.Unpack(bad_request)
        bad_requests.append(bad_request)
    assert len(bad_requests) == 1
    fields = [(item.field, item.description) for item in bad_requests[0].field_violations]
    names = [field for field, _ in fields]
    assert len(names) == len(set(names)), f"a field named twice: {names}"
    assert all(description for _, description in fields)
    return dict(fields), error.details() or ""


def test_a_valid_request_is_answered(stub: dosing_pb2_grpc.DosingServiceStub) -> None:
    response = stub.PlanRegimen(plan_request())
    assert response.WhichOneof("outcome") == "plan"


def test_an_empty_plan_request_names_every_required_field(
    stub: dosing_pb2_grpc.DosingServiceStub,
) -> None:
    violations, message = invalid(lambda: stub.PlanRegimen(pb.PlanRegimenRequest()))
    required = {
        "profile.formulation",
        "profile.age_years",
        "profile.deficiency_status",
        "profile.neurological_involvement",
        "start_date",
    }
    assert set(violations) == required
    assert all(field in message for field in required)


def test_an_empty_course_request_also_needs_its_reference_date(
    stub: dosing_pb2_grpc.DosingServiceStub,
) -> None:
    violations, _ = invalid(lambda: stub.AssessCourse(pb.AssessCourseRequest()))
    assert {"start_date", "reference_date", "profile.formulation"} <= set(violations)


def test_unspecified_enums_are_rejected_each_by_its_path(
    stub: dosing_pb2_grpc.DosingServiceStub,
) -> None:
    request = plan_request()
    profile = request.profile
    profile.formulation = pb.FORMULATION_UNSPECIFIED
    profile.deficiency_status = pb.DEFICIENCY_STATUS_UNSPECIFIED
    profile.neurological_involvement = pb.NEUROLOGICAL_INVOLVEMENT_UNSPECIFIED
    profile.bariatric_procedure = pb.BARIATRIC_PROCEDURE_UNSPECIFIED
    profile.site_request = pb.SITE_REQUEST_UNSPECIFIED
    profile.maintenance_preference = pb.MAINTENANCE_PREFERENCE_UNSPECIFIED
    request.route = pb.ROUTE_UNSPECIFIED
    violations, _ = invalid(lambda: stub.PlanRegimen(request))
    assert set(violations) == {
        "profile.formulation",
        "profile.deficiency_status",
        "profile.neurological_involvement",
        "profile.bariatric_procedure",
        "profile.site_request",
        "profile.maintenance_preference",
        "route",
    }


def test_enum_numbers_the_proto_does_not_define_are_field_violations(
    stub: dosing_pb2_grpc.DosingServiceStub,
) -> None:
    request = course_request()
    request.profile.formulation = 99  # type: ignore[assignment]
    request.profile.bariatric_procedure = 42  # type: ignore[assignment]
    request.neurological_status = 7  # type: ignore[assignment]
    violations, _ = invalid(lambda: stub.AssessCourse(request))
    assert set(violations) == {
        "profile.formulation",
        "profile.bariatric_procedure",
        "neurological_status",
    }
    assert "not defined" in violations["profile.formulation"]


def test_unsupported_formulation_and_route(stub: dosing_pb2_grpc.DosingServiceStub) -> None:
    request = plan_request()
    request.profile.formulation = pb.FORMULATION_METHYLCOBALAMIN
    request.route = pb.ROUTE_SUBCUTANEOUS
    violations, _ = invalid(lambda: stub.PlanRegimen(request))
    assert set(violations) == {"profile.formulation", "route"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("platelets_10e9_per_l", -1.0),
        ("platelets_10e9_per_l", 2000.5),
        ("platelets_10e9_per_l", math.nan),
        ("egfr_ml_min_1_73m2", 1e300),
        ("egfr_ml_min_1_73m2", -math.inf),
        ("egfr_ml_min_1_73m2", math.inf),
    ],
)
def test_negative_huge_and_non_finite_numbers(
    stub: dosing_pb2_grpc.DosingServiceStub, field: str, value: float
) -> None:
    request = plan_request()
    setattr(request.profile, field, value)
    violations, _ = invalid(lambda: stub.PlanRegimen(request))
    assert set(violations) == {f"profile.{field}"}


@pytest.mark.parametrize("age", [-1, 121, 2**31 - 1, -(2**31)])
def test_ages_out_of_range(stub: dosing_pb2_grpc.DosingServiceStub, age: int) -> None:
    request = plan_request()
    request.profile.age_years = age
    violations, _ = invalid(lambda: stub.PlanRegimen(request))
    assert set(violations) == {"profile.age_years"}


def test_contradictory_fields(stub: dosing_pb2_grpc.DosingServiceStub) -> None:
    request = plan_request()
    request.profile.ileal_resection = False
    request.profile.ileal_resection_length_cm = 40
    request.profile.crohn_ileal_involvement = True
    request.profile.crohn_ileal_involvement_length_cm = 0
    violations, _ = invalid(lambda: stub.PlanRegimen(request))
    assert set(violations) == {
        "profile.ileal_resection_length_cm",
        "profile.crohn_ileal_involvement_length_cm",
    }


def test_a_horizon_before_the_start(stub: dosing_pb2_grpc.DosingServiceStub) -> None:
    request = plan_request()
    request.horizon_date.CopyFrom(date(2025, 12, 31))
    violations, _ = invalid(lambda: stub.PlanRegimen(request))
    assert set(violations) == {"horizon_date"}


def test_course_dates_out_of_order(stub: dosing_pb2_grpc.DosingServiceStub) -> None:
    request = course_request()
    request.injection_dates.extend(
        [date(2026, 1, 5), date(2025, 12, 1), date(2026, 7, 1)]  # ok, before start, after ref
    )
    request.lab_results.add(date=date(2026, 6, 2), b12_ng_per_l=300)  # after the reference date
    request.stabilisation_date.CopyFrom(date(2025, 1, 1))  # before the start
    violations, _ = invalid(lambda: stub.AssessCourse(request))
    assert set(violations) == {
        "injection_dates[1]",
        "injection_dates[2]",
        "lab_results[0].date",
        "stabilisation_date",
    }


def test_a_lab_result_needs_a_value(stub: dosing_pb2_grpc.DosingServiceStub) -> None:
    request = course_request()
    request.lab_results.add(date=date(2026, 4, 5))
    violations, _ = invalid(lambda: stub.AssessCourse(request))
    assert set(violations) == {"lab_results[0]"}


def test_a_neurological_status_contradicting_the_profile_names_both(
    stub: dosing_pb2_grpc.DosingServiceStub,
) -> None:
    request = course_request()
    request.neurological_status = pb.COURSE_NEUROLOGICAL_STATUS_IMPROVING
    violations, _ = invalid(lambda: stub.AssessCourse(request))
    assert set(violations) == {"profile.neurological_involvement", "neurological_status"}


@pytest.mark.parametrize(
    "bad",
    [date(2026, 13, 1), date(0, 1, 5), date(2026, 2, 30), date(2026, 0, 0), date(10000, 1, 1)],
    ids=["month-13", "year-0", "february-30", "partial", "year-10000"],
)
def test_dates_that_are_not_calendar_dates(
    stub: dosing_pb2_grpc.DosingServiceStub, bad: date_pb2.Date
) -> None:
    request = plan_request()
    request.start_date.CopyFrom(bad)
    violations, _ = invalid(lambda: stub.PlanRegimen(request))
    assert set(violations) == {"start_date"}
    assert "calendar date" in violations["start_date"]


def test_wire_and_kernel_violations_are_reported_together_in_field_order(
    stub: dosing_pb2_grpc.DosingServiceStub,
) -> None:
    request = plan_request()
    request.start_date.CopyFrom(date(2026, 13, 1))  # only decoding sees this
    request.profile.age_years = 200  # only the kernel sees this
    request.route = pb.ROUTE_ORAL  # and this
    violations, _ = invalid(lambda: stub.PlanRegimen(request))
    assert list(violations) == ["profile.age_years", "start_date", "route"]


def test_list_items_keep_their_request_index(stub: dosing_pb2_grpc.DosingServiceStub) -> None:
    request = course_request()
    request.injection_dates.extend(
        [date(2026, 1, 5), date(2026, 2, 31), date(2026, 9, 1), date(2026, 1, 7)]
    )  # ok, not a date, after the reference date, ok
    violations, _ = invalid(lambda: stub.AssessCourse(request))
    assert set(violations) == {"injection_dates[1]", "injection_dates[2]"}
    assert "calendar date" in violations["injection_dates[1]"]
    assert "reference_date" in violations["injection_dates[2]"]


def test_regimen_check_elements(stub: dosing_pb2_grpc.DosingServiceStub) -> None:
    request = check_request()
    regimen = request.regimen
    regimen.dose_per_injection_mcg = 0
    regimen.maintenance_interval_months = -1
    regimen.loading_dates.extend([date(2026, 1, 5), date(2026, 4, 31)])
    regimen.route = pb.ROUTE_UNSPECIFIED
    violations, _ = invalid(lambda: stub.CheckRegimen(request))
    assert set(violations) == {
        "regimen.dose_per_injection_mcg",
        "regimen.maintenance_interval_months",
        "regimen.loading_dates[1]",
        "regimen.route",
    }


def test_an_oversized_message_is_resource_exhausted(
    stub: dosing_pb2_grpc.DosingServiceStub,
) -> None:
    request = course_request()
    request.injection_dates.extend(date(2026, 1, 5) for _ in range(40_000))
    assert request.ByteSize() > ServerConfig().max_receive_message_bytes
    with pytest.raises(grpc.RpcError) as raised:
        stub.AssessCourse(request)
    assert as_call(raised.value).code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_a_long_course_within_the_limit_is_served(stub: dosing_pb2_grpc.DosingServiceStub) -> None:
    request = course_request()
    request.reference_date.CopyFrom(date(2076, 1, 5))
    request.injection_dates.extend(
        date(year, month, 5) for year in range(2026, 2076) for month in range(1, 13)
    )
    assert request.ByteSize() < ServerConfig().max_receive_message_bytes
    response = stub.AssessCourse(request)
    assert response.phase == pb.COURSE_PHASE_MAINTENANCE
