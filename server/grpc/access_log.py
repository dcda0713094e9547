"""Every call recorded: Prometheus metrics always, and an access-log line per call when asked.

``CallRecorder`` wraps each method's handler once, when it is registered (``server.grpc.app``).
When a call ends it records its method,
status code and latency in the metrics (``server.grpc.metrics``) and, with the access log on
(``--access-log true``; off by default), in one line of the ``b12_dosing.access`` logger:

    method=/b12.dosing.v1.DosingService/CheckRegimen code=OK latency_ms=0.307

Requests and responses carry patient facts, so neither is ever logged nor measured, nor is the
peer's address or metadata. A call to a method the server does not have is recorded too, with
its status (UNIMPLEMENTED): in the metrics as method ``unknown``; in the log with its name shown
only as far as it is a plausible name (``METHOD_SHOWN`` characters of letters, digits and
``._/-``; anything else becomes ``?``). Calls the gRPC core turns away before they reach the
application (an oversized message, the concurrent-call limit, a server that is stopping) are
not seen here.

The server process writes the access log through ``BufferedAccessLog``: lines are kept in memory
and written in one go when ``BUFFERED_LINES`` have gathered, every ``FLUSH_SECONDS`` and at exit,
so that a call never waits for a write to standard error.
"""

from __future__ import annotations

import inspect
import logging
import logging.handlers
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import IO, Any, Final

import grpc

from server.grpc.metrics import CallMetrics
from server.grpc.request_decoding import code_name

LOGGER_NAME: Final = "b12_dosing.access"
METHOD_SHOWN: Final = 120
BUFFERED_LINES: Final = 512
FLUSH_SECONDS: Final = 1.0
_NOT_A_NAME: Final = re.compile(r"[^A-Za-z0-9._/\-]")
_log = logging.getLogger(LOGGER_NAME)


def shown_method(method: str) -> str:
    """Return ``method`` as it may be logged: at most ``METHOD_SHOWN`` characters of letters,
    digits and ``._/-`` (others become ``?``)."""
    return _NOT_A_NAME.sub("?", method[:METHOD_SHOWN])


class _Ending:
    """What to do when a call of one method ends: the metrics, and the log line if asked."""

    def __init__(self, method: str, metrics: CallMetrics, *, access_log: bool) -> None:
        self._method = method
        self._metrics = metrics
        self._access_log = access_log

    def __call__(self, code: str, started: float) -> None:
        seconds = time.perf_counter() - started
        self._metrics.recorder(self._method, code)(seconds)
        if self._access_log:
            _log.info("method=%s code=%s latency_ms=%.3f", self._method, code, seconds * 1000)


def _coroutine(ending: _Ending, behavior: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    async def recorded(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:  # noqa: ANN401
        started = time.perf_counter()
        code = "CANCELLED"  # what is left when the call is cancelled mid-way
        try:
            response = await behavior(request, context)
            code = code_name(context, failed=False)
        except Exception:
            code = code_name(context, failed=True)
            raise
        finally:
            ending(code, started)
        return response

    return recorded


def _generator(ending: _Ending, behavior: Callable[..., AsyncIterator[Any]]) -> Callable[..., Any]:
    async def recorded(
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
            ending(code, started)

    return recorded


def _wrap_behavior(ending: _Ending, behavior: Callable[..., Any]) -> Callable[..., Any]:
    if inspect.isasyncgenfunction(behavior):
        return _generator(ending, behavior)
    return _coroutine(ending, behavior)


class CallRecorder:
    """Records every call that reaches the application: method, status code and latency, in the
    metrics and (with ``access_log``) in the access log."""

    def __init__(self, metrics: CallMetrics, *, access_log: bool) -> None:
        """Record into ``metrics``; write a line per call when ``access_log``."""
        self._metrics = metrics
        self._access_log = access_log

    def wrap(
        self, method: str, handler: grpc.RpcMethodHandler[Any, Any]
    ) -> grpc.RpcMethodHandler[Any, Any]:
        """Return the handler of ``method``, whatever its kind, wrapped in the recorder."""
        return _wrap(self.ending(method), handler)

    def ending(self, method: str) -> _Ending:
        """Return what records a call of ``method`` given its code and start time (for
        wrappers that already wrap the call, such as request receiving)."""
        return _Ending(method, self._metrics, access_log=self._access_log)

    def unknown_methods(self) -> grpc.GenericRpcHandler[Any, Any]:
        """Return the handler of every method the server does not have (register it last): it
        records the call and ends it with UNIMPLEMENTED, as the server would."""
        return _UnknownMethods(self._metrics, access_log=self._access_log)


class _UnknownMethods(grpc.GenericRpcHandler):  # type: ignore[type-arg] # (not generic at run time)
    def __init__(self, metrics: CallMetrics, *, access_log: bool) -> None:
        self._metrics = metrics
        self._access_log = access_log

    def service(
        self, handler_call_details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler[Any, Any]:
        method = handler_call_details.method
        code = grpc.StatusCode.UNIMPLEMENTED
        self._metrics.recorder(method, code.name, known=False)(0.0)
        if self._access_log:
            _log.info("method=%s code=%s latency_ms=0.000", shown_method(method), code.name)

        async def unimplemented(
            _requests: object, context: grpc.aio.ServicerContext[Any, Any]
        ) -> None:
            await context.abort(code, "Method not found!")

        return grpc.stream_stream_rpc_method_handler(unimplemented)


def _wrap(
    ending: _Ending, handler: grpc.RpcMethodHandler[Any, Any]
) -> grpc.RpcMethodHandler[Any, Any]:
    """Return ``handler`` with its behaviour wrapped in the recorder."""
    kinds = (
        (handler.unary_unary, grpc.unary_unary_rpc_method_handler),
        (handler.unary_stream, grpc.unary_stream_rpc_method_handler),
        (handler.stream_unary, grpc.stream_unary_rpc_method_handler),
        (handler.stream_stream, grpc.stream_stream_rpc_method_handler),
    )
    for behavior, build in kinds:
        if behavior is not None:
            return build(
                _wrap_behavior(ending, behavior),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
    return handler  # pragma: no cover (every handler has one of the four kinds)


class BufferedAccessLog:
    """The access log's own handler: lines kept in memory and written together."""

    def __init__(self, stream: IO[str], formatter: logging.Formatter) -> None:
        """Write to ``stream`` with ``formatter``."""
        target = logging.StreamHandler(stream)
        target.setFormatter(formatter)
        self._buffer = logging.handlers.MemoryHandler(
            BUFFERED_LINES, flushLevel=logging.CRITICAL, target=target, flushOnClose=True
        )

    def install(self) -> None:
        """Send the access log's lines here (and only here)."""
        _log.addHandler(self._buffer)
        _log.propagate = False

    def flush(self) -> None:
        """Write the lines kept so far."""
        self._buffer.flush()
