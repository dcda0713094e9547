"""The server process: configure, serve, and shut down gracefully on SIGTERM or SIGINT.

On the first signal the health service turns NOT_SERVING; after the drain period the server
refuses new calls (UNAVAILABLE) and gives the calls in progress the grace period to finish; then
the process exits 0. A second signal cuts the drain and grace short.

Run it with contracts off in production (``python -O -m server``, as ``make run`` does): the
kernel's contracts are ``assert`` statements, checked by the tests.
"""

from __future__ import annotations

import logging
import signal
import sys
import time
from collections.abc import Sequence
from types import FrameType

import kernel as kernel_package
from kernel.rules import RULE_SET_VERSION
from server.grpc import config as configuration
from server.grpc.app import BindError, create_server
from server.grpc.service import SERVICE_NAME, KernelPort

_log = logging.getLogger("b12_dosing.server")

EXIT_OK = 0
EXIT_CANNOT_SERVE = 1
_POLL_SECONDS = 0.1


def main(argv: Sequence[str] | None = None, kernel: KernelPort = kernel_package) -> int:
    """Serve until SIGTERM or SIGINT; return the process exit status."""
    config = configuration.load(argv)
    logging.basicConfig(
        level=config.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    try:
        server, port = create_server(config=config, kernel=kernel)
    except (BindError, OSError) as error:
        _log.error("%s", error)
        return EXIT_CANNOT_SERVE

    # The handler only records the signal: it runs on the main thread between two bytecodes,
    # possibly inside a lock of the gRPC server, so it must not call into it.
    received: list[int] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        received.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    server.start()
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
    while not received:
        time.sleep(_POLL_SECONDS)
    _log.info(
        "%s: NOT_SERVING for %gs, then up to %gs for calls in progress (signal again to hurry)",
        signal.Signals(received[0]).name,
        config.drain_seconds,
        config.grace_seconds,
    )
    server.shutdown(config.drain_seconds, config.grace_seconds, hurry=lambda: len(received) > 1)
    _log.info("stopped")
    return EXIT_OK
