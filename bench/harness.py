"""Server processes and callers for the load, fault, fuzz and security tests, on 127.0.0.1 only.

``ServerProcess`` starts the worker launcher (``python -m server.grpc.workers``) or any other
command on a free loopback port, keeps everything the process writes (the tests read it), waits
until the health service says SERVING, and stops it with a signal. ``KERNEL_WRAPPER`` runs the
server (``server.grpc.main``) over a kernel wrapped by the tests: counting its calls, or failing
on purpose. ``held_call`` starts a call whose request the client sends only when told to (a call
in progress, as a slow client makes one: the kernel runs inline and takes microseconds, so a
call is in progress while its request is on its way).
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Final, Self

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench import workload

HOST: Final = "127.0.0.1"
ROOT: Final = Path(__file__).resolve().parent.parent
_SERVING = re.compile(rb"serving (\S+):(\d+) with \d+ workers")

# ``python -c KERNEL_WRAPPER MODE VALUE STATS_FILE [server flags]``: serve (server.grpc.main) on a
# port reserved here (printed first, as "port N"), over the kernel wrapped as MODE says:
#   count: every operation as it is;
#   fail: PlanRegimen raises ValueError("year <VALUE> is out of range") (a fault whose message
#         carries a request value, as some standard-library errors do).
# Every operation counts "started" and "finished"; the counts and the most calls in progress at
# once are written to STATS_FILE when the server has stopped.
KERNEL_WRAPPER: Final = r"""
import json, sys, threading
import kernel
from server.grpc import main, workers

mode, value, stats_file, *argv = sys.argv[1:]
lock = threading.Lock()
counts = {"started": 0, "finished": 0, "in_progress": 0, "most_in_progress": 0}

def wrap(operation):
    def run(*arguments):
        with lock:
            counts["started"] += 1
            counts["in_progress"] += 1
            counts["most_in_progress"] = max(counts["most_in_progress"], counts["in_progress"])
        try:
            if mode == "fail" and operation is kernel.plan_regimen:
                raise ValueError(f"year {value} is out of range")
            return operation(*arguments)
        finally:
            with lock:
                counts["finished"] += 1
                counts["in_progress"] -= 1
    return run

class Wrapped:
    plan_regimen = staticmethod(wrap(kernel.plan_regimen))
    check_regimen = staticmethod(wrap(kernel.check_regimen))
    assess_course = staticmethod(wrap(kernel.assess_course))
    describe_rules = staticmethod(wrap(kernel.describe_rules))
    validate_plan_request = staticmethod(kernel.validate_plan_request)
    validate_check_request = staticmethod(kernel.validate_check_request)
    validate_course_request = staticmethod(kernel.validate_course_request)

address, holder = workers.reserve_port("127.0.0.1:0")
print("serving", address, "with 1 workers", file=sys.stderr, flush=True)
status = main.main([*argv, "--address", address, "--reuse-port", "true"], kernel=Wrapped())
holder.close()
with open(stats_file, "w") as out:
    json.dump(counts, out)
sys.exit(status)
"""


def python(*, optimize: bool) -> list[str]:
    """Return the interpreter command (with ``-O``: contracts off, as in production)."""
    return [sys.executable, *(["-O"] if optimize else [])]


def workers_command(*flags: str, optimize: bool = True) -> list[str]:
    """Return the command of the worker launcher on a free loopback port."""
    return [
        *python(optimize=optimize),
        "-m",
        "server.grpc.workers",
        "--address",
        f"{HOST}:0",
        *flags,
    ]


def wrapped_kernel_command(
    mode: str, value: float, stats_file: Path, *flags: str, optimize: bool = True
) -> list[str]:
    """Return the command of a server over a wrapped kernel (see ``KERNEL_WRAPPER``)."""
    return [
        *python(optimize=optimize),
        "-c",
        KERNEL_WRAPPER,
        mode,
        str(value),
        str(stats_file),
        *flags,
    ]


HOLD_SECONDS: Final = 30.0


def held_call(
    channel: grpc.Channel, path: str, body: bytes, release: threading.Event, timeout: float = 30
) -> grpc.CallFuture[bytes]:
    """Start a call to ``path`` (deadline ``timeout`` seconds) whose request ``body`` is sent only
    once ``release`` is set (at most ``HOLD_SECONDS`` later): its headers reach the server at
    once, its request message later. The server reads a unary request as the one message of a
    client stream, so the call is an ordinary unary call."""

    def requests() -> Iterator[bytes]:
        if release.wait(HOLD_SECONDS):
            yield body

    call = channel.stream_unary(path, request_serializer=None, response_deserializer=None)
    return call.future(requests(), timeout=timeout)


@dataclass(frozen=True)
class CallStats:
    """What a well-behaved client saw: its OK calls, its failures by code, its latencies."""

    ok: int
    failed: Counter[str]
    latencies_s: tuple[float, ...]

    @property
    def calls(self) -> int:
        """Every call made."""
        return self.ok + sum(self.failed.values())

    @property
    def ok_rate(self) -> float:
        """The fraction of calls that were OK."""
        return self.ok / self.calls if self.calls else 0.0

    @property
    def p99_ms(self) -> float:
        """The 99th percentile latency, in milliseconds."""
        ordered = sorted(self.latencies_s)
        return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000 if ordered else 0.0

    def summary(self) -> str:
        """One line for the test's report."""
        return (
            f"{self.ok}/{self.calls} OK ({self.ok_rate:.2%}), failures {dict(self.failed)}, "
            f"p99 {self.p99_ms:.1f} ms"
        )


def well_behaved_calls(  # noqa: PLR0913 (the knobs of one client)
    target: str,
    seconds: float,
    *,
    channels: int = 4,
    pause_seconds: float = 0.005,
    max_calls: int = 5000,
    timeout: float = 2.0,
    wait_for_ready: bool = False,
) -> CallStats:
    """Call PlanRegimen one call at a time for ``seconds`` (at most ``max_calls``), in turn on
    ``channels`` connections of their own (so that several workers are reached), with a
    ``timeout`` deadline each, and return what came back. With ``wait_for_ready`` a call on a
    connection being re-established waits for it (within its deadline) instead of failing."""
    body = workload.typical_plan().SerializeToString()
    options = [("grpc.use_local_subchannel_pool", 1)]
    opened = [grpc.insecure_channel(target, options=options) for _ in range(channels)]
    calls = [
        channel.unary_unary(workload.PLAN_PATH, request_serializer=None, response_deserializer=None)
        for channel in opened
    ]
    ok = 0
    failed: Counter[str] = Counter()
    latencies: list[float] = []
    stop_at = time.monotonic() + seconds
    try:
        for index in range(max_calls):
            if time.monotonic() > stop_at:
                break
            began = time.perf_counter()
            try:
                calls[index % channels](body, timeout=timeout, wait_for_ready=wait_for_ready)
                ok += 1
            except grpc.RpcError as error:
                failed[error.code().name] += 1
            latencies.append(time.perf_counter() - began)
            time.sleep(pause_seconds)
    finally:
        for channel in opened:
            channel.close()
    return CallStats(ok, failed, tuple(latencies))


_METRICS_AT = re.compile(r"metrics (?:of all workers )?on (http://\S+/metrics)")


def scrape_metrics(server: ServerProcess, timeout: float = 10.0) -> str:
    """Return the Prometheus text a server process serves on the metrics address it logged."""
    deadline = time.monotonic() + timeout
    while (found := _METRICS_AT.search(server.output)) is None:
        if time.monotonic() > deadline:
            message = f"the server logged no metrics address:\n{server.output[-3000:]}"
            raise RuntimeError(message)
        time.sleep(0.05)
    with urllib.request.urlopen(found[1], timeout=timeout) as response:  # noqa: S310 (loopback)
        text: str = response.read().decode("utf-8")
    return text


def rss_bytes(pid: int) -> int:
    """Return the resident set size of process ``pid``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    message = f"no VmRSS for pid {pid}"
    raise OSError(message)


def children(pid: int) -> list[int]:
    """Return the direct children of process ``pid``."""
    found: list[int] = []
    for path in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError):
            found.extend(int(child) for child in path.read_text().split())
    return found


def healthy(target: str, timeout: float = 2.0) -> bool:
    """Return whether the health service at ``target`` says SERVING."""
    try:
        with grpc.insecure_channel(target) as channel:
            response = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=timeout
            )
    except grpc.RpcError:
        return False
    return bool(response.status == health_pb2.HealthCheckResponse.SERVING)


class ServerProcess:
    """A server process on a free loopback port; a context manager that stops it on exit."""

    def __init__(self, command: Sequence[str], env: dict[str, str] | None = None) -> None:
        """Start ``command`` (it must log ``serving HOST:PORT with N workers``)."""
        self.command = list(command)
        environment = {**os.environ, **(env or {})}
        environment["PYTHONPATH"] = os.pathsep.join(
            [str(ROOT), str(ROOT / "clients" / "python"), environment.get("PYTHONPATH", "")]
        )
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and modules)
            self.command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            env=environment,
        )
        self._output: list[bytes] = []
        self._port: int | None = None
        self._port_known = threading.Event()
        self._reader = threading.Thread(target=self._read, name="server-output", daemon=True)
        self._reader.start()
        self.exit_code: int | None = None

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._output.append(line)
            if self._port is None:
                found = _SERVING.search(line)
                if found:
                    self._port = int(found[2])
                    self._port_known.set()
        self._port_known.set()

    @property
    def output(self) -> str:
        """Everything the process wrote so far (standard output and error)."""
        return b"".join(self._output).decode("utf-8", "replace")

    @property
    def port(self) -> int:
        """The port the server listens on (waits until it is logged)."""
        if not self._port_known.wait(30) or self._port is None:
            message = f"the server logged no port:\n{self.output[-3000:]}"
            raise RuntimeError(message)
        return self._port

    @property
    def target(self) -> str:
        """``127.0.0.1:PORT``."""
        return f"{HOST}:{self.port}"

    def wait_healthy(self, timeout: float = 30.0) -> Self:
        """Wait until the health service says SERVING (fail after ``timeout`` seconds)."""
        deadline = time.monotonic() + timeout
        target = self.target
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            if healthy(target):
                return self
            time.sleep(0.1)
        message = f"the server at {target} is not SERVING:\n{self.output[-3000:]}"
        raise RuntimeError(message)

    def send(self, signum: int) -> None:
        """Send ``signum`` to the process."""
        self.process.send_signal(signum)

    def stop(self, signum: int | None = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Send ``signum`` (``None``: nothing) and wait for the exit status (kill after
        ``timeout`` seconds)."""
        if signum is not None and self.process.poll() is None:
            self.process.send_signal(signum)
        try:
            self.exit_code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            self.exit_code = -signal.SIGKILL
        self._reader.join(5)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.exit_code

    def __enter__(self) -> Self:
        """Use as a context manager."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the process if it is still running."""
        if self.process.poll() is None:
            self.stop(signal.SIGTERM, timeout=15)


@contextlib.contextmanager
def serving(command: Sequence[str], env: dict[str, str] | None = None) -> Iterator[ServerProcess]:
    """Start a server process, wait until it is healthy, and stop it afterwards."""
    with ServerProcess(command, env) as server:
        yield server.wait_healthy()
