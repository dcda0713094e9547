"""``grpc.health.v1.Health/List``, advertised by reflection, answers with every service's status
(the library's servicer leaves it UNIMPLEMENTED), and follows the drain."""

from __future__ import annotations

import threading
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from server.grpc.app import create_server
from server.grpc.config import ServerConfig
from server.grpc.service import SERVICE_NAME

pytestmark = pytest.mark.e2e

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING


def _list(target: str) -> dict[str, int]:
    with grpc.insecure_channel(target) as channel:
        response = health_pb2_grpc.HealthStub(channel).List(
            health_pb2.HealthListRequest(), timeout=5
        )
    return {name: status.status for name, status in response.statuses.items()}


def test_list_names_the_server_and_the_service_with_their_status_through_the_drain() -> None:
    server, port = create_server("127.0.0.1:0", ServerConfig(access_log=False))
    target = f"127.0.0.1:{port}"
    server.start()
    assert _list(target) == {"": SERVING, SERVICE_NAME: SERVING}
    shutdown = threading.Thread(target=server.shutdown, args=(2.0, 5.0))
    shutdown.start()
    try:
        deadline = time.monotonic() + 1.5
        while _list(target)[SERVICE_NAME] != NOT_SERVING:
            assert time.monotonic() < deadline, "List never showed NOT_SERVING"
            time.sleep(0.02)
        assert _list(target) == {"": NOT_SERVING, SERVICE_NAME: NOT_SERVING}
    finally:
        shutdown.join(10)
    assert not shutdown.is_alive()
