r"""``b12-dosing``: the command-line client of the B12 dosing API, for people.

    b12-dosing plan --formulation cyanocobalamin --age 52 --deficiency confirmed \
        --neuro absent --platelets 210 --start 2026-01-05 --horizon 2026-12-31
    b12-dosing check --file check.yaml
    b12-dosing assess --file course.yaml --reference 2026-06-01 --json
    b12-dosing rules

Each command takes the request's fields as options, or a JSON or YAML file (``--file``) holding
the request in the proto's JSON form, with two conveniences: dates may be written
``YYYY-MM-DD`` and enum values by their short name (``confirmed`` for
``DEFICIENCY_STATUS_CONFIRMED``). Options override the file. The profile options are the
``PatientProfile`` fields, hyphenated (``--platelets-10e9-per-l``), with short aliases for the
common ones (``--platelets``).

Output: a readable summary (phases, a dated calendar, warnings by severity), or with ``--json``
the response in the proto's JSON form. Exit status: 0 success; 1 the call failed (the server is
unreachable, or an error other than an invalid request); 2 a usage error; 3 the server found the
request invalid (the offending fields are listed).
"""

from __future__ import annotations

import datetime
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TypeVar, cast

import click
import grpc
import yaml
from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message
from google.type import date_pb2
from rich.console import Console
from rich.table import Table
from rich.text import Text

from b12.dosing.client import (
    DEFAULT_TARGET,
    DosingClient,
    DosingError,
    InvalidRequestError,
    tls_credentials,
)
from b12.dosing.v1 import dosing_pb2 as pb
from b12.dosing.v1 import export_pb2

EXIT_FAILED: Final = 1
EXIT_INVALID_REQUEST: Final = 3

MessageT = TypeVar("MessageT", bound=Message)
F = TypeVar("F", bound=Callable[..., Any])

# Short aliases of profile options (the long form is always the field name, hyphenated).
PROFILE_ALIASES: Final[Mapping[str, str]] = {
    "age_years": "--age",
    "deficiency_status": "--deficiency",
    "neurological_involvement": "--neuro",
    "platelets_10e9_per_l": "--platelets",
    "egfr_ml_min_1_73m2": "--egfr",
}
_SEVERITY_STYLE: Final = {
    pb.SEVERITY_CRITICAL: "bold red",
    pb.SEVERITY_WARNING: "yellow",
    pb.SEVERITY_INFO: "cyan",
}


# ---------------------------------------------------------------------------------------------
# Reading values.
# ---------------------------------------------------------------------------------------------


def _enum_prefix(descriptor: EnumDescriptor) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", descriptor.name).upper() + "_"


def short_name(descriptor: EnumDescriptor, number: int) -> str:
    """Return the short, lower-case name of an enum value (``confirmed``), or its number."""
    value = descriptor.values_by_number.get(number)
    if value is None:
        return str(number)
    return value.name.removeprefix(_enum_prefix(descriptor)).lower()


def enum_number(descriptor: EnumDescriptor, text: str) -> int:
    """Return the number of the enum value named by ``text``: its full or short name, in any
    case, with ``-`` or ``_``, or a prefix of the short name that only one value has.

    Raises ``ValueError`` naming the choices when ``text`` names no value or several.
    """
    prefix = _enum_prefix(descriptor)
    wanted = text.strip().upper().replace("-", "_")
    names = {value.name.removeprefix(prefix): value.number for value in descriptor.values}
    if wanted in names:
        return names[wanted]
    if wanted.removeprefix(prefix) in names:
        return names[wanted.removeprefix(prefix)]
    matches = [name for name in names if name.startswith(wanted)]
    if len(matches) == 1:
        return names[matches[0]]
    choices = ", ".join(name.lower() for name in names)
    message = f"{text!r} is not one of {choices}"
    raise ValueError(message)


class EnumChoice(click.ParamType[int, object]):
    """A proto enum value by name (see ``enum_number``); converts to the value's number."""

    def __init__(self, descriptor: EnumDescriptor) -> None:
        """Accept the values of ``descriptor``."""
        self.descriptor = descriptor
        self.name = descriptor.name

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:  # noqa: ARG002
        """Show the short names."""
        return (
            "["
            + "|".join(short_name(self.descriptor, v.number) for v in self.descriptor.values)
            + "]"
        )

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> int:
        """Return the number of the value named."""
        if isinstance(value, int):
            return value
        try:
            return enum_number(self.descriptor, str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


_DATE_PATTERN: Final = re.compile(r"^(\d{1,4})-(\d{1,2})-(\d{1,2})$")


def parse_date(text: str) -> tuple[int, int, int]:
    """Return (year, month, day) of ``YYYY-MM-DD``. The server judges whether it is a calendar
    date; only the format is checked here."""
    match = _DATE_PATTERN.match(text.strip())
    if match is None:
        message = f"{text!r} is not a date written YYYY-MM-DD"
        raise ValueError(message)
    year, month, day = (int(part) for part in match.groups())
    return year, month, day


class DateType(click.ParamType[tuple[int, int, int], object]):
    """A date written ``YYYY-MM-DD``."""

    name = "date"

    def get_metavar(self, param: click.Parameter, ctx: click.Context) -> str:  # noqa: ARG002
        """Show the format."""
        return "YYYY-MM-DD"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[int, int, int]:
        """Return (year, month, day)."""
        if isinstance(value, tuple):
            return cast("tuple[int, int, int]", value)  # a default, already converted
        try:
            return parse_date(str(value))
        except ValueError as error:
            self.fail(str(error), param, ctx)


DATE: Final = DateType()


def set_date(target: date_pb2.Date, value: tuple[int, int, int]) -> None:
    """Write (year, month, day) into a ``google.type.Date``."""
    target.year, target.month, target.day = value


# ---------------------------------------------------------------------------------------------
# Request files.
# ---------------------------------------------------------------------------------------------


def _field(descriptor: Descriptor, key: str) -> FieldDescriptor | None:
    for field in descriptor.fields:
        if key in {field.name, field.json_name}:
            return field
    return None


def _normalise_value(field: FieldDescriptor, value: Any) -> Any:  # noqa: ANN401
    if field.message_type is not None and field.message_type.full_name == "google.type.Date":
        if isinstance(value, datetime.date):  # YAML reads an unquoted ISO date as a date
            return {"year": value.year, "month": value.month, "day": value.day}
        if isinstance(value, str):
            year, month, day = parse_date(value)
            return {"year": year, "month": month, "day": day}
        return value
    if field.message_type is not None and isinstance(value, Mapping):
        return normalise(field.message_type, value)
    if field.enum_type is not None and isinstance(value, str):
        return enum_number(field.enum_type, value)
    return value


def normalise(descriptor: Descriptor, data: Mapping[str, Any]) -> dict[str, Any]:
    """Return ``data`` in the proto's JSON form: ``YYYY-MM-DD`` strings become dates and short
    enum names become numbers, for the fields of ``descriptor`` (recursively)."""
    result: dict[str, Any] = {}
    for key, value in data.items():
        field = _field(descriptor, str(key))
        if field is None:
            result[key] = value  # ParseDict reports the unknown field
        elif field.is_repeated and isinstance(value, list):
            result[key] = [_normalise_value(field, item) for item in value]
        else:
            result[key] = _normalise_value(field, value)
    return result


def load_request(path: Path, message_type: type[MessageT]) -> MessageT:
    """Read a request of ``message_type`` from a JSON or YAML file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        message = f"{path}: {error}"
        raise click.BadParameter(message, param_hint="--file") from error
    if not isinstance(data, Mapping):
        message = f"{path}: the file must hold a mapping of request fields"
        raise click.BadParameter(message, param_hint="--file")
    descriptor = cast("Descriptor", message_type.DESCRIPTOR)
    try:
        return json_format.ParseDict(normalise(descriptor, data), message_type())
    except (json_format.ParseError, ValueError) as error:
        message = f"{path}: {error}"
        raise click.BadParameter(message, param_hint="--file") from error


# ---------------------------------------------------------------------------------------------
# Options.
# ---------------------------------------------------------------------------------------------


def _profile_option(field: FieldDescriptor) -> Callable[[F], F]:
    long = "--" + field.name.replace("_", "-")
    names = [long, *([PROFILE_ALIASES[field.name]] if field.name in PROFILE_ALIASES else [])]
    destination = "profile_" + field.name
    if field.type == FieldDescriptor.TYPE_BOOL:
        return click.option(
            f"{long}/--no-{long[2:]}",
            destination,
            default=None,
            help=f"profile.{field.name}",
        )
    if field.enum_type is not None:
        kind: click.ParamType[Any, Any] | type = EnumChoice(field.enum_type)
    elif field.type == FieldDescriptor.TYPE_DOUBLE:
        kind = float
    else:
        kind = int
    return click.option(*names, destination, type=kind, default=None, help=f"profile.{field.name}")


def profile_options(function: F) -> F:
    """Add an option per ``PatientProfile`` field."""
    descriptor = pb.PatientProfile.DESCRIPTOR
    for field in reversed(descriptor.fields):
        function = _profile_option(field)(function)
    return function


def common_options(function: F) -> F:
    """Add ``--file`` and ``--json``."""
    function = click.option(
        "--json", "as_json", is_flag=True, help="print the response as JSON (proto JSON form)"
    )(function)
    return click.option(
        "--file",
        "request_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="JSON or YAML file with the request; options override it",
    )(function)


def _apply_profile(profile: pb.PatientProfile, options: Mapping[str, Any]) -> None:
    for key, value in options.items():
        if key.startswith("profile_") and value is not None:
            setattr(profile, key.removeprefix("profile_"), value)


# ---------------------------------------------------------------------------------------------
# Output.
# ---------------------------------------------------------------------------------------------


def _date(value: date_pb2.Date) -> str:
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _name(enum_type: Any, number: int) -> str:  # noqa: ANN401 (a generated enum wrapper)
    return short_name(enum_type.DESCRIPTOR, number).replace("_", " ")


def _findings_table(title: str, findings: Iterable[pb.Finding]) -> Table | None:
    """Return the findings by severity (critical, warning, info): code, rules, then text."""
    items = list(findings)
    if not items:
        return None
    table = Table.grid(padding=(0, 2))
    table.title = title
    table.title_justify = "left"
    table.add_column("severity", no_wrap=True)
    table.add_column("finding")
    for severity in (pb.SEVERITY_CRITICAL, pb.SEVERITY_WARNING, pb.SEVERITY_INFO):
        for finding in items:
            if finding.severity == severity:
                style = _SEVERITY_STYLE[severity]
                body = Text(pb.Code.Name(finding.code).removeprefix("CODE_"), style=style)
                body.append(f"  ({', '.join(finding.rule_ids)})", style="dim")
                body.append(f"\n{finding.text}")
                table.add_row(Text(_name(pb.Severity, severity).upper(), style=style), body)
    return table


def _calendar(plan: pb.RegimenPlan) -> Table:
    events: dict[str, list[str]] = {}
    for number, day in enumerate(plan.loading.injection_dates, start=1):
        events.setdefault(_date(day), []).append(f"loading dose {number}")
    if plan.loading.HasField("review_date"):
        events.setdefault(_date(plan.loading.review_date), []).append("clinician review")
    for number, day in enumerate(plan.maintenance.injection_dates, start=1):
        events.setdefault(_date(day), []).append(f"maintenance dose {number}")
    for day in plan.monitoring.lab_check_dates:
        events.setdefault(_date(day), []).append("labs: serum B12 and homocysteine")
    table = Table(title="Calendar", title_justify="left")
    table.add_column("date")
    table.add_column("what")
    for when in sorted(events):
        table.add_row(when, "; ".join(events[when]))
    return table


def _interval_table(rules: Sequence[pb.IntervalRule]) -> Table:
    table = Table(title="Interval rules compared", title_justify="left")
    for column in ("rule", "due (months)", "overdue after (months)", "in force", "cited"):
        table.add_column(column)
    for rule in rules:
        table.add_row(
            rule.rule_id,
            str(rule.due_interval_months),
            str(rule.overdue_after_months),
            "yes" if rule.winner else "",
            ", ".join(rule.rule_ids),
        )
    return table


def _print_all(console: Console, *parts: Any) -> None:  # noqa: ANN401 (renderables)
    for part in parts:
        if part is not None:
            console.print(part)


def render_plan(console: Console, response: pb.PlanRegimenResponse) -> None:
    """Print a plan or a referral for people."""
    if response.WhichOneof("outcome") == "referral":
        referral = response.referral
        urgent = " (URGENT)" if referral.urgent else ""
        console.print(Text(f"REFER{urgent}: no plan", style="bold red"))
        for reason in referral.reasons:
            console.print(f"  reason: {_name(pb.ReferReason, reason)}")
        _print_all(console, _findings_table("Warnings", referral.warnings))
        console.print(f"cited: {', '.join(referral.rule_ids)}")
        console.print(f"rule set {referral.rule_set_version}")
        return
    plan = response.plan
    loading, maintenance, guidance = plan.loading, plan.maintenance, plan.guidance
    console.print(Text(f"PLAN: {_name(pb.PlanSetting, plan.setting).upper()}", style="bold"))
    console.print(
        f"Loading: {_name(pb.LoadingPattern, loading.pattern)}"
        + (", open-ended until no further improvement" if loading.open_ended else "")
        + (
            f", clinician review {_date(loading.review_date)}"
            if loading.HasField("review_date")
            else ""
        )
    )
    first = (
        f", first dose {_date(maintenance.first_due_date)}"
        if maintenance.HasField("first_due_date")
        else ", dated once a plateau is reported"
    )
    console.print(
        f"Maintenance: {maintenance.dose_mcg} mcg ({maintenance.volume_ml:g} mL) every"
        f" {maintenance.due_interval_months} month(s), overdue after"
        f" {maintenance.overdue_after_months}; {_name(pb.MaintenanceStart, maintenance.start)}"
        f"{first}; lifelong"
    )
    needle = (
        f"; needle {guidance.needle_gauge_min}-{guidance.needle_gauge_max}G"
        if guidance.HasField("needle_gauge_min")
        else ""
    )
    pressure = (
        f", pressure {guidance.pressure_minutes_min}-{guidance.pressure_minutes_max} min"
        if guidance.HasField("pressure_minutes_min")
        else ""
    )
    sites = ", ".join(_name(pb.InjectionSite, site) for site in guidance.sites)
    console.print(
        f"Each dose: {guidance.dose_mcg} mcg = {guidance.volume_ml:g} mL of"
        f" {_name(pb.Formulation, guidance.formulation)}"
        f" ({guidance.concentration_mcg_per_ml} mcg/mL), {_name(pb.Route, guidance.route)};"
        f" sites: {sites}{needle}{pressure}"
    )
    for item in [*guidance.items, *plan.monitoring.items]:
        console.print(f"  - {item.text} [{', '.join(item.rule_ids)}]")
    console.print(
        f"Homocysteine target: below {plan.monitoring.homocysteine_target_below_umol_per_l} umol/L"
    )
    _print_all(
        console,
        _calendar(plan),
        _findings_table("Warnings", plan.warnings) or "Warnings: none",
        _interval_table(plan.interval_rules),
    )
    console.print(f"rule set {plan.rule_set_version}")


def render_check(console: Console, response: pb.CheckRegimenResponse) -> None:
    """Print the findings of a regimen check for people."""
    if not response.findings:
        console.print(Text("No findings: the regimen meets the rules.", style="bold green"))
    _print_all(console, _findings_table("Findings", response.findings))
    for reason in response.refer_reasons:
        console.print(f"  refer reason: {_name(pb.ReferReason, reason)}")
    console.print(f"rule set {response.rule_set_version}")


def render_course(console: Console, response: pb.AssessCourseResponse) -> None:
    """Print a course assessment for people."""
    outcome = _name(pb.CourseOutcome, response.outcome).upper()
    console.print(Text(f"{outcome}: {_name(pb.CoursePhase, response.phase)}", style="bold"))
    next_due = _date(response.next_due_date) if response.HasField("next_due_date") else "none"
    labs_due = _date(response.labs_due_date) if response.HasField("labs_due_date") else "none"
    console.print(f"Next dose due: {next_due} (days overdue: {response.days_overdue})")
    console.print(
        f"Interval: every {response.due_interval_months} month(s), overdue after"
        f" {response.overdue_after_months}"
    )
    console.print(f"Labs due: {labs_due}; stabilised: {'yes' if response.stabilised else 'no'}")
    if response.clinician_review_required:
        console.print(Text("Clinician review required", style="bold red"))
    if response.HasField("suggested_interval_months"):
        console.print(f"Suggested interval: {response.suggested_interval_months} month(s)")
    _print_all(
        console,
        _findings_table("Findings", response.findings),
        _interval_table(response.interval_rules),
    )
    console.print(f"rule set {response.rule_set_version}")


def render_rules(console: Console, response: pb.DescribeRuleSetResponse) -> None:
    """Print the rule set for people."""
    table = Table(title=f"Rule set {response.rule_set_version}", title_justify="left")
    table.add_column("ID")
    table.add_column("rule", overflow="fold")
    table.add_column("source refs")
    for rule in response.rules:
        table.add_row(rule.rule_id, rule.text, ", ".join(rule.source_references))
    console.print(table)


def to_json(message: Message) -> str:
    """Return the proto JSON form of ``message``, with every field of the response shown."""
    return json_format.MessageToJson(
        message,
        preserving_proto_field_name=True,
        always_print_fields_with_no_presence=True,
        indent=2,
    )


# ---------------------------------------------------------------------------------------------
# Commands.
# ---------------------------------------------------------------------------------------------


def _client(context: click.Context) -> DosingClient:
    settings = context.ensure_object(dict)
    credentials = None
    if settings["tls"] or settings["ca"] or settings["cert"]:
        credentials = tls_credentials(settings["ca"], settings["cert"], settings["key"])
    return DosingClient(
        settings["address"], credentials=credentials, timeout_seconds=settings["timeout"]
    )


def _call(
    context: click.Context,
    call: Callable[[DosingClient], MessageT],
    render: Callable[[Console, MessageT], None],
    *,
    as_json: bool,
) -> None:
    console = Console(highlight=False)
    try:
        with _client(context) as client:
            response = call(client)
    except InvalidRequestError as error:
        _report_invalid(console, error, as_json=as_json)
        context.exit(EXIT_INVALID_REQUEST)
    except DosingError as error:
        if as_json:
            click.echo(json.dumps({"error": {"code": error.code.name, "message": error.message}}))
        else:
            click.echo(f"error: {error.code.name}: {error.message}", err=True)
        context.exit(EXIT_FAILED)
    if as_json:
        click.echo(to_json(response))
    else:
        render(console, response)


def _report_invalid(console: Console, error: InvalidRequestError, *, as_json: bool) -> None:
    if as_json:
        violations = [
            {"field": violation.field, "description": violation.description}
            for violation in error.violations
        ]
        document = {
            "error": {
                "code": error.code.name,
                "message": error.message,
                "field_violations": violations,
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
    del console


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "auto_envvar_prefix": "B12_DOSING"}
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


@cli.command()
@profile_options
@click.option("--start", "start_date", type=DATE, help="start_date: the first injection")
@click.option("--horizon", "horizon_date", type=DATE, help="horizon_date: list dates through it")
@click.option("--route", type=EnumChoice(pb.Route.DESCRIPTOR), help="route (intramuscular only)")
@common_options
@click.pass_context
def plan(  # noqa: PLR0913, PLR0917 (one parameter per option)
    context: click.Context,
    /,
    start_date: tuple[int, int, int] | None,
    horizon_date: tuple[int, int, int] | None,
    route: int | None,
    request_file: Path | None,
    as_json: bool,  # noqa: FBT001 (a click flag)
    **profile: Any,  # noqa: ANN401
) -> None:
    """Plan a regimen: loading, lifelong maintenance, guidance, monitoring, warnings."""
    request = (
        load_request(request_file, pb.PlanRegimenRequest)
        if request_file
        else pb.PlanRegimenRequest()
    )
    _apply_profile(request.profile, profile)
    if start_date:
        set_date(request.start_date, start_date)
    if horizon_date:
        set_date(request.horizon_date, horizon_date)
    if route is not None:
        request.route = pb.Route.ValueType(route)
    _call(context, lambda client: client.plan_regimen(request), render_plan, as_json=as_json)


@cli.command()
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
    as_json: bool,  # noqa: FBT001 (a click flag)
    **profile: Any,  # noqa: ANN401
) -> None:
    """Check a proposed regimen against the rules: findings by severity."""
    request = (
        load_request(request_file, pb.CheckRegimenRequest)
        if request_file
        else pb.CheckRegimenRequest()
    )
    _apply_profile(request.profile, profile)
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
    _call(context, lambda client: client.check_regimen(request), render_check, as_json=as_json)


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


@cli.command()
@profile_options
@click.option("--start", "start_date", type=DATE, help="start_date: the start of the course")
@click.option("--reference", "reference_date", type=DATE, help="reference_date: 'today'")
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
@click.pass_context
def assess(  # noqa: PLR0913, PLR0917 (one parameter per option)
    context: click.Context,
    /,
    start_date: tuple[int, int, int] | None,
    reference_date: tuple[int, int, int] | None,
    injection_dates: tuple[tuple[int, int, int], ...],
    labs: tuple[str, ...],
    neurological_status: int | None,
    stabilisation_date: tuple[int, int, int] | None,
    stop_requested: bool | None,  # noqa: FBT001 (a click flag)
    request_file: Path | None,
    as_json: bool,  # noqa: FBT001 (a click flag)
    **profile: Any,  # noqa: ANN401
) -> None:
    """Assess a course in progress: phase, next due date, labs due, findings."""
    request = (
        load_request(request_file, pb.AssessCourseRequest)
        if request_file
        else pb.AssessCourseRequest()
    )
    _apply_profile(request.profile, profile)
    if start_date:
        set_date(request.start_date, start_date)
    if reference_date:
        set_date(request.reference_date, reference_date)
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
    _call(context, lambda client: client.assess_course(request), render_course, as_json=as_json)


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


def render_export(_console: Console, response: pb.ExportPlanResponse) -> None:
    """Write the exported document as it is (FHIR JSON or iCalendar text)."""
    click.echo(response.content, nl=not response.content.endswith("\n"))


@cli.command("export")
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
    request_file: Path | None,
    as_json: bool,  # noqa: FBT001 (a click flag)
    **profile: Any,  # noqa: ANN401
) -> None:
    """Export a plan as FHIR R4 (JSON) or iCalendar, to standard output.

    The --file holds a PlanRegimen request (the plan to export). A calendar is stamped with the
    time of the export, so that calendar programs take a re-export as newer.
    """
    plan_request = (
        load_request(request_file, pb.PlanRegimenRequest)
        if request_file
        else pb.PlanRegimenRequest()
    )
    _apply_profile(plan_request.profile, profile)
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
    _call(context, lambda client: client.export_plan(request), render_export, as_json=as_json)


@cli.command()
@click.option(
    "--json", "as_json", is_flag=True, help="print the response as JSON (proto JSON form)"
)
@click.pass_context
def rules(context: click.Context, /, as_json: bool) -> None:  # noqa: FBT001 (a click flag)
    """List the rule set: every rule ID with its text and source references."""
    _call(context, lambda client: client.describe_rule_set(), render_rules, as_json=as_json)


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
