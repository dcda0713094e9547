"""Prometheus metrics of the gRPC server, instead of a log line per call.

Served in the Prometheus text format at ``http://ADDRESS/metrics`` when ``--metrics-address`` is
set (prometheus-client's exposition server):

- ``grpc_server_handled_total{grpc_service, grpc_method, grpc_code}``: calls that ended, by
  method and status code (the names of the widespread gRPC server metrics, so existing
  dashboards read them);
- ``grpc_server_handling_seconds{grpc_service, grpc_method, grpc_code}``: a histogram of the
  time from a call's headers to its end;
- ``b12_dosing_tls_handshakes_failed_total``: failed TLS handshakes (``server.grpc.core_log``).

Every label is bounded: a method the server does not have is counted as service and method
``unknown``, whatever the caller sent; the code is one of gRPC's status code names. Nothing of
a request, its peer or its metadata is ever a label or a value.

With worker processes (``server.grpc.workers``) each worker records into files of a folder the
launcher owns (prometheus-client's multiprocess mode: the launcher sets
``PROMETHEUS_MULTIPROC_DIR`` for the workers) and the launcher serves their sum on the one port.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Final

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client import multiprocess as prometheus_multiprocess

from server.grpc.config import split_address

MULTIPROCESS_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"
UNKNOWN: Final = "unknown"
# Seconds. A call takes about a tenth of a millisecond of the server's time; the upper buckets
# catch calls that waited for their request or for the event loop.
LATENCY_BUCKETS_SECONDS: Final = (
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)

HANDLED: Final = Counter(
    "grpc_server_handled_total",
    "gRPC calls that ended, by method and status code.",
    ["grpc_service", "grpc_method", "grpc_code"],
)
HANDLING: Final = Histogram(
    "grpc_server_handling_seconds",
    "Time from a gRPC call's headers to its end, by method and status code.",
    ["grpc_service", "grpc_method", "grpc_code"],
    buckets=LATENCY_BUCKETS_SECONDS,
)
HANDSHAKES_FAILED: Final = Counter(
    "b12_dosing_tls_handshakes_failed_total", "TLS handshakes that failed (any cause)."
)

Record = Callable[[float], None]


def split_method(method: str, known: bool) -> tuple[str, str]:  # noqa: FBT001 (a plain flag)
    """``/pkg.Service/Method`` -> ``("pkg.Service", "Method")``; ``("unknown", "unknown")``
    for a method the server does not have."""
    if not known:
        return UNKNOWN, UNKNOWN
    service, _, name = method.lstrip("/").partition("/")
    return service, name


class CallMetrics:
    """Records calls: one recorder per method and code, made once and kept."""

    def __init__(self) -> None:
        """Start with no recorder made."""
        self._recorders: dict[tuple[str, bool, str], Record] = {}

    def recorder(self, method: str, code: str, *, known: bool = True) -> Record:
        """Return the function that records one call of ``method`` ending with ``code`` that
        took the seconds it is given."""
        key = (method, known, code)
        found = self._recorders.get(key)
        if found is None:
            service, name = split_method(method, known)
            handled = HANDLED.labels(service, name, code)
            handling = HANDLING.labels(service, name, code)

            def found(seconds: float) -> None:
                handled.inc()
                handling.observe(seconds)

            self._recorders[key] = found
        return found


def serve(address: str) -> tuple[str, int]:
    """Serve this process's metrics (or, in a launcher whose workers write to
    ``PROMETHEUS_MULTIPROC_DIR``, the sum of theirs) on ``address``; return the host and the
    port bound."""
    host, port = split_address(address)
    registry: CollectorRegistry = REGISTRY
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    server, _ = start_http_server(port, addr=host, registry=registry)
    bound: int = server.server_port
    return host, bound
