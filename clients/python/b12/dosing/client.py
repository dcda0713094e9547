"""A small typed Python client of ``b12.dosing.v1.DosingService``.

    from b12.dosing.client import DosingClient, InvalidRequestError
    from b12.dosing.v1 import dosing_pb2 as pb

    with DosingClient("127.0.0.1:50051") as client:
        request = pb.PlanRegimenRequest()
        ...
        try:
            response = client.plan_regimen(request)
        except InvalidRequestError as error:
            for violation in error.violations:
                print(violation.field, violation.description)

Errors are exceptions: ``InvalidRequestError`` for INVALID_ARGUMENT (with every field violation
of the ``google.rpc.BadRequest`` detail), ``DosingError`` for any other status. The batch methods
(``batch_plan_regimens``, ``batch_check_regimens``, ``batch_assess_courses``: up to
``MAX_BATCH_REQUESTS`` requests in one call) return one result per request, in order, each its
response or its own error, which ``result_error`` turns into the same exceptions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Final, Self, cast

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from b12.dosing.v1 import dosing_pb2 as pb
from b12.dosing.v1 import dosing_pb2_grpc

DEFAULT_TARGET: Final = "127.0.0.1:50051"
DEFAULT_TIMEOUT_SECONDS: Final = 10.0

# The most requests one batch call may carry (the server's limit, documented in the proto).
MAX_BATCH_REQUESTS: Final = 100


@dataclass(frozen=True)
class FieldViolation:
    """One offending field of a request: its path (proto field names) and why."""

    field: str
    description: str


class DosingError(Exception):
    """A call failed with a gRPC status other than OK."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        """Record the status ``code`` and its ``message``."""
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message


class InvalidRequestError(DosingError):
    """INVALID_ARGUMENT: the request is not valid; ``violations`` names every offending field."""

    def __init__(self, message: str, violations: tuple[FieldViolation, ...]) -> None:
        """Record the status message and the field violations."""
        super().__init__(grpc.StatusCode.INVALID_ARGUMENT, message)
        self.violations = violations


def _violations(error: grpc.Call) -> tuple[FieldViolation, ...]:
    status = rpc_status.from_call(error)
    if status is None:
        return ()
    found: list[FieldViolation] = []
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            found.extend(
                FieldViolation(item.field, item.description)
                for item in bad_request.field_violations
            )
    return tuple(found)


def as_dosing_error(error: grpc.RpcError) -> DosingError:
    """Return the typed exception for a failed call."""
    # A failed unary call raises an object that is both a grpc.RpcError and a grpc.Call; the type
    # stubs cannot say so.
    call = cast("grpc.Call", error)
    code, message = call.code(), call.details() or ""
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return InvalidRequestError(message, _violations(call))
    return DosingError(code, message)


def result_error(status: status_pb2.Status) -> DosingError:
    """Return the error of one result of a batch: ``InvalidRequestError`` (with its field
    violations, paths relative to the request) for INVALID_ARGUMENT, else ``DosingError``."""
    code = grpc.StatusCode.UNKNOWN
    for candidate in grpc.StatusCode:
        if candidate.value[0] == status.code:
            code = candidate
    if code != grpc.StatusCode.INVALID_ARGUMENT:
        return DosingError(code, status.message)
    violations: list[FieldViolation] = []
    for detail in status.details:
        bad = error_details_pb2.BadRequest()
        if detail.Unpack(bad):
            violations.extend(
                FieldViolation(item.field, item.description) for item in bad.field_violations
            )
    return InvalidRequestError(status.message, tuple(violations))


def tls_credentials(
    ca: Path | None = None, certificate: Path | None = None, private_key: Path | None = None
) -> grpc.ChannelCredentials:
    """Return TLS credentials: trust ``ca`` (default: the system's roots) and, for mutual TLS,
    present ``certificate`` with ``private_key``."""
    return grpc.ssl_channel_credentials(
        root_certificates=ca.read_bytes() if ca else None,
        private_key=private_key.read_bytes() if private_key else None,
        certificate_chain=certificate.read_bytes() if certificate else None,
    )


class DosingClient:
    """A connection to the service; every method is one call, with a deadline."""

    def __init__(
        self,
        target: str = DEFAULT_TARGET,
        *,
        credentials: grpc.ChannelCredentials | None = None,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        """Open a channel to ``target`` (plaintext unless ``credentials`` are given)."""
        self._channel = (
            grpc.secure_channel(target, credentials)
            if credentials is not None
            else grpc.insecure_channel(target)
        )
        self._stub = dosing_pb2_grpc.DosingServiceStub(self._channel)
        self._timeout = timeout_seconds

    def plan_regimen(self, request: pb.PlanRegimenRequest) -> pb.PlanRegimenResponse:
        """Plan a regimen: a plan or a referral."""
        try:
            return self._stub.PlanRegimen(request, timeout=self._timeout)
        except grpc.RpcError as error:
            raise as_dosing_error(error) from None

    def check_regimen(self, request: pb.CheckRegimenRequest) -> pb.CheckRegimenResponse:
        """Check a proposed regimen: its findings."""
        try:
            return self._stub.CheckRegimen(request, timeout=self._timeout)
        except grpc.RpcError as error:
            raise as_dosing_error(error) from None

    def assess_course(self, request: pb.AssessCourseRequest) -> pb.AssessCourseResponse:
        """Assess a course in progress as of its reference date."""
        try:
            return self._stub.AssessCourse(request, timeout=self._timeout)
        except grpc.RpcError as error:
            raise as_dosing_error(error) from None

    def describe_rule_set(self) -> pb.DescribeRuleSetResponse:
        """Return the rule set: its version and every rule ID with its text."""
        try:
            return self._stub.DescribeRuleSet(pb.DescribeRuleSetRequest(), timeout=self._timeout)
        except grpc.RpcError as error:
            raise as_dosing_error(error) from None

    def export_plan(self, request: pb.ExportPlanRequest) -> pb.ExportPlanResponse:
        """Export a plan as a FHIR R4 resource (JSON) or an iCalendar file."""
        try:
            return self._stub.ExportPlan(request, timeout=self._timeout)
        except grpc.RpcError as error:
            raise as_dosing_error(error) from None

    def export_course_schedule(
        self, request: pb.ExportCourseScheduleRequest
    ) -> pb.ExportCourseScheduleResponse:
        """Export a course's forward schedule as a FHIR R4 resource (JSON) or an iCalendar file."""
        try:
            return self._stub.ExportCourseSchedule(request, timeout=self._timeout)
        except grpc.RpcError as error:
            raise as_dosing_error(error) from None

    def batch_plan_regimens(
        self, requests: Sequence[pb.PlanRegimenRequest]
    ) -> Sequence[pb.PlanRegimenResult]:
        """Plan regimens for up to ``MAX_BATCH_REQUESTS`` requests in one call. One result per
        request, in request order: its response (``result.response``) or its own error
        (``result.error``, a ``google.rpc.Status``; ``result_error`` reads it)."""
        try:
            return self._stub.BatchPlanRegimens(
                pb.BatchPlanRegimensRequest(requests=requests), timeout=self._timeout
            ).results
        except grpc.RpcError as error:
            raise as_dosing_error(error) from None

    def batch_check_regimens(
        self, requests: Sequence[pb.CheckRegimenRequest]
    ) -> Sequence[pb.CheckRegimenResult]:
        """Check up to ``MAX_BATCH_REQUESTS`` proposed regimens in one call (results as in
        ``batch_plan_regimens``)."""
        try:
            return self._stub.BatchCheckRegimens(
                pb.BatchCheckRegimensRequest(requests=requests), timeout=self._timeout
            ).results
        except grpc.RpcError as error:
            raise as_dosing_error(error) from None

    def batch_assess_courses(
        self, requests: Sequence[pb.AssessCourseRequest]
    ) -> Sequence[pb.AssessCourseResult]:
        """Assess up to ``MAX_BATCH_REQUESTS`` courses in one call (results as in
        ``batch_plan_regimens``)."""
        try:
            return self._stub.BatchAssessCourses(
                pb.BatchAssessCoursesRequest(requests=requests), timeout=self._timeout
            ).results
        except grpc.RpcError as error:
            raise as_dosing_error(error) from None

    def close(self) -> None:
        """Close the channel."""
        self._channel.close()

    def __enter__(self) -> Self:
        """Use the client in a ``with`` block; the channel closes at its end."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the channel."""
        self.close()
