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
import collections
import datetime
import logging
import os
import platform
import sys
import timeit
from collections.abc import Callable
from typing import Any

import grpc
from b12.dosing.v1 import dosing_pb2 as pb
from grpc import _interceptor

import kernel
from bench import workload
from server.grpc import translate
from server.grpc.access_log import AccessLogInterceptor
from server.grpc.request_decoding import RequestDecodingInterceptor
from server.grpc.service import DosingServicer


class _Context:
    """The part of a ServicerContext the handlers use on success."""

    def code(self) -> None:
        """No status set: the call succeeded."""

    def abort(self, *_: object) -> None:
        """Not reached with the benchmark's valid request."""
        raise AssertionError

    def abort_with_status(self, *_: object) -> None:
        """Not reached with the benchmark's valid request."""
        raise AssertionError


_Details = collections.namedtuple("_Details", "method invocation_metadata")  # noqa: PYI024


def parts(calls: int) -> list[tuple[str, float]]:
    """Return (part, microseconds per call) for every part of the call."""
    request = workload.typical_plan()
    raw = request.SerializeToString()
    decoded = translate.decode_plan_request(request)
    outcome = kernel.plan_regimen(decoded.value)
    response = workload.expected_plan_response()
    servicer = DosingServicer(kernel)
    context: Any = _Context()

    def encode() -> None:
        message = pb.PlanRegimenResponse()
        translate.encode_plan_outcome(outcome, message)  # type: ignore[arg-type]

    def whole() -> bytes:
        parsed = pb.PlanRegimenRequest.FromString(raw)
        return servicer.PlanRegimen(parsed, context).SerializeToString()

    handler = grpc.unary_unary_rpc_method_handler(
        lambda _request, _context: response,
        request_deserializer=pb.PlanRegimenRequest.FromString,
        response_serializer=pb.PlanRegimenResponse.SerializeToString,
    )
    details = _Details(workload.PLAN_PATH, ())

    def pipeline(interceptors: list[Any]) -> Callable[[], object]:
        service: Any = _interceptor.service_pipeline(interceptors)

        def run() -> object:
            found: Any = service.execute(lambda _details: handler, details)
            argument = (
                raw if found.request_deserializer is None else found.request_deserializer(raw)
            )
            return found.unary_unary(argument, context)

        return run

    def plain() -> object:
        found: Any = handler
        return found.unary_unary(found.request_deserializer(raw), context)

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
        ("no interceptor: parse and a trivial handler", plain),
        ("request-decoding interceptor: the same", pipeline([RequestDecodingInterceptor()])),
        (
            "access log + request decoding: the same, with the line",
            pipeline([AccessLogInterceptor(), RequestDecodingInterceptor()]),
        ),
    ]
    results = []
    for name, function in measured:
        function()
        best = min(timeit.repeat(function, number=calls, repeat=5))
        results.append((name, best / calls * 1e6))
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
