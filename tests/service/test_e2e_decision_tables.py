"""Every decision-table row through the real server on a real port: the server's answer is the
kernel's own answer, field for field.

Each row's kernel request is written to the wire, sent to a server started by the composition
root on 127.0.0.1, and the response compared two ways with what the kernel itself returns for
the row's request: as wire messages (the kernel's answer written to the wire), and as kernel
values (the response read back from the wire with the table-driven reader, which shares no code
with the writer). A validation error must come back as INVALID_ARGUMENT whose BadRequest lists
exactly the kernel's violations, in order.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from typing import Any

import grpc
import pytest
from b12.dosing.v1 import dosing_pb2 as pb
from b12.dosing.v1 import dosing_pb2_grpc
from google.protobuf.message import Message
from google.rpc import error_details_pb2
from grpc_status import rpc_status

import kernel
from kernel import model
from server.grpc import translate
from server.grpc.app import create_server
from server.grpc.config import ServerConfig
from specs.verification.decision_tables import Row, all_rows

pytestmark = pytest.mark.e2e

ROWS = all_rows()


@pytest.fixture(scope="module")
def stub() -> Iterator[dosing_pb2_grpc.DosingServiceStub]:
    server, port = create_server("127.0.0.1:0", ServerConfig(access_log=False))
    server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    yield dosing_pb2_grpc.DosingServiceStub(channel)
    channel.close()
    server.stop(None).wait()


def same(left: object, right: object) -> bool:
    """Equality of kernel values, field by field, where NaN equals NaN."""
    if is_dataclass(left) and is_dataclass(right) and type(left) is type(right):
        return all(same(getattr(left, f.name), getattr(right, f.name)) for f in fields(left))
    if isinstance(left, tuple) and isinstance(right, tuple):
        return len(left) == len(right) and all(map(same, left, right))
    if isinstance(left, float) and isinstance(right, float) and math.isnan(left):
        return math.isnan(right)
    return left == right


def send(stub: dosing_pb2_grpc.DosingServiceStub, row: Row) -> tuple[Message, object, type[Any]]:
    """Send the row's request; return the wire response, the kernel's own result and the kernel
    type the response carries."""
    request: Any = row.request
    if row.kind == "plan":
        wire_plan = pb.PlanRegimenRequest()
        translate.encode(request, wire_plan)
        assert same(translate.decode_plan_request(wire_plan).value, request)
        expected: object = kernel.plan_regimen(request)
        return _call(lambda: stub.PlanRegimen(wire_plan)), expected, type(expected)
    if row.kind == "check":
        wire_check = pb.CheckRegimenRequest()
        translate.encode(request, wire_check)
        assert same(translate.decode_check_request(wire_check).value, request)
        expected = kernel.check_regimen(request)
        return _call(lambda: stub.CheckRegimen(wire_check)), expected, type(expected)
    wire_course = pb.AssessCourseRequest()
    translate.encode(request, wire_course)
    assert same(translate.decode_course_request(wire_course).value, request)
    expected = kernel.assess_course(request)
    return _call(lambda: stub.AssessCourse(wire_course)), expected, type(expected)


def _call(call: Any) -> Message:  # noqa: ANN401 (a stub method bound to its request)
    """Make the call; return its response, or the BadRequest of an INVALID_ARGUMENT."""
    try:
        response: Message = call()
    except grpc.RpcError as error:
        return _bad_request(error)
    return response


def _bad_request(error: object) -> error_details_pb2.BadRequest:
    # A failed unary call raises an error that is also a grpc.Call (the stubs cannot say so).
    assert isinstance(error, grpc.Call)
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    status = rpc_status.from_call(error)
    assert status is not None
    assert len(status.details) == 1
    bad_request = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad_request)
    return bad_request


def expected_wire(expected: object) -> Message:
    """The kernel's own answer, written to the wire."""
    if isinstance(expected, model.InvalidInput):
        bad_request = error_details_pb2.BadRequest()
        for violation in expected.violations:
            bad_request.field_violations.add(field=violation.field, description=violation.reason)
        return bad_request
    if isinstance(expected, model.RegimenPlan | model.Referral):
        response = pb.PlanRegimenResponse()
        translate.encode_plan_outcome(expected, response)
        return response
    message: Message = (
        pb.CheckRegimenResponse()
        if isinstance(expected, model.RegimenCheck)
        else pb.AssessCourseResponse()
    )
    translate.encode(expected, message)
    return message


def read_back(response: Message, kernel_type: type[Any]) -> object:
    """The response read back into a kernel value."""
    if isinstance(response, error_details_pb2.BadRequest):
        return model.InvalidInput(
            tuple(
                model.FieldViolation(item.field, item.description)
                for item in response.field_violations
            )
        )
    if isinstance(response, pb.PlanRegimenResponse):
        outcome = response.WhichOneof("outcome")
        assert outcome is not None
        inner: Message = getattr(response, outcome)
        decoded = translate.decode(inner, kernel_type)
    else:
        decoded = translate.decode(response, kernel_type)
    assert not decoded.violations
    return decoded.value


def test_every_kind_of_row_is_present() -> None:
    assert {row.kind for row in ROWS} == {"plan", "check", "course"}
    assert len(ROWS) > 100


@pytest.mark.parametrize("row", ROWS, ids=[row.id for row in ROWS])
def test_the_server_answers_every_row_as_the_kernel_does(
    stub: dosing_pb2_grpc.DosingServiceStub, row: Row
) -> None:
    response, expected, kernel_type = send(stub, row)
    assert response == expected_wire(expected)
    assert same(read_back(response, kernel_type), expected)
