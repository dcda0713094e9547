"""The server process: configure, serve, and shut down gracefully on SIGTERM or SIGINT.

On the first signal the health service turns NOT_SERVING; after the drain period the server
refuses new calls (UNAVAILABLE) and gives the calls in progress the grace period to finish; then
the process exits 0. A second signal cuts the drain and grace short.

Run it with contracts off in production (``python -O -m server``, as ``make run`` does): the
kernel's contracts are ``assert`` statements, checked by the tests.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable, Sequence

import kernel as kernel_package
from kernel.rules import RULE_SET_VERSION
from server.grpc import config as configuration
from server.grpc import metrics
from server.grpc.access_log import FLUSH_SECONDS, BufferedAccessLog
from server.grpc.app import AsyncDosingServer, BindError, build_server, new_event_loop
from server.grpc.config import ServerConfig
from server.grpc.core_log import CoreLogFilter
from server.grpc.service import SERVICE_NAME, KernelPort

_log = logging.getLogger("b12_dosing.server")
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"

EXIT_OK = 0
EXIT_CANNOT_SERVE = 1

# Called with the started server before it waits for a signal (the worker launcher's hooks).
OnStarted = Callable[[AsyncDosingServer], None]


async def serve(config: ServerConfig, kernel: KernelPort, on_started: OnStarted | None) -> int:
    """Serve on the running loop until SIGTERM or SIGINT; return the process exit status."""
    try:
        server, port = await build_server(config=config, kernel=kernel)
    except (BindError, OSError) as error:
        _log.error("%s", error)
        return EXIT_CANNOT_SERVE
    loop = asyncio.get_running_loop()
    received: list[int] = []
    signalled = asyncio.Event()
    hurry = asyncio.Event()

    def on_signal(signum: int) -> None:
        received.append(signum)
        (hurry if signalled.is_set() else signalled).set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, on_signal, signum)
    if config.metrics_address:
        try:
            host, metrics_port = metrics.serve(config.metrics_address)
        except (OSError, ValueError) as error:
            _log.error("cannot serve metrics on %s: %s", config.metrics_address, error)
            return EXIT_CANNOT_SERVE
        _log.info("metrics on http://%s:%d/metrics", host, metrics_port)
    await server.start()
    if on_started is not None:
        on_started(server)
    host = config.address.rsplit(":", 1)[0]
    _log.info(
        "serving %s on %s:%d (%s, rule set %s, contracts %s)",
        SERVICE_NAME,
        host,
        port,
        "TLS" if config.tls else "plaintext",
        RULE_SET_VERSION,
        "on" if __debug__ else "off",
    )
    await signalled.wait()
    _log.info(
        "%s: NOT_SERVING for %gs, then up to %gs for calls in progress (signal again to hurry)",
        signal.Signals(received[0]).name,
        config.drain_seconds,
        config.grace_seconds,
    )
    await server.shutdown(config.drain_seconds, config.grace_seconds, hurry)
    _log.info("stopped")
    return EXIT_OK


def main(
    argv: Sequence[str] | None = None,
    kernel: KernelPort = kernel_package,
    on_started: OnStarted | None = None,
) -> int:
    """Serve until SIGTERM or SIGINT; return the process exit status."""
    config = configuration.load(argv)
    core_log = CoreLogFilter()
    core_log.install()
    logging.basicConfig(level=config.log_level.upper(), format=LOG_FORMAT, stream=sys.stderr)
    access_log = BufferedAccessLog(sys.stderr, logging.Formatter(LOG_FORMAT))
    if config.access_log:
        access_log.install()
    loop = new_event_loop(config.event_loop)
    flushing = _PeriodicFlush(loop, access_log) if config.access_log else None
    try:
        return loop.run_until_complete(serve(config, kernel, on_started))
    finally:
        if flushing is not None:
            flushing.cancel()
        access_log.flush()
        loop.close()
        core_log.report()


class _PeriodicFlush:
    """Writes the access log's buffered lines every ``FLUSH_SECONDS`` from the event loop."""

    def __init__(self, loop: asyncio.AbstractEventLoop, access_log: BufferedAccessLog) -> None:
        self._loop = loop
        self._access_log = access_log
        self._handle = loop.call_later(FLUSH_SECONDS, self._flush)

    def _flush(self) -> None:
        self._access_log.flush()
        self._handle = self._loop.call_later(FLUSH_SECONDS, self._flush)

    def cancel(self) -> None:
        self._handle.cancel()
