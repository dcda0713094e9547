"""Load and soak: 64 concurrent callers at about 80% of the measured capacity.

The server runs as in production (``python -O -m server.grpc.workers``, one worker per core, access
log on) on 127.0.0.1. First the 64 callers run flat out for a few seconds to measure what this
machine (server and this Python client together) can do; then they are paced at 80% of that for
``B12_SOAK_SECONDS`` seconds (30 by default, as in CI; ``make soak`` runs 10 minutes). Every
call must be OK and answer exactly what the first call of the same request answered (the
service is deterministic), and the servers' memory must stay flat. Bounded by time and by
count; loopback only.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import time
from collections import Counter
from dataclasses import dataclass, field

import grpc
import pytest

from bench import harness, workload

SOAK_SECONDS = float(os.environ.get("B12_SOAK_SECONDS", "30"))
CAPACITY_SECONDS = 4.0
CALLERS = 64
CHANNELS = 8
LOAD_FRACTION = 0.8
CALL_TIMEOUT_SECONDS = 10.0
# Memory growth allowed from the end of the warm-up to the end of the soak, for all workers
# together. Generous on purpose: Python's allocator and glibc's per-thread arenas keep what they
# once held, and gRPC sizes its per-connection buffers to the traffic, so a healthy server still
# drifts by a few MiB after warming up. A leak of 1 KiB per call would exceed it within the CI
# run's 30 s (over 50,000 calls), and one of 100 bytes per call within ``make soak``.
RSS_GROWTH_LIMIT_BYTES = 48 * 1024 * 1024


@dataclass
class Tally:
    """What the callers saw."""

    codes: Counter[str] = field(default_factory=Counter)
    mismatches: int = 0
    calls: int = 0


def _server_rss(server: harness.ServerProcess) -> int:
    pids = harness.children(server.process.pid) or [server.process.pid]
    return sum(harness.rss_bytes(pid) for pid in pids)


async def _drive(  # noqa: PLR0913 (the knobs of one load phase)
    target: str,
    *,
    seconds: float,
    rate: float | None,
    max_calls: int,
    expected: dict[str, bytes],
    tally: Tally,
) -> float:
    """Run CALLERS callers for ``seconds`` (paced at ``rate`` calls/s, or flat out for
    ``None``); return the calls per second achieved."""
    options = [("grpc.use_local_subchannel_pool", 1)]  # one TCP connection per channel
    channels = [grpc.aio.insecure_channel(target, options=options) for _ in range(CHANNELS)]
    calls = workload.calls()
    methods = [
        [
            channel.unary_unary(call.path, request_serializer=None, response_deserializer=None)
            for call in calls
        ]
        for channel in channels
    ]  # bytes in, bytes out
    bodies = [call.request.SerializeToString() for call in calls]
    slots = itertools.count()
    started = time.monotonic()
    stop_at = started + seconds

    async def caller(index: int) -> None:
        per_channel = methods[index % CHANNELS]
        while True:
            slot = next(slots)
            if slot >= max_calls:
                return
            due = started + slot / rate if rate else time.monotonic()
            if due >= stop_at or time.monotonic() >= stop_at:
                return
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            kind = slot % len(calls)
            try:
                answer = await per_channel[kind](bodies[kind], timeout=CALL_TIMEOUT_SECONDS)
            except grpc.aio.AioRpcError as error:
                tally.codes[error.code().name] += 1
                continue
            finally:
                tally.calls += 1
            tally.codes["OK"] += 1
            name = calls[kind].name
            if expected.setdefault(name, answer) != answer:
                tally.mismatches += 1

    try:
        before = tally.calls
        await asyncio.gather(*(caller(index) for index in range(CALLERS)))
        return (tally.calls - before) / (time.monotonic() - started)
    finally:
        for channel in channels:
            await channel.close(grace=None)


@pytest.mark.e2e
def test_soak_64_callers_at_80_percent_of_capacity(capsys: pytest.CaptureFixture[str]) -> None:
    command = harness.workers_command()
    with harness.serving(command) as server:
        expected: dict[str, bytes] = {}
        warm = Tally()
        capacity = asyncio.run(
            _drive(
                server.target,
                seconds=CAPACITY_SECONDS,
                rate=None,
                max_calls=1_000_000,
                expected=expected,
                tally=warm,
            )
        )
        rate = LOAD_FRACTION * capacity
        rss_start = _server_rss(server)
        soak = Tally()
        max_calls = int(rate * SOAK_SECONDS * 1.1) + CALLERS
        began = time.monotonic()
        achieved = asyncio.run(
            _drive(
                server.target,
                seconds=SOAK_SECONDS,
                rate=rate,
                max_calls=max_calls,
                expected=expected,
                tally=soak,
            )
        )
        elapsed = time.monotonic() - began
        rss_end = _server_rss(server)
        alive = server.process.poll() is None
        exit_code = server.stop()
    growth = rss_end - rss_start
    with capsys.disabled():
        print(  # noqa: T201 (the counts belong in CI's log)
            f"\n[soak] capacity {capacity:.0f} calls/s ({warm.calls} calls, codes "
            f"{dict(warm.codes)}); paced at {rate:.0f}/s for {elapsed:.1f} s: {soak.calls} calls,"
            f" {achieved:.0f}/s, codes {dict(soak.codes)}, mismatches {soak.mismatches}; "
            f"server RSS {rss_start / 2**20:.1f} -> {rss_end / 2**20:.1f} MiB "
            f"({growth / 2**20:+.1f} MiB, {growth / max(soak.calls, 1):+.1f} B/call)"
        )
    assert warm.codes == Counter({"OK": warm.calls})
    assert soak.codes == Counter({"OK": soak.calls})
    assert soak.mismatches == 0
    assert len(expected) == len(workload.calls())
    # The load was real: at least 30% of the target (the machine is shared, and its capacity
    # can drop after it was measured; far below that the test would not load the server).
    assert soak.calls >= 0.3 * rate * SOAK_SECONDS
    assert growth <= RSS_GROWTH_LIMIT_BYTES
    assert alive
    assert exit_code == 0
