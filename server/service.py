"""The DosingService servicer: translation between the wire and the kernel, and nothing else.

Every method decodes its request (``server.translate``), asks the kernel, and encodes the answer;
a validation result becomes ``INVALID_ARGUMENT`` through ``server.errors``. No clinical rule lives
here. The kernel is passed in (``KernelPort``), so that the composition root decides what runs.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Final, NoReturn, Protocol, TypeVar

import grpc
from b12.dosing.v1 import dosing_pb2 as pb
from b12.dosing.v1 import dosing_pb2_grpc

from kernel import model
from server import errors, translate

_log = logging.getLogger(__name__)

INTERNAL_MESSAGE: Final = "internal error"

SERVICE_NAME: Final = pb.DESCRIPTOR.services_by_name["DosingService"].full_name
PLAN_METHOD: Final = "PlanRegimen"
CHECK_METHOD: Final = "CheckRegimen"
COURSE_METHOD: Final = "AssessCourse"
RULES_METHOD: Final = "DescribeRuleSet"

RequestT = TypeVar("RequestT")
OutcomeT = TypeVar("OutcomeT")
ResponseT = TypeVar("ResponseT")


class KernelPort(Protocol):
    """The kernel operations the service calls (the ``kernel`` package satisfies it)."""

    def plan_regimen(self, request: model.PlanRequest, /) -> model.PlanOutcome:
        """Plan a regimen, refer, or return a validation error."""

    def check_regimen(self, request: model.CheckRequest, /) -> model.CheckOutcome:
        """Check a proposed regimen, or return a validation error."""

    def assess_course(self, request: model.CourseRequest, /) -> model.CourseOutcomeResult:
        """Assess a course, or return a validation error."""

    def validate_plan_request(
        self, request: model.PlanRequest, /
    ) -> tuple[model.FieldViolation, ...]:
        """Return every offending field of a plan request."""

    def validate_check_request(
        self, request: model.CheckRequest, /
    ) -> tuple[model.FieldViolation, ...]:
        """Return every offending field of a regimen check request."""

    def validate_course_request(
        self, request: model.CourseRequest, /
    ) -> tuple[model.FieldViolation, ...]:
        """Return every offending field of a course request."""

    def describe_rules(self) -> model.RuleSet:
        """Return the rule set."""


def describe_fault(error: BaseException) -> str:
    """Describe an unexpected exception by its type and where it was raised, never by its
    message: a message may quote the request (``ValueError: year 10000 is out of range``)."""
    frames = " <- ".join(
        f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"
        for frame in reversed(traceback.extract_tb(error.__traceback__))
    )
    return f"{type(error).__qualname__} at {frames}"


def _abort_invalid(
    context: grpc.ServicerContext, violations: tuple[model.FieldViolation, ...]
) -> NoReturn:
    context.abort_with_status(errors.invalid_argument(violations))


def _serve(  # noqa: PLR0913, PLR0917 (one call's whole pipeline, spelled out)
    context: grpc.ServicerContext,
    method: str,
    decoded: translate.Decoded[RequestT],
    validate: Callable[[RequestT], tuple[model.FieldViolation, ...]],
    operate: Callable[[RequestT], OutcomeT],
    encode: Callable[[OutcomeT], ResponseT | model.InvalidInput],
) -> ResponseT:
    """Run one call: the violations decoding found (merged with the kernel's own), else the
    kernel's answer, encoded. A fault in the kernel or in encoding becomes INTERNAL."""
    if decoded.violations:
        _abort_invalid(context, translate.merge_violations(decoded, validate(decoded.value)))
    try:
        response = encode(operate(decoded.value))
    except Exception as error:  # noqa: BLE001 (any fault becomes INTERNAL, without content)
        _log.error("%s failed: %s", method, describe_fault(error))
        context.abort(grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)
    if isinstance(response, model.InvalidInput):
        _abort_invalid(context, response.violations)
    return response


def _plan_response(result: model.PlanOutcome) -> pb.PlanRegimenResponse | model.InvalidInput:
    if isinstance(result, model.InvalidInput):
        return result
    response = pb.PlanRegimenResponse()
    translate.encode_plan_outcome(result, response)
    return response


def _check_response(result: model.CheckOutcome) -> pb.CheckRegimenResponse | model.InvalidInput:
    if isinstance(result, model.InvalidInput):
        return result
    response = pb.CheckRegimenResponse()
    translate.encode(result, response)
    return response


def _course_response(
    result: model.CourseOutcomeResult,
) -> pb.AssessCourseResponse | model.InvalidInput:
    if isinstance(result, model.InvalidInput):
        return result
    response = pb.AssessCourseResponse()
    translate.encode(result, response)
    return response


def _rules_response(result: model.RuleSet) -> pb.DescribeRuleSetResponse:
    response = pb.DescribeRuleSetResponse()
    translate.encode(result, response)
    return response


class DosingServicer(dosing_pb2_grpc.DosingServiceServicer):
    """Implements ``b12.dosing.v1.DosingService`` over a kernel."""

    def __init__(self, kernel: KernelPort) -> None:
        """Serve the operations of ``kernel``."""
        self._kernel = kernel

    def PlanRegimen(  # noqa: N802 (the RPC's name, fixed by the generated base class)
        self, request: pb.PlanRegimenRequest, context: grpc.ServicerContext
    ) -> pb.PlanRegimenResponse:
        """Plan a regimen (see the proto for the contract)."""
        return _serve(
            context,
            PLAN_METHOD,
            translate.decode_plan_request(request),
            self._kernel.validate_plan_request,
            self._kernel.plan_regimen,
            _plan_response,
        )

    def CheckRegimen(  # noqa: N802 (the RPC's name, fixed by the generated base class)
        self, request: pb.CheckRegimenRequest, context: grpc.ServicerContext
    ) -> pb.CheckRegimenResponse:
        """Check a proposed regimen (see the proto for the contract)."""
        return _serve(
            context,
            CHECK_METHOD,
            translate.decode_check_request(request),
            self._kernel.validate_check_request,
            self._kernel.check_regimen,
            _check_response,
        )

    def AssessCourse(  # noqa: N802 (the RPC's name, fixed by the generated base class)
        self, request: pb.AssessCourseRequest, context: grpc.ServicerContext
    ) -> pb.AssessCourseResponse:
        """Assess a course (see the proto for the contract)."""
        return _serve(
            context,
            COURSE_METHOD,
            translate.decode_course_request(request),
            self._kernel.validate_course_request,
            self._kernel.assess_course,
            _course_response,
        )

    def DescribeRuleSet(  # noqa: N802 (the RPC's name, fixed by the generated base class)
        self,
        request: pb.DescribeRuleSetRequest,  # noqa: ARG002 (the request has no fields)
        context: grpc.ServicerContext,
    ) -> pb.DescribeRuleSetResponse:
        """Describe the rule set (see the proto for the contract)."""
        return _serve(
            context,
            RULES_METHOD,
            translate.Decoded(
                value=None,
                violations=(),
                kept_indices={},
                descriptor=translate.descriptor_of(pb.DescribeRuleSetRequest),
            ),
            lambda _: (),
            lambda _: self._kernel.describe_rules(),
            _rules_response,
        )
