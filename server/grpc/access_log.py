"""The access log: one line per call with its method, status code and latency, nothing else.

Requests and responses carry patient facts, so neither is ever logged, nor is the peer's
address or metadata. Calls the gRPC core turns away before they reach the application (an
oversized message, the concurrent-call limit, a server that is stopping) do not reach this
interceptor either.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from typing import Any, Final

import grpc

LOGGER_NAME: Final = "b12_dosing.access"
_log = logging.getLogger(LOGGER_NAME)


def _code(context: grpc.ServicerContext, *, failed: bool) -> str:
    """Return the name of the status code a call ended with."""
    # ServicerContext.code() exists at run time (grpcio >= 1.38) but not in the type stubs.
    code: grpc.StatusCode | None = getattr(context, "code", lambda: None)()
    if code is None:
        # A handler that raised without aborting ends as UNKNOWN; one that returned, as OK.
        return "UNKNOWN" if failed else "OK"
    return str(code.name)


def _record(method: str, context: grpc.ServicerContext, started: float, *, failed: bool) -> None:
    _log.info(
        "method=%s code=%s latency_ms=%.3f",
        method,
        _code(context, failed=failed),
        (time.perf_counter() - started) * 1000,
    )


def _unary(method: str, behavior: Callable[[Any, grpc.ServicerContext], Any]) -> Any:  # noqa: ANN401
    def logged(request: Any, context: grpc.ServicerContext) -> Any:  # noqa: ANN401
        started = time.perf_counter()
        failed = True
        try:
            response = behavior(request, context)
            failed = False
        finally:
            _record(method, context, started, failed=failed)
        return response

    return logged


def _streaming(method: str, behavior: Callable[[Any, grpc.ServicerContext], Iterator[Any]]) -> Any:  # noqa: ANN401
    def logged(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:  # noqa: ANN401
        started = time.perf_counter()
        failed = True
        try:
            yield from behavior(request, context)
            failed = False
        finally:
            _record(method, context, started, failed=failed)

    return logged


# The stubs make ServerInterceptor generic; the run-time class is not, so it cannot be subscripted.
class AccessLogInterceptor(grpc.ServerInterceptor):  # type: ignore[type-arg]
    """Logs every call that reaches a handler: method, status code and latency. Each method's
    handler is wrapped once, not once per call."""

    def __init__(self) -> None:
        """Start with no handler wrapped."""
        self._wrapped: dict[str, tuple[object, grpc.RpcMethodHandler[Any, Any]]] = {}

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler[Any, Any] | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        """Return the handler of the call, whatever its kind, wrapped in the access log."""
        handler = continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        cached = self._wrapped.get(method)
        if cached is not None and cached[0] is handler:
            return cached[1]
        wrapped = _wrap(method, handler)
        self._wrapped[method] = (handler, wrapped)
        return wrapped


def _wrap(method: str, handler: grpc.RpcMethodHandler[Any, Any]) -> grpc.RpcMethodHandler[Any, Any]:
    """Return ``handler`` with its behaviour wrapped in the access log."""
    if handler.unary_unary is not None:
        return grpc.unary_unary_rpc_method_handler(
            _unary(method, handler.unary_unary),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    if handler.unary_stream is not None:
        return grpc.unary_stream_rpc_method_handler(
            _streaming(method, handler.unary_stream),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    if handler.stream_unary is not None:
        return grpc.stream_unary_rpc_method_handler(
            _unary(method, handler.stream_unary),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    if handler.stream_stream is not None:
        return grpc.stream_stream_rpc_method_handler(
            _streaming(method, handler.stream_stream),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    return handler  # pragma: no cover (every handler has one of the four kinds)
