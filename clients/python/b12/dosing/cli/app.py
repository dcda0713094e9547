"""The ``b12-dosing`` command group: global options (server address, TLS, deadline, version) and
``main``, which runs it and returns the exit status."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import click
import grpc

from b12.dosing.cli import assess, check, export, plan, rules
from b12.dosing.cli.calling import EXIT_FAILED
from b12.dosing.client import DEFAULT_TARGET
from b12.dosing.v1 import dosing_pb2 as pb

DISTRIBUTION = "b12-dosing-client"


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "B12_DOSING"}
)
@click.version_option(
    package_name=DISTRIBUTION,
    prog_name="b12-dosing",
    message=f"%(prog)s %(version)s ({DISTRIBUTION}, API {pb.DESCRIPTOR.package})",
)
@click.option(
    "--address",
    default=DEFAULT_TARGET,
    show_default=True,
    help="host:port of the server (env B12_DOSING_ADDRESS)",
)
@click.option("--timeout", default=10.0, show_default=True, help="deadline of a call, in seconds")
@click.option("--tls", is_flag=True, help="use TLS (trusting the system's roots unless --ca)")
@click.option(
    "--ca",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PEM CA to trust (implies --tls)",
)
@click.option(
    "--cert",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PEM client certificate, for mutual TLS",
)
@click.option(
    "--key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PEM private key of --cert",
)
@click.pass_context
def cli(  # noqa: PLR0913, PLR0917 (one parameter per option)
    context: click.Context,
    /,
    address: str,
    timeout: float,
    tls: bool,  # noqa: FBT001 (a click flag)
    ca: Path | None,
    cert: Path | None,
    key: Path | None,
) -> None:
    """Call the B12 dosing API (decision support for clinicians, not advice to patients)."""
    if (cert is None) != (key is None):
        message = "--cert and --key go together"
        raise click.UsageError(message)
    context.ensure_object(dict).update(
        address=address, timeout=timeout, tls=tls, ca=ca, cert=cert, key=key
    )


for command in (plan.plan, check.check, assess.assess, export.export, rules.rules):
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit status."""
    try:
        status = cli.main(args=argv, prog_name="b12-dosing", standalone_mode=False)
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return EXIT_FAILED
    except grpc.RpcError as error:  # pragma: no cover (the client turns these into DosingError)
        click.echo(f"error: {error}", err=True)
        return EXIT_FAILED
    # Without standalone mode, click returns the status given to ctx.exit (or the command's
    # return value, None).
    return status if isinstance(status, int) else 0


if __name__ == "__main__":
    sys.exit(main())
