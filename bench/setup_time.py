"""Time `make run` from a fresh clone until the server answers SERVING, with a cold and a warm
package cache.

    .venv/bin/python bench/setup_time.py [--warm-runs 3] [--out bench/results/setup-time.md]

Each run clones this repository (its current commit) into a new temporary folder and starts
`make run` there on free loopback ports, then calls the standard health service every 0.1 s until
it answers SERVING; the time from the start of `make` to that answer is the figure. The first run
has empty uv and pip caches of its own (every package downloaded from PyPI: cold); the next runs
share the caches the first one filled (warm), each in a new clone with no virtual environment.
The server is stopped after each run (SIGTERM to the process group of that `make`).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

ROOT: Final = Path(__file__).resolve().parent.parent
POLL_SECONDS: Final = 0.1
LIMIT_SECONDS: Final = 600.0


@dataclass(frozen=True)
class Run:
    """One `make run` from a fresh clone."""

    cache: str
    seconds: float
    progress: tuple[str, ...]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _serving(address: str) -> bool:
    try:
        with grpc.insecure_channel(address) as channel:
            response = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=""), timeout=0.5
            )
    except grpc.RpcError:
        return False
    return bool(response.status == health_pb2.HealthCheckResponse.SERVING)


def time_make_run(commit: str, caches: Path, label: str) -> Run:
    """Clone at ``commit``, run `make run` with the caches under ``caches``, return the time."""
    with tempfile.TemporaryDirectory(prefix="b12-setup-") as folder:
        clone = Path(folder) / "clone"
        subprocess.run(  # noqa: S603 (git on our own repository)
            ["git", "clone", "--quiet", str(ROOT), str(clone)],  # noqa: S607
            check=True,
        )
        subprocess.run(  # noqa: S603
            ["git", "-C", str(clone), "checkout", "--quiet", commit],  # noqa: S607
            check=True,
        )
        port, cds_port = _free_port(), _free_port()
        environment = {
            **os.environ,
            "UV_CACHE_DIR": str(caches / "uv"),
            "PIP_CACHE_DIR": str(caches / "pip"),
        }
        log = Path(folder) / "make-run.log"
        with log.open("w") as output:
            started = time.monotonic()
            make = subprocess.Popen(  # noqa: S603 (the command being measured)
                ["make", "run", f"ARGS=--address 127.0.0.1:{port}", f"CDS_PORT={cds_port}"],  # noqa: S607
                cwd=clone,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                while not _serving(f"127.0.0.1:{port}"):
                    if make.poll() is not None:
                        message = f"make run exited {make.returncode}:\n{log.read_text()}"
                        raise SystemExit(message)
                    if time.monotonic() - started > LIMIT_SECONDS:
                        message = f"not SERVING after {LIMIT_SECONDS} s:\n{log.read_text()}"
                        raise SystemExit(message)
                    time.sleep(POLL_SECONDS)
                seconds = time.monotonic() - started
            finally:
                os.killpg(make.pid, signal.SIGTERM)
                make.wait(timeout=60)
        lines = log.read_text().splitlines()
        progress = tuple(
            line
            for line in lines
            if line.startswith(
                ("==", "Resolved", "Prepared", "Installed", "Downloading", "Successfully")
            )
        )
    return Run(label, seconds, progress)


def report(runs: list[Run], commit: str) -> str:
    """Return the results as Markdown."""
    cold = [run.seconds for run in runs if run.cache == "cold"]
    warm = [run.seconds for run in runs if run.cache == "warm"]
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    measured = (
        f"Measured {today} at commit `{commit[:12]}` with `.venv/bin/python bench/setup_time.py`"
        f" (how: its docstring), on the project's machine ({os.cpu_count()} cores,"
        f" {platform.system()}), `make run` with its default Python, 3.11."
    )
    cold_row = (
        f"| cold (empty uv and pip caches: everything from PyPI) | {len(cold)} |"
        f" {', '.join(f'{s:.1f}' for s in cold)} |"
    )
    warm_row = (
        f"| warm (the caches of the cold run; a new clone each time) | {len(warm)} |"
        f" median {statistics.median(warm):.1f} [{min(warm):.1f}-{max(warm):.1f}] |"
    )
    lines = [
        "# `make run` from a fresh clone to SERVING",
        "",
        measured,
        "",
        "| package cache | runs | seconds to SERVING |",
        "|---|---|---|",
        cold_row,
        warm_row,
        "",
        "What `make run` printed as it installed (the last warm run):",
        "",
        "```",
        *runs[-1].progress,
        "```",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    """Measure and print (and with --out, write) the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warm-runs", type=int, default=3)
    parser.add_argument("--out", type=Path, help="write the Markdown report here")
    arguments = parser.parse_args()
    commit = subprocess.run(  # noqa: S603
        ["git", "-C", str(ROOT), "rev-parse", "HEAD"],  # noqa: S607
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="b12-caches-") as folder:
        caches = Path(folder)
        runs = [time_make_run(commit, caches, "cold")]
        print(f"cold: {runs[-1].seconds:.1f} s", flush=True)
        for _ in range(arguments.warm_runs):
            runs.append(time_make_run(commit, caches, "warm"))
            print(f"warm: {runs[-1].seconds:.1f} s", flush=True)
    text = report(runs, commit)
    print(text)
    if arguments.out:
        arguments.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
