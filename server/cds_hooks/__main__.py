"""``python -m server.cds_hooks --host 127.0.0.1 --port 8080``: serve the CDS Hooks service.

Flags win over environment variables (``B12_DOSING_CDS_HOST``, ``B12_DOSING_CDS_PORT``,
``B12_DOSING_CDS_SOURCE_URL``, ``B12_DOSING_CDS_CORS_ORIGINS`` comma-separated), which win over
the defaults (127.0.0.1:8080, no source URL, no CORS origin). The limits for slow clients and
concurrent connections are flags too (``--header-timeout``, ``--body-timeout``,
``--max-connections``; defaults in ``server.cds_hooks.limits``).

Authentication (``server.cds_hooks.auth``) is on unless ``--insecure-no-auth`` is given, and then
needs the service's public URL (``--service-url``, the JWTs' ``aud`` prefix;
``B12_DOSING_CDS_SERVICE_URL``) and at least one trusted issuer with its JWK Set, by URL
(``--trusted-issuer ISS=URL``) or local file (``--trusted-issuer-jwks-file ISS=PATH``).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import uvicorn

from server.cds_hooks.app import create_app
from server.cds_hooks.auth import AuthSettings, TrustedIssuer
from server.cds_hooks.limits import DEFAULT_LIMITS
from server.cds_hooks.serving import LOGGER, uvicorn_config

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
    parser.add_argument(
        "--header-timeout",
        type=float,
        default=DEFAULT_LIMITS.header_seconds,
        help="seconds a client has to send a request's line and headers (then 408)",
    )
    parser.add_argument(
        "--body-timeout",
        type=float,
        default=DEFAULT_LIMITS.body_seconds,
        help="seconds a client has to send a request's body once its headers arrived (then 408)",
    )
    parser.add_argument(
        "--max-connections",
        type=int,
        default=DEFAULT_LIMITS.max_connections,
        help="most connections and requests at once (beyond it: 503)",
    )
    parser.add_argument(
        "--service-url",
        default=os.environ.get("B12_DOSING_CDS_SERVICE_URL"),
        help="the service's public base URL, as EHRs call it (the JWTs' aud prefix)",
    )
    parser.add_argument(
        "--trusted-issuer",
        action="append",
        default=[],
        metavar="ISS=URL",
        help="trust JWTs of issuer ISS signed with a key of the JWK Set at URL (repeatable)",
    )
    parser.add_argument(
        "--trusted-issuer-jwks-file",
        action="append",
        default=[],
        metavar="ISS=PATH",
        help="trust JWTs of issuer ISS signed with a key of the JWK Set in PATH (repeatable)",
    )
    parser.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="accept calls without a JWT (local trial only; logged as a warning at start)",
    )
    parser.add_argument("--log-level", default="info")
    return parser.parse_args(argv)


def auth_settings(args: argparse.Namespace) -> AuthSettings | None:
    """Return the authentication settings the flags give (None with --insecure-no-auth)."""
    if args.insecure_no_auth:
        return None
    issuers: list[TrustedIssuer] = []
    for flag, values in (
        ("--trusted-issuer", args.trusted_issuer),
        ("--trusted-issuer-jwks-file", args.trusted_issuer_jwks_file),
    ):
        for value in values:
            issuer, separator, where = str(value).rpartition("=")
            if not separator or not issuer or not where:
                message = f"{flag} takes ISS=LOCATION, not {value!r}"
                raise SystemExit(message)
            issuers.append(
                TrustedIssuer(issuer, jwks_url=where)
                if flag == "--trusted-issuer"
                else TrustedIssuer(issuer, jwks_file=Path(where))
            )
    if not args.service_url or not issuers:
        message = (
            "authentication is on: give --service-url and at least one --trusted-issuer or"
            " --trusted-issuer-jwks-file (or, for a local trial only, --insecure-no-auth)"
        )
        raise SystemExit(message)
    try:
        return AuthSettings(service_url=args.service_url, issuers=tuple(issuers))
    except ValueError as error:
        raise SystemExit(str(error)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until interrupted (uvicorn handles SIGINT and SIGTERM gracefully)."""
    args = parse_args(argv)
    limits = dataclasses.replace(
        DEFAULT_LIMITS,
        header_seconds=args.header_timeout,
        body_seconds=args.body_timeout,
        max_connections=args.max_connections,
    )
    auth = auth_settings(args)
    app = create_app(
        auth=auth, source_url=args.source_url, cors_origins=args.cors_origin, limits=limits
    )
    config = uvicorn_config(
        app, host=args.host, port=args.port, limits=limits, log_level=args.log_level
    )
    log = logging.getLogger(LOGGER)
    if auth is None:
        log.warning(
            "AUTHENTICATION IS OFF (--insecure-no-auth): any caller that reaches this port is"
            " served. For a local trial only; never with patient data."
        )
    else:
        names = ", ".join(issuer.issuer for issuer in auth.issuers)
        log.info(
            "authentication on: aud %s/cds-services..., trusted issuers %s", auth.service_url, names
        )
    uvicorn.Server(config).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
