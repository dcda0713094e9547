"""Requests shared by the gRPC benchmark, the load, fault and fuzz tests.

Every request is a valid ``b12.dosing.v1`` message built on the wire side (proto field names),
so that the server's own decoding and validation run on each call. ``TYPICAL_PLAN`` is the
request the benchmark sends: standard loading with renal impairment and a one-year horizon,
whose plan (about 1.7 KB) has every part a plan can have. ``expected_plan_response()`` builds
its answer in this process, through the same kernel and translation the server uses; the echo
server returns exactly those bytes, so that the echo and the server send frames of one size.
"""

from __future__ import annotations

import datetime
import struct
from dataclasses import dataclass
from typing import Final

from b12.dosing.v1 import dosing_pb2 as pb
from google.protobuf.message import Message
from google.type import date_pb2

SERVICE: Final = "b12.dosing.v1.DosingService"
PLAN_PATH: Final = f"/{SERVICE}/PlanRegimen"
CHECK_PATH: Final = f"/{SERVICE}/CheckRegimen"
COURSE_PATH: Final = f"/{SERVICE}/AssessCourse"
RULES_PATH: Final = f"/{SERVICE}/DescribeRuleSet"
BATCH_PLAN_PATH: Final = f"/{SERVICE}/BatchPlanRegimens"

START: Final = datetime.date(2026, 1, 31)


def set_date(message: date_pb2.Date, day: datetime.date) -> None:
    """Write a calendar date into a ``google.type.Date`` in place."""
    message.year = day.year
    message.month = day.month
    message.day = day.day


def typical_plan() -> pb.PlanRegimenRequest:
    """Cyanocobalamin, confirmed deficiency, no neurological involvement, eGFR 48, one year."""
    request = pb.PlanRegimenRequest()
    profile = request.profile
    profile.formulation = pb.FORMULATION_CYANOCOBALAMIN_1000_MCG_PER_ML
    profile.age_years = 54
    profile.deficiency_status = pb.DEFICIENCY_STATUS_CONFIRMED
    profile.neurological_involvement = pb.NEUROLOGICAL_INVOLVEMENT_ABSENT
    profile.platelets_10e9_per_l = 210.0
    profile.egfr_ml_min_1_73m2 = 48.0
    set_date(request.start_date, START)
    set_date(request.horizon_date, datetime.date(2027, 1, 31))
    return request


def neurological_plan() -> pb.PlanRegimenRequest:
    """Hydroxocobalamin with neurological involvement and platelets 40: open-ended loading."""
    request = pb.PlanRegimenRequest()
    profile = request.profile
    profile.formulation = pb.FORMULATION_HYDROXOCOBALAMIN_1000_MCG_PER_ML
    profile.age_years = 67
    profile.deficiency_status = pb.DEFICIENCY_STATUS_CONFIRMED
    profile.neurological_involvement = pb.NEUROLOGICAL_INVOLVEMENT_PRESENT
    profile.platelets_10e9_per_l = 40.0
    set_date(request.start_date, START)
    set_date(request.horizon_date, datetime.date(2027, 1, 31))
    request.route = pb.ROUTE_INTRAMUSCULAR
    return request


def prophylaxis_plan() -> pb.PlanRegimenRequest:
    """No deficiency after a Roux-en-Y bypass, with ileal resection: maintenance from the start."""
    request = pb.PlanRegimenRequest()
    profile = request.profile
    profile.formulation = pb.FORMULATION_CYANOCOBALAMIN_1000_MCG_PER_ML
    profile.age_years = 38
    profile.deficiency_status = pb.DEFICIENCY_STATUS_NOT_PRESENT
    profile.neurological_involvement = pb.NEUROLOGICAL_INVOLVEMENT_ABSENT
    profile.bariatric_procedure = pb.BARIATRIC_PROCEDURE_ROUX_EN_Y
    profile.ileal_resection = True
    profile.ileal_resection_length_cm = 25.0
    profile.site_request = pb.SITE_REQUEST_GLUTEAL_UPPER_OUTER
    set_date(request.start_date, START)
    set_date(request.horizon_date, datetime.date(2028, 1, 31))
    return request


def bariatric_plan() -> pb.PlanRegimenRequest:
    """Hydroxocobalamin after a sleeve gastrectomy, confirmed deficiency: standard loading, then
    maintenance every 2-3 months."""
    request = pb.PlanRegimenRequest()
    profile = request.profile
    profile.formulation = pb.FORMULATION_HYDROXOCOBALAMIN_1000_MCG_PER_ML
    profile.age_years = 44
    profile.deficiency_status = pb.DEFICIENCY_STATUS_CONFIRMED
    profile.neurological_involvement = pb.NEUROLOGICAL_INVOLVEMENT_ABSENT
    profile.bariatric_procedure = pb.BARIATRIC_PROCEDURE_SLEEVE
    profile.platelets_10e9_per_l = 260.0
    set_date(request.start_date, START)
    set_date(request.horizon_date, datetime.date(2027, 1, 31))
    return request


def referral_plan() -> pb.PlanRegimenRequest:
    """Age 12 with a contraindication: a referral instead of a plan."""
    request = pb.PlanRegimenRequest()
    profile = request.profile
    profile.formulation = pb.FORMULATION_CYANOCOBALAMIN_1000_MCG_PER_ML
    profile.age_years = 12
    profile.deficiency_status = pb.DEFICIENCY_STATUS_CONFIRMED
    profile.neurological_involvement = pb.NEUROLOGICAL_INVOLVEMENT_UNKNOWN
    profile.hypersensitivity_cobalt_or_b12 = True
    set_date(request.start_date, START)
    return request


def typical_check() -> pb.CheckRegimenRequest:
    """100 mcg every 2 months, five loading doses, for the typical profile."""
    request = pb.CheckRegimenRequest()
    request.profile.CopyFrom(typical_plan().profile)
    regimen = request.regimen
    regimen.dose_per_injection_mcg = 100.0
    regimen.maintenance_interval_months = 2.0
    for days in (0, 3, 6, 9, 12):
        set_date(regimen.loading_dates.add(), START + datetime.timedelta(days=days))
    regimen.site = pb.SITE_REQUEST_GLUTEAL
    return request


def neurological_check() -> pb.CheckRegimenRequest:
    """Monthly maintenance proposed with six loading doses, for the neurological profile."""
    request = pb.CheckRegimenRequest()
    request.profile.CopyFrom(neurological_plan().profile)
    regimen = request.regimen
    regimen.dose_per_injection_mcg = 1000.0
    regimen.maintenance_interval_months = 1.0
    for days in (0, 2, 4, 7, 9, 11):
        set_date(regimen.loading_dates.add(), START + datetime.timedelta(days=days))
    return request


def bariatric_check() -> pb.CheckRegimenRequest:
    """1000 mcg every 3 months after the standard loading, for the bariatric profile."""
    request = pb.CheckRegimenRequest()
    request.profile.CopyFrom(bariatric_plan().profile)
    regimen = request.regimen
    regimen.dose_per_injection_mcg = 1000.0
    regimen.maintenance_interval_months = 3.0
    for days in (0, 2, 4, 7, 9, 11):
        set_date(regimen.loading_dates.add(), START + datetime.timedelta(days=days))
    return request


def typical_course() -> pb.AssessCourseRequest:
    """Maintenance after eight injections, with two lab results, four months in."""
    request = pb.AssessCourseRequest()
    request.profile.CopyFrom(typical_plan().profile)
    set_date(request.start_date, START)
    set_date(request.reference_date, datetime.date(2026, 6, 1))
    for days in (0, 2, 4, 7, 9, 11, 39, 70):
        set_date(request.injection_dates.add(), START + datetime.timedelta(days=days))
    for day, homocysteine in ((datetime.date(2026, 2, 20), 14.0), (datetime.date(2026, 5, 2), 8.5)):
        result = request.lab_results.add()
        set_date(result.date, day)
        result.homocysteine_umol_per_l = homocysteine
        result.b12_ng_per_l = 420.0
    request.stop_requested = True
    return request


def neurological_course() -> pb.AssessCourseRequest:
    """Alternate-day loading, neurological involvement improving, three weeks in."""
    request = pb.AssessCourseRequest()
    request.profile.CopyFrom(neurological_plan().profile)
    set_date(request.start_date, START)
    set_date(request.reference_date, START + datetime.timedelta(days=21))
    for days in range(0, 21, 2):
        set_date(request.injection_dates.add(), START + datetime.timedelta(days=days))
    request.neurological_status = pb.COURSE_NEUROLOGICAL_STATUS_IMPROVING
    return request


def bariatric_course() -> pb.AssessCourseRequest:
    """Maintenance every 3 months after a sleeve gastrectomy, a year in, one lab result."""
    request = pb.AssessCourseRequest()
    request.profile.CopyFrom(bariatric_plan().profile)
    set_date(request.start_date, START)
    set_date(request.reference_date, datetime.date(2027, 2, 1))
    for days in (0, 2, 4, 7, 9, 11, 100, 190, 280):
        set_date(request.injection_dates.add(), START + datetime.timedelta(days=days))
    result = request.lab_results.add()
    set_date(result.date, datetime.date(2026, 10, 1))
    result.b12_ng_per_l = 510.0
    result.homocysteine_umol_per_l = 9.1
    return request


@dataclass(frozen=True)
class Call:
    """One valid request, the method it goes to and how to read its answer (``items``: the
    kernel operations one call asks for, more than one in a batch)."""

    name: str
    path: str
    request: Message
    response_type: type[Message]
    items: int = 1


def calls() -> tuple[Call, ...]:
    """Return one valid request of each kind the service answers."""
    return (
        Call("plan-typical", PLAN_PATH, typical_plan(), pb.PlanRegimenResponse),
        Call("plan-neurological", PLAN_PATH, neurological_plan(), pb.PlanRegimenResponse),
        Call("plan-prophylaxis", PLAN_PATH, prophylaxis_plan(), pb.PlanRegimenResponse),
        Call("plan-referral", PLAN_PATH, referral_plan(), pb.PlanRegimenResponse),
        Call("check", CHECK_PATH, typical_check(), pb.CheckRegimenResponse),
        Call("course", COURSE_PATH, typical_course(), pb.AssessCourseResponse),
        Call("rules", RULES_PATH, pb.DescribeRuleSetRequest(), pb.DescribeRuleSetResponse),
    )


def benchmark_cases() -> tuple[Call, ...]:
    """Return the benchmark's requests: each operation with three representative ones (standard,
    neurological, hydroxocobalamin after bariatric surgery)."""
    return (
        Call("plan-standard", PLAN_PATH, typical_plan(), pb.PlanRegimenResponse),
        Call("plan-neurological", PLAN_PATH, neurological_plan(), pb.PlanRegimenResponse),
        Call("plan-bariatric", PLAN_PATH, bariatric_plan(), pb.PlanRegimenResponse),
        Call("check-standard", CHECK_PATH, typical_check(), pb.CheckRegimenResponse),
        Call("check-neurological", CHECK_PATH, neurological_check(), pb.CheckRegimenResponse),
        Call("check-bariatric", CHECK_PATH, bariatric_check(), pb.CheckRegimenResponse),
        Call("course-standard", COURSE_PATH, typical_course(), pb.AssessCourseResponse),
        Call("course-neurological", COURSE_PATH, neurological_course(), pb.AssessCourseResponse),
        Call("course-bariatric", COURSE_PATH, bariatric_course(), pb.AssessCourseResponse),
        *(
            Call(
                f"batch-plan-{size}",
                BATCH_PLAN_PATH,
                batch_of_plans(size),
                pb.BatchPlanRegimensResponse,
                items=size,
            )
            for size in (10, 100)
        ),
    )


def batch_of_plans(size: int) -> pb.BatchPlanRegimensRequest:
    """``size`` plan requests in one batch, the three representative plans in turn."""
    plans = (typical_plan(), neurological_plan(), bariatric_plan())
    return pb.BatchPlanRegimensRequest(requests=[plans[index % 3] for index in range(size)])


def expected_response(call: Call) -> Message:
    """Return the server's answer to ``call``, built here by the kernel and the server's
    translation layer (raise ``ValueError`` for a request that is not valid)."""
    import kernel  # noqa: PLC0415 (only the benchmark's echo and checks need the kernel)
    from kernel.model import InvalidInput  # noqa: PLC0415
    from server.grpc import translate  # noqa: PLC0415

    if call.path == PLAN_PATH:
        return expected_plan_response(call.request)  # type: ignore[arg-type]
    if call.path == BATCH_PLAN_PATH:
        batch = pb.BatchPlanRegimensResponse()
        for item in call.request.requests:  # type: ignore[attr-defined]
            batch.results.add().response.CopyFrom(expected_plan_response(item))
        return batch
    if call.path == CHECK_PATH:
        decoded_check = translate.decode_check_request(call.request)  # type: ignore[arg-type]
        outcome: object = kernel.check_regimen(decoded_check.value)
        violations = decoded_check.violations
    else:
        decoded_course = translate.decode_course_request(call.request)  # type: ignore[arg-type]
        outcome = kernel.assess_course(decoded_course.value)
        violations = decoded_course.violations
    if violations or isinstance(outcome, InvalidInput):
        message = f"the benchmark request {call.name} is not valid"
        raise ValueError(message)
    response = call.response_type()
    translate.encode(outcome, response)
    return response


def expected_plan_response(
    request: pb.PlanRegimenRequest | None = None,
) -> pb.PlanRegimenResponse:
    """Return the PlanRegimen answer to ``request`` (default ``typical_plan()``), built here by
    the kernel and the server's translation layer."""
    import kernel  # noqa: PLC0415 (only the benchmark's echo and checks need the kernel)
    from kernel.model import InvalidInput  # noqa: PLC0415
    from server.grpc import translate  # noqa: PLC0415

    decoded = translate.decode_plan_request(request or typical_plan())
    outcome = kernel.plan_regimen(decoded.value)
    if decoded.violations or isinstance(outcome, InvalidInput):
        message = "the benchmark request is not valid"
        raise ValueError(message)
    response = pb.PlanRegimenResponse()
    translate.encode_plan_outcome(outcome, response)
    return response


def grpc_frame(message: Message | bytes) -> bytes:
    """Return the gRPC length-prefixed frame (uncompressed) of a message or of raw bytes."""
    body = message if isinstance(message, bytes) else message.SerializeToString()
    return struct.pack(">BI", 0, len(body)) + body


def unframe(data: bytes) -> list[bytes]:
    """Split gRPC length-prefixed frames; raise ``ValueError`` on a truncated one."""
    frames: list[bytes] = []
    offset = 0
    while offset < len(data):
        if offset + 5 > len(data):
            message = "truncated gRPC frame header"
            raise ValueError(message)
        flag, length = struct.unpack_from(">BI", data, offset)
        if flag != 0 or offset + 5 + length > len(data):
            message = "compressed or truncated gRPC frame"
            raise ValueError(message)
        frames.append(data[offset + 5 : offset + 5 + length])
        offset += 5 + length
    return frames
