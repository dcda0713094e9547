"""Server configuration: command-line flags, then environment variables, then defaults.

Every setting has a flag (``--max-workers``) and an environment variable
(``B12_DOSING_MAX_WORKERS``); a flag wins over the variable, the variable over the default. The
defaults serve plaintext on 127.0.0.1:50051, which only the local machine can reach.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

ENV_PREFIX: Final = "B12_DOSING_"
DEFAULT_ADDRESS: Final = "127.0.0.1:50051"
EVENT_LOOPS: Final = ("uvloop", "asyncio")


class ConfigError(ValueError):
    """A setting has a value the server cannot use."""


def split_address(address: str) -> tuple[str, int]:
    """``"127.0.0.1:50051"`` -> ``("127.0.0.1", 50051)``; ``"[::1]:0"`` -> ``("::1", 0)``."""
    host, _, port = address.rpartition(":")
    if not host or not port.isdigit():
        message = f"not host:port: {address!r}"
        raise ValueError(message)
    return host.removeprefix("[").removesuffix("]"), int(port)


@dataclass(frozen=True)
class TlsFiles:
    """PEM files for TLS; with ``client_ca`` the server requires client certificates (mTLS)."""

    certificate: Path
    private_key: Path
    client_ca: Path | None = None


@dataclass(frozen=True)
class ServerConfig:
    """Everything the composition root needs to build a server."""

    # host:port to listen on; port 0 picks a free port (create_server returns it).
    address: str = DEFAULT_ADDRESS
    # Calls in progress at once in one server process, those still waiting for their request
    # included; beyond it, new calls fail fast with RESOURCE_EXHAUSTED.
    max_concurrent_rpcs: int = 256
    # Calls at once on one connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS), well below
    # max_concurrent_rpcs so that one connection cannot take every call slot. A stream opened
    # beyond it is refused (RST_STREAM). The gRPC core's overload protection, which is what
    # contains rapid reset, also refuses some of the streams a client opens beyond the limit
    # before it has seen it (UNAVAILABLE, safe to retry): 100, the HTTP/2 specification's
    # recommended minimum, is above what a well-behaved client opens at once on one connection.
    max_concurrent_streams: int = 100
    # Seconds from a call's headers to its request message; a call whose request has not
    # arrived by then ends with DEADLINE_EXCEEDED, so a held or slow stream frees its slot.
    receive_timeout_seconds: float = 5.0
    # Keepalive: after this long without traffic the server pings the client, and closes the
    # connection when the ping is not answered within keepalive_timeout_seconds.
    keepalive_seconds: float = 60.0
    keepalive_timeout_seconds: float = 20.0
    # Ping policy: a client may ping at most this often; one that pings more often is sent
    # GOAWAY (ENHANCE_YOUR_CALM, "too_many_pings") after two strikes.
    min_client_ping_interval_seconds: float = 10.0
    # A connection without calls for this long is closed (GOAWAY); any connection is closed
    # after max_connection_age_seconds (GOAWAY, then connection_age_grace_seconds for the calls
    # in progress), so that clients spread over workers and replicas again.
    max_connection_idle_seconds: float = 300.0
    max_connection_age_seconds: float = 1800.0
    connection_age_grace_seconds: float = 10.0
    # Seconds a new connection has to complete its handshake (TLS included).
    handshake_timeout_seconds: float = 10.0
    # The largest request accepted; larger ones fail with RESOURCE_EXHAUSTED. 256 KiB holds a
    # lifetime of injections and lab results many times over.
    max_receive_message_bytes: int = 256 * 1024
    # On SIGTERM/SIGINT: seconds to keep serving with health NOT_SERVING, so that load balancers
    # stop sending new calls, before the server stops accepting them.
    drain_seconds: float = 0.0
    # Then: seconds for the calls in progress to finish before they are cancelled.
    grace_seconds: float = 10.0
    # One log line per call (method, status code, latency; never request or response content),
    # buffered. Off by default: the metrics count every call by method and status code.
    access_log: bool = False
    # host:port of the Prometheus metrics (http://ADDRESS/metrics); empty: not served.
    metrics_address: str = ""
    log_level: str = "INFO"
    # The event loop the server runs on: "uvloop" (measured faster per call) or "asyncio".
    event_loop: str = "uvloop"
    # Let several server processes share the port (SO_REUSEPORT), one per core. Off by default,
    # so that a second server on a taken port fails instead of silently sharing it.
    reuse_port: bool = False
    tls: TlsFiles | None = None

    def __post_init__(self) -> None:
        """Reject settings the server cannot use."""
        if self.max_concurrent_rpcs < 1:
            raise ConfigError("max_concurrent_rpcs must be at least 1")  # noqa: EM101, TRY003
        if self.max_receive_message_bytes < 1:
            raise ConfigError("max_receive_message_bytes must be positive")  # noqa: EM101, TRY003
        if self.event_loop not in EVENT_LOOPS:
            raise ConfigError(f"event_loop must be one of {', '.join(EVENT_LOOPS)}")  # noqa: EM102, TRY003
        if self.max_concurrent_streams < 1:
            raise ConfigError("max_concurrent_streams must be at least 1")  # noqa: EM101, TRY003
        if self.drain_seconds < 0 or self.grace_seconds < 0:
            raise ConfigError("drain and grace periods must not be negative")  # noqa: EM101, TRY003
        if min(self.timeouts_seconds()) <= 0:
            raise ConfigError("time-outs and connection limits must be positive")  # noqa: EM101, TRY003

    def timeouts_seconds(self) -> tuple[float, ...]:
        """Return the time-outs and connection limits, each of which must be positive."""
        return (
            self.receive_timeout_seconds,
            self.keepalive_seconds,
            self.keepalive_timeout_seconds,
            self.min_client_ping_interval_seconds,
            self.max_connection_idle_seconds,
            self.max_connection_age_seconds,
            self.connection_age_grace_seconds,
            self.handshake_timeout_seconds,
        )


def _flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def _env(name: str) -> str:
    return ENV_PREFIX + name.upper()


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    message = f"not a yes/no value: {text!r}"
    raise argparse.ArgumentTypeError(message)


_CONVERTERS: Final[Mapping[str, Callable[[str], Any]]] = {
    "address": str,
    "max_concurrent_rpcs": int,
    "max_concurrent_streams": int,
    "max_receive_message_bytes": int,
    "receive_timeout_seconds": float,
    "keepalive_seconds": float,
    "keepalive_timeout_seconds": float,
    "min_client_ping_interval_seconds": float,
    "max_connection_idle_seconds": float,
    "max_connection_age_seconds": float,
    "connection_age_grace_seconds": float,
    "handshake_timeout_seconds": float,
    "drain_seconds": float,
    "grace_seconds": float,
    "access_log": _parse_bool,
    "metrics_address": str,
    "log_level": str,
    "event_loop": str,
    "reuse_port": _parse_bool,
    "tls_cert": Path,
    "tls_key": Path,
    "tls_client_ca": Path,
}
_TLS_SETTINGS: Final = ("tls_cert", "tls_key", "tls_client_ca")
_METAVARS: Final[Mapping[Callable[[str], Any], str]] = {
    int: "N",
    float: "SECONDS",
    _parse_bool: "BOOL",
    Path: "PATH",
}

_HELP: Final = {
    "address": "host:port to listen on (port 0: any free port)",
    "max_concurrent_rpcs": "calls in progress at once; more fail with RESOURCE_EXHAUSTED",
    "max_concurrent_streams": "calls at once on one connection (HTTP/2); clients queue the rest",
    "max_receive_message_bytes": "largest request accepted; larger ones: RESOURCE_EXHAUSTED",
    "receive_timeout_seconds": "a call whose request has not arrived by then: DEADLINE_EXCEEDED",
    "keepalive_seconds": "ping a connection after this long without traffic",
    "keepalive_timeout_seconds": "close a connection whose ping is not answered by then",
    "min_client_ping_interval_seconds": "clients pinging more often get GOAWAY (too_many_pings)",
    "max_connection_idle_seconds": "close a connection without calls after this long (GOAWAY)",
    "max_connection_age_seconds": "close any connection after this long (GOAWAY)",
    "connection_age_grace_seconds": "then, seconds for its calls in progress to finish",
    "handshake_timeout_seconds": "seconds a new connection has to finish its handshake (TLS)",
    "drain_seconds": "on SIGTERM/SIGINT, seconds to report NOT_SERVING before stopping",
    "grace_seconds": "then, seconds for calls in progress to finish",
    "access_log": "log method, status and latency of every call, buffered (true/false)",
    "metrics_address": "host:port to serve Prometheus metrics on, at /metrics (empty: none)",
    "log_level": "DEBUG, INFO, WARNING or ERROR",
    "event_loop": "the event loop: uvloop or asyncio",
    "reuse_port": "share the port with other server processes (true/false)",
    "tls_cert": "PEM certificate chain: serve TLS (with --tls-key)",
    "tls_key": "PEM private key of --tls-cert",
    "tls_client_ca": "PEM CA bundle: require client certificates signed by it (mTLS)",
}


def parser() -> argparse.ArgumentParser:
    """Return the command-line parser. Its flags default to ``None`` (not given), so that
    ``load`` can fall back to the environment and then to ``ServerConfig``'s defaults."""
    result = argparse.ArgumentParser(
        prog="b12-dosing-server",
        description="Serve the B12 dosing API (b12.dosing.v1.DosingService) over gRPC.",
        epilog=f"Every flag can also be set by an environment variable, {ENV_PREFIX}<FLAG> (for"
        f" example {_env('max_concurrent_rpcs')}=512); a flag wins over the variable.",
    )
    defaults = ServerConfig()
    for name, convert in _CONVERTERS.items():
        default = getattr(defaults, name, None)
        shown = "" if default is None else f" (default: {default})"
        result.add_argument(
            _flag(name),
            type=convert,
            default=None,
            metavar=_METAVARS.get(convert, "VALUE"),
            help=f"{_HELP[name]}; env {_env(name)}{shown}",
        )
    return result


def load(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> ServerConfig:
    """Return the configuration from ``argv`` (flags) and ``environ`` (variables).

    Exits with status 2 and a message on a bad value, like any command-line error.
    """
    environ = os.environ if environ is None else environ
    command_line = parser()
    arguments = vars(command_line.parse_args(argv))
    values: dict[str, Any] = {}
    for name, convert in _CONVERTERS.items():
        value = arguments[name]
        text = environ.get(_env(name), "")
        if value is None and text:
            try:
                value = convert(text)
            except (ValueError, argparse.ArgumentTypeError) as error:
                command_line.error(f"{_env(name)}: {error}")
        if value is not None:
            values[name] = value
    certificate, key, client_ca = (values.pop(name, None) for name in _TLS_SETTINGS)
    if (certificate is None) != (key is None):
        command_line.error("--tls-cert and --tls-key go together")
    if client_ca is not None and certificate is None:
        command_line.error("--tls-client-ca needs --tls-cert and --tls-key")
    if certificate is not None and key is not None:
        values["tls"] = TlsFiles(certificate, key, client_ca)
    try:
        return ServerConfig(**values)
    except ConfigError as error:
        command_line.error(str(error))
