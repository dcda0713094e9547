"""The DosingService servicer: translation between the wire and the kernel, and nothing else.

Every handler reads as its call does: decode the request (``server.grpc.translate``), ask the
kernel, encode the answer. A request that decoding or the kernel finds invalid ends with
``INVALID_ARGUMENT`` (``server.grpc.errors``). No clinical rule lives here. The kernel is passed
in (``KernelPort``), so that the composition root decides what runs. The kernel is pure and
takes tens of microseconds, so the handlers call it inline on the event loop. Receiving and
parsing the request, and turning a fault into INTERNAL, are done around every handler by
``server.grpc.request_decoding``.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Callable, Collection, Iterable
from typing import Any, Final, Literal, NoReturn, Protocol, TypeVar

import grpc
from b12.dosing.v1 import dosing_pb2 as pb
from b12.dosing.v1 import dosing_pb2_grpc, export_pb2
from google.rpc import status_pb2

from kernel import model
from server.export import fhir, ical
from server.grpc import errors, translate
from server.grpc.request_decoding import INTERNAL_MESSAGE, describe_fault

__all__ = ["INTERNAL_MESSAGE", "SERVICE_NAME", "DosingServicer", "KernelPort", "describe_fault"]

_log = logging.getLogger("b12_dosing.server")

SERVICE_NAME: Final = pb.DESCRIPTOR.services_by_name["DosingService"].full_name
FHIR_MEDIA_TYPE: Final = "application/fhir+json"
CALENDAR_MEDIA_TYPE: Final = "text/calendar"
FHIR_INTENTS: Final[dict[int, fhir.Intent]] = {
    export_pb2.FHIR_INTENT_PROPOSAL: "proposal",
    export_pb2.FHIR_INTENT_PLAN: "plan",
    export_pb2.FHIR_INTENT_ORDER: "order",
}
FHIR_STATUSES: Final[dict[int, fhir.Status]] = {
    export_pb2.FHIR_STATUS_DRAFT: "draft",
    export_pb2.FHIR_STATUS_ACTIVE: "active",
}
FHIR_REFERENCE: Final = re.compile(r"[A-Za-z]{1,64}/[A-Za-z0-9\-.]{1,64}")
LONGEST_SERIES_KEY: Final = 256

RequestT = TypeVar("RequestT")
ResponseT = TypeVar("ResponseT")
ResponseT_co = TypeVar("ResponseT_co", covariant=True)
Context = grpc.aio.ServicerContext[Any, Any]


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


async def _abort_invalid(
    context: Context, violations: tuple[model.FieldViolation, ...]
) -> NoReturn:
    await context.abort_with_status(errors.invalid_argument(violations))  # type: ignore[attr-defined] # (not in the stubs)
    raise AssertionError  # pragma: no cover (abort_with_status raises)


async def _reject_wire_violations(
    context: Context,
    decoded: translate.Decoded[RequestT],
    validate: Callable[[RequestT], tuple[model.FieldViolation, ...]],
) -> RequestT:
    """Return the decoded request; when decoding found fields the kernel cannot see (month 13,
    an undefined enum number), end the call with those and the kernel's own violations."""
    if decoded.violations:
        await _abort_invalid(context, translate.merge_violations(decoded, validate(decoded.value)))
    return decoded.value


# The most requests one batch call may carry (the proto documents it).
MAX_BATCH_REQUESTS: Final = 100
BATCH_TOO_LONG: Final = f"at most {MAX_BATCH_REQUESTS} requests in one call"
BATCH_EMPTY: Final = "is required: at least one request"


async def _reject_oversized_batch(context: Context, count: int) -> None:
    """End a batch call of no request or more than ``MAX_BATCH_REQUESTS`` with INVALID_ARGUMENT."""
    if not count:
        await _abort_invalid(context, (model.FieldViolation("requests", BATCH_EMPTY),))
    if count > MAX_BATCH_REQUESTS:
        await _abort_invalid(context, (model.FieldViolation("requests", BATCH_TOO_LONG),))


def _item_error(
    method: str,
    answer: Callable[[RequestT, ResponseT], tuple[model.FieldViolation, ...]],
    item: RequestT,
    into: ResponseT,
) -> status_pb2.Status | None:
    """Answer one request of a batch into ``into``; return its own error instead, if any:
    INVALID_ARGUMENT with its violations, or INTERNAL (logged without content) for a fault."""
    try:
        violations = answer(item, into)
    except Exception as error:  # noqa: BLE001 (a fault fails its item only, without content)
        _log.error("%s failed on one request: %s", method, describe_fault(error))
        return errors.internal_status(INTERNAL_MESSAGE)
    return errors.invalid_argument_status(violations) if violations else None


class _BatchResult(Protocol[ResponseT_co]):
    """One result of a batch response: its item's response, or its item's error."""

    @property
    def response(self) -> ResponseT_co:
        """The item's response (left empty when the item failed)."""

    @property
    def error(self) -> status_pb2.Status:
        """The item's error (left unset when the item was answered)."""


def _answer_batch(
    method: str,
    items: Iterable[RequestT],
    add_result: Callable[[], _BatchResult[ResponseT]],
    answer: Callable[[RequestT, ResponseT], tuple[model.FieldViolation, ...]],
) -> None:
    """Answer each item of a batch, in order, into a result of its own (``add_result``): its
    response, or its own error (``_item_error``)."""
    for item in items:
        result = add_result()
        error = _item_error(method, answer, item, result.response)
        if error is not None:
            result.error.CopyFrom(error)


class DosingServicer(dosing_pb2_grpc.DosingServiceServicer):
    """Implements ``b12.dosing.v1.DosingService`` over a kernel."""

    def __init__(self, kernel: KernelPort) -> None:
        """Serve the operations of ``kernel``."""
        self._kernel = kernel

    async def PlanRegimen(  # noqa: N802 (the RPC's name, fixed by the generated base class)
        self, request: pb.PlanRegimenRequest, context: Context
    ) -> pb.PlanRegimenResponse:
        """Plan a regimen (see the proto for the contract)."""
        decoded = translate.decode_plan_request(request)
        plan_request = await _reject_wire_violations(
            context, decoded, self._kernel.validate_plan_request
        )
        outcome = self._kernel.plan_regimen(plan_request)
        if isinstance(outcome, model.InvalidInput):
            await _abort_invalid(context, outcome.violations)
        response = pb.PlanRegimenResponse()
        translate.encode_plan_outcome(outcome, response)
        return response

    async def CheckRegimen(  # noqa: N802 (the RPC's name, fixed by the generated base class)
        self, request: pb.CheckRegimenRequest, context: Context
    ) -> pb.CheckRegimenResponse:
        """Check a proposed regimen (see the proto for the contract)."""
        decoded = translate.decode_check_request(request)
        check_request = await _reject_wire_violations(
            context, decoded, self._kernel.validate_check_request
        )
        outcome = self._kernel.check_regimen(check_request)
        if isinstance(outcome, model.InvalidInput):
            await _abort_invalid(context, outcome.violations)
        response = pb.CheckRegimenResponse()
        translate.encode(outcome, response)
        return response

    async def AssessCourse(  # noqa: N802 (the RPC's name, fixed by the generated base class)
        self, request: pb.AssessCourseRequest, context: Context
    ) -> pb.AssessCourseResponse:
        """Assess a course (see the proto for the contract)."""
        decoded = translate.decode_course_request(request)
        course_request = await _reject_wire_violations(
            context, decoded, self._kernel.validate_course_request
        )
        outcome = self._kernel.assess_course(course_request)
        if isinstance(outcome, model.InvalidInput):
            await _abort_invalid(context, outcome.violations)
        response = pb.AssessCourseResponse()
        translate.encode(outcome, response)
        return response

    async def DescribeRuleSet(  # noqa: N802 (the RPC's name, fixed by the generated base class)
        self,
        request: pb.DescribeRuleSetRequest,  # noqa: ARG002 (the request has no fields)
        context: Context,  # noqa: ARG002 (nothing can fail)
    ) -> pb.DescribeRuleSetResponse:
        """Describe the rule set (see the proto for the contract)."""
        response = pb.DescribeRuleSetResponse()
        translate.encode(self._kernel.describe_rules(), response)
        return response

    async def ExportPlan(  # noqa: N802 (the RPC's name, fixed by the generated base class)
        self, request: pb.ExportPlanRequest, context: Context
    ) -> pb.ExportPlanResponse:
        """Export a plan as FHIR or iCalendar (see the proto for the contract)."""
        decoded = translate.decode_plan_request(request.plan)
        violations = [
            model.FieldViolation(f"plan.{violation.field}", violation.reason)
            for violation in translate.merge_violations(
                decoded, self._kernel.validate_plan_request(decoded.value)
            )
        ]
        violations.extend(_export_option_violations(request))
        if violations:
            await _abort_invalid(context, tuple(violations))
        response = _export_response(request, self._kernel.plan_regimen(decoded.value))
        if response is None:
            await context.abort(
                grpc.StatusCode.FAILED_PRECONDITION,
                "the plan request gives a referral, which has no calendar: export it as FHIR"
                " (an OperationOutcome) or call PlanRegimen for its reasons",
            )
        return response

    async def ExportCourseSchedule(  # noqa: N802 (the RPC's name, fixed by the generated base class)
        self, request: pb.ExportCourseScheduleRequest, context: Context
    ) -> pb.ExportCourseScheduleResponse:
        """Export a course's forward schedule as FHIR or iCalendar (see the proto)."""
        decoded = translate.decode_course_request(request.course)
        violations = [
            model.FieldViolation(f"course.{violation.field}", violation.reason)
            for violation in translate.merge_violations(
                decoded, self._kernel.validate_course_request(decoded.value)
            )
        ]
        violations.extend(_export_option_violations(request))
        if violations:
            await _abort_invalid(context, tuple(violations))
        outcome = self._kernel.assess_course(decoded.value)
        return _export_course_response(request, decoded.value, outcome)

    async def BatchPlanRegimens(  # noqa: N802 (the RPC's name, fixed by the generated base class)
        self, request: pb.BatchPlanRegimensRequest, context: Context
    ) -> pb.BatchPlanRegimensResponse:
        """Plan regimens for many patients (see the proto for the contract)."""
        await _reject_oversized_batch(context, len(request.requests))
        response = pb.BatchPlanRegimensResponse()
        _answer_batch("BatchPlanRegimens", request.requests, response.results.add, self._plan_item)
        return response

    async def BatchCheckRegimens(  # noqa: N802 (the RPC's name, fixed by the generated base class)
        self, request: pb.BatchCheckRegimensRequest, context: Context
    ) -> pb.BatchCheckRegimensResponse:
        """Check many proposed regimens (see the proto for the contract)."""
        await _reject_oversized_batch(context, len(request.requests))
        response = pb.BatchCheckRegimensResponse()
        _answer_batch(
            "BatchCheckRegimens", request.requests, response.results.add, self._check_item
        )
        return response

    async def BatchAssessCourses(  # noqa: N802 (the RPC's name, fixed by the generated base class)
        self, request: pb.BatchAssessCoursesRequest, context: Context
    ) -> pb.BatchAssessCoursesResponse:
        """Assess many courses (see the proto for the contract)."""
        await _reject_oversized_batch(context, len(request.requests))
        response = pb.BatchAssessCoursesResponse()
        _answer_batch(
            "BatchAssessCourses", request.requests, response.results.add, self._course_item
        )
        return response

    def _plan_item(
        self, item: pb.PlanRegimenRequest, into: pb.PlanRegimenResponse
    ) -> tuple[model.FieldViolation, ...]:
        """Answer one plan request of a batch into ``into``; return its violations instead."""
        decoded = translate.decode_plan_request(item)
        if decoded.violations:
            return translate.merge_violations(
                decoded, self._kernel.validate_plan_request(decoded.value)
            )
        outcome = self._kernel.plan_regimen(decoded.value)
        if isinstance(outcome, model.InvalidInput):
            return outcome.violations
        translate.encode_plan_outcome(outcome, into)
        return ()

    def _check_item(
        self, item: pb.CheckRegimenRequest, into: pb.CheckRegimenResponse
    ) -> tuple[model.FieldViolation, ...]:
        """Answer one check request of a batch into ``into``; return its violations instead."""
        decoded = translate.decode_check_request(item)
        if decoded.violations:
            return translate.merge_violations(
                decoded, self._kernel.validate_check_request(decoded.value)
            )
        outcome = self._kernel.check_regimen(decoded.value)
        if isinstance(outcome, model.InvalidInput):
            return outcome.violations
        translate.encode(outcome, into)
        return ()

    def _course_item(
        self, item: pb.AssessCourseRequest, into: pb.AssessCourseResponse
    ) -> tuple[model.FieldViolation, ...]:
        """Answer one course request of a batch into ``into``; return its violations instead."""
        decoded = translate.decode_course_request(item)
        if decoded.violations:
            return translate.merge_violations(
                decoded, self._kernel.validate_course_request(decoded.value)
            )
        outcome = self._kernel.assess_course(decoded.value)
        if isinstance(outcome, model.InvalidInput):
            return outcome.violations
        translate.encode(outcome, into)
        return ()


ExportRequest = pb.ExportPlanRequest | pb.ExportCourseScheduleRequest


def _enum_violation(
    request: ExportRequest,
    name: Literal["format", "fhir_intent", "fhir_status"],
    defined: Collection[int],
    *,
    required: bool,
) -> model.FieldViolation | None:
    """Return the violation of one optional enum option of ExportPlan, if any."""
    if not request.HasField(name):
        return model.FieldViolation(name, "is required") if required else None
    number: int = getattr(request, name)
    if number == 0:
        return model.FieldViolation(name, "must not be UNSPECIFIED")
    if number not in defined:
        wire = request.DESCRIPTOR.fields_by_name[name].enum_type
        assert wire is not None, "an enum field"
        return model.FieldViolation(name, f"value {number} is not defined in {wire.full_name}")
    return None


def _export_option_violations(request: ExportRequest) -> list[model.FieldViolation]:
    """Every offending option of an export request, in request field order."""
    formats = {export_pb2.EXPORT_FORMAT_FHIR_R4_JSON, export_pb2.EXPORT_FORMAT_ICALENDAR}
    found = [
        _enum_violation(request, "format", formats, required=True),
        _enum_violation(request, "fhir_intent", FHIR_INTENTS, required=False),
        _enum_violation(request, "fhir_status", FHIR_STATUSES, required=False),
    ]
    subject = request.fhir_subject_reference
    if subject and FHIR_REFERENCE.fullmatch(subject) is None:
        found.append(
            model.FieldViolation(
                "fhir_subject_reference", "must be a FHIR reference such as Patient/123"
            )
        )
    if len(request.calendar_series_key) > LONGEST_SERIES_KEY:
        found.append(
            model.FieldViolation(
                "calendar_series_key", f"must be at most {LONGEST_SERIES_KEY} characters"
            )
        )
    if request.HasField("calendar_stamp"):
        stamp = request.calendar_stamp
        try:
            stamp.ToDatetime(tzinfo=datetime.UTC)
        except (ValueError, OverflowError, OSError):
            found.append(model.FieldViolation("calendar_stamp", "is not a valid timestamp"))
        else:
            if not 0 <= stamp.nanos <= 999_999_999:  # noqa: PLR2004 (the Timestamp range)
                found.append(model.FieldViolation("calendar_stamp", "is not a valid timestamp"))
    return [violation for violation in found if violation is not None]


def _export_response(
    request: pb.ExportPlanRequest, outcome: model.PlanOutcome
) -> pb.ExportPlanResponse | None:
    """Return the ExportPlan answer for a valid request (None: a calendar of a referral)."""
    assert not isinstance(outcome, model.InvalidInput), "validated before planning"
    response = pb.ExportPlanResponse()
    translate.encode_plan_outcome(outcome, response.outcome)
    if request.format == export_pb2.EXPORT_FORMAT_FHIR_R4_JSON:
        response.media_type = FHIR_MEDIA_TYPE
        response.content = fhir.to_json(
            fhir.export_plan_outcome(
                outcome,
                intent=FHIR_INTENTS.get(request.fhir_intent, "proposal"),
                status=FHIR_STATUSES.get(request.fhir_status, "draft"),
                subject=request.fhir_subject_reference or None,
            )
        )
        return response
    if isinstance(outcome, model.Referral):
        return None
    stamp = (
        request.calendar_stamp.ToDatetime(tzinfo=datetime.UTC)
        if request.HasField("calendar_stamp")
        else datetime.datetime.combine(ical.plan_start(outcome), datetime.time(), datetime.UTC)
    )
    response.media_type = CALENDAR_MEDIA_TYPE
    response.content = ical.plan_icalendar(
        outcome, stamp=stamp, series=request.calendar_series_key or None
    )
    return response


def _export_course_response(
    request: pb.ExportCourseScheduleRequest,
    course: model.CourseRequest,
    outcome: model.CourseOutcomeResult,
) -> pb.ExportCourseScheduleResponse:
    """Return the ExportCourseSchedule answer for a valid request."""
    assert isinstance(outcome, model.CourseAssessment), "validated before assessing"
    assert course.start_date is not None, "validated"
    assert course.reference_date is not None, "validated"
    formulation = course.profile.formulation
    assert formulation is not None, "validated"
    response = pb.ExportCourseScheduleResponse()
    translate.encode(outcome, response.assessment)
    if request.format == export_pb2.EXPORT_FORMAT_FHIR_R4_JSON:
        response.media_type = FHIR_MEDIA_TYPE
        response.content = fhir.to_json(
            fhir.course_medication_request(
                outcome,
                formulation=formulation,
                intent=FHIR_INTENTS.get(request.fhir_intent, "proposal"),
                status=FHIR_STATUSES.get(request.fhir_status, "draft"),
                subject=request.fhir_subject_reference or None,
            )
        )
        return response
    stamp = (
        request.calendar_stamp.ToDatetime(tzinfo=datetime.UTC)
        if request.HasField("calendar_stamp")
        else datetime.datetime.combine(course.reference_date, datetime.time(), datetime.UTC)
    )
    response.media_type = CALENDAR_MEDIA_TYPE
    response.content = ical.course_icalendar(
        outcome,
        start=course.start_date,
        formulation=formulation,
        stamp=stamp,
        series=request.calendar_series_key or None,
    )
    return response
