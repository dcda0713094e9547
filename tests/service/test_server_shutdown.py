"""Graceful shutdown of the real server process: on SIGTERM or SIGINT the calls in flight finish,
new calls are refused, and the process exits 0; calls still running after the grace period are
cancelled and the process still exits 0.

The server runs as a subprocess (``server.grpc.main.main``, the code ``python -m server`` runs) with
a kernel whose plan_regimen is slowed down, so that calls are certainly in flight when the signal
arrives: each call marks its arrival in a folder the test watches.
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
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

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SERVING_LINE = re.compile(r"serving b12\.dosing\.v1\.DosingService on 127\.0\.0\.1:(\d+)")

# Runs server.grpc.main.main with the kernel's plan_regimen slowed down by argv[2] seconds.
SLOW_SERVER = """
import sys, threading, time, pathlib
import kernel
from server.grpc.main import main

class SlowKernel:
    def __getattr__(self, name):
        return getattr(kernel, name)

    def plan_regimen(self, request):
        (pathlib.Path(sys.argv[1]) / f"call-{threading.get_ident()}").touch()
        time.sleep(float(sys.argv[2]))
        return kernel.plan_regimen(request)

sys.exit(main(sys.argv[3:], kernel=SlowKernel()))
"""


@dataclass
class ServerProcess:
    process: subprocess.Popen[str]
    port: int
    arrivals: Path
    serving_line: str

    def wait_for_arrivals(self, count: int, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while len(list(self.arrivals.iterdir())) < count:
            assert time.monotonic() < deadline, "calls never reached the kernel"
            time.sleep(0.02)


@contextmanager
def server_process(tmp_path: Path, delay: float, *flags: str) -> Iterator[ServerProcess]:
    arrivals = tmp_path / "arrivals"
    arrivals.mkdir()
    process = subprocess.Popen(  # noqa: S603 (this interpreter, fixed arguments)
        [
            sys.executable,
            "-O",  # as in production: contracts off
            "-c",
            SLOW_SERVER,
            str(arrivals),
            str(delay),
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
        yield ServerProcess(process, port, arrivals, line)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stderr is not None:
            process.stderr.close()


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
    tmp_path: Path, signum: signal.Signals
) -> None:
    with server_process(tmp_path, 2.0, "--grace-seconds", "20") as server:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = dosing_pb2_grpc.DosingServiceStub(channel)
            in_flight = [stub.PlanRegimen.future(plan_request(), timeout=30) for _ in range(3)]
            server.wait_for_arrivals(3)
            server.process.send_signal(signum)
            time.sleep(0.5)  # the server stops accepting calls within its 0.1 s poll
            with pytest.raises(grpc.RpcError) as refused:
                stub.DescribeRuleSet(pb.DescribeRuleSetRequest(), timeout=5)
            assert as_call(refused.value).code() == grpc.StatusCode.UNAVAILABLE
            for call in in_flight:
                assert call.result().WhichOneof("outcome") == "plan"
        assert server.process.wait(timeout=20) == 0
        assert server.process.stderr is not None
        log = server.process.stderr.read()
    assert "contracts off" in server.serving_line
    assert f"{signum.name}: NOT_SERVING" in log
    assert "stopped" in log


def test_calls_beyond_the_grace_period_are_cancelled_and_the_process_exits_0(
    tmp_path: Path,
) -> None:
    with server_process(tmp_path, 3.0, "--grace-seconds", "0.5") as server:
        with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
            stub = dosing_pb2_grpc.DosingServiceStub(channel)
            in_flight = stub.PlanRegimen.future(plan_request(), timeout=30)
            server.wait_for_arrivals(1)
            started = time.monotonic()
            server.process.send_signal(signal.SIGTERM)
            with pytest.raises(grpc.RpcError) as cancelled:
                in_flight.result()
            assert time.monotonic() - started < 2.5  # cut at the grace period, not at 3 s
            assert as_call(cancelled.value).code() in {
                grpc.StatusCode.CANCELLED,
                grpc.StatusCode.UNAVAILABLE,
            }
        assert server.process.wait(timeout=20) == 0
