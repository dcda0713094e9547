"""``b12-dosing rules``: the rule set."""

from __future__ import annotations

import click

from b12.dosing.cli.calling import call
from b12.dosing.cli.render import render_rules


@click.command()
@click.option(
    "--json", "as_json", is_flag=True, help="print the response in the proto's JSON mapping"
)
@click.pass_context
def rules(context: click.Context, /, as_json: bool) -> None:  # noqa: FBT001 (a click flag)
    """List the rule set: every rule ID with its text and source references."""
    call(context, lambda client: client.describe_rule_set(), render_rules, as_json=as_json)
