"""The benchmark's baseline: an echo of the project's own service.

    python -O -m bench.echo_server --workers 1 --cpus 0 --stats-dir DIR --address 127.0.0.1:0

It serves ``b12.dosing.v1.DosingService`` (PlanRegimen, CheckRegimen, AssessCourse) with the
same gRPC flavour as the real server (``grpc.aio`` on uvloop), the same core options
(``server.grpc.app.server_options``: message size, calls per connection and per process,
keepalive, connection limits) read from the same flags and environment variables
(``server.grpc.config``), and the same worker-process launcher (``server.grpc.workers``, whose
health checks it answers). Its handler returns a prebuilt response: the real server's answer to
each benchmark request (``bench.workload.benchmark_cases``, ``bench.workload.expected_response``).
gRPC still parses each request and serialises the response, so the difference between the echo
and the server is the server's own work per call: receiving the request within its deadline,
decoding, the kernel, building the response, the metrics.

With ``B12_ECHO_INTERCEPTORS=1`` in its environment the echo's handlers are also wrapped as the
server's are (``server.grpc.app.Registrar``: the call recorder, and request receiving and
decoding), which separates what that wrapping costs from what the translation and the kernel
cost.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

import grpc
from google.protobuf.message import Message

from bench import workload
from bench.workload import SERVICE
from server.grpc import app, workers
from server.grpc import config as configuration
from server.grpc.config import ServerConfig

_log = logging.getLogger("b12_dosing.echo")
INTERCEPTORS_ENV = "B12_ECHO_INTERCEPTORS"


class Echo:
    """Answers PlanRegimen, CheckRegimen and AssessCourse with prebuilt responses: for each of
    the benchmark's requests (``bench.workload.benchmark_cases``) the server's own answer to it,
    found by the request's bytes (gRPC still parses every request and serialises every
    response); counts the calls."""

    def __init__(self, counter: workers.CallCounter) -> None:
        """Prepare the answers; count in ``counter``."""
        self._counter = counter
        self._answers: dict[bytes, tuple[Message, int]] = {}
        self._types: dict[str, tuple[type[Message], type[Message]]] = {}
        for case in workload.benchmark_cases():
            answer = workload.expected_response(case)
            self._answers[case.request.SerializeToString()] = (answer, case.items)
            self._types[case.path.rsplit("/", 1)[1]] = (type(case.request), case.response_type)

    async def answer(
        self,
        request: tuple[Message, tuple[Message, int]],
        context: grpc.aio.ServicerContext[Any, Any],  # noqa: ARG002 (an echo reads nothing)
    ) -> Message:
        """Return the prebuilt response found when the request was parsed; count its items
        (the plans of a batch, as the server's kernel counts them)."""
        response, items = request[1]
        self._counter.add(items)
        return response

    def _parser(
        self, request_type: type[Message]
    ) -> Callable[[bytes], tuple[Message, tuple[Message, int]]]:
        answers = self._answers

        def parse(raw: bytes) -> tuple[Message, tuple[Message, int]]:
            return request_type.FromString(raw), answers[raw]

        return parse

    def register(self, server: Any) -> None:  # noqa: ANN401 (a grpc.aio.Server or app.Registrar)
        """Serve the methods on ``server``, registered as the generated code registers them."""
        handlers = {
            method: grpc.unary_unary_rpc_method_handler(
                self.answer,
                request_deserializer=self._parser(request_type),
                response_serializer=response_type.SerializeToString,
            )
            for method, (request_type, response_type) in self._types.items()
        }
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(SERVICE, handlers),))
        # Not in the type stubs (grpcio >= 1.62): a method lookup without the generic handlers.
        server.add_registered_method_handlers(SERVICE, handlers)


async def serve(config: ServerConfig, counter: workers.CallCounter, health_fd: int | None) -> int:
    """Serve the echo with the server's options until SIGTERM or SIGINT."""
    server = grpc.aio.server(
        options=app.server_options(config), maximum_concurrent_rpcs=config.max_concurrent_rpcs
    )
    echo = Echo(counter)
    if os.environ.get(INTERCEPTORS_ENV) == "1":  # the server's wrapping of every handler
        registrar = app.Registrar(server, config)
        echo.register(registrar)
        registrar.finish()
    else:
        echo.register(server)
    try:
        app.bind(server, config.address, config.tls)
    except app.BindError as error:
        _log.error("%s", error)
        return workers.EXIT_FAILED
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    await server.start()
    workers.answer_health_checks(health_fd)
    _log.info("echo serving on %s", config.address)
    await stopping.wait()
    await server.stop(config.grace_seconds)
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
    config = configuration.load(list(options.server_argv))
    logging.basicConfig(
        level=config.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    loop = app.new_event_loop(config.event_loop)
    try:
        return loop.run_until_complete(serve(config, counter, options.health_fd))
    finally:
        loop.close()


if __name__ == "__main__":
    sys.exit(main())
