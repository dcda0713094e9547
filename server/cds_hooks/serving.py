"""How the CDS Hooks application is served: uvicorn with the service's limits and its log.

``uvicorn_config`` is used by ``python -m server.cds_hooks`` and by the tests alike, so that what
is tested is what is served. The service's own log (``b12_dosing.cds_hooks``: one line per call
with the service, status, card count or reason, and latency; never request content) is written
to standard error beside uvicorn's; uvicorn's access log is off (it would repeat each line).
"""

from __future__ import annotations

import copy
from typing import Any, Final

import uvicorn
from starlette.applications import Starlette
from uvicorn.config import LOGGING_CONFIG

from server.cds_hooks.limits import Limits
from server.cds_hooks.protocol import bounded_protocol

LOGGER: Final = "b12_dosing.cds_hooks"


def log_config(level: str) -> dict[str, Any]:
    """Return uvicorn's logging configuration with the service's logger added at ``level``."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["service"] = {
        "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
    }
    config["handlers"]["service"] = {
        "formatter": "service",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stderr",
    }
    config["loggers"][LOGGER] = {
        "handlers": ["service"],
        "level": level.upper(),
        "propagate": False,
    }
    return config


def uvicorn_config(
    app: Starlette, *, host: str, port: int, limits: Limits, log_level: str = "info"
) -> uvicorn.Config:
    """Return the uvicorn configuration serving ``app`` within ``limits``."""
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=bounded_protocol(limits.header_seconds),
        ws="none",
        lifespan="off",
        log_config=log_config(log_level),
        log_level=log_level,
        access_log=False,
        server_header=False,
        limit_concurrency=limits.max_connections,
        backlog=limits.backlog,
        timeout_keep_alive=limits.keep_alive_seconds,
        h11_max_incomplete_event_size=limits.max_header_bytes,
    )
