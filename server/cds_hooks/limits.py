"""Every bound of the CDS Hooks service, in one place: what one request may hold, how long a client
may take to send it, and how much of the machine it may use.

A request over a bound is refused with its reason (``400``; ``413`` for the body size; ``408`` for
a client too slow to send its request), never truncated or half-read. The bounds are generous for
any real order: an order-sign call of a large order set holds tens of draft orders, and a B12
order holds one or two dosage instructions of at most a few dozen dates.

Time-outs for slow clients: uvicorn ends an idle keep-alive connection after
``keep_alive_seconds``, but has no limit on how long a client may take to send a request. The
service adds two (``server.cds_hooks.protocol`` and the body reader of ``server.cds_hooks.app``):
the request line and headers must arrive within ``header_seconds`` of the connection opening (or
of the previous response), and the body within ``body_seconds`` of the headers; otherwise the
answer is ``408`` and the connection is closed. A client sending 1 byte per second therefore holds
its connection for at most ``header_seconds`` + ``body_seconds``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

MIB: Final = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """The service's bounds (see the module docstring). Defaults are the production values."""

    # What one request may hold.
    max_body_bytes: int = MIB
    max_json_depth: int = 64  # nesting of objects and arrays; FHIR R4 resources need about 12
    max_draft_orders: int = 200  # entries of context.draftOrders
    max_b12_orders: int = 10  # draft B12 orders checked per request
    max_dosages_per_order: int = 10  # dosageInstruction entries of one B12 order
    max_dates_per_dosage: int = 400  # dates one dosage may expand to (count, boundsPeriod, event)
    max_resources: int = 5000  # resources across the prefetch and the fetched record
    # How long a client may take (seconds).
    header_seconds: float = 10.0
    body_seconds: float = 10.0
    keep_alive_seconds: int = 5
    # uvicorn: the most connections and requests at once (beyond it: 503), the listen backlog and
    # the largest request line and header block (beyond it: 400).
    max_connections: int = 1000
    backlog: int = 2048
    max_header_bytes: int = 16 * 1024
    # The kernel runs off the event loop, in at most this many threads at once.
    kernel_threads: int = 4
    # Calls to the EHR's FHIR server (seconds; bytes per response; pages per search).
    fhir_connect_seconds: float = 2.0
    fhir_read_seconds: float = 5.0
    fhir_total_seconds: float = 8.0
    fhir_max_response_bytes: int = 4 * MIB
    fhir_max_pages: int = 5


DEFAULT_LIMITS: Final = Limits()
