"""The standard health service (``grpc.health.v1.Health``) with its ``List`` method.

grpcio-health-checking's servicer answers ``Check`` and ``Watch`` but leaves ``List``
UNIMPLEMENTED, while server reflection advertises it. This servicer answers ``List`` with every
service whose status was set, each status read back through ``Check`` (so draining and shutdown
show there exactly as in ``Check``).
"""

from __future__ import annotations

import threading

import grpc
from grpc_health.v1 import health, health_pb2


class HealthServicer(health.HealthServicer):
    """The library's health servicer, plus ``List``."""

    def __init__(self) -> None:
        """Start with no service recorded (the library serves ``""`` until it is set)."""
        super().__init__()
        self._names_lock = threading.Lock()
        self._names: set[str] = {""}

    def set(
        self, service: str, status: health_pb2.HealthCheckResponse.ServingStatus.ValueType
    ) -> None:
        """Set the status of ``service`` (see the library) and remember its name for ``List``."""
        with self._names_lock:
            self._names.add(service)
        super().set(service, status)

    def List(  # noqa: N802 (the RPC's name)
        self, request: health_pb2.HealthListRequest, context: grpc.ServicerContext
    ) -> health_pb2.HealthListResponse:
        """Return the status of every service, as ``Check`` answers for each."""
        del request
        with self._names_lock:
            names = sorted(self._names)
        return health_pb2.HealthListResponse(
            statuses={
                name: self.Check(health_pb2.HealthCheckRequest(service=name), context)
                for name in names
            }
        )
