"""Held streams and rapid reset cannot starve the server: a well-behaved client keeps succeeding.

Each attack is a real low-level HTTP/2 client (``bench.h2_attacks``, written with h2) in a
process of its own, against a real server process (one worker or two) on 127.0.0.1; meanwhile a
well-behaved client calls PlanRegimen one call at a time on four connections of its own
(``bench.harness.well_behaved_calls``). Each test asserts the well-behaved client's OK rate and
prints its p99 (latency is reported, never asserted: the machine is shared). Every attack is
bounded by its count and its time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import pytest

from bench import harness
from server.grpc.config import ServerConfig

pytestmark = pytest.mark.e2e

# The server's receive deadline in these tests: held streams end after it.
RECEIVE_TIMEOUT_SECONDS = 2.0
STREAM_LIMIT = ServerConfig().max_concurrent_streams  # calls per connection
DEADLINE_EXCEEDED = "4"  # the gRPC status code in the trailers
ENHANCE_YOUR_CALM = "11"  # the HTTP/2 error code of a refused stream over the limit
WELL_BEHAVED_SECONDS = 3.0
MIN_OK_RATE = 0.99


def _report(capsys: pytest.CaptureFixture[str], text: str) -> None:
    with capsys.disabled():
        print(f"\n[held streams] {text}")  # noqa: T201 (the counts belong in CI's log)


def _attack(*arguments: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 (this interpreter, our own module)
        [sys.executable, "-m", "bench.h2_attacks", *arguments],
        cwd=harness.ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def _outcome(attack: subprocess.Popen[str]) -> dict[str, Any]:
    output, _ = attack.communicate(timeout=60)
    assert attack.returncode == 0
    found: dict[str, Any] = json.loads(output)
    return found


def _server(workers: int) -> list[str]:
    return harness.workers_command(
        "--workers",
        str(workers),
        "--access-log",
        "false",
        "--receive-timeout-seconds",
        str(RECEIVE_TIMEOUT_SECONDS),
    )


@pytest.mark.parametrize("workers", [1, 2], ids=["1-worker", "2-workers"])
@pytest.mark.parametrize(
    ("connections", "streams"),
    [(1, 8), (1, 300), (4, 8)],
    ids=["8-on-1-connection", "300-on-1-connection", "8-on-each-of-4"],
)
def test_held_streams_do_not_starve_a_well_behaved_client(
    workers: int, connections: int, streams: int, capsys: pytest.CaptureFixture[str]
) -> None:
    with harness.serving(_server(workers)) as server:
        attack = _attack(
            "hold",
            "--port",
            str(server.port),
            "--connections",
            str(connections),
            "--streams",
            str(streams),
            "--seconds",
            str(RECEIVE_TIMEOUT_SECONDS + 2),
        )
        time.sleep(0.5)  # the streams are open
        calls = harness.well_behaved_calls(server.target, WELL_BEHAVED_SECONDS)
        held = _outcome(attack)
        healthy = harness.healthy(server.target)
    accepted = min(streams, STREAM_LIMIT) * connections
    _report(
        capsys,
        f"{connections} x {streams} held streams, {workers} worker(s): well-behaved client "
        f"{calls.summary()}; held streams ended with grpc-status {held['statuses']}, resets "
        f"{held['resets']} (after {held['seconds_to_last_end']:.1f} s)",
    )
    assert calls.ok_rate >= MIN_OK_RATE
    assert healthy
    # The streams within the limit ended at the receive deadline, the others were refused.
    assert held["statuses"] == {DEADLINE_EXCEEDED: accepted}
    assert held["resets"].get(ENHANCE_YOUR_CALM, 0) == held["opened"] - accepted


@pytest.mark.parametrize("workers", [1, 2], ids=["1-worker", "2-workers"])
def test_rapid_reset_does_not_starve_a_well_behaved_client(
    workers: int, capsys: pytest.CaptureFixture[str]
) -> None:
    resets, seconds = 100_000, 10.0
    with harness.serving(_server(workers)) as server:
        attack = _attack(
            "reset", "--port", str(server.port), "--resets", str(resets), "--seconds", str(seconds)
        )
        time.sleep(0.5)
        calls = harness.well_behaved_calls(server.target, seconds - 1.0)
        outcome = _outcome(attack)
        healthy = harness.healthy(server.target)
    _report(
        capsys,
        f"rapid reset, {outcome['sent']} resets in {outcome['seconds']:.1f} s, {workers} "
        f"worker(s): well-behaved client {calls.summary()}; attacker's connection: GOAWAY "
        f"{outcome['goaway']} {outcome['goaway_error']}, closed {outcome['closed']}",
    )
    assert calls.ok_rate >= MIN_OK_RATE
    assert healthy
    # The attack ran in full (the server neither fell over nor stopped reading).
    assert outcome["sent"] == resets or outcome["closed"]
