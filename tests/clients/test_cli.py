"""The ``b12-dosing`` command line against a live server on a real port.

Expected dates and codes come from the decisions (D-LOAD-DAYS, D-MONTH, D-CHECK, D-SCOPE-AGE),
not from the service's own output.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from importlib.metadata import entry_points, version
from pathlib import Path

import pytest
from b12.dosing.cli import cli, main
from b12.dosing.cli.calling import unreachable_hint
from b12.dosing.v1 import dosing_pb2 as pb
from click.testing import CliRunner, Result

from kernel.rules import RULE_SET_VERSION
from server.grpc.app import create_server
from server.grpc.config import ServerConfig

pytestmark = pytest.mark.e2e

PROFILE = [
    "--formulation", "cyanocobalamin",
    "--age", "52",
    "--deficiency", "confirmed",
    "--neuro", "absent",
    "--platelets", "210",
]  # fmt: skip
STANDARD_LOADING = [
    "2026-01-05", "2026-01-07", "2026-01-09", "2026-01-12", "2026-01-14", "2026-01-16",
]  # fmt: skip


@pytest.fixture(scope="module")
def address() -> Iterator[str]:
    server, port = create_server("127.0.0.1:0", ServerConfig(access_log=False))
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(None).wait()


def run(address: str, *arguments: str) -> Result:
    return CliRunner().invoke(cli, ["--address", address, *arguments], catch_exceptions=False)


@pytest.mark.covers("D-LOAD-DAYS", "D-MONTH")
def test_plan_prints_the_phases_and_a_dated_calendar(address: str) -> None:
    result = run(address, "plan", *PROFILE, "--start", "2026-01-05", "--horizon", "2026-04-30")
    assert result.exit_code == 0, result.output
    assert "PLAN: HOME" in result.stdout
    calendar = re.findall(r"(\d{4}-\d{2}-\d{2}) │ ([^│]+?)\s+│", result.stdout)
    loading = [day for day, what in calendar if what.startswith("loading dose")]
    assert loading == STANDARD_LOADING
    maintenance = [day for day, what in calendar if "maintenance dose" in what]
    # First maintenance: one month after the last loading dose (2026-01-16), then monthly.
    assert maintenance == ["2026-02-16", "2026-03-16", "2026-04-16"]
    assert [day for day, _ in calendar] == sorted(day for day, _ in calendar)
    assert f"rule set {RULE_SET_VERSION}" in result.stdout


def test_plan_json_is_the_response_in_proto_json_form(address: str) -> None:
    result = run(address, "plan", *PROFILE, "--start", "2026-01-05", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    loading = document["plan"]["loading"]
    assert loading["pattern"] == "LOADING_PATTERN_STANDARD_THREE_TIMES_WEEKLY_TWO_WEEKS"
    days = [f"{d['year']:04d}-{d['month']:02d}-{d['day']:02d}" for d in loading["injectionDates"]]
    assert days == STANDARD_LOADING
    assert document["plan"]["maintenance"]["lifelong"] is True
    assert document["plan"]["ruleSetVersion"] == RULE_SET_VERSION


@pytest.mark.covers("D-NEURO-URGENT")
def test_warnings_are_listed_by_severity(address: str) -> None:
    result = run(
        address, "plan", "--formulation", "cyano", "--age", "60", "--deficiency", "confirmed",
        "--neuro", "present", "--start", "2026-01-05",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    severities = re.findall(r"^(CRITICAL|WARNING|INFO)  ", result.stdout, re.MULTILINE)
    assert "CRITICAL" in severities
    assert "WARNING" in severities  # no platelet count given: PLATELETS_NOT_ASSESSED
    order = {"CRITICAL": 0, "WARNING": 1, "INFO": 2}
    assert severities == sorted(severities, key=order.__getitem__)
    assert "NEURO_SEEK_URGENT_SPECIALIST_ADVICE" in result.stdout.replace("\n", "")


@pytest.mark.covers("D-SCOPE-AGE")
def test_a_request_file_with_short_names_and_options_overriding_it(
    address: str, tmp_path: Path
) -> None:
    request = tmp_path / "plan.yaml"
    request.write_text(
        "profile:\n"
        "  formulation: hydroxocobalamin_1000_mcg_per_ml\n"
        "  age_years: 40\n"
        "  deficiency_status: CONFIRMED\n"
        "  neurological_involvement: absent\n"
        "  platelets_10e9_per_l: 180\n"
        "start_date: 2026-03-02\n",
        encoding="utf-8",
    )
    from_file = run(address, "plan", "--file", str(request), "--json")
    assert from_file.exit_code == 0, from_file.output
    assert "plan" in json.loads(from_file.stdout)
    overridden = run(address, "plan", "--file", str(request), "--age", "12", "--json")
    assert overridden.exit_code == 0, overridden.output
    referral = json.loads(overridden.stdout)["referral"]
    assert referral["reasons"] == ["REFER_REASON_OUT_OF_SCOPE_AGE"]


def test_an_invalid_request_lists_the_fields_and_exits_3(address: str) -> None:
    result = run(address, "plan", "--formulation", "methylcobalamin", "--age", "130")
    assert result.exit_code == 3
    for field in ("profile.formulation", "profile.age_years", "start_date"):
        assert field in result.stderr
    as_json = run(address, "plan", "--age", "-3", "--start", "2026-02-30", "--json")
    assert as_json.exit_code == 3
    error = json.loads(as_json.stdout)["error"]
    assert error["code"] == "INVALID_ARGUMENT"
    fields = {violation["field"] for violation in error["fieldViolations"]}
    assert {"profile.age_years", "start_date"} <= fields


@pytest.mark.covers("D-CHECK")
def test_check_reports_findings(address: str) -> None:
    result = run(address, "check", *PROFILE, "--dose-mcg", "100", "--interval-months", "1")
    assert result.exit_code == 0, result.output
    assert "DOSE_BELOW_RECOMMENDED" in result.stdout.replace("\n", "")
    clean = run(address, "check", *PROFILE, "--dose-mcg", "1000", "--json")
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.stdout)["findings"] == []


@pytest.mark.covers("D-COURSE")
def test_assess_a_course(address: str) -> None:
    injections = [arg for day in STANDARD_LOADING for arg in ("--injection", day)]
    result = run(
        address, "assess", *PROFILE, "--start", "2026-01-05", "--reference", "2026-02-01",
        *injections, "--lab", "2026-01-05:180:14", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["phase"] == "COURSE_PHASE_MAINTENANCE"  # six injections given
    readable = run(
        address, "assess", *PROFILE, "--start", "2026-01-05", "--reference", "2026-02-01",
        *injections,
    )  # fmt: skip
    assert readable.exit_code == 0, readable.output
    assert "Next dose due: 2026-02-16" in readable.stdout


def test_rules_lists_the_rule_set(address: str) -> None:
    result = run(address, "rules", "--json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["ruleSetVersion"] == RULE_SET_VERSION
    assert document["rules"][0]["ruleId"] == "R-DOSE-1000"
    assert "R-DOSE-1000" in run(address, "rules").stdout


def test_an_unreachable_server_exits_1_with_a_one_line_hint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status = main(["--address", "127.0.0.1:1", "--timeout", "2", "rules"])
    assert status == 1
    error = capsys.readouterr().err
    assert error == unreachable_hint("127.0.0.1:1") + "\n"
    assert "127.0.0.1:1" in error
    assert "--address" in error
    assert main(["--address", "127.0.0.1:1", "--timeout", "2", "rules", "--json"]) == 1
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"]["code"] == "UNAVAILABLE"
    assert captured.err == unreachable_hint("127.0.0.1:1") + "\n"


def test_version_names_the_distribution_and_the_api(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == (
        f"b12-dosing {version('b12-dosing-client')} (b12-dosing-client, API b12.dosing.v1)\n"
    )


def test_file_dash_reads_the_request_from_standard_input(address: str) -> None:
    request = "profile: {formulation: hydroxo, age_years: 40, deficiency_status: confirmed,"
    request += " neurological_involvement: absent}\nstart_date: 2026-03-02\n"
    result = CliRunner().invoke(
        cli, ["--address", address, "plan", "--file", "-", "--json"], input=request
    )
    assert result.exit_code == 0, result.output
    loading = json.loads(result.stdout)["plan"]["loading"]
    assert loading["injectionDates"][0] == {"year": 2026, "month": 3, "day": 2}


def test_enum_choices_leave_out_unspecified(address: str) -> None:
    usage = run(address, "plan", "--help").stdout
    assert "[cyanocobalamin_1000_mcg_per_ml|hydroxocobalamin_1000_mcg_per_ml|" in usage
    assert "unspecified" not in usage
    rejected = run(address, "plan", "--deficiency", "unspecified")
    assert rejected.exit_code == 2
    assert "'unspecified' is not one of confirmed, not_present, unknown" in rejected.stderr
    from_file = CliRunner().invoke(
        cli,
        ["--address", address, "plan", "--file", "-"],
        input="profile: {deficiency_status: unspecified}\n",
    )
    assert from_file.exit_code == 2
    assert "'unspecified' is not one of" in from_file.stderr


def test_json_field_names_are_the_proto_json_mapping(address: str) -> None:
    result = run(address, "plan", *PROFILE, "--start", "2026-01-05", "--json")
    assert result.exit_code == 0, result.output
    plan = pb.RegimenPlan.DESCRIPTOR
    names = set(json.loads(result.stdout)["plan"])
    assert names == {field.json_name for field in plan.fields}
    assert "ruleSetVersion" in names


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", "--formulation", "vitamin"]) == 2
    assert "not one of" in capsys.readouterr().err


def test_the_console_script_is_installed() -> None:
    scripts = {entry.name: entry.value for entry in entry_points(group="console_scripts")}
    assert scripts["b12-dosing"] == "b12.dosing.cli:main"
    assert scripts["b12-dosing-server"] == "server.grpc.main:main"


@pytest.mark.covers("D-PREGNANCY", "D-ANTICOAGULANT")
def test_the_2_0_0_profile_fields_are_options(address: str) -> None:
    result = run(
        address, "plan", *PROFILE, "--start", "2026-01-05", "--pregnant",
        "--anticoagulant-therapy", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)["plan"]
    codes = {warning["code"] for warning in plan["warnings"]}
    assert {"CODE_PREGNANCY_REVIEW", "CODE_ANTICOAGULANT_PRECAUTIONS"} <= codes
    # D-PREGNANCY: a clinician review one month after the start.
    assert plan["monitoring"]["pregnancyReviewDate"] == {"year": 2026, "month": 2, "day": 5}
    readable = run(address, "plan", *PROFILE, "--start", "2026-01-05", "--pregnant")
    assert "2026-02-05 │ pregnancy review" in readable.stdout
    without = run(address, "plan", *PROFILE, "--start", "2026-01-05", "--no-pregnant", "--json")
    assert "pregnancyReviewDate" not in json.loads(without.stdout)["plan"]["monitoring"]


@pytest.mark.covers("D-COURSE-SCHEDULE")
def test_assess_shows_the_forward_schedule_through_the_horizon(address: str) -> None:
    injections = [arg for day in STANDARD_LOADING for arg in ("--injection", day)]
    common = [*PROFILE, "--start", "2026-01-05", "--reference", "2026-02-01", *injections]
    result = run(address, "assess", *common, "--horizon", "2026-06-30", "--json")
    assert result.exit_code == 0, result.output
    schedule = json.loads(result.stdout)["schedule"]
    maintenance = [
        f"{d['year']:04d}-{d['month']:02d}-{d['day']:02d}" for d in schedule["maintenanceDates"]
    ]
    # D-MONTH: monthly from one month after the last loading dose (2026-01-16), to the horizon.
    assert maintenance == ["2026-02-16", "2026-03-16", "2026-04-16", "2026-05-16", "2026-06-16"]
    assert schedule["horizonDate"] == {"year": 2026, "month": 6, "day": 30}
    readable = run(address, "assess", *common, "--horizon", "2026-06-30")
    assert "Forward schedule through 2026-06-30" in readable.stdout
    assert "2026-06-16 │ maintenance dose" in readable.stdout


@pytest.mark.covers("D-COURSE-SCHEDULE")
def test_export_course_writes_the_schedule_as_a_calendar(address: str, tmp_path: Path) -> None:
    course = tmp_path / "course.yaml"
    course.write_text(
        "profile: {formulation: cyano, age_years: 52, deficiency_status: confirmed,"
        " neurological_involvement: absent, platelets_10e9_per_l: 210}\n"
        "start_date: 2026-01-05\nreference_date: 2026-02-01\nhorizon_date: 2026-04-30\n"
        f"injection_dates: [{', '.join(STANDARD_LOADING)}]\n",
        encoding="utf-8",
    )
    result = run(address, "export", "--format", "ical", "--course", str(course))
    assert result.exit_code == 0, result.output
    starts = re.findall(r"^DTSTART;VALUE=DATE:(\d{8})", result.stdout, re.MULTILINE)
    assert {"20260216", "20260316", "20260416"} <= set(starts)  # monthly after 2026-01-16
    mixed = run(address, "export", "--format", "fhir", "--course", str(course), "--age", "40")
    assert mixed.exit_code == 2
    assert "--course takes the whole course" in mixed.stderr
