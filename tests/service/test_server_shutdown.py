"""Graceful shutdown of the real server process: on SIGTERM or SIGINT the calls in flight finish,
new calls are refused, and the process exits 0; calls still running after the grace period are
cancelled and the process still exits 0.

The server runs as a subprocess (``python -O -m server``). The calls in flight are PlanRegimen
streams opened over a raw HTTP/2 connection (h2, ``HeldCalls``): their headers are sent at once,
their request only after the signal. The server runs with ``--max-concurrent-rpcs`` equal to
their number, so a further call refused with RESOURCE_EXHAUSTED shows they are all in its
handlers before the signal is sent. (A gRPC client library gives no hold on when a call's
headers leave: a later call being answered did not show that the held ones had arrived, and one
time in about fifteen they had not.) The kernel itself runs inline and takes microseconds.
"""

from __future__ import annotations

import contextlib
import functools
import re
import signal
import socket
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import h2.config
import h2.connection
import h2.events
import pytest
from b12.dosing.v1 import dosing_pb2 as pb
from b12.dosing.v1 import dosing_pb2_grpc
from google.type import date_pb2
from hyperframe.frame import Frame, GoAwayFrame  # h2's frame types (its own dependency)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SERVING_LINE = re.compile(r"serving b12\.dosing\.v1\.DosingService on 127\.0\.0\.1:(\d+)")
PLAN_PATH = "/b12.dosing.v1.DosingService/PlanRegimen"


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    port: int
    serving_line: str


@contextmanager
def server_process(*flags: str) -> Iterator[ServerProcess]:
    process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
        [
            sys.executable,
            "-O",  # as in production: contracts off
            "-m",
            "server",
            "--address",
            "127.0.0.1:0",
            *flags,
        ],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stderr is not None
        port, line = 0, ""
        while not port:
            line = process.stderr.readline()
            assert line, "the server exited before serving"
            match = SERVING_LINE.search(line)
            port = int(match.group(1)) if match else 0
        yield ServerProcess(process, port, line)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


class _Connection(h2.connection.H2Connection):
    """An h2 client connection that lets the streams a graceful GOAWAY covers finish (RFC 9113,
    6.8); h2 itself closes the whole connection on any GOAWAY."""

    def _receive_goaway_frame(
        self, frame: GoAwayFrame
    ) -> tuple[list[Frame], list[h2.events.Event]]:
        event = h2.events.ConnectionTerminated()
        event.error_code = frame.error_code
        event.last_stream_id = frame.last_stream_id
        return [], [event]


class HeldCalls:
    """``count`` PlanRegimen calls on one raw HTTP/2 connection: headers now, request on
    ``release()``; ``outcomes()`` reads how each ended (its grpc-status and answer, or a
    reset)."""

    def __init__(self, port: int, count: int) -> None:
        """Open the connection and send the headers of ``count`` calls."""
        self._port = port
        self._socket = socket.create_connection(("127.0.0.1", port), timeout=5)
        self._h2 = _Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self._h2.initiate_connection()
        self.streams = [self._open() for _ in range(count)]
        self._flush()
        self.answers: dict[int, bytes] = {}
        self.ended: dict[int, str] = {}

    def _open(self) -> int:
        stream: int = self._h2.get_next_available_stream_id()  # taken once its headers go
        self._h2.send_headers(
            stream,
            [
                (":method", "POST"),
                (":scheme", "http"),
                (":path", PLAN_PATH),
                (":authority", f"127.0.0.1:{self._port}"),
                ("content-type", "application/grpc"),
                ("te", "trailers"),
            ],
        )
        return stream

    def _send_request(self, stream: int) -> None:
        body = plan_request().SerializeToString()
        self._h2.send_data(stream, struct.pack(">BI", 0, len(body)) + body, end_stream=True)

    def _flush(self) -> None:
        self._socket.sendall(self._h2.data_to_send())

    def wait_until_in_progress(self) -> None:
        """Return once the server's handlers have every held call. The server runs with
        ``held_flags(count)``: a probe call on this connection, after the held ones, is refused
        with RESOURCE_EXHAUSTED (grpc-status 8) exactly when they are all in progress."""
        deadline = time.monotonic() + 10
        while True:
            probe = self._open()
            self._send_request(probe)
            self._flush()
            self._read_until(functools.partial(self.ended.__contains__, probe), deadline)
            assert not set(self.streams) & set(self.ended), f"a held call ended: {self.ended}"
            if self.ended.get(probe) == "grpc-status 8":
                return
            assert time.monotonic() < deadline, "the held calls never reached the handlers"
            time.sleep(0.01)

    def release(self) -> None:
        """Send each held call's request (one gRPC message) and end its stream."""
        for stream in self.streams:
            self._send_request(stream)
        self._flush()

    def outcomes(self, seconds: float) -> dict[int, tuple[str, bytes]]:
        """Read for at most ``seconds`` until every held call has ended; return, per call, how
        (``grpc-status N``, ``reset N``, or ``open`` when it had not ended) and its answer."""
        self._read_until(
            lambda: all(s in self.ended for s in self.streams), time.monotonic() + seconds
        )
        self._socket.close()
        return {s: (self.ended.get(s, "open"), self.answers.get(s, b"")) for s in self.streams}

    def _read_until(self, done: Callable[[], bool], deadline: float) -> None:
        while not done() and time.monotonic() < deadline:
            self._socket.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self._socket.recv(65536)
            except (TimeoutError, ConnectionResetError):
                return
            if not data:
                return
            for event in self._h2.receive_data(data):
                self._note(event)
            # A server that has answered every call it kept closes the connection: what is left
            # to send (acknowledgements) then has nowhere to go, and what was received is read.
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self._flush()

    def _note(self, event: h2.events.Event) -> None:
        stream = getattr(event, "stream_id", None)
        if stream is None:
            return
        if isinstance(event, h2.events.DataReceived):
            self.answers[stream] = self.answers.get(stream, b"") + (event.data or b"")
            self._h2.acknowledge_received_data(event.flow_controlled_length or 0, stream)
        elif isinstance(event, h2.events.TrailersReceived | h2.events.ResponseReceived):
            status = {str(k): str(v) for k, v in event.headers or ()}.get("grpc-status")
            if status is not None:
                self.ended[stream] = f"grpc-status {status}"
        elif isinstance(event, h2.events.StreamReset):
            self.ended[stream] = f"reset {event.error_code}"


def start_held_calls(port: int, count: int) -> HeldCalls:
    """Open ``count`` held calls and return once the server's handlers have them all."""
    held = HeldCalls(port, count)
    held.wait_until_in_progress()
    return held


def held_flags(count: int) -> tuple[str, ...]:
    """The server flags under which ``start_held_calls(port, count)`` can see its calls."""
    return ("--max-concurrent-rpcs", str(count))


def answer_of(frame: bytes) -> pb.PlanRegimenResponse:
    """The one gRPC message of an answer's DATA (a 5-byte prefix, then the message)."""
    compressed, length = struct.unpack(">BI", frame[:5])
    assert compressed == 0
    assert len(frame) == 5 + length
    return pb.PlanRegimenResponse.FromString(frame[5:])


def plan_request() -> pb.PlanRegimenRequest:
    request = pb.PlanRegimenRequest(start_date=date_pb2.Date(year=2026, month=1, day=5))
    profile = request.profile
    profile.formulation = pb.FORMULATION_HYDROXOCOBALAMIN_1000_MCG_PER_ML
    profile.age_years = 40
    profile.deficiency_status = pb.DEFICIENCY_STATUS_CONFIRMED
    profile.neurological_involvement = pb.NEUROLOGICAL_INVOLVEMENT_ABSENT
    return request


def as_call(error: object) -> grpc.Call:
    """A failed call raises an error that is also a grpc.Call (the stubs cannot say so)."""
    assert isinstance(error, grpc.Call)
    return error


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_calls_in_flight_finish_new_calls_are_refused_and_the_process_exits_0(
    signum: signal.Signals,
) -> None:
    with server_process("--grace-seconds", "20", *held_flags(3)) as server:
        in_flight = start_held_calls(server.port, 3)
        server.process.send_signal(signum)
        time.sleep(0.5)  # the server stops accepting calls at once
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = dosing_pb2_grpc.DosingServiceStub(channel)
            with pytest.raises(grpc.RpcError) as refused:
                stub.DescribeRuleSet(pb.DescribeRuleSetRequest(), timeout=5)
            assert as_call(refused.value).code() == grpc.StatusCode.UNAVAILABLE
        in_flight.release()  # the requests of the calls in flight arrive after the signal
        outcomes = in_flight.outcomes(seconds=15)
        assert [how for how, _ in outcomes.values()] == ["grpc-status 0"] * 3
        for _, frame in outcomes.values():
            assert answer_of(frame).WhichOneof("outcome") == "plan"
        assert server.process.wait(timeout=20) == 0
        assert server.process.stderr is not None
        log = server.process.stderr.read()
    assert "contracts off" in server.serving_line
    assert f"{signum.name}: NOT_SERVING" in log
    assert "stopped" in log


def test_calls_beyond_the_grace_period_are_cancelled_and_the_process_exits_0() -> None:
    with server_process(
        "--grace-seconds", "0.5", "--receive-timeout-seconds", "30", *held_flags(1)
    ) as server:
        in_flight = start_held_calls(server.port, 1)  # its request never comes
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        ((how, _),) = in_flight.outcomes(seconds=10).values()
        assert time.monotonic() - started < 2.5  # cut at the grace period
        # Cancelled by the server: a CANCELLED status, a reset of the stream, or the connection
        # closed under it before either.
        assert how == "grpc-status 1" or how.startswith("reset") or how == "open", how
        assert server.process.wait(timeout=20) == 0
