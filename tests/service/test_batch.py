"""Batch RPCs (BatchPlanRegimens, BatchCheckRegimens, BatchAssessCourses): results in request
order, each item its own response (the same bytes as the single call's) or its own
google.rpc.Status with BadRequest, so that one bad item never fails the batch; more than the
documented maximum is INVALID_ARGUMENT; over the size cap is RESOURCE_EXHAUSTED; a fault fails
its item only, as INTERNAL without content. Through the typed Python client, over the wire."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from b12.dosing.client import (
    MAX_BATCH_REQUESTS,
    DosingClient,
    DosingError,
    InvalidRequestError,
    result_error,
)
from b12.dosing.v1 import dosing_pb2 as pb

import kernel
from bench import workload
from kernel import model
from server.grpc import service
from server.grpc.app import create_server
from server.grpc.config import ServerConfig

pytestmark = pytest.mark.e2e

PROTO = Path(__file__).resolve().parents[2] / "proto" / "b12" / "dosing" / "v1" / "dosing.proto"
FAULTY_AGE = 99


class FaultyKernel:
    """The kernel, except that planning for age ``FAULTY_AGE`` fails with a message that
    quotes the request."""

    def __getattr__(self, name: str) -> object:
        return getattr(kernel, name)

    def plan_regimen(self, request: model.PlanRequest, /) -> model.PlanOutcome:
        if request.profile.age_years == FAULTY_AGE:
            message = f"confidential: age {request.profile.age_years}"
            raise RuntimeError(message)
        return kernel.plan_regimen(request)


@pytest.fixture(scope="module")
def client() -> Iterator[DosingClient]:
    server, port = create_server("127.0.0.1:0", ServerConfig(), kernel=FaultyKernel())  # type: ignore[arg-type]
    server.start()
    with DosingClient(f"127.0.0.1:{port}") as dosing:
        yield dosing
    server.stop(None).wait()


def _invalid_age() -> pb.PlanRegimenRequest:
    request = workload.typical_plan()
    request.profile.age_years = 177
    return request


def _month_13() -> pb.PlanRegimenRequest:
    request = workload.typical_plan()
    request.start_date.month = 13
    return request


def _aged(age: int) -> pb.PlanRegimenRequest:
    request = workload.typical_plan()
    request.profile.age_years = age
    return request


def test_each_plan_gets_its_own_answer_in_request_order(client: DosingClient) -> None:
    requests = [
        workload.typical_plan(),
        _invalid_age(),
        workload.neurological_plan(),
        _month_13(),
        workload.referral_plan(),
        workload.bariatric_plan(),
    ]
    results = client.batch_plan_regimens(requests)
    assert [result.WhichOneof("result") for result in results] == [
        "response",
        "error",
        "response",
        "error",
        "response",
        "response",
    ]
    for request, result in zip(requests, results, strict=True):
        if result.WhichOneof("result") == "response":
            single = client.plan_regimen(request)
            assert result.response.SerializeToString() == single.SerializeToString()
        else:
            with pytest.raises(InvalidRequestError) as raised:
                client.plan_regimen(request)
            error = result_error(result.error)
            assert isinstance(error, InvalidRequestError)
            assert error.violations == raised.value.violations  # paths relative to the item
    assert results[4].response.WhichOneof("outcome") == "referral"
    assert {v.field for v in result_error(results[1].error).violations} == {"profile.age_years"}  # type: ignore[attr-defined]
    assert {v.field for v in result_error(results[3].error).violations} == {"start_date"}  # type: ignore[attr-defined]


def test_checks_and_courses_are_answered_item_by_item(client: DosingClient) -> None:
    bad_check = workload.typical_check()
    bad_check.profile.age_years = 177
    checks = client.batch_check_regimens([workload.typical_check(), bad_check])
    assert [result.WhichOneof("result") for result in checks] == ["response", "error"]
    single_check = client.check_regimen(workload.typical_check())
    assert checks[0].response.SerializeToString() == single_check.SerializeToString()
    bad_course = workload.typical_course()
    bad_course.reference_date.day = 32
    courses = client.batch_assess_courses(
        [bad_course, workload.typical_course(), workload.bariatric_course()]
    )
    assert [result.WhichOneof("result") for result in courses] == ["error", "response", "response"]
    assert courses[0].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    single_course = client.assess_course(workload.bariatric_course())
    assert courses[2].response.SerializeToString() == single_course.SerializeToString()


def test_an_empty_batch_is_invalid_argument_on_the_requests_field(client: DosingClient) -> None:
    with pytest.raises(InvalidRequestError) as raised:
        client.batch_plan_regimens([])
    assert [violation.field for violation in raised.value.violations] == ["requests"]


def test_more_than_the_maximum_is_invalid_argument_on_the_requests_field(
    client: DosingClient,
) -> None:
    assert client.batch_plan_regimens([workload.typical_plan()] * MAX_BATCH_REQUESTS)
    with pytest.raises(InvalidRequestError) as raised:
        client.batch_plan_regimens([workload.typical_plan()] * (MAX_BATCH_REQUESTS + 1))
    assert [violation.field for violation in raised.value.violations] == ["requests"]


def test_the_maximum_is_written_once_for_the_server_and_the_client_and_documented() -> None:
    assert service.MAX_BATCH_REQUESTS == MAX_BATCH_REQUESTS
    typescript = (PROTO.parents[4] / "clients" / "typescript" / "src" / "index.ts").read_text()
    assert f"export const MAX_BATCH_REQUESTS = {MAX_BATCH_REQUESTS};" in typescript
    text = PROTO.read_text(encoding="utf-8")
    for rpc in ("BatchPlanRegimens", "BatchCheckRegimens", "BatchAssessCourses"):
        block = text[: text.index(f"rpc {rpc}(")].rsplit("\n\n", 1)[1]
        comment = " ".join(line.strip().removeprefix("//").strip() for line in block.splitlines())
        assert re.search(rf"\bup to {MAX_BATCH_REQUESTS} requests\b", comment), rpc


def test_a_batch_over_the_size_cap_is_resource_exhausted(client: DosingClient) -> None:
    course = workload.typical_course()
    while course.ByteSize() < 3000:
        workload.set_date(course.injection_dates.add(), workload.START)
    with pytest.raises(DosingError) as raised:
        client.batch_assess_courses([course] * MAX_BATCH_REQUESTS)  # about 300 KB
    assert raised.value.code == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_a_fault_fails_its_item_only_as_internal_without_content(
    client: DosingClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    results = client.batch_plan_regimens(
        [workload.typical_plan(), _aged(FAULTY_AGE), workload.typical_plan()]
    )
    assert [result.WhichOneof("result") for result in results] == ["response", "error", "response"]
    error = result_error(results[1].error)
    assert error.code == grpc.StatusCode.INTERNAL
    assert error.message == service.INTERNAL_MESSAGE
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "RuntimeError" in logged
    assert "confidential" not in logged
    assert f"age {FAULTY_AGE}" not in logged
