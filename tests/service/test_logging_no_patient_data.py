"""No patient data in any log line, at any log level.

Sentinel patient values (distinctive decimals and dates no other part of the output can
produce) go through every RPC, valid and invalid, to a server process logging at DEBUG, with its
access log on and its Prometheus metrics served (both are searched), with
gRPC's own logging at DEBUG too (``GRPC_VERBOSITY=DEBUG``; gRPC's Python loggers follow the
root level). Everything the process writes, standard output and error, is searched for every
written form of every sentinel. A second server runs over a kernel that fails on purpose with an
error message that carries a request value (as some standard-library errors do): the INTERNAL
path must not log it either.

Not covered, on purpose: gRPC's tracers (``GRPC_TRACE``, for example ``tcp``) dump raw traffic
and so patient data; they are a debugging tool never to be enabled in production.
"""

from __future__ import annotations

import datetime
import re
import time
from collections import Counter
from pathlib import Path

import grpc
import pytest
from b12.dosing.v1 import dosing_pb2 as pb
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2

from bench import harness, workload

# Decimal sentinels (each a value a caller could send) and date sentinels.
PLATELETS = 137.913
EGFR = 58.2461
RESECTION_CM = 23.5713
CROHN_CM = 31.4159
B12 = 487.321
HOMOCYSTEINE = 12.3457
DOSE = 733.391
INTERVAL = 2.71828
BAD_PLATELETS = 2345.6789
BAD_EGFR = 212.987
FAULT_VALUE = 987654.321
DECIMALS = (
    PLATELETS,
    EGFR,
    RESECTION_CM,
    CROHN_CM,
    B12,
    HOMOCYSTEINE,
    DOSE,
    INTERVAL,
    BAD_PLATELETS,
    BAD_EGFR,
    FAULT_VALUE,
)
START = datetime.date(2031, 7, 29)
HORIZON = datetime.date(2032, 3, 17)
REFERENCE = datetime.date(2031, 11, 5)
LAB_DAY = datetime.date(2031, 9, 22)
STABLE_DAY = datetime.date(2031, 10, 13)
SENTINEL_YEARS = (2031, 2032)


def _leaks(text: str) -> list[str]:
    """Return every sentinel form found in ``text``."""
    patterns = [re.escape(repr(value)) for value in DECIMALS]
    patterns += [re.escape(f"{value:g}") for value in DECIMALS]
    for year in SENTINEL_YEARS:
        # ISO dates, datetime reprs, proto text and dict forms, day-first and compact dates.
        patterns += [
            rf"{year}-\d\d-\d\d",
            rf"\({year},",
            rf"year[\"']?\s*[:=]\s*{year}",
            rf"\d\d/\d\d/{year}",
            rf"{year}(0[1-9]|1[0-2])\d\d",
            rf"{year}, \d",
        ]
    return sorted({match[0] for pattern in patterns for match in re.finditer(pattern, text)})


def _profile(profile: pb.PatientProfile) -> None:
    profile.formulation = pb.FORMULATION_CYANOCOBALAMIN_1000_MCG_PER_ML
    profile.age_years = 61
    profile.deficiency_status = pb.DEFICIENCY_STATUS_CONFIRMED
    profile.neurological_involvement = pb.NEUROLOGICAL_INVOLVEMENT_ABSENT
    profile.platelets_10e9_per_l = PLATELETS
    profile.egfr_ml_min_1_73m2 = EGFR
    profile.ileal_resection = True
    profile.ileal_resection_length_cm = RESECTION_CM
    profile.crohn_ileal_involvement = True
    profile.crohn_ileal_involvement_length_cm = CROHN_CM


def _requests() -> list[tuple[str, Message]]:
    """One valid and one invalid request of every RPC, full of sentinels."""
    plan = pb.PlanRegimenRequest()
    _profile(plan.profile)
    workload.set_date(plan.start_date, START)
    workload.set_date(plan.horizon_date, HORIZON)
    bad_plan = pb.PlanRegimenRequest()
    bad_plan.CopyFrom(plan)
    bad_plan.profile.platelets_10e9_per_l = BAD_PLATELETS
    bad_plan.profile.egfr_ml_min_1_73m2 = BAD_EGFR
    bad_plan.horizon_date.day = 31  # 2032-03-31 is fine; the month below makes it impossible
    bad_plan.horizon_date.month = 2
    check = pb.CheckRegimenRequest()
    _profile(check.profile)
    check.regimen.dose_per_injection_mcg = DOSE
    check.regimen.maintenance_interval_months = INTERVAL
    for offset in (0, 3, 5):
        workload.set_date(check.regimen.loading_dates.add(), START + datetime.timedelta(offset))
    workload.set_date(check.regimen.stop_date, HORIZON)
    bad_check = pb.CheckRegimenRequest()
    bad_check.CopyFrom(check)
    bad_check.regimen.dose_per_injection_mcg = -DOSE
    bad_check.profile.platelets_10e9_per_l = BAD_PLATELETS
    course = pb.AssessCourseRequest()
    _profile(course.profile)
    workload.set_date(course.start_date, START)
    workload.set_date(course.reference_date, REFERENCE)
    for offset in (0, 2, 4, 7, 9, 11, 42):
        workload.set_date(course.injection_dates.add(), START + datetime.timedelta(offset))
    result = course.lab_results.add()
    workload.set_date(result.date, LAB_DAY)
    result.b12_ng_per_l = B12
    result.homocysteine_umol_per_l = HOMOCYSTEINE
    workload.set_date(course.stabilisation_date, STABLE_DAY)
    bad_course = pb.AssessCourseRequest()
    bad_course.CopyFrom(course)
    workload.set_date(bad_course.injection_dates.add(), HORIZON)  # after the reference date
    bad_course.lab_results[0].homocysteine_umol_per_l = -HOMOCYSTEINE
    return [
        (workload.PLAN_PATH, plan),
        (workload.PLAN_PATH, bad_plan),
        (workload.CHECK_PATH, check),
        (workload.CHECK_PATH, bad_check),
        (workload.COURSE_PATH, course),
        (workload.COURSE_PATH, bad_course),
        (workload.RULES_PATH, pb.DescribeRuleSetRequest()),
    ]


def _send_everything(target: str) -> Counter[str]:
    """Send every sentinel request, malformed bytes and the health and reflection calls."""
    codes: Counter[str] = Counter()
    with grpc.insecure_channel(target) as channel:
        calls: list[tuple[str, bytes]] = [
            (path, message.SerializeToString()) for path, message in _requests()
        ]
        sentinel_bytes = repr(PLATELETS).encode()
        calls += [(workload.PLAN_PATH, b"\xff" + sentinel_bytes), (workload.PLAN_PATH, b"\x0a\x03")]
        calls.append(
            ("/grpc.health.v1.Health/Check", health_pb2.HealthCheckRequest().SerializeToString())
        )
        for path, body in calls:
            method = channel.unary_unary(path, request_serializer=None, response_deserializer=None)
            try:
                method(body, timeout=10)
                codes["OK"] += 1
            except grpc.RpcError as error:
                codes[error.code().name] += 1
        reflection = channel.stream_stream(
            "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
            request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
            response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
        )
        answers = list(reflection(iter([reflection_pb2.ServerReflectionRequest(list_services="")])))
        codes["reflection"] += len(answers)
    return codes


def _report(capsys: pytest.CaptureFixture[str], text: str) -> None:
    with capsys.disabled():
        print(f"\n[logging] {text}")  # noqa: T201 (the counts belong in CI's log)


DEBUG_ENV = {"GRPC_VERBOSITY": "DEBUG"}


@pytest.mark.e2e
def test_sentinel_patient_values_reach_no_log_line_at_debug(
    capsys: pytest.CaptureFixture[str],
) -> None:
    command = harness.workers_command(
        *("--workers", "1", "--log-level", "DEBUG", "--access-log", "true"),
        *("--metrics-address", "127.0.0.1:0"),
        optimize=False,
    )
    with harness.serving(command, env=DEBUG_ENV) as server:
        codes = _send_everything(server.target)
        time.sleep(1.5)  # the access log is written every second
        metrics = harness.scrape_metrics(server)
        code = server.stop()
    output = server.output
    leaks = _leaks(output) + _leaks(metrics)
    access_lines = output.count("b12_dosing.access")
    counted = sum(
        float(line.rsplit(" ", 1)[1])
        for line in metrics.splitlines()
        if line.startswith("grpc_server_handled_total{")
    )
    _report(
        capsys,
        f"{sum(codes.values())} calls ({dict(codes)}); {len(output.splitlines())} log lines at "
        f"DEBUG, {access_lines} access-log lines; {counted:g} calls in the metrics "
        f"({len(metrics.splitlines())} lines); sentinel forms found: {leaks}",
    )
    # The search can fail: the same text with the values in it is found.
    assert _leaks(f"{PLATELETS} {START} {START!r} year: 2031 29/07/2031") != []
    # The logs were on and covered every call; gRPC core's own logging was at DEBUG (it says
    # so once at start), and the server's at DEBUG (--log-level, which gRPC's Python loggers
    # follow too).
    assert "Log level DEBUG is not suitable for production" in output
    assert access_lines >= sum(codes.values()) - codes["reflection"]
    assert counted >= sum(codes.values()) - codes["reflection"]
    assert codes["OK"] >= 4
    assert codes["INVALID_ARGUMENT"] >= 3
    assert leaks == []
    assert code == 0


@pytest.mark.e2e
def test_a_kernel_fault_carrying_a_request_value_is_not_logged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stats = tmp_path / "stats.json"
    command = harness.wrapped_kernel_command(
        "fail", FAULT_VALUE, stats, "--log-level", "DEBUG", optimize=False
    )
    with harness.serving(command, env=DEBUG_ENV) as server:
        codes = _send_everything(server.target)
        code = server.stop()
    output = server.output
    leaks = _leaks(output)
    _report(capsys, f"kernel fault: calls {dict(codes)}; sentinel forms found: {leaks}")
    assert codes["INTERNAL"] >= 1
    assert "ValueError" in output  # the fault itself is logged...
    assert leaks == []  # ...but not the value its message carried
    assert code == 0
