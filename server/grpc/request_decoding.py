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
import time
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


Ending = Callable[[str, float], None]  # records a call's status code and start time


class ReceiveWatch:
    """The calls waiting for their request message, and a sweep, every fifth of the receive
    time-out, that cancels the wait of those waiting longer than the time-out (cheaper per call
    than a timer per call: a call only notes when it started waiting)."""

    def __init__(self, timeout_seconds: float) -> None:
        """End waits longer than ``timeout_seconds`` (within a fifth more)."""
        self.timeout_seconds = timeout_seconds
        self.in_progress = 0
        self.waiting: dict[asyncio.Task[Any], float] = {}
        self.expired: set[asyncio.Task[Any]] = set()
        self._sweeping: asyncio.TimerHandle | None = None

    def watch(self, task: asyncio.Task[Any], loop: asyncio.AbstractEventLoop) -> None:
        """Note that ``task`` starts waiting for its request now."""
        self.waiting[task] = loop.time()
        if self._sweeping is None:
            self._sweeping = loop.call_later(self.timeout_seconds / 5, self._sweep, loop)

    def _sweep(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        self.expired = {task for task in self.expired if not task.done()}
        for task, since in list(self.waiting.items()):
            if now - since >= self.timeout_seconds:
                del self.waiting[task]
                self.expired.add(task)
                task.cancel()
        self._sweeping = loop.call_later(self.timeout_seconds / 5, self._sweep, loop)


def _receiving(  # noqa: C901, PLR0913 (one wrapped method, spelled out)
    behavior: Behavior,
    parse: Callable[[bytes], Any],
    *,
    method: str,
    type_name: str,
    watch: ReceiveWatch,
    ending: Ending | None,
) -> Callable[[object, grpc.aio.ServicerContext[Any, Any]], Awaitable[Any]]:
    malformed = MALFORMED_MESSAGE.format(type_name)
    missing = MISSING_MESSAGE.format(type_name)
    late = LATE_MESSAGE.format(watch.timeout_seconds)
    current_task = asyncio.current_task
    running_loop = asyncio.get_running_loop
    waiting = watch.waiting
    now = time.perf_counter

    async def handle(_requests: object, context: grpc.aio.ServicerContext[Any, Any]) -> Any:  # noqa: ANN401 (any response)
        started = now()
        code = "CANCELLED"  # what is left when the call is cancelled mid-way
        watch.in_progress += 1
        try:
            response = await _serve(context)
            code = code_name(context, failed=False)
        except Exception:
            code = code_name(context, failed=True)
            raise
        finally:
            watch.in_progress -= 1
            if ending is not None:
                ending(code, started)
        return response

    async def _serve(context: grpc.aio.ServicerContext[Any, Any]) -> Any:  # noqa: ANN401 (any response)
        task = current_task()
        assert task is not None, "a call runs in a task"
        watch.watch(task, running_loop())
        try:
            raw = await context.read()
        except asyncio.CancelledError:
            if task not in watch.expired:
                raise
            watch.expired.discard(task)
            task.uncancel()
            await context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, late)
        finally:
            waiting.pop(task, None)
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


def code_name(context: grpc.aio.ServicerContext[Any, Any], *, failed: bool) -> str:
    """Return the name of the status code a call ended with."""
    # None until the handler set a code or aborted (the stubs say a code is always there).
    code: grpc.StatusCode | None = context.code()
    if code is None:
        # A handler that raised without aborting ends as UNKNOWN; one that returned, as OK.
        return "UNKNOWN" if failed else "OK"
    return str(code.name)


class Receiving:
    """Makes unary handlers receive and parse their request themselves: a receive deadline,
    INVALID_ARGUMENT for malformed bytes, INTERNAL without content for a fault."""

    def __init__(self, receive_timeout_seconds: float) -> None:
        """Wait at most ``receive_timeout_seconds`` for each call's request message."""
        self.watch = ReceiveWatch(receive_timeout_seconds)

    @staticmethod
    def takes(handler: grpc.RpcMethodHandler[Any, Any]) -> bool:
        """Return whether ``wrap`` changes ``handler`` (a unary request and response)."""
        return handler.unary_unary is not None and handler.request_deserializer is not None

    def wrap(
        self,
        method: str,
        handler: grpc.RpcMethodHandler[Any, Any],
        ending: Ending | None = None,
    ) -> grpc.RpcMethodHandler[Any, Any]:
        """Return the handler of ``method`` (``/package.Service/Method``) receiving and parsing
        its request itself (unary requests with a unary response only; others as they are);
        ``ending`` is told each call's status code and start time when it ends."""
        if not self.takes(handler):
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
                cast("Callable[[bytes], Any]", parse),
                method=method.rsplit("/", 1)[-1],
                type_name=type_name,
                watch=self.watch,
                ending=ending,
            ),
            request_deserializer=None,
            response_serializer=handler.response_serializer,
        )
