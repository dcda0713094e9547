"""``b12-dosing check``: check a proposed regimen against the rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from b12.dosing.cli.batch import batch_option, run_batch
from b12.dosing.cli.calling import call
from b12.dosing.cli.options import apply_profile, common_options, profile_options
from b12.dosing.cli.render import render_check
from b12.dosing.cli.values import DATE, EnumChoice, load_request, set_date
from b12.dosing.v1 import dosing_pb2 as pb


@click.command()
@profile_options
@click.option(
    "--dose-mcg", "dose_per_injection_mcg", type=float, help="regimen.dose_per_injection_mcg"
)
@click.option(
    "--loading-date",
    "loading_dates",
    type=DATE,
    multiple=True,
    help="regimen.loading_dates (repeat the option)",
)
@click.option(
    "--loading-open-ended/--loading-fixed",
    "loading_open_ended",
    default=None,
    help="regimen.loading_open_ended",
)
@click.option(
    "--interval-months",
    "maintenance_interval_months",
    type=float,
    help="regimen.maintenance_interval_months",
)
@click.option("--stop-date", type=DATE, help="regimen.stop_date")
@click.option("--site", type=EnumChoice(pb.SiteRequest.DESCRIPTOR), help="regimen.site")
@click.option("--regimen-route", type=EnumChoice(pb.Route.DESCRIPTOR), help="regimen.route")
@click.option(
    "--regimen-formulation", type=EnumChoice(pb.Formulation.DESCRIPTOR), help="regimen.formulation"
)
@common_options
@batch_option
@click.pass_context
def check(  # noqa: PLR0913, PLR0917 (one parameter per option)
    context: click.Context,
    /,
    dose_per_injection_mcg: float | None,
    loading_dates: tuple[tuple[int, int, int], ...],
    loading_open_ended: bool | None,  # noqa: FBT001 (a click flag)
    maintenance_interval_months: float | None,
    stop_date: tuple[int, int, int] | None,
    site: int | None,
    regimen_route: int | None,
    regimen_formulation: int | None,
    request_file: Path | None,
    batch_file: Path | None,
    as_json: bool,  # noqa: FBT001 (a click flag)
    **profile: Any,  # noqa: ANN401
) -> None:
    """Check a proposed regimen against the rules: findings by severity."""
    if batch_file is not None:
        run_batch(
            context,
            batch_file,
            (pb.CheckRegimenRequest, pb.BatchCheckRegimensResponse),
            lambda client, requests: client.batch_check_regimens(requests),
        )
        return
    request = (
        load_request(request_file, pb.CheckRegimenRequest)
        if request_file
        else pb.CheckRegimenRequest()
    )
    apply_profile(request.profile, profile)
    regimen = request.regimen
    if dose_per_injection_mcg is not None:
        regimen.dose_per_injection_mcg = dose_per_injection_mcg
    for day in loading_dates:
        set_date(regimen.loading_dates.add(), day)
    if loading_open_ended is not None:
        regimen.loading_open_ended = loading_open_ended
    if maintenance_interval_months is not None:
        regimen.maintenance_interval_months = maintenance_interval_months
    if stop_date:
        set_date(regimen.stop_date, stop_date)
    if site is not None:
        regimen.site = pb.SiteRequest.ValueType(site)
    if regimen_route is not None:
        regimen.route = pb.Route.ValueType(regimen_route)
    if regimen_formulation is not None:
        regimen.formulation = pb.Formulation.ValueType(regimen_formulation)
    call(context, lambda client: client.check_regimen(request), render_check, as_json=as_json)
