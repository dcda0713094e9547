"""The benchmark's baseline: an echo of the project's own service.

    python -O -m bench.echo_server --workers 1 --cpus 0 --stats-dir DIR --address 127.0.0.1:0

It serves ``b12.dosing.v1.DosingService/PlanRegimen`` with the same gRPC flavour as the real
server (``grpc.aio`` on uvloop), the same core options (``server.grpc.app.server_options``:
message size, calls per connection and per process, keepalive, connection limits) read from
the same flags and environment variables (``server.grpc.config``), and the same worker-process
launcher (``server.grpc.workers``, whose health checks it answers). Its handler returns a
prebuilt response: the real server's answer to the benchmark request
(``bench.workload.expected_plan_response``). gRPC still parses each request and serialises the
response, so the difference between the echo and the server is the server's own work per call:
receiving the request within its deadline, decoding, the kernel, building the response, the
access log.

With ``B12_ECHO_INTERCEPTORS=1`` in its environment the echo also runs the server's interceptors
(the access log when it is on, and request receiving and decoding), which separates what they
cost from what the translation and the kernel cost.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

import grpc
from b12.dosing.v1 import dosing_pb2 as pb

from bench.workload import SERVICE, expected_plan_response
from server.grpc import app, workers
from server.grpc import config as configuration
from server.grpc.config import ServerConfig

_log = logging.getLogger("b12_dosing.echo")
INTERCEPTORS_ENV = "B12_ECHO_INTERCEPTORS"


class Echo:
    """Answers every PlanRegimen call with one prebuilt response, counting the calls."""

    def __init__(self, response: pb.PlanRegimenResponse, counter: workers.CallCounter) -> None:
        """Answer with ``response``; count in ``counter``."""
        self._response = response
        self._counter = counter

    async def plan_regimen(
        self,
        request: pb.PlanRegimenRequest,  # noqa: ARG002 (an echo does not read the request)
        context: grpc.aio.ServicerContext[Any, Any],  # noqa: ARG002
    ) -> pb.PlanRegimenResponse:
        """Return the prebuilt response."""
        self._counter.add()
        return self._response

    def register(self, server: Any) -> None:  # noqa: ANN401 (a grpc.aio.Server or app.Registrar)
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
        server.add_registered_method_handlers(SERVICE, handlers)


async def serve(config: ServerConfig, counter: workers.CallCounter, health_fd: int | None) -> int:
    """Serve the echo with the server's options until SIGTERM or SIGINT."""
    server = grpc.aio.server(
        options=app.server_options(config), maximum_concurrent_rpcs=config.max_concurrent_rpcs
    )
    echo = Echo(expected_plan_response(), counter)
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
    loop = app.new_event_loop()
    try:
        return loop.run_until_complete(serve(config, counter, options.health_fd))
    finally:
        loop.close()


if __name__ == "__main__":
    sys.exit(main())
