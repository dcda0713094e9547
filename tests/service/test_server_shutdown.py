"""Graceful shutdown of the real server process: on SIGTERM or SIGINT the calls in flight finish,
new calls are refused, and the process exits 0; calls still running after the grace period are
cancelled and the process still exits 0.

The server runs as a subprocess (``python -O -m server``). The calls in flight are calls whose
request the client holds back (``bench.harness.held_call``): their headers have reached the
server, their request is sent only after the signal, so they are certainly in progress when it
arrives. The kernel itself runs inline and takes microseconds.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from b12.dosing.v1 import dosing_pb2 as pb
from b12.dosing.v1 import dosing_pb2_grpc
from google.type import date_pb2

from bench import harness

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


def start_held_calls(
    channel: grpc.Channel, count: int, release: threading.Event
) -> list[grpc.CallFuture[bytes]]:
    """Start ``count`` PlanRegimen calls whose requests wait for ``release``; return once the
    server's handlers have them: a PlanRegimen call made after them on the same connection has
    its answer (the server takes the calls of one method in the order they came)."""
    body = plan_request().SerializeToString()
    calls = [harness.held_call(channel, PLAN_PATH, body, release) for _ in range(count)]
    dosing_pb2_grpc.DosingServiceStub(channel).PlanRegimen(plan_request(), timeout=10)
    return calls


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
    release = threading.Event()
    with server_process("--grace-seconds", "20") as server:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = dosing_pb2_grpc.DosingServiceStub(channel)
            in_flight = start_held_calls(channel, 3, release)
            server.process.send_signal(signum)
            time.sleep(0.5)  # the server stops accepting calls at once
            with pytest.raises(grpc.RpcError) as refused:
                stub.DescribeRuleSet(pb.DescribeRuleSetRequest(), timeout=5)
            assert as_call(refused.value).code() == grpc.StatusCode.UNAVAILABLE
            release.set()  # the requests of the calls in flight arrive after the signal
            for call in in_flight:
                answer = pb.PlanRegimenResponse.FromString(call.result())
                assert answer.WhichOneof("outcome") == "plan"
        assert server.process.wait(timeout=20) == 0
        assert server.process.stderr is not None
        log = server.process.stderr.read()
    assert "contracts off" in server.serving_line
    assert f"{signum.name}: NOT_SERVING" in log
    assert "stopped" in log


def test_calls_beyond_the_grace_period_are_cancelled_and_the_process_exits_0() -> None:
    release = threading.Event()  # never set: the request never comes
    with server_process("--grace-seconds", "0.5", "--receive-timeout-seconds", "30") as server:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            (in_flight,) = start_held_calls(channel, 1, release)
            started = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            with pytest.raises(grpc.RpcError) as cancelled:
                in_flight.result()
            assert time.monotonic() - started < 2.5  # cut at the grace period
            assert as_call(cancelled.value).code() in {
                grpc.StatusCode.CANCELLED,
                grpc.StatusCode.UNAVAILABLE,
            }
        assert server.process.wait(timeout=20) == 0
