"""The server's operational contract, through the wire: reflection, health, draining, the
access log (method, status, latency and nothing else), INTERNAL without content, the
concurrent-call limit, TLS and mutual TLS, binding, configuration, and the rule set."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from b12.dosing.client import DosingClient, DosingError, InvalidRequestError, tls_credentials
from b12.dosing.v1 import dosing_pb2 as pb
from b12.dosing.v1 import dosing_pb2_grpc
from google.protobuf import descriptor_pb2
from google.type import date_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

import kernel
from kernel import model
from kernel.rules import RULE_SET_VERSION, RULES
from server.grpc import config as configuration
from server.grpc.access_log import LOGGER_NAME
from server.grpc.app import BindError, DosingServer, create_server
from server.grpc.config import ServerConfig, TlsFiles
from server.grpc.service import INTERNAL_MESSAGE, SERVICE_NAME

pytestmark = pytest.mark.e2e

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def as_call(error: object) -> grpc.Call:
    """A failed unary call raises an error that is also a grpc.Call (the stubs cannot say so)."""
    assert isinstance(error, grpc.Call)
    return error


def plan_request() -> pb.PlanRegimenRequest:
    request = pb.PlanRegimenRequest(
        start_date=date_pb2.Date(year=2031, month=7, day=19),
        horizon_date=date_pb2.Date(year=2031, month=12, day=31),
    )
    profile = request.profile
    profile.formulation = pb.FORMULATION_CYANOCOBALAMIN_1000_MCG_PER_ML
    profile.age_years = 77
    profile.deficiency_status = pb.DEFICIENCY_STATUS_CONFIRMED
    profile.neurological_involvement = pb.NEUROLOGICAL_INVOLVEMENT_ABSENT
    profile.platelets_10e9_per_l = 123.456
    return request


@dataclass
class Running:
    server: DosingServer
    port: int

    @property
    def target(self) -> str:
        return f"127.0.0.1:{self.port}"


@pytest.fixture
def running() -> Iterator[Running]:
    server, port = create_server("127.0.0.1:0", ServerConfig(access_log=True))
    server.start()
    yield Running(server, port)
    server.stop(None).wait()


class PassThroughKernel:
    """The kernel, called through a class (so that a test can replace one operation)."""

    def plan_regimen(self, request: model.PlanRequest, /) -> model.PlanOutcome:
        return kernel.plan_regimen(request)

    def check_regimen(self, request: model.CheckRequest, /) -> model.CheckOutcome:
        return kernel.check_regimen(request)

    def assess_course(self, request: model.CourseRequest, /) -> model.CourseOutcomeResult:
        return kernel.assess_course(request)

    def validate_plan_request(
        self, request: model.PlanRequest, /
    ) -> tuple[model.FieldViolation, ...]:
        return kernel.validate_plan_request(request)

    def validate_check_request(
        self, request: model.CheckRequest, /
    ) -> tuple[model.FieldViolation, ...]:
        return kernel.validate_check_request(request)

    def validate_course_request(
        self, request: model.CourseRequest, /
    ) -> tuple[model.FieldViolation, ...]:
        return kernel.validate_course_request(request)

    def describe_rules(self) -> model.RuleSet:
        return kernel.describe_rules()


class FaultyKernel(PassThroughKernel):
    """A kernel whose plan_regimen fails with a message that quotes the request."""

    def plan_regimen(self, request: model.PlanRequest, /) -> model.PlanOutcome:
        message = f"confidential: age {request.profile.age_years}"
        raise RuntimeError(message)


# --- Reflection and health ----------------------------------------------------------------------


def _reflect(target: str, request: reflection_pb2.ServerReflectionRequest) -> object:
    with grpc.insecure_channel(target) as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        return next(iter(stub.ServerReflectionInfo(iter([request]))))


def test_reflection_lists_the_service_health_and_reflection(running: Running) -> None:
    response = _reflect(running.target, reflection_pb2.ServerReflectionRequest(list_services=""))
    assert isinstance(response, reflection_pb2.ServerReflectionResponse)
    names = {service.name for service in response.list_services_response.service}
    assert names == {
        "b12.dosing.v1.DosingService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1alpha.ServerReflection",
    }


def test_reflection_serves_the_schema_with_its_dependencies(running: Running) -> None:
    files: dict[str, descriptor_pb2.FileDescriptorProto] = {}
    for request in (
        reflection_pb2.ServerReflectionRequest(file_containing_symbol=SERVICE_NAME),
        reflection_pb2.ServerReflectionRequest(file_by_filename="google/type/date.proto"),
    ):
        response = _reflect(running.target, request)
        assert isinstance(response, reflection_pb2.ServerReflectionResponse)
        for raw in response.file_descriptor_response.file_descriptor_proto:
            proto = descriptor_pb2.FileDescriptorProto.FromString(raw)
            files[proto.name] = proto
    dosing = files["b12/dosing/v1/dosing.proto"]
    assert dosing.package == "b12.dosing.v1"
    assert {method.name for method in dosing.service[0].method} >= {
        "PlanRegimen",
        "CheckRegimen",
        "AssessCourse",
        "DescribeRuleSet",
    }
    assert "google/type/date.proto" in dosing.dependency
    assert "google/type/date.proto" in files


def _health(target: str, service: str) -> health_pb2.HealthCheckResponse.ServingStatus.ValueType:
    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        return stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5).status


def test_health_is_serving_for_the_server_and_the_service(running: Running) -> None:
    assert _health(running.target, "") == SERVING
    assert _health(running.target, SERVICE_NAME) == SERVING
    with pytest.raises(grpc.RpcError) as raised:
        _health(running.target, "no.such.Service")
    assert as_call(raised.value).code() == grpc.StatusCode.NOT_FOUND


def test_draining_reports_not_serving_while_still_answering_then_refuses() -> None:
    server, port = create_server("127.0.0.1:0", ServerConfig(access_log=False))
    server.start()
    target = f"127.0.0.1:{port}"
    assert _health(target, SERVICE_NAME) == SERVING
    shutdown = threading.Thread(target=server.shutdown, args=(2.0, 5.0))
    shutdown.start()
    try:
        deadline = time.monotonic() + 1.5
        while _health(target, SERVICE_NAME) != NOT_SERVING:
            assert time.monotonic() < deadline, "health never turned NOT_SERVING"
            time.sleep(0.02)
        assert _health(target, "") == NOT_SERVING
        with DosingClient(target) as client:  # still answering during the drain
            assert client.plan_regimen(plan_request()).WhichOneof("outcome") == "plan"
    finally:
        shutdown.join(10)
    assert not shutdown.is_alive()
    with DosingClient(target, timeout_seconds=2) as client, pytest.raises(DosingError) as raised:
        client.describe_rule_set()
    assert raised.value.code == grpc.StatusCode.UNAVAILABLE


# --- The access log -----------------------------------------------------------------------------

ACCESS_LINE = re.compile(r"^method=/[\w.?]+/[\w?]+ code=[A-Z_]+ latency_ms=\d+\.\d{3}$")


def _access_records(caplog: pytest.LogCaptureFixture, count: int) -> list[logging.LogRecord]:
    """The access-log records, once there are ``count`` of them (waits up to 5 s)."""
    deadline = time.monotonic() + 5
    while True:
        found = [record for record in caplog.records if record.name == LOGGER_NAME]
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.01)


def test_a_call_to_an_unknown_method_is_logged_with_its_status_and_a_safe_name(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    hostile = "/b12.dosing.v1.DosingService/Nope\u00e9 x=1\r\nfake line " + "A" * 500
    with grpc.insecure_channel(running.target) as channel:
        for path in ("/b12.dosing.v1.DosingService/NoSuchMethod", hostile):
            call = channel.unary_unary(path, request_serializer=None, response_deserializer=None)
            with pytest.raises(grpc.RpcError) as raised:
                call(b"", timeout=5)
            assert as_call(raised.value).code() == grpc.StatusCode.UNIMPLEMENTED
    lines = [record.getMessage() for record in _access_records(caplog, 2)]
    assert lines[0].startswith(
        "method=/b12.dosing.v1.DosingService/NoSuchMethod code=UNIMPLEMENTED "
    )
    assert all(ACCESS_LINE.match(line) for line in lines), lines
    assert "\n" not in lines[1]
    assert len(lines[1].split()[0]) <= len("method=") + 120


def test_the_access_log_has_method_status_and_latency_only(
    running: Running, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    bad = plan_request()
    bad.profile.age_years = 177
    with DosingClient(running.target) as client:
        client.plan_regimen(plan_request())
        with pytest.raises(InvalidRequestError):
            client.plan_regimen(bad)
    # An aborted call sends its status before the handler returns, so its line may follow.
    access = _access_records(caplog, 2)
    assert [(record.args or ())[:2] for record in access] == [  # type: ignore[index]
        ("/b12.dosing.v1.DosingService/PlanRegimen", "OK"),
        ("/b12.dosing.v1.DosingService/PlanRegimen", "INVALID_ARGUMENT"),
    ]
    for record in caplog.records:  # every line logged during the calls, from any logger
        line = record.getMessage()
        assert ACCESS_LINE.match(line), line
        for content in ("2031", "123.456", "177", "age_years", "profile"):
            assert content not in line.split("latency_ms=")[0]


def test_a_kernel_fault_is_internal_and_neither_status_nor_log_quotes_the_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    server, port = create_server(
        "127.0.0.1:0", ServerConfig(access_log=True), kernel=FaultyKernel()
    )
    server.start()
    try:
        with DosingClient(f"127.0.0.1:{port}") as client, pytest.raises(DosingError) as raised:
            client.plan_regimen(plan_request())
    finally:
        server.stop(None).wait()
    assert raised.value.code == grpc.StatusCode.INTERNAL
    assert raised.value.message == INTERNAL_MESSAGE
    _access_records(caplog, 1)  # written once the call has ended
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "RuntimeError" in logged
    assert "code=INTERNAL" in logged
    assert "confidential" not in logged
    assert "age 77" not in logged


# --- Limits --------------------------------------------------------------------------------------


def _held_plan_call(channel: grpc.Channel, release: threading.Event) -> grpc.Future:  # type: ignore[type-arg]
    """Start a PlanRegimen call whose request is sent only once ``release`` is set (a call in
    progress, waiting for its request, as a slow client makes one)."""

    def requests() -> Iterator[bytes]:
        assert release.wait(30)
        yield plan_request().SerializeToString()

    call = channel.stream_unary(
        "/b12.dosing.v1.DosingService/PlanRegimen",
        request_serializer=None,
        response_deserializer=pb.PlanRegimenResponse.FromString,
    )
    return call.future(requests(), timeout=30)


def _wait_until_serving_calls(server: DosingServer, count: int) -> None:
    """Wait until the server has ``count`` calls in progress (up to 10 s)."""
    deadline = time.monotonic() + 10
    while server.calls_in_progress() < count:
        assert time.monotonic() < deadline, "the held calls never reached the server"
        time.sleep(0.01)


def test_calls_beyond_the_concurrency_limit_fail_fast() -> None:
    config = ServerConfig(access_log=False, max_concurrent_rpcs=1)
    server, port = create_server("127.0.0.1:0", config)
    server.start()
    release = threading.Event()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = dosing_pb2_grpc.DosingServiceStub(channel)
            first = _held_plan_call(channel, release)
            _wait_until_serving_calls(server, 1)
            with pytest.raises(grpc.RpcError) as raised:
                stub.PlanRegimen(plan_request(), timeout=10)
            assert as_call(raised.value).code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            release.set()
            assert first.result().WhichOneof("outcome") == "plan"
    finally:
        release.set()
        server.stop(None).wait()


def test_a_call_whose_request_never_arrives_ends_after_the_receive_timeout() -> None:
    config = ServerConfig(access_log=False, receive_timeout_seconds=0.5)
    server, port = create_server("127.0.0.1:0", config)
    server.start()
    release = threading.Event()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            began = time.monotonic()
            held = _held_plan_call(channel, release)
            with pytest.raises(grpc.RpcError) as raised:
                held.result()
            took = time.monotonic() - began
            assert as_call(raised.value).code() == grpc.StatusCode.DEADLINE_EXCEEDED
            assert "did not arrive within 0.5 s" in (as_call(raised.value).details() or "")
            assert 0.4 < took < 5
            with DosingClient(f"127.0.0.1:{port}") as client:  # the slot is free again
                assert client.plan_regimen(plan_request()).WhichOneof("outcome") == "plan"
    finally:
        release.set()
        server.stop(None).wait()


def test_a_taken_address_is_a_bind_error(running: Running) -> None:
    with pytest.raises(BindError):
        create_server(running.target, ServerConfig(reuse_port=False))


# --- TLS and mutual TLS ----------------------------------------------------------------------


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


NEW_KEY = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")


def _openssl(*arguments: str | Path) -> None:
    subprocess.run(  # noqa: S603 (fixed arguments)
        ["openssl", *map(str, arguments)],  # noqa: S607 (openssl from PATH)
        check=True,
        capture_output=True,
    )


def _issue(directory: Path, name: str, ca: Path, ca_key: Path, extensions: str) -> None:
    key, request, extension_file = (
        directory / f"{name}.key",
        directory / f"{name}.csr",
        directory / f"{name}.ext",
    )
    extension_file.write_text(extensions, encoding="utf-8")
    _openssl("req", *NEW_KEY, "-keyout", key, "-out", request, "-subj", f"/CN={name}")
    _openssl(
        *("x509", "-req", "-in", request, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial"),
        *("-out", directory / f"{name}.pem", "-days", "2", "-extfile", extension_file),
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make test certificates")
    directory = tmp_path_factory.mktemp("pki")
    ca, ca_key = directory / "ca.pem", directory / "ca.key"
    _openssl(
        *("req", "-x509", *NEW_KEY, "-keyout", ca_key, "-out", ca),
        *("-days", "2", "-subj", "/CN=test-ca"),
    )
    _issue(directory, "server", ca, ca_key, "subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    _issue(directory, "client", ca, ca_key, "extendedKeyUsage=clientAuth\n")
    return Pki(
        ca,
        directory / "server.pem",
        directory / "server.key",
        directory / "client.pem",
        directory / "client.key",
    )


def _tls_server(tls: TlsFiles) -> tuple[DosingServer, str]:
    server, port = create_server("127.0.0.1:0", ServerConfig(access_log=False, tls=tls))
    server.start()
    return server, f"localhost:{port}"


def test_tls(pki: Pki) -> None:
    server, target = _tls_server(TlsFiles(pki.server_cert, pki.server_key))
    try:
        with DosingClient(target, credentials=tls_credentials(pki.ca)) as client:
            assert client.describe_rule_set().rule_set_version == RULE_SET_VERSION
        with DosingClient(target, timeout_seconds=3) as plaintext, pytest.raises(DosingError):
            plaintext.describe_rule_set()
    finally:
        server.stop(None).wait()


def test_mutual_tls_requires_a_client_certificate(pki: Pki) -> None:
    server, target = _tls_server(TlsFiles(pki.server_cert, pki.server_key, client_ca=pki.ca))
    try:
        with DosingClient(
            target, credentials=tls_credentials(pki.ca, pki.client_cert, pki.client_key)
        ) as client:
            assert client.describe_rule_set().rule_set_version == RULE_SET_VERSION
        with (
            DosingClient(
                target, credentials=tls_credentials(pki.ca), timeout_seconds=3
            ) as anonymous,
            pytest.raises(DosingError) as raised,
        ):
            anonymous.describe_rule_set()
        assert raised.value.code == grpc.StatusCode.UNAVAILABLE
    finally:
        server.stop(None).wait()


# --- Configuration -------------------------------------------------------------------------------


def test_defaults_serve_plaintext_on_localhost_50051() -> None:
    config = configuration.load([], {})
    assert config.address == "127.0.0.1:50051"
    assert config.tls is None
    assert config.access_log is False  # the metrics count every call
    assert config.metrics_address == ""
    assert config.max_receive_message_bytes == 256 * 1024


def test_flags_win_over_environment_variables_which_win_over_defaults(tmp_path: Path) -> None:
    environ = {
        "B12_DOSING_MAX_CONCURRENT_STREAMS": "3",
        "B12_DOSING_GRACE_SECONDS": "2.5",
        "B12_DOSING_ACCESS_LOG": "off",
        "B12_DOSING_TLS_CERT": str(tmp_path / "c.pem"),
        "B12_DOSING_TLS_KEY": str(tmp_path / "k.pem"),
    }
    config = configuration.load(
        ["--max-concurrent-streams", "5", "--address", "0.0.0.0:7000"], environ
    )
    assert config.max_concurrent_streams == 5
    assert config.grace_seconds == 2.5
    assert config.access_log is False
    assert config.address == "0.0.0.0:7000"
    assert config.tls == TlsFiles(tmp_path / "c.pem", tmp_path / "k.pem")


@pytest.mark.parametrize(
    ("argv", "environ"),
    [
        ([], {"B12_DOSING_MAX_CONCURRENT_STREAMS": "many"}),
        (["--max-concurrent-streams", "0"], {}),
        (["--receive-timeout-seconds", "0"], {}),
        (["--access-log", "perhaps"], {}),
        (["--tls-cert", "c.pem"], {}),
        (["--tls-client-ca", "ca.pem"], {}),
        (["--grace-seconds", "-1"], {}),
    ],
)
def test_bad_settings_exit_with_a_usage_error(argv: list[str], environ: dict[str, str]) -> None:
    with pytest.raises(SystemExit) as raised:
        configuration.load(argv, environ)
    assert raised.value.code == 2


# --- The rule set ---------------------------------------------------------------------------------


@pytest.mark.covers("INV-CITATIONS")
def test_describe_rule_set_returns_the_catalogue_in_order(running: Running) -> None:
    with DosingClient(running.target) as client:
        response = client.describe_rule_set()
    assert response.rule_set_version == RULE_SET_VERSION
    assert [rule.rule_id for rule in response.rules] == list(RULES)
    for rule in response.rules:
        assert rule.text == RULES[rule.rule_id].text
        assert tuple(rule.source_references) == RULES[rule.rule_id].source_references


def test_the_typed_client_reports_each_field_violation(running: Running) -> None:
    request = plan_request()
    request.profile.platelets_10e9_per_l = -5
    request.ClearField("start_date")
    with DosingClient(running.target) as client, pytest.raises(InvalidRequestError) as raised:
        client.plan_regimen(request)
    assert {violation.field for violation in raised.value.violations} == {
        "profile.platelets_10e9_per_l",
        "start_date",
    }
