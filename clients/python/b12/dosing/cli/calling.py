"""One call to the server from a command: the client from the global options, the response
rendered or printed as JSON, and every error reported with its exit status."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Final

import click
import grpc
from rich.console import Console
from rich.table import Table

from b12.dosing.cli.render import to_json
from b12.dosing.cli.values import MessageT
from b12.dosing.client import DosingClient, DosingError, InvalidRequestError, tls_credentials

EXIT_FAILED: Final = 1
EXIT_INVALID_REQUEST: Final = 3


def _client(context: click.Context) -> DosingClient:
    settings = context.ensure_object(dict)
    credentials = None
    if settings["tls"] or settings["ca"] or settings["cert"]:
        credentials = tls_credentials(settings["ca"], settings["cert"], settings["key"])
    return DosingClient(
        settings["address"], credentials=credentials, timeout_seconds=settings["timeout"]
    )


def unreachable_hint(address: str) -> str:
    """Return the one line printed when no server answers at ``address``."""
    return (
        f"error: no B12 dosing server answers at {address}: start one (`make run`, or"
        " `b12-dosing-server`) or give its address with --address HOST:PORT"
    )


def call(
    context: click.Context,
    send: Callable[[DosingClient], MessageT],
    render: Callable[[Console, MessageT], None],
    *,
    as_json: bool,
) -> MessageT:
    """Send one request with ``send``, print the response (``render``, or JSON) and return it.

    Exits with EXIT_INVALID_REQUEST (the fields listed) or EXIT_FAILED (the status, or a one-line
    hint when no server answers) when the call fails.
    """
    console = Console(highlight=False)
    try:
        with _client(context) as client:
            response = send(client)
    except InvalidRequestError as error:
        _report_invalid(error, as_json=as_json)
        context.exit(EXIT_INVALID_REQUEST)
    except DosingError as error:
        unreachable = error.code == grpc.StatusCode.UNAVAILABLE
        if as_json:
            click.echo(json.dumps({"error": {"code": error.code.name, "message": error.message}}))
        if unreachable:
            click.echo(unreachable_hint(context.ensure_object(dict)["address"]), err=True)
        elif not as_json:
            click.echo(f"error: {error.code.name}: {error.message}", err=True)
        context.exit(EXIT_FAILED)
    if as_json:
        click.echo(to_json(response))
    else:
        render(console, response)
    return response


def _report_invalid(error: InvalidRequestError, *, as_json: bool) -> None:
    if as_json:
        # The names of google.rpc.BadRequest's JSON mapping.
        violations = [
            {"field": violation.field, "description": violation.description}
            for violation in error.violations
        ]
        document = {
            "error": {
                "code": error.code.name,
                "message": error.message,
                "fieldViolations": violations,
            }
        }
        click.echo(json.dumps(document, indent=2))
        return
    errors = Console(stderr=True, highlight=False)
    table = Table(title="Invalid request", title_justify="left", title_style="bold red")
    table.add_column("field")
    table.add_column("why", overflow="fold")
    for violation in error.violations:
        table.add_row(violation.field, violation.description)
    errors.print(table)
