"""The standard health service (``grpc.health.v1.Health``) with its ``List`` method.

grpcio-health-checking's asyncio servicer answers ``Check`` and ``Watch`` but leaves ``List``
UNIMPLEMENTED, while server reflection advertises it. This servicer answers ``List`` with every
service whose status was set, each status as ``Check`` answers it (so draining and shutdown show
there exactly as in ``Check``). ``set`` and ``enter_graceful_shutdown`` are coroutines, as in the
library's asyncio servicer.
"""

from __future__ import annotations

from typing import Any, Final

from grpc_health.v1 import health, health_pb2

# The library's asyncio servicer (``health.aio`` is not in the type stubs).
_AsyncHealthServicer: Final[Any] = health.aio.HealthServicer  # type: ignore[attr-defined]


class HealthServicer(_AsyncHealthServicer):  # type: ignore[misc] # (an untyped base class)
    """The library's asyncio health servicer, plus ``List``."""

    async def List(  # noqa: N802 (the RPC's name)
        self,
        request: health_pb2.HealthListRequest,
        context: object,  # noqa: ARG002 (nothing can fail)
    ) -> health_pb2.HealthListResponse:
        """Return the status of every service, as ``Check`` answers for each."""
        del request
        statuses: dict[str, int] = dict(self._server_status)
        return health_pb2.HealthListResponse(
            statuses={
                name: health_pb2.HealthCheckResponse(status=status)
                for name, status in sorted(statuses.items())
            }
        )
