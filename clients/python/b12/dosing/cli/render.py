"""Responses for people (rich tables and text) and as JSON (the proto's JSON mapping)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final

import click
from google.protobuf import json_format
from google.protobuf.message import Message
from google.type import date_pb2
from rich.console import Console
from rich.table import Table
from rich.text import Text

from b12.dosing.cli.values import short_name
from b12.dosing.v1 import dosing_pb2 as pb

_SEVERITY_STYLE: Final = {
    pb.SEVERITY_CRITICAL: "bold red",
    pb.SEVERITY_WARNING: "yellow",
    pb.SEVERITY_INFO: "cyan",
}


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
    if plan.monitoring.HasField("pregnancy_review_date"):
        events.setdefault(_date(plan.monitoring.pregnancy_review_date), []).append(
            "pregnancy review"
        )
    return _events_table("Calendar", events)


def _events_table(title: str, events: dict[str, list[str]]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("date")
    table.add_column("what")
    for when in sorted(events):
        table.add_row(when, "; ".join(events[when]))
    return table


def _schedule(schedule: pb.CourseSchedule) -> Table:
    """Return the forward schedule of a course as a dated table."""
    events: dict[str, list[str]] = {}
    loading = "loading dose (open-ended)" if schedule.loading_open_ended else "loading dose"
    for day in schedule.loading_dates:
        events.setdefault(_date(day), []).append(loading)
    if schedule.HasField("review_date"):
        events.setdefault(_date(schedule.review_date), []).append("clinician review")
    for day in schedule.maintenance_dates:
        events.setdefault(_date(day), []).append("maintenance dose")
    for day in schedule.lab_check_dates:
        events.setdefault(_date(day), []).append("labs: serum B12 and homocysteine")
    return _events_table(f"Forward schedule through {_date(schedule.horizon_date)}", events)


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
        if referral.text:
            console.print(referral.text)
        details = {detail.reason: detail for detail in referral.reason_details}
        for reason in referral.reasons:
            detail = details.get(reason)
            why = f": {detail.text} [{', '.join(detail.rule_ids)}]" if detail else ""
            console.print(f"  reason: {_name(pb.ReferReason, reason)}{why}")
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
        suggested = (
            f", next dose {_date(response.suggested_next_due_date)}"
            if response.HasField("suggested_next_due_date")
            else ""
        )
        console.print(
            f"Suggested interval: {response.suggested_interval_months} month(s){suggested}"
        )
    _print_all(
        console,
        _schedule(response.schedule) if response.HasField("schedule") else None,
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
    """Return ``message`` in the proto's JSON mapping (lowerCamelCase field names, as buf curl and
    grpcurl print them), with every field of the response shown."""
    return json_format.MessageToJson(
        message,
        always_print_fields_with_no_presence=True,
        indent=2,
    )


def render_export(
    _console: Console, response: pb.ExportPlanResponse | pb.ExportCourseScheduleResponse
) -> None:
    """Write the exported document as it is (FHIR JSON or iCalendar text)."""
    click.echo(response.content, nl=not response.content.endswith("\n"))
