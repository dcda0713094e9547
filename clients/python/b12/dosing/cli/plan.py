"""``b12-dosing plan``: plan a regimen (and draw it with ``--timeline``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from b12.dosing.cli import timeline
from b12.dosing.cli.batch import batch_option, run_batch
from b12.dosing.cli.calling import EXIT_FAILED, call
from b12.dosing.cli.options import apply_profile, common_options, profile_options
from b12.dosing.cli.render import render_plan
from b12.dosing.cli.values import DATE, EnumChoice, load_request, set_date
from b12.dosing.v1 import dosing_pb2 as pb


@click.command()
@profile_options
@click.option("--start", "start_date", type=DATE, help="start_date: the first injection")
@click.option("--horizon", "horizon_date", type=DATE, help="horizon_date: list dates through it")
@click.option("--route", type=EnumChoice(pb.Route.DESCRIPTOR), help="route (intramuscular only)")
@click.option(
    "--timeline",
    "timeline_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="also draw the plan as a timeline into this SVG file",
)
@common_options
@batch_option
@click.pass_context
def plan(  # noqa: PLR0913, PLR0917 (one parameter per option)
    context: click.Context,
    /,
    start_date: tuple[int, int, int] | None,
    horizon_date: tuple[int, int, int] | None,
    route: int | None,
    timeline_file: Path | None,
    request_file: Path | None,
    batch_file: Path | None,
    as_json: bool,  # noqa: FBT001 (a click flag)
    **profile: Any,  # noqa: ANN401
) -> None:
    """Plan a regimen: loading, lifelong maintenance, guidance, monitoring, warnings."""
    if batch_file is not None:
        run_batch(
            context,
            batch_file,
            (pb.PlanRegimenRequest, pb.BatchPlanRegimensResponse),
            lambda client, requests: client.batch_plan_regimens(requests),
        )
        return
    request = (
        load_request(request_file, pb.PlanRegimenRequest)
        if request_file
        else pb.PlanRegimenRequest()
    )
    apply_profile(request.profile, profile)
    if start_date:
        set_date(request.start_date, start_date)
    if horizon_date:
        set_date(request.horizon_date, horizon_date)
    if route is not None:
        request.route = pb.Route.ValueType(route)
    response = call(
        context, lambda client: client.plan_regimen(request), render_plan, as_json=as_json
    )
    if timeline_file is not None:
        write_timeline(context, timeline_file, response)


def write_timeline(context: click.Context, path: Path, response: pb.PlanRegimenResponse) -> None:
    """Draw the plan of ``response`` into ``path``; a referral has no timeline (EXIT_FAILED)."""
    if response.WhichOneof("outcome") != "plan":
        click.echo(f"no timeline written to {path}: the answer is a referral, not a plan", err=True)
        context.exit(EXIT_FAILED)
    path.write_text(timeline.draw(timeline.plan_timeline(response.plan)), encoding="utf-8")
    click.echo(f"timeline written to {path}", err=True)
