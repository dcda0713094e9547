"""The access log: one line per call with its method, status code and latency, nothing else.

Requests and responses carry patient facts, so neither is ever logged, nor is the peer's
address or metadata. A call to a method the server does not have is logged too, with its
status (UNIMPLEMENTED); its method name comes from the caller, so it is logged only as far as
it is a plausible name (``METHOD_SHOWN`` characters of letters, digits and ``._/-``; anything
else becomes ``?``). Calls the gRPC core turns away before they reach the application (an
oversized message, the concurrent-call limit, a server that is stopping) do not reach this
interceptor.
"""

from __future__ import annotations

import inspect
import logging
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Final

import grpc

LOGGER_NAME: Final = "b12_dosing.access"
METHOD_SHOWN: Final = 120
_NOT_A_NAME: Final = re.compile(r"[^A-Za-z0-9._/\-]")
_log = logging.getLogger(LOGGER_NAME)


def shown_method(method: str) -> str:
    """Return ``method`` as it may be logged: at most ``METHOD_SHOWN`` characters of letters,
    digits and ``._/-`` (others become ``?``)."""
    return _NOT_A_NAME.sub("?", method[:METHOD_SHOWN])


def code_name(context: grpc.aio.ServicerContext[Any, Any], *, failed: bool) -> str:
    """Return the name of the status code a call ended with."""
    # None until the handler set a code or aborted (the stubs say a code is always there).
    code: grpc.StatusCode | None = context.code()
    if code is None:
        # A handler that raised without aborting ends as UNKNOWN; one that returned, as OK.
        return "UNKNOWN" if failed else "OK"
    return str(code.name)


def _record(method: str, code: str, started: float) -> None:
    _log.info(
        "method=%s code=%s latency_ms=%.3f", method, code, (time.perf_counter() - started) * 1000
    )


def _coroutine(method: str, behavior: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    async def logged(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:  # noqa: ANN401
        started = time.perf_counter()
        code = "CANCELLED"  # what is left when the call is cancelled mid-way
        try:
            response = await behavior(request, context)
            code = code_name(context, failed=False)
        except Exception:
            code = code_name(context, failed=True)
            raise
        finally:
            _record(method, code, started)
        return response

    return logged


def _generator(method: str, behavior: Callable[..., AsyncIterator[Any]]) -> Callable[..., Any]:
    async def logged(
        request: Any,  # noqa: ANN401 (any request)
        context: grpc.aio.ServicerContext[Any, Any],
    ) -> AsyncIterator[Any]:
        started = time.perf_counter()
        code = "CANCELLED"
        try:
            async for response in behavior(request, context):
                yield response
            code = code_name(context, failed=False)
        except Exception:
            code = code_name(context, failed=True)
            raise
        finally:
            _record(method, code, started)

    return logged


def _wrap_behavior(method: str, behavior: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.isasyncgenfunction(behavior):
        return _generator(method, behavior)
    return _coroutine(method, behavior)


# The stubs make ServerInterceptor generic; the run-time class is not, so it cannot be subscripted.
class AccessLogInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[type-arg]
    """Logs every call that reaches the application: method, status code and latency. Each
    method's handler is wrapped once, not once per call."""

    def __init__(self) -> None:
        """Start with no handler wrapped."""
        self._wrapped: dict[str, tuple[object, grpc.RpcMethodHandler[Any, Any]]] = {}

    async def intercept_service(  # type: ignore[override] # (the stubs forget None: no such method)
        self,
        continuation: Callable[
            [grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler[Any, Any] | None]
        ],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        """Return the handler of the call, whatever its kind, wrapped in the access log; log
        a call to an unknown method at once."""
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None:
            _record(shown_method(method), grpc.StatusCode.UNIMPLEMENTED.name, time.perf_counter())
            return None
        cached = self._wrapped.get(method)
        if cached is not None and cached[0] is handler:
            return cached[1]
        wrapped = _wrap(method, handler)
        self._wrapped[method] = (handler, wrapped)
        return wrapped


def _wrap(method: str, handler: grpc.RpcMethodHandler[Any, Any]) -> grpc.RpcMethodHandler[Any, Any]:
    """Return ``handler`` with its behaviour wrapped in the access log."""
    kinds = (
        (handler.unary_unary, grpc.unary_unary_rpc_method_handler),
        (handler.unary_stream, grpc.unary_stream_rpc_method_handler),
        (handler.stream_unary, grpc.stream_unary_rpc_method_handler),
        (handler.stream_stream, grpc.stream_stream_rpc_method_handler),
    )
    for behavior, build in kinds:
        if behavior is not None:
            return build(
                _wrap_behavior(method, behavior),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
    return handler  # pragma: no cover (every handler has one of the four kinds)
