"""Hostile and broken CDS Hooks calls against the real service process (``python -m
server.cds_hooks`` on 127.0.0.1), each while a well-behaved client keeps calling it.

Each attack must be answered 400 or 413 with a reason (408 for a client too slow to send its
request), the well-behaved client must keep at least 99% of its calls OK, and the service's
memory must not grow by 20 MiB. Latencies are printed, never asserted (the machine is shared).
"""

from __future__ import annotations

import copy
import socket
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from typing import Final, cast

import cds_harness
import cds_tokens
import httpx
import orjson
import pytest
from cds_records import SIGN, Json, default_observations, hook_request, order

pytestmark = pytest.mark.e2e

HEADER_SECONDS: Final = 2.0
BODY_SECONDS: Final = 2.0
RSS_GROWTH_LIMIT_BYTES: Final = 20 * 1024 * 1024
ATTACKS_PER_KIND: Final = 20
OK_RATIO: Final = 0.99


def _report(capsys: pytest.CaptureFixture[str], text: str) -> None:
    with capsys.disabled():
        print(f"\n[cds faults] {text}")  # noqa: T201 (the figures belong in CI's log)


KEYS: Final = cds_tokens.EhrKeys()


@pytest.fixture(scope="module")
def service() -> Iterator[cds_harness.ServiceProcess]:
    with cds_harness.serve(
        ["--header-timeout", str(HEADER_SECONDS), "--body-timeout", str(BODY_SECONDS)],
        keys=KEYS,
    ) as running:
        yield running


def _signed(base_url: str) -> cds_tokens.SignedCalls:
    return cds_tokens.SignedCalls(KEYS, base_url)


def _good_call(client: httpx.Client) -> int:
    """One well-behaved, authenticated call (the client signs it)."""
    response = client.post(SIGN, json=hook_request(observations=default_observations()))
    if response.status_code == 200 and "cards" not in response.json():
        return -1
    return response.status_code


# ---------------------------------------------------------------------------------------------
# The hostile bodies.
# ---------------------------------------------------------------------------------------------


def _with_dosage(dosage: Json) -> bytes:
    request = hook_request(order(extra_dosages=[dosage]))
    return orjson.dumps(request)


def _dose_count_bomb() -> bytes:
    """Daily loading from year 1 to 9999: 3.65 million dates if expanded."""
    return _with_dosage(
        {
            "timing": {
                "repeat": {
                    "frequency": 1,
                    "period": 1,
                    "periodUnit": "d",
                    "boundsPeriod": {"start": "0001-01-01", "end": "9999-12-31"},
                }
            }
        }
    )


def _count(count: int, unit: str) -> bytes:
    return _with_dosage(
        {
            "timing": {
                "repeat": {
                    "frequency": 1,
                    "period": 1,
                    "periodUnit": unit,
                    "count": count,
                    "boundsPeriod": {"start": "2025-06-02"},
                }
            }
        }
    )


def _number_literal(literal: str) -> bytes:
    """A dose whose value is ``literal`` (not JSON: a number JSON cannot hold)."""
    text = orjson.dumps(hook_request()).decode()
    marked = text.replace('"value":1000', f'"value":{literal}', 1)
    assert marked != text
    return marked.encode()


def _deep_json(depth: int) -> bytes:
    return b'{"hook":"order-sign","context":' + b"[" * depth + b"]" * depth + b"}"


def _many_draft_orders(count: int) -> bytes:
    request = hook_request()
    context = cast("Json", request["context"])
    entry = {"resource": order()}
    context["draftOrders"] = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [copy.deepcopy(entry) for _ in range(count)],
    }
    return orjson.dumps(request)


ATTACKS: Final[dict[str, tuple[Callable[[], bytes], frozenset[int], str]]] = {
    "dose-count bomb (daily, year 1 to 9999)": (
        _dose_count_bomb,
        frozenset({400}),
        "expands to 3652059 dates",
    ),
    "count 10^9 (daily loading)": (lambda: _count(10**9, "d"), frozenset({400}), "count"),
    "count 10^9 (monthly maintenance)": (
        lambda: _count(10**9, "mo"),
        frozenset({400}),
        "count",
    ),
    "Infinity": (lambda: _number_literal("Infinity"), frozenset({400}), "not valid JSON"),
    "NaN": (lambda: _number_literal("NaN"), frozenset({400}), "not valid JSON"),
    "1e400": (lambda: _number_literal("1e400"), frozenset({400}), "not valid JSON"),
    "-1e400": (lambda: _number_literal("-1e400"), frozenset({400}), "not valid JSON"),
    "JSON 100,000 deep": (lambda: _deep_json(100_000), frozenset({400}), "JSON"),
    "JSON 65 deep (over the service's 64)": (
        lambda: _deep_json(65),
        frozenset({400}),
        "deeper than 64",
    ),
    "1,625 draft orders": (lambda: _many_draft_orders(1625), frozenset({400, 413}), "draftOrders"),
    "201 draft orders": (lambda: _many_draft_orders(201), frozenset({400}), "more than the 200"),
    "body over 1 MiB": (lambda: b" " * (1024 * 1024 + 1), frozenset({413}), "larger than"),
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_a_hostile_body_is_refused_with_its_reason_while_a_good_client_is_served(
    service: cds_harness.ServiceProcess, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    build, statuses, reason = ATTACKS[name]
    body = build()
    latencies_ms: list[float] = []
    seen: set[int] = set()
    with cds_harness.http_client(service.base_url, auth=_signed(service.base_url)) as attacker:
        for _ in range(3):  # warm the service up before its memory is measured
            _good_call(attacker)
        rss_before = cds_harness.rss_bytes(service.pid)
        with cds_harness.well_behaved_client(
            _good_call, service.base_url, _signed(service.base_url)
        ) as good:
            time.sleep(0.2)
            for _ in range(ATTACKS_PER_KIND):
                started = time.perf_counter()
                response = attacker.post(
                    SIGN, content=body, headers={"content-type": "application/json"}
                )
                latencies_ms.append((time.perf_counter() - started) * 1000)
                seen.add(response.status_code)
                assert response.status_code in statuses, response.text[:300]
                assert reason in response.json()["error"]
            time.sleep(0.2)
        rss_after = cds_harness.rss_bytes(service.pid)
    _report(
        capsys,
        f"{name} ({len(body)} bytes): {sorted(seen)} in median"
        f" {statistics.median(latencies_ms):.1f} ms, max {max(latencies_ms):.1f} ms"
        f" ({ATTACKS_PER_KIND} calls); RSS {rss_before / 2**20:.1f} -> {rss_after / 2**20:.1f}"
        f" MiB; {good.summary()}",
    )
    assert good.statuses, "the well-behaved client made no call"
    assert good.ok_ratio >= OK_RATIO, good.summary()
    assert rss_after - rss_before < RSS_GROWTH_LIMIT_BYTES


# ---------------------------------------------------------------------------------------------
# Slow clients.
# ---------------------------------------------------------------------------------------------

SLOW_CLIENTS: Final = 20


def _trickle(base_url: str, payload: bytes, *, headers_first: bool) -> tuple[float, bytes]:
    """Send ``payload`` at 1 byte per second (after the headers at once when ``headers_first``);
    return when the service answered or closed, with the seconds taken and what it sent."""
    port = int(base_url.rsplit(":", 1)[1])
    token = KEYS.token(f"{base_url}{SIGN}")
    head = (
        f"POST {SIGN} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
        f"authorization: Bearer {token}\r\ncontent-length: {len(payload)}\r\n\r\n"
    ).encode()
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.settimeout(1.0)
        to_send = payload if headers_first else head + payload
        if headers_first:
            connection.sendall(head)
        received = b""
        deadline = started + 3 * (HEADER_SECONDS + BODY_SECONDS) + 5
        for byte in to_send:
            if time.perf_counter() > deadline:
                break
            try:
                connection.sendall(bytes([byte]))
            except OSError:
                break
            try:
                chunk = connection.recv(4096)
            except TimeoutError:
                continue  # nothing yet: the second has passed, send the next byte
            except OSError:
                break
            if not chunk:
                break
            received += chunk
            break
        return time.perf_counter() - started, received


def test_slow_clients_are_cut_off_while_a_good_client_is_served(
    service: cds_harness.ServiceProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    payload = orjson.dumps(hook_request())
    results: list[tuple[str, float, bytes]] = []
    lock = threading.Lock()

    def attack(kind: str) -> None:
        seconds, received = _trickle(service.base_url, payload, headers_first=kind == "body")
        with lock:
            results.append((kind, seconds, received))

    rss_before = cds_harness.rss_bytes(service.pid)
    with cds_harness.well_behaved_client(
        _good_call, service.base_url, _signed(service.base_url)
    ) as good:
        threads = [
            threading.Thread(
                target=attack,
                args=("headers" if i % 2 else "body",),
                daemon=True,
            )
            for i in range(SLOW_CLIENTS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=3 * (HEADER_SECONDS + BODY_SECONDS) + 10)
    rss_after = cds_harness.rss_bytes(service.pid)
    by_kind: dict[str, list[float]] = {}
    for kind, seconds, received in results:
        by_kind.setdefault(kind, []).append(seconds)
        assert received.startswith(b"HTTP/1.1 408 "), (kind, received[:200])
    _report(
        capsys,
        f"{SLOW_CLIENTS} clients sending 1 byte/s (header limit {HEADER_SECONDS:g} s, body"
        f" limit {BODY_SECONDS:g} s): "
        + "; ".join(
            f"slow {kind}: 408 after {min(times):.1f}-{max(times):.1f} s"
            for kind, times in sorted(by_kind.items())
        )
        + f"; RSS {rss_before / 2**20:.1f} -> {rss_after / 2**20:.1f} MiB; {good.summary()}",
    )
    assert len(results) == SLOW_CLIENTS
    assert good.statuses, "the well-behaved client made no call"
    assert good.ok_ratio >= OK_RATIO, good.summary()
    assert rss_after - rss_before < RSS_GROWTH_LIMIT_BYTES


def test_a_client_that_opens_a_connection_and_sends_nothing_is_closed(
    service: cds_harness.ServiceProcess,
) -> None:
    port = int(service.base_url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=3 * HEADER_SECONDS) as silent:
        assert silent.recv(100) == b""  # closed by the service, without a response


# ---------------------------------------------------------------------------------------------
# The service's own log.
# ---------------------------------------------------------------------------------------------


def test_the_service_logs_each_call_without_request_content(
    service: cds_harness.ServiceProcess,
) -> None:
    marker_patient = "patient-7c1d9e4b"
    request = hook_request(birth_date="1931-07-19")
    cast("Json", request["context"])["patientId"] = marker_patient
    request["hook"] = "order-sign-" + "x" * 20 + "\nforged log line"
    with cds_harness.http_client(service.base_url, auth=_signed(service.base_url)) as client:
        assert client.post(SIGN, json=request).status_code == 400
        request["hook"] = "order-sign"
        assert client.post(SIGN, json=request).status_code == 200
        assert client.post("/cds-services/unknown-service-3f9a", json=request).status_code == 404
        assert client.post(SIGN, content=b'{"hook": NaN}').status_code == 400
    deadline = time.monotonic() + 5
    while "cards=" not in service.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    log = service.log_text()
    lines = [line for line in log.splitlines() if "b12_dosing.cds_hooks" in line]
    assert any(
        " INFO b12_dosing.cds_hooks b12-dosing-order-sign 200 cards=" in line for line in lines
    )
    assert any(
        "b12-dosing-order-sign 400 service b12-dosing-order-sign answers" in line for line in lines
    )
    assert any("404" in line for line in lines)
    for secret in (marker_patient, "1931-07-19", "forged log line", "unknown-service-3f9a"):
        assert secret not in log
