"""Security: mutual TLS, and the request-size and concurrency caps.

mTLS: throwaway certificates are made here (``cryptography``): a CA, a server certificate for
127.0.0.1 and a client certificate it signed, and a second, unrelated CA with a client
certificate of its own. A client with the right certificate is served; one with no certificate,
one whose certificate the server's CA did not sign, and one that does not trust the server's
CA are all refused, and so is plaintext. The caps: a request over the configured size is
RESOURCE_EXHAUSTED, and calls beyond the configured number in progress are RESOURCE_EXHAUSTED
while the kernel never sees more than that many at once. In-process servers on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from b12.dosing.v1 import dosing_pb2 as pb
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bench import harness, workload
from server.grpc.app import create_server
from server.grpc.config import ServerConfig, TlsFiles

RULES = pb.DescribeRuleSetRequest().SerializeToString()
REFUSED = "UNAVAILABLE"  # a failed TLS handshake: the call never reaches the server


# ---------------------------------------------------------------------------------------------
# Throwaway certificates.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    """A PEM certificate and its PEM private key."""

    certificate: bytes
    key: bytes
    signer: x509.Certificate
    signer_key: ec.EllipticCurvePrivateKey


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _certificate(
    subject: str,
    issuer: Issued | None,
    *,
    ca: bool = False,
    server: bool = False,
) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(tz=datetime.UTC)
    signer_key = issuer.signer_key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer.signer.subject if issuer else _name(subject))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    if not ca:
        usage = x509.oid.ExtendedKeyUsageOID.SERVER_AUTH if server else None
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([usage or x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]),
            critical=False,
        )
    certificate = builder.sign(signer_key, hashes.SHA256())
    return Issued(
        certificate=certificate.public_bytes(serialization.Encoding.PEM),
        key=_pem_key(key),
        signer=certificate if ca else (issuer.signer if issuer else certificate),
        signer_key=key if ca else signer_key,
    )


@dataclass(frozen=True)
class Pki:
    """The certificates of one test."""

    ca: Issued
    server: Issued
    client: Issued
    rogue_ca: Issued
    rogue_client: Issued


@pytest.fixture(scope="module")
def pki() -> Pki:
    ca = _certificate("b12 test CA", None, ca=True)
    rogue_ca = _certificate("unrelated CA", None, ca=True)
    return Pki(
        ca=ca,
        server=_certificate("localhost", ca, server=True),
        client=_certificate("b12 test client", ca),
        rogue_ca=rogue_ca,
        rogue_client=_certificate("b12 test client", rogue_ca),
    )


def _tls_server(tmp_path: Path, pki: Pki, *, client_ca: bool) -> Iterator[int]:
    paths = {}
    for name, data in (
        ("server.pem", pki.server.certificate),
        ("server.key", pki.server.key),
        ("ca.pem", pki.ca.certificate),
    ):
        paths[name] = tmp_path / name
        paths[name].write_bytes(data)
    tls = TlsFiles(paths["server.pem"], paths["server.key"], paths["ca.pem"] if client_ca else None)
    server, port = create_server("127.0.0.1:0", ServerConfig(tls=tls, access_log=False))
    server.start()
    try:
        yield port
    finally:
        server.stop(None).wait()


@pytest.fixture
def mtls_port(tmp_path: Path, pki: Pki) -> Iterator[int]:
    yield from _tls_server(tmp_path, pki, client_ca=True)


@pytest.fixture
def tls_port(tmp_path: Path, pki: Pki) -> Iterator[int]:
    yield from _tls_server(tmp_path, pki, client_ca=False)


def _call(port: int, credentials: grpc.ChannelCredentials | None) -> str:
    """Call DescribeRuleSet over TLS with ``credentials`` (plaintext for ``None``); return the
    status code's name."""
    target = f"127.0.0.1:{port}"
    options = [("grpc.ssl_target_name_override", "localhost")]
    channel = (
        grpc.secure_channel(target, credentials, options=options)
        if credentials is not None
        else grpc.insecure_channel(target)
    )
    with channel:
        method = channel.unary_unary(
            workload.RULES_PATH, request_serializer=None, response_deserializer=None
        )
        try:
            pb.DescribeRuleSetResponse.FromString(method(RULES, timeout=5))
        except grpc.RpcError as error:
            return str(error.code().name)
    return "OK"


def _client(trusted: Issued, own: Issued | None) -> grpc.ChannelCredentials:
    return grpc.ssl_channel_credentials(
        root_certificates=trusted.certificate,
        private_key=own.key if own else None,
        certificate_chain=own.certificate if own else None,
    )


def _report(capsys: pytest.CaptureFixture[str], text: str) -> None:
    with capsys.disabled():
        print(f"\n[security] {text}")  # noqa: T201 (the counts belong in CI's log)


@pytest.mark.e2e
def test_mutual_tls_serves_only_clients_with_a_certificate_from_its_ca(
    mtls_port: int, pki: Pki, capsys: pytest.CaptureFixture[str]
) -> None:
    outcomes = {
        "client certificate from the server's CA": _call(mtls_port, _client(pki.ca, pki.client)),
        "no client certificate": _call(mtls_port, _client(pki.ca, None)),
        "client certificate from another CA": _call(mtls_port, _client(pki.ca, pki.rogue_client)),
        "client not trusting the server's CA": _call(mtls_port, _client(pki.rogue_ca, pki.client)),
        "plaintext": _call(mtls_port, None),
    }
    _report(capsys, f"mTLS: {outcomes}")
    assert outcomes == {
        "client certificate from the server's CA": "OK",
        "no client certificate": REFUSED,
        "client certificate from another CA": REFUSED,
        "client not trusting the server's CA": REFUSED,
        "plaintext": REFUSED,
    }


@pytest.mark.e2e
def test_tls_without_a_client_ca_does_not_ask_for_client_certificates(
    tls_port: int, pki: Pki
) -> None:
    # The refusals above come from the client CA, not from TLS as such.
    assert _call(tls_port, _client(pki.ca, None)) == "OK"
    assert _call(tls_port, _client(pki.rogue_ca, None)) == REFUSED


# ---------------------------------------------------------------------------------------------
# Caps.
# ---------------------------------------------------------------------------------------------


@pytest.mark.e2e
def test_calls_beyond_the_concurrency_cap_are_resource_exhausted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    cap = 4
    config = ServerConfig(max_concurrent_rpcs=cap, access_log=False)
    server, port = create_server("127.0.0.1:0", config)
    server.start()
    codes: Counter[str] = Counter()
    release = threading.Event()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            body = workload.typical_plan().SerializeToString()
            held = [
                harness.held_call(channel, workload.PLAN_PATH, body, release) for _ in range(cap)
            ]
            deadline = time.monotonic() + 10
            while server.calls_in_progress() < cap:
                assert time.monotonic() < deadline, "the held calls never reached the server"
                time.sleep(0.01)
            plan = channel.unary_unary(
                workload.PLAN_PATH, request_serializer=None, response_deserializer=None
            )
            more = [plan.future(body, timeout=30) for _ in range(2 * cap)]
            for future in more:
                codes[future.code().name] += 1
            release.set()
            for future in held:
                codes[future.code().name] += 1
    finally:
        release.set()
        server.stop(None).wait()
    _report(
        capsys,
        f"concurrency cap {cap}: {cap} calls in progress and {2 * cap} more gave {dict(codes)}",
    )
    assert codes == Counter({"OK": cap, "RESOURCE_EXHAUSTED": 2 * cap})


@pytest.mark.e2e
def test_failed_tls_handshakes_are_counted_not_logged_one_by_one(
    tmp_path: Path, pki: Pki, capsys: pytest.CaptureFixture[str]
) -> None:
    attempts = 50
    (tmp_path / "server.pem").write_bytes(pki.server.certificate)
    (tmp_path / "server.key").write_bytes(pki.server.key)
    command = harness.workers_command(
        "--workers",
        "1",
        "--tls-cert",
        str(tmp_path / "server.pem"),
        "--tls-key",
        str(tmp_path / "server.key"),
    )
    with harness.ServerProcess(command) as server:
        port = server.port
        deadline = time.monotonic() + 30
        while "serving b12.dosing" not in server.output:
            assert time.monotonic() < deadline, server.output
            time.sleep(0.05)
        for _ in range(attempts):  # plaintext where TLS is expected: each handshake fails
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                with contextlib.suppress(OSError):
                    sock.recv(1024)
        served = _call(port, _client(pki.ca, None))
        code = server.stop()
    lines = server.output.splitlines()
    per_handshake = [line for line in lines if "Handshake failed" in line]
    summaries = [line for line in lines if "TLS handshakes failed" in line]
    _report(
        capsys,
        f"{attempts} failed TLS handshakes: {len(per_handshake)} lines of their own, summary "
        f"{summaries}",
    )
    assert served == "OK"
    assert code == 0
    assert per_handshake == []
    assert summaries
    counted = sum(int(line.split("TLS handshakes failed: ")[1].split()[0]) for line in summaries)
    assert counted == attempts


def _course_of_size(minimum: int) -> bytes:
    request = workload.typical_course()
    day = datetime.date(2026, 1, 31)
    while request.ByteSize() < minimum:
        workload.set_date(request.injection_dates.add(), day)
    return request.SerializeToString()


@pytest.mark.e2e
def test_requests_over_the_configured_size_are_resource_exhausted(
    capsys: pytest.CaptureFixture[str],
) -> None:
    limit = 4096
    config = ServerConfig(max_receive_message_bytes=limit, access_log=False)
    server, port = create_server("127.0.0.1:0", config)
    server.start()
    sizes = {"under": _course_of_size(limit - 64), "over": _course_of_size(limit + 1)}
    codes: dict[str, str] = {}
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            course = channel.unary_unary(
                workload.COURSE_PATH, request_serializer=None, response_deserializer=None
            )
            for name, body in sizes.items():
                try:
                    course(body, timeout=10)
                    codes[name] = "OK"
                except grpc.RpcError as error:
                    codes[name] = error.code().name
    finally:
        server.stop(None).wait()
    _report(
        capsys,
        f"size cap {limit} B: {len(sizes['under'])} B -> {codes['under']}, "
        f"{len(sizes['over'])} B -> {codes['over']}",
    )
    assert len(sizes["under"]) <= limit < len(sizes["over"])
    assert codes["over"] == "RESOURCE_EXHAUSTED"
    assert codes["under"] in {"OK", "INVALID_ARGUMENT"}
