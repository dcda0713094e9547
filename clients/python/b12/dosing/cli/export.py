"""``b12-dosing export``: a plan as FHIR R4 (JSON) or iCalendar."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any, Final

import click

from b12.dosing.cli.calling import call
from b12.dosing.cli.options import apply_profile, common_options, profile_options
from b12.dosing.cli.render import (
    render_export,
)
from b12.dosing.cli.values import DATE, EnumChoice, load_request, set_date
from b12.dosing.v1 import dosing_pb2 as pb
from b12.dosing.v1 import export_pb2

EXPORT_FORMATS: Final = {
    "fhir": export_pb2.EXPORT_FORMAT_FHIR_R4_JSON,
    "ical": export_pb2.EXPORT_FORMAT_ICALENDAR,
}
FHIR_INTENTS: Final = {
    "proposal": export_pb2.FHIR_INTENT_PROPOSAL,
    "plan": export_pb2.FHIR_INTENT_PLAN,
    "order": export_pb2.FHIR_INTENT_ORDER,
}
FHIR_STATUSES: Final = {
    "draft": export_pb2.FHIR_STATUS_DRAFT,
    "active": export_pb2.FHIR_STATUS_ACTIVE,
}


@click.command("export")
@profile_options
@click.option("--start", "start_date", type=DATE, help="plan.start_date: the first injection")
@click.option("--horizon", "horizon_date", type=DATE, help="plan.horizon_date: dates through it")
@click.option("--route", type=EnumChoice(pb.Route.DESCRIPTOR), help="plan.route (intramuscular)")
@click.option(
    "--format",
    "export_format",
    type=click.Choice(sorted(EXPORT_FORMATS)),
    required=True,
    help="fhir: a FHIR R4 MedicationRequest (JSON); ical: an iCalendar file",
)
@click.option("--intent", type=click.Choice(sorted(FHIR_INTENTS)), help="FHIR intent (proposal)")
@click.option(
    "--status", "fhir_status", type=click.Choice(sorted(FHIR_STATUSES)), help="FHIR status (draft)"
)
@click.option("--subject", help="FHIR subject reference, such as Patient/123")
@click.option("--series-key", help="calendar: an opaque key (never a patient identifier)")
@click.option(
    "--course",
    "course_file",
    type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path),
    help="export a course's forward schedule instead: a JSON or YAML AssessCourse request"
    " (- reads standard input); the plan options do not apply",
)
@common_options
@click.pass_context
def export(  # noqa: PLR0913, PLR0917 (one parameter per option)
    context: click.Context,
    /,
    start_date: tuple[int, int, int] | None,
    horizon_date: tuple[int, int, int] | None,
    route: int | None,
    export_format: str,
    intent: str | None,
    fhir_status: str | None,
    subject: str | None,
    series_key: str | None,
    course_file: Path | None,
    request_file: Path | None,
    as_json: bool,  # noqa: FBT001 (a click flag)
    **profile: Any,  # noqa: ANN401
) -> None:
    """Export a plan, or with --course a course's forward schedule, as FHIR R4 (JSON) or
    iCalendar, to standard output.

    The --file holds a PlanRegimen request (the plan to export). A calendar is stamped with the
    time of the export, so that calendar programs take a re-export as newer.
    """
    given = [name for name, value in profile.items() if value is not None]
    if course_file is not None:
        if request_file or start_date or horizon_date or route is not None or given:
            message = "--course takes the whole course from its file: drop the plan options"
            raise click.UsageError(message)
        _export_course(
            context,
            load_request(course_file, pb.AssessCourseRequest),
            (export_format, intent, fhir_status, subject, series_key),
            as_json=as_json,
        )
        return
    plan_request = (
        load_request(request_file, pb.PlanRegimenRequest)
        if request_file
        else pb.PlanRegimenRequest()
    )
    apply_profile(plan_request.profile, profile)
    if start_date:
        set_date(plan_request.start_date, start_date)
    if horizon_date:
        set_date(plan_request.horizon_date, horizon_date)
    if route is not None:
        plan_request.route = pb.Route.ValueType(route)
    request = pb.ExportPlanRequest(plan=plan_request, format=EXPORT_FORMATS[export_format])
    if intent is not None:
        request.fhir_intent = FHIR_INTENTS[intent]
    if fhir_status is not None:
        request.fhir_status = FHIR_STATUSES[fhir_status]
    request.fhir_subject_reference = subject or ""
    request.calendar_series_key = series_key or ""
    if request.format == export_pb2.EXPORT_FORMAT_ICALENDAR:
        request.calendar_stamp.FromDatetime(datetime.datetime.now(datetime.UTC))
    call(context, lambda client: client.export_plan(request), render_export, as_json=as_json)


def _export_course(
    context: click.Context,
    course: pb.AssessCourseRequest,
    options: tuple[str, str | None, str | None, str | None, str | None],
    *,
    as_json: bool,
) -> None:
    export_format, intent, fhir_status, subject, series_key = options
    request = pb.ExportCourseScheduleRequest(course=course, format=EXPORT_FORMATS[export_format])
    if intent is not None:
        request.fhir_intent = FHIR_INTENTS[intent]
    if fhir_status is not None:
        request.fhir_status = FHIR_STATUSES[fhir_status]
    request.fhir_subject_reference = subject or ""
    request.calendar_series_key = series_key or ""
    if request.format == export_pb2.EXPORT_FORMAT_ICALENDAR:
        request.calendar_stamp.FromDatetime(datetime.datetime.now(datetime.UTC))
    call(
        context,
        lambda client: client.export_course_schedule(request),
        render_export,
        as_json=as_json,
    )
