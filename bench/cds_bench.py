"""The CDS Hooks order-sign endpoint against a trivial endpoint of the same app, same run.

    python -O -m bench.cds_bench [--rounds 5] [--duration 10] [--out FILE]

Each round starts the CDS Hooks service afresh (``python -O -m server.cds_hooks``, pinned to core
0, without authentication so that the load needs no tokens) and drives it with ``h2load --h1``
(HTTP/1.1, as EHRs call it) pinned to core 1, at 8 concurrent requests (8 connections, one
request at a time each): first the discovery endpoint (``GET /cds-services``, which only
returns a prebuilt document: the app's own cost of a request), then the order-sign hook with
the example request (``clients/examples/cds-order-sign.json``, dated today). Every request must
be answered 200; the report gives p50 and p99 of each and their ratio per round.
"""

from __future__ import annotations

import argparse
import datetime
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from bench import grpc_bench

ROOT: Final = Path(__file__).resolve().parent.parent
EXAMPLE: Final = ROOT / "clients" / "examples" / "cds-order-sign.json"
SIGN_PATH: Final = "/cds-services/b12-dosing-order-sign"
DISCOVERY_PATH: Final = "/cds-services"
CONCURRENCY: Final = 8
_STARTED: Final = re.compile(rb"Uvicorn running|Application startup complete")


@dataclass(frozen=True)
class CdsRun:
    """One measured run of one endpoint."""

    endpoint: str
    round: int
    rps: float
    p50_us: float
    p99_us: float
    requests: int


def _h2load(url: str, body: Path | None, calls: int, log: Path) -> grpc_bench.LoadResult:
    command = [
        *grpc_bench.pinned(grpc_bench.LOADGEN_CORE),
        "timeout",
        "120",
        "h2load",
        "--h1",
        f"-n{calls}",
        f"-c{CONCURRENCY}",
        "-m1",
        "-t1",
        *([f"-d{body}", "-Hcontent-type: application/json"] if body else []),
        f"--log-file={log}",
        url,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        message = f"h2load exited {done.returncode}: {done.stdout[-1000:]}"
        raise grpc_bench.BenchError(message)
    result = grpc_bench.parse_h2load(done.stdout)
    with log.open() as lines:
        result.latencies_us = sorted(
            int(fields[2])
            for fields in (line.split("\t") for line in lines)
            if len(fields) > grpc_bench.LATENCY_COLUMN
        )
    statuses = re.search(r"status codes: (\d+) 2xx", done.stdout)
    if result.failed or result.errored or result.timeout or statuses is None:
        message = f"{url}: not every request succeeded:\n{done.stdout[-1500:]}"
        raise grpc_bench.BenchError(message)
    if int(statuses[1]) != calls:
        message = f"{url}: {statuses[1]} of {calls} answered 2xx"
        raise grpc_bench.BenchError(message)
    return result


@contextmanager
def _service(workdir: Path) -> Iterator[str]:
    port = grpc_bench.free_port()
    log_path = workdir / "cds.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            [
                *grpc_bench.pinned(grpc_bench.SERVER_CORE),
                sys.executable,
                "-O",
                "-m",
                "server.cds_hooks",
                "--host",
                grpc_bench.HOST,
                "--port",
                str(port),
                "--insecure-no-auth",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
    try:
        deadline = time.monotonic() + 30
        while not _STARTED.search(log_path.read_bytes()):
            if process.poll() is not None or time.monotonic() > deadline:
                message = f"the CDS Hooks service did not start:\n{log_path.read_text()[-2000:]}"
                raise grpc_bench.BenchError(message)
            time.sleep(0.1)
        yield f"http://{grpc_bench.HOST}:{port}"
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(rounds: int, duration: float, workdir: Path) -> list[CdsRun]:
    """Measure both endpoints in each round; return the runs."""
    body = workdir / "order-sign.json"
    body.write_text(
        EXAMPLE.read_text().replace(
            "TODAY", datetime.datetime.now(tz=datetime.UTC).date().isoformat()
        )
    )
    runs: list[CdsRun] = []
    for round_number in range(1, rounds + 1):
        with _service(workdir) as base:
            for endpoint, path, sent in (
                ("discovery", DISCOVERY_PATH, None),
                ("order-sign", SIGN_PATH, body),
            ):
                log = workdir / "latencies.tsv"
                warm = _h2load(base + path, sent, 400, log)
                calls = max(400, int(warm.ok / max(warm.elapsed_s, 1e-6) * duration))
                result = _h2load(base + path, sent, calls, log)
                found = CdsRun(
                    endpoint,
                    round_number,
                    result.ok / result.elapsed_s,
                    grpc_bench.percentile(result.latencies_us, 0.50),
                    grpc_bench.percentile(result.latencies_us, 0.99),
                    result.ok,
                )
                runs.append(found)
                print(
                    f"  round {round_number} {endpoint:10s} {found.rps:7.0f} req/s  "
                    f"p50 {found.p50_us:7.0f} us  p99 {found.p99_us:7.0f} us  "
                    f"({found.requests} requests, all 200)",
                    flush=True,
                )
    return runs


def report(runs: Sequence[CdsRun], command: str) -> list[str]:
    """Return the Markdown report."""
    lines = [
        "# CDS Hooks: order-sign against the discovery endpoint of the same app",
        "",
        f"- date: {datetime.datetime.now(tz=datetime.UTC):%Y-%m-%d %H:%M} UTC",
        f"- command: `{command}`",
        *grpc_bench.machine_description(),
        f"- method: {__doc__.split(chr(10) + chr(10), 2)[2].strip()}".replace("\n", " "),
        "",
        "| endpoint | runs | req/s | p50 µs | p99 µs |",
        "|---|---:|---:|---:|---:|",
    ]
    for endpoint in ("discovery", "order-sign"):
        group = [r for r in runs if r.endpoint == endpoint]
        lines.append(
            f"| {endpoint} | {len(group)} | {grpc_bench.spread([r.rps for r in group])} "
            f"| {grpc_bench.spread([r.p50_us for r in group])} "
            f"| {grpc_bench.spread([r.p99_us for r in group])} |"
        )
    by_round = {(r.endpoint, r.round): r for r in runs}
    rounds = sorted({r.round for r in runs})
    p50 = [by_round["order-sign", n].p50_us / by_round["discovery", n].p50_us for n in rounds]
    p99 = [by_round["order-sign", n].p99_us / by_round["discovery", n].p99_us for n in rounds]
    sign = [r for r in runs if r.endpoint == "order-sign"]
    sign_p50_ms = statistics.median(r.p50_us for r in sign) / 1000
    sign_p99_ms = statistics.median(r.p99_us for r in sign) / 1000
    lines += [
        "",
        (
            f"- order-sign / discovery, same round: p50 {grpc_bench.spread(p50, 2)}, p99 "
            f"{grpc_bench.spread(p99, 2)} (medians [min-max] over {len(rounds)} rounds)"
        ),
        (
            f"- order-sign at {CONCURRENCY} concurrent: p50 {sign_p50_ms:.2f} ms, p99 "
            f"{sign_p99_ms:.2f} ms (medians over the rounds)"
        ),
    ]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    """Run the rounds and print (and with ``--out`` write) the report."""
    parser = argparse.ArgumentParser(prog="python -O -m bench.cds_bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per run")
    parser.add_argument("--out", type=Path, default=None)
    arguments = parser.parse_args(argv)
    command = " ".join(["python", *sys.orig_argv[1:]])
    with tempfile.TemporaryDirectory(prefix="b12-cds-bench-") as scratch:
        try:
            runs = run(arguments.rounds, arguments.duration, Path(scratch))
        except grpc_bench.BenchError as failure:
            print(f"FAILED: {failure}")
            return 1
    lines = report(runs, command)
    if arguments.out is not None:
        arguments.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
