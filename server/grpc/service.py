"""The DosingService servicer: translation between the wire and the kernel, and nothing else.

Every method decodes its request (``server.grpc.translate``), asks the kernel, and encodes the
answer; a validation result becomes ``INVALID_ARGUMENT`` through ``server.grpc.errors``. No clinical
rule lives here. The kernel is passed in (``KernelPort``), so that the composition root decides what
runs.
"""

from __future__ import annotations

import datetime
import logging
import re
import traceback
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Final, Literal, NoReturn, Protocol, TypeVar

import grpc
from b12.dosing.v1 import dosing_pb2 as pb
from b12.dosing.v1 import dosing_pb2_grpc, export_pb2

from kernel import model
from server.export import fhir, ical
from server.grpc import errors, translate

_log = logging.getLogger(__name__)

INTERNAL_MESSAGE: Final = "internal error"

SERVICE_NAME: Final = pb.DESCRIPTOR.services_by_name["DosingService"].full_name
PLAN_METHOD: Final = "PlanRegimen"
CHECK_METHOD: Final = "CheckRegimen"
COURSE_METHOD: Final = "AssessCourse"
RULES_METHOD: Final = "DescribeRuleSet"
EXPORT_METHOD: Final = "ExportPlan"
EXPORT_COURSE_METHOD: Final = "ExportCourseSchedule"
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

    def ExportPlan(  # noqa: N802 (the RPC's name, fixed by the generated base class)
        self, request: pb.ExportPlanRequest, context: grpc.ServicerContext
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
            _abort_invalid(context, tuple(violations))
        try:
            outcome = self._kernel.plan_regimen(decoded.value)
            response = _export_response(request, outcome)
        except Exception as error:  # noqa: BLE001 (any fault becomes INTERNAL, without content)
            _log.error("%s failed: %s", EXPORT_METHOD, describe_fault(error))
            context.abort(grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)
        if response is None:
            context.abort(
                grpc.StatusCode.FAILED_PRECONDITION,
                "the plan request gives a referral, which has no calendar: export it as FHIR"
                " (an OperationOutcome) or call PlanRegimen for its reasons",
            )
        return response

    def ExportCourseSchedule(  # noqa: N802 (the RPC's name, fixed by the generated base class)
        self, request: pb.ExportCourseScheduleRequest, context: grpc.ServicerContext
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
            _abort_invalid(context, tuple(violations))
        try:
            outcome = self._kernel.assess_course(decoded.value)
            response = _export_course_response(request, decoded.value, outcome)
        except Exception as error:  # noqa: BLE001 (any fault becomes INTERNAL, without content)
            _log.error("%s failed: %s", EXPORT_COURSE_METHOD, describe_fault(error))
            context.abort(grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)
        return response


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
