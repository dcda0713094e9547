"""The composition root: builds the gRPC server from a configuration and a kernel.

The server is a ``grpc.aio`` server on an event loop (uvloop): a call waiting for its request
costs no thread, so held or slow streams cannot starve it, and the kernel (pure, CPU-only, tens
of microseconds) runs inline in the handler. It carries the DosingService, the standard health
service (``grpc.health.v1.Health``) and server reflection, and it bounds what one client can
hold (``server_options``): calls per connection, calls per process, the time a request may take
to arrive, keepalive with a ping policy, connection idle time and age, the handshake time.

``build_server`` builds it on the running loop (``server.grpc.main`` does so). ``create_server``
runs one on a loop of its own in a background thread and returns a synchronous handle (the
tests, and anyone embedding the server, use it): ``create_server(address) -> (server, port)``;
port 0 picks a free port.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Coroutine, Mapping, Sequence
from typing import Any, Final, TypeVar

import grpc
import uvloop
from b12.dosing.v1 import dosing_pb2_grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2_grpc

import kernel as kernel_package
from server.grpc.access_log import CallRecorder
from server.grpc.config import ServerConfig, TlsFiles
from server.grpc.health import HealthServicer
from server.grpc.metrics import CallMetrics
from server.grpc.request_decoding import Receiving
from server.grpc.service import SERVICE_NAME, DosingServicer, KernelPort

# The asyncio reflection servicer (``reflection.aio`` is not in the type stubs).
AsyncReflectionServicer: Final[Any] = getattr(reflection, "aio").ReflectionServicer  # noqa: B009
# What reflection lists.
REFLECTED_SERVICES: Final = (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME)
# A client that pings more often than the policy allows is sent GOAWAY after this many pings.
PING_STRIKES: Final = 2

T = TypeVar("T")


class BindError(RuntimeError):
    """The server could not listen on its address."""


def _milliseconds(seconds: float) -> int:
    return max(1, round(seconds * 1000))


def server_options(config: ServerConfig) -> list[tuple[str, int]]:
    """Return the gRPC core options that bound what one client can hold (the benchmark's echo
    uses the same)."""
    return [
        ("grpc.max_receive_message_length", config.max_receive_message_bytes),
        ("grpc.so_reuseport", 1 if config.reuse_port else 0),
        ("grpc.max_concurrent_streams", config.max_concurrent_streams),
        ("grpc.keepalive_time_ms", _milliseconds(config.keepalive_seconds)),
        ("grpc.keepalive_timeout_ms", _milliseconds(config.keepalive_timeout_seconds)),
        ("grpc.keepalive_permit_without_calls", 1),
        (
            "grpc.http2.min_ping_interval_without_data_ms",
            _milliseconds(config.min_client_ping_interval_seconds),
        ),
        ("grpc.http2.max_ping_strikes", PING_STRIKES),
        ("grpc.max_connection_idle_ms", _milliseconds(config.max_connection_idle_seconds)),
        ("grpc.max_connection_age_ms", _milliseconds(config.max_connection_age_seconds)),
        ("grpc.max_connection_age_grace_ms", _milliseconds(config.connection_age_grace_seconds)),
        ("grpc.server_handshake_timeout_ms", _milliseconds(config.handshake_timeout_seconds)),
    ]


class Registrar:
    """Registers handlers on a server wrapped once, at registration, in the call recorder
    (metrics, access log) and in request receiving: so that no interceptor runs per call. Pass
    it where the generated ``add_*Servicer_to_server`` functions want a server; call
    ``finish()`` last, which adds the handler of unknown methods.

    The generated code registers each service twice, as generic handlers and as registered
    methods; the server looks registered methods up first, so the wrapped registered methods are
    what answers, and the generic handlers only ever see unknown methods (they return ``None``
    for those, and the last handler records them)."""

    def __init__(self, server: grpc.aio.Server, config: ServerConfig) -> None:
        """Register on ``server``, recording and receiving as ``config`` says."""
        self._server = server
        self.recorder = CallRecorder(CallMetrics(), access_log=config.access_log)
        self.receiving = Receiving(config.receive_timeout_seconds)

    def wrap(
        self, method: str, handler: grpc.RpcMethodHandler[Any, Any]
    ) -> grpc.RpcMethodHandler[Any, Any]:
        """Return the handler of ``method`` as the server runs it (the echo uses it too): a
        unary method in one wrapper that receives its request and records the call, any other
        in the recorder."""
        if self.receiving.takes(handler):
            return self.receiving.wrap(method, handler, self.recorder.ending(method))
        return self.recorder.wrap(method, handler)

    def add_generic_rpc_handlers(
        self, handlers: Sequence[grpc.GenericRpcHandler[Any, Any]]
    ) -> None:
        """Add generic handlers as they are (see the class)."""
        self._server.add_generic_rpc_handlers(handlers)

    def add_registered_method_handlers(
        self, service: str, handlers: Mapping[str, grpc.RpcMethodHandler[Any, Any]]
    ) -> None:
        """Register the methods of ``service``, each handler wrapped."""
        wrapped = {
            name: self.wrap(f"/{service}/{name}", handler) for name, handler in handlers.items()
        }
        self._server.add_registered_method_handlers(service, wrapped)  # type: ignore[attr-defined] # (not in the stubs)

    def finish(self) -> None:
        """Add the handler of unknown methods, after every other."""
        self._server.add_generic_rpc_handlers((self.recorder.unknown_methods(),))


def credentials(tls: TlsFiles) -> grpc.ServerCredentials:
    """Return the server credentials of ``tls`` (mutual TLS when it names a client CA)."""
    client_ca = tls.client_ca.read_bytes() if tls.client_ca is not None else None
    return grpc.ssl_server_credentials(
        [(tls.private_key.read_bytes(), tls.certificate.read_bytes())],
        root_certificates=client_ca,
        require_client_auth=client_ca is not None,
    )


def bind(server: grpc.aio.Server, address: str, tls: TlsFiles | None) -> int:
    """Listen on ``address`` (TLS when ``tls`` is given) and return the port; raise
    ``BindError`` when it cannot."""
    try:
        if tls is None:
            port = server.add_insecure_port(address)
        else:
            port = server.add_secure_port(address, credentials(tls))
    except RuntimeError as error:
        message = f"cannot listen on {address}: {error}"
        raise BindError(message) from error
    if port == 0:
        message = f"cannot listen on {address}"
        raise BindError(message)
    return port


class AsyncDosingServer:
    """A built server on the running event loop: start it, then shut it down."""

    def __init__(
        self,
        server: grpc.aio.Server,
        health_servicer: HealthServicer,
        receiving: Receiving,
    ) -> None:
        """Wrap a built gRPC server, its health servicer and its receiving interceptor (see
        ``build_server``)."""
        self.grpc_server = server
        self.health = health_servicer
        self._receiving = receiving

    def calls_in_progress(self) -> int:
        """Return the unary calls in progress (those waiting for their request included)."""
        return self._receiving.watch.in_progress

    async def start(self) -> None:
        """Start serving; health turns SERVING."""
        await self.grpc_server.start()
        for service in ("", SERVICE_NAME):
            await self.health.set(service, health_pb2.HealthCheckResponse.SERVING)

    async def stop(self, grace: float | None) -> None:
        """Refuse new calls and cancel the ones in progress after ``grace`` seconds (``None``:
        at once); return once the server has stopped."""
        await self.grpc_server.stop(grace)

    async def shutdown(
        self, drain_seconds: float, grace_seconds: float, hurry: asyncio.Event | None = None
    ) -> None:
        """Stop gracefully: report NOT_SERVING for ``drain_seconds`` while still serving (so load
        balancers move away), then refuse new calls and let the calls in progress finish within
        ``grace_seconds``. Once ``hurry`` is set, the drain ends and calls still in progress are
        cancelled. Returns once the server has stopped."""
        hurry = hurry or asyncio.Event()
        await self.health.enter_graceful_shutdown()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hurry.wait(), drain_seconds)
        stopping = asyncio.ensure_future(self.grpc_server.stop(grace_seconds))
        hurried = asyncio.ensure_future(hurry.wait())
        await asyncio.wait([stopping, hurried], return_when=asyncio.FIRST_COMPLETED)
        if not stopping.done():
            await self.grpc_server.stop(0)
        hurried.cancel()
        await stopping

    async def wait_for_termination(self, timeout: float | None = None) -> bool:  # noqa: ASYNC109 (grpc.aio's own signature)
        """Wait until the server stops (or ``timeout`` passes); return True on timeout."""
        return await self.grpc_server.wait_for_termination(timeout)


async def build_server(
    address: str | None = None,
    config: ServerConfig | None = None,
    kernel: KernelPort = kernel_package,
) -> tuple[AsyncDosingServer, int]:
    """Build the server (not yet started) on the running loop and bind it.

    ``address`` overrides ``config.address``; with port 0 the system picks a free port. Returns
    the server and the bound port. Raises ``BindError`` when the address cannot be bound.
    """
    config = config or ServerConfig()
    server = grpc.aio.server(
        options=server_options(config), maximum_concurrent_rpcs=config.max_concurrent_rpcs
    )
    registrar = Registrar(server, config)
    on: Any = registrar  # where the generated code wants a server
    dosing_pb2_grpc.add_DosingServiceServicer_to_server(DosingServicer(kernel), on)
    health_servicer = HealthServicer()
    for service in ("", SERVICE_NAME):
        await health_servicer.set(service, health_pb2.HealthCheckResponse.NOT_SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, on)
    reflection_pb2_grpc.add_ServerReflectionServicer_to_server(
        AsyncReflectionServicer(REFLECTED_SERVICES), on
    )
    registrar.finish()
    port = bind(server, address or config.address, config.tls)
    return AsyncDosingServer(server, health_servicer, registrar.receiving), port


def new_event_loop(kind: str = ServerConfig.event_loop) -> asyncio.AbstractEventLoop:
    """Return a new event loop of ``kind`` (``ServerConfig.event_loop``: uvloop by default)."""
    return uvloop.new_event_loop() if kind == "uvloop" else asyncio.new_event_loop()


class DosingServer:
    """A server running on an event loop of its own, in a background thread, with a
    synchronous interface (see ``create_server``)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, server: AsyncDosingServer) -> None:
        """Wrap ``server``, built on ``loop`` (which runs in a background thread)."""
        self._loop = loop
        self.server = server

    def _run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def start(self) -> None:
        """Start serving; health turns SERVING."""
        self._run(self.server.start())

    def calls_in_progress(self) -> int:
        """Return the unary calls in progress (those waiting for their request included)."""
        return self.server.calls_in_progress()

    def stop(self, grace: float | None) -> threading.Event:
        """Refuse new calls and cancel the ones in progress after ``grace`` seconds (``None``:
        at once). Returns an event set once the server has stopped (and its loop has ended)."""
        stopped = threading.Event()
        future = asyncio.run_coroutine_threadsafe(self.server.stop(grace), self._loop)
        future.add_done_callback(lambda _: self._end_loop(stopped))
        return stopped

    def _end_loop(self, stopped: threading.Event) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        stopped.set()

    def shutdown(self, drain_seconds: float, grace_seconds: float) -> None:
        """Stop gracefully (see ``AsyncDosingServer.shutdown``); return once stopped."""
        self._run(self.server.shutdown(drain_seconds, grace_seconds))
        self._end_loop(threading.Event())

    def wait_for_termination(self, timeout: float | None = None) -> bool:
        """Block until the server stops (or ``timeout`` passes); return True on timeout."""
        try:
            return self._run(self.server.wait_for_termination(timeout))
        except (concurrent.futures.CancelledError, RuntimeError):
            return False  # the loop ended with the server


def create_server(
    address: str | None = None,
    config: ServerConfig | None = None,
    kernel: KernelPort = kernel_package,
) -> tuple[DosingServer, int]:
    """Build the server (not yet started) on an event loop of its own in a background thread,
    and bind it. Returns the server and the bound port; raises ``BindError`` when the address
    cannot be bound (see ``build_server``)."""
    loop = new_event_loop((config or ServerConfig()).event_loop)
    thread = threading.Thread(target=loop.run_forever, name="b12-grpc-loop", daemon=True)
    thread.start()
    try:
        server, port = asyncio.run_coroutine_threadsafe(
            build_server(address, config, kernel), loop
        ).result()
    except BaseException:
        loop.call_soon_threadsafe(loop.stop)
        raise
    return DosingServer(loop, server), port
