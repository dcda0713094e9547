"""The benchmark's baseline: an echo of the project's own service.

    python -O -m bench.echo_server --workers 1 --cpus 0 --stats-dir DIR --address 127.0.0.1:0

It serves ``b12.dosing.v1.DosingService/PlanRegimen`` with the same gRPC flavour as the real
server (the synchronous thread-pool server), the same options (thread count, message size and
concurrent-call limits, SO_REUSEPORT) read from the same flags and environment variables
(``server.grpc.config``), and the same worker-process launcher (``server.grpc.workers``). Its
handler returns a prebuilt response: the real server's answer to the benchmark request
(``bench.workload.expected_plan_response``). gRPC still parses each request and serialises the
response, so the difference between the echo and the server is the server's own work per call:
decoding, the kernel, building the response, the access log.

With ``B12_ECHO_INTERCEPTORS=1`` in its environment the echo also runs the server's interceptors
(the access log when it is on, and request decoding), which separates what they cost from what
the translation and the kernel cost.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Sequence
from concurrent import futures
from types import FrameType
from typing import Any

import grpc
from b12.dosing.v1 import dosing_pb2 as pb

from bench.workload import SERVICE, expected_plan_response
from server.grpc import config as configuration
from server.grpc import workers
from server.grpc.access_log import AccessLogInterceptor
from server.grpc.request_decoding import RequestDecodingInterceptor

_log = logging.getLogger("b12_dosing.echo")
INTERCEPTORS_ENV = "B12_ECHO_INTERCEPTORS"


class Echo:
    """Answers every PlanRegimen call with one prebuilt response, counting the calls."""

    def __init__(self, response: pb.PlanRegimenResponse, counter: workers.CallCounter) -> None:
        """Answer with ``response``; count in ``counter``."""
        self._response = response
        self._counter = counter

    def plan_regimen(
        self,
        request: pb.PlanRegimenRequest,  # noqa: ARG002 (an echo does not read the request)
        context: grpc.ServicerContext,  # noqa: ARG002
    ) -> pb.PlanRegimenResponse:
        """Return the prebuilt response."""
        self._counter.add()
        return self._response

    def register(self, server: grpc.Server) -> None:
        """Serve PlanRegimen on ``server``, registered as the generated code registers it."""
        handlers = {
            "PlanRegimen": grpc.unary_unary_rpc_method_handler(
                self.plan_regimen,
                request_deserializer=pb.PlanRegimenRequest.FromString,
                response_serializer=pb.PlanRegimenResponse.SerializeToString,
            )
        }
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
        # Not in the type stubs (grpcio >= 1.62): a method lookup without the generic handlers.
        server.add_registered_method_handlers(SERVICE, handlers)  # type: ignore[attr-defined]


def serve(argv: Sequence[str], counter: workers.CallCounter) -> int:
    """Serve the echo with the server's options from ``argv`` until SIGTERM or SIGINT."""
    config = configuration.load(list(argv))
    logging.basicConfig(
        level=config.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    interceptors: list[grpc.ServerInterceptor[Any, Any]] = []
    if os.environ.get(INTERCEPTORS_ENV) == "1":  # the same list as server.grpc.app.create_server's
        interceptors = [AccessLogInterceptor()] if config.access_log else []
        interceptors.append(RequestDecodingInterceptor())
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=config.max_workers, thread_name_prefix="b12-call"),
        interceptors=interceptors,
        options=[
            ("grpc.max_receive_message_length", config.max_receive_message_bytes),
            ("grpc.so_reuseport", 1 if config.reuse_port else 0),
        ],
        maximum_concurrent_rpcs=config.max_concurrent_rpcs,
    )
    Echo(expected_plan_response(), counter).register(server)
    if server.add_insecure_port(config.address) == 0:
        _log.error("cannot listen on %s", config.address)
        return workers.EXIT_FAILED
    stopping = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    server.start()
    _log.info("echo serving on %s", config.address)
    stopping.wait()
    server.stop(config.grace_seconds).wait()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the launcher, or (with ``--worker``) one echo worker."""
    prog = "python -m bench.echo_server"
    options = workers.parse(argv, prog)
    if not options.worker:
        return workers.launch(argv, "bench.echo_server", prog)
    workers.die_with_parent()
    workers.pin(options.worker_cpu)
    counter = workers.CallCounter()
    if options.stats_dir is not None:
        counter.publish(options.stats_dir)
    return serve(options.server_argv, counter)


if __name__ == "__main__":
    sys.exit(main())
