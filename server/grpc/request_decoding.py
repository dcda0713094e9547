"""Requests that are not a valid protobuf message: INVALID_ARGUMENT, not INTERNAL.

gRPC's Python server parses each request before the handler runs, and answers a request it
cannot parse with INTERNAL ("Exception deserializing request!"), as if the server were at
fault. This interceptor moves the parsing into the handler, so that bytes that are not a valid
message of the method's request type (truncated, corrupted, random) get INVALID_ARGUMENT, which
tells the caller the fault is in its request. The status message names the request type only,
never the bytes. Handlers are wrapped once per method, not once per call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import grpc
from google.protobuf.message import DecodeError

MALFORMED_MESSAGE: Final = "the request is not a valid {} message"


def _parsing(
    behavior: Callable[[Any, grpc.ServicerContext], Any],
    parse: Callable[[bytes], Any],
    type_name: str,
) -> Callable[[bytes, grpc.ServicerContext], Any]:
    message = MALFORMED_MESSAGE.format(type_name)

    def handle(raw: bytes, context: grpc.ServicerContext) -> Any:  # noqa: ANN401 (any response)
        try:
            request = parse(raw)
        except DecodeError:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, message)
        return behavior(request, context)

    return handle


# The stubs make ServerInterceptor generic; the run-time class is not, so it cannot be subscripted.
class RequestDecodingInterceptor(grpc.ServerInterceptor):  # type: ignore[type-arg]
    """Parses unary requests in the handler: malformed bytes become INVALID_ARGUMENT."""

    def __init__(self) -> None:
        """Start with no handler wrapped."""
        self._wrapped: dict[str, tuple[object, grpc.RpcMethodHandler[Any, Any]]] = {}

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler[Any, Any] | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        """Return the method's handler, parsing its request itself (unary requests only)."""
        handler = continuation(handler_call_details)
        if handler is None or handler.unary_unary is None or handler.request_deserializer is None:
            return handler
        method = handler_call_details.method
        cached = self._wrapped.get(method)
        if cached is not None and cached[0] is handler:
            return cached[1]
        parse = handler.request_deserializer
        type_name = method.rsplit("/", 1)[-1] + " request"
        owner = getattr(parse, "__self__", None)
        descriptor = getattr(owner, "DESCRIPTOR", None)
        if descriptor is not None:
            type_name = descriptor.full_name
        wrapped = grpc.unary_unary_rpc_method_handler(
            _parsing(handler.unary_unary, parse, type_name),
            request_deserializer=None,
            response_serializer=handler.response_serializer,
        )
        self._wrapped[method] = (handler, wrapped)
        return wrapped
