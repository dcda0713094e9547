"""What the gRPC core writes to standard error, made fit for an operator's log.

The gRPC core (C++) writes its own lines to file descriptor 2, outside Python's logging. One
of them is written for every failed TLS handshake ("Handshake failed with error ..."), so
anyone who can open a connection could make the server write lines at will. ``CoreLogFilter``
puts a pipe in front of descriptor 2: a thread reads what the core writes, counts the failed
handshakes and reports their number at most once every ``REPORT_SECONDS`` (one warning line,
only when there were some), and passes every other line through unchanged. Python's own
logging keeps writing to the original standard error directly.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import select
import sys
import threading
import time
from typing import Final

from server.grpc.metrics import HANDSHAKES_FAILED

HANDSHAKE_FAILED: Final = b"Handshake failed"
REPORT_SECONDS: Final = 10.0
_READ_BYTES: Final = 65536

_log = logging.getLogger("b12_dosing.server")


class CoreLogFilter:
    """Counts the core's failed-handshake lines instead of writing them; passes the rest."""

    def __init__(self, report_seconds: float = REPORT_SECONDS) -> None:
        """Report the count at most once every ``report_seconds``."""
        self._report_seconds = report_seconds
        self._lock = threading.Lock()
        self._failed = 0
        self._reported = 0

    @property
    def failed_handshakes(self) -> int:
        """The failed TLS handshakes counted so far."""
        with self._lock:
            return self._failed

    def install(self) -> None:
        """Put the filter in front of file descriptor 2, and point ``sys.stderr`` (Python's
        logging) at the original standard error. Call it before ``logging.basicConfig``."""
        original = os.dup(2)
        readable, writable = os.pipe()
        os.dup2(writable, 2)
        os.close(writable)
        sys.stderr = io.TextIOWrapper(
            os.fdopen(os.dup(original), "wb", buffering=0), line_buffering=True, errors="replace"
        )
        threading.Thread(
            target=self._pump, args=(readable, original), name="core-log", daemon=True
        ).start()

    def _pump(self, readable: int, original: int) -> None:
        pending = b""
        next_report = time.monotonic() + self._report_seconds
        while True:
            ready, _, _ = select.select([readable], [], [], self._report_seconds)
            if ready:
                chunk = os.read(readable, _READ_BYTES)
                if not chunk:
                    return
                *lines, pending = (pending + chunk).split(b"\n")
                passed = [line for line in lines if not self._counted(line)]
                if passed:
                    with contextlib.suppress(OSError):
                        os.write(original, b"".join(line + b"\n" for line in passed))
            if time.monotonic() >= next_report:
                next_report = time.monotonic() + self._report_seconds
                self.report()

    def _counted(self, line: bytes) -> bool:
        if HANDSHAKE_FAILED not in line:
            return False
        with self._lock:
            self._failed += 1
        HANDSHAKES_FAILED.inc()
        return True

    def report(self) -> None:
        """Log the failed handshakes since the last report, if there were any."""
        with self._lock:
            new = self._failed - self._reported
            self._reported = self._failed
            total = self._failed
        if new:
            _log.warning("TLS handshakes failed: %d since the last report, %d in all", new, total)
