"""What each part of one PlanRegimen call costs in-process (one thread, no network).

    python -O -m bench.call_parts

The gRPC benchmark (``bench.grpc_bench``) measures the server's extra CPU per call over an echo
under load; this splits the server's own work into its parts on the benchmark's request, so the
two together say where the time goes: parsing and serialising (which the echo pays too),
decoding into kernel values, validation, the kernel, encoding the response, the access-log line
and the interceptors. Each figure is the best of five repetitions of ``--calls`` calls.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import platform
import sys
import time
import timeit
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar, cast

import grpc
from b12.dosing.v1 import dosing_pb2 as pb

import kernel
from bench import workload
from server.grpc import app, translate
from server.grpc.config import ServerConfig
from server.grpc.request_decoding import Receiving
from server.grpc.service import DosingServicer

T = TypeVar("T")
RECEIVE_TIMEOUT_SECONDS = ServerConfig().receive_timeout_seconds


class Context:
    """The part of a ServicerContext the handlers use on success."""

    def __init__(self, raw: bytes) -> None:
        """Serve ``raw`` as the request message."""
        self._raw = raw

    async def read(self) -> bytes:
        """Return the request message."""
        return self._raw

    def code(self) -> None:
        """No status set: the call succeeded."""

    async def abort(self, *_: object) -> None:
        """Not reached with the benchmark's valid request."""
        raise AssertionError

    async def abort_with_status(self, *_: object) -> None:
        """Not reached with the benchmark's valid request."""
        raise AssertionError


def finish(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends (a handler on the success path) to its result."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return cast("T", done.value)
    message = "the coroutine suspended"
    raise AssertionError(message)


def _per_call_in_loop(run: Callable[[], Awaitable[object]], calls: int) -> float:
    """Return the best of five: seconds per call of ``await run()`` inside a running loop (the
    receive deadline needs a task)."""

    async def repeat() -> float:
        began = time.perf_counter()
        for _ in range(calls):
            await run()
        return time.perf_counter() - began

    loop = app.new_event_loop()
    try:
        return min(loop.run_until_complete(repeat()) for _ in range(5)) / calls
    finally:
        loop.close()


def parts(calls: int) -> list[tuple[str, float]]:
    """Return (part, microseconds per call) for every part of the call."""
    request = workload.typical_plan()
    raw = request.SerializeToString()
    decoded = translate.decode_plan_request(request)
    outcome = kernel.plan_regimen(decoded.value)
    response = workload.expected_plan_response()
    servicer = DosingServicer(kernel)
    context: Any = Context(raw)

    def encode() -> None:
        message = pb.PlanRegimenResponse()
        translate.encode_plan_outcome(outcome, message)  # type: ignore[arg-type]

    def whole() -> bytes:
        parsed = pb.PlanRegimenRequest.FromString(raw)
        return finish(servicer.PlanRegimen(parsed, context)).SerializeToString()

    async def trivial(_request: object, _context: object) -> pb.PlanRegimenResponse:
        return response

    handler = grpc.unary_unary_rpc_method_handler(
        trivial,
        request_deserializer=pb.PlanRegimenRequest.FromString,
        response_serializer=pb.PlanRegimenResponse.SerializeToString,
    )

    def pipeline(
        *wrappers: Callable[
            [str, grpc.RpcMethodHandler[Any, Any]], grpc.RpcMethodHandler[Any, Any]
        ],
    ) -> Callable[[], Awaitable[object]]:
        found: Any = handler
        for wrap in reversed(wrappers):  # the first is outermost, as the server wraps them
            found = wrap(workload.PLAN_PATH, found)

        async def run() -> object:
            if found.stream_unary is not None:
                return await found.stream_unary(None, context)
            return await found.unary_unary(found.request_deserializer(raw), context)

        return run

    async def plain() -> object:
        found: Any = handler
        return await found.unary_unary(found.request_deserializer(raw), context)

    log = logging.getLogger("b12_dosing.access")
    measured: list[tuple[str, Callable[[], object]]] = [
        ("parse the request (the echo pays it too)", lambda: pb.PlanRegimenRequest.FromString(raw)),
        (
            "decode into kernel values (server.grpc.translate)",
            lambda: translate.decode_plan_request(request),
        ),
        (
            "validate (kernel.validate_plan_request)",
            lambda: kernel.validate_plan_request(decoded.value),
        ),
        (
            "plan, validation included (kernel.plan_regimen)",
            lambda: kernel.plan_regimen(decoded.value),
        ),
        ("encode the response (server.grpc.translate)", encode),
        ("serialise the response (the echo pays it too)", response.SerializeToString),
        ("whole servicer call: parse, decode, plan, encode, serialise", whole),
        (
            "access-log line (logging to a file)",
            lambda: log.info("method=%s code=%s latency_ms=%.3f", workload.PLAN_PATH, "OK", 0.1234),
        ),
    ]
    in_loop: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        ("no interceptor: parse and a trivial handler", plain),
        (
            "request receiving and decoding interceptor: the same",
            pipeline(Receiving(RECEIVE_TIMEOUT_SECONDS).wrap),
        ),
        (
            "metrics + request receiving and decoding: the same, counted (the default)",
            pipeline(app.Registrar(cast("Any", None), ServerConfig(access_log=False)).wrap),
        ),
        (
            "metrics and access log + receiving and decoding: the same, with the line",
            pipeline(app.Registrar(cast("Any", None), ServerConfig(access_log=True)).wrap),
        ),
    ]
    results = []
    for name, function in measured:
        function()
        best = min(timeit.repeat(function, number=calls, repeat=5))
        results.append((name, best / calls * 1e6))
    results += [(name, _per_call_in_loop(run, calls) * 1e6) for name, run in in_loop]
    return results


def main() -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=5000)
    arguments = parser.parse_args()
    logging.basicConfig(
        level="INFO",
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=open(os.devnull, "w"),  # noqa: PTH123, SIM115 (a sink for the access-log lines)
    )
    rows = parts(arguments.calls)
    contracts = "contracts ON" if __debug__ else "contracts off"
    print(f"# Parts of one PlanRegimen call, in-process ({contracts})")
    print()
    print(f"- date: {datetime.datetime.now(tz=datetime.UTC):%Y-%m-%d %H:%M} UTC")
    python = platform.python_version()
    print(f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python {python}")
    print(f"- command: `{' '.join(['python', *sys.orig_argv[1:]])}`")
    print()
    print("| part | µs per call |")
    print("|---|---:|")
    for name, micros in rows:
        print(f"| {name} | {micros:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
