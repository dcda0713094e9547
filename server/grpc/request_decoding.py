"""Receiving and parsing each unary request in the handler, within a deadline.

gRPC's server receives and parses a unary request before the handler runs. Moving both into the
handler gives three guarantees the framework does not:

- **A receive deadline.** A call whose headers arrived but whose request message does not (a
  held or slow stream) ends with DEADLINE_EXCEEDED after ``receive_timeout_seconds``, so it
  frees its call slot instead of holding it for as long as the client likes. The handler is
  registered as client-streaming for this (the wire format of a unary call and of a
  client-streaming call with one message is the same), reads the one message with a time-out,
  and never reads a second.
- **Malformed bytes are the caller's fault.** Bytes that are not a valid message of the
  method's request type (truncated, corrupted, random) get INVALID_ARGUMENT, where the
  framework answers INTERNAL ("Exception deserializing request!"), as if the server were at
  fault. A call that ends without any request message gets INVALID_ARGUMENT too. The status
  message names the request type only, never the bytes.
- **A fault is INTERNAL, without content.** An unexpected exception in a handler ends the
  call with INTERNAL and the fixed message ``INTERNAL_MESSAGE``; it is logged by its type and
  where it was raised, never by its message (a message may quote the request). The framework
  would instead log the traceback and send the exception's text to the caller.

Handlers are wrapped once, when they are registered (``server.grpc.app``), not once per call.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final, cast

import grpc
from google.protobuf.message import DecodeError

_log = logging.getLogger("b12_dosing.server")

MALFORMED_MESSAGE: Final = "the request is not a valid {} message"
MISSING_MESSAGE: Final = "the call carries no {} message"
LATE_MESSAGE: Final = "the request message did not arrive within {:g} s"
INTERNAL_MESSAGE: Final = "internal error"

Behavior = Callable[[Any, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]
# What ServicerContext.read() returns at the end of the requests (not in the type stubs).
END_OF_REQUESTS: Final[object] = grpc.aio.EOF  # type: ignore[attr-defined]


def describe_fault(error: BaseException) -> str:
    """Describe an unexpected exception by its type and where it was raised, never by its
    message: a message may quote the request (``ValueError: year 10000 is out of range``)."""
    frames = " <- ".join(
        f"{Path(frame.filename).name}:{frame.lineno} {frame.name}"
        for frame in reversed(traceback.extract_tb(error.__traceback__))
    )
    return f"{type(error).__qualname__} at {frames}"


class CallCount:
    """The calls in progress in the handlers (waiting for their request included)."""

    def __init__(self) -> None:
        """Start at zero."""
        self.in_progress = 0


def _receiving(  # noqa: PLR0913 (one wrapped method, spelled out)
    behavior: Behavior,
    parse: Callable[[bytes], Any],
    *,
    method: str,
    type_name: str,
    receive_timeout_seconds: float,
    count: CallCount,
) -> Callable[[object, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]:
    malformed = MALFORMED_MESSAGE.format(type_name)
    missing = MISSING_MESSAGE.format(type_name)
    late = LATE_MESSAGE.format(receive_timeout_seconds)

    async def handle(_requests: object, context: grpc.aio.ServicerContext[Any, Any]) -> Any:  # noqa: ANN401 (any response)
        count.in_progress += 1
        try:
            return await _serve(context)
        finally:
            count.in_progress -= 1

    async def _serve(context: grpc.aio.ServicerContext[Any, Any]) -> Any:  # noqa: ANN401 (any response)
        try:
            async with asyncio.timeout(receive_timeout_seconds):
                raw = await context.read()
        except TimeoutError:
            await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, late)
        if raw is END_OF_REQUESTS:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, missing)
        try:
            request = parse(raw)
        except DecodeError:
            await context.abort(grpc.StatusCode.INVALID_ARGUMENT, malformed)
        try:
            return await behavior(request, context)
        except grpc.aio.AbortError:
            raise
        except Exception as error:  # noqa: BLE001 (any fault becomes INTERNAL, without content)
            _log.error("%s failed: %s", method, describe_fault(error))
            await context.abort(grpc.StatusCode.INTERNAL, INTERNAL_MESSAGE)

    return handle


class Receiving:
    """Makes unary handlers receive and parse their request themselves: a receive deadline,
    INVALID_ARGUMENT for malformed bytes, INTERNAL without content for a fault."""

    def __init__(self, receive_timeout_seconds: float) -> None:
        """Wait at most ``receive_timeout_seconds`` for each call's request message."""
        self._receive_timeout_seconds = receive_timeout_seconds
        self.count = CallCount()

    def wrap(
        self, method: str, handler: grpc.RpcMethodHandler[Any, Any]
    ) -> grpc.RpcMethodHandler[Any, Any]:
        """Return the handler of ``method`` (``/package.Service/Method``) receiving and parsing
        its request itself (unary requests with a unary response only; others as they are)."""
        if handler.unary_unary is None or handler.request_deserializer is None:
            return handler
        parse = handler.request_deserializer
        type_name = method.rsplit("/", 1)[-1] + " request"
        owner = getattr(parse, "__self__", None)
        descriptor = getattr(owner, "DESCRIPTOR", None)
        if descriptor is not None:
            type_name = descriptor.full_name
        return grpc.stream_unary_rpc_method_handler(
            _receiving(
                cast("Behavior", handler.unary_unary),
                parse,
                method=method.rsplit("/", 1)[-1],
                type_name=type_name,
                receive_timeout_seconds=self._receive_timeout_seconds,
                count=self.count,
            ),
            request_deserializer=None,
            response_serializer=handler.response_serializer,
        )
