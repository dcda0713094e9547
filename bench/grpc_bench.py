"""The gRPC server against an echo of its own proto, measured in the same run.

    python -O -m bench.grpc_bench                  # full: 5 rounds x 10 s, c = 1, 16, 64
    python -O -m bench.grpc_bench --quick          # under a minute: c = 64 only, 3 rounds x 3 s
    python -O -m bench.grpc_bench --out bench/results/grpc-server-vs-echo.md

The machine is shared, so absolute figures move by tens of percent between runs; ratios against
an echo measured next to them move by a few percent. Each round starts the echo
(``bench.echo_server``) and then the server (``server.grpc.workers``) afresh, with the same flags,
one worker process pinned to core 0, and drives each with ``h2load`` (nghttp2-client) pinned to
core 1, sending real gRPC frames (the ``bench.workload.typical_plan`` request) at each
concurrency (64 = 16 connections x 4 streams). A second part compares two server workers
sharing the port (one per core, h2load not pinned) against one, at c = 64.

Every run proves its load was real: at each start one real gRPC call returns OK with the
expected response and ``nghttp -v`` with the h2load body shows ``grpc-status: 0``; after each
run the server's own count of calls the kernel answered equals h2load's successes, and the
response DATA bytes equal successes x the expected frame size. A failed check stops the
benchmark. Every run is bounded by a call count and by ``timeout``; only 127.0.0.1 is used.

Per run it records req/s, p50/p99 latency (h2load's per-request log), the server's CPU time per
call (user + system time of its processes over the calls it answered) and the CPU used by other
processes on the machine (``/proc/stat`` busy time minus ours). A pair (echo run, server run) is
dropped when others used over ``--max-foreign`` cores in either run or the two differ by over
``--max-foreign-delta`` cores; the report says how many. It gives medians [min-max] of the
paired ratios.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import datetime
import json
import os
import platform
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import timeit
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import grpc
from b12.dosing.v1 import dosing_pb2 as pb
from b12.dosing.v1 import dosing_pb2_grpc

from bench import workload

CLOCK_TICKS: Final = os.sysconf("SC_CLK_TCK")
HOST: Final = "127.0.0.1"
SERVER_CORE: Final = "0"
LOADGEN_CORE: Final = "1"
MAX_CONNECTIONS: Final = 16
SATURATING_CONCURRENCY: Final = 64
LATENCY_COLUMN: Final = 2  # h2load --log-file: start time, status, latency in microseconds


ROOT: Final = Path(__file__).resolve().parent.parent
BEFORE: Final = "before"  # the source tree of --before REV


@dataclass(frozen=True)
class Variant:
    """A server to measure: the module that launches it, its launcher flags and the source
    tree it runs from (``None``: this one; ``BEFORE``: the export of ``--before REV``)."""

    name: str
    module: str
    flags: tuple[str, ...]
    loadgen_cpus: str | None  # None: h2load not pinned
    environment: tuple[tuple[str, str], ...] = ()
    tree: str | None = None


ECHO: Final = Variant(
    "echo", "bench.echo_server", ("--workers", "1", "--cpus", SERVER_CORE), LOADGEN_CORE
)
SERVER: Final = Variant(
    "server", "server.grpc.workers", ("--workers", "1", "--cpus", SERVER_CORE), LOADGEN_CORE
)
SERVER_NO_LOG: Final = Variant(
    "server-no-access-log",
    "server.grpc.workers",
    ("--workers", "1", "--cpus", SERVER_CORE, "--access-log", "false"),
    LOADGEN_CORE,
)
ECHO_INTERCEPTORS: Final = Variant(
    "echo-with-server-interceptors",
    "bench.echo_server",
    ("--workers", "1", "--cpus", SERVER_CORE),
    LOADGEN_CORE,
    (("B12_ECHO_INTERCEPTORS", "1"),),
)
TWO_WORKERS: Final = Variant(
    "server-2-workers", "server.grpc.workers", ("--workers", "2", "--cpus", "0,1"), None
)
ECHO_TWO_WORKERS: Final = Variant(
    "echo-2-workers", "bench.echo_server", ("--workers", "2", "--cpus", "0,1"), None
)
TWO_WORKER_NAMES: Final = frozenset({TWO_WORKERS.name, ECHO_TWO_WORKERS.name})
ECHO_ASYNCIO: Final = Variant(
    "echo-asyncio",
    "bench.echo_server",
    ("--workers", "1", "--cpus", SERVER_CORE, "--event-loop", "asyncio"),
    LOADGEN_CORE,
)
SERVER_ASYNCIO: Final = Variant(
    "server-asyncio",
    "server.grpc.workers",
    ("--workers", "1", "--cpus", SERVER_CORE, "--event-loop", "asyncio"),
    LOADGEN_CORE,
)
SERVER_ACCESS_LOG: Final = Variant(
    "server-access-log",
    "server.grpc.workers",
    ("--workers", "1", "--cpus", SERVER_CORE, "--access-log", "true"),
    LOADGEN_CORE,
)
ECHO_BEFORE: Final = dataclasses.replace(ECHO, name="echo-before", tree=BEFORE)
SERVER_BEFORE: Final = dataclasses.replace(SERVER, name="server-before", tree=BEFORE)
VARIANTS: Final = {
    v.name: v
    for v in (
        ECHO,
        SERVER,
        SERVER_NO_LOG,
        ECHO_INTERCEPTORS,
        TWO_WORKERS,
        ECHO_ASYNCIO,
        SERVER_ASYNCIO,
        SERVER_ACCESS_LOG,
    )
}


def export_tree(revision: str, where: Path) -> Path:
    """Write the files of ``revision`` (``git archive``) under ``where`` and return the folder."""
    where.mkdir(parents=True)
    archive = subprocess.run(  # noqa: S603 (fixed arguments)
        ["git", "-C", str(ROOT), "archive", revision],  # noqa: S607 (git from PATH)
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(where)], input=archive, check=True)  # noqa: S603, S607
    return where


class BenchError(RuntimeError):
    """A check failed: the load was not what it claims to be."""


class LoadTimeoutError(BenchError):
    """h2load did not finish within its time limit."""


TIMEOUT_STATUS: Final = 124  # what `timeout` exits with when it stopped the command

# ---------------------------------------------------------------------------------------------
# /proc readings.
# ---------------------------------------------------------------------------------------------


def process_tree(pid: int) -> list[int]:
    """Return ``pid`` and all its descendants."""
    found: list[int] = []
    todo = [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo.extend(int(child) for child in children.read_text().split())
    return found


def cpu_seconds(pids: Sequence[int]) -> float:
    """Return the user + system CPU seconds of ``pids``."""
    ticks = 0
    for pid in pids:
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / CLOCK_TICKS


def machine_ticks() -> list[int]:
    """Return the machine's CPU time counters (user nice system idle iowait irq softirq steal)."""
    return [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]


def own_and_children_cpu() -> float:
    """Return the CPU seconds of this process and of its waited-for children (h2load)."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def server_calls(stats_dir: Path) -> int:
    """Return the sum of the per-process call counts the server processes wrote."""
    total = 0
    for path in stats_dir.glob("calls.*"):
        if path.suffix != ".tmp":
            with contextlib.suppress(OSError, ValueError):
                total += int(path.read_text() or 0)
    return total


def free_port() -> int:
    """Return a port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


# ---------------------------------------------------------------------------------------------
# Load generation.
# ---------------------------------------------------------------------------------------------

_UNITS: Final = {"us": 1e-6, "ms": 1e-3, "s": 1.0}


@dataclass
class LoadResult:
    """What h2load reports for one run."""

    elapsed_s: float
    total: int
    ok: int
    failed: int
    errored: int
    timeout: int
    data_bytes: int
    latencies_us: list[int] = dataclasses.field(default_factory=list)


def parse_h2load(text: str) -> LoadResult:
    """Read h2load's summary."""
    finished = re.search(r"finished in ([\d.]+)(us|ms|s), ([\d.]+) req/s", text)
    requests = re.search(
        r"requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, "
        r"(\d+) errored, (\d+) timeout",
        text,
    )
    traffic = re.search(
        r"traffic: .*?\((\d+)\) total, .*?\((\d+)\) headers .*?\((\d+)\) data", text
    )
    if not (finished and requests and traffic):
        message = "cannot read h2load's output:\n" + text[-2000:]
        raise BenchError(message)
    return LoadResult(
        elapsed_s=float(finished[1]) * _UNITS[finished[2]],
        total=int(requests[1]),
        ok=int(requests[4]),
        failed=int(requests[5]),
        errored=int(requests[6]),
        timeout=int(requests[7]),
        data_bytes=int(traffic[3]),
    )


def pinned(cpus: str | None) -> list[str]:
    """Return the prefix that pins a command to ``cpus`` (none for ``None``)."""
    return [] if cpus is None else ["taskset", "-c", cpus]


def h2load(  # noqa: PLR0913 (the knobs of one h2load run)
    url: str,
    body: Path,
    *,
    concurrency: int,
    calls: int,
    cpus: str | None,
    time_limit: float,
    log: Path | None = None,
) -> LoadResult:
    """Send ``calls`` gRPC calls at ``concurrency`` (connections x streams) and return the
    result; with ``log``, the per-request latencies too."""
    connections = min(concurrency, MAX_CONNECTIONS)
    streams = max(1, concurrency // connections)
    command = [
        *pinned(cpus),
        "timeout",
        str(int(time_limit)),
        "h2load",
        f"-n{calls}",
        f"-c{connections}",
        f"-m{streams}",
        "-t1",
        f"-d{body}",
        "-Hcontent-type: application/grpc",
        "-Hte: trailers",
        *([f"--log-file={log}"] if log else []),
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        message = f"h2load exited {done.returncode}: {done.stdout[-1500:]} {done.stderr[-500:]}"
        if done.returncode == TIMEOUT_STATUS:
            raise LoadTimeoutError(message)
        raise BenchError(message)
    result = parse_h2load(done.stdout)
    if log is not None:
        with log.open() as lines:
            result.latencies_us = sorted(
                int(fields[2])
                for fields in (line.split("\t") for line in lines)
                if len(fields) > LATENCY_COLUMN
            )
        log.unlink()
    return result


def percentile(values: Sequence[int], fraction: float) -> float:
    """Return the nearest-rank percentile of sorted ``values``."""
    index = min(len(values) - 1, max(0, round(fraction * (len(values) - 1))))
    return float(values[index])


# ---------------------------------------------------------------------------------------------
# Servers.
# ---------------------------------------------------------------------------------------------


def verify_grpc(target: str, expected: pb.PlanRegimenResponse, wait: float) -> None:
    """Make one real gRPC call (retrying until ``wait`` seconds pass): status OK and the
    expected response."""
    deadline = time.monotonic() + wait
    error = "not tried"
    while time.monotonic() < deadline:
        try:
            with grpc.insecure_channel(target) as channel:
                stub = dosing_pb2_grpc.DosingServiceStub(channel)
                response, call = stub.PlanRegimen.with_call(workload.typical_plan(), timeout=3)
            if call.code() != grpc.StatusCode.OK:
                error = f"status {call.code()}"
            elif response != expected:
                message = "the response differs from the expected one"
                raise BenchError(message)
            else:
                return
        except grpc.RpcError as failure:
            error = repr(failure)[:300]
        time.sleep(0.2)
    message = f"no OK gRPC call to {target}: {error}"
    raise BenchError(message)


def verify_nghttp(url: str, body: Path, expected: pb.PlanRegimenResponse) -> None:
    """Send the h2load body through ``nghttp``: trailer ``grpc-status: 0``, and the DATA
    decodes to the expected response."""
    headers = ["-H", "content-type: application/grpc", "-H", "te: trailers", "-d", str(body)]
    verbose = subprocess.run(  # noqa: S603 (our own arguments)
        ["nghttp", "-v", *headers, url],  # noqa: S607 (the tool on PATH)
        capture_output=True,
        timeout=10,
        check=False,
    )
    if b"grpc-status: 0" not in verbose.stdout:
        message = "nghttp: no 'grpc-status: 0' trailer"
        raise BenchError(message)
    data = subprocess.run(  # noqa: S603 (our own arguments)
        ["nghttp", *headers, url],  # noqa: S607 (the tool on PATH)
        capture_output=True,
        timeout=10,
        check=False,
    ).stdout
    frames = workload.unframe(data)
    if len(frames) != 1 or pb.PlanRegimenResponse.FromString(frames[0]) != expected:
        message = "nghttp: the DATA is not the expected response"
        raise BenchError(message)


@dataclass
class Running:
    """A started server: its launcher process, stats folder, log and address."""

    variant: Variant
    process: subprocess.Popen[bytes]
    stats_dir: Path
    log_path: Path
    target: str

    @property
    def url(self) -> str:
        """The PlanRegimen URL h2load sends to."""
        return f"http://{self.target}{workload.PLAN_PATH}"

    def url_of(self, path: str) -> str:
        """Return the URL of method ``path``."""
        return f"http://{self.target}{path}"


@contextlib.contextmanager
def started(
    variant: Variant,
    workdir: Path,
    body: Path,
    expected: pb.PlanRegimenResponse,
    trees: dict[str, Path],
) -> Iterator[Running]:
    """Start ``variant`` afresh (from its source tree), verify it, and stop it afterwards (it
    must exit 0)."""
    stats_dir = workdir / f"stats-{variant.name}"
    shutil.rmtree(stats_dir, ignore_errors=True)
    target = f"{HOST}:{free_port()}"
    log_path = workdir / f"{variant.name}.log"
    command = [
        sys.executable,
        *(["-O"] if sys.flags.optimize else []),
        "-m",
        variant.module,
        *variant.flags,
        "--stats-dir",
        str(stats_dir),
        "--address",
        target,
    ]
    environment = {**os.environ, **dict(variant.environment)}
    tree = ROOT
    if variant.tree is not None:
        tree = trees[variant.tree]
        environment["PYTHONPATH"] = os.pathsep.join([str(tree), str(tree / "clients" / "python")])
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and modules)
            command, stdout=log, stderr=subprocess.STDOUT, env=environment, cwd=tree
        )
    running = Running(variant, process, stats_dir, log_path, target)
    try:
        verify_grpc(target, expected, wait=30)
        verify_nghttp(running.url, body, expected)
        yield running
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = -9
        log_path.unlink(missing_ok=True)
    if code != 0:
        message = f"{variant.name} exited with status {code} after SIGTERM"
        raise BenchError(message)


# ---------------------------------------------------------------------------------------------
# One measured run.
# ---------------------------------------------------------------------------------------------


@dataclass
class Run:
    """The record of one measured run."""

    variant: str
    concurrency: int
    round: int
    rps: float
    p50_us: float
    p99_us: float
    server_cpu_us_per_call: float
    loadgen_cpu_us_per_call: float
    foreign_cores: float
    calls: int
    ok: int
    data_bytes: int
    elapsed_s: float
    items_per_call: int = 1


def settled_calls(stats_dir: Path, expected: int) -> int:
    """Read the server's count until it equals ``expected`` or stops changing (the counts are
    written five times a second)."""
    previous = -1
    for _ in range(20):
        time.sleep(0.25)
        current = server_calls(stats_dir)
        if current in {expected, previous}:
            return current
        previous = current
    return server_calls(stats_dir)


@dataclass(frozen=True)
class CaseFiles:
    """One benchmark request: its method, its h2load body and the frame size of its answer."""

    path: str
    body: Path
    frame_bytes: int
    items: int


STANDARD_CASE: Final = "plan-standard"


def in_process_plan_us(calls: int = 2000) -> float:
    """Return the microseconds of one whole PlanRegimen servicer call in this process, the best
    of five repetitions, averaged over the three representative plans."""
    import kernel  # noqa: PLC0415 (only this part needs the kernel in the benchmark process)
    from bench import call_parts  # noqa: PLC0415
    from server.grpc.service import DosingServicer  # noqa: PLC0415

    servicer = DosingServicer(kernel)
    costs = []
    for request in (
        workload.typical_plan(),
        workload.neurological_plan(),
        workload.bariatric_plan(),
    ):
        raw = request.SerializeToString()
        context: object = call_parts.Context(raw)

        def whole(raw: bytes = raw, context: object = context) -> bytes:
            parsed = pb.PlanRegimenRequest.FromString(raw)
            answer = call_parts.finish(servicer.PlanRegimen(parsed, context))  # type: ignore[arg-type]
            return answer.SerializeToString()

        whole()
        costs.append(min(timeit.repeat(whole, number=calls, repeat=5)) / calls * 1e6)
    return statistics.mean(costs)


def label(variant: str, case: str) -> str:
    """Return the name of a variant's runs on ``case`` (the variant's own for the standard plan)."""
    return variant if case == STANDARD_CASE else f"{variant} {case}"


class Bench:
    """Runs the rounds and keeps the records."""

    def __init__(self, arguments: argparse.Namespace, workdir: Path) -> None:
        """Prepare the request body and the expected response."""
        self.arguments = arguments
        self.workdir = workdir
        self.body = workdir / "request.bin"
        self.body.write_bytes(workload.grpc_frame(workload.typical_plan()))
        self.expected = workload.expected_plan_response()
        self.frame_bytes = len(workload.grpc_frame(self.expected))
        self.cases: dict[str, CaseFiles] = {}
        for case in workload.benchmark_cases():
            if case.name in arguments.cases:
                body = workdir / f"request-{case.name}.bin"
                body.write_bytes(workload.grpc_frame(case.request))
                frame = len(workload.grpc_frame(workload.expected_response(case)))
                self.cases[case.name] = CaseFiles(case.path, body, frame, case.items)
        self.rate_hint: dict[tuple[str, int], float] = {}
        self.runs: list[Run] = []
        self.retried: list[str] = []
        self.trees: dict[str, Path] = {}
        self.in_process_us: list[float] = []
        if arguments.before_tree:
            self.trees[BEFORE] = arguments.before_tree
        elif arguments.before:
            self.trees[BEFORE] = export_tree(arguments.before, workdir / "before")

    def calls_for(self, running: Running, concurrency: int, case: str) -> int:
        """Warm up with a short run and return the call count for about ``--duration`` s."""
        key = (label(running.variant.name, case), concurrency)
        files = self.cases[case]
        warm = h2load(
            running.url_of(files.path),
            files.body,
            concurrency=concurrency,
            calls=1000 if concurrency == 1 else 4000,
            cpus=running.variant.loadgen_cpus,
            time_limit=60,
        )
        rate = self.rate_hint.get(key) or warm.ok / max(warm.elapsed_s, 1e-6)
        return int(min(self.arguments.max_calls, max(1000, rate * self.arguments.duration)))

    def measure(self, running: Running, concurrency: int, round_number: int, case: str) -> Run:
        """Run one measured load of ``case`` and check it."""
        calls = self.calls_for(running, concurrency, case)
        files = self.cases[case]
        name = label(running.variant.name, case)
        pids = process_tree(running.process.pid)
        time.sleep(0.3)
        before_calls = settled_calls(running.stats_dir, -1)
        before_cpu, before_machine, before_ours = (
            cpu_seconds(pids),
            machine_ticks(),
            own_and_children_cpu(),
        )
        log = self.workdir / "latencies.tsv"
        result = h2load(
            running.url_of(files.path),
            files.body,
            concurrency=concurrency,
            calls=calls,
            cpus=running.variant.loadgen_cpus,
            time_limit=3 * self.arguments.duration + 30,
            log=log,
        )
        after_cpu, after_machine, after_ours = (
            cpu_seconds(pids),
            machine_ticks(),
            own_and_children_cpu(),
        )
        expected_items = result.ok * files.items
        handled = settled_calls(running.stats_dir, before_calls + expected_items) - before_calls
        self.check(name, concurrency, result, handled // files.items, calls, files.frame_bytes)
        if handled != expected_items:
            message = f"{name}: the kernel answered {handled} items, expected {expected_items}"
            raise BenchError(message)
        server_cpu = after_cpu - before_cpu
        ours = after_ours - before_ours
        delta = [
            after - before for before, after in zip(before_machine, after_machine, strict=True)
        ]
        wall_cores = sum(delta) / CLOCK_TICKS / len(os.sched_getaffinity(0) or {0})
        busy = (sum(delta) - delta[3] - delta[4]) / CLOCK_TICKS
        wall = max(wall_cores, 1e-9)
        run = Run(
            variant=name,
            concurrency=concurrency,
            round=round_number,
            rps=result.ok / result.elapsed_s,
            p50_us=percentile(result.latencies_us, 0.50),
            p99_us=percentile(result.latencies_us, 0.99),
            server_cpu_us_per_call=server_cpu / result.ok * 1e6,
            loadgen_cpu_us_per_call=ours / result.ok * 1e6,
            foreign_cores=round(max(0.0, busy - server_cpu - ours) / wall, 3),
            calls=handled,
            ok=result.ok,
            data_bytes=result.data_bytes,
            elapsed_s=result.elapsed_s,
            items_per_call=files.items,
        )
        self.rate_hint[(name, concurrency)] = run.rps
        self.runs.append(run)
        print(
            f"  round {round_number} {run.variant:22s} c={concurrency:<3d} "
            f"{run.rps:8.0f} req/s  p50 {run.p50_us:6.0f} us  p99 {run.p99_us:6.0f} us  "
            f"server CPU {run.server_cpu_us_per_call:6.1f} us/call  "
            f"others {run.foreign_cores:.2f} cores  calls {handled} = ok {result.ok}",
            flush=True,
        )
        return run

    def check(  # noqa: PLR0913, PLR0917 (one run's figures)
        self,
        name: str,
        concurrency: int,
        result: LoadResult,
        handled: int,
        calls: int,
        frame_bytes: int,
    ) -> None:
        """Fail unless every call succeeded, was answered by the kernel, and carried the
        expected response frame."""
        where = f"{name} c={concurrency}"
        if result.ok != calls or result.failed or result.errored or result.timeout:
            message = (
                f"{where}: {result.ok} of {calls} succeeded ({result.failed} failed, "
                f"{result.errored} errored, {result.timeout} timed out)"
            )
            raise BenchError(message)
        if handled != result.ok:
            message = f"{where}: the server answered {handled} calls, h2load saw {result.ok}"
            raise BenchError(message)
        if result.data_bytes != result.ok * frame_bytes:
            message = (
                f"{where}: {result.data_bytes} response bytes, expected {result.ok} x {frame_bytes}"
            )
            raise BenchError(message)

    def measure_in_process(self) -> None:
        """Time the servicer's whole PlanRegimen call in this process (parse, decode, plan,
        encode, serialise) on the three plans a benchmark batch holds, on the server's core (as
        the server runs), and keep the mean."""
        allowed = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {int(SERVER_CORE)})
        try:
            self.in_process_us.append(in_process_plan_us())
        finally:
            os.sched_setaffinity(0, allowed)

    def run_pairs(
        self,
        variants: Sequence[Variant],
        concurrencies: Sequence[int],
        cases: Sequence[str] = (STANDARD_CASE,),
    ) -> None:
        """Run the rounds: each variant in turn, started afresh, at every concurrency on the
        standard plan, and at c=64 on every other case."""
        for round_number in range(1, self.arguments.rounds + 1):
            if any(self.cases[case].items > 1 for case in cases):
                self.measure_in_process()
            for variant in variants:
                with started(
                    variant, self.workdir, self.body, self.expected, self.trees
                ) as running:
                    for case in cases:
                        on_case = (
                            concurrencies if case == STANDARD_CASE else [SATURATING_CONCURRENCY]
                        )
                        for concurrency in on_case:
                            self.measure_once_more_after_a_timeout(
                                running, concurrency, round_number, case
                            )

    def measure_once_more_after_a_timeout(
        self, running: Running, concurrency: int, round_number: int, case: str
    ) -> None:
        """Measure; after an h2load timeout (a stall of the shared machine), check that the
        server still answers and measure once more. A second timeout stops the benchmark."""
        try:
            self.measure(running, concurrency, round_number, case)
        except LoadTimeoutError as stall:
            where = f"round {round_number} {label(running.variant.name, case)} c={concurrency}"
            print(f"  {where}: h2load timed out; measuring again", flush=True)
            print(f"  {str(stall)[:300]}", flush=True)
            self.retried.append(where)
            verify_grpc(running.target, self.expected, wait=10)
            self.measure(running, concurrency, round_number, case)


# ---------------------------------------------------------------------------------------------
# Report.
# ---------------------------------------------------------------------------------------------


def spread(values: Sequence[float], digits: int = 0) -> str:
    """``median [min-max]``."""
    middle = statistics.median(values)
    if len(values) == 1:
        return f"{middle:,.{digits}f}"
    return f"{middle:,.{digits}f} [{min(values):,.{digits}f}-{max(values):,.{digits}f}]"


@dataclass(frozen=True)
class Pairs:
    """The kept pairs (reference run, measured run) of one comparison at one concurrency."""

    kept: list[tuple[Run, Run]]
    dropped: int

    def ratios(self, value: Callable[[Run], float]) -> list[float]:
        """Return measured / reference of ``value`` for each kept pair."""
        return [value(b) / value(a) for a, b in self.kept]

    def differences(self, value: Callable[[Run], float]) -> list[float]:
        """Return measured - reference of ``value`` for each kept pair."""
        return [value(b) - value(a) for a, b in self.kept]


def paired(
    runs: Sequence[Run],
    reference: str,
    measured: str,
    concurrency: int,
    arguments: argparse.Namespace,
) -> Pairs:
    """Pair the runs of ``measured`` with those of ``reference`` in the same round."""
    by_round = {(run.variant, run.round): run for run in runs if run.concurrency == concurrency}
    kept: list[tuple[Run, Run]] = []
    dropped = 0
    rounds = sorted({run.round for run in runs})
    for round_number in rounds:
        a = by_round.get((reference, round_number))
        b = by_round.get((measured, round_number))
        if a is None or b is None:
            continue
        if measured in TWO_WORKER_NAMES:
            # Two workers take both cores and so crowd the other processes out: judge the pair
            # by the one-worker run alone.
            noisy = a.foreign_cores > arguments.max_foreign
        else:
            noisy = (
                max(a.foreign_cores, b.foreign_cores) > arguments.max_foreign
                or abs(a.foreign_cores - b.foreign_cores) > arguments.max_foreign_delta
            )
        if noisy and not arguments.keep_noisy:
            dropped += 1
        else:
            kept.append((a, b))
    return Pairs(kept, dropped)


def machine_description() -> list[str]:
    """Return lines describing the machine and the software measured."""
    model = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    memory = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
    h2load_version = subprocess.run(
        ["h2load", "--version"],  # noqa: S607 (the tool on PATH)
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    from google import protobuf  # noqa: PLC0415 (only for its version)

    return [
        (
            f"- machine: {model}, {os.cpu_count()} cores, {int(memory) // 1024} MiB, "
            f"Linux {platform.release()}"
        ),
        (
            f"- software: Python {platform.python_version()}, grpcio {grpc.__version__}, "
            f"protobuf {protobuf.__version__}, {h2load_version}"
        ),
    ]


def report(bench: Bench, variants: Sequence[Variant], command: str) -> list[str]:  # noqa: C901, PLR0912 (one table after another)
    """Return the Markdown report; its last line is the req/s ratio at c = 64."""
    arguments = bench.arguments
    runs = bench.runs
    lines = [
        "# gRPC server against an echo of its proto",
        "",
        f"- date: {datetime.datetime.now(tz=datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- command: `{command}`",
        *machine_description(),
        (
            f"- method: {arguments.rounds} rounds; each round starts each server afresh (one "
            f"worker process on core {SERVER_CORE}, contracts off) and drives it with h2load on "
            f"core {LOADGEN_CORE} for about {arguments.duration:g} s per concurrency "
            "(64 = 16 connections x 4 streams), after a warm-up run. Request: "
            "`bench.workload.typical_plan` "
            f"({len(workload.typical_plan().SerializeToString())} B); response frame "
            f"{bench.frame_bytes} B."
        ),
        (
            "- checks, every run: one real gRPC call OK with the expected response and `nghttp -v` "
            "`grpc-status: 0` at each start; server-counted calls = h2load successes; response "
            "DATA bytes = successes x frame size; every server exited 0 on SIGTERM. All passed "
            "(a failed check stops the benchmark)."
        ),
        f"- runs measured again after an h2load timeout: {', '.join(bench.retried) or 'none'}",
        f"- pairs dropped when other processes used over {arguments.max_foreign:g} cores in "
        f"either run or the two runs differ by over {arguments.max_foreign_delta:g} cores (for 1 "
        "against 2 workers: when they used over that in the 1-worker run; two workers take "
        "both cores and crowd the others out)"
        + (" (not applied: --keep-noisy)" if arguments.keep_noisy else ""),
        "",
        "## Runs (median [min-max] over rounds)",
        "",
        (
            "| server | conc | runs | req/s | p50 µs | p99 µs | server CPU µs/call "
            "| h2load CPU µs/call | other processes (cores) |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    keys: list[tuple[str, int]] = []
    for run in runs:
        if (run.variant, run.concurrency) not in keys:
            keys.append((run.variant, run.concurrency))
    for name, concurrency in keys:
        group = [r for r in runs if r.variant == name and r.concurrency == concurrency]
        lines.append(
            f"| {name} | {concurrency} | {len(group)} | {spread([r.rps for r in group])} "
            f"| {spread([r.p50_us for r in group])} | {spread([r.p99_us for r in group])} "
            f"| {spread([r.server_cpu_us_per_call for r in group], 1)} "
            f"| {spread([r.loadgen_cpu_us_per_call for r in group], 1)} "
            f"| {spread([r.foreign_cores for r in group], 2)} |"
        )
    lines += [
        "",
        "## Paired ratios (same round; median [min-max])",
        "",
        (
            "| measured / reference | conc | pairs kept (dropped) | extra server CPU µs/call "
            "| req/s ratio | p50 ratio | p99 ratio (information) |"
        ),
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    references = {ECHO.name, ECHO_BEFORE.name, ECHO_ASYNCIO.name}
    comparisons = [
        (
            ECHO_BEFORE.name
            if v.tree == BEFORE
            else ECHO_ASYNCIO.name
            if v.name == SERVER_ASYNCIO.name
            else ECHO.name,
            v.name,
        )
        for v in variants
        if v.name not in references
    ]
    if ECHO_ASYNCIO.name in {v.name for v in variants}:
        comparisons.append((ECHO.name, ECHO_ASYNCIO.name))
    if arguments.before:
        comparisons += [(ECHO_BEFORE.name, ECHO.name), (SERVER_BEFORE.name, SERVER.name)]
    comparisons += [
        (label(reference, case), label(measured, case))
        for reference, measured in list(comparisons)
        for case in arguments.cases
        if case != STANDARD_CASE
    ]
    if arguments.workers_rounds:
        comparisons.append((ECHO.name + "-1-worker", ECHO_TWO_WORKERS.name))
        comparisons.append((SERVER.name + "-1-worker", TWO_WORKERS.name))
    headline: dict[str, str] = {}
    workers_ratios: dict[str, list[float]] = {}
    for reference, measured in comparisons:
        for concurrency in sorted({r.concurrency for r in runs}):
            pairs = paired(runs, reference, measured, concurrency, arguments)
            if not pairs.kept:
                if pairs.dropped:
                    lines.append(
                        f"| {measured} / {reference} | {concurrency} | 0 ({pairs.dropped}) "
                        "| | | | |"
                    )
                continue
            cpu = pairs.differences(lambda r: r.server_cpu_us_per_call)
            rps = pairs.ratios(lambda r: r.rps)
            p50 = pairs.ratios(lambda r: r.p50_us)
            p99 = pairs.ratios(lambda r: r.p99_us)
            lines.append(
                f"| {measured} / {reference} | {concurrency} | {len(pairs.kept)} "
                f"({pairs.dropped}) | {spread(cpu, 1)} | {spread(rps, 2)} | {spread(p50, 2)} "
                f"| {spread(p99, 2)} |"
            )
            case = measured.removeprefix(SERVER.name).strip() or STANDARD_CASE
            if (
                reference == label(ECHO.name, case)
                and measured == label(SERVER.name, case)
                and not case.startswith("batch")
            ):
                if concurrency == SATURATING_CONCURRENCY:
                    headline[f"c64 {case}"] = (
                        f"{case}, c=64: extra server CPU per call over echo {spread(cpu, 1)} µs "
                        f"(goal <= 50), req/s ratio {spread(rps, 2)} (goal >= 0.75)"
                    )
                if concurrency in {1, 16} and case == STANDARD_CASE:
                    headline[f"p50-{concurrency}"] = (
                        f"p50 ratio server/echo at c={concurrency}: {spread(p50, 2)}"
                        + (" (goal <= 1.3)" if concurrency == 1 else "")
                    )
            if measured in TWO_WORKER_NAMES:
                workers_ratios[measured] = rps
                headline[measured] = (
                    f"req/s ratio {measured} / 1 worker at c={concurrency}: {spread(rps, 2)}"
                )
    lines += batch_lines(bench, headline)
    if len(workers_ratios) == len(TWO_WORKER_NAMES):
        gap = statistics.median(workers_ratios[TWO_WORKERS.name]) - statistics.median(
            workers_ratios[ECHO_TWO_WORKERS.name]
        )
        headline["workers-gap"] = (
            f"two workers against one, server's ratio less the echo's: {gap:+.2f} "
            "(goal: within 0.05)"
        )
    lines += ["", "## Summary", ""]
    lines += [f"- {text}" for _, text in sorted(headline.items())]
    return lines


def batch_lines(bench: Bench, headline: dict[str, str]) -> list[str]:
    """Return the batch section: per batch size, the server's CPU per plan against the
    in-process servicer cost per plan, and plans per second against the per-call calls per
    second, each pair from the same round."""
    runs = bench.runs
    per_call = {
        r.round: r
        for r in runs
        if r.variant == SERVER.name and r.concurrency == SATURATING_CONCURRENCY
    }
    sizes = sorted({r.items_per_call for r in runs if r.items_per_call > 1})
    if not sizes or not bench.in_process_us:
        return []
    in_process = statistics.median(bench.in_process_us)
    lines = [
        "",
        "## Batches of plans (server, c=64; against the per-call PlanRegimen run of its round)",
        "",
        (
            "In-process servicer cost per plan (parse, decode, plan, encode, serialise; mean of "
            "the three plans a batch holds), measured on the server's core at the start of each "
            "round: "
            f"{spread(bench.in_process_us, 1)} µs."
        ),
        "",
        (
            "| batch | rounds | server CPU µs per plan | / in-process cost | plans/s "
            "| / per-call req/s |"
        ),
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        batch_runs = [
            r
            for r in runs
            if r.variant == label(SERVER.name, f"batch-plan-{size}") and r.round in per_call
        ]
        if not batch_runs:
            continue
        cpu = [r.server_cpu_us_per_call / size for r in batch_runs]
        ratio_cpu = [value / in_process for value in cpu]
        plans = [r.rps * size for r in batch_runs]
        ratio_rate = [r.rps * size / per_call[r.round].rps for r in batch_runs]
        lines.append(
            f"| {size} | {len(batch_runs)} | {spread(cpu, 1)} | {spread(ratio_cpu, 2)} "
            f"| {spread(plans)} | {spread(ratio_rate, 1)} |"
        )
        headline[f"batch-{size:03d}"] = (
            f"batch of {size} plans: server CPU per plan {spread(ratio_cpu, 2)} x the in-process "
            f"servicer cost (goal <= 1.3); plans per second {spread(ratio_rate, 1)} x the "
            "per-call req/s (goal >= 5)"
        )
    return lines


def chosen_variants(arguments: argparse.Namespace) -> list[Variant]:
    """Return the variants to measure in each round, references first."""
    variants = [ECHO, *(VARIANTS[name] for name in arguments.variants)]
    if arguments.before:
        variants = [ECHO_BEFORE, SERVER_BEFORE, *variants]
    return variants


def main(argv: Sequence[str] | None = None) -> int:  # noqa: PLR0915 (the options, then the parts)
    """Run the benchmark and print (and with ``--out`` write) the report."""
    parser = argparse.ArgumentParser(
        prog="python -O -m bench.grpc_bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="c=64 only, 3 rounds x 3 s")
    parser.add_argument(
        "--cases",
        nargs="+",
        default=[STANDARD_CASE],
        choices=[case.name for case in workload.benchmark_cases()],
        help="requests to measure (the standard plan at every --concurrency, the others at 64)",
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--variants", nargs="+", default=[SERVER.name], choices=sorted(VARIANTS))
    parser.add_argument(
        "--workers-rounds", type=int, default=5, help="rounds of 1 vs 2 workers at c=64 (0: skip)"
    )
    parser.add_argument("--max-calls", type=int, default=2_000_000, help="cap per run")
    parser.add_argument("--max-foreign", type=float, default=1.2)
    parser.add_argument("--max-foreign-delta", type=float, default=0.3)
    parser.add_argument("--keep-noisy", action="store_true", help="drop no pair")
    parser.add_argument("--out", type=Path, default=None, help="write the Markdown report here")
    parser.add_argument("--jsonl", type=Path, default=None, help="write every run here")
    parser.add_argument(
        "--before",
        default=None,
        metavar="REV",
        help="also measure the server and echo of git revision REV (exported with git archive)"
        " in the same rounds, to show what a change costs",
    )
    parser.add_argument(
        "--before-tree",
        type=Path,
        default=None,
        metavar="DIR",
        help="the files of --before REV already exported here (when this tree is an export)",
    )
    arguments = parser.parse_args(argv)
    if arguments.quick:
        arguments.rounds, arguments.duration, arguments.concurrency = 3, 3.0, [64]
        arguments.workers_rounds = 0
        arguments.keep_noisy = True
    if not sys.flags.optimize:
        print("note: run with python -O (contracts off), as the server runs in production")
    for tool in ("h2load", "nghttp", "taskset", "timeout"):
        if shutil.which(tool) is None:
            print(f"missing {tool}: apt-get install nghttp2-client util-linux coreutils")
            return 2
    if len(os.sched_getaffinity(0)) < 2:  # noqa: PLR2004 (server core + load generator core)
        print("needs two cores (server on core 0, h2load on core 1)")
        return 2
    command = " ".join(["python", *sys.orig_argv[1:]])
    variants = chosen_variants(arguments)
    with tempfile.TemporaryDirectory(prefix="b12-bench-") as scratch:
        bench = Bench(arguments, Path(scratch))
        try:
            print(
                f"server vs echo: {arguments.rounds} rounds x {arguments.duration:g} s", flush=True
            )
            bench.run_pairs(variants, arguments.concurrency, arguments.cases)
            if arguments.workers_rounds:
                print(f"1 vs 2 workers: {arguments.workers_rounds} rounds, c=64", flush=True)
                one = dataclasses.replace(SERVER, name=SERVER.name + "-1-worker")
                echo_one = dataclasses.replace(ECHO, name=ECHO.name + "-1-worker")
                saved = arguments.rounds
                arguments.rounds = arguments.workers_rounds
                bench.run_pairs([echo_one, ECHO_TWO_WORKERS, one, TWO_WORKERS], [64])
                arguments.rounds = saved
        except BenchError as failure:
            print(f"FAILED: {failure}")
            return 1
        lines = report(bench, variants, command)
    if arguments.jsonl is not None:
        arguments.jsonl.write_text(
            "".join(json.dumps(dataclasses.asdict(run)) + "\n" for run in bench.runs)
        )
    if arguments.out is not None:
        arguments.out.write_text("\n".join(lines) + "\n")
    print()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
