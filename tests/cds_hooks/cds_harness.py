"""Shared helpers of the CDS Hooks tests: the service as a real process, its memory, and a
well-behaved client that keeps calling it while a test attacks it.

Everything talks to 127.0.0.1 only, and every loop is bounded in count and time.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final

import cds_spec
import cds_tokens
import httpx
import uvicorn
from starlette.applications import Starlette

from server.cds_hooks.limits import DEFAULT_LIMITS
from server.cds_hooks.serving import uvicorn_config

ROOT: Final = Path(__file__).resolve().parents[2]


def http_client(
    base_url: str = "", *, auth: httpx.Auth | None = None, timeout: float = 10
) -> httpx.Client:
    """Return an httpx client whose every response is checked against CDS Hooks 2.0
    (``cds_spec.RECORDER``): the CDS Hooks tests call the service through it."""
    return httpx.Client(
        base_url=base_url, auth=auth, timeout=timeout, event_hooks=cds_spec.event_hooks()
    )


def free_port() -> int:
    """Return a port of 127.0.0.1 that was free a moment ago."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServiceProcess:
    """``python -m server.cds_hooks`` running on 127.0.0.1."""

    process: subprocess.Popen[bytes]
    base_url: str
    log: IO[bytes]

    @property
    def pid(self) -> int:
        """The service's process id."""
        return self.process.pid

    def log_text(self) -> str:
        """Return what the service has written to standard error so far."""
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")


@contextlib.contextmanager
def serve(
    args: Sequence[str] = (),
    *,
    keys: cds_tokens.EhrKeys | None = None,
    env: dict[str, str] | None = None,
) -> Iterator[ServiceProcess]:
    """Run the service in its own process with ``args``, trusting the JWTs of ``keys`` (or with
    authentication off when ``keys`` is None); stop it afterwards."""
    port = free_port()
    jwks = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)  # noqa: SIM115
    if keys is None:
        args = [*args, "--insecure-no-auth"]
    else:
        jwks.write(json.dumps(keys.jwks()))
        args = [
            *args,
            "--service-url",
            f"http://127.0.0.1:{port}",
            "--trusted-issuer-jwks-file",
            f"{cds_tokens.ISSUER}={jwks.name}",
        ]
    jwks.close()
    log = tempfile.TemporaryFile("w+b")  # noqa: SIM115 (closed in the finally below)
    command = [sys.executable, "-m", "server.cds_hooks", "--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(  # noqa: S603 (our own module, fixed arguments)
        [*command, *args],
        cwd=ROOT,
        env={
            **os.environ,
            "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'clients' / 'python'}",
            **(env or {}),
        },
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    service = ServiceProcess(process, f"http://127.0.0.1:{port}", log)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{service.base_url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, service.log_text()
            assert time.monotonic() < deadline, "the service did not start"
            time.sleep(0.1)
        yield service
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
        log.close()
        Path(jwks.name).unlink(missing_ok=True)


def rss_bytes(pid: int) -> int:
    """Return the resident set size of process ``pid``."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    message = f"no VmRSS for process {pid}"
    raise AssertionError(message)


@dataclass
class CallStats:
    """What a well-behaved client saw: each call's status (0: no answer) and latency."""

    statuses: list[int] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def ok_ratio(self) -> float:
        """The share of calls answered 200."""
        return sum(status == 200 for status in self.statuses) / max(len(self.statuses), 1)

    def p99_ms(self) -> float:
        """The 99th percentile latency."""
        if len(self.latencies_ms) < 2:
            return self.latencies_ms[0] if self.latencies_ms else float("nan")
        return statistics.quantiles(self.latencies_ms, n=100)[98]

    def summary(self) -> str:
        """One line for the test's output."""
        ok = sum(status == 200 for status in self.statuses)
        return (
            f"well-behaved client: {ok}/{len(self.statuses)} OK ({self.ok_ratio:.2%}),"
            f" p50 {statistics.median(self.latencies_ms):.1f} ms, p99 {self.p99_ms():.1f} ms"
        )


@contextlib.contextmanager
def well_behaved_client(
    call: Callable[[httpx.Client], int],
    base_url: str,
    auth: httpx.Auth | None = None,
    max_calls: int = 20000,
) -> Iterator[CallStats]:
    """Call ``call`` in a loop in a thread (a pause of 5 ms between calls) while the block runs."""
    stats = CallStats()
    stop = threading.Event()

    def loop() -> None:
        with http_client(base_url, auth=auth, timeout=5) as client:
            for _ in range(max_calls):
                if stop.is_set():
                    return
                started = time.perf_counter()
                try:
                    status = call(client)
                except httpx.HTTPError:
                    status = 0
                stats.latencies_ms.append((time.perf_counter() - started) * 1000)
                stats.statuses.append(status)
                stop.wait(0.005)

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield stats
    finally:
        stop.set()
        thread.join(timeout=30)


@contextlib.contextmanager
def listening_socket() -> Iterator[socket.socket]:
    """Return a socket bound to a free port of 127.0.0.1 (closed afterwards)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    try:
        yield sock
    finally:
        sock.close()


def url_of(sock: socket.socket) -> str:
    """Return the base URL of a bound socket."""
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextlib.contextmanager
def serve_in_thread(app: Starlette, sock: socket.socket) -> Iterator[str]:
    """Serve ``app`` (as ``python -m server.cds_hooks`` would) on ``sock`` in a thread."""
    config = uvicorn_config(app, host="127.0.0.1", port=0, limits=DEFAULT_LIMITS)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "the server stopped"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def run_module(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """Run ``python -m server.cds_hooks`` with ``args`` to completion (at most 30 s)."""
    return subprocess.run(  # noqa: S603 (our own module, fixed arguments)
        [sys.executable, "-m", "server.cds_hooks", *args],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'clients' / 'python'}"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
