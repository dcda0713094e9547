"""``b12-dosing assess``: assess a course in progress."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Final

import click

from b12.dosing.cli import timeline
from b12.dosing.cli.batch import batch_option, run_batch
from b12.dosing.cli.calling import call
from b12.dosing.cli.options import apply_profile, common_options, profile_options
from b12.dosing.cli.render import render_course
from b12.dosing.cli.values import DATE, EnumChoice, load_request, parse_date, set_date
from b12.dosing.v1 import dosing_pb2 as pb

_LAB_PATTERN: Final = re.compile(r"^(?P<date>[^:]+)(?::(?P<b12>[^:]*))?(?::(?P<hcy>[^:]*))?$")


def _parse_lab(text: str) -> pb.LabResult:
    match = _LAB_PATTERN.match(text)
    if match is None:
        message = f"{text!r} is not DATE:B12:HOMOCYSTEINE"
        raise click.BadParameter(message, param_hint="--lab")
    result = pb.LabResult()
    try:
        set_date(result.date, parse_date(match["date"]))
        if match["b12"]:
            result.b12_ng_per_l = float(match["b12"])
        if match["hcy"]:
            result.homocysteine_umol_per_l = float(match["hcy"])
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--lab") from error
    return result


@click.command()
@profile_options
@click.option("--start", "start_date", type=DATE, help="start_date: the start of the course")
@click.option("--reference", "reference_date", type=DATE, help="reference_date: 'today'")
@click.option(
    "--horizon", "horizon_date", type=DATE, help="horizon_date: the forward schedule through it"
)
@click.option(
    "--timeline",
    "timeline_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="also draw the forward schedule as a timeline into this SVG file",
)
@click.option(
    "--injection",
    "injection_dates",
    type=DATE,
    multiple=True,
    help="injection_dates (repeat the option)",
)
@click.option(
    "--lab",
    "labs",
    multiple=True,
    help="lab_results: DATE:B12_NG_PER_L:HOMOCYSTEINE_UMOL_PER_L, a value may be empty (repeat)",
)
@click.option(
    "--neurological-status",
    type=EnumChoice(pb.CourseNeurologicalStatus.DESCRIPTOR),
    help="neurological_status",
)
@click.option("--stabilised-on", "stabilisation_date", type=DATE, help="stabilisation_date")
@click.option("--stop-requested", is_flag=True, default=None, help="stop_requested")
@common_options
@batch_option
@click.pass_context
def assess(  # noqa: C901, PLR0913, PLR0917 (one parameter and one branch per option)
    context: click.Context,
    /,
    start_date: tuple[int, int, int] | None,
    reference_date: tuple[int, int, int] | None,
    horizon_date: tuple[int, int, int] | None,
    timeline_file: Path | None,
    injection_dates: tuple[tuple[int, int, int], ...],
    labs: tuple[str, ...],
    neurological_status: int | None,
    stabilisation_date: tuple[int, int, int] | None,
    stop_requested: bool | None,  # noqa: FBT001 (a click flag)
    request_file: Path | None,
    batch_file: Path | None,
    as_json: bool,  # noqa: FBT001 (a click flag)
    **profile: Any,  # noqa: ANN401
) -> None:
    """Assess a course in progress: phase, next due date, labs due, findings."""
    if batch_file is not None:
        run_batch(
            context,
            batch_file,
            (pb.AssessCourseRequest, pb.BatchAssessCoursesResponse),
            lambda client, requests: client.batch_assess_courses(requests),
        )
        return
    request = (
        load_request(request_file, pb.AssessCourseRequest)
        if request_file
        else pb.AssessCourseRequest()
    )
    apply_profile(request.profile, profile)
    if start_date:
        set_date(request.start_date, start_date)
    if reference_date:
        set_date(request.reference_date, reference_date)
    if horizon_date:
        set_date(request.horizon_date, horizon_date)
    for day in injection_dates:
        set_date(request.injection_dates.add(), day)
    for lab in labs:
        request.lab_results.append(_parse_lab(lab))
    if neurological_status is not None:
        request.neurological_status = pb.CourseNeurologicalStatus.ValueType(neurological_status)
    if stabilisation_date:
        set_date(request.stabilisation_date, stabilisation_date)
    if stop_requested:
        request.stop_requested = True
    response = call(
        context, lambda client: client.assess_course(request), render_course, as_json=as_json
    )
    if timeline_file is not None:
        drawing = timeline.draw(timeline.course_timeline(response))
        timeline_file.write_text(drawing, encoding="utf-8")
        click.echo(f"timeline written to {timeline_file}", err=True)
