"""``python -m server.cds_hooks --host 127.0.0.1 --port 8080``: serve the CDS Hooks service.

Flags win over environment variables (``B12_DOSING_CDS_HOST``, ``B12_DOSING_CDS_PORT``,
``B12_DOSING_CDS_SOURCE_URL``, ``B12_DOSING_CDS_CORS_ORIGINS`` comma-separated), which win over
the defaults (127.0.0.1:8080, no source URL, no CORS origin).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import uvicorn

from server.cds_hooks.app import create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Read the command line (and the environment for defaults)."""
    parser = argparse.ArgumentParser(
        prog="python -m server.cds_hooks", description="Serve the B12 dosing CDS Hooks service."
    )
    parser.add_argument("--host", default=os.environ.get("B12_DOSING_CDS_HOST", DEFAULT_HOST))
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("B12_DOSING_CDS_PORT", DEFAULT_PORT))
    )
    parser.add_argument(
        "--source-url",
        default=os.environ.get("B12_DOSING_CDS_SOURCE_URL"),
        help="URL every card's source links to (for example the published rule set)",
    )
    parser.add_argument(
        "--cors-origin",
        action="append",
        default=[
            origin
            for origin in os.environ.get("B12_DOSING_CDS_CORS_ORIGINS", "").split(",")
            if origin
        ],
        help="a browser origin allowed to call the service (repeatable; none by default)",
    )
    parser.add_argument("--log-level", default="info")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until interrupted (uvicorn handles SIGINT and SIGTERM gracefully)."""
    args = parse_args(argv)
    uvicorn.run(
        create_app(source_url=args.source_url, cors_origins=args.cors_origin),
        host=args.host,
        port=args.port,
        log_level=args.log_level,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
