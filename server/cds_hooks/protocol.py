"""uvicorn's HTTP/1.1 protocol with a limit on how long a client may take to send its headers.

uvicorn (0.54, h11) ends an idle keep-alive connection after ``timeout_keep_alive``, but any byte
received cancels that timer and nothing re-arms it, so a client sending one byte per second holds
its connection, and a task slot under ``limit_concurrency``, for ever. This protocol arms its own
timer when a connection opens and after each response, and disarms it only when a whole request
line and header block has arrived. When it fires, a client that sent part of a request gets
``408 Request Timeout`` and the connection is closed; one that sent nothing is closed silently (as
an idle keep-alive connection is). The body has its own limit, in the application
(``server.cds_hooks.app``), so that its ``408`` goes through the normal response path.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, ClassVar

from uvicorn.protocols.http.h11_impl import H11Protocol

_log = logging.getLogger("b12_dosing.cds_hooks")

_TIMEOUT_BODY = b"the request headers did not arrive in time\n"
_TIMEOUT_RESPONSE = (
    b"HTTP/1.1 408 Request Timeout\r\n"
    b"content-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\n"
    b"content-length: %d\r\n"
    b"\r\n" % len(_TIMEOUT_BODY)
) + _TIMEOUT_BODY


class HeaderTimeoutProtocol(H11Protocol):
    """``H11Protocol`` with a header time-out of ``header_seconds`` (see ``bounded_protocol``)."""

    header_seconds: ClassVar[float] = 10.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401 (uvicorn's signature)
        """Set up as ``H11Protocol`` does, with the header clock stopped."""
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._bytes_since_armed = 0

    def _arm(self) -> None:
        self._disarm()
        self._bytes_since_armed = 0
        self._header_timer = self.loop.call_later(self.header_seconds, self._on_header_timeout)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the header clock as the connection opens."""
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clock."""
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Count the bytes of a request in progress, then let h11 read them."""
        self._bytes_since_armed += len(data)
        super().data_received(data)

    def handle_events(self) -> None:
        """Stop the clock once a request's headers are complete (a new request cycle)."""
        before = self.cycle
        super().handle_events()
        if self.cycle is not before:
            self._disarm()

    def on_response_complete(self) -> None:
        """Restart the clock for the next request on this connection."""
        if not self.transport.is_closing():
            self._arm()
        super().on_response_complete()

    def _on_header_timeout(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        if self._bytes_since_armed:
            _log.info("408 request headers not received within %.1f s", self.header_seconds)
            self.transport.write(_TIMEOUT_RESPONSE)
        self.transport.close()


def bounded_protocol(header_seconds: float) -> type[HeaderTimeoutProtocol]:
    """Return the protocol class with the given header time-out."""
    return type(
        "BoundedHeaderTimeoutProtocol",
        (HeaderTimeoutProtocol,),
        {"header_seconds": header_seconds},
    )
